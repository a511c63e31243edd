#!/usr/bin/env bash
# test/bench/annoy_bench.sh: benchmark the annoy index access method beside
# hnsw and ivf (flat) on Fashion-MNIST (60,000 x 784, L2), in one run:
# build time, index size against the raw vectors, recall@10 / QPS over an
# annoy.search_k sweep (and hnsw.ef_search, ivf.probes sweeps).  See
# annoy_bench.py and BENCHMARKS.md.
#
# Builds and installs the extension (ANNOY_SKIP_INSTALL=1 to skip), starts
# a throwaway cluster under the run dir (scripts/common.sh), runs
# test/bench/annoy_bench.py against it, and stops and removes the cluster
# at exit (ANNOY_KEEP=1 keeps its files).  Needs /usr/bin/python3 with
# Debian's python3-numpy and python3-psycopg.
#
# GloVe-100 runs too when test/bench/glove.py has written its files into
# ANNOY_GLOVE_DIR (default <repo>/tmp/bench/glove); else it is skipped.
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), ANNOY_CACHE_DIR
# (default: <repo>/tmp/bench: annoy_bench.md, annoy_bench.json),
# ANNOY_SHARED_BUFFERS (1GB), ANNOY_MAINTENANCE_WORK_MEM (1GB), and the
# ANNOY_* knobs of annoy_bench.py.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
ANNOY_CACHE_DIR=${ANNOY_CACHE_DIR:-$MV_ROOT/tmp/bench}

"$PY" -c 'import numpy, psycopg' 2>/dev/null ||
	die "$PY needs numpy and psycopg (apt-get install python3-numpy python3-psycopg)"
[ -f "$MILVUS_DATA_DIR/fashion-mnist-784-euclidean/fashion-mnist-784_base.bvecs" ] ||
	die "no Fashion-MNIST in $MILVUS_DATA_DIR/fashion-mnist-784-euclidean (set MILVUS_DATA_DIR)"

if [ "${ANNOY_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
mkdir -p "$ANNOY_CACHE_DIR"

dir="$(mv_run_dir)/bench-annoy"
cleanup() {
	mv_pg_stop "$dir/data"
	if [ "${ANNOY_KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
mv_fresh_cluster "$dir" "shared_buffers = '${ANNOY_SHARED_BUFFERS:-1GB}'" \
	"maintenance_work_mem = '${ANNOY_MAINTENANCE_WORK_MEM:-1GB}'" \
	"max_wal_size = '4GB'" "fsync = off" "full_page_writes = off"

export ANNOY_OUT="$ANNOY_CACHE_DIR/annoy_bench.md"
log "running the benchmark"
"$PY" "$MV_ROOT/test/bench/annoy_bench.py"
log "report also written to $ANNOY_OUT"
