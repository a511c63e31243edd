#!/usr/bin/python3
"""ivf benchmark: the ivf access method (flat, sq8, pq) vs in-process Faiss.

Run through test/bench/ivf_bench.sh, which starts a throwaway cluster and
sets PGHOST/PGPORT/PGUSER/PGDATABASE.  On Fashion-MNIST (60,000 x 784 uint8
images read as float32, L2; the largest set in $MILVUS_DATA_DIR), in one
run, side by side, for each quantizer:

  - build: CREATE INDEX ... USING ivf (v vector_l2_ops) WITH (lists = L,
    quantizer = Q[, pq_m = M]) with milvus.ivf_build_threads = T, timed from
    the client; Faiss (python3-faiss, the same Debian build) IndexIVFFlat /
    IndexIVFScalarQuantizer (QT_8bit, by_residual = False, as ours) /
    IndexIVFPQ (M, 8 bits, by residual, as ours) over an IndexFlatL2 with
    the same lists, trained with 10 k-means iterations (ours; for pq also
    10 per sub-space, Faiss's default is 25) on a random
    sample of as many rows as our build samples (max(64 * lists, 10,000)),
    then add, timed with T OpenMP threads.
  - size: pg_relation_size of the index vs Faiss's serialised index vs the
    raw float32 vectors (60,000 * 784 * 4 bytes).
  - queries: k = 10, one client, one query at a time: PostgreSQL through
    psycopg, the prepared SELECT id FROM items ORDER BY v <-> $1 LIMIT 10
    with a binary parameter, ivf.probes = p, ivf.rerank = R (sq8, pq);
    Faiss with nprobe = p, one thread, one query per search() call, the
    quantized indexes wrapped in IndexRefineFlat with k_factor = R / 10
    (the same exact re-rank of the same number of candidates).  The
    systems take turns in IVF_ROUNDS rounds over the same queries; QPS is
    the median of the rounds.
  - recall@10 against the ground truth, tie-aware (a hit is a result whose
    exact distance is at most the true 10th distance).
  - QPS at recall@10 = IVF_TARGET_RECALL (0.95), interpolated linearly in
    recall and log(QPS) between the sweep points around it.

Env: IVF_QUERIES (300), IVF_ROUNDS (3), IVF_LISTS (256), IVF_PROBES
(1,2,4,8,16,32), IVF_RERANK (100), IVF_PQ_M (196), IVF_THREADS (2),
IVF_QUANTIZERS (flat,sq8,pq), IVF_TARGET_RECALL (0.95), IVF_PLOT (PNG
path; empty: none), IVF_OUT (report), IVF_JSON (raw figures),
MILVUS_DATA_DIR.
"""
import json
import math
import os
import sys
import time

import numpy as np

from benchdata import (copy_binary, read_bvecs, read_xvecs,
                       register_vector_dumper)

NQ = int(os.environ.get('IVF_QUERIES', '300'))
ROUNDS = int(os.environ.get('IVF_ROUNDS', '3'))
LISTS = int(os.environ.get('IVF_LISTS', '256'))
PROBES = [int(x) for x in os.environ.get('IVF_PROBES', '1,2,4,8,16,32').split(',')]
RERANK = int(os.environ.get('IVF_RERANK', '100'))
PQ_M = int(os.environ.get('IVF_PQ_M', '196'))
THREADS = int(os.environ.get('IVF_THREADS', '2'))
QUANTIZERS = os.environ.get('IVF_QUANTIZERS', 'flat,sq8,pq').split(',')
TARGET = float(os.environ.get('IVF_TARGET_RECALL', '0.95'))
DATA = os.environ.get('MILVUS_DATA_DIR', os.path.join(os.path.dirname(__file__), '../../../shared/data'))
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


def recall(base, queries, gt_dist, results):
    hits = 0
    for qi, ids in enumerate(results):
        kth = gt_dist[qi][K - 1]
        ids = [i for i in ids if i >= 0][:K]
        d = np.sqrt(((base[ids].astype(np.float64) - queries[qi]) ** 2).sum(1))
        hits += int((d <= kth * (1 + 1e-6)).sum())
    return hits / (K * len(results))


def faiss_index(faiss, q, d):
    coarse = faiss.IndexFlatL2(d)
    if q == 'flat':
        return faiss.IndexIVFFlat(coarse, d, LISTS), coarse
    if q == 'sq8':
        idx = faiss.IndexIVFScalarQuantizer(coarse, d, LISTS, faiss.ScalarQuantizer.QT_8bit,
                                            faiss.METRIC_L2, False)
        return idx, coarse
    return faiss.IndexIVFPQ(coarse, d, LISTS, PQ_M, 8), coarse


def qps_at(points, target):
    """Interpolate QPS at the target recall over (recall, qps) sweep points."""
    pts = sorted(points)
    for (r0, q0), (r1, q1) in zip(pts, pts[1:]):
        if r0 <= target <= r1 and r1 > r0:
            t = (target - r0) / (r1 - r0)
            return math.exp(math.log(q0) + t * (math.log(q1) - math.log(q0)))
    return None


def main():
    import faiss
    fm = os.path.join(DATA, 'fashion-mnist-784-euclidean')
    base = read_bvecs(os.path.join(fm, 'fashion-mnist-784_base.bvecs')).astype(np.float32)
    queries = read_bvecs(os.path.join(fm, 'fashion-mnist-784_query.bvecs')).astype(np.float32)[:NQ]
    gt_dist = read_xvecs(os.path.join(fm, 'fashion-mnist-784_groundtruth_dist.fvecs'), '<f4')[:NQ]
    n, d = base.shape
    raw = n * d * 4
    log(f'{n} x {d} base, {len(queries)} queries, lists {LISTS}, probes {PROBES}, rerank {RERANK}')

    pg = pg_connect()
    cur = pg.cursor()
    cur.execute('DROP TABLE IF EXISTS items')
    cur.execute(f'CREATE TABLE items (id int PRIMARY KEY, v vector({d}))')
    copy_binary(cur, base, 'v', chunk_rows=5000)
    cur.execute('VACUUM ANALYZE items')
    cur.execute(f'SET milvus.ivf_build_threads = {THREADS}')
    cur.execute(f'SET ivf.rerank = {RERANK}')
    sql = 'SELECT id FROM items ORDER BY v <-> %s LIMIT ' + str(K)

    report = {'n': n, 'd': d, 'lists': LISTS, 'rerank': RERANK, 'pq_m': PQ_M,
              'threads': THREADS, 'queries': len(queries), 'rounds': ROUNDS, 'q': {}}
    for q in QUANTIZERS:
        opts = f"lists = {LISTS}, quantizer = '{q}'" + (f', pq_m = {PQ_M}' if q == 'pq' else '')
        cur.execute('DROP INDEX IF EXISTS items_ivf')
        t0 = time.time()
        cur.execute(f'CREATE INDEX items_ivf ON items USING ivf (v vector_l2_ops) WITH ({opts})')
        pg_build = time.time() - t0
        pg_size = cur.execute("SELECT pg_relation_size('items_ivf')").fetchone()[0]

        faiss.omp_set_num_threads(THREADS)
        idx, coarse = faiss_index(faiss, q, d)
        idx.cp.niter = 10
        if q == 'pq':
            idx.pq.cp.niter = 10		# ours: 10 Lloyd iterations per sub-space
        sample = base[np.random.default_rng(1234).choice(n, min(n, max(64 * LISTS, 10000)),
                                                         replace=False)]
        t0 = time.time()
        idx.train(sample)
        idx.add(base)
        fa_build = time.time() - t0
        fa_size = len(faiss.serialize_index(idx))
        searcher = idx if q == 'flat' else faiss.IndexRefineFlat(idx, faiss.swig_ptr(base))
        if q != 'flat':
            searcher.k_factor = RERANK / K
        faiss.omp_set_num_threads(1)
        log(f'{q}: build pg {pg_build:.1f} s, faiss {fa_build:.1f} s; size pg {pg_size / raw:.3f}, '
            f'faiss {fa_size / raw:.3f} of raw')

        sweep = []
        for p in PROBES:
            cur.execute(f'SET ivf.probes = {p}')
            idx.nprobe = p
            for qv in queries[:20]:		# warm-up
                cur.execute(sql, (qv,), prepare=True, binary=True).fetchall()
                searcher.search(qv.reshape(1, -1), K)
            pg_q, fa_q = [], []
            for _ in range(ROUNDS):
                pg_res = []
                t0 = time.time()
                for qv in queries:
                    pg_res.append([r[0] for r in cur.execute(sql, (qv,), prepare=True, binary=True)])
                pg_q.append(len(queries) / (time.time() - t0))
                fa_res = []
                t0 = time.time()
                for qv in queries:
                    fa_res.append(searcher.search(qv.reshape(1, -1), K)[1][0].tolist())
                fa_q.append(len(queries) / (time.time() - t0))
            row = {'probes': p, 'pg_recall': recall(base, queries, gt_dist, pg_res),
                   'faiss_recall': recall(base, queries, gt_dist, fa_res),
                   'pg_qps': float(np.median(pg_q)), 'faiss_qps': float(np.median(fa_q))}
            log(f"  probes {p}: recall pg {row['pg_recall']:.3f} faiss {row['faiss_recall']:.3f}; "
                f"QPS pg {row['pg_qps']:.0f} faiss {row['faiss_qps']:.0f} "
                f"({row['pg_qps'] / row['faiss_qps']:.2f}x)")
            sweep.append(row)
        pg_t = qps_at([(r['pg_recall'], r['pg_qps']) for r in sweep], TARGET)
        fa_t = qps_at([(r['faiss_recall'], r['faiss_qps']) for r in sweep], TARGET)
        report['q'][q] = {'pg_build_s': pg_build, 'faiss_build_s': fa_build,
                          'pg_size': pg_size, 'faiss_size': fa_size, 'raw_size': raw,
                          'sweep': sweep, 'pg_qps_at_target': pg_t, 'faiss_qps_at_target': fa_t}
        del searcher, idx, coarse
    cur.execute('DROP INDEX IF EXISTS items_ivf')
    write_report(report)


def write_report(rep):
    out = [f"# ivf benchmark: {rep['n']} x {rep['d']} Fashion-MNIST, lists {rep['lists']}, "
           f"rerank {rep['rerank']}, pq_m {rep['pq_m']}, {rep['queries']} queries x "
           f"{rep['rounds']} rounds, build threads {rep['threads']}", '']
    out.append('| quantizer | build pg / Faiss | size pg / raw | size Faiss / raw | '
               f'QPS at recall {TARGET}: pg / Faiss |')
    out.append('|---|---|---|---|---|')
    for q, r in rep['q'].items():
        ratio = (f"{r['pg_qps_at_target']:.0f} / {r['faiss_qps_at_target']:.0f} = "
                 f"{r['pg_qps_at_target'] / r['faiss_qps_at_target']:.2f}x"
                 if r['pg_qps_at_target'] and r['faiss_qps_at_target'] else 'not reached by both')
        out.append(f"| {q} | {r['pg_build_s']:.1f} s / {r['faiss_build_s']:.1f} s = "
                   f"{r['pg_build_s'] / r['faiss_build_s']:.2f}x | {r['pg_size'] / r['raw_size']:.3f} | "
                   f"{r['faiss_size'] / r['raw_size']:.3f} | {ratio} |")
    out.append('')
    out.append('| quantizer | probes | recall pg | recall Faiss | QPS pg | QPS Faiss | QPS pg / Faiss |')
    out.append('|---|---|---|---|---|---|---|')
    for q, r in rep['q'].items():
        for s in r['sweep']:
            out.append(f"| {q} | {s['probes']} | {s['pg_recall']:.3f} | {s['faiss_recall']:.3f} | "
                       f"{s['pg_qps']:.0f} | {s['faiss_qps']:.0f} | {s['pg_qps'] / s['faiss_qps']:.2f} |")
    text = '\n'.join(out) + '\n'
    print(text)
    if os.environ.get('IVF_OUT'):
        with open(os.environ['IVF_OUT'], 'w') as fh:
            fh.write(text)
    if os.environ.get('IVF_JSON'):
        with open(os.environ['IVF_JSON'], 'w') as fh:
            json.dump(rep, fh, indent=1)
    plot = os.environ.get('IVF_PLOT')
    if plot:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for i, (q, r) in enumerate(rep['q'].items()):
            c = f'C{i}'
            ax.plot([s['pg_recall'] for s in r['sweep']], [s['pg_qps'] for s in r['sweep']],
                    'o-', color=c, label=f'milvus ivf {q}')
            ax.plot([s['faiss_recall'] for s in r['sweep']], [s['faiss_qps'] for s in r['sweep']],
                    's--', color=c, label=f'Faiss IVF {q}')
        ax.set_yscale('log')
        ax.set_xlabel('recall@10')
        ax.set_ylabel('queries per second (1 client)')
        ax.set_title(f"Fashion-MNIST 60k x 784, lists {rep['lists']}, probes sweep")
        ax.grid(True, which='both', alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(plot, dpi=110)


if __name__ == '__main__':
    main()
