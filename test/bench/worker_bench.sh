#!/usr/bin/env bash
# test/bench/worker_bench.sh: batch search throughput of the background
# worker (CPU path) against in-process Faiss IndexFlatL2, side by side in
# one run (test/bench/worker_bench.py).  See BENCHMARKS.md.
#
# Builds and installs the extension (WORKER_SKIP_INSTALL=1 to skip), derives
# the 300,000 x 128 descriptors if not cached (test/bench/exact_data.py),
# starts a throwaway cluster with milvus preloaded (scripts/common.sh), runs
# the benchmark, and removes the cluster at exit.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
export EXACT_CACHE_DIR=${EXACT_CACHE_DIR:-$MV_ROOT/tmp/bench}

"$PY" -c 'import numpy, faiss, psycopg' 2>/dev/null ||
	die "$PY needs numpy, faiss and psycopg"
if [ "${WORKER_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
mkdir -p "$EXACT_CACHE_DIR"
"$PY" "$MV_ROOT/test/bench/exact_data.py" >/dev/null

dir="$(mv_run_dir)/bench-worker"
cleanup() {
	mv_pg_stop "$dir/data"
	rm -rf "$dir"
}
trap cleanup EXIT
mv_fresh_cluster "$dir" "shared_buffers = '512MB'" "max_wal_size = '4GB'" \
	"fsync = off" "full_page_writes = off" \
	"milvus.worker_threads = ${WORKER_THREADS:-2}"

export WORKER_OUT="$EXACT_CACHE_DIR/worker_bench.md"
log "running the benchmark"
"$PY" "$MV_ROOT/test/bench/worker_bench.py"
