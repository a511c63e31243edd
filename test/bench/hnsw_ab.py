#!/usr/bin/python3
"""test/bench/hnsw_ab.py: side-by-side A/B of hnsw index scans on
Fashion-MNIST: several (server, table) configurations and in-process
hnswlib take turns in the same rounds, on the same queries.  Used to
compare the vector column's storage (external, the type's default, against
plain) and two builds of the extension (each installed in its own server),
as BENCHMARKS.md ("hnsw index", "Side by side") describes.

Env:
  HNSW_AB_PORTS (default: $PGPORT): the servers, comma-separated ports on
    $PGHOST, each optionally followed by +NAME=VALUE, a setting for that
    configuration's connection (so that one server can take part twice,
    with and without a setting); each must run on this machine (the backend's CPU time is read
    from /proc/PID/schedstat), with pg_prewarm and shared_buffers large
    enough for the tables and indexes.
  HNSW_AB_TABLES (default: hnsw_ext:external,hnsw_plain:plain): the tables
    as name:storage; a table that is missing on a server is created
    (id int, v vector(784)) with that column storage, loaded, and given an
    hnsw index (m = 16, ef_construction = 64); an existing one is used as
    it is.
  HNSW_EF (15,40), HNSW_QUERIES (200 per configuration and round),
  HNSW_ROUNDS (15), HNSW_AB_WARMUP (1000: queries each configuration and
  hnswlib answer, at the first ef_search, before any is timed; a backend's
  first queries fill its recent-buffer cache, and without this the first
  ef_search of the list measured slower than the second), MILVUS_DATA_DIR.
Reports, per ef_search and configuration: recall@10 (plain id overlap with
the ground truth), the median of the rounds' QPS, the median of the rounds'
QPS ratio to hnswlib, and the median backend CPU time per query.  Needs
/usr/bin/python3 with numpy, psycopg and hnswlib.
"""
import os
import sys
import time

import numpy as np
import hnswlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hnsw_bench as hb  # noqa: E402

PORTS = os.environ.get('HNSW_AB_PORTS', os.environ.get('PGPORT', '5432')).split(',')
TABLES = [tuple(x.split(':')) for x in
          os.environ.get('HNSW_AB_TABLES', 'hnsw_ext:external,hnsw_plain:plain').split(',')]
EFS = [int(x) for x in os.environ.get('HNSW_EF', '15,40').split(',')]
NQ = int(os.environ.get('HNSW_QUERIES', '200'))
ROUNDS = int(os.environ.get('HNSW_ROUNDS', '15'))
WARMUP = int(os.environ.get('HNSW_AB_WARMUP', '1000'))
D = os.path.join(hb.DATA_DIR, hb.DATASET, hb.PREFIX)


def connect(entry, base):
    """Connect to the server of entry (PORT, or PORT+NAME=VALUE to set a
    setting in this connection), create missing tables, prewarm them."""
    port, _, setting = entry.partition('+')
    os.environ['PGPORT'] = port
    pg = hb.pg_connect()
    if setting:
        name, _, value = setting.partition('=')
        pg.execute('SELECT set_config(%s, %s, false)', (name, value))
    pg.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    pg.execute('CREATE EXTENSION IF NOT EXISTS pg_prewarm')
    for t, storage in TABLES:
        if pg.execute('SELECT to_regclass(%s)', (t,)).fetchone()[0] is None:
            hb.log(f'port {port}: loading {t} (storage {storage}), building its index')
            pg.execute('DROP TABLE IF EXISTS items')
            pg.execute(f'CREATE TABLE items (id int, v vector({base.shape[1]}))')
            pg.execute(f'ALTER TABLE items ALTER COLUMN v SET STORAGE {storage}')
            with pg.cursor() as cur:
                hb.copy_binary(cur, base, 'v', chunk_rows=5000)   # writes into "items"
            pg.execute(f'ALTER TABLE items RENAME TO {t}')
            pg.execute(f'VACUUM ANALYZE {t}')
            pg.execute(f'CREATE INDEX ON {t} USING hnsw (v vector_l2_ops) '
                       f'WITH (m = {hb.M}, ef_construction = {hb.EFC})')
        pg.execute("SELECT pg_prewarm(%s::regclass), "
                   "(SELECT sum(pg_prewarm(indexrelid)) FROM pg_index "
                   "WHERE indrelid = %s::regclass)", (t, t))
    bpid = pg.execute('SELECT pg_backend_pid()').fetchone()[0]
    version = pg.execute("SELECT extversion FROM pg_extension WHERE extname = 'milvus'").fetchone()[0]
    return pg, pg.cursor(), bpid, version


def backend_cpu(bpid):
    with open('/proc/%d/schedstat' % bpid) as fh:
        return int(fh.read().split()[0]) / 1e9


def main():
    base = hb.read_bvecs(D + 'base.bvecs').astype(np.float32)
    queries = hb.read_bvecs(D + 'query.bvecs').astype(np.float32)
    gt = hb.read_xvecs(D + 'groundtruth.ivecs', '<i4')[:, :hb.K]
    conns = {port: connect(port, base) for port in PORTS}
    configs = [(port, t, storage) for port in PORTS for t, storage in TABLES]
    hb.log('building hnswlib in process')
    hl = hnswlib.Index(space='l2', dim=base.shape[1])
    hl.init_index(base.shape[0], M=hb.M, ef_construction=hb.EFC)
    hl.add_items(base, num_threads=2)
    hb.log(f'warm-up: {WARMUP} queries per configuration')
    hl.set_ef(EFS[0])
    for port, t, _ in configs:
        pg, cur, _, _ = conns[port]
        pg.execute('SET hnsw.ef_search = %d' % EFS[0])
        sql = hb.KNN_SQL.replace('FROM items', 'FROM ' + t)
        for i in range(WARMUP):
            cur.execute(sql, (queries[i % len(queries)],), prepare=True, binary=True)
            cur.fetchall()
    for i in range(WARMUP):
        hl.knn_query(queries[i % len(queries)], k=hb.K, num_threads=1)
    load0 = os.getloadavg()[0]

    print('| ef_search | server port | table (storage) | recall@10 | QPS | hnswlib QPS | '
          'ratio to hnswlib | backend CPU µs per query |')
    print('|---:|---:|---|---:|---:|---:|---:|---:|')
    for ef in EFS:
        hl.set_ef(ef)
        for pg, _, _, _ in conns.values():
            pg.execute('SET hnsw.ef_search = %d' % ef)
        res = {c: {'wall': [], 'cpu': [], 'hits': 0} for c in configs}
        hlw = []
        for r in range(ROUNDS):
            first = (r * NQ) % (len(queries) - NQ)
            qi = range(first, first + NQ)
            for c in configs:
                port, t, _ = c
                _, cur, bpid, _ = conns[port]
                sql = hb.KNN_SQL.replace('FROM items', 'FROM ' + t)
                for i in qi[:10]:
                    cur.execute(sql, (queries[i],), prepare=True, binary=True)
                    cur.fetchall()
                c0, t0 = backend_cpu(bpid), time.perf_counter()
                out = []
                for i in qi:
                    cur.execute(sql, (queries[i],), prepare=True, binary=True)
                    out.append([row[0] for row in cur.fetchall()])
                res[c]['wall'].append(time.perf_counter() - t0)
                res[c]['cpu'].append(backend_cpu(bpid) - c0)
                res[c]['hits'] += sum(len(set(o) & set(gt[i])) for i, o in zip(qi, out))
            t0 = time.perf_counter()
            for i in qi:
                hl.knn_query(queries[i], k=hb.K, num_threads=1)
            hlw.append(time.perf_counter() - t0)
        for c in configs:
            port, t, storage = c
            w = res[c]['wall']
            ratio = np.median([h / x for h, x in zip(hlw, w)])
            print(f"| {ef} | {port} | {t} ({storage}) | "
                  f"{res[c]['hits'] / (ROUNDS * NQ * hb.K):.4f} | {NQ / np.median(w):,.0f} | "
                  f"{NQ / np.median(hlw):,.0f} | {ratio:.3f} | "
                  f"{np.median(res[c]['cpu']) / NQ * 1e6:.0f} |", flush=True)
    print(f'\nLoad average (1 min) {load0:.2f} before the rounds, '
          f'{os.getloadavg()[0]:.2f} after; {ROUNDS} rounds of {NQ} queries.')


if __name__ == '__main__':
    main()
