#!/usr/bin/env bash
# scripts/check-exports.sh LIBRARY SQLSCRIPT...: the shared library must
# export only the SQL-callable functions the install scripts name (with
# their pg_finfo_ records), _PG_init and the magic block.  Anything else
# could bind to another extension's symbols (pgvector's) in one backend.
set -uo pipefail
lib=$1
shift
allowed=$(mktemp)
trap 'rm -f "$allowed"' EXIT
{
	echo _PG_init
	echo Pg_magic_func
	sed -nE "s/.*AS 'MODULE_PATHNAME'(, *'([a-z0-9_]+)')?.*/\2/p" "$@"
	grep -hoE "^CREATE (OR REPLACE )?FUNCTION [a-z0-9_]+" "$@" | awk '{print $NF}'
	# background worker entry points, named where the worker is registered
	grep -hoE 'bgw_function_name, "[a-z0-9_]+"' "$(dirname "$0")"/../src/*.c |
		sed -E 's/.*"(.*)"/\1/'
} | sort -u | sed '/^$/d' | awk '{print; print "pg_finfo_" $0}' | sort -u >"$allowed"

pass=0
fail=0
while read -r sym; do
	if grep -qxF "$sym" "$allowed"; then
		pass=$((pass + 1))
	else
		echo "not ok - unexpected exported symbol: $sym"
		fail=$((fail + 1))
	fi
done < <(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRWVi]$/ {print $3}')

if [ "$pass" -eq 0 ]; then
	echo "not ok - no exported symbols found in $lib"
	fail=$((fail + 1))
fi
echo "ok - $pass exported symbols checked in $lib"
# one check: the export list as a whole
if [ "$fail" -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, $fail failed"; fi
[ "$fail" -eq 0 ]
