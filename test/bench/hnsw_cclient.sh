#!/bin/bash
# test/bench/hnsw_cclient.sh: single-client QPS of an hnsw index scan through a
# C client (pgbench, libpq, prepared statements, one connection), beside the
# Python client (psycopg) and in-process hnswlib of test/bench/hnsw_ab.py, in
# alternating rounds, to show how much of a query's wall time is the client
# library's.
#
# Needs a running server ($PGHOST/$PGPORT/$PGUSER/$PGDATABASE) holding the
# table items_p and its hnsw index as hnsw_ab.py creates them, pg_prewarm,
# and pgbench on $PATH or in $PG_CONFIG's bindir.  The query vectors go into
# a table fm_query (id int, v vector(784), storage plain), created and
# loaded when missing; pgbench picks a random query id per transaction and
# runs
#
#     SELECT id FROM items_p
#     ORDER BY v <-> (SELECT v FROM fm_query WHERE id = :qid) LIMIT 10
#
# with hnsw.ef_search set for the connection.
#
# Env: CC_EF (14,15), CC_REPS (3), CC_SECONDS (15 per pgbench run),
# CC_ROUNDS (10 rounds of hnsw_ab.py per repetition), MILVUS_DATA_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${PG_CONFIG:-}" ]; then
	bindir=$("$PG_CONFIG" --bindir)
else
	bindir=$(dirname "$(command -v pgbench)")
fi
psql=("$bindir/psql" -X -q -At -v ON_ERROR_STOP=1)
efs=${CC_EF:-14,15}

if [ "$("${psql[@]}" -c "SELECT to_regclass('fm_query') IS NULL")" = t ]; then
	echo "==> loading the query vectors into fm_query" >&2
	/usr/bin/python3 - <<'EOF'
import os, sys
import numpy as np
import psycopg
sys.path.insert(0, os.environ.get('HNSW_BENCH_DIR', 'test/bench'))
import hnsw_bench as hb
d = os.path.join(hb.DATA_DIR, hb.DATASET, hb.PREFIX)
q = hb.read_bvecs(d + 'query.bvecs').astype(np.float32)
with psycopg.connect(autocommit=True) as c:
    c.execute('CREATE TABLE fm_query (id int PRIMARY KEY, v vector(784))')
    c.execute('ALTER TABLE fm_query ALTER v SET STORAGE plain')
    with c.cursor().copy('COPY fm_query (id, v) FROM STDIN') as cp:
        for i, x in enumerate(q):
            cp.write_row((i, '[' + ','.join('%r' % float(f) for f in x) + ']'))
    c.execute('VACUUM ANALYZE fm_query')
EOF
fi
nq=$("${psql[@]}" -c "SELECT count(*) FROM fm_query")
"${psql[@]}" -c "SELECT pg_prewarm('fm_query'), pg_prewarm('fm_query_pkey')" >/dev/null

script=$(mktemp)
trap 'rm -f "$script"' EXIT
printf '\\set qid random(0, %d)\nSELECT id FROM items_p ORDER BY v <-> (SELECT v FROM fm_query WHERE id = :qid) LIMIT 10;\n' \
	$((nq - 1)) >"$script"

echo '| repetition | ef_search | client | QPS |'
echo '|---:|---:|---|---:|'
for rep in $(seq 1 "${CC_REPS:-3}"); do
	for ef in ${efs//,/ }; do
		tps=$(PGOPTIONS="-c hnsw.ef_search=$ef -c enable_seqscan=off" \
			"$bindir/pgbench" -n -c 1 -j 1 -T "${CC_SECONDS:-15}" -M prepared \
			-f "$script" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
		printf '| %s | %s | pgbench (C) | %.0f |\n' "$rep" "$ef" "$tps"
	done
	HNSW_BENCH_DIR=$here HNSW_AB_PORTS=${PGPORT:-5432} HNSW_AB_TABLES=items_p:plain \
		HNSW_EF=$efs HNSW_ROUNDS=${CC_ROUNDS:-10} /usr/bin/python3 "$here/hnsw_ab.py" 2>/dev/null |
		awk -F'|' -v rep="$rep" '/^\| [0-9]+ \|/ {
			gsub(/ /, "", $2); gsub(/ /, "", $5); gsub(/ /, "", $6); gsub(/ /, "", $7)
			printf "| %s | %s | psycopg (Python), recall@10 %s | %s |\n", rep, $2, $5, $6
			printf "| %s | %s | hnswlib in process (Python module) | %s |\n", rep, $2, $7 }'
done
