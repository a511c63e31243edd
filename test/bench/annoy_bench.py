#!/usr/bin/python3
"""annoy benchmark: the annoy access method beside hnsw and ivf (flat).

Data sets (ANNOY_DATASETS, default fashion,glove): Fashion-MNIST (L2), and
GloVe 100-d (cosine; 100,000 base words, 1,000 held-out queries) as
test/bench/glove.py writes it into ANNOY_GLOVE_DIR (default
<repo>/tmp/bench/glove), skipped when the files are not there.

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
    prepared SELECT id FROM <copy> ORDER BY v <-> $1 LIMIT 10 with a binary
    parameter, over a sweep of annoy.search_k (ANNOY_SEARCH_K), of
    hnsw.ef_search (ANNOY_EF) and of ivf.probes (ANNOY_PROBES).  Each
    system's index is on its own copy of the table (CREATE TABLE AS), so
    all exist at once; after one warm-up pass over every sweep point (which
    also gives the recall), the systems take turns in each of ANNOY_ROUNDS
    rounds, and QPS is the median of the rounds.
  - recall@10 against the ground truth, tie-aware (a hit is a result whose
    exact distance is at most the true 10th distance).

Annoy's own Python module is not packaged in Debian 12 (apt-cache policy
python3-annoy finds nothing; the only packaging of annoylib.h is R's
r-cran-rcppannoy), so it is not in the comparison.

Env: ANNOY_QUERIES (200), ANNOY_ROUNDS (3), ANNOY_TREES (8,32),
ANNOY_SEARCH_K (100,500,1000,2000,5000), ANNOY_EF
(10,20,40,80), ANNOY_PROBES (1,2,4,8), ANNOY_THREADS (2),
ANNOY_SYSTEMS (annoy,hnsw,ivf), ANNOY_DATASETS (fashion,glove),
ANNOY_GLOVE_DIR, ANNOY_OUT (report path), MILVUS_DATA_DIR.
"""
import json
import os
import sys
import time

import numpy as np

from benchdata import (copy_binary, read_bvecs, read_xvecs,
                       register_vector_dumper)

NQ = int(os.environ.get('ANNOY_QUERIES', '200'))
ROUNDS = int(os.environ.get('ANNOY_ROUNDS', '3'))
TREES = [int(x) for x in os.environ.get('ANNOY_TREES', '8,32').split(',')]
SEARCH_K = [int(x) for x in os.environ.get(
    'ANNOY_SEARCH_K', '100,500,1000,2000,5000').split(',')]
EF = [int(x) for x in os.environ.get('ANNOY_EF', '10,20,40,80').split(',')]
PROBES = [int(x) for x in os.environ.get('ANNOY_PROBES', '1,2,4,8').split(',')]
THREADS = int(os.environ.get('ANNOY_THREADS', '2'))
SYSTEMS = os.environ.get('ANNOY_SYSTEMS', 'annoy,hnsw,ivf').split(',')
DATA = os.environ.get('MILVUS_DATA_DIR',
                      os.path.join(os.path.dirname(__file__), '../../../shared/data'))
OUT = os.environ.get('ANNOY_OUT', '')
DATASETS = os.environ.get('ANNOY_DATASETS', 'fashion,glove').split(',')
GLOVE_DIR = os.environ.get('ANNOY_GLOVE_DIR',
                           os.path.join(os.path.dirname(__file__), '../../tmp/bench/glove'))
K = 10


def log(*a):
    print('==>', *a, file=sys.stderr, flush=True)


def pg_connect():
    import psycopg
    c = psycopg.connect(autocommit=True)
    c.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    c.execute('SET jit = off')
    register_vector_dumper(c)
    c.execute('SET enable_seqscan = off')
    return c


def recall(ds, results):
    """Tie-aware recall@10: a hit is a result at most the true 10th
    distance away (Euclidean, or cosine distance 1 - cos)."""
    hits = 0
    for qi, ids in enumerate(results):
        kth = ds['gt_dist'][qi][K - 1]
        x = ds['base'][list(ids)[:K]].astype(np.float64)
        q = ds['queries'][qi].astype(np.float64)
        if ds['metric'] == 'l2':
            d = np.sqrt(((x - q) ** 2).sum(1))
            hits += int((d <= kth * (1 + 1e-6)).sum())
        else:
            d = 1 - (x @ q) / (np.linalg.norm(x, axis=1) * np.linalg.norm(q))
            hits += int((d <= kth + 1e-6).sum())
    return hits / (K * len(results))


def build(cur, name, table, ddl, setting, values, raw):
    """Build one system's index on its own copy of the table."""
    cur.execute(f'DROP TABLE IF EXISTS {table}')
    cur.execute(f'CREATE TABLE {table} AS TABLE items')
    cur.execute(f'VACUUM ANALYZE {table}')
    t0 = time.time()
    cur.execute(ddl.format(table=table))
    build_s = time.time() - t0
    size = cur.execute(f"SELECT pg_relation_size('{table}_idx')").fetchone()[0]
    log(f'{name}: build {build_s:.1f} s, size {size / raw:.3f} of raw')
    return {'name': name, 'table': table, 'setting': setting, 'values': values,
            'build_s': build_s, 'size_bytes': size, 'size_of_raw': size / raw,
            'qps': {v: [] for v in values}, 'recall': {}}


def run_queries(cur, system, value, queries):
    cur.execute(f"SET {system['setting']} = {value}")
    sql = f"SELECT id FROM {system['table']} ORDER BY v {system['op']} %s LIMIT {K}"
    res = []
    t0 = time.time()
    for qv in queries:
        res.append([r[0] for r in cur.execute(sql, (qv,), prepare=True, binary=True)])
    return len(queries) / (time.time() - t0), res


def load_fashion():
    fm = os.path.join(DATA, 'fashion-mnist-784-euclidean')
    base = read_bvecs(os.path.join(fm, 'fashion-mnist-784_base.bvecs')).astype(np.float32)
    queries = read_bvecs(os.path.join(fm, 'fashion-mnist-784_query.bvecs')).astype(np.float32)[:NQ]
    gt_dist = read_xvecs(os.path.join(fm, 'fashion-mnist-784_groundtruth_dist.fvecs'), '<f4')[:NQ]
    return {'name': 'Fashion-MNIST', 'tag': 'fm', 'metric': 'l2', 'base': base,
            'queries': queries, 'gt_dist': gt_dist}


def load_glove():
    """GloVe 100-d (cosine) as test/bench/glove.py writes it, or None."""
    path = os.path.join(GLOVE_DIR, 'glove-100-angular_base.fvecs')
    if not os.path.exists(path):
        log(f'no GloVe files in {GLOVE_DIR} (run test/bench/glove.py): skipped')
        return None
    base = read_xvecs(path, '<f4')
    queries = read_xvecs(os.path.join(GLOVE_DIR, 'glove-100-angular_query.fvecs'), '<f4')[:NQ]
    gt_dist = read_xvecs(os.path.join(GLOVE_DIR, 'glove-100-angular_groundtruth_dist.fvecs'),
                         '<f4')[:NQ]
    return {'name': 'GloVe-100', 'tag': 'gl', 'metric': 'cosine', 'base': base,
            'queries': queries, 'gt_dist': gt_dist}


def run_dataset(cur, ds):
    """Build every system over the data set, then measure them in turns."""
    base, queries = ds['base'], ds['queries']
    n, d = base.shape
    raw = n * d * 4
    opc, op = ('vector_l2_ops', '<->') if ds['metric'] == 'l2' else ('vector_cosine_ops', '<=>')
    log(f"{ds['name']}: {n} x {d} base, {len(queries)} queries, trees {TREES}, "
        f"search_k {SEARCH_K}")
    cur.execute('DROP TABLE IF EXISTS items')
    cur.execute(f'CREATE TABLE items (id int PRIMARY KEY, v vector({d}))')
    copy_binary(cur, base, 'v', chunk_rows=5000)

    systems = []
    tag = ds['tag']
    if 'annoy' in SYSTEMS:
        for t in TREES:
            systems.append(build(
                cur, f'annoy n_trees={t}', f'items_{tag}_annoy{t}',
                'CREATE INDEX {table}_idx ON {table} USING annoy (v ' + opc + ') '
                f'WITH (n_trees = {t})', 'annoy.search_k', SEARCH_K, raw))
    if 'hnsw' in SYSTEMS:
        systems.append(build(
            cur, 'hnsw m=16 ef_construction=64', f'items_{tag}_hnsw',
            'CREATE INDEX {table}_idx ON {table} USING hnsw (v ' + opc + ') '
            'WITH (m = 16, ef_construction = 64)', 'hnsw.ef_search', EF, raw))
    if 'ivf' in SYSTEMS:
        systems.append(build(
            cur, 'ivf lists=256 flat', f'items_{tag}_ivf',
            'CREATE INDEX {table}_idx ON {table} USING ivf (v ' + opc + ') '
            "WITH (lists = 256, quantizer = 'flat')", 'ivf.probes', PROBES, raw))
    for s in systems:
        s['op'] = op
        plan = '\n'.join(r[0] for r in cur.execute(
            f"EXPLAIN (COSTS OFF) SELECT id FROM {s['table']} ORDER BY v {op} '[%s]' LIMIT 10"
            % ','.join(['1'] * d)))
        assert f"{s['table']}_idx" in plan, plan
        for v in s['values']:		# warm-up, and the recall (same every round)
            _, res = run_queries(cur, s, v, queries)
            s['recall'][v] = recall(ds, res)

    # the systems take turns in every round
    for r in range(ROUNDS):
        for s in systems:
            for v in s['values']:
                qps, _ = run_queries(cur, s, v, queries)
                s['qps'][v].append(qps)
        log(f'round {r + 1} done')

    results = []
    for s in systems:
        rows = [{'setting': s['setting'], 'value': v, 'recall': s['recall'][v],
                 'qps': float(np.median(s['qps'][v]))} for v in s['values']]
        for row in rows:
            log(f"  {s['name']}: {row['setting']} = {row['value']}: "
                f"recall@10 {row['recall']:.3f}, QPS {row['qps']:.0f}")
        results.append({'name': s['name'], 'build_s': s['build_s'],
                        'size_bytes': s['size_bytes'], 'size_of_raw': s['size_of_raw'],
                        'sweep': rows})
    for s in systems:
        cur.execute(f"DROP TABLE {s['table']}")
    cur.execute('DROP TABLE items')

    lines = [f"{ds['name']} {n} x {d}, {ds['metric']}, {len(queries)} queries, k = {K}, "
             f'{ROUNDS} rounds taking turns (median QPS), one client', '',
             '| index | build (s) | size / raw | setting | recall@10 | QPS |',
             '|---|---:|---:|---|---:|---:|']
    for r in results:
        for i, s in enumerate(r['sweep']):
            head = (f"| {r['name']} | {r['build_s']:.1f} | {r['size_of_raw']:.2f} |"
                    if i == 0 else '| | | |')
            lines.append(f"{head} {s['setting']} = {s['value']} | {s['recall']:.3f} | "
                         f"{s['qps']:.0f} |")
    return '\n'.join(lines), results


def main():
    cur = pg_connect().cursor()
    cur.execute(f'SET milvus.hnsw_build_threads = {THREADS}')
    cur.execute(f'SET milvus.ivf_build_threads = {THREADS}')
    texts, report = [], {}
    for name in DATASETS:
        ds = load_fashion() if name == 'fashion' else load_glove()
        if ds is None:
            continue
        text, results = run_dataset(cur, ds)
        print(text + '\n', flush=True)
        texts.append(text)
        report[ds['name']] = results
    if OUT:
        with open(OUT, 'w') as f:
            f.write('\n\n'.join(texts) + '\n')
        with open(os.path.splitext(OUT)[0] + '.json', 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
