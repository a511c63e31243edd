#!/usr/bin/python3
"""milvus_search benchmark: the DSL's cost over hand-written SQL.

Run through test/bench/dsl_bench.sh, which starts a throwaway cluster and
sets PGHOST/PGPORT/PGUSER/PGDATABASE.  On siftsmall (10,000 x 128 SIFT
descriptors, 100 queries, L2; $MILVUS_DATA_DIR/siftsmall/), with an hnsw
index (m = 16, ef_construction = 64) and a scalar column cat = id % 10,
side by side in one run, one client, k = 10, hnsw.ef_search = 40:

  - sql: the hand-written query through psycopg, prepared, the vector as a
    binary parameter:
      SELECT id, embedding <-> $1 FROM items [WHERE cat = ANY ($2)]
      ORDER BY embedding <-> $1 LIMIT 10
  - dsl: milvus_search('items', doc) with one query vector per call (the
    document built for each query, as a client would; the call is
    prepared, so what is measured is the DSL's own work: describing the
    table, compiling, converting the parameters, planning and running its
    query through SPI).
  - dsl batch: milvus_search with all the round's query vectors in one
    call; QPS counts query vectors.

Two workloads: no filter, and {"term": {"cat": [1, 2, 3]}} (30 % of the
rows; hnsw.iterative_scan = relaxed_order so each query returns 10 rows).
After a warm-up the systems take turns in DSL_ROUNDS rounds over the same
queries; QPS is the median over the rounds.  The ids each system returns
are compared query by query (the DSL runs the same plan, so they must be
equal as sets), and recall@10 against the ground truth is reported (tie-aware for
the unfiltered workload).

Env: DSL_ROUNDS (10), DSL_REPEAT (3: passes over the 100 queries per
round), MILVUS_DATA_DIR, DSL_OUT (also write the report there).
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import psycopg

DATA = os.environ.get("MILVUS_DATA_DIR",
                      os.path.join(os.path.dirname(__file__), "../../../shared/data"))
ROUNDS = int(os.environ.get("DSL_ROUNDS", "10"))
REPEAT = int(os.environ.get("DSL_REPEAT", "3"))
K = 10


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    d = raw[0]
    return raw.reshape(-1, d + 1)[:, 1:].view(dtype).copy()


def vec_text(v):
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


def load(conn, base):
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS items")
        cur.execute("CREATE TABLE items (id integer PRIMARY KEY, cat integer, "
                    "embedding vector(128))")
        with cur.copy("COPY items (id, cat, embedding) FROM STDIN") as cp:
            for i, v in enumerate(base):
                cp.write_row((i, i % 10, vec_text(v)))
        cur.execute("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) "
                    "WITH (m = 16, ef_construction = 64)")
        cur.execute("VACUUM ANALYZE items")


def doc(queries, filtered):
    must = []
    if filtered:
        must.append({"term": {"cat": [1, 2, 3]}})
    must.append({"vector": {"embedding": {
        "topk": K, "metric_type": "L2", "query": [[float(x) for x in q] for q in queries]}}})
    return json.dumps({"bool": {"must": must}})


def run_sql(cur, queries, filtered):
    out = []
    for q in queries:
        if filtered:
            cur.execute("SELECT id FROM items WHERE cat = ANY (%s) "
                        "ORDER BY embedding <-> %s::vector LIMIT 10",
                        ([1, 2, 3], vec_text(q)), prepare=True)
        else:
            cur.execute("SELECT id FROM items ORDER BY embedding <-> %s::vector LIMIT 10",
                        (vec_text(q),), prepare=True)
        out.append([r[0] for r in cur.fetchall()])
    return out


def run_dsl(cur, queries, filtered):
    out = []
    for q in queries:
        cur.execute("SELECT id FROM milvus_search('items', %s::jsonb)",
                    (doc([q], filtered),), prepare=True)
        out.append([int(r[0]) for r in cur.fetchall()])
    return out


def run_batch(cur, queries, filtered):
    cur.execute("SELECT query_no, id FROM milvus_search('items', %s::jsonb)",
                (doc(queries, filtered),), prepare=True)
    out = [[] for _ in queries]
    for n, i in cur.fetchall():
        out[n - 1].append(int(i))
    return out


def recall(results, base, queries, gt, gtd, filtered):
    hits = 0
    for qi, ids in enumerate(results):
        q = queries[qi % len(queries)]
        if filtered:
            ok = np.nonzero(np.isin(np.arange(len(base)) % 10, [1, 2, 3]))[0]
            d = np.linalg.norm(base[ok].astype(np.float64) - q, axis=1)
            kth = np.sort(d)[K - 1]
        else:
            kth = gtd[qi % len(queries)][K - 1]
        for i in ids:
            if np.linalg.norm(base[i].astype(np.float64) - q) <= kth + 1e-4:
                hits += 1
    return hits / (len(results) * K)


def main():
    base = read_vecs(os.path.join(DATA, "siftsmall/siftsmall_base.fvecs"), np.float32)
    queries = read_vecs(os.path.join(DATA, "siftsmall/siftsmall_query.fvecs"), np.float32)
    gt = read_vecs(os.path.join(DATA, "siftsmall/siftsmall_groundtruth.ivecs"), np.int32)
    gtd = read_vecs(os.path.join(DATA, "siftsmall/siftsmall_groundtruth_dist.fvecs"), np.float32)
    conn = psycopg.connect(autocommit=True)
    load(conn, base)
    cur = conn.cursor()
    cur.execute("SET hnsw.ef_search = 40")
    cur.execute("SET hnsw.iterative_scan = relaxed_order")
    work = list(queries) * REPEAT
    systems = [("sql", run_sql), ("dsl", run_dsl), ("dsl batch", run_batch)]
    lines = ["| workload | system | QPS (median of %d rounds) | vs sql | recall@10 | same ids as sql |"
             % ROUNDS, "|---|---|---:|---:|---:|---|"]
    for filtered in (False, True):
        name = "term cat IN (1,2,3)" if filtered else "no filter"
        for _, fn in systems:                       # warm-up
            fn(cur, queries[:20], filtered)
        qps = {s: [] for s, _ in systems}
        res = {}
        for _ in range(ROUNDS):
            for s, fn in systems:
                t0 = time.perf_counter()
                res[s] = fn(cur, work, filtered)
                qps[s].append(len(work) / (time.perf_counter() - t0))
        med = {s: statistics.median(v) for s, v in qps.items()}
        for s, _ in systems:
            # as sets: relaxed_order may return the hand-written query's
            # rows slightly out of order, milvus_search sorts them
            same = "yes" if [set(r) for r in res[s]] == [set(r) for r in res["sql"]] else "NO"
            rec = recall(res[s][:len(queries)], base, queries, gt, gtd, filtered)
            lines.append("| %s | %s | %.0f | %.2f | %.3f | %s |"
                         % (name, s, med[s], med[s] / med["sql"], rec, same))
    report = "\n".join(lines)
    print(report)
    if os.environ.get("DSL_OUT"):
        with open(os.environ["DSL_OUT"], "w") as f:
            f.write(report + "\n")
    if any(l.endswith("| NO |") for l in lines):
        sys.exit("milvus_search returned other ids than the hand-written query")


if __name__ == "__main__":
    main()
