#!/usr/bin/env bash
# test/bench/ivf_bench.sh: benchmark the ivf index access method (flat, sq8,
# pq) against in-process Faiss (IndexIVFFlat, IndexIVFScalarQuantizer,
# IndexIVFPQ) on Fashion-MNIST (60,000 x 784, L2), side by side in one run:
# build time, index size against the raw vectors, recall@10 / QPS over a
# probes sweep.  See ivf_bench.py and BENCHMARKS.md.
#
# Builds and installs the extension (IVF_SKIP_INSTALL=1 to skip), starts a
# throwaway cluster under the run dir (scripts/common.sh), runs
# test/bench/ivf_bench.py against it, and stops and removes the cluster at
# exit (IVF_KEEP=1 keeps its files).  Needs /usr/bin/python3 with Debian's
# python3-numpy, python3-psycopg and python3-faiss; for the plot,
# python3-matplotlib (make bench-deps; without it, no plot).
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), IVF_CACHE_DIR
# (default: <repo>/tmp/bench: ivf_bench.md, ivf_bench.json, ivf_curve.png),
# IVF_RESULTS_DIR (default: <repo>/test/bench/results: the plot is copied
# there; empty: no copy), IVF_SHARED_BUFFERS (1GB),
# IVF_MAINTENANCE_WORK_MEM (1GB), and the IVF_* knobs of ivf_bench.py.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
IVF_CACHE_DIR=${IVF_CACHE_DIR:-$MV_ROOT/tmp/bench}
IVF_RESULTS_DIR=${IVF_RESULTS_DIR-$MV_ROOT/test/bench/results}

"$PY" -c 'import numpy, psycopg, faiss' 2>/dev/null ||
	die "$PY needs numpy, psycopg and faiss (apt-get install python3-numpy python3-psycopg python3-faiss)"
[ -f "$MILVUS_DATA_DIR/fashion-mnist-784-euclidean/fashion-mnist-784_base.bvecs" ] ||
	die "no Fashion-MNIST in $MILVUS_DATA_DIR/fashion-mnist-784-euclidean (set MILVUS_DATA_DIR)"

export IVF_PLOT=${IVF_PLOT-$IVF_CACHE_DIR/ivf_curve.png}
if [ -n "$IVF_PLOT" ] && ! "$PY" -c 'import matplotlib' 2>/dev/null; then
	log "python3-matplotlib is missing: no plot (make bench-deps installs it)"
	IVF_PLOT=
fi

if [ "${IVF_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
mkdir -p "$IVF_CACHE_DIR"

dir="$(mv_run_dir)/bench-ivf"
cleanup() {
	mv_pg_stop "$dir/data"
	if [ "${IVF_KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
mv_fresh_cluster "$dir" "shared_buffers = '${IVF_SHARED_BUFFERS:-1GB}'" \
	"maintenance_work_mem = '${IVF_MAINTENANCE_WORK_MEM:-1GB}'" \
	"max_wal_size = '4GB'" "fsync = off" "full_page_writes = off"

export IVF_OUT="$IVF_CACHE_DIR/ivf_bench.md" IVF_JSON="$IVF_CACHE_DIR/ivf_bench.json"
log "running the benchmark"
"$PY" "$MV_ROOT/test/bench/ivf_bench.py"
log "report also written to $IVF_OUT"
if [ -n "$IVF_PLOT" ] && [ -f "$IVF_PLOT" ] && [ -n "$IVF_RESULTS_DIR" ]; then
	mkdir -p "$IVF_RESULTS_DIR"
	cp "$IVF_PLOT" "$IVF_RESULTS_DIR/ivf_curve.png"
	log "plot copied to $IVF_RESULTS_DIR/ivf_curve.png"
fi
