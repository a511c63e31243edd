#!/usr/bin/env bash
# test/bench/shard_bench.sh: top-10 throughput of one server against two
# and three shards over postgres_fdw on the SIFT sample (10,000 x 128),
# exact and with hnsw, side by side in one run.  See BENCHMARKS.md,
# "Sharding".
#
# Builds and installs the extension (SHARD_SKIP_INSTALL=1 to skip), starts a
# coordinator and three shards with test/cluster/cluster.sh under the run
# dir, runs test/bench/shard_bench.py against them and tears the cluster
# down at exit.  Needs /usr/bin/python3 with numpy and psycopg.
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), SHARD_ROUNDS (5),
# SHARD_REPORT (default: <repo>/tmp/bench/shard_bench.md).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
export SHARD_REPORT=${SHARD_REPORT:-$MV_ROOT/tmp/bench/shard_bench.md}
"$PY" -c 'import numpy, psycopg' 2>/dev/null ||
	die "$PY needs numpy and psycopg (apt-get install python3-numpy python3-psycopg)"
[ -f "$MILVUS_DATA_DIR/siftsmall/siftsmall_base.fvecs" ] ||
	die "no SIFT sample in $MILVUS_DATA_DIR/siftsmall (set MILVUS_DATA_DIR)"

if [ "${SHARD_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mkdir -p "$(dirname "$SHARD_REPORT")"

dir="$(mv_run_dir)/bench-shard"
cluster="$MV_ROOT/test/cluster/cluster.sh"
"$cluster" stop "$dir"
trap '"$cluster" stop "$dir"' EXIT
"$cluster" shards "$dir" 4
SHARD_PORTS=$(awk '{print $2}' "$dir/ports" | tr '\n' ' ')
export SHARD_PORTS
log "benchmark on ports $SHARD_PORTS ($(nproc) CPUs)"
"$PY" "$MV_ROOT/test/bench/shard_bench.py"
log "report in $SHARD_REPORT"
