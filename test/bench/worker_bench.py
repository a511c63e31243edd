#!/usr/bin/python3
"""Batch search throughput: milvus_batch_search (the background worker's CPU
path) against an in-process Faiss IndexFlatL2 on the same data, same run.

Data: the 300,000 x 128 descriptors of test/bench/exact_data.py (derived
from the real Fashion-MNIST images) and its 1,000 queries; k = 10, L2.

Measured (medians of WORKER_ROUNDS rounds; in each round every system runs
once, in turn):
  - milvus_batch_search with 1 query: the fixed cost of a call (reading the
    300,000 rows through SPI, copying them into the job's DSM segment);
  - milvus_batch_search with all the queries: queries per second;
  - Faiss IndexFlatL2.search in this process, 1 thread and WORKER_THREADS
    threads (the worker's count; both OpenMP and OpenBLAS threads, since
    Faiss hands batches of more than 20 queries to a BLAS sgemm), on the
    same float32 arrays;
  - for scale, one-at-a-time SQL: ORDER BY embedding <-> q LIMIT 10 over a
    sequential scan, for WORKER_SQL_QUERIES queries.
The batch results are checked against Faiss's (recall@10 with ties counted
as hits, and the share of identical ids).

Env: PGHOST/PGPORT/PGUSER/PGDATABASE, EXACT_CACHE_DIR (the data),
WORKER_THREADS (2), WORKER_ROUNDS (3), WORKER_SQL_QUERIES (20), WORKER_GPU
(1: SET milvus.gpu_enabled = on for the batch calls), WORKER_OUT (a copy of
the report).
"""
import ctypes
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from benchdata import copy_binary, read_fvecs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
THREADS = int(os.environ.get('WORKER_THREADS', '2'))
ROUNDS = int(os.environ.get('WORKER_ROUNDS', '3'))
SQL_QUERIES = int(os.environ.get('WORKER_SQL_QUERIES', '20'))
K = 10


def log(*a):
    print('#', *a, file=sys.stderr, flush=True)






def vec_text(v):
    return '[' + ','.join('%.9g' % x for x in v) + ']'


def array_text(qs):
    return '{' + ','.join('"%s"' % vec_text(q) for q in qs) + '}'


def main():
    import faiss
    import psycopg

    paths = subprocess.run([sys.executable, os.path.join(REPO, 'test/bench/exact_data.py')],
                           check=True, capture_output=True, text=True).stdout.split()
    base = read_fvecs(paths[0])
    queries = read_fvecs(paths[1])
    n, dim = base.shape
    nq = len(queries)
    log('data: %d x %d base, %d queries' % (n, dim, nq))

    conn = psycopg.connect(autocommit=True)
    cur = conn.cursor()
    cur.execute('DROP TABLE IF EXISTS items')
    cur.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    cur.execute('CREATE TABLE items (id int, embedding vector(%d))' % dim)
    copy_binary(cur, base, 'embedding')
    cur.execute('VACUUM ANALYZE items')
    if os.environ.get('WORKER_GPU', '0') == '1':
        cur.execute('SET milvus.gpu_enabled = on')
    cur.execute('SELECT preloaded, device, threads FROM milvus_worker_status')
    preloaded, device, threads = cur.fetchone()
    log('worker: preloaded %s, device %s, %d threads' % (preloaded, device, threads))
    # map ctid -> row id for the check
    cur.execute('SELECT ctid::text, id FROM items')
    tid2id = dict(cur.fetchall())

    sql = ("SELECT query_no, id::text, distance FROM milvus_batch_search("
           "'items', 'embedding', %s::vector[], " + str(K) + ", 'l2')")
    one = array_text(queries[:1])
    allq = array_text(queries)
    cur.execute(sql, (one,))	# warm the cache

    index = faiss.IndexFlatL2(dim)
    index.add(base)
    # Faiss searches more than 20 queries with a BLAS sgemm, threaded by
    # OpenBLAS (not OpenMP): set both thread counts
    blas = ctypes.CDLL('libopenblas.so.0')

    def faiss_run(t):
        faiss.omp_set_num_threads(t)
        blas.openblas_set_num_threads(t)
        return index.search(queries, K)

    for t in sorted({1, THREADS}):
        faiss_run(t)			# warm up
    # the systems take turns, round after round, so that other load on the
    # machine affects them alike
    times = {'one': [], 'all': []}
    res = {t: [] for t in sorted({1, THREADS})}
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        cur.execute(sql, (one,)).fetchall()
        times['one'].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rows = cur.execute(sql, (allq,)).fetchall()
        times['all'].append(time.perf_counter() - t0)
        for t in res:
            t0 = time.perf_counter()
            fd, fi = faiss_run(t)
            res[t].append(time.perf_counter() - t0)
    t_one = statistics.median(times['one'])
    t_all = statistics.median(times['all'])
    res = {t: statistics.median(v) for t, v in res.items()}
    got = np.full((nq, K), -1, np.int64)
    pos = np.zeros(nq, np.int64)
    for qno, tid, _ in rows:
        got[qno - 1, pos[qno - 1]] = tid2id[tid]
        pos[qno - 1] += 1

    # recall with ties: a hit when its true distance is within the k-th
    kth = fd[:, K - 1]
    hits = 0
    for q in range(nq):
        dq = ((base[got[q]] - queries[q]) ** 2).sum(-1)
        hits += int((dq <= kth[q] * (1 + 1e-6)).sum())
    recall = hits / (nq * K)
    same = float((got == fi).mean())

    sqlq = 'SELECT id FROM items ORDER BY embedding <-> %s::vector LIMIT ' + str(K)
    cur.execute('SET max_parallel_workers_per_gather = 0')
    cur.execute(sqlq, (vec_text(queries[0]),)).fetchall()
    t0 = time.perf_counter()
    for q in queries[:SQL_QUERIES]:
        cur.execute(sqlq, (vec_text(q),)).fetchall()
    t_sql = (time.perf_counter() - t0) / SQL_QUERIES

    search = max(t_all - t_one, 1e-9)
    lines = [
        '| what | time | queries/s |',
        '|---|---:|---:|',
        '| milvus_batch_search, 1 query (fixed cost: read %d rows, DSM) | %.3f s | |' % (n, t_one),
        '| milvus_batch_search, %d queries, worker %d threads | %.3f s | %.0f |' % (nq, threads, t_all, nq / t_all),
        '| the same less the fixed cost (the search itself) | %.3f s | %.0f |' % (search, nq / search),
    ]
    for t in sorted(res):
        lines.append('| Faiss IndexFlatL2 in-process, %d thread%s | %.3f s | %.0f |'
                     % (t, '' if t == 1 else 's', res[t], nq / res[t]))
    lines.append('| SQL ORDER BY <-> LIMIT %d, one query at a time (seq scan) | %.3f s / query | %.1f |'
                 % (K, t_sql, 1 / t_sql))
    lines.append('')
    lines.append('recall@%d of the batch results against Faiss (ties counted): %.4f; '
                 'identical ids: %.4f' % (K, recall, same))
    lines.append('search time, worker / Faiss at %d threads: %.2f; whole call / Faiss: %.2f'
                 % (THREADS, search / res[THREADS], t_all / res[THREADS]))
    report = '\n'.join(lines)
    print(report)
    if os.environ.get('WORKER_OUT'):
        with open(os.environ['WORKER_OUT'], 'w') as fh:
            fh.write(report + '\n')


if __name__ == '__main__':
    main()
