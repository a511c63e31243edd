#!/usr/bin/python3
"""test/bench/hnsw_codes_sim.py: how many element reads an hnsw search
would save if each neighbour list carried a product-quantization code of
every neighbour, so that a search could score a neighbour from the list it
already read and read the element only when the code says it may enter
the result set.

A simulation, not the index: it reads the graph of a real hnsw index out
of its pages (pageinspect's get_raw_page), replays the search of
hnswsearch.c over it in Python (greedy descent, then the layer search at
level 0), and counts element reads (distance computations on full values)
and recall@10 against the ground truth, over an ef_search sweep:

  - exact: every unvisited neighbour is read, as the index does now;
  - pqMxB, delta: a neighbour is read only when its code's distance (the
    asymmetric distance of Faiss' ProductQuantizer, M sub-quantizers of B
    bits, trained on 20,000 of the indexed values) is at most (1 + delta)
    times the bound: the result set's farthest at level 0 once it is full,
    the current nearest in the descent.  The code's distance is only a
    filter: what enters the results is measured on the full value.

Env: PGHOST, PGPORT, PGUSER, PGDATABASE (a server holding the table with
an hnsw index on vector_l2_ops, m = 16, built from the data set's base
vectors in order, id = row number); SIM_TABLE (items_p), SIM_INDEX
(items_p_v_idx), SIM_QUERIES (1000), SIM_EF (10,12,14,16,18,20),
SIM_CODES (16x8,49x8), SIM_DELTAS (0,0.1), MILVUS_DATA_DIR.
SIM_GLOVE=DIR runs on test/bench/glove.py's data set in DIR instead (an
index on vector_cosine_ops; values and queries are normalised, so that
L2 ranks as cosine does; the SIM_QUERIES queries are spread over the
query set, which runs from frequent to rare words).  Needs
/usr/bin/python3 with numpy, psycopg and faiss, and CREATE EXTENSION
pageinspect on the server.  Prints a markdown table.
"""
import heapq
import os
import struct
import sys

import faiss
import numpy as np
import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hnsw_bench as hb  # noqa: E402

TABLE = os.environ.get('SIM_TABLE', 'items_p')
INDEX = os.environ.get('SIM_INDEX', 'items_p_v_idx')
NQ = int(os.environ.get('SIM_QUERIES', '1000'))
EFS = [int(x) for x in os.environ.get('SIM_EF', '10,12,14,16,18,20').split(',')]
CODES = [tuple(int(y) for y in x.split('x'))
         for x in os.environ.get('SIM_CODES', '16x8,49x8').split(',')]
DELTAS = [float(x) for x in os.environ.get('SIM_DELTAS', '0,0.1').split(',')]


def tid(b, offset):
    """An ItemPointerData (bi_hi, bi_lo, offset) at offset of b."""
    hi, lo, off = struct.unpack_from('<HHH', b, offset)
    return ((hi << 16) | lo, off)


def load_graph(pg):
    """The index's elements ordered by their row's id: values, levels, and
    per level the neighbours as row positions; the entry point and its
    level.  Layout: src/hnsw.h."""
    heap = {}
    for ctid, i in pg.execute(f'SELECT ctid::text, id FROM {TABLE}'):
        b, o = ctid.strip('()').split(',')
        heap[(int(b), int(o))] = i
    m = entry = top = None
    elements, ntuples = {}, {}
    nblocks = pg.execute('SELECT pg_relation_size(%s::regclass) / 8192',
                         (INDEX,)).fetchone()[0]
    for first in range(0, nblocks, 2000):
        for blkno, page in pg.execute(
                'SELECT b, get_raw_page(%s, b) FROM generate_series(%s::int, %s::int) b',
                (INDEX, first, min(first + 1999, nblocks - 1))):
            page = bytes(page)
            if blkno == 0:
                # HnswMetaPageData after the page header
                (_, _, _, m, _, eblk, eoff, top) = struct.unpack_from('<IIIHHIHh', page, 24)
                entry = (eblk, eoff)
                continue
            lower = struct.unpack_from('<H', page, 12)[0]
            for i in range((lower - 24) // 4):
                lp = struct.unpack_from('<I', page, 24 + 4 * i)[0]
                off, flags, length = lp & 0x7fff, (lp >> 15) & 3, lp >> 17
                if flags != 1:
                    continue
                t = page[off:off + length]
                if t[0] == 1 and t[2] == 0:      # a live element tuple
                    dim = struct.unpack_from('<h', t, 76)[0]
                    elements[(blkno, i + 1)] = (
                        t[1], heap[tid(t, 4)], tid(t, 64),
                        np.frombuffer(t[80:80 + 4 * dim], dtype=np.float32))
                elif t[0] == 2:                  # a neighbour tuple
                    count = struct.unpack_from('<H', t, 2)[0]
                    ntuples[(blkno, i + 1)] = [tid(t, 4 + 12 * k) for k in range(count)]
    keys = sorted(elements, key=lambda k: elements[k][1])
    pos = {k: j for j, k in enumerate(keys)}
    links = []
    for k in keys:
        level, _, ntid, _ = elements[k]
        slots = ntuples[ntid]
        per_level = []
        for lc in range(level + 1):
            first = 0 if lc == 0 else m * (lc + 1)
            n = 2 * m if lc == 0 else m
            per_level.append(np.array([pos[s] for s in slots[first:first + n]
                                       if s[1] != 0 and s in pos], dtype=np.int64))
        links.append(per_level)
    ids = np.array([elements[k][1] for k in keys])
    values = np.stack([elements[k][3] for k in keys])
    return ids, values, links, pos[entry], top


def search(g, q, ef, table=None, codes=None, delta=0.0):
    """hnswsearch.c's search for q; returns the 10 nearest positions and
    the number of element reads."""
    values, links, entry, top = g
    reads = 0
    cols = None if table is None else np.arange(table.shape[0])[None, :]

    def dist(js):
        nonlocal reads
        reads += len(js)
        x = values[js] - q
        return np.einsum('ij,ij->i', x, x)

    def keep(js, bound):
        if table is None or len(js) == 0:
            return js
        return js[table[cols, codes[js]].sum(1) <= bound * (1 + delta)]

    cur = entry
    cd = dist([cur])[0]
    for lc in range(top, 0, -1):
        moved = True
        while moved:
            moved = False
            nb = keep(links[cur][lc], cd)
            if len(nb) == 0:
                continue
            dn = dist(nb)
            j = int(dn.argmin())
            if dn[j] < cd:
                cur, cd, moved = int(nb[j]), dn[j], True
    visited = {cur}
    C, W = [(cd, cur)], [(-cd, cur)]
    while C:
        dc, c = heapq.heappop(C)
        if len(W) >= ef and dc > -W[0][0]:
            break
        nb = np.array([n for n in links[c][0] if n not in visited], dtype=np.int64)
        visited.update(nb.tolist())
        if len(W) >= ef:
            nb = keep(nb, -W[0][0])
        if len(nb) == 0:
            continue
        for n, x in zip(nb.tolist(), dist(nb).tolist()):
            if len(W) < ef or x < -W[0][0]:
                heapq.heappush(C, (x, n))
                heapq.heappush(W, (-x, n))
                if len(W) > ef:
                    heapq.heappop(W)
    return [n for _, n in sorted((-a, b) for a, b in W)][:10], reads


def sweep(label, g, ids, queries, gt, tables=None, codes=None, delta=0.0):
    for ef in EFS:
        hits = reads = 0
        for i, q in enumerate(queries):
            r, n = search(g, q, ef, None if tables is None else tables[i], codes, delta)
            reads += n
            hits += len(set(ids[r].tolist()) & set(gt[i].tolist()))
        print(f'| {label} | {ef} | {hits / (10 * len(queries)):.4f} | '
              f'{reads / len(queries):.1f} |', flush=True)


def normalised(x):
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)).astype(np.float32)


def main():
    glove = os.environ.get('SIM_GLOVE')
    if glove:
        stem = os.path.join(glove, 'glove-100-angular_')
        allq = hb.read_xvecs(stem + 'query.fvecs', '<f4')
        pick = np.arange(NQ) * max(len(allq) // NQ, 1) % len(allq)
        queries = normalised(allq[pick])
        gt = hb.read_xvecs(stem + 'groundtruth.ivecs', '<i4')[pick, :10]
    else:
        d = os.path.join(hb.DATA_DIR, hb.DATASET, hb.PREFIX)
        queries = hb.read_bvecs(d + 'query.bvecs')[:NQ].astype(np.float32)
        gt = hb.read_xvecs(d + 'groundtruth.ivecs', '<i4')[:NQ, :10]
    with psycopg.connect(autocommit=True) as pg:
        ids, values, links, entry, top = load_graph(pg)
    if glove:
        values = normalised(values)
    g = (values, links, entry, top)
    dim = values.shape[1]
    hb.log(f'{len(ids)} live elements of {dim} dimensions, entry level {top}; '
           f'{len(queries)} queries')
    print('| search | ef_search | recall@10 | element reads per query |')
    print('|---|---:|---:|---:|')
    sweep('exact', g, ids, queries, gt)
    sample = values[np.random.default_rng(0).choice(len(values), min(20000, len(values)),
                                                    replace=False)]
    for msub, nbits in CODES:
        pq = faiss.ProductQuantizer(dim, msub, nbits)
        pq.train(sample)
        packed = pq.compute_codes(values)
        codes = np.zeros((len(values), msub), dtype=np.int64)
        for j in range(msub):        # unpack: codes are little-endian bit fields
            bit = j * nbits
            word = packed[:, bit // 8].astype(np.int64)
            if bit % 8 + nbits > 8:
                word |= packed[:, bit // 8 + 1].astype(np.int64) << 8
            codes[:, j] = (word >> (bit % 8)) & ((1 << nbits) - 1)
        centroids = faiss.vector_to_array(pq.centroids).reshape(msub, 1 << nbits, dim // msub)
        tables = [((centroids - q.reshape(msub, 1, -1)) ** 2).sum(2) for q in queries]
        for delta in DELTAS:
            sweep(f'pq{msub}x{nbits}, delta {delta:g}', g, ids, queries, gt,
                  tables, codes, delta)


if __name__ == '__main__':
    main()
