"""test/bench/hnsw_filter_fallback.py: filtered hnsw scans with the filter
column in the index, with and without the exact fallback
(milvus.hnsw_filter_exact_fraction), beside the exact plan, on
Fashion-MNIST (60,000 x 784, L2) with a column cat uncorrelated with the
vectors (cat = id * 7919 mod 1000), and beside a one-column hnsw index
with the filter above the scan (iterative scan), as before filter
columns.

    DSN=... /usr/bin/python3 test/bench/hnsw_filter_fallback.py

Env: DSN (a database where the extension can be created), MILVUS_DATA_DIR
(default <repo>/../shared/data), FB_QUERIES (50), FB_ROUNDS (2), FB_KEEP=1
reuses the table and index of an earlier run.  Prints one markdown table:
per selectivity and plan, QPS, its ratio to the exact plan's QPS measured
in the same rounds, recall@10 against the exact plan, and the rows
returned per query.  Systems alternate within each round.
"""
import os
import sys
import time

import numpy as np
import psycopg

sys.path.insert(0, os.path.dirname(__file__))
from benchdata import copy_binary, read_bvecs  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.environ.get('MILVUS_DATA_DIR', os.path.join(ROOT, '..', 'shared',
                                                      'data'))
FM = os.path.join(DATA, 'fashion-mnist-784-euclidean')
NQ = int(os.environ.get('FB_QUERIES', '50'))
ROUNDS = int(os.environ.get('FB_ROUNDS', '2'))

PLANS = {
    'exact (btree + sort)': ['SET enable_indexscan = off',
                             'SET enable_seqscan = off',
                             'SET enable_bitmapscan = on'],
    'hnsw, filter in index, no fallback': [
        'SET enable_indexscan = on', 'SET enable_seqscan = off',
        'SET enable_bitmapscan = off',
        'SET milvus.hnsw_filter_exact_fraction = 0'],
    'hnsw, filter in index, fallback': [
        'SET enable_indexscan = on', 'SET enable_seqscan = off',
        'SET enable_bitmapscan = off',
        'SHOW milvus.hnsw_filter_exact_fraction'],
    'hnsw one column, filter above the scan': [
        'SET enable_indexscan = on', 'SET enable_seqscan = off',
        'SET enable_bitmapscan = off', 'DROP INDEX fb_hnsw'],
}
# the hnsw plans run with the btree on cat dropped in a transaction rolled
# back afterwards, as a generic plan that chose hnsw would run



def setup(cur, base):
    cur.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    if os.environ.get('FB_KEEP') == '1':
        cur.execute("SELECT to_regclass('fb_items') IS NOT NULL")
        if cur.fetchone()[0]:
            return
    cur.execute('DROP TABLE IF EXISTS fb_items')
    cur.execute('CREATE TABLE fb_items (id int, v vector(784), cat int)')
    copy_binary(cur, base, 'v', table='fb_items')
    cur.execute('UPDATE fb_items SET cat = (id::int8 * 7919) % 1000')
    cur.execute('VACUUM ANALYZE fb_items')
    t = time.time()
    cur.execute('CREATE INDEX fb_hnsw ON fb_items USING hnsw '
                '(v vector_l2_ops, cat)')
    print('build with the filter column: %.1f s' % (time.time() - t),
          file=sys.stderr)
    cur.execute('CREATE INDEX fb_cat ON fb_items (cat)')
    cur.execute('ANALYZE fb_items')


def setup_one_column(cur):
    cur.execute("SELECT to_regclass('fb_hnsw1') IS NULL")
    if cur.fetchone()[0]:
        cur.execute('CREATE INDEX fb_hnsw1 ON fb_items USING hnsw '
                    '(v vector_l2_ops)')


def run(cur, settings, limit, queries):
    hnsw = 'SET enable_indexscan = on' in settings
    if hnsw:
        cur.execute('BEGIN')
        cur.execute('DROP INDEX fb_cat')
    else:
        cur.execute('BEGIN')
        cur.execute('DROP INDEX fb_hnsw1')
    for s in settings:
        cur.execute(s)
    sql = ('SELECT id FROM fb_items WHERE cat < %s '
           'ORDER BY v <-> %s::vector LIMIT 10')
    results = []
    t = time.time()
    for q in queries:
        cur.execute(sql, (limit, q), prepare=True)
        results.append([r[0] for r in cur.fetchall()])
    t = time.time() - t
    cur.execute('ROLLBACK')
    return t, results


def main():
    base = read_bvecs(os.path.join(FM, 'fashion-mnist-784_base.bvecs'))
    qs = read_bvecs(os.path.join(FM, 'fashion-mnist-784_query.bvecs'))[:NQ]
    queries = ['[' + ','.join(str(int(x)) for x in q) + ']' for q in qs]
    conn = psycopg.connect(os.environ['DSN'], autocommit=True)
    cur = conn.cursor()
    setup(cur, base.astype(np.float32))
    setup_one_column(cur)
    cur.execute('SET hnsw.iterative_scan = relaxed_order')
    if os.environ.get('FB_FRACTION'):
        cur.execute('SET milvus.hnsw_filter_exact_fraction = %s'
                    % float(os.environ['FB_FRACTION']))
    cur.execute('SET plan_cache_mode = force_custom_plan')
    print('| rows kept | plan | QPS | x exact | recall@10 | rows |')
    print('|---|---|---:|---:|---:|---:|')
    for limit, label in ((1, '0.1 %'), (10, '1 %'), (100, '10 %')):
        secs = {p: 0.0 for p in PLANS}
        res = {}
        for _ in range(ROUNDS):
            for p, settings in PLANS.items():
                s, r = run(cur, settings, limit, queries)
                secs[p] += s
                res[p] = r
        truth = res['exact (btree + sort)']
        exact_qps = NQ * ROUNDS / secs['exact (btree + sort)']
        for p in PLANS:
            qps = NQ * ROUNDS / secs[p]
            hits = sum(len(set(a) & set(b)) for a, b in zip(res[p], truth))
            rows = sum(len(a) for a in res[p]) / len(res[p])
            print('| %s | %s | %.0f | %.2f | %.3f | %.1f |'
                  % (label, p, qps, qps / exact_qps,
                     hits / max(1, sum(len(b) for b in truth)), rows))


if __name__ == '__main__':
    main()
