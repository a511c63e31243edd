#!/usr/bin/env bash
# scripts/test.sh: "make test".  Installs what is missing, builds, installs,
# runs every suite and ends with one line "N passed, N failed" summing them.
# Exits non-zero when anything failed.
#
# Suites: C unit tests (no server), the export check, pg_regress, the
# client tests and the README's SQL against a throwaway cluster, then the
# TAP tests (which start clusters of their own).  Server-side suites run as the unprivileged run
# user in a copy of the tree under the run directory.
set -uo pipefail
. "$(dirname "$0")/common.sh"

total_pass=0
total_fail=0

# record SUITE PASSED FAILED RC: add a suite's counts; a suite that exits
# non-zero without reporting a failure counts one failure.
record() {
	local suite=$1 pass=$2 fail=$3 rc=$4
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
	fi
	printf '==> %-12s %d passed, %d failed\n' "$suite:" "$pass" "$fail"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

# Counts from a log with our own "N passed, N failed" lines, summed (a
# suite of several programs prints one line each).
counts_plain() {
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" |
		awk '{p += $1; f += $3} END {print p + 0, f + 0}'
}

# Counts from pg_regress output: one per test script.
counts_regress() {
	echo "$(grep -cE '\.\.\. +ok' "$1") $(grep -cE '\.\.\. +FAILED|failed \(ignored\)' "$1")"
}

# Counts from prove's summary: assertions run, minus failed subtests.
counts_prove() {
	local tests failed
	tests=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$1" | tail -1)
	failed=$(sed -nE 's/.*Failed ([0-9]+)\/[0-9]+ subtests.*/\1/p' "$1" |
		awk '{s += $1} END {print s + 0}')
	echo "$(( ${tests:-0} - failed )) $failed"
}

# run_suite NAME COUNTER CMD...: run a suite, tee its log, record counts.
run_suite() {
	local name=$1 counter=$2 log rc
	shift 2
	log="$logdir/$name.log"
	log "suite $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	# shellcheck disable=SC2046
	record "$name" $($counter "$log") "$rc"
}

"$MV_ROOT/scripts/deps.sh" || die "could not install dependencies"
mv_build_install || die "build or install failed"
mv_ensure_run_user

rundir=$(mv_run_dir)
logdir="$rundir/logs"
tree="$rundir/tree"
mv_pg_stop "$rundir/test-data"	# left over from an interrupted run
rm -rf "$logdir" "$tree" "$rundir/test-data" "$rundir/test-data.log"
as_user mkdir -p "$logdir" "$tree"
# A copy of the tree the run user owns: pg_regress and prove write into it.
tar -C "$MV_ROOT" --exclude=./tmp --exclude=./.git --exclude=./node_modules \
	-cf - . | as_user tar -C "$tree" -xf -

run_suite unit counts_plain make -C "$MV_ROOT" -s unitcheck
run_suite exports counts_plain make -C "$MV_ROOT" -s exportcheck
# fuzz: each libFuzzer harness of test/fuzz/ for FUZZ_SECONDS (30 s)
run_suite fuzz counts_plain make -k -C "$MV_ROOT/test/fuzz" -s check \
	WORKDIR="$rundir/fuzz"
# gpu/: the CUDA library and its tests, where nvcc exists (the tests skip
# themselves where there is no device), then the same tests against the
# host emulation of the CUDA calls (gpu/emu/), which runs the library's own
# code on the CPU.
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
if [ -n "$nvcc" ]; then
	run_suite gpu counts_plain make -C "$MV_ROOT/gpu" -s NVCC="$nvcc" check emucheck
else
	log "nvcc not found: gpu suite skipped"
fi

port=$(mv_free_port)
log "starting a throwaway cluster on 127.0.0.1:$port"
mv_pg_start "$rundir/test-data" "$port"
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
run_suite regress counts_regress as_user make -C "$tree" -s regresscheck \
	EXTRA_REGRESS_OPTS="--host=127.0.0.1 --port=$port --user=postgres --outputdir=$tree"
if ls "$tree"/test/clients/run.sh >/dev/null 2>&1; then
	run_suite clients counts_plain as_user "$tree/test/clients/run.sh"
fi
# dslfuzz: the DSL compiler under random mutations of valid documents,
# through SQL (test/fuzz/dsl_mutate.py), bounded
as_user "$($PG_CONFIG --bindir)/psql" -X -q -d postgres \
	-c 'SET client_min_messages = warning' \
	-c 'DROP DATABASE IF EXISTS dsl_fuzz' -c 'CREATE DATABASE dsl_fuzz' &&
	as_user "$($PG_CONFIG --bindir)/psql" -X -q -d dsl_fuzz \
		-c 'CREATE EXTENSION milvus'
run_suite dslfuzz counts_plain as_user env PGDATABASE=dsl_fuzz \
	/usr/bin/python3 "$tree/test/fuzz/dsl_mutate.py" "${DSL_FUZZ_DOCS:-20000}"
# readme: every ```sql block of README.md, in order, on a scratch database
# (test/readme/run_readme.py): no error the README does not show
run_suite readme counts_plain as_user env PG_BINDIR="$($PG_CONFIG --bindir)" \
	/usr/bin/python3 "$tree/test/readme/run_readme.py" "$tree/README.md"
mv_pg_stop "$rundir/test-data"
if [ -f "$tree/regression.diffs" ]; then
	log "pg_regress differences (first 100 lines of $tree/regression.diffs):"
	head -100 "$tree/regression.diffs"
fi

unset PGHOST PGPORT PGUSER
run_suite tap counts_prove as_user make -C "$tree" -s tapcheck

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
