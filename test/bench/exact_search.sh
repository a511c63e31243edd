#!/usr/bin/env bash
# test/bench/exact_search.sh: benchmark exact search (sequential scan,
# ORDER BY embedding <-> q LIMIT 10) against memcpy bandwidth and an
# in-process Faiss IndexFlatL2, side by side in one run.  See BENCHMARKS.md.
#
# Builds and installs the extension (EXACT_SKIP_INSTALL=1 to skip), derives
# the 300,000 x 128 descriptors from Fashion-MNIST if not cached
# (test/bench/exact_data.py), starts a throwaway cluster under the run dir
# (scripts/common.sh), runs test/bench/exact_search.py against it, and stops
# and removes the cluster at exit (EXACT_KEEP=1 keeps its files).
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), EXACT_CACHE_DIR
# (default: <repo>/tmp/bench), EXACT_SHARED_BUFFERS (512MB), and the
# EXACT_* knobs of exact_search.py.  The report is also written to
# $EXACT_CACHE_DIR/exact_search.md.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
export EXACT_CACHE_DIR=${EXACT_CACHE_DIR:-$MV_ROOT/tmp/bench}
SHARED_BUFFERS=${EXACT_SHARED_BUFFERS:-512MB}

"$PY" -c 'import numpy, faiss, psycopg' 2>/dev/null ||
	die "$PY needs numpy, faiss and psycopg (apt-get install python3-numpy python3-faiss python3-psycopg)"

if [ "${EXACT_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user

log "descriptors"
mkdir -p "$EXACT_CACHE_DIR"
"$PY" "$MV_ROOT/test/bench/exact_data.py" >/dev/null

dir="$(mv_run_dir)/bench-exact"
cleanup() {
	mv_pg_stop "$dir/data"
	if [ "${EXACT_KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
# a fresh cluster every run (no synchronous_commit = off: VACUUM cannot
# mark a page all-visible while the inserting transaction's commit record
# is not yet flushed)
mv_fresh_cluster "$dir" "shared_buffers = '$SHARED_BUFFERS'" \
	"max_wal_size = '4GB'" "fsync = off" "full_page_writes = off"

export EXACT_OUT="$EXACT_CACHE_DIR/exact_search.md"
log "running the benchmark"
"$PY" "$MV_ROOT/test/bench/exact_search.py"
log "report also written to $EXACT_OUT"
