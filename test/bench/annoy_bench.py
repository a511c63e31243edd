#!/usr/bin/python3
"""annoy benchmark: the annoy access method beside hnsw and ivf (flat).

Run through test/bench/annoy_bench.sh, which starts a throwaway cluster and
sets PGHOST/PGPORT/PGUSER/PGDATABASE (or point those at any server with
milvus installed).  On Fashion-MNIST (60,000 x 784 uint8 images read as
float32, L2; from $MILVUS_DATA_DIR), in one run, side by side:

  - build: CREATE INDEX ... USING annoy (v vector_l2_ops) WITH (n_trees = T)
    for each T of ANNOY_TREES; hnsw (m = 16, ef_construction = 64,
    milvus.hnsw_build_threads = ANNOY_THREADS); ivf (lists = 256, flat
    quantizer, milvus.ivf_build_threads = ANNOY_THREADS); timed from the
    client.
  - size: pg_relation_size of each index against the raw float32 vectors.
  - queries: k = 10, one client, one query at a time through psycopg, the
    prepared SELECT id FROM items ORDER BY v <-> $1 LIMIT 10 with a binary
    parameter, over a sweep of annoy.search_k (ANNOY_SEARCH_K), of
    hnsw.ef_search (ANNOY_EF) and of ivf.probes (ANNOY_PROBES).  Each
    index is created, measured and dropped in turn over the same table, so
    only one exists at a time.  QPS is the median of ANNOY_ROUNDS rounds.
  - recall@10 against the ground truth, tie-aware (a hit is a result whose
    exact distance is at most the true 10th distance).

Annoy's own Python module is not packaged in Debian 12 (apt-cache policy
python3-annoy finds nothing; the only packaging of annoylib.h is R's
r-cran-rcppannoy), so it is not in the comparison.

Env: ANNOY_QUERIES (200), ANNOY_ROUNDS (2), ANNOY_TREES (8,32),
ANNOY_SEARCH_K (100,400,1000,2000,5000,10000,20000), ANNOY_EF
(10,20,40,80,160), ANNOY_PROBES (1,2,4,8,16), ANNOY_THREADS (2),
ANNOY_SYSTEMS (annoy,hnsw,ivf), ANNOY_OUT (report path), MILVUS_DATA_DIR.
"""
import json
import os
import struct
import sys
import time

import numpy as np

from benchdata import copy_binary, read_bvecs, read_xvecs

NQ = int(os.environ.get('ANNOY_QUERIES', '200'))
ROUNDS = int(os.environ.get('ANNOY_ROUNDS', '2'))
TREES = [int(x) for x in os.environ.get('ANNOY_TREES', '8,32').split(',')]
SEARCH_K = [int(x) for x in os.environ.get(
    'ANNOY_SEARCH_K', '100,400,1000,2000,5000,10000,20000').split(',')]
EF = [int(x) for x in os.environ.get('ANNOY_EF', '10,20,40,80,160').split(',')]
PROBES = [int(x) for x in os.environ.get('ANNOY_PROBES', '1,2,4,8,16').split(',')]
THREADS = int(os.environ.get('ANNOY_THREADS', '2'))
SYSTEMS = os.environ.get('ANNOY_SYSTEMS', 'annoy,hnsw,ivf').split(',')
DATA = os.environ.get('MILVUS_DATA_DIR',
                      os.path.join(os.path.dirname(__file__), '../../../shared/data'))
OUT = os.environ.get('ANNOY_OUT', '')
K = 10


def log(*a):
    print('==>', *a, file=sys.stderr, flush=True)


def pg_connect():
    import psycopg
    from psycopg.adapt import Dumper
    from psycopg.pq import Format
    c = psycopg.connect(autocommit=True)
    c.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    c.execute('SET jit = off')
    vec_oid = c.execute("SELECT 'vector'::regtype::oid").fetchone()[0]

    class VecDumper(Dumper):
        format = Format.BINARY
        oid = vec_oid

        def dump(self, obj):
            a = np.asarray(obj, dtype='>f4')
            return struct.pack('>hh', a.size, 0) + a.tobytes()

    c.adapters.register_dumper(np.ndarray, VecDumper)
    c.execute('SET enable_seqscan = off')
    return c


def recall(base, queries, gt_dist, results):
    hits = 0
    for qi, ids in enumerate(results):
        kth = gt_dist[qi][K - 1]
        ids = list(ids)[:K]
        d = np.sqrt(((base[ids].astype(np.float64) - queries[qi]) ** 2).sum(1))
        hits += int((d <= kth * (1 + 1e-6)).sum())
    return hits / (K * len(results))


def sweep(cur, base, queries, gt_dist, setting, values):
    """recall@10 and QPS for each value of a search setting."""
    sql = 'SELECT id FROM items ORDER BY v <-> %s LIMIT ' + str(K)
    rows = []
    for v in values:
        cur.execute(f'SET {setting} = {v}')
        for qv in queries[:20]:		# warm-up
            cur.execute(sql, (qv,), prepare=True, binary=True).fetchall()
        qps, res = [], []
        for _ in range(ROUNDS):
            res = []
            t0 = time.time()
            for qv in queries:
                res.append([r[0] for r in cur.execute(sql, (qv,), prepare=True, binary=True)])
            qps.append(len(queries) / (time.time() - t0))
        row = {'setting': setting, 'value': v,
               'recall': recall(base, queries, gt_dist, res),
               'qps': float(np.median(qps))}
        log(f"  {setting} = {v}: recall@10 {row['recall']:.3f}, QPS {row['qps']:.0f}")
        rows.append(row)
    return rows


def measure(cur, name, ddl, setting, values, base, queries, gt_dist, raw):
    cur.execute('DROP INDEX IF EXISTS items_idx')
    t0 = time.time()
    cur.execute(ddl)
    build = time.time() - t0
    size = cur.execute("SELECT pg_relation_size('items_idx')").fetchone()[0]
    plan = '\n'.join(r[0] for r in cur.execute(
        "EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[%s]' LIMIT 10"
        % ','.join(['0'] * base.shape[1])))
    assert 'items_idx' in plan, plan
    log(f'{name}: build {build:.1f} s, size {size / raw:.3f} of raw')
    rows = sweep(cur, base, queries, gt_dist, setting, values)
    cur.execute('DROP INDEX items_idx')
    return {'name': name, 'build_s': build, 'size_bytes': size,
            'size_of_raw': size / raw, 'sweep': rows}


def main():
    fm = os.path.join(DATA, 'fashion-mnist-784-euclidean')
    base = read_bvecs(os.path.join(fm, 'fashion-mnist-784_base.bvecs')).astype(np.float32)
    queries = read_bvecs(os.path.join(fm, 'fashion-mnist-784_query.bvecs')).astype(np.float32)[:NQ]
    gt_dist = read_xvecs(os.path.join(fm, 'fashion-mnist-784_groundtruth_dist.fvecs'), '<f4')[:NQ]
    n, d = base.shape
    raw = n * d * 4
    log(f'{n} x {d} base, {len(queries)} queries, trees {TREES}, search_k {SEARCH_K}')

    cur = pg_connect().cursor()
    cur.execute('DROP TABLE IF EXISTS items')
    cur.execute(f'CREATE TABLE items (id int PRIMARY KEY, v vector({d}))')
    copy_binary(cur, base, 'v', chunk_rows=5000)
    cur.execute('VACUUM ANALYZE items')
    cur.execute(f'SET milvus.hnsw_build_threads = {THREADS}')
    cur.execute(f'SET milvus.ivf_build_threads = {THREADS}')

    results = []
    if 'annoy' in SYSTEMS:
        for t in TREES:
            results.append(measure(
                cur, f'annoy n_trees={t}',
                f'CREATE INDEX items_idx ON items USING annoy (v vector_l2_ops) WITH (n_trees = {t})',
                'annoy.search_k', SEARCH_K, base, queries, gt_dist, raw))
    if 'hnsw' in SYSTEMS:
        results.append(measure(
            cur, 'hnsw m=16 ef_construction=64',
            'CREATE INDEX items_idx ON items USING hnsw (v vector_l2_ops) '
            'WITH (m = 16, ef_construction = 64)',
            'hnsw.ef_search', EF, base, queries, gt_dist, raw))
    if 'ivf' in SYSTEMS:
        results.append(measure(
            cur, 'ivf lists=256 flat',
            "CREATE INDEX items_idx ON items USING ivf (v vector_l2_ops) "
            "WITH (lists = 256, quantizer = 'flat')",
            'ivf.probes', PROBES, base, queries, gt_dist, raw))

    lines = [f'Fashion-MNIST {n} x {d}, L2, {len(queries)} queries, k = {K}, '
             f'{ROUNDS} rounds (median QPS), one client', '',
             '| index | build (s) | size / raw | setting | recall@10 | QPS |',
             '|---|---:|---:|---|---:|---:|']
    for r in results:
        for i, s in enumerate(r['sweep']):
            lines.append(f"| {r['name'] if i == 0 else ''} | "
                         f"{r['build_s']:.1f} | {r['size_of_raw']:.2f} | "
                         f"{s['setting']} = {s['value']} | {s['recall']:.3f} | {s['qps']:.0f} |"
                         if i == 0 else
                         f"| | | | {s['setting']} = {s['value']} | {s['recall']:.3f} | {s['qps']:.0f} |")
    text = '\n'.join(lines)
    print(text)
    if OUT:
        with open(OUT, 'w') as f:
            f.write(text + '\n')
        with open(os.path.splitext(OUT)[0] + '.json', 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
