#!/usr/bin/python3
"""Real 128-dimensional descriptors for the exact-search benchmark.

No real 128-d set with more than 10,000 vectors is available offline, so this
derives SIFT-style descriptors from the Fashion-MNIST images in the shared
data directory (28 x 28 uint8 greyscale, stored as 784-d .bvecs).  For each
window of an image:

  1. Gradients by central differences on the whole image (float64, edge pixels
     replicated): gx = I[y, x+1] - I[y, x-1], gy = I[y+1, x] - I[y-1, x];
     magnitude m = hypot(gx, gy), orientation t = atan2(gy, gx) in [0, 2 pi).
  2. Each pixel of the window (side W) is weighted by m * g, where g is a
     Gaussian centred on the window with sigma = W / 2 (as SIFT does).
  3. The window is split into 4 x 4 square cells (W / 4 pixels a side); in each
     cell an 8-bin orientation histogram (bins 45 degrees wide, bin k centred
     on k * 45 degrees) gets each pixel's weight split linearly between the
     two nearest bins.  Layout: index = (cell_row * 4 + cell_col) * 8 + bin.
  4. The 128 values are L2-normalised, clipped at 0.2 and L2-normalised
     again, then quantised as Lowe's SIFT and VLFeat do:
     min(floor(512 * v), 255), so every component is an integer 0..255
     (stored as float32; squared L2 distances are then exact in float32).
     A window without gradient gives the zero vector.

Windows: base = the full 28 x 28 image plus the four 24 x 24 corner crops
(offsets (0,0), (0,4), (4,0), (4,4) as (row, col)), so the 60,000 training
images give 300,000 base descriptors, image-major: row id = image * 5 + window.
Queries = the full-image window of the first 1,000 test images.

Output (cached; regenerated only when missing or when the parameters in the
.json next to them differ):  CACHE/fmnist-sift128_base.fvecs and
CACHE/fmnist-sift128_query.fvecs.

Usage: exact_data.py [CACHE_DIR]   (prints the two paths)
Env:   MILVUS_DATA_DIR  shared data directory (default: REPO/../shared/data)
       EXACT_CACHE_DIR  cache directory (default: REPO/tmp/bench)
Run with /usr/bin/python3 (Debian's numpy).
"""
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))

PARAMS = {
    'version': 1,
    'source': 'fashion-mnist-784-euclidean',
    'cells': 4,
    'bins': 8,
    'clip': 0.2,
    'scale': 512,
    'max': 255,
    # (row offset, col offset, side)
    'base_windows': [[0, 0, 28], [0, 0, 24], [0, 4, 24], [4, 0, 24], [4, 4, 24]],
    'query_windows': [[0, 0, 28]],
    'n_query_images': 1000,
}
NAME = 'fmnist-sift128'


def data_dir():
    return os.environ.get('MILVUS_DATA_DIR') or os.path.join(REPO, '..', 'shared', 'data')


def cache_dir():
    return os.environ.get('EXACT_CACHE_DIR') or os.path.join(REPO, 'tmp', 'bench')


def read_vecs(path):
    """texmex .fvecs/.ivecs/.bvecs reader (as the shared groundtruth.py)."""
    if path.endswith('.bvecs'):
        raw = np.fromfile(path, dtype=np.uint8)
        d = int(raw[:4].view('<i4')[0])
        rec = raw.reshape(-1, d + 4)
        assert (rec[:, :4].copy().view('<i4')[:, 0] == d).all(), 'bad bvecs'
        return rec[:, 4:].copy()
    dtype = '<i4' if path.endswith('.ivecs') else '<f4'
    raw = np.fromfile(path, dtype='<i4')
    d = int(raw[0])
    rec = raw.reshape(-1, d + 1)
    assert (rec[:, 0] == d).all(), 'bad vecs file'
    return rec[:, 1:].copy().view(dtype)


def write_fvecs(path, arr):
    arr = np.ascontiguousarray(arr, dtype='<f4')
    n, d = arr.shape
    rec = np.empty((n, d + 1), dtype='<i4')
    rec[:, 0] = d
    rec[:, 1:] = arr.view('<i4')
    tmp = path + '.part'
    rec.tofile(tmp)
    os.replace(tmp, path)


def gradients(images):
    """images: (N, 28, 28) uint8 -> magnitude, orientation in [0, 2pi)."""
    img = np.pad(images.astype(np.float64), ((0, 0), (1, 1), (1, 1)), mode='edge')
    gx = img[:, 1:-1, 2:] - img[:, 1:-1, :-2]
    gy = img[:, 2:, 1:-1] - img[:, :-2, 1:-1]
    mag = np.hypot(gx, gy)
    ang = np.mod(np.arctan2(gy, gx), 2 * np.pi)
    return mag, ang


def window_descriptors(mag, ang, r0, c0, side, p=PARAMS):
    cells, bins = p['cells'], p['bins']
    assert side % cells == 0
    cs = side // cells
    m = mag[:, r0:r0 + side, c0:c0 + side]
    a = ang[:, r0:r0 + side, c0:c0 + side]
    n = m.shape[0]
    # Gaussian weight, sigma = side / 2, centred on the window
    u = np.arange(side) + 0.5 - side / 2.0
    sigma = side / 2.0
    g1 = np.exp(-u * u / (2 * sigma * sigma))
    w = m * np.outer(g1, g1)[None]
    # linear split between the two nearest orientation bins
    b = a * (bins / (2 * np.pi))
    b0 = np.floor(b)
    f = b - b0
    b0 = b0.astype(np.int64) % bins
    b1 = (b0 + 1) % bins
    desc = np.zeros((n, cells, cells, bins), np.float64)
    for k in range(bins):
        contrib = w * ((b0 == k) * (1.0 - f) + (b1 == k) * f)
        desc[..., k] = contrib.reshape(n, cells, cs, cells, cs).sum(axis=(2, 4))
    desc = desc.reshape(n, cells * cells * bins)
    # SIFT normalisation: L2, clip, L2, quantise
    norm = np.linalg.norm(desc, axis=1, keepdims=True)
    desc = np.divide(desc, norm, out=np.zeros_like(desc), where=norm > 0)
    desc = np.minimum(desc, p['clip'])
    norm = np.linalg.norm(desc, axis=1, keepdims=True)
    desc = np.divide(desc, norm, out=np.zeros_like(desc), where=norm > 0)
    desc = np.minimum(np.floor(p['scale'] * desc), p['max'])
    return desc.astype(np.float32)


def describe(images, windows):
    mag, ang = gradients(images)
    per = [window_descriptors(mag, ang, r0, c0, s) for r0, c0, s in windows]
    # image-major: row = image * len(windows) + window
    return np.stack(per, axis=1).reshape(-1, per[0].shape[1])


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def ensure(cache=None, log=sys.stderr):
    """Return (base_path, query_path), generating them if needed."""
    cache = cache or cache_dir()
    os.makedirs(cache, exist_ok=True)
    base_p = os.path.join(cache, NAME + '_base.fvecs')
    query_p = os.path.join(cache, NAME + '_query.fvecs')
    meta_p = os.path.join(cache, NAME + '.json')
    if os.path.exists(base_p) and os.path.exists(query_p) and os.path.exists(meta_p):
        with open(meta_p) as fh:
            meta = json.load(fh)
        if meta.get('params') == PARAMS:
            return base_p, query_p
    src = os.path.join(data_dir(), 'fashion-mnist-784-euclidean')
    print(f'generating descriptors from {src} into {cache}', file=log)
    train = read_vecs(os.path.join(src, 'fashion-mnist-784_base.bvecs')).reshape(-1, 28, 28)
    test = read_vecs(os.path.join(src, 'fashion-mnist-784_query.bvecs')).reshape(-1, 28, 28)
    base = describe(train, PARAMS['base_windows'])
    query = describe(test[:PARAMS['n_query_images']], PARAMS['query_windows'])
    write_fvecs(base_p, base)
    write_fvecs(query_p, query)
    meta = {'params': PARAMS, 'base_shape': list(base.shape), 'query_shape': list(query.shape),
            'sha256': {os.path.basename(base_p): sha256(base_p),
                       os.path.basename(query_p): sha256(query_p)}}
    with open(meta_p, 'w') as fh:
        json.dump(meta, fh, indent=1)
    return base_p, query_p


if __name__ == '__main__':
    b, q = ensure(sys.argv[1] if len(sys.argv) > 1 else None)
    print(b)
    print(q)
