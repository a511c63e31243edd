"""test/bench/ivf_filter_bench.py: ivfflat with a filter column against the
one-column index with the filter above the scan and the exact plan, at 1 %
and 10 % selectivity, on the table test/bench/hnsw_filter_fallback.py
leaves (run that first with FB_KEEP=1: fb_items, fb_cat, fb_hnsw,
fb_hnsw1).  The indexes a plan must not use are dropped in a transaction
rolled back afterwards.

    DSN=... /usr/bin/python3 test/bench/ivf_filter_bench.py
"""
import os
import sys
import time

import psycopg

sys.path.insert(0, os.path.dirname(__file__))
from benchdata import read_bvecs  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.environ.get('MILVUS_DATA_DIR', os.path.join(ROOT, '..', 'shared',
                                                      'data'))
qs = read_bvecs(os.path.join(DATA, 'fashion-mnist-784-euclidean',
                             'fashion-mnist-784_query.bvecs'))[:50]
queries = ['[' + ','.join(str(int(x)) for x in q) + ']' for q in qs]
conn = psycopg.connect(os.environ['DSN'], autocommit=True)
cur = conn.cursor()
cur.execute("SELECT to_regclass('fb_ivf2') IS NULL")
if cur.fetchone()[0]:
    t=time.time()
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("CREATE INDEX fb_ivf2 ON fb_items USING ivfflat (v vector_l2_ops, cat) WITH (lists = 100)")
    cur.execute("CREATE INDEX fb_ivf1 ON fb_items USING ivfflat (v vector_l2_ops) WITH (lists = 100)")
    print('builds %.1f s' % (time.time()-t))
cur.execute("SET ivfflat.iterative_scan = relaxed_order"); cur.execute("SET ivfflat.probes = 10")
cur.execute("SET plan_cache_mode = force_custom_plan")
plans = {'exact': ['fb_hnsw', 'fb_hnsw1', 'fb_ivf2', 'fb_ivf1'], 'ivfflat filter in index': ['fb_cat', 'fb_hnsw', 'fb_hnsw1', 'fb_ivf1'], 'ivfflat one column': ['fb_cat', 'fb_hnsw', 'fb_hnsw1', 'fb_ivf2']}
for limit, label in ((10, '1 %'), (100, '10 %')):
    secs = {p: 0.0 for p in plans}; res = {}
    for r in range(2):
        for p, drops in plans.items():
            cur.execute('BEGIN')
            for d in drops: cur.execute('DROP INDEX ' + d)
            if p == 'exact':
                cur.execute('SET LOCAL enable_indexscan = off'); cur.execute('SET LOCAL enable_seqscan = off')
            else:
                cur.execute('SET LOCAL enable_seqscan = off'); cur.execute('SET LOCAL enable_bitmapscan = off')
            t = time.time(); out = []
            for q in queries:
                cur.execute('SELECT id FROM fb_items WHERE cat < %s ORDER BY v <-> %s::vector LIMIT 10', (limit, q), prepare=True)
                out.append([x[0] for x in cur.fetchall()])
            secs[p] += time.time() - t; res[p] = out
            cur.execute('ROLLBACK')
    truth = res['exact']
    for p in plans:
        hits = sum(len(set(a) & set(b)) for a, b in zip(res[p], truth))
        print(label, p, 'QPS %.0f' % (100 / secs[p]), 'x exact %.2f' % (secs['exact'] / secs[p]), 'recall %.3f' % (hits / sum(len(b) for b in truth)))
