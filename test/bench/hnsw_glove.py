#!/usr/bin/python3
"""test/bench/hnsw_glove.py: milvus hnsw through psycopg against in-process
hnswlib on GloVe 100-d cosine (test/bench/glove.py), side by side.

Both build with m 16, ef_construction 64 (ours with `CREATE INDEX ...
USING hnsw (v vector_cosine_ops)`, hnswlib's Python module with space
'cosine'), then for ROUNDS rounds every ef_search of the sweep runs, for
each system in turn (the order alternating from round to round), on the
same NQ queries of that round (spread over the whole query set, which
runs from frequent to rare words: rare words are harder).  QPS is the median over the rounds, the
ratio the median of the rounds' ratios; recall@10 is tie-aware against
the exact ground truth (a returned id is a hit when its float64 cosine
distance is at most the true 10th's, plus 1e-6), over every query run.
Reports QPS ours / hnswlib at recall 0.95 and 0.99 (each curve
interpolated in log QPS) and recall at equal ef_search (ours against
hnswlib searching its own graph).  With HNSW_RECALL_ALL=1 the recall
columns are measured instead over every query, in one untimed pass per
ef_search before the rounds.

Env: GLOVE_DIR (<repo>/tmp/bench/glove), PGHOST/PGPORT/PGUSER/PGDATABASE
(a server with milvus in shared_preload_libraries and pg_prewarm),
HNSW_EF (10,20,40,80,160,320,640,1000), HNSW_QUERIES (100 per round),
HNSW_ROUNDS (5), HNSW_TABLE (glove: reused when it exists, so later runs
skip the load and the build; HNSW_REBUILD=1 rebuilds its index),
HNSW_BUILD_THREADS (2), HNSW_HL_CACHE (a file: hnswlib's index is
loaded from it when it exists, else built and saved there; default none,
always built), HNSW_SET (NAME=VALUE,...: settings for our
session, e.g. a setting under test).  Run with /usr/bin/python3.
"""
import math
import os
import sys
import time

import numpy as np
import hnswlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchdata import copy_binary, read_fvecs  # noqa: E402
import hnsw_bench as hb  # noqa: E402

GLOVE = os.environ.get('GLOVE_DIR', os.path.join(HERE, '..', '..', 'tmp', 'bench', 'glove'))
EFS = [int(x) for x in os.environ.get('HNSW_EF', '10,20,40,80,160,320,640,1000').split(',')]
NQ = int(os.environ.get('HNSW_QUERIES', '100'))
ROUNDS = int(os.environ.get('HNSW_ROUNDS', '5'))
TABLE = os.environ.get('HNSW_TABLE', 'glove')
THREADS = int(os.environ.get('HNSW_BUILD_THREADS', '2'))
SETTINGS = [s.split('=', 1) for s in os.environ.get('HNSW_SET', '').split(',') if s]
K = 10


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def interp(points, target):
    """QPS at `target` recall along [(recall, qps)] in ef order."""
    for (r0, q0), (r1, q1) in zip(points, points[1:]):
        if r0 < target <= r1:
            f = (target - r0) / (r1 - r0)
            return math.exp(math.log(q0) + f * (math.log(q1) - math.log(q0)))
    if points and points[0][0] >= target:
        return points[0][1]
    return None


def main():
    stem = os.path.join(GLOVE, 'glove-100-angular_')
    base = read_fvecs(stem + 'base.fvecs')
    queries = read_fvecs(stem + 'query.fvecs')
    gtd = read_fvecs(stem + 'groundtruth_dist.fvecs')
    d10 = gtd[:, K - 1].astype(np.float64) + 1e-6
    bn = base.astype(np.float64)
    bn /= np.maximum(np.linalg.norm(bn, axis=1, keepdims=True), 1e-30)
    qn = queries.astype(np.float64)
    qn /= np.maximum(np.linalg.norm(qn, axis=1, keepdims=True), 1e-30)
    n = len(base)
    log(f'GloVe: {n} base, {len(queries)} queries')

    pg = hb.pg_connect()
    pg.execute('SET enable_seqscan = off')
    pg.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    pg.execute('CREATE EXTENSION IF NOT EXISTS pg_prewarm')
    pg.execute(f'SET milvus.hnsw_build_threads = {THREADS}')
    build = {}
    if pg.execute('SELECT to_regclass(%s)', (TABLE,)).fetchone()[0] is None:
        pg.execute('DROP TABLE IF EXISTS items')
        pg.execute('CREATE TABLE items (id int, v vector(100))')
        pg.execute('ALTER TABLE items ALTER COLUMN v SET STORAGE plain')
        with pg.cursor() as cur:
            copy_binary(cur, base, 'v')
        pg.execute(f'ALTER TABLE items RENAME TO {TABLE}')
        pg.execute(f'VACUUM ANALYZE {TABLE}')
        rebuild = True
    else:
        rebuild = os.environ.get('HNSW_REBUILD') == '1'
    if rebuild:
        pg.execute(f'DROP INDEX IF EXISTS {TABLE}_v_idx')
        t = time.perf_counter()
        pg.execute(f'CREATE INDEX {TABLE}_v_idx ON {TABLE} USING hnsw (v vector_cosine_ops) '
                   f'WITH (m = 16, ef_construction = 64)')
        build['ours'] = time.perf_counter() - t
    for k, v in SETTINGS:
        pg.execute('SELECT set_config(%s, %s, false)', (k, v))
    pg.execute(f"SELECT pg_prewarm('{TABLE}'), pg_prewarm('{TABLE}_v_idx')")
    size = pg.execute(f"SELECT pg_relation_size('{TABLE}_v_idx')").fetchone()[0]

    cache = os.environ.get('HNSW_HL_CACHE')
    hl = hnswlib.Index(space='cosine', dim=base.shape[1])
    if cache and os.path.exists(cache):
        hl.load_index(cache, max_elements=n)
    else:
        t = time.perf_counter()
        hl.init_index(n, M=16, ef_construction=64)
        hl.add_items(base, np.arange(n), num_threads=THREADS)
        build['hnswlib'] = time.perf_counter() - t
        if cache:
            hl.save_index(cache)
    log('build s:', {k: round(v, 1) for k, v in build.items()}, 'index MB', size >> 20)

    cur = pg.cursor()
    sql = f'SELECT id FROM {TABLE} ORDER BY v <=> %s LIMIT 10'
    cur.execute(sql, (queries[0],), prepare=True)
    cur.fetchall()

    def run_pg(ef, qi):
        pg.execute(f'SET hnsw.ef_search = {ef}')
        res = []
        t = time.perf_counter()
        for i in qi:
            cur.execute(sql, (queries[i],), prepare=True)
            res.append([r[0] for r in cur.fetchall()])
        return time.perf_counter() - t, res

    def run_hl(ef, qi):
        hl.set_ef(ef)
        res = []
        t = time.perf_counter()
        for i in qi:
            lab, _ = hl.knn_query(queries[i:i + 1], k=K, num_threads=1)
            res.append(lab[0].tolist())
        return time.perf_counter() - t, res

    def hits(res, qi):
        h = 0
        for ids, i in zip(res, qi):
            d = 1.0 - bn[np.asarray(ids, np.int64)] @ qn[i]
            h += int((d <= d10[i]).sum())
        return h

    systems = {'ours': run_pg, 'hnswlib': run_hl}
    qps = {(s, ef): [] for s in systems for ef in EFS}
    hit = {(s, ef): 0 for s in systems for ef in EFS}
    cnt = {ef: 0 for ef in EFS}
    # warm-up: each system answers the first round's queries once at each ef
    for ef in EFS:
        for f in systems.values():
            f(ef, range(min(NQ, len(queries))))
    nq = len(queries)
    if os.environ.get('HNSW_RECALL_ALL') == '1':
        for ef in EFS:
            for s in systems:
                _, res = systems[s](ef, range(nq))
                hit[(s, ef)] += hits(res, range(nq))
            cnt[ef] += nq
            log(f'recall pass, ef_search {ef} done')
    timed_recall = not cnt[EFS[0]]
    for r in range(ROUNDS):
        qi = [(j * max(nq // NQ, 1) + r) % nq for j in range(NQ)]
        order = list(systems) if r % 2 == 0 else list(systems)[::-1]
        for ef in EFS:
            for s in order:
                dt, res = systems[s](ef, qi)
                qps[(s, ef)].append(NQ / dt)
                if timed_recall:
                    hit[(s, ef)] += hits(res, qi)
            if timed_recall:
                cnt[ef] += NQ
        log(f'round {r + 1}/{ROUNDS} done')

    med = {k: float(np.median(v)) for k, v in qps.items()}
    rec = {(s, ef): hit[(s, ef)] / (K * cnt[ef]) for s in systems for ef in EFS}
    ratio = {ef: float(np.median(np.array(qps[('ours', ef)]) / np.array(qps[('hnswlib', ef)])))
             for ef in EFS}
    print(f'GloVe {n} x 100 cosine, m 16, ef_construction 64; {ROUNDS} rounds of {NQ} '
          f'queries; recall over {cnt[EFS[0]]} queries; '
          f'settings {dict(SETTINGS) or "default"}')
    print(f'build: ' + ', '.join(f'{k} {v:.1f} s' for k, v in build.items())
          + f'; our index {size / 2**20:.0f} MB')
    print('| ef_search | recall ours | recall hnswlib | QPS ours | QPS hnswlib | ours / hnswlib |')
    print('|---:|---:|---:|---:|---:|---:|')
    for ef in EFS:
        print(f'| {ef} | {rec[("ours", ef)]:.4f} | {rec[("hnswlib", ef)]:.4f} | '
              f'{med[("ours", ef)]:,.0f} | {med[("hnswlib", ef)]:,.0f} | {ratio[ef]:.2f} |')
    for target in (0.95, 0.99):
        q = {s: interp([(rec[(s, ef)], med[(s, ef)]) for ef in EFS], target) for s in systems}
        if q['ours'] and q['hnswlib']:
            print(f'at recall {target}: ours {q["ours"]:,.0f} QPS, hnswlib {q["hnswlib"]:,.0f} '
                  f'QPS, ratio {q["ours"] / q["hnswlib"]:.2f}')
        else:
            print(f'at recall {target}: ours {q["ours"]}, hnswlib {q["hnswlib"]} (not reached)')


if __name__ == '__main__':
    main()
