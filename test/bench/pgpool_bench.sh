#!/usr/bin/env bash
# test/bench/pgpool_bench.sh: top-10 search throughput through pgpool-II
# against the same two hot standbys queried directly, with one and with four
# clients, on the SIFT sample (10,000 x 128, hnsw), side by side in one
# run, and the share of the searches each standby answered.  See
# BENCHMARKS.md, "Scaling reads (pgpool-II)".
#
# Builds and installs the extension (PGPOOL_SKIP_INSTALL=1 to skip), starts
# a primary, two standbys and pgpool with test/cluster/cluster.sh pgpool
# under the run dir, runs test/bench/pgpool_bench.py against them and tears
# it all down at exit.  Needs pgpool (Debian: pgpool2) and /usr/bin/python3
# with numpy and psycopg.
#
# Env: MILVUS_DATA_DIR (default: <repo>/../shared/data), PGPOOL_ROUNDS (3),
# PGPOOL_SECONDS (4, per measurement), PGPOOL_REPORT (default:
# <repo>/tmp/bench/pgpool_bench.md).
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

PY=/usr/bin/python3
export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
export PGPOOL_REPORT=${PGPOOL_REPORT:-$MV_ROOT/tmp/bench/pgpool_bench.md}
"$PY" -c 'import numpy, psycopg' 2>/dev/null ||
	die "$PY needs numpy and psycopg (apt-get install python3-numpy python3-psycopg)"
[ -f "$MILVUS_DATA_DIR/siftsmall/siftsmall_base.fvecs" ] ||
	die "no SIFT sample in $MILVUS_DATA_DIR/siftsmall (set MILVUS_DATA_DIR)"
PATH=$PATH:/usr/sbin command -v pgpool >/dev/null ||
	die "pgpool not found (apt-get install pgpool2, or make deps)"

if [ "${PGPOOL_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mkdir -p "$(dirname "$PGPOOL_REPORT")"

dir="$(mv_run_dir)/bench-pgpool"
cluster="$MV_ROOT/test/cluster/cluster.sh"
"$cluster" stop "$dir"
trap '"$cluster" stop "$dir"' EXIT
"$cluster" pgpool "$dir"
PGPOOL_PORTS=$(awk '{print $2}' "$dir/ports" | tr '\n' ' ')
export PGPOOL_PORTS
log "benchmark on ports $PGPOOL_PORTS (node0 node1 node2 pgpool; $(nproc) CPUs)"
"$PY" "$MV_ROOT/test/bench/pgpool_bench.py"
log "report in $PGPOOL_REPORT"
