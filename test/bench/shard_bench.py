#!/usr/bin/python3
"""test/bench/shard_bench.py: top-10 throughput of one server against two
and three shards over postgres_fdw, on the SIFT sample, side by side.

Run by test/bench/shard_bench.sh against a cluster from test/cluster/
cluster.sh (coordinator node0, foreign servers shard1 .. shard3): loads the
10,000 SIFT vectors into a plain table "one" on the coordinator and, through
the coordinator, into tables sharded over two ("s2") and three ("s3")
servers; then times the 100 queries, one client, in rounds that visit every
configuration in turn, exact (no index) and with hnsw indexes.  Reports the
median QPS of the rounds, its ratio to one server's, and recall@10 against
the ground truth.

Env: SHARD_PORTS (node0's port first, then the shards'), MILVUS_DATA_DIR,
SHARD_ROUNDS (5), SHARD_REPORT (a file for the markdown table).
"""
import os
import sys
import time

import numpy as np
import psycopg

DATA = os.environ.get("MILVUS_DATA_DIR", "/work/shared/data")
ROUNDS = int(os.environ.get("SHARD_ROUNDS", "5"))
PORTS = [int(p) for p in os.environ["SHARD_PORTS"].split()]


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(dtype)


def connect(port):
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres",
                           dbname="postgres", autocommit=True)


def literal(v):
    return "[" + ",".join("%g" % x for x in v) + "]"


def setup(coord, shards, base):
    coord.execute("DROP TABLE IF EXISTS one, s2, s3")
    coord.execute("CREATE TABLE one (id bigint PRIMARY KEY, embedding vector(128))")
    with coord.cursor().copy("COPY one FROM STDIN") as cp:
        for i, v in enumerate(base):
            cp.write_row((i, literal(v)))
    for name, n in (("s2", 2), ("s3", 3)):
        for s in shards[:n]:
            s.execute(f"DROP TABLE IF EXISTS {name}_p0, {name}_p1, {name}_p2")
            s.execute(f"SELECT milvus_create_shard_tables('{name}', 128, {n})")
        servers = ",".join(f"'shard{i + 1}'" for i in range(n))
        coord.execute(f"SELECT milvus_create_sharded_table('{name}', 128, "
                      f"ARRAY[{servers}])")
        coord.execute(f"INSERT INTO {name} SELECT id, embedding FROM one")
    for c in [coord] + shards:
        c.execute("ANALYZE")


def index(coord, shards):
    coord.execute("CREATE INDEX ON one USING hnsw (embedding vector_l2_ops)")
    for name, n in (("s2", 2), ("s3", 3)):
        for p in range(n):
            # partition p is on shard p + 1 (milvus_create_sharded_table)
            shards[p].execute(f"CREATE INDEX ON {name}_p{p} USING hnsw "
                              "(embedding vector_l2_ops)")
    # the shards' partitions are small enough for an exact scan to look
    # cheaper than the index: every server uses its hnsw index (new
    # sessions, as measure() opens them, take the setting)
    for c in [coord] + shards:
        c.execute("ANALYZE")
        c.execute("ALTER DATABASE postgres SET enable_seqscan = off")


QUERIES = {
    "one server": "SELECT id FROM one ORDER BY embedding <-> %s::vector LIMIT 10",
    "2 shards": "SELECT id FROM milvus_sharded_search(NULL::s2, %s::vector, 10)",
    "3 shards": "SELECT id FROM milvus_sharded_search(NULL::s3, %s::vector, 10)",
    "3 shards, plain query": "SELECT id FROM s3 ORDER BY embedding <-> %s::vector LIMIT 10",
}


def measure(queries, gt_dist, base):
    # a fresh connection per configuration, so every one pays its own
    # postgres_fdw connection set-up once, outside the timing
    conns = {k: connect(PORTS[0]) for k in QUERIES}
    for k, sql in QUERIES.items():
        conns[k].execute(sql, (queries[0],)).fetchall()
    qps = {k: [] for k in QUERIES}
    results = {}
    for _ in range(ROUNDS):
        for k, sql in QUERIES.items():
            cur = conns[k].cursor()
            t0 = time.perf_counter()
            res = [cur.execute(sql, (q,)).fetchall() for q in queries]
            qps[k].append(len(queries) / (time.perf_counter() - t0))
            results[k] = res
    out = {}
    for k in QUERIES:
        hits = 0
        for qi, rows in enumerate(results[k]):
            ids = [r[0] for r in rows]
            d = np.linalg.norm(base[ids] - qv[qi], axis=1)
            hits += int((d <= gt_dist[qi][9] * (1 + 1e-6)).sum())
        out[k] = (float(np.median(qps[k])), hits / (10.0 * len(queries)))
    for c in conns.values():
        c.close()
    return out


base = read_vecs(f"{DATA}/siftsmall/siftsmall_base.fvecs", np.float32)
qv = read_vecs(f"{DATA}/siftsmall/siftsmall_query.fvecs", np.float32)
gt_dist = read_vecs(f"{DATA}/siftsmall/siftsmall_groundtruth_dist.fvecs", np.float32)
queries = [literal(q) for q in qv]

coord = connect(PORTS[0])
shards = [connect(p) for p in PORTS[1:4]]
setup(coord, shards, base)
table = ["| search | configuration | QPS | ratio to one server | recall@10 |",
         "|---|---|---|---|---|"]
for mode in ("exact", "hnsw"):
    if mode == "hnsw":
        index(coord, shards)
    r = measure(queries, gt_dist, base)
    one = r["one server"][0]
    for k, (qps, recall) in r.items():
        table.append(f"| {mode} | {k} | {qps:.0f} | {qps / one:.2f} | {recall:.3f} |")
report = "\n".join(table)
print(report)
if os.environ.get("SHARD_REPORT"):
    with open(os.environ["SHARD_REPORT"], "w") as f:
        f.write(report + "\n")
sys.exit(0)
