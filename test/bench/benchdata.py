"""test/bench/benchdata.py: what the benchmark drivers share.

The texmex vector-file readers (.bvecs, .fvecs, .ivecs: each record is
its dimension count as a little-endian int32, then the values) and a
binary COPY of a matrix of vectors into a table (id, vector) with ids
0 .. n-1, which is several times faster than COPY in text, and a psycopg
dumper that sends numpy arrays as binary `vector` parameters.

    from benchdata import copy_binary, read_bvecs, read_xvecs
    from benchdata import register_vector_dumper
"""
import struct

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
