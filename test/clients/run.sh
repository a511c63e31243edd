#!/usr/bin/env bash
# test/clients/run.sh: real client drivers against the milvus types (vector,
# halfvec, sparsevec) and the bit metrics.
#
#   PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres test/clients/run.sh
#
# Needs a running server with the extension installed (not created) and a
# superuser in PGUSER.  Creates a fresh database (MV_CLIENTS_DB, default
# milvus_clients), runs CREATE EXTENSION milvus there, then runs
#
#   test_psycopg.py        psycopg 3 (Debian's /usr/bin/python3): vector, text
#                          and binary
#   test_psycopg_types.py  psycopg 3: halfvec, sparsevec and bit, text and
#                          binary
#   test_rdkit.py          psycopg 3 + RDKit (python3-rdkit, rdkit-data):
#                          fingerprints in and out, Tanimoto top-k and
#                          threshold search, substructure screening
#   node/test.js           node-postgres with the pgvector npm package: vector,
#                          halfvec, sparsevec, bit metrics
#
# and prints one "ok N - ..." / "not ok N - ..." line per check, numbered
# across all of them, then exactly one "N passed, N failed" line.  Exits
# non-zero on any failure.  Nothing is skipped: a missing python3-psycopg,
# node or npm, or an npm install that fails, is a "not ok".
#
# npm runs with its cache (and, when $HOME is not writable, $HOME) inside
# node/.npm-cache, so an unprivileged user with HOME=/nonexistent can run
# this.  node_modules is installed with "npm ci" when missing.  The database
# is dropped at the end unless MV_CLIENTS_KEEP_DB=1.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node_dir="$here/node"
db=${MV_CLIENTS_DB:-milvus_clients}
python=/usr/bin/python3

passed=0
failed=0
n=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

# Print a file as TAP comments.
comment() {
	sed 's/^/#   /' "$1"
}

finish() {
	echo "$passed passed, $failed failed"
	if [ "$failed" -eq 0 ]; then exit 0; else exit 1; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/milvus-clients.XXXXXX") || {
	not_ok "create a temporary directory"
	finish
}
trap 'rm -rf "$tmp"' EXIT

# psql of the server we build against, without ~/.psqlrc
bindir=$("${PG_CONFIG:-pg_config}" --bindir 2>/dev/null)
if [ -n "$bindir" ] && [ -x "$bindir/psql" ]; then
	psql=("$bindir/psql")
else
	psql=(psql)
fi
psql+=(-X -q -v ON_ERROR_STOP=1)

# run_suite LABEL CMD...: run a client test, renumber its "ok"/"not ok"
# lines into ours with LABEL in front, pass comments through, and take
# its closing "N passed, N failed" line only as a cross-check.
run_suite() {
	local label=$1 rc line sub_pass=-1 sub_fail=-1 seen_pass=0 seen_fail=0
	shift
	"$@" >"$tmp/$label.out" 2>&1
	rc=$?
	while IFS= read -r line || [ -n "$line" ]; do
		if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
			ok "$label: ${BASH_REMATCH[1]}"
			seen_pass=$((seen_pass + 1))
		elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
			not_ok "$label: ${BASH_REMATCH[1]}"
			seen_fail=$((seen_fail + 1))
		elif [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
			sub_pass=${BASH_REMATCH[1]}
			sub_fail=${BASH_REMATCH[2]}
		elif [[ $line == '#'* ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done <"$tmp/$label.out"
	if [ "$sub_pass" -lt 0 ]; then
		not_ok "$label: exited (status $rc) without its summary line"
	elif [ "$sub_pass" -ne "$seen_pass" ] || [ "$sub_fail" -ne "$seen_fail" ]; then
		not_ok "$label: summary says $sub_pass passed, $sub_fail failed; saw $seen_pass and $seen_fail"
	elif [ "$rc" -ne 0 ] && [ "$seen_fail" -eq 0 ]; then
		not_ok "$label: exited with status $rc but reported no failure"
	fi
}

# --- the database -------------------------------------------------------

if "${psql[@]}" -d postgres \
	-c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
	-c "CREATE DATABASE \"$db\"" >"$tmp/setup.out" 2>&1 &&
	"${psql[@]}" -d "$db" -c "CREATE EXTENSION milvus" >>"$tmp/setup.out" 2>&1; then
	ok "create database $db and CREATE EXTENSION milvus"
else
	not_ok "create database $db and CREATE EXTENSION milvus"
	comment "$tmp/setup.out"
	finish
fi
export PGDATABASE=$db

# --- psycopg 3 ----------------------------------------------------------

if [ ! -x "$python" ]; then
	not_ok "psycopg: $python not found (install python3 and python3-psycopg)"
elif ! "$python" -c 'import psycopg' >"$tmp/import.out" 2>&1; then
	not_ok "psycopg: $python cannot import psycopg (install python3-psycopg)"
	comment "$tmp/import.out"
else
	ok "psycopg: $python has psycopg $("$python" -c 'import psycopg; print(psycopg.__version__)')"
	run_suite psycopg "$python" "$here/test_psycopg.py"
	run_suite psycopg-types "$python" "$here/test_psycopg_types.py"
	if ! "$python" -c 'import rdkit' >"$tmp/import.out" 2>&1; then
		not_ok "rdkit: $python cannot import rdkit (install python3-rdkit and rdkit-data)"
		comment "$tmp/import.out"
	else
		run_suite rdkit "$python" "$here/test_rdkit.py"
	fi
fi

# --- node-postgres + pgvector -------------------------------------------

export npm_config_cache="$node_dir/.npm-cache"
if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ] || [ ! -w "$HOME" ]; then
	export HOME="$node_dir/.npm-cache"
fi
export npm_config_update_notifier=false

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	not_ok "node: node and npm are needed for the node-postgres test (install nodejs and npm)"
else
	ok "node: node $(node --version), npm $(npm --version 2>/dev/null)"
	deps_ok=1
	if [ ! -d "$node_dir/node_modules/pg" ] || [ ! -d "$node_dir/node_modules/pgvector" ]; then
		mkdir -p "$npm_config_cache"
		if [ -f "$node_dir/package-lock.json" ]; then
			npm_cmd=(npm ci --no-audit --no-fund)
		else
			npm_cmd=(npm install --no-audit --no-fund)
		fi
		if (cd "$node_dir" && "${npm_cmd[@]}") >"$tmp/npm.out" 2>&1; then
			ok "node: ${npm_cmd[*]}"
		else
			not_ok "node: ${npm_cmd[*]} failed in $node_dir"
			tail -30 "$tmp/npm.out" | sed 's/^/#   /'
			deps_ok=0
		fi
	fi
	if [ "$deps_ok" -eq 1 ]; then
		run_suite node node "$node_dir/test.js"
	fi
fi

# --- done ----------------------------------------------------------------

if [ "${MV_CLIENTS_KEEP_DB:-0}" != 1 ]; then
	"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
fi
finish
