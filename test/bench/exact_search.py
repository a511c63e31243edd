#!/usr/bin/python3
"""Exact-search benchmark: PostgreSQL sequential scan vs memcpy vs Faiss.

Run through test/bench/exact_search.sh, which starts a throwaway cluster and
sets PGHOST/PGPORT/PGUSER/PGDATABASE.  In one process:

  - memory bandwidth, single thread: np.copyto between two preallocated,
    pre-touched 1 GiB float32 arrays (reported as bytes copied per second;
    the memory traffic, read + write, is twice that) and a read-only pass
    (np.add.reduce over the same 1 GiB viewed as int64); once more at the
    size of the vector data, for the cache's share;
  - Faiss IndexFlatL2 (faiss.omp_set_num_threads(1)), one query per search
    call (nq = 1, k = 10), over the base descriptors;
  - as a SIMD reference, numpy + OpenBLAS (1 thread): d = |b|^2 - 2 B.q
    (sgemv) then argpartition for the top 10;
  - PostgreSQL: the base descriptors COPYed (binary) into
    items (id int, embedding vector(128)), VACUUM ANALYZE, pg_prewarm, then
    a prepared SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10
    (binary parameter, jit off) with max_parallel_workers_per_gather = 0, and
    in a second session with 1 parallel worker (leader + worker = 2 cores);
    and, to break the serial time down, count(*) over the table alone and a
    scan that evaluates the distance on every row but sorts nothing;
  - with EXACT_FLAT=1 (default): a flat index on the column (USING flat,
    exact), pg_prewarm'ed, and the same prepared query through it in a
    third session (the other sessions set enable_indexscan = off, so they
    keep the sequential scan).

After a warm-up, the systems take turns in EXACT_ROUNDS rounds, each on its
share of the timed queries (the same queries for all), so that other load on
the machine hits them alike.  Then PostgreSQL's, Faiss's and numpy's top 10
are checked against exact float64 ground truth (tie-aware), and markdown
tables are printed.

GB/s = rows * 128 * 4 bytes of float data / median time per query.

Env: EXACT_QUERIES (50) timed queries, EXACT_WARMUP (5), EXACT_ROUNDS (5),
EXACT_PARALLEL (1: also run with one parallel worker; 0: skip),
EXACT_MEMCPY_MIB (1024), EXACT_PERF (1: after the rounds, perf record the
serial backend for 8 s and print its top functions, then the flat index's
backend; needs perf, and root), EXACT_FLAT (1: also the flat index; 0: skip),
EXACT_OUT (also write the report there), MILVUS_DATA_DIR, EXACT_CACHE_DIR.
"""
import os
import platform
import re
import statistics
import struct
import sys
import time

# single-threaded BLAS for the sgemv reference; must precede numpy's import
os.environ['OPENBLAS_NUM_THREADS'] = '1'

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exact_data  # noqa: E402
from benchdata import copy_binary  # noqa: E402

NQ = int(os.environ.get('EXACT_QUERIES', '50'))
WARMUP = int(os.environ.get('EXACT_WARMUP', '5'))
PARALLEL = os.environ.get('EXACT_PARALLEL', '1') != '0'
MEMCPY_MIB = int(os.environ.get('EXACT_MEMCPY_MIB', '1024'))
ROUNDS = int(os.environ.get('EXACT_ROUNDS', '5'))
PERF = os.environ.get('EXACT_PERF', '0') == '1'
FLAT = os.environ.get('EXACT_FLAT', '1') != '0'
K = 10


def log(*a):
    print('==>', *a, file=sys.stderr, flush=True)


def cpu_info():
    model, flags = '?', set()
    with open('/proc/cpuinfo') as fh:
        for line in fh:
            if line.startswith('model name') and model == '?':
                model = line.split(':', 1)[1].strip()
            elif line.startswith('flags') and not flags:
                flags = set(line.split(':', 1)[1].split())
    return model, flags, os.cpu_count()


def kernel_impl(flags):
    # the rule of DistanceBestImpl() in src/distance.c, which _PG_init uses
    if 'avx512f' in flags:
        return 'avx512'
    if 'avx2' in flags and 'fma' in flags:
        return 'avx2'
    return 'scalar'


def memory_bw(nbytes, reps=7):
    """(copy, read) medians in GB/s; copy = bytes copied."""
    n = nbytes // 8 * 2
    src = np.ones(n, np.float32)
    dst = np.zeros(n, np.float32)
    np.copyto(dst, src)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        ts.append(time.perf_counter() - t0)
    del dst
    words = src.view(np.int64)
    np.add.reduce(words)
    tr = []
    for _ in range(reps):
        t0 = time.perf_counter()
        np.add.reduce(words)
        tr.append(time.perf_counter() - t0)
    del src, words
    nb = n * 4
    return nb / statistics.median(ts) / 1e9, nb / statistics.median(tr) / 1e9


def blas_corename():
    try:
        import ctypes
        f = ctypes.CDLL('libblas.so.3').openblas_get_corename
        f.restype = ctypes.c_char_p
        return 'OpenBLAS ' + f().decode()
    except (OSError, AttributeError):
        return 'BLAS (not OpenBLAS?)'


def timed(fn, args_list):
    ts = []
    out = []
    for a in args_list:
        t0 = time.perf_counter()
        r = fn(a)
        ts.append(time.perf_counter() - t0)
        out.append(r)
    return ts, out


def perf_profile(conn, fn, queries, seconds=8):
    """perf record the serial backend while it runs the k-NN query."""
    import shutil
    import subprocess
    import tempfile
    if not shutil.which('perf'):
        return 'perf not found'
    pid = conn.execute('SELECT pg_backend_pid()').fetchone()[0]
    data = os.path.join(tempfile.mkdtemp(prefix='exact-perf-'), 'perf.data')
    log(f'perf record on backend {pid} for {seconds} s')
    rec = subprocess.Popen(['perf', 'record', '-q', '-o', data, '-p', str(pid), '--',
                            'sleep', str(seconds)], stderr=subprocess.DEVNULL)
    t0, i = time.perf_counter(), 0
    while rec.poll() is None and time.perf_counter() - t0 < seconds + 5:
        fn(queries[i % len(queries)])
        i += 1
    rec.wait()
    rep = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children',
                          '--sort', 'dso,symbol', '--percent-limit', '0.7'],
                         capture_output=True, text=True).stdout
    lines = [ln for ln in rep.splitlines() if ln.strip() and not ln.startswith('#')]
    shutil.rmtree(os.path.dirname(data), ignore_errors=True)
    return f'{i} queries while recording\n' + '\n'.join(lines)


def exact_topk(base, queries, k):
    """Exact squared L2 in float64 (the data are integers: exact)."""
    B = base.astype(np.float64)
    bn = (B * B).sum(1)
    res = []
    for q in queries.astype(np.float64):
        d = bn - 2.0 * (B @ q) + q @ q
        res.append(d)
    return res  # full distance rows, one per query


def recall(ids_list, dists, k):
    """Tie-aware recall@k: an id counts when its distance <= the k-th true one."""
    hits = 0
    for ids, d in zip(ids_list, dists):
        kth = np.partition(d, k - 1)[k - 1]
        ids = np.asarray(ids[:k], np.int64)
        hits += int((d[ids] <= kth).sum())
    return hits / (k * len(ids_list))




def main():
    import faiss
    import psycopg
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    model, flags, ncpu = cpu_info()
    base_p, query_p = exact_data.ensure()
    base = exact_data.read_vecs(base_p)
    queries = exact_data.read_vecs(query_p)
    n, dim = base.shape
    assert NQ + WARMUP <= len(queries)
    q_timed = queries[:NQ]
    q_warm = queries[len(queries) - WARMUP:]
    data_bytes = n * dim * 4
    log(f'{n} base x {dim}, {NQ} timed queries (+{WARMUP} warm-up), '
        f'{data_bytes / 1e6:.1f} MB of float data')

    # set-up: PostgreSQL table, Faiss index, BLAS norms, memory buffers
    conn = psycopg.connect(autocommit=True)
    cur = conn.cursor()
    pg_version = conn.execute('SHOW server_version').fetchone()[0]
    cur.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    cur.execute('CREATE EXTENSION IF NOT EXISTS pg_prewarm')
    cur.execute('DROP TABLE IF EXISTS items')
    cur.execute('CREATE TABLE items (id int, embedding vector(%d))' % dim)
    log('COPY (binary)')
    t0 = time.perf_counter()
    copy_binary(cur, base, 'embedding')
    t_copy = time.perf_counter() - t0
    # every page all-visible, as in a vacuumed table, so that the scan skips
    # the per-tuple visibility checks; VACUUM cannot set that while the COPY's
    # commit record is unflushed (asynchronous commit) or an older snapshot
    # is open, hence the check and the retries
    for _ in range(5):
        cur.execute('VACUUM ANALYZE items')
        pages, allvis = cur.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'items'").fetchone()
        if allvis == pages:
            break
        time.sleep(1)
    cur.execute("SELECT pg_prewarm('items')")
    t_flat_build = flat_size = None
    if FLAT:
        log('CREATE INDEX ... USING flat')
        t0 = time.perf_counter()
        cur.execute('CREATE INDEX items_flat ON items USING flat (embedding vector_l2_ops)')
        t_flat_build = time.perf_counter() - t0
        cur.execute("SELECT pg_prewarm('items_flat')")
        flat_size = cur.execute("SELECT pg_relation_size('items_flat')").fetchone()[0]
    rel_size = cur.execute("SELECT pg_relation_size('items')").fetchone()[0]
    rows = cur.execute('SELECT count(*) FROM items').fetchone()[0]
    assert rows == n
    width = cur.execute("SELECT avg(pg_column_size(embedding)) FROM items").fetchone()[0]
    shared_buffers = cur.execute('SHOW shared_buffers').fetchone()[0]
    vec_oid = cur.execute("SELECT 'vector'::regtype::oid").fetchone()[0]
    conn.close()

    class VecDumper(Dumper):
        format = Format.BINARY
        oid = vec_oid

        def dump(self, obj):
            a = np.asarray(obj, dtype='>f4')
            return struct.pack('>hh', a.size, 0) + a.tobytes()

    def pg_session(parallel, index=False):
        c = psycopg.connect(autocommit=True)
        c.adapters.register_dumper(np.ndarray, VecDumper)
        c.execute('SET jit = off')
        if not index:
            c.execute('SET enable_indexscan = off')
        if parallel:
            c.execute('SET max_parallel_workers_per_gather = 1')
            c.execute('SET parallel_setup_cost = 0')
            c.execute('SET parallel_tuple_cost = 0')
        else:
            c.execute('SET max_parallel_workers_per_gather = 0')
        return c

    def pg_query(c, sql):
        cu = c.cursor()

        def one(q):
            cu.execute(sql, (q,), prepare=True, binary=True)
            return [r[0] for r in cu.fetchall()]

        def plan():
            text = '\n'.join(r[0] for r in cu.execute(
                'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ' + sql, (q_warm[0],)).fetchall())
            return re.sub(r"'\[[^']*\]'::vector", "'[...]'::vector", text)
        return one, plan

    knn_sql = 'SELECT id FROM items ORDER BY embedding <-> %s LIMIT ' + str(K)
    serial = pg_session(False)
    pg_knn, pg_plan = pg_query(serial, knn_sql)
    pg_cnt, _ = pg_query(serial, 'SELECT count(*) FROM items WHERE %s IS NOT NULL')
    pg_dist, _ = pg_query(serial, 'SELECT count(*) FROM items WHERE (embedding <-> %s) < 0')
    if PARALLEL:
        par_conn = pg_session(True)
        pg_par, par_plan = pg_query(par_conn, knn_sql)
    if FLAT:
        flat_conn = pg_session(False, index=True)
        pg_flat, flat_plan = pg_query(flat_conn, knn_sql)

    faiss.omp_set_num_threads(1)
    index = faiss.IndexFlatL2(dim)
    index.add(np.ascontiguousarray(base))
    faiss_opts = faiss.get_compile_options() if hasattr(faiss, 'get_compile_options') else '?'

    def faiss_knn(q):
        return index.search(q.reshape(1, -1), K)[1][0]

    bnorm = (base.astype(np.float32) ** 2).sum(1)

    def blas_knn(q):
        d = bnorm - 2.0 * (base @ q)
        part = np.argpartition(d, K - 1)[:K]
        return part[np.argsort(d[part], kind='stable')]

    log(f'memory bandwidth at the size of the vector data ({data_bytes / 1e6:.0f} MB)')
    ws_copy, ws_read = memory_bw(data_bytes, reps=7)
    mem_n = (MEMCPY_MIB << 20) // 4
    src = np.ones(mem_n, np.float32)
    dst = np.zeros(mem_n, np.float32)
    words = src.view(np.int64)

    def do_copy(_):
        np.copyto(dst, src)

    def do_read(_):
        np.add.reduce(words)

    systems = [('copy', do_copy), ('read', do_read), ('faiss', faiss_knn), ('blas', blas_knn),
               ('pg', pg_knn), ('pg_cnt', pg_cnt), ('pg_dist', pg_dist)]
    if PARALLEL:
        systems.append(('pg_par', pg_par))
    if FLAT:
        systems.append(('pg_flat', pg_flat))

    log('warm-up')
    for _, fn in systems:
        timed(fn, q_warm)
    plan0 = pg_plan()
    plan1 = par_plan() if PARALLEL else None
    plan2 = flat_plan() if FLAT else None
    if FLAT:
        log('flat index plan:\n' + plan2)
        assert 'Index Scan using items_flat' in plan2, plan2
    log('serial plan:\n' + plan0)
    if PARALLEL:
        log('parallel plan:\n' + plan1)

    # the systems take turns, ROUNDS times, each on its share of the queries,
    # so that whatever else runs on the machine meanwhile hits them all alike
    ts = {name: [] for name, _ in systems}
    ids = {name: [] for name, _ in systems}
    load0 = os.getloadavg()
    bounds = np.linspace(0, NQ, ROUNDS + 1).astype(int)
    for r in range(ROUNDS):
        log(f'round {r + 1}/{ROUNDS}')
        qs = q_timed[bounds[r]:bounds[r + 1]]
        for name, fn in systems:
            args = [None, None] if name in ('copy', 'read') else qs
            t, o = timed(fn, args)
            ts[name] += t
            ids[name] += o
    load1 = os.getloadavg()
    profile = perf_profile(serial, pg_knn, queries) if PERF else None
    profile_flat = perf_profile(flat_conn, pg_flat, queries) if PERF and FLAT else None
    if FLAT:
        flat_conn.close()
    serial.close()
    if PARALLEL:
        par_conn.close()

    mem_copy = MEMCPY_MIB * (1 << 20) / np.array(ts['copy']) / 1e9
    mem_read = MEMCPY_MIB * (1 << 20) / np.array(ts['read']) / 1e9
    bw_med, bw_best = float(np.median(mem_copy)), float(mem_copy.max())
    rd_med, rd_best = float(np.median(mem_read)), float(mem_read.max())
    f_ts, f_ids = ts['faiss'], ids['faiss']
    b_ts, b_ids = ts['blas'], ids['blas']
    pg_ts, pg_ids = ts['pg'], ids['pg']
    cnt_ts, dist_ts = ts['pg_cnt'], ts['pg_dist']
    par = (ts['pg_par'], ids['pg_par'], plan1) if PARALLEL else None

    # correctness: against exact float64 ground truth, and PG vs Faiss
    log('checking results')
    dists = exact_topk(base, q_timed, K)
    r_pg = recall(pg_ids, dists, K)
    r_f = recall(f_ids, dists, K)
    r_b = recall(b_ids, dists, K)
    same = sum(set(a) == set(b) for a, b in zip(pg_ids, f_ids))
    same_order = sum(list(a) == list(map(int, b)) for a, b in zip(pg_ids, f_ids))
    # PG against Faiss, tie-aware: a PG id counts when its distance <= Faiss's 10th
    r_pg_vs_f = 0
    for a, b, d in zip(pg_ids, f_ids, dists):
        kth = d[np.asarray(b, np.int64)].max()
        r_pg_vs_f += int((d[np.asarray(a, np.int64)] <= kth).sum())
    r_pg_vs_f /= K * len(pg_ids)
    r_par = recall(par[1], dists, K) if par else None
    r_flat = recall(ids['pg_flat'], dists, K) if FLAT else None
    # the flat index and the sequential scan: the same ids in the same order
    # (may differ where distances tie; recall above is tie-aware)
    flat_same = (sum(list(a) == list(b) for a, b in zip(ids['pg_flat'], pg_ids))
                 if FLAT else None)

    # report
    def row(label, ts, cores=1):
        med = statistics.median(ts)
        gbs = data_bytes / med / 1e9
        return label, med * 1e3, 1 / med, gbs, gbs / cores

    f_row = row(f'Faiss IndexFlatL2, in-process, 1 thread, nq=1 (build: {faiss_opts.strip()})', f_ts)
    rows_out = [f_row,
                row(f'numpy sgemv + argpartition, in-process, 1 thread ({blas_corename()})', b_ts),
                row('PostgreSQL seq scan, 0 parallel workers (1 core)', pg_ts)]
    if par:
        rows_out.append(row('PostgreSQL seq scan, 1 parallel worker (leader + 1 worker = 2 cores)',
                            par[0], cores=2))
    if FLAT:
        rows_out.append(row('PostgreSQL flat index (USING flat), 0 parallel workers (1 core)',
                            ts['pg_flat']))
    f_gbs = f_row[4]

    out = []
    p = out.append
    p(f'Machine: {model}, {ncpu} cores ({platform.machine()}, Linux {platform.release()}); '
      f'PostgreSQL {pg_version}, shared_buffers {shared_buffers}; '
      f'faiss {faiss.__version__}; numpy {np.__version__}; '
      f'milvus distance kernel: {kernel_impl(flags)} (inferred from the CPU flags by '
      f'the rule of DistanceBestImpl(); not exposed in SQL).')
    p('')
    p(f'Data: {n:,} x {dim} float32 ({data_bytes / 1e6:.1f} MB of float data; table on disk '
      f'{rel_size / 1e6:.1f} MB = {rel_size / n:.0f} bytes a row, {allvis}/{pages} pages '
      f'all-visible after VACUUM, embedding datum '
      f'{float(width):.0f} bytes), {NQ} queries timed one at a time (the same queries for every '
      f'system) after {WARMUP} warm-up queries, k = {K}; medians. COPY (binary) took {t_copy:.1f} s.')
    p('')
    if FLAT:
        p(f'flat index: built in {t_flat_build:.1f} s, {flat_size / 1e6:.1f} MB '
          f'({flat_size / data_bytes:.2f} x the float data), pg_prewarm\'ed.')
        p('')
    p(f'Memory bandwidth, 1 thread, np.copyto of {MEMCPY_MIB} MiB: **{bw_med:.2f} GB/s copied** '
      f'(median of {len(mem_copy)}, best {bw_best:.2f}; the memory traffic, read + write, is twice '
      f'that). Read-only pass (np.add.reduce as int64) over the same {MEMCPY_MIB} MiB: '
      f'{rd_med:.2f} GB/s (best {rd_best:.2f}). At the size of the vector data '
      f'({data_bytes / 1e6:.0f} MB, measured once before the rounds): copy {ws_copy:.2f} GB/s '
      f'copied, read {ws_read:.2f} GB/s.')
    p('')
    p(f'The systems took turns in {ROUNDS} rounds, each on its share of the queries (and two '
      f'memory passes a round); load average (1 min) {load0[0]:.2f} before, {load1[0]:.2f} after.')
    p('')
    p('| system | ms/query | queries/s | GB/s per core | ratio to memcpy | ratio to Faiss |')
    p('|---|---:|---:|---:|---:|---:|')
    p(f'| memcpy (np.copyto {MEMCPY_MIB} MiB, 1 thread; bytes copied) | | | {bw_med:.2f} | 1.00 | '
      f'{bw_med / f_gbs:.2f} |')
    p(f'| memory read (np.add.reduce over {MEMCPY_MIB} MiB as int64, 1 thread) | | | {rd_med:.2f} | '
      f'{rd_med / bw_med:.2f} | {rd_med / f_gbs:.2f} |')
    for label, ms, qps, gbs, gbs_core in rows_out:
        p(f'| {label} | {ms:.2f} | {qps:.1f} | {gbs_core:.2f} | {gbs_core / bw_med:.2f} | '
          f'{gbs_core / f_gbs:.2f} |')
    if par:
        p('')
        p(f'The parallel run scans {rows_out[3][3]:.2f} GB/s in all over 2 cores (per core = total / 2).')
    p('')
    p('Breakdown of the serial scan (same session, prepared statements, the same queries; medians):')
    p('')
    p('| query | ms/query | GB/s of float data |')
    p('|---|---:|---:|')
    for label, ts in [('SELECT count(*) FROM items WHERE $1 IS NOT NULL (scan only)', cnt_ts),
                      ('SELECT count(*) FROM items WHERE (embedding <-> $1) < 0 '
                       '(scan + distance on every row, no sort)', dist_ts),
                      (f'SELECT id FROM items ORDER BY embedding <-> $1 LIMIT {K} (full)', pg_ts)]:
        med = statistics.median(ts)
        p(f'| {label} | {med * 1e3:.2f} | {data_bytes / med / 1e9:.2f} |')
    p('')
    p(f'Results: recall@{K} against exact float64 ground truth (tie-aware): '
      f'PostgreSQL {r_pg:.4f}, Faiss {r_f:.4f}, numpy sgemv {r_b:.4f}' +
      (f', PostgreSQL parallel {r_par:.4f}' if par else '') +
      (f', PostgreSQL flat index {r_flat:.4f} (same ids in the same order as the '
       f'sequential scan: {flat_same}/{len(pg_ids)})' if FLAT else '') +
      f'; PostgreSQL against Faiss (tie-aware) {r_pg_vs_f:.4f}; identical top-{K} id sets '
      f'{same}/{len(pg_ids)}, identical order {same_order}/{len(pg_ids)}.')
    p('')
    if 'read=' in plan0:
        p('**Warning: the serial scan read pages from outside shared_buffers (see the plan); '
          'raise EXACT_SHARED_BUFFERS.**')
        p('')
    p('Serial plan:')
    p('')
    p('```')
    p(plan0)
    p('```')
    if par:
        p('')
        p('Parallel plan:')
        p('')
        p('```')
        p(par[2])
        p('```')
    if FLAT:
        p('')
        p('flat index plan:')
        p('')
        p('```')
        p(plan2)
        p('```')
    if profile:
        p('')
        p('perf profile of the serial backend running the k-NN query (self time, '
          'functions at 0.7 % or more):')
        p('')
        p('```')
        p(profile)
        p('```')
    if profile_flat:
        p('')
        p('perf profile of the backend running the k-NN query through the flat index '
          '(self time, functions at 0.7 % or more):')
        p('')
        p('```')
        p(profile_flat)
        p('```')
    text = '\n'.join(out)
    print(text)
    if os.environ.get('EXACT_OUT'):
        with open(os.environ['EXACT_OUT'], 'w') as fh:
            fh.write(text + '\n')
    if FLAT and r_flat < 1.0:
        log('WARNING: the flat index results differ from the sequential scan')
        sys.exit(1)
    if r_pg < 1.0 or r_pg_vs_f < 1.0:
        log('WARNING: PostgreSQL results differ from exact / Faiss beyond ties')
        sys.exit(1)


if __name__ == '__main__':
    main()
