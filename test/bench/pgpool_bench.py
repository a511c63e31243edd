#!/usr/bin/python3
"""test/bench/pgpool_bench.py: top-10 search QPS through pgpool-II against
the same hot standbys queried directly, with 1 and 4 clients, side by side.

Run by test/bench/pgpool_bench.sh against test/cluster/cluster.sh pgpool
(node0 primary, node1 and node2 hot standbys, pgpool in front, with
scripts/pgpool/pgpool.conf.sample): loads the 10,000 SIFT vectors through
pgpool (so onto the primary) with an hnsw index, waits for the standbys to
replay them, then, in rounds that alternate the two, each client runs the
100 SIFT queries in a loop for PGPOOL_SECONDS on a connection of its own:
  - direct: client i connects to standby node(1 + i mod 2) itself;
  - pgpool: every client connects to pgpool, which picks a standby per
    statement (statement_level_load_balance).
Reports the median QPS over the rounds, the ratio pgpool / direct (the cost
pgpool adds per search), and the share of the searches through pgpool each
node answered (SHOW POOL_NODES select_cnt).

Env: PGPOOL_PORTS ("node0 node1 node2 pgpool"), MILVUS_DATA_DIR,
PGPOOL_ROUNDS (3), PGPOOL_SECONDS (4), PGPOOL_REPORT (a file for the table).
"""
import os
import sys
import threading
import time

import numpy as np
import psycopg

DATA = os.environ.get("MILVUS_DATA_DIR", "/work/shared/data")
ROUNDS = int(os.environ.get("PGPOOL_ROUNDS", "3"))
SECONDS = float(os.environ.get("PGPOOL_SECONDS", "4"))
NODE0, NODE1, NODE2, POOL = [int(p) for p in os.environ["PGPOOL_PORTS"].split()]
SQL = "SELECT id FROM sift ORDER BY embedding <-> %s::vector LIMIT 10"


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(dtype)


def connect(port):
    # no server-side prepared statements: the same simple path both ways
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres",
                           dbname="postgres", autocommit=True,
                           prepare_threshold=None)


def literal(v):
    return "[" + ",".join("%g" % x for x in v) + "]"


def setup(base):
    with connect(POOL) as c:
        c.execute("DROP TABLE IF EXISTS sift")
        c.execute("CREATE TABLE sift (id int PRIMARY KEY, embedding vector(128))")
        with c.cursor().copy("COPY sift FROM STDIN") as cp:
            for i, v in enumerate(base):
                cp.write_row((i, literal(v)))
        c.execute("CREATE INDEX ON sift USING hnsw (embedding vector_l2_ops)")
        c.execute("ANALYZE sift")
        c.execute("ALTER DATABASE postgres SET enable_seqscan = off")
    with connect(NODE0) as p:
        lsn = p.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    for port in (NODE1, NODE2):
        with connect(port) as s:
            while not s.execute("SELECT pg_last_wal_replay_lsn() >= %s",
                                (lsn,)).fetchone()[0]:
                time.sleep(0.1)


def select_counts():
    with connect(POOL) as c:
        cur = c.execute("SHOW POOL_NODES")
        cols = [d.name for d in cur.description]
        return {int(r[cols.index("node_id")]): int(r[cols.index("select_cnt")])
                for r in cur.fetchall()}


def run(ports, queries):
    """One client per port, each looping over the queries for SECONDS on
    its own connection; returns the total QPS."""
    conns = [connect(p) for p in ports]
    for c in conns:
        c.execute(SQL, (queries[0],)).fetchall()
    done = [0] * len(conns)
    stop = time.perf_counter() + SECONDS

    def client(i):
        cur = conns[i].cursor()
        n = 0
        while time.perf_counter() < stop:
            cur.execute(SQL, (queries[n % len(queries)],)).fetchall()
            n += 1
        done[i] = n

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    for c in conns:
        c.close()
    return sum(done) / elapsed


base = read_vecs(f"{DATA}/siftsmall/siftsmall_base.fvecs", np.float32)
qv = read_vecs(f"{DATA}/siftsmall/siftsmall_query.fvecs", np.float32)
queries = [literal(q) for q in qv]
setup(base)

qps = {}
before = select_counts()
for _ in range(ROUNDS):
    for clients in (1, 4):
        direct = [(NODE1, NODE2)[i % 2] for i in range(clients)]
        qps.setdefault(("direct", clients), []).append(run(direct, queries))
        qps.setdefault(("pgpool", clients), []).append(run([POOL] * clients, queries))
after = select_counts()
delta = {n: after[n] - before[n] for n in after}
total = sum(delta.values()) or 1

table = ["| clients | direct to the standbys QPS | through pgpool QPS | pgpool / direct |",
         "|---|---|---|---|"]
for clients in (1, 4):
    d = float(np.median(qps[("direct", clients)]))
    p = float(np.median(qps[("pgpool", clients)]))
    table.append(f"| {clients} | {d:.0f} | {p:.0f} | {p / d:.2f} |")
table.append("")
table.append("| node | role | share of the searches through pgpool |")
table.append("|---|---|---|")
for n, role in ((0, "primary"), (1, "standby"), (2, "standby")):
    table.append(f"| node{n} | {role} | {100.0 * delta[n] / total:.1f}% |")
report = "\n".join(table)
print(report)
if os.environ.get("PGPOOL_REPORT"):
    with open(os.environ["PGPOOL_REPORT"], "w") as f:
        f.write(report + "\n")
sys.exit(0)
