#!/usr/bin/python3
"""Filtered vector search: which plan runs, how fast, how accurate.

Run through test/bench/filter_bench.sh, which starts a throwaway cluster and
sets PGHOST/PGPORT/PGUSER/PGDATABASE.  For each data set (GloVe 100-d
cosine from test/bench/glove.py: the first 100,000 words, 1,000 held-out
queries; Fashion-MNIST 60,000 x 784 L2), one table

    t (id int, v vector(d), cat int, ccat int)

with a btree on cat and on ccat and an hnsw index (m 16, ef_construction
64), hnsw.iterative_scan = relaxed_order.  cat is uncorrelated with the
vectors (a random permutation of the rows, modulo 1,000); ccat follows them
(k-means into 1,000 clusters with faiss, clusters in random order, rows
numbered cluster by cluster, ccat = that rank * 1,000 / n), so that
"cat < s * 1000" keeps the fraction s of the rows in both cases.

For each filter column and selectivity (0.1 %, 1 %, 10 %, 50 %), the query
SELECT id FROM t WHERE <col> < $2 ORDER BY v <op> $1 LIMIT 10 runs as a
prepared statement in each mode, the modes taking turns in FILTER_ROUNDS
rounds over the same FILTER_QUERIES queries:

  - exact: enable_indexscan = off (the btree's bitmap scan or a sequential
    scan, then an exact sort; what the planner picks of those);
  - custom: plan_cache_mode = force_custom_plan;
  - generic: plan_cache_mode = auto (the default), after 6 executions
    (PostgreSQL considers a generic plan from the 6th);
  - in-index filter (index (v, <col>)), with the btree on <col> still there
    and no other hnsw index: custom plans, the default mode, and "hnsw
    forced" (bitmap and sequential scans and sorts priced out, so the
    hnsw scan with the filter inside runs whatever its cost), beside the
    exact plan measured again in that phase.  Only when the index access
    method accepts a second key column; else marked n/a.

Reported per cell: the plan of the timed executions (EXPLAIN EXECUTE after
the warm-up; "(generic)" when pg_prepared_statements counts generic plans), QPS (median of the rounds), recall@10 against the exact
filtered top 10 computed with numpy (tie-aware: a hit is a result whose
distance is at most the true 10th), mean rows returned, and the ratios of
QPS and recall to the exact plan's in the same run; the JSON also keeps
each mode's EXPLAIN EXECUTE (with costs).

Env: FILTER_DATASETS (glove,fashion), FILTER_QUERIES (50), FILTER_ROUNDS
(2), FILTER_SELS (0.001,0.01,0.1,0.5), FILTER_EF (40), FILTER_REUSE (1:
keep the table t already loaded, for one data set), FILTER_SETTINGS
(settings for every mode, "name=value;name=value", for example
"milvus.hnsw_filter_exact_fraction=0.1"), FILTER_COLUMNS (cat,ccat: the
random and the clustered filter), FILTER_EXACT_FRACTIONS (values of
milvus.hnsw_filter_exact_fraction for extra forced in-index modes, e.g.
"0.05,1"), GLOVE_DIR
(<repo>/tmp/bench/glove), MILVUS_DATA_DIR, FILTER_OUT (markdown report),
FILTER_JSON (raw figures).
"""
import json
import os
import statistics
import sys
import time

import numpy as np

from benchdata import copy_binary, read_bvecs, read_fvecs

HERE = os.path.dirname(os.path.abspath(__file__))
NQ = int(os.environ.get('FILTER_QUERIES', '50'))
ROUNDS = int(os.environ.get('FILTER_ROUNDS', '2'))
SELS = [float(x) for x in
        os.environ.get('FILTER_SELS', '0.001,0.01,0.1,0.5').split(',')]
EF = int(os.environ.get('FILTER_EF', '40'))
DATASETS = os.environ.get('FILTER_DATASETS', 'glove,fashion').split(',')
DATA = os.environ.get('MILVUS_DATA_DIR',
                      os.path.join(HERE, '..', '..', '..', 'shared', 'data'))
GLOVE = os.environ.get('GLOVE_DIR',
                       os.path.join(HERE, '..', '..', 'tmp', 'bench', 'glove'))
REUSE = os.environ.get('FILTER_REUSE') == '1'   # keep a loaded t (one data set)
SETTINGS = [x for x in os.environ.get('FILTER_SETTINGS', '').split(';') if x.strip()]
FILTERS = os.environ.get('FILTER_COLUMNS', 'cat,ccat').split(',')
K = 10
NCAT = 1000
FRACTIONS = [x for x in os.environ.get('FILTER_EXACT_FRACTIONS', '').split(',') if x]
INMODES = ['inindex_custom', 'inindex_generic', 'inindex_forced'] + \
    ['inindex_forced@' + f for f in FRACTIONS]
MODES = ['exact', 'custom', 'generic'] + INMODES


def log(*a):
    print('==>', *a, file=sys.stderr, flush=True)


def load_dataset(name):
    """(base, queries, metric) as float32 arrays; metric 'cosine' or 'l2'."""
    if name == 'glove':
        return (read_fvecs(os.path.join(GLOVE, 'glove-100-angular_base.fvecs')),
                read_fvecs(os.path.join(GLOVE, 'glove-100-angular_query.fvecs')),
                'cosine')
    d = os.path.join(DATA, 'fashion-mnist-784-euclidean')
    return (read_bvecs(os.path.join(d, 'fashion-mnist-784_base.bvecs')).astype(np.float32),
            read_bvecs(os.path.join(d, 'fashion-mnist-784_query.bvecs')).astype(np.float32),
            'l2')


def categories(base, metric):
    """cat (random) and ccat (k-means cluster rank), both 0 .. NCAT - 1."""
    import faiss
    n = len(base)
    rng = np.random.default_rng(42)
    cat = (rng.permutation(n) % NCAT).astype(np.int32)
    x = np.ascontiguousarray(base)
    if metric == 'cosine':
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
    km = faiss.Kmeans(x.shape[1], NCAT, niter=10, seed=42, verbose=False)
    km.train(x)
    _, assign = km.index.search(x, 1)
    order = rng.permutation(NCAT)[assign[:, 0]]
    rank = np.empty(n, np.int64)
    rank[np.lexsort((np.arange(n), order))] = np.arange(n)
    ccat = (rank * NCAT // n).astype(np.int32)
    return cat, ccat


def distances(base, queries, metric):
    """The exact distance of every base row to each query, (nq, n)."""
    q = queries.astype(np.float64)
    b = base.astype(np.float64)
    if metric == 'cosine':
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-30)
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-30)
        return 1.0 - q @ b.T
    d2 = (q * q).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * q @ b.T
    return np.sqrt(np.maximum(d2, 0))


def load(conn, base, metric, cat, ccat):
    """Create and fill t, its btrees and its hnsw index."""
    n, d = base.shape
    opclass = 'vector_cosine_ops' if metric == 'cosine' else 'vector_l2_ops'
    conn.execute('DROP TABLE IF EXISTS t, tc')
    conn.execute('CREATE TABLE t (id int, v vector(%d), cat int, ccat int)' % d)
    conn.execute('CREATE TEMP TABLE tc (id int, cat int, ccat int)')
    with conn.cursor() as cur:
        copy_binary(cur, base, 'v', table='t')
        with cur.copy('COPY tc (id, cat, ccat) FROM STDIN') as cp:
            for i in range(n):
                cp.write_row((i, int(cat[i]), int(ccat[i])))
    conn.execute('UPDATE t SET cat = tc.cat, ccat = tc.ccat FROM tc WHERE t.id = tc.id')
    conn.execute('VACUUM FULL t')
    conn.execute('CREATE INDEX ON t (cat)')
    conn.execute('CREATE INDEX ON t (ccat)')
    conn.execute('CREATE UNIQUE INDEX ON t (id)')
    t0 = time.time()
    conn.execute('CREATE INDEX t_hnsw ON t USING hnsw (v %s) WITH (m = 16, ef_construction = 64)' % opclass)
    log('hnsw build %.1f s' % (time.time() - t0))
    conn.execute('VACUUM ANALYZE t')
    return opclass


def try_inindex(conn, opclass, col):
    """Create the hnsw index with col as a second key column; False when
    the access method does not accept one."""
    try:
        conn.execute('CREATE INDEX t_hnsw_%s ON t USING hnsw (v %s, %s) '
                      'WITH (m = 16, ef_construction = 64)' % (col, opclass, col))
        conn.execute('ANALYZE t')
        return True
    except Exception as e:     # noqa: BLE001 - reported, then n/a
        log('in-index filter on %s: n/a (%s)' % (col, str(e).splitlines()[0]))
        return False


def vec_text(x):
    return '[' + ','.join('%.6g' % v for v in x) + ']'


def plan_of(conn, sql, args):
    """(short name, EXPLAIN text with costs) of a statement's plan."""
    lines = [r[0] for r in conn.execute('EXPLAIN ' + sql, args)]
    text = ' '.join(lines)
    if 'Index Scan using t_hnsw' in text:
        name = 'hnsw'
        if ' Filter:' not in text and 'Index Cond' in text:
            name = 'hnsw, in-index filter'
    elif 'Bitmap Heap Scan' in text:
        name = 'btree bitmap + sort'
    elif 'Index Scan using t_cat' in text or 'Index Scan using t_ccat' in text:
        name = 'btree + sort'
    elif 'Seq Scan' in text:
        name = 'seq scan + sort'
    else:
        name = text[:60]
    return name, '\n'.join(lines)


def session(conn, mode, col, op, d):
    """Settings and the prepared statement of a mode; "forced[@f]": the
    hnsw index scan (bitmap, sequential scans and sorts priced out), with
    milvus.hnsw_filter_exact_fraction f when given."""
    mode, _, fraction = mode.partition('@')
    conn.execute('RESET ALL')
    conn.execute('SET jit = off')
    conn.execute('SET hnsw.ef_search = %d' % EF)
    conn.execute("SET hnsw.iterative_scan = relaxed_order")
    for setting in SETTINGS:
        name, value = setting.split('=', 1)
        conn.execute('SET %s = %s' % (name.strip(), value.strip()))
    conn.execute('DEALLOCATE ALL')
    if fraction:
        conn.execute('SET milvus.hnsw_filter_exact_fraction = %s' % fraction)
    if mode == 'forced':
        conn.execute('SET enable_bitmapscan = off')
        conn.execute('SET enable_seqscan = off')
        conn.execute('SET enable_sort = off')
        conn.execute("SET plan_cache_mode = force_custom_plan")
    elif mode == 'exact':
        conn.execute('SET enable_indexscan = off')
        conn.execute("SET plan_cache_mode = force_custom_plan")
    elif mode == 'custom':
        conn.execute("SET plan_cache_mode = force_custom_plan")
    conn.execute('PREPARE q(vector(%d), int) AS SELECT id FROM t WHERE %s < $2 '
                 'ORDER BY v %s $1 LIMIT %d' % (d, col, op, K))


def run_mode(conn, mode, col, op, d, qtext, limit):
    """Run every query once; (seconds, results, plan)."""
    session(conn, mode, col, op, d)
    # warm-up: past the 5 executions after which a generic plan is tried
    for i in range(6):
        conn.execute('EXECUTE q(%s, %s)', (qtext[i % len(qtext)], limit)).fetchall()
    plan, explain = plan_of(conn, 'EXECUTE q(%s, %s)', (qtext[0], limit))
    res = []
    t0 = time.perf_counter()
    for q in qtext:
        res.append([r[0] for r in conn.execute('EXECUTE q(%s, %s)', (q, limit))])
    secs = time.perf_counter() - t0
    gen, cust = conn.execute("SELECT generic_plans, custom_plans FROM "
                             "pg_prepared_statements WHERE name = 'q'").fetchone()
    if gen:
        plan += ' (generic)'
    return secs, res, plan, explain


def recall(res, dist, mask):
    """Mean tie-aware recall@10 of res (lists of ids) for each query."""
    out = []
    for i, ids in enumerate(res):
        dm = np.where(mask, dist[i], np.inf)
        kth = np.partition(dm, K - 1)[K - 1]
        if not np.isfinite(kth):
            kth = np.max(dm[np.isfinite(dm)]) if mask.any() else 0
        want = min(K, int(mask.sum()))
        hits = sum(1 for x in ids[:K] if mask[x] and dist[i][x] <= kth + 1e-6)
        out.append(hits / max(want, 1))
    return float(np.mean(out))


def measure(conn, modes, col, op, d, qtext, limit, dist, mask):
    """Run the modes in turns over ROUNDS rounds; {mode: figures}."""
    times = {m: [] for m in modes}
    out = {}
    for r in range(ROUNDS):
        for m in (modes if r % 2 == 0 else modes[::-1]):
            secs, res, plan, explain = run_mode(conn, m.replace('inindex_', ''),
                                                col, op, d, qtext, limit)
            times[m].append(secs)
            out[m] = (res, plan, explain)
    return {m: {'qps': len(qtext) / statistics.median(times[m]),
                'recall': recall(out[m][0], dist, mask),
                'rows': float(np.mean([len(x) for x in out[m][0]])),
                'plan': out[m][1], 'explain': out[m][2]} for m in modes}


def bench_dataset(conn, name):
    base, queries, metric = load_dataset(name)
    log('%s: %d x %d, %s' % (name, base.shape[0], base.shape[1], metric))
    cat, ccat = categories(base, metric)
    if REUSE and conn.execute("SELECT count(*) FROM pg_class WHERE relname = 't_hnsw'").fetchone()[0]:
        opclass = 'vector_cosine_ops' if metric == 'cosine' else 'vector_l2_ops'
    else:
        opclass = load(conn, base, metric, cat, ccat)
    op = '<=>' if metric == 'cosine' else '<->'
    d = base.shape[1]
    qs = queries[:NQ]
    qtext = [vec_text(q) for q in qs]
    dist = distances(base, qs, metric)
    cells = []
    for col, values in (('cat', cat), ('ccat', ccat)):
        if col not in FILTERS:
            continue
        colcells = []
        for sel in SELS:
            limit = int(round(sel * NCAT))
            mask = values < limit
            cell = {'dataset': name, 'filter': col, 'sel': sel}
            cell.update(measure(conn, ['exact', 'custom', 'generic'], col, op,
                                d, qtext, limit, dist, mask))
            log(json.dumps(cell))
            colcells.append(cell)
        # the filter inside the index, in a phase of its own with the
        # exact plan measured again beside it
        conn.execute('DROP INDEX t_hnsw')
        if try_inindex(conn, opclass, col):
            for cell in colcells:
                limit = int(round(cell['sel'] * NCAT))
                mask = values < limit
                r = measure(conn, ['exact'] + INMODES,
                            col, op, d, qtext, limit, dist, mask)
                cell['exact_inindex_phase'] = r['exact']
                for m in INMODES:
                    r[m]['qps_ratio'] = r[m]['qps'] / r['exact']['qps']
                    cell[m] = r[m]
                log(json.dumps(cell))
            conn.execute('DROP INDEX t_hnsw_%s' % col)
        conn.execute('CREATE INDEX t_hnsw ON t USING hnsw (v %s) '
                     'WITH (m = 16, ef_construction = 64)' % opclass)
        conn.execute('ANALYZE t')
        cells += colcells
    return cells


def report(cells):
    lines = ['| data | filter | rows kept | mode | plan | QPS | × exact | recall@10 | rows |',
             '|---|---|---:|---|---|---:|---:|---:|---:|']
    names = {'exact': 'exact plan', 'custom': 'custom plans',
             'generic': 'default (generic after 5)',
             'inindex_custom': 'in-index filter, custom plans',
             'inindex_generic': 'in-index filter, default',
             'inindex_forced': 'in-index filter, hnsw forced'}
    for f in FRACTIONS:
        names['inindex_forced@' + f] = 'in-index filter, hnsw forced, exact_fraction %s' % f
    for c in cells:
        ex = c['exact']
        for m in MODES:
            if m not in c:
                if m.startswith('inindex'):
                    lines.append('| %s | %s | %g %% | %s | n/a (filter branch not merged) | | | | |'
                                 % (c['dataset'], 'random' if c['filter'] == 'cat' else 'clustered',
                                    c['sel'] * 100, names[m]))
                continue
            x = c[m]
            lines.append('| %s | %s | %g %% | %s | %s | %.0f | %.2f | %.3f | %.1f |' % (
                c['dataset'], 'random' if c['filter'] == 'cat' else 'clustered',
                c['sel'] * 100, names[m], x['plan'], x['qps'],
                x.get('qps_ratio', x['qps'] / ex['qps']),
                x['recall'], x['rows']))
            if m == 'exact' and 'exact_inindex_phase' in c:
                y = c['exact_inindex_phase']
                lines.append('| %s | %s | %g %% | exact plan, in-index phase | %s | %.0f | %.2f | %.3f | %.1f |' % (
                    c['dataset'], 'random' if c['filter'] == 'cat' else 'clustered',
                    c['sel'] * 100, y['plan'], y['qps'], 1.0, y['recall'], y['rows']))
    return '\n'.join(lines) + '\n'


def main():
    import psycopg
    conn = psycopg.connect(autocommit=True, cursor_factory=psycopg.ClientCursor)
    conn.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    cells = []
    for name in DATASETS:
        cells += bench_dataset(conn, name)
    text = report(cells)
    print(text)
    if os.environ.get('FILTER_OUT'):
        with open(os.environ['FILTER_OUT'], 'w') as f:
            f.write(text)
    if os.environ.get('FILTER_JSON'):
        with open(os.environ['FILTER_JSON'], 'w') as f:
            json.dump(cells, f, indent=1)


if __name__ == '__main__':
    main()
