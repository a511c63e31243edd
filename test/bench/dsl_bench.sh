#!/usr/bin/env bash
# test/bench/dsl_bench.sh: what milvus_search costs over the hand-written
# query it compiles to, on siftsmall with an hnsw index, side by side in one
# run (see test/bench/dsl_bench.py and BENCHMARKS.md).
#
# Builds and installs the extension (DSL_SKIP_INSTALL=1 to skip), starts a
# throwaway cluster under the run dir (scripts/common.sh), runs the Python
# script against it, and stops and removes the cluster at exit.  Needs
# /usr/bin/python3 with Debian's python3-numpy and python3-psycopg.
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), DSL_ROUNDS,
# DSL_REPEAT; the report is also written to <repo>/tmp/bench/dsl_bench.md.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
"$PY" -c 'import numpy, psycopg' 2>/dev/null ||
	die "$PY needs numpy and psycopg (apt-get install python3-numpy python3-psycopg)"
[ -f "$MILVUS_DATA_DIR/siftsmall/siftsmall_base.fvecs" ] ||
	die "no siftsmall in $MILVUS_DATA_DIR (set MILVUS_DATA_DIR)"

if [ "${DSL_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
mkdir -p "$MV_ROOT/tmp/bench"

dir="$(mv_run_dir)/bench-dsl"
data="$dir/data"
cleanup() {
	mv_pg_stop "$data"
	rm -rf "$dir"
}
mv_pg_stop "$data"
rm -rf "$dir"
as_user mkdir -p "$dir"
trap cleanup EXIT

port=$(mv_free_port)
log "starting a throwaway cluster in $data on 127.0.0.1:$port"
mv_pg_start "$data" "$port"
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
as_user "$($PG_CONFIG --bindir)/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres \
	-c "CREATE EXTENSION milvus"
export DSL_OUT="$MV_ROOT/tmp/bench/dsl_bench.md"
log "running the benchmark"
"$PY" "$MV_ROOT/test/bench/dsl_bench.py"
log "report also written to $DSL_OUT"
