#!/usr/bin/python3
"""test/bench/hnsw_sweep.py: milvus hnsw against in-process hnswlib on one
data set, side by side in one run (issue 20): build time, index size, QPS
against recall@10 over an ef_search sweep through psycopg (ours with the
neighbour codes on and off, where the build has them), and pgbench at the
ef_search nearest recall 0.95 and 0.99.  Writes a markdown report for
BENCHMARKS.md, the raw figures as JSON and an SVG plot.

Data (HNSW_DATA; benchdata.load_dataset reads them):
  glove100k  GloVe 100-d cosine, first 100,000 words (test/bench/glove.py;
             GLOVE_DIR, default tmp/bench/glove)
  glove340k  all 340,479 words (GLOVE_BASE=all test/bench/glove.py
             tmp/bench/glove340k; GLOVE340_DIR)
  fashion    Fashion-MNIST 60,000 x 784, L2 (the shared data directory)
  sift       the SIFT-style 128-d set of BENCHMARKS.md's exact search:
             300,000 descriptors test/bench/exact_data.py derives from
             Fashion-MNIST (generated on first use, about 40 s; its exact
             ground truth is computed here on first use, about a minute)
  siftsmall  texmex ANN_SIFT10K, 10,000 x 128 (shared data; for tests)

What runs, in order:
  1. the table `sweep_<data>` (id int, v vector(d), storage HNSW_STORAGE,
     plain by default) and the query table `sweep_<data>_q`, loaded by
     binary COPY unless they already hold the data (kept between runs);
  2. builds, m 16, ef_construction 64 (HNSW_M, HNSW_EFC), HNSW_BUILD_THREADS
     threads (2): hnswlib's Python module (add_items(num_threads=T)), then
     ours (CREATE INDEX ... USING hnsw with milvus.hnsw_build_threads = T),
     each timed once; sizes: pg_relation_size of ours, hnswlib's in-memory
     size (an estimate: its level-0 block and upper links, as read from its
     saved file, plus about 84 bytes per element of pointers, locks and
     label map) and pgvector 0.8's (an estimate, not a build: its build's
     page packing simulated on hnswlib's level of every element: per
     element an element tuple of 72 + 8 + 4d bytes and a neighbour tuple of
     4 + 6 m (level + 2) bytes, each MAXALIGNed, with a 4-byte line pointer);
  3. one untimed pass per ef_search and system over HNSW_RECALL_QUERIES
     queries spread over the query set, for recall@10, tie-aware (a
     returned id is a hit when its exact float64 distance is at most the
     true 10th one's: benchdata.TieRecall);
  4. HNSW_ROUNDS rounds: in each, every ef_search of the sweep, for each
     system in turn, the order rotating from round to round, on the same
     HNSW_QUERIES queries (strided over the query set, a new offset each
     round): ours through psycopg (a prepared `SELECT id ... ORDER BY v
     <op> $1 LIMIT 10`, binary vector parameter, enable_seqscan off),
     with milvus.hnsw_codes on and, when the setting exists, off; hnswlib
     in this process (knn_query, one query per call, one thread).  QPS is
     the median over rounds, a ratio the median of the rounds' ratios;
     the QPS at recall 0.95 and 0.99 is interpolated on each system's
     curve (linear in recall and log QPS; hnsw_bench.interp_at);
  5. pgbench (C client, prepared, one connection, HNSW_PGB_SECONDS per run,
     HNSW_PGB_REPS runs alternating codes on and off): `SELECT id ...
     ORDER BY v <op> (SELECT v FROM sweep_<data>_q WHERE id = :qid) LIMIT
     10` with a random query per transaction, at the ef_search of the
     sweep whose recall is nearest 0.95 and 0.99, for each codes setting
     on its own curve.

Neighbour codes: when `SHOW milvus.hnsw_codes` fails (a build without
them), ours runs once, at the server's behaviour, with no on/off split.
Other settings for our sessions (psycopg and pgbench) with HNSW_SET, e.g.
HNSW_SET=milvus.hnsw_code_slack=0.05.

Output, in HNSW_OUT_DIR (<repo>/tmp/bench): sweep_<data>.md (also on
stdout), sweep_<data>.json, plots/<data>.svg (<data>_<limit> with
HNSW_LIMIT).

Env: HNSW_DATA (glove100k), HNSW_EF (per data set, see DEFAULT_EF),
HNSW_QUERIES (100 per round), HNSW_ROUNDS (5), HNSW_RECALL_QUERIES (1000,
or every query when fewer; 0: recall over the timed queries instead),
HNSW_BUILD_THREADS (2), HNSW_M (16), HNSW_EFC (64), HNSW_STORAGE (plain),
HNSW_LIMIT (only the first N base vectors, ground truth recomputed: for
quick tests), HNSW_TABLE (sweep_<data>[_<limit>]), HNSW_REBUILD (1; 0: keep
an existing index of ours, no build time), HNSW_HL_CACHE (a file: hnswlib's
index is loaded from it when it exists, else built and saved there),
HNSW_SET (NAME=VALUE,...), HNSW_CODES_GUC (milvus.hnsw_codes: the
setting of the codes split; any boolean setting exercises the split on
a build without codes), HNSW_PGB (1; 0: no pgbench), HNSW_PGB_SECONDS
(15), HNSW_PGB_REPS (2), HNSW_PGBENCH (the pgbench binary; default
$PG_CONFIG --bindir, else PATH), HNSW_OUT_DIR; PGHOST, PGPORT, PGUSER,
PGDATABASE: a server with milvus preloaded (pg_prewarm is created).
test/bench/hnsw_sweep.sh runs it on a throwaway cluster.  Run with
/usr/bin/python3 (numpy, psycopg, hnswlib).
"""
import datetime
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchdata import REPO, TieRecall, copy_binary, load_dataset, svg_plot  # noqa: E402
import hnsw_bench as hb  # noqa: E402

DEFAULT_EF = {
    'glove100k': '10,20,40,60,80,120,160,240,320,480',
    'glove340k': '40,80,160,240,320,480,640,1000',
    'fashion': '10,15,20,30,40,60,80,120,200',
    'sift': '10,20,40,60,80,120,160,240,320',
    'siftsmall': '10,20,40,80,160',
}
# issue 20's targets for QPS ours / in-process hnswlib at recall 0.95, 0.99
TARGETS = {'glove100k': (0.30, 0.35), 'fashion': (0.45, 0.57)}
RECALLS = (0.95, 0.99)

NAME = os.environ.get('HNSW_DATA', 'glove100k')
EFS = [int(x) for x in os.environ.get('HNSW_EF', DEFAULT_EF.get(NAME, '10,20,40,80')).split(',')]
NQ = int(os.environ.get('HNSW_QUERIES', '100'))
ROUNDS = int(os.environ.get('HNSW_ROUNDS', '5'))
RECALL_Q = int(os.environ.get('HNSW_RECALL_QUERIES', '1000'))
THREADS = int(os.environ.get('HNSW_BUILD_THREADS', '2'))
LIMIT = int(os.environ.get('HNSW_LIMIT', '0'))
SETTINGS = [s.split('=', 1) for s in os.environ.get('HNSW_SET', '').split(',') if s]
PGB = os.environ.get('HNSW_PGB', '1') == '1'
PGB_SECONDS = int(os.environ.get('HNSW_PGB_SECONDS', '15'))
PGB_REPS = int(os.environ.get('HNSW_PGB_REPS', '2'))
OUT_DIR = os.environ.get('HNSW_OUT_DIR') or os.path.join(REPO, 'tmp', 'bench')
# the boolean setting that turns the neighbour codes on and off
CODES_GUC = os.environ.get('HNSW_CODES_GUC', 'milvus.hnsw_codes')
K = hb.K
MIB = 2 ** 20


def log(*a):
    print('==>', *a, file=sys.stderr, flush=True)


def maxalign(x):
    return (x + 7) & ~7


def hnswlib_layout(path):
    """From an hnswlib 0.6 save_index file: every element's level, the bytes
    of a level-0 block per element and of one upper level's links."""
    with open(path, 'rb') as fh:
        raw = fh.read()
    _, _, n, per_elem, _, _ = struct.unpack_from('<6Q', raw, 0)
    max_m = struct.unpack_from('<Q', raw, 56)[0]
    per_level = max_m * 4 + 4
    levels = np.zeros(n, np.int32)
    pos = 96 + n * per_elem
    for i in range(n):
        size = struct.unpack_from('<I', raw, pos)[0]
        levels[i] = size // per_level
        pos += 4 + size
    return levels, per_elem, per_level


def pgvector_size(levels, dim, m):
    """pgvector 0.8's index bytes for elements of these levels, its build's
    page packing simulated (element and neighbour tuple on one page when
    they fit; a metapage first).  An estimate: pgvector draws its own
    levels, from the same distribution."""
    page, header, special, lp = 8192, 24, 8, 4
    max_size = page - header - special - lp
    etup = maxalign(72 + 8 + 4 * dim)
    pages, lower, upper = 2, header, page - special

    def free():
        return max(upper - lower - lp, 0)
    for lv in levels.tolist():
        ntup = maxalign(4 + (lv + 2) * m * 6)
        both = etup + ntup + lp
        if free() < etup or (both <= max_size and free() < both):
            pages, lower, upper = pages + 1, header, page - special
        lower, upper = lower + lp, upper - etup
        if free() < ntup:
            pages, lower, upper = pages + 1, header, page - special
        lower, upper = lower + lp, upper - ntup
    return pages * page


def pgbench_path():
    if os.environ.get('HNSW_PGBENCH'):
        return os.environ['HNSW_PGBENCH']
    if os.environ.get('PG_CONFIG'):
        bindir = subprocess.run([os.environ['PG_CONFIG'], '--bindir'], capture_output=True,
                                text=True, check=True).stdout.strip()
        return os.path.join(bindir, 'pgbench')
    return shutil.which('pgbench')


def show(pg, name):
    """A setting's value, or None when the server does not know it."""
    import psycopg
    try:
        return pg.execute(f'SHOW {name}').fetchone()[0]
    except psycopg.Error:
        return None


def main():
    import psycopg
    import hnswlib
    t_all = time.perf_counter()
    phases = {}
    ds = load_dataset(NAME, LIMIT)
    base, queries, metric = ds['base'], ds['queries'], ds['metric']
    n, dim = base.shape
    nq = len(queries)
    truth = TieRecall(base, queries, ds['gt'], metric, K)
    phases['data'] = time.perf_counter() - t_all
    cos = metric == 'cosine'
    opclass, op, space = ('vector_cosine_ops', '<=>', 'cosine') if cos else \
        ('vector_l2_ops', '<->', 'l2')
    table = os.environ.get('HNSW_TABLE') or f'sweep_{NAME}' + (f'_{LIMIT}' if LIMIT else '')
    idx, qtab = table + '_v_idx', table + '_q'
    log(f'{NAME}: {n} x {dim} {metric}, {nq} queries; table {table}')

    with psycopg.connect(autocommit=True) as c:
        c.execute('CREATE EXTENSION IF NOT EXISTS milvus')
        c.execute('CREATE EXTENSION IF NOT EXISTS pg_prewarm')
    pg = hb.pg_connect()
    notices = []
    pg.add_notice_handler(lambda d: notices.append(d.message_primary))
    codes = show(pg, CODES_GUC)
    slack = show(pg, 'milvus.hnsw_code_slack')
    for k, v in SETTINGS:
        pg.execute('SELECT set_config(%s, %s, false)', (k, v))
    pg_version = show(pg, 'server_version')
    shared_buffers = show(pg, 'shared_buffers')
    log(f'{CODES_GUC}: {codes or "not in this build"}')

    # ---- tables (kept between runs when they hold this data)
    t = time.perf_counter()
    for tb, data in ((table, base), (qtab, queries)):
        have = pg.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                          "WHERE attrelid = to_regclass(%s) AND attname = 'v'", (tb,)).fetchone()
        if have and have[0] == f'vector({dim})' and \
                pg.execute(f'SELECT count(*) FROM {tb}').fetchone()[0] == len(data):
            continue
        log(f'loading {tb}')
        pg.execute(f'DROP TABLE IF EXISTS {tb}')
        pg.execute(f'CREATE TABLE {tb} (id int' + (' PRIMARY KEY' if tb == qtab else '')
                   + f', v vector({dim}))')
        if tb == qtab or hb.PG_STORAGE != 'default':
            pg.execute(f'ALTER TABLE {tb} ALTER COLUMN v SET STORAGE '
                       + ('plain' if tb == qtab else hb.PG_STORAGE))
        with pg.cursor() as cur:
            copy_binary(cur, data, 'v', table=tb, chunk_rows=5000)
        pg.execute(f'VACUUM ANALYZE {tb}')
    phases['load'] = time.perf_counter() - t

    # ---- builds
    t = time.perf_counter()
    build = {}
    load_b = os.getloadavg()[0]
    cache = os.environ.get('HNSW_HL_CACHE')
    if cache and os.path.exists(cache):
        hl = hnswlib.Index(space=space, dim=dim)
        hl.load_index(cache, max_elements=n)
    else:
        log(f'hnswlib build, {THREADS} threads')
        build['hnswlib'], hl = hb.hl_build(base, THREADS, space)
        if cache:
            hl.save_index(cache)
    have_idx = pg.execute('SELECT to_regclass(%s)', (idx,)).fetchone()[0] is not None
    if not have_idx or os.environ.get('HNSW_REBUILD', '1') != '0':
        log(f'our build, {THREADS} threads')
        pg.execute(f'DROP INDEX IF EXISTS {idx}')
        pg.execute(f'SET milvus.hnsw_build_threads = {THREADS}')
        notices.clear()
        t0 = time.perf_counter()
        pg.execute(f'CREATE INDEX {idx} ON {table} USING hnsw (v {opclass}) '
                   f'WITH (m = {hb.M}, ef_construction = {hb.EFC})')
        build['ours'] = time.perf_counter() - t0
        if notices:
            log('the build said: ' + '; '.join(notices))
    build_notices = list(notices)
    log('build s: ' + ', '.join(f'{k} {v:.1f}' for k, v in build.items()))
    phases['builds'] = time.perf_counter() - t
    size = pg.execute('SELECT pg_relation_size(%s)', (idx,)).fetchone()[0]
    heap = pg.execute('SELECT pg_table_size(%s)', (table,)).fetchone()[0]
    with tempfile.TemporaryDirectory() as td:
        path = cache if cache and os.path.exists(cache) else os.path.join(td, 'hl.bin')
        if path != cache:
            hl.save_index(path)
        levels, per_elem, per_level = hnswlib_layout(path)
    hl_size = n * per_elem + int(levels.sum()) * per_level + n * (8 + 4 + 40 + 32)
    pgv_size = pgvector_size(levels, dim, hb.M)
    pg.execute('SELECT pg_prewarm(%s), pg_prewarm(%s), pg_prewarm(%s), pg_prewarm(%s)',
               (table, idx, qtab, qtab + '_pkey'))

    # ---- the systems
    cur = pg.cursor()
    sql = f'SELECT id FROM {table} ORDER BY v {op} %s LIMIT {K}'
    plan = '\n'.join(r[0] for r in pg.execute('EXPLAIN (COSTS OFF) ' + sql, (queries[0],)))
    if idx not in plan:
        sys.exit('the query does not use the hnsw index:\n' + plan)
    cur.execute(sql, (queries[0],), prepare=True, binary=True)
    cur.fetchall()
    state = {}

    def run_pg(codes_on):
        def f(ef, qi):
            if codes and state.get('codes') != codes_on:
                pg.execute(f'SET {CODES_GUC} = {"on" if codes_on else "off"}')
                state['codes'] = codes_on
            if state.get('ef') != ef:
                pg.execute(f'SET hnsw.ef_search = {ef}')
                state['ef'] = ef
            res = []
            t0 = time.perf_counter()
            for i in qi:
                cur.execute(sql, (queries[i],), prepare=True, binary=True)
                res.append([r[0] for r in cur.fetchall()])
            return time.perf_counter() - t0, res
        return f

    def run_hl(ef, qi):
        hl.set_ef(ef)
        res = []
        t0 = time.perf_counter()
        for i in qi:
            lab, _ = hl.knn_query(queries[i:i + 1], k=K, num_threads=1)
            res.append(lab[0])
        return time.perf_counter() - t0, res

    systems = {'ours': run_pg(True)}
    if codes:
        systems['codes off'] = run_pg(False)
    systems['hnswlib'] = run_hl
    label = {'ours': 'ours, codes on' if codes else 'ours', 'codes off': 'ours, codes off',
             'hnswlib': 'hnswlib (in process)'}

    def hits(res, qi):
        return sum(truth.hits(ids, i) for ids, i in zip(res, qi))

    # ---- recall pass, then the timed rounds
    t = time.perf_counter()
    hit = {(s, ef): 0 for s in systems for ef in EFS}
    cnt = {ef: 0 for ef in EFS}
    for ef in EFS:
        for f in systems.values():
            f(ef, range(min(NQ, nq)))
    if RECALL_Q:
        rq = np.unique(np.linspace(0, nq - 1, min(RECALL_Q, nq)).astype(int)).tolist()
        for ef in EFS:
            for s, f in systems.items():
                hit[(s, ef)] += hits(f(ef, rq)[1], rq)
            cnt[ef] = len(rq)
            log(f'recall pass, ef_search {ef} done')
    phases['recall pass'] = time.perf_counter() - t
    t = time.perf_counter()
    load0 = os.getloadavg()[0]
    qps = {(s, ef): [] for s in systems for ef in EFS}
    names = list(systems)
    for r in range(ROUNDS):
        qi = [(j * max(nq // NQ, 1) + r) % nq for j in range(NQ)]
        order = names[r % len(names):] + names[:r % len(names)]
        for ef in EFS:
            for s in order:
                dt, res = systems[s](ef, qi)
                qps[(s, ef)].append(NQ / dt)
                if not RECALL_Q:
                    hit[(s, ef)] += hits(res, qi)
            if not RECALL_Q:
                cnt[ef] += NQ
        log(f'round {r + 1}/{ROUNDS} done')
    load1 = os.getloadavg()[0]
    phases['rounds'] = time.perf_counter() - t

    med = {k: float(np.median(v)) for k, v in qps.items()}
    rec = {k: hit[k] / (K * cnt[k[1]]) for k in hit}

    def ratio(a, b, ef):
        return float(np.median(np.array(qps[(a, ef)]) / np.array(qps[(b, ef)])))
    at = {(s, tr): hb.interp_at([(rec[(s, ef)], med[(s, ef)]) for ef in EFS], tr)
          for s in systems for tr in RECALLS}

    # ---- pgbench at the ef_search nearest each target recall
    t = time.perf_counter()
    pgb = []
    pgbench = pgbench_path() if PGB else None
    if PGB and not (pgbench and os.path.exists(pgbench)):
        log('no pgbench (HNSW_PGBENCH or PG_CONFIG): skipping the pgbench pass')
    elif PGB:
        modes = [s for s in systems if s != 'hnswlib']
        for tr in RECALLS:
            for s in modes:
                ef = min(EFS, key=lambda e: (abs(rec[(s, e)] - tr), e))
                pgb.append({'system': s, 'target': tr, 'ef': ef, 'tps': []})
        bench_sql = (f'SELECT id FROM {table} ORDER BY v {op} '
                     f'(SELECT v FROM {qtab} WHERE id = :qid) LIMIT {K};\n')
        plan = '\n'.join(r[0] for r in pg.execute(
            'EXPLAIN (COSTS OFF) ' + bench_sql.replace(':qid', '0').rstrip(';\n')))
        if idx not in plan:
            log('WARNING: the pgbench query does not use the hnsw index:\n' + plan)
        with tempfile.NamedTemporaryFile('w', suffix='.sql', delete=False) as fh:
            fh.write(f'\\set qid random(0, {nq - 1})\n' + bench_sql)
        os.chmod(fh.name, 0o644)
        tps_cache = {}
        try:
            for rep in range(PGB_REPS):
                for p in (pgb if rep % 2 == 0 else pgb[::-1]):
                    key = (p['system'], p['ef'], rep)
                    if key not in tps_cache:
                        opts = ['-c hnsw.ef_search=%d' % p['ef'], '-c enable_seqscan=off',
                                '-c jit=off'] + [f'-c {k}={v}' for k, v in SETTINGS]
                        if codes:
                            opts.append('-c %s=%s' % (CODES_GUC, 'on' if p['system'] == 'ours'
                                                      else 'off'))
                        out = subprocess.run(
                            [pgbench, '-n', '-c', '1', '-j', '1', '-T', str(PGB_SECONDS),
                             '-M', 'prepared', '-f', fh.name], capture_output=True, text=True,
                            env=dict(os.environ, PGOPTIONS=' '.join(opts)))
                        tps = [float(ln.split()[2]) for ln in out.stdout.splitlines()
                               if ln.startswith('tps = ')]
                        if not tps:
                            sys.exit('pgbench failed:\n' + out.stdout[-2000:] + out.stderr[-2000:])
                        tps_cache[key] = tps[0]
                        log(f"pgbench {label[p['system']]} ef_search {p['ef']}: {tps[0]:,.0f} tps")
                    p['tps'].append(tps_cache[key])
        finally:
            os.unlink(fh.name)
    phases['pgbench'] = time.perf_counter() - t
    phases['total'] = time.perf_counter() - t_all

    # ---- report
    commit = subprocess.run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'],
                            capture_output=True, text=True).stdout.strip() or '?'
    out = []
    p = out.append
    p(f'#### {ds["title"]}: {n:,} x {dim} (`HNSW_DATA={NAME}`)')
    p('')
    now = datetime.datetime.now(datetime.timezone.utc)
    p(f'{now:%Y-%m-%d %H:%M} UTC, commit `{commit}`; PostgreSQL {pg_version}'
      f', shared_buffers {shared_buffers}; m {hb.M}, ef_construction {hb.EFC}, '
      f'{THREADS} build threads; column storage {hb.PG_STORAGE}; {CODES_GUC} '
      + ('exists (codes on and off below)' + (f', milvus.hnsw_code_slack {slack}' if slack
                                                else '') if codes
         else 'not in this build (no codes split)')
      + (f'; settings {", ".join(f"{k} = {v}" for k, v in SETTINGS)}' if SETTINGS else '')
      + f'. Recall@10 tie-aware over {cnt[EFS[0]]} queries; QPS the median of {ROUNDS} rounds '
      f'of {NQ} queries, one psycopg client, the systems alternating within each round; '
      f'load average {load_b:.1f} before the builds, {load0:.1f} / {load1:.1f} before / '
      f'after the rounds.')
    p('')
    p(f'| | build ({THREADS} threads) | index size | bytes per vector |')
    p('|---|---:|---:|---:|')

    def bs(k):
        return f'{build[k]:.1f} s' if k in build else 'not built here'
    p(f'| ours (CREATE INDEX; pg_relation_size) | {bs("ours")} | {size / MIB:.1f} MiB | '
      f'{size / n:,.0f} |')
    p(f'| hnswlib (Python module; in memory, estimate) | {bs("hnswlib")} | '
      f'{hl_size / MIB:.1f} MiB | {hl_size / n:,.0f} |')
    p(f'| pgvector 0.8 (estimate from its page layout; not built) | | {pgv_size / MIB:.1f} MiB '
      f'| {pgv_size / n:,.0f} |')
    p('')
    line = []
    if 'ours' in build and 'hnswlib' in build:
        line.append(f'build ours / hnswlib **{build["ours"] / build["hnswlib"]:.2f}** '
                    '(issue 20: at most 1.5)')
    line.append(f'size ours / pgvector (estimate) **{size / pgv_size:.2f}** (at most 1.0)')
    line.append(f'the table {heap / MIB:.1f} MiB')
    p('; '.join(line) + '.' + (' The build said: ' + '; '.join(build_notices) if build_notices
                               else ''))
    p('')
    sl = list(systems)
    p('| ef_search | ' + ' | '.join(f'recall {label[s]}' for s in sl) + ' | '
      + ' | '.join(f'QPS {label[s]}' for s in sl) + ' | ours / hnswlib |'
      + (' codes on / off |' if codes else ''))
    p('|---:|' + '---:|' * (2 * len(sl) + 1 + bool(codes)))
    for ef in EFS:
        p(f'| {ef} | ' + ' | '.join(f'{rec[(s, ef)]:.4f}' for s in sl) + ' | '
          + ' | '.join(f'{med[(s, ef)]:,.0f}' for s in sl)
          + f' | {ratio("ours", "hnswlib", ef):.2f} |'
          + (f' {ratio("ours", "codes off", ef):.2f} |' if codes else ''))
    p('')
    p('At equal recall (QPS interpolated on each curve):')
    p('')
    tg = None if LIMIT else TARGETS.get(NAME)
    p('| recall@10 | ' + ' | '.join(f'QPS {label[s]}' for s in sl) + ' | ours / hnswlib |'
      + (' codes off / hnswlib | codes on / off |' if codes else '')
      + (' issue 20 target (ours / hnswlib) |' if tg else ''))
    p('|---:|' + '---:|' * (len(sl) + 1 + 2 * bool(codes) + bool(tg)))

    def q(s, tr):
        v, note = at[(s, tr)]
        return f'not reached (best {max(rec[(s, ef)] for ef in EFS):.4f})' if v is None else \
            f'{v:,.0f}' + (' (≥: lowest ef above)' if note.startswith('>=') else '')

    def rt(a, b, tr):
        va, vb = at[(a, tr)][0], at[(b, tr)][0]
        return f'{va / vb:.2f}' if va and vb else 'n/a'
    for i, tr in enumerate(RECALLS):
        p(f'| {tr} | ' + ' | '.join(q(s, tr) for s in sl)
          + f' | **{rt("ours", "hnswlib", tr)}** |'
          + (f' {rt("codes off", "hnswlib", tr)} | {rt("ours", "codes off", tr)} |'
             if codes else '')
          + (f' ≥ {tg[i]:.2f} |' if tg else ''))
    if pgb:
        p('')
        p(f'pgbench (C client, `-M prepared`, one connection, {PGB_SECONDS} s a run, '
          f'{PGB_REPS} runs, median; a random query per transaction, its vector from `{qtab}` by '
          'a subquery), at the ef_search of the sweep whose recall is nearest the target:')
        p('')
        p('| target | system | ef_search | recall@10 | pgbench TPS | psycopg QPS (sweep) |')
        p('|---:|---|---:|---:|---:|---:|')
        for x in sorted(pgb, key=lambda x: (x['target'], x['system'] != 'ours')):
            s, ef = x['system'], x['ef']
            p(f"| {x['target']} | {label[s]} | {ef} | "
              f"{rec[(s, ef)]:.4f} | {np.median(x['tps']):,.0f} | {med[(s, ef)]:,.0f} |")
    tag = NAME + (f'_{LIMIT}' if LIMIT else '')
    svg = os.path.join(OUT_DIR, 'plots', f'{tag}.svg')
    p('')
    p(f'Plot: `{os.path.relpath(svg, REPO)}`. Time: '
      + ', '.join(f'{k} {v:.0f} s' for k, v in phases.items()) + '.')
    text = '\n'.join(out)
    print(text)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, f'sweep_{tag}.md'), 'w') as fh:
        fh.write(text + '\n')
    with open(os.path.join(OUT_DIR, f'sweep_{tag}.json'), 'w') as fh:
        json.dump({'data': NAME, 'n': n, 'dim': dim, 'metric': metric, 'efs': EFS,
                   'build_s': build, 'size': {'ours': size, 'hnswlib_est': hl_size,
                                              'pgvector_est': pgv_size, 'table': heap},
                   'codes': codes, 'slack': slack, 'settings': dict(SETTINGS),
                   'recall': {f'{s}|{ef}': rec[(s, ef)] for s, ef in rec},
                   'qps_rounds': {f'{s}|{ef}': v for (s, ef), v in qps.items()},
                   'at_recall': {f'{s}|{tr}': at[(s, tr)][0] for s, tr in at},
                   'pgbench': pgb, 'phases_s': phases}, fh, indent=1)
    svg_plot(svg, f'{ds["title"]}, {n:,} x {dim}; m {hb.M}, ef_construction {hb.EFC}, '
             f'one client', [(label[s], [(rec[(s, ef)], med[(s, ef)], ef) for ef in EFS])
                             for s in sl])
    log(f'report in {OUT_DIR}/sweep_{tag}.md, plot in {svg}')


if __name__ == '__main__':
    main()
