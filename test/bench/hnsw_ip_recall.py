"""hnsw with inner product: recall@10 and unreachable elements.

SIFT10K (/work/shared/data/siftsmall) with row i scaled by 0.5 + (i % 7)/4
so that norms vary; builds a vector_ip_ops index with CREATE INDEX, then
row by row into an empty indexed table, and prints for each the build time,
milvus_index_check's problem count and recall@10 against exact inner
product at ef_search 40 and 100.

    /usr/bin/python3 test/bench/hnsw_ip_recall.py LABEL PORT

PORT: a server on 127.0.0.1 with user postgres, database r, milvus created.
Figures: BENCHMARKS.md, "hnsw with inner product".
"""
import sys, numpy as np, psycopg, time
d = np.fromfile('/work/shared/data/siftsmall/siftsmall_base.fvecs', dtype=np.int32)
dim = d[0]; base = d.reshape(-1, dim + 1)[:, 1:].view(np.float32)
q = np.fromfile('/work/shared/data/siftsmall/siftsmall_query.fvecs', dtype=np.int32).reshape(-1, dim + 1)[:, 1:].view(np.float32)
# make norms vary (SIFT norms are nearly constant): scale row i by 0.5 + (i % 7) / 4
scale = (0.5 + (np.arange(len(base)) % 7) / 4.0).astype(np.float32)
base = base * scale[:, None]
ip = q @ base.T
k = 10
kth = -np.sort(-ip, axis=1)[:, k - 1]
conn = psycopg.connect("host=127.0.0.1 port=%s user=postgres dbname=r" % (sys.argv[2] if len(sys.argv) > 2 else "55477"), autocommit=True)
cur = conn.cursor()
cur.execute("SET client_min_messages=warning")
cur.execute("DROP TABLE IF EXISTS sift_ip, sift_ip2")
cur.execute("CREATE TABLE sift_ip (id int, v vector(128))")
with cur.copy("COPY sift_ip (id, v) FROM STDIN") as cp:
    for i, row in enumerate(base):
        cp.write_row((i, '[' + ','.join('%.6g' % x for x in row) + ']'))
def recall(tab, ef):
    cur.execute("SET enable_seqscan=off"); cur.execute("SET hnsw.ef_search=%d" % ef)
    hits = 0
    for qi, qq in enumerate(q):
        cur.execute("SELECT id FROM %s ORDER BY v <#> %%s::vector LIMIT %d" % (tab, k), ('[' + ','.join('%.6g' % x for x in qq) + ']',))
        ids = [r[0] for r in cur.fetchall()]
        hits += sum(1 for i in ids if ip[qi, i] >= kth[qi] - 1e-3 * abs(kth[qi]))
    return hits / (k * len(q))
t = time.time()
cur.execute("CREATE INDEX ON sift_ip USING hnsw (v vector_ip_ops)")
tb = time.time() - t
cur.execute("SELECT count(*) FROM milvus_index_check('sift_ip_v_idx')"); pb = cur.fetchone()[0]
res = {'build_s': round(tb, 1), 'build_problems': pb}
for ef in (40, 100):
    res['build_recall_ef%d' % ef] = recall('sift_ip', ef)
cur.execute("CREATE TABLE sift_ip2 (id int, v vector(128))")
cur.execute("CREATE INDEX sift_ip2_idx ON sift_ip2 USING hnsw (v vector_ip_ops)")
t = time.time()
cur.execute("INSERT INTO sift_ip2 SELECT * FROM sift_ip")
res['insert_s'] = round(time.time() - t, 1)
cur.execute("SELECT count(*) FROM milvus_index_check('sift_ip2_idx')"); res['insert_problems'] = cur.fetchone()[0]
for ef in (40, 100):
    res['insert_recall_ef%d' % ef] = recall('sift_ip2', ef)
print(sys.argv[1] if len(sys.argv) > 1 else '', res, flush=True)
