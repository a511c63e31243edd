#!/usr/bin/env bash
# test/bench/soak.sh [SECONDS] [CLIENTS]: the soak of test/t/052_soak.pl
# run for longer (default 180 s, 4 clients): pgbench inserts, updates,
# deletes and searches on hnsw-indexed SIFT vectors beside autovacuum, then
# the exact row count, the index check, and recall before and after VACUUM.
# Prints the test's "soak: ..." summary (transactions, tps, failures, rows,
# recall) for BENCHMARKS.md.  Needs the extension installed (make install).
set -uo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

seconds=${1:-180}
clients=${2:-4}

mv_ensure_run_user
rundir=$(mv_run_dir)
tree="$rundir/soak-tree"
rm -rf "$tree"
as_user mkdir -p "$tree"
tar -C "$MV_ROOT" --exclude=./tmp --exclude=./.git --exclude=./node_modules \
	-cf - . | as_user tar -C "$tree" -xf -

log "soak: $seconds s, $clients clients"
as_user env MILVUS_SOAK_SECONDS="$seconds" MILVUS_SOAK_CLIENTS="$clients" \
	make -C "$tree" -s tapcheck PROVE_TESTS=test/t/052_soak.pl
rc=$?
grep -h 'soak:' "$tree"/tmp_check/log/regress_log_052_soak | sed 's/^.*# //'
exit $rc
