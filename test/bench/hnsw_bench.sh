#!/usr/bin/env bash
# test/bench/hnsw_bench.sh: benchmark the hnsw index access method against
# in-process hnswlib on Fashion-MNIST (60,000 x 784, L2), side by side in
# one run: build time, index size, and the recall@10 / QPS curve over an
# ef_search sweep with one and two clients.  See BENCHMARKS.md.
#
# Builds and installs the extension (HNSW_SKIP_INSTALL=1 to skip), starts a
# throwaway cluster under the run dir (scripts/common.sh), runs
# test/bench/hnsw_bench.py against it, and stops and removes the cluster at
# exit (HNSW_KEEP=1 keeps its files).  Needs /usr/bin/python3 with Debian's
# python3-numpy, python3-psycopg and python3-hnswlib; for the plot,
# python3-matplotlib (make bench-deps; without it the plot is skipped with
# a message).
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), HNSW_CACHE_DIR
# (default: <repo>/tmp/bench: the report hnsw_bench.md, the raw figures
# hnsw_bench.json and the plot hnsw_curve.png), HNSW_RESULTS_DIR (default:
# <repo>/test/bench/results: the plot is copied there for BENCHMARKS.md;
# empty: no copy), HNSW_SHARED_BUFFERS (1GB), HNSW_MAINTENANCE_WORK_MEM (2GB),
# and the HNSW_* knobs of hnsw_bench.py (HNSW_QUERIES, HNSW_ROUNDS, HNSW_EF,
# HNSW_BUILD_THREADS, HNSW_PERF, ...).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
HNSW_CACHE_DIR=${HNSW_CACHE_DIR:-$MV_ROOT/tmp/bench}
HNSW_RESULTS_DIR=${HNSW_RESULTS_DIR-$MV_ROOT/test/bench/results}
SHARED_BUFFERS=${HNSW_SHARED_BUFFERS:-1GB}
MAINTENANCE_WORK_MEM=${HNSW_MAINTENANCE_WORK_MEM:-2GB}

"$PY" -c 'import numpy, psycopg, hnswlib' 2>/dev/null ||
	die "$PY needs numpy, psycopg and hnswlib (apt-get install python3-numpy python3-psycopg python3-hnswlib)"
[ -f "$MILVUS_DATA_DIR/fashion-mnist-784-euclidean/fashion-mnist-784_base.bvecs" ] ||
	die "no Fashion-MNIST in $MILVUS_DATA_DIR/fashion-mnist-784-euclidean (set MILVUS_DATA_DIR)"

export HNSW_PLOT=${HNSW_PLOT-$HNSW_CACHE_DIR/hnsw_curve.png}
if [ -n "$HNSW_PLOT" ] && ! "$PY" -c 'import matplotlib' 2>/dev/null; then
	log "python3-matplotlib is missing: no plot (make bench-deps installs it)"
	HNSW_PLOT=
fi

if [ "${HNSW_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
mkdir -p "$HNSW_CACHE_DIR"

dir="$(mv_run_dir)/bench-hnsw"
cleanup() {
	mv_pg_stop "$dir/data"
	if [ "${HNSW_KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
# a fresh cluster every run.  Synchronous commit stays on: VACUUM cannot
# mark a page all-visible while the COPY's commit record is not yet flushed.
mv_fresh_cluster "$dir" "shared_buffers = '$SHARED_BUFFERS'" \
	"maintenance_work_mem = '$MAINTENANCE_WORK_MEM'" \
	"max_wal_size = '4GB'" "fsync = off" "full_page_writes = off"

export HNSW_OUT="$HNSW_CACHE_DIR/hnsw_bench.md" HNSW_JSON="$HNSW_CACHE_DIR/hnsw_bench.json"
log "running the benchmark"
"$PY" "$MV_ROOT/test/bench/hnsw_bench.py"
log "report also written to $HNSW_OUT"
if [ -n "$HNSW_PLOT" ] && [ -f "$HNSW_PLOT" ] && [ -n "$HNSW_RESULTS_DIR" ]; then
	mkdir -p "$HNSW_RESULTS_DIR"
	cp "$HNSW_PLOT" "$HNSW_RESULTS_DIR/hnsw_curve.png"
	log "plot copied to $HNSW_RESULTS_DIR/hnsw_curve.png"
fi
