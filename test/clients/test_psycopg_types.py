#!/usr/bin/python3
"""Client test: psycopg 3 against halfvec, sparsevec and the bit metrics.

Run with Debian's /usr/bin/python3 (python3-psycopg), like test_psycopg.py,
which covers the vector type.  Connection settings come from the libpq
environment (PGHOST, PGPORT, PGUSER, PGDATABASE); the database must already
have the extension created.

There is no pgvector-python here, so this file carries the adapters that
pgvector-python registers for psycopg 3 (pgvector/psycopg/halfvec.py,
sparsevec.py, bit.py), without numpy:

  halfvec    text '[1,2,3]'; binary struct '>HH' (dim, unused) then '>%de'
  sparsevec  text '{1:1.5,3:2}/5' (1-based); binary '>iii' (dim, nnz,
             unused), nnz '>i' 0-based indices, then nnz '>f' values
  bit        Bit objects dump as text '101' or binary varbit (int32 bit
             length, then the bits packed MSB first, zero padded)

psycopg 3.1 loads bit and varbit as str in text mode but has no binary
loader for them (binary results come back as raw bytes), so this file adds
one that returns the same str.  Everything is checked in text and in binary
mode.  Prints "ok N - ..." / "not ok N - ..." lines and a final
"N passed, N failed"; exits non-zero on any failure.
"""

import math
import random
import struct
import sys
import traceback

import psycopg
from psycopg import errors
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

# ---------------------------------------------------------------------------
# The adapters, as pgvector-python does them
# ---------------------------------------------------------------------------


def to_half(x):
    """Round a float to the nearest IEEE binary16 (ties to even), like
    numpy.float16; OverflowError past 65504."""
    return struct.unpack("<e", struct.pack("<e", float(x)))[0]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


class HalfVector:
    """pgvector-python's HalfVector without numpy: values are kept as the
    float value of each binary16."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = tuple(to_half(v) for v in values)

    def to_list(self):
        return list(self.values)

    def dim(self):
        return len(self.values)

    def __eq__(self, other):
        # bit-exact: -0.0 and 0.0 differ
        return isinstance(other, HalfVector) and self.to_binary() == other.to_binary()

    def __repr__(self):
        if len(self.values) > 8:
            return "HalfVector(<%d dims> %r...)" % (len(self.values), self.to_list()[:4])
        return "HalfVector(%r)" % self.to_list()

    def to_text(self):
        return "[" + ",".join(repr(v) for v in self.values) + "]"

    @classmethod
    def from_text(cls, value):
        return cls([float(v) for v in value[1:-1].split(",")])

    def to_binary(self):
        n = len(self.values)
        return struct.pack(">HH", n, 0) + struct.pack(">%de" % n, *self.values)

    @classmethod
    def from_binary(cls, value):
        dim, unused = struct.unpack_from(">HH", value)
        if unused != 0:
            raise ValueError("expected unused to be 0")
        if len(value) != 4 + 2 * dim:
            raise ValueError("halfvec of %d dims in %d bytes" % (dim, len(value)))
        return cls(struct.unpack_from(">%de" % dim, value, 4))


class SparseVector:
    """pgvector-python's SparseVector: dimensions, 0-based indices and
    float32 values of the non-zero elements, indices ascending."""

    __slots__ = ("dim", "indices", "values")

    def __init__(self, dim, indices=(), values=()):
        pairs = sorted((int(i), f32(v)) for i, v in zip(indices, values) if v != 0)
        self.dim = int(dim)
        self.indices = tuple(i for i, _ in pairs)
        self.values = tuple(v for _, v in pairs)

    @classmethod
    def from_dict(cls, d, dim):
        return cls(dim, list(d.keys()), list(d.values()))

    @classmethod
    def from_dense(cls, values):
        return cls(len(values), range(len(values)), values)

    def to_dense(self):
        out = [0.0] * self.dim
        for i, v in zip(self.indices, self.values):
            out[i] = v
        return out

    def __eq__(self, other):
        return (isinstance(other, SparseVector) and self.dim == other.dim
                and self.indices == other.indices
                and struct.pack("<%df" % len(self.values), *self.values)
                == struct.pack("<%df" % len(other.values), *other.values))

    def __repr__(self):
        if len(self.indices) > 8:
            return "SparseVector(%d, <%d nnz> %r...)" % (self.dim, len(self.indices), self.indices[:4])
        return "SparseVector(%d, %r, %r)" % (self.dim, self.indices, self.values)

    def to_text(self):
        return "{" + ",".join("%d:%r" % (i + 1, v) for i, v in zip(self.indices, self.values)) \
            + "}/%d" % self.dim

    @classmethod
    def from_text(cls, value):
        elements, dim = value.rsplit("/", 1)
        indices, values = [], []
        inner = elements.strip()[1:-1].strip()
        if inner:
            for e in inner.split(","):
                i, v = e.split(":")
                indices.append(int(i) - 1)
                values.append(float(v))
        return cls(int(dim), indices, values)

    def to_binary(self):
        nnz = len(self.indices)
        return (struct.pack(">iii", self.dim, nnz, 0)
                + struct.pack(">%di" % nnz, *self.indices)
                + struct.pack(">%df" % nnz, *self.values))

    @classmethod
    def from_binary(cls, value):
        dim, nnz, unused = struct.unpack_from(">iii", value)
        if unused != 0:
            raise ValueError("expected unused to be 0")
        if len(value) != 12 + 8 * nnz:
            raise ValueError("sparsevec of %d elements in %d bytes" % (nnz, len(value)))
        indices = struct.unpack_from(">%di" % nnz, value, 12)
        values = struct.unpack_from(">%df" % nnz, value, 12 + 4 * nnz)
        return cls(dim, indices, values)


class Bit:
    """pgvector-python's Bit: a bit string, given as '0'/'1' text or a list
    of booleans."""

    __slots__ = ("bits",)

    def __init__(self, value):
        if isinstance(value, str):
            if value.strip("01"):
                raise ValueError("not a bit string: %r" % value)
            self.bits = value
        else:
            self.bits = "".join("1" if b else "0" for b in value)

    def __eq__(self, other):
        return isinstance(other, Bit) and self.bits == other.bits

    def __repr__(self):
        return "Bit(%r)" % (self.bits if len(self.bits) <= 40 else self.bits[:40] + "...")

    def to_text(self):
        return self.bits

    def to_binary(self):
        return bits_to_varbit(self.bits)


def bits_to_varbit(bits):
    """varbit_send's format: int32 bit length, bits packed MSB first."""
    n = len(bits)
    nbytes = (n + 7) // 8
    val = int(bits, 2) << (nbytes * 8 - n) if n else 0
    return struct.pack(">i", n) + val.to_bytes(nbytes, "big")


def varbit_to_bits(data):
    (n,) = struct.unpack_from(">i", data)
    body = bytes(data[4:])
    if len(body) != (n + 7) // 8:
        raise ValueError("bit string of %d bits in %d bytes" % (n, len(body)))
    if n == 0:
        return ""
    return format(int.from_bytes(body, "big"), "0%db" % (len(body) * 8))[:n]


def _bytes(data):
    return bytes(data) if isinstance(data, memoryview) else data


class HalfVectorDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return obj.to_text().encode("utf8")


class HalfVectorBinaryDumper(HalfVectorDumper):
    format = Format.BINARY

    def dump(self, obj):
        return obj.to_binary()


class HalfVectorLoader(Loader):
    format = Format.TEXT

    def load(self, data):
        return HalfVector.from_text(_bytes(data).decode("utf8"))


class HalfVectorBinaryLoader(HalfVectorLoader):
    format = Format.BINARY

    def load(self, data):
        return HalfVector.from_binary(_bytes(data))


class SparseVectorDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return obj.to_text().encode("utf8")


class SparseVectorBinaryDumper(SparseVectorDumper):
    format = Format.BINARY

    def dump(self, obj):
        return obj.to_binary()


class SparseVectorLoader(Loader):
    format = Format.TEXT

    def load(self, data):
        return SparseVector.from_text(_bytes(data).decode("utf8"))


class SparseVectorBinaryLoader(SparseVectorLoader):
    format = Format.BINARY

    def load(self, data):
        return SparseVector.from_binary(_bytes(data))


class BitDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return obj.to_text().encode("utf8")


class BitBinaryDumper(BitDumper):
    format = Format.BINARY

    def dump(self, obj):
        return obj.to_binary()


class BitBinaryLoader(Loader):
    """The binary counterpart of psycopg's text handling of bit/varbit:
    returns the same '0'/'1' str."""
    format = Format.BINARY

    def load(self, data):
        return varbit_to_bits(_bytes(data))


def register_type(context, name, text_dumper, binary_dumper, text_loader, binary_loader):
    info = TypeInfo.fetch(context, name)
    if info is None:
        raise psycopg.ProgrammingError("%s type not found in the database" % name)
    info.register(context)
    adapters = context.adapters
    # dumpers carry the OID so that set_types() and %b parameters work
    cls = HalfVector if name == "halfvec" else SparseVector
    adapters.register_dumper(cls, type("", (text_dumper,), {"oid": info.oid}))
    adapters.register_dumper(cls, type("", (binary_dumper,), {"oid": info.oid}))
    adapters.register_loader(info.oid, text_loader)
    adapters.register_loader(info.oid, binary_loader)
    return info


def register_bit(context):
    """pgvector.psycopg.register_bit_info plus a binary loader.  Dumpers are
    registered for varbit and then bit, so that Bit parameters are typed
    bit (as in pgvector-python) and COPY with set_types finds either."""
    adapters = context.adapters
    infos = {}
    for name in ("varbit", "bit"):
        info = adapters.types.get(name)
        infos[name] = info
        adapters.register_dumper(Bit, type("", (BitDumper,), {"oid": info.oid}))
        adapters.register_dumper(Bit, type("", (BitBinaryDumper,), {"oid": info.oid}))
        adapters.register_loader(info.oid, BitBinaryLoader)
    return infos


def register_all(context):
    half = register_type(context, "halfvec", HalfVectorDumper, HalfVectorBinaryDumper,
                         HalfVectorLoader, HalfVectorBinaryLoader)
    sparse = register_type(context, "sparsevec", SparseVectorDumper, SparseVectorBinaryDumper,
                           SparseVectorLoader, SparseVectorBinaryLoader)
    bits = register_bit(context)
    return half, sparse, bits


class Raw:
    """bytes sent as a binary parameter of a given type, for malformed input."""

    def __init__(self, data):
        self.data = data


def raw_type(context, oid):
    cls = type("Raw%d" % oid, (Raw,), {})
    dumper = type("", (Dumper,), {"format": Format.BINARY, "oid": oid,
                                  "dump": lambda self, obj: obj.data})
    context.adapters.register_dumper(cls, dumper)
    return cls


# ---------------------------------------------------------------------------
# A tiny TAP-like harness (as in test_psycopg.py)
# ---------------------------------------------------------------------------

passed = 0
failed = 0


def check(name, fn):
    """Run fn(); a falsy return or an exception is a failure."""
    global passed, failed
    n = passed + failed + 1
    try:
        result = fn()
        if result is False:
            raise AssertionError("returned False")
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failed += 1
        print("not ok %d - %s" % (n, name))
        for line in traceback.format_exception_only(type(e), e):
            for sub in line.rstrip().splitlines():
                print("#   " + sub[:2000])
        tb = traceback.extract_tb(e.__traceback__)
        if tb:
            last = tb[-1]
            print("#   at %s line %d: %s" % (last.filename.rsplit("/", 1)[-1], last.lineno, last.line))
    else:
        passed += 1
        print("ok %d - %s" % (n, name))
    sys.stdout.flush()


def expect_error(conn, sqlstate, exc_class, sql, params=None, binary=None, show=False):
    """Run sql and require a server error with this SQLSTATE and class.
    The connection is in autocommit mode, so it stays usable afterwards."""
    with conn.cursor() as cur:
        try:
            if binary is None:
                cur.execute(sql, params)
            else:
                cur.execute(sql, params, binary=binary)
        except psycopg.Error as e:
            assert isinstance(e, exc_class), "got %s (%s), want %s: %s" % (
                type(e).__name__, e.sqlstate, exc_class.__name__, e)
            assert e.sqlstate == sqlstate, "sqlstate %s, want %s: %s" % (e.sqlstate, sqlstate, e)
            assert e.diag.message_primary, "no primary message"
            if show:
                print("#   %s: %s" % (e.sqlstate, e.diag.message_primary))
        else:
            raise AssertionError("no error raised for %r" % sql)
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def expect_data_error(conn, sql, params, pgvector_state):
    """For malformed binary input, where this extension may choose a more
    specific class-22 SQLSTATE than pgvector: require a DataError (class
    22), and name the SQLSTATE next to pgvector's."""
    with conn.cursor() as cur:
        try:
            cur.execute(sql, params)
        except psycopg.DataError as e:
            assert e.sqlstate.startswith("22"), e.sqlstate
            assert e.diag.message_primary, "no primary message"
            print("#   SQLSTATE %s%s: %s" % (
                e.sqlstate, "" if e.sqlstate == pgvector_state else " (pgvector: %s)" % pgvector_state,
                e.diag.message_primary))
        else:
            raise AssertionError("no error raised for %r" % sql)
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def close(a, b, rel=1e-5, abs_=1e-6):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def check_order(rows, expected, rel=1e-5):
    """rows: (id, distance) from the server in ORDER BY distance, id order.
    expected: {id: hand-computed distance}.  Every distance must match;
    the ids must come in the hand-computed order, where hand-computed
    values within rounding of each other may come in either order (the
    server breaks exact ties by id, but its float rounding may differ from
    ours in the last bits).  NaN sorts last, as in PostgreSQL."""
    assert len(rows) == len(expected), (rows, expected)
    for rid, d in rows:
        assert rid in expected, rid
        assert close(d, expected[rid], rel=rel), "id %s: server %r, hand %r" % (rid, d, expected[rid])

    def key(item):
        d = item[1]
        return (1, 0.0) if math.isnan(d) else (0, d)

    want = sorted(expected.items(), key=lambda it: (key(it), it[0]))
    groups, cur = [], []
    for it in want:
        if cur and not (close(key(cur[-1])[1], key(it)[1], rel=rel) and key(cur[-1])[0] == key(it)[0]):
            groups.append(cur)
            cur = []
        cur.append(it)
    if cur:
        groups.append(cur)
    pos = 0
    got_ids = [r[0] for r in rows]
    for g in groups:
        chunk = got_ids[pos:pos + len(g)]
        assert sorted(chunk) == sorted(i for i, _ in g), \
            "order: got %r, want %r" % (got_ids, [i for i, _ in want])
        pos += len(g)


# ---------------------------------------------------------------------------
# Hand-computed metrics
# ---------------------------------------------------------------------------


def l2(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def norm(a):
    return math.sqrt(dot(a, a))


def cosine(a, b):
    na, nb = norm(a), norm(b)
    if na == 0 or nb == 0:
        return float("nan")
    return 1.0 - dot(a, b) / (na * nb)


def l1(a, b):
    return sum(abs(x - y) for x, y in zip(a, b))


DENSE_METRICS = [
    ("<->", l2, "L2 distance"),
    ("<#>", lambda a, b: -dot(a, b), "negative inner product"),
    ("<=>", cosine, "cosine distance"),
    ("<+>", l1, "L1 distance"),
]


def popcount(x):
    return bin(x).count("1")


def bit_parts(a, b):
    assert len(a) == len(b)
    x, y = int(a, 2) if a else 0, int(b, 2) if b else 0
    return x, y


def hamming(a, b):
    x, y = bit_parts(a, b)
    return float(popcount(x ^ y))


def jaccard(a, b):
    x, y = bit_parts(a, b)
    union = popcount(x | y)
    if union == 0:
        return 1.0
    return 1.0 - popcount(x & y) / union


def tanimoto(a, b):
    x, y = bit_parts(a, b)
    inter, union = popcount(x & y), popcount(x | y)
    if inter == 0:
        return math.inf
    return -math.log2(inter / union)


def contains(a, b):
    x, y = bit_parts(a, b)
    return y & ~x == 0


# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------

rng = random.Random(20240607)


def random_half():
    """A uniformly random finite binary16 bit pattern, subnormals included."""
    while True:
        h = rng.getrandbits(16)
        if h & 0x7C00 != 0x7C00:
            return struct.unpack(">e", struct.pack(">H", h))[0]


HALF_EDGE = HalfVector([
    1.5, -0.25, -0.0, 0.0, 65504.0, -65504.0,
    2.0 ** -14,          # smallest normal
    2.0 ** -24,          # smallest subnormal
    -(2.0 ** -24),
    0.1, 1.0 / 3.0, math.pi,   # rounded to the nearest half by HalfVector
    1000.5, 2048.0, -0.99951171875,
])
HALF_ONE = HalfVector([-7.125])
HALF_BIG = HalfVector([random_half() for _ in range(16000)])

FLT_MAX = 3.4028234663852886e38
SPARSE_EDGE = SparseVector(10, [0, 1, 2, 3, 4, 6, 9],
                           [FLT_MAX, -FLT_MAX, 1.1754943508222875e-38, 1.401298464324817e-45,
                            0.1, 1.0 / 3.0, -2.5])
SPARSE_EMPTY = SparseVector(5)
SPARSE_ONE = SparseVector(1, [0], [-7.125])
SPARSE_ONE_EMPTY = SparseVector(1)
SPARSE_MAXDIM = SparseVector(1000000000, [0, 999999999], [2.0, -0.5])
SPARSE_MANY = SparseVector(
    1000000000, rng.sample(range(1000000000), 16000),
    [rng.choice((-1, 1)) * rng.uniform(1e-3, 1e3) for _ in range(16000)])

BIT_CASES = [
    Bit("1"),
    Bit("0"),
    Bit("10110001"),
    Bit("101100011"),
    Bit([rng.random() < 0.5 for _ in range(1000)]),
]


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def main():
    conn = psycopg.connect(autocommit=True)

    # --- what plain psycopg does with bit, before any adapter ---------------

    def builtin_bit():
        with psycopg.connect(autocommit=True) as plain:
            for bits in ("1", "10110001", "101100011"):
                with plain.cursor() as cur:
                    cur.execute("SELECT %s::varbit, %s::bit varying <~> %s::bit varying",
                                (bits, bits, bits))
                    got, d = cur.fetchone()
                assert got == bits and d == 0.0, (got, d)
                with plain.cursor(binary=True) as cur:
                    cur.execute("SELECT %s::varbit", (bits,))
                    got = cur.fetchone()[0]
                # no binary loader for bit in psycopg 3.1: the raw varbit bytes
                assert isinstance(got, bytes), type(got)
                assert got == bits_to_varbit(bits), (got, bits_to_varbit(bits))
        print("#   psycopg %s: bit/varbit load as str in text mode and as raw bytes "
              "(int32 length + packed bits) in binary mode" % psycopg.__version__)
    check("psycopg's built-in bit handling: str in text mode, raw varbit bytes in binary mode",
          builtin_bit)

    half_info, sparse_info, bit_infos = register_all(conn)

    check("TypeInfo.fetch finds halfvec (oid %d, array %d) and sparsevec (oid %d, array %d)"
          % (half_info.oid, half_info.array_oid, sparse_info.oid, sparse_info.array_oid),
          lambda: half_info.oid > 0 and half_info.array_oid > 0 and sparse_info.oid > 0
          and sparse_info.array_oid > 0 and half_info.name == "halfvec"
          and sparse_info.name == "sparsevec")

    def local_roundtrip():
        for v in (HALF_EDGE, HALF_ONE, HALF_BIG):
            assert HalfVector.from_text(v.to_text()) == v
            assert HalfVector.from_binary(v.to_binary()) == v
        for v in (SPARSE_EDGE, SPARSE_EMPTY, SPARSE_ONE, SPARSE_MAXDIM, SPARSE_MANY):
            assert SparseVector.from_text(v.to_text()) == v
            assert SparseVector.from_binary(v.to_binary()) == v
        for b in BIT_CASES:
            assert varbit_to_bits(b.to_binary()) == b.bits
        assert HalfVector([1, 2, 3]).to_binary() == bytes.fromhex("000300003c0040004200")
        assert SparseVector(5, [0, 2], [1, 2]).to_binary() == bytes.fromhex(
            "00000005000000020000000000000000000000023f80000040000000")
        assert Bit("101100011").to_binary() == bytes.fromhex("00000009b180")
    check("adapters round-trip locally and match the documented wire formats", local_roundtrip)

    def server_send_matches():
        with conn.cursor() as cur:
            for v in (HALF_EDGE, HALF_ONE, HALF_BIG):
                cur.execute("SELECT halfvec_send(%b)", (v,))
                assert cur.fetchone()[0] == v.to_binary()
            for v in (SPARSE_EDGE, SPARSE_EMPTY, SPARSE_ONE, SPARSE_MAXDIM, SPARSE_MANY):
                cur.execute("SELECT sparsevec_send(%b)", (v,))
                assert cur.fetchone()[0] == v.to_binary()
    check("halfvec_send/sparsevec_send of %b parameters give back the bytes sent",
          server_send_matches)

    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS t_half, t_half3, t_sparse, t_sparse5, t_sparse6, t_bits, "
                    "t_bit8, t_copy, t_copy_text")
        cur.execute("CREATE TABLE t_half (id int PRIMARY KEY, v halfvec)")
        cur.execute("CREATE TABLE t_half3 (id int PRIMARY KEY, v halfvec(3))")
        cur.execute("CREATE TABLE t_sparse (id int PRIMARY KEY, v sparsevec)")
        cur.execute("CREATE TABLE t_sparse5 (id int PRIMARY KEY, v sparsevec(5))")
        cur.execute("CREATE TABLE t_bits (id int PRIMARY KEY, b bit varying)")
        cur.execute("CREATE TABLE t_bit8 (id int PRIMARY KEY, b bit(8))")
        cur.execute("CREATE TABLE t_copy (id int PRIMARY KEY, h halfvec, s sparsevec, b bit varying)")
        cur.execute("CREATE TABLE t_copy_text (id int PRIMARY KEY, h halfvec, s sparsevec, b bit varying)")

    fmts = [("text", "%t"), ("binary", "%b")]
    results = [("text", False), ("binary", True)]
    next_id = [1000]

    def new_id():
        next_id[0] += 1
        return next_id[0]

    # --- halfvec round trips --------------------------------------------------

    for label, vec in [("edge values", HALF_EDGE), ("1-dim", HALF_ONE),
                       ("16000-dim random bit patterns", HALF_BIG)]:
        for pname, ph in fmts:
            for rname, rbin in results:
                def roundtrip(vec=vec, ph=ph, rbin=rbin):
                    vid = new_id()
                    with conn.cursor() as cur:
                        cur.execute("INSERT INTO t_half VALUES (%%s, %s)" % ph, (vid, vec))
                    with conn.cursor(binary=rbin) as cur:
                        cur.execute("SELECT v, vector_dims(v) FROM t_half WHERE id = %s", (vid,))
                        got, dims = cur.fetchone()
                        assert cur.pgresult.fformat(0) == (1 if rbin else 0), "wrong result format"
                        assert cur.description[0].type_code == half_info.oid
                    assert isinstance(got, HalfVector), type(got)
                    assert dims == vec.dim(), dims
                    assert got == vec, "%r != %r" % (got, vec)
                check("halfvec %s: %s param, %s result, exact" % (label, pname, rname), roundtrip)

    def half_text_form():
        with conn.cursor() as cur:
            cur.execute("SELECT %t::text, %b::text",
                        (HalfVector([1, 2, 0.1, -0.0]), HalfVector([65504, 2.0 ** -24, 1.5])))
            r = cur.fetchone()
        assert r == ("[1,2,0.099975586,-0]", "[65504,5.9604645e-08,1.5]"), r
    check("halfvec text output is the shortest float4 decimal of each half (as pgvector)",
          half_text_form)

    # --- sparsevec round trips -------------------------------------------------

    for label, vec in [("edge float4 values", SPARSE_EDGE), ("all-zero {}/5", SPARSE_EMPTY),
                       ("1-dim", SPARSE_ONE), ("1-dim all-zero", SPARSE_ONE_EMPTY),
                       ("dim 1,000,000,000", SPARSE_MAXDIM),
                       ("16000 non-zeros in 1e9 dims", SPARSE_MANY)]:
        for pname, ph in fmts:
            for rname, rbin in results:
                def roundtrip(vec=vec, ph=ph, rbin=rbin):
                    vid = new_id()
                    with conn.cursor() as cur:
                        cur.execute("INSERT INTO t_sparse VALUES (%%s, %s)" % ph, (vid, vec))
                    with conn.cursor(binary=rbin) as cur:
                        cur.execute("SELECT v FROM t_sparse WHERE id = %s", (vid,))
                        got = cur.fetchone()[0]
                        assert cur.pgresult.fformat(0) == (1 if rbin else 0), "wrong result format"
                        assert cur.description[0].type_code == sparse_info.oid
                    assert isinstance(got, SparseVector), type(got)
                    assert got == vec, "%r != %r" % (got, vec)
                check("sparsevec %s: %s param, %s result, exact" % (label, pname, rname), roundtrip)

    def sparse_text_form():
        with conn.cursor() as cur:
            cur.execute("SELECT %t::text, %b::text, %b::text, %t::text",
                        (SparseVector(5, [2, 0], [2, 1.5]), SPARSE_EMPTY, SPARSE_MAXDIM,
                         SparseVector.from_dict({6: -1, 0: 1.5, 2: 2}, 10)))
            r = cur.fetchone()
        assert r == ("{1:1.5,3:2}/5", "{}/5", "{1:2,1000000000:-0.5}/1000000000",
                     "{1:1.5,3:2,7:-1}/10"), r
    check("sparsevec text output: 1-based, ascending, '{}/5' when empty (as pgvector)",
          sparse_text_form)

    def sparse_unsorted_text():
        # text input in any order is sorted by the server, as pgvector does
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT %s::sparsevec", ("{7:-1,1:1.5,3:2,2:0}/10",))
            got = cur.fetchone()[0]
        assert got == SparseVector(10, [0, 2, 6], [1.5, 2, -1]), got
    check("sparsevec text input out of order and with a zero loads sorted, zero dropped",
          sparse_unsorted_text)

    # --- bit round trips ------------------------------------------------------

    for b in BIT_CASES:
        for pname, ph in fmts:
            for rname, rbin in results:
                def roundtrip(b=b, ph=ph, rbin=rbin):
                    vid = new_id()
                    with conn.cursor() as cur:
                        cur.execute("INSERT INTO t_bits VALUES (%%s, %s)" % ph, (vid, b))
                    with conn.cursor(binary=rbin) as cur:
                        cur.execute("SELECT b, length(b), b::bit(%d) FROM t_bits WHERE id = %%s"
                                    % len(b.bits), (vid,))
                        got, n, fixed = cur.fetchone()
                        assert cur.pgresult.fformat(0) == (1 if rbin else 0), "wrong result format"
                        assert cur.description[0].type_code == bit_infos["varbit"].oid
                        assert cur.description[2].type_code == bit_infos["bit"].oid
                    assert got == b.bits and fixed == b.bits, (got, fixed, b)
                    assert n == len(b.bits), n
                check("bit length %d%s: %s param, %s result, exact"
                      % (len(b.bits), " '%s'" % b.bits if len(b.bits) < 10 else "", pname, rname),
                      roundtrip)

    def bit_fixed_column():
        for ph in ("%t", "%b"):
            vid = new_id()
            with conn.cursor() as cur:
                cur.execute("INSERT INTO t_bit8 VALUES (%%s, %s)" % ph, (vid, Bit("10110001")))
            for rbin in (False, True):
                with conn.cursor(binary=rbin) as cur:
                    cur.execute("SELECT b FROM t_bit8 WHERE id = %s", (vid,))
                    assert cur.fetchone()[0] == "10110001"
        with conn.cursor() as cur:
            cur.execute("DELETE FROM t_bit8")
    check("bit(8) column takes Bit parameters in %t and %b and reads back in both formats",
          bit_fixed_column)

    def bit_plain_str():
        # without the Bit class: a str parameter in text mode is untyped
        with conn.cursor() as cur:
            cur.execute("SELECT %s::bit(9) <~> %s::bit(9), %s::varbit", ("101100011", "001100010", "01"))
            assert cur.fetchone() == (2.0, "01")
    check("plain str parameters work as bit strings in text mode", bit_plain_str)

    # --- binary COPY ------------------------------------------------------------

    copy_rows = []
    for i in range(1, 301):
        h = HalfVector([random_half() for _ in range(1 + i % 7)])
        nnz = i % 4
        s = SparseVector(1000 + i, rng.sample(range(1000 + i), nnz),
                         [rng.uniform(-10, 10) or 1.0 for _ in range(nnz)])
        b = "".join(rng.choice("01") for _ in range(1 + i % 20))
        copy_rows.append((i, h, s, b))
    copy_rows.append((301, None, None, None))
    copy_rows.append((302, HALF_BIG, SPARSE_MANY, BIT_CASES[-1].bits))
    copy_rows.append((303, HALF_EDGE, SPARSE_EMPTY, "0"))
    types = ["int4", "halfvec", "sparsevec", "varbit"]

    def as_params(row):
        i, h, s, b = row
        return (i, h, s, None if b is None else Bit(b))

    def copy_in_binary():
        with conn.cursor() as cur:
            with cur.copy("COPY t_copy (id, h, s, b) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in copy_rows:
                    copy.write_row(as_params(row))
            cur.execute("SELECT count(*) FROM t_copy")
            assert cur.fetchone()[0] == len(copy_rows)
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute("SELECT id, h, s, b FROM t_copy ORDER BY id")
                got = cur.fetchall()
            assert got == copy_rows, next((g, w) for g, w in zip(got, copy_rows) if g != w)
    check("COPY FROM STDIN (FORMAT BINARY) of halfvec, sparsevec, varbit and NULLs", copy_in_binary)

    def copy_out_binary():
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT id, h, s, b FROM t_copy ORDER BY id) TO STDOUT "
                          "WITH (FORMAT BINARY)") as copy:
                copy.set_types(types)
                got = list(copy.rows())
        assert got == copy_rows, next((g, w) for g, w in zip(got, copy_rows) if g != w)
    check("COPY TO STDOUT (FORMAT BINARY) reads halfvec, sparsevec and varbit back exactly",
          copy_out_binary)

    def copy_text():
        with conn.cursor() as cur:
            with cur.copy("COPY t_copy_text (id, h, s, b) FROM STDIN") as copy:
                copy.set_types(types)
                for row in copy_rows:
                    copy.write_row(as_params(row))
            with cur.copy("COPY (SELECT id, h, s, b FROM t_copy_text ORDER BY id) TO STDOUT") as copy:
                copy.set_types(types)
                got = list(copy.rows())
        assert got == copy_rows, next((g, w) for g, w in zip(got, copy_rows) if g != w)
    check("COPY in text format in and out with the text adapters", copy_text)

    def copy_binary_errors():
        cases = [
            ("COPY t_half3 (id, v) FROM STDIN WITH (FORMAT BINARY)", ["int4", "halfvec"],
             (1, HalfVector([1, 2])), "22000", errors.DataException),
            ("COPY t_sparse5 (id, v) FROM STDIN WITH (FORMAT BINARY)", ["int4", "sparsevec"],
             (1, SparseVector(6, [5], [1])), "22000", errors.DataException),
            ("COPY t_bit8 (id, b) FROM STDIN WITH (FORMAT BINARY)", ["int4", "bit"],
             (1, Bit("1011000")), "22026", errors.StringDataLengthMismatch),
        ]
        for sql, ts, row, state, cls in cases:
            with conn.cursor() as cur:
                try:
                    with cur.copy(sql) as copy:
                        copy.set_types(ts)
                        copy.write_row(row)
                except cls as e:
                    assert e.sqlstate == state, (sql, e.sqlstate, str(e))
                else:
                    raise AssertionError("COPY succeeded: %s %r" % (sql, row))
        with conn.cursor() as cur:
            cur.execute("SELECT (SELECT count(*) FROM t_half3) + (SELECT count(*) FROM t_sparse5) "
                        "+ (SELECT count(*) FROM t_bit8)")
            assert cur.fetchone()[0] == 0
    check("binary COPY with wrong dimensions/length fails (halfvec(3), sparsevec(5): 22000; "
          "bit(8): 22026) and loads nothing", copy_binary_errors)

    # --- ORDER BY with each distance operator and a parameter -----------------

    half_rows = {
        1: HalfVector([1, 2, 3]),
        2: HalfVector([-1, -2, -3]),
        3: HalfVector([1.5, 2.5, 3.5]),
        4: HalfVector([0.125, -0.25, 0.5]),
        5: HalfVector([10, 20, 31]),
        6: HalfVector([0.1, 0.2, 0.3]),
        7: HalfVector([-4, 0.5, 2]),
    }
    half_query = HalfVector([1, 2, 3.25])
    sparse_rows = {
        1: SparseVector(6, [0, 2], [1, 2]),
        2: SparseVector(6, [1, 5], [-1, 4]),
        3: SparseVector(6),
        4: SparseVector.from_dense([0.5, 0.25, -1, 8, 1, -2]),
        5: SparseVector(6, [3], [1000]),
        6: SparseVector(6, [0, 2, 3], [1.25, 1.5, 0.25]),
    }
    sparse_query = SparseVector(6, [0, 2, 3], [1, 1.5, 0.5])

    with conn.cursor() as cur:
        cur.execute("DELETE FROM t_half3")
        cur.execute("DELETE FROM t_sparse5")
        for i, v in half_rows.items():
            cur.execute("INSERT INTO t_half3 VALUES (%s, %b)", (i, v))
        cur.execute("CREATE TABLE t_sparse6 (id int PRIMARY KEY, v sparsevec(6))")
        for i, v in sparse_rows.items():
            cur.execute("INSERT INTO t_sparse6 VALUES (%s, %t)", (i, v))

    for typ, table, rows, query in [("halfvec", "t_half3", half_rows, half_query),
                                    ("sparsevec", "t_sparse6", sparse_rows, sparse_query)]:
        for op, fn, label in DENSE_METRICS:
            for pname, ph in fmts:
                def order_by(table=table, rows=rows, query=query, op=op, fn=fn, ph=ph, typ=typ):
                    def dense(v):
                        return v.to_dense() if isinstance(v, SparseVector) else v.to_list()
                    for rbin in (False, True):
                        with conn.cursor(binary=rbin) as cur:
                            cur.execute("SELECT id, v %s %s FROM %s ORDER BY v %s %s, id"
                                        % (op, ph, table, op, ph), (query, query))
                            got = cur.fetchall()
                        exp = {i: fn(dense(v), dense(query)) for i, v in rows.items()}
                        check_order(got, exp)
                check("ORDER BY %s %s %s param: order and %s match hand-computed"
                      % (typ, op, pname, label), order_by)

    def knn_limit():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, v FROM t_half3 ORDER BY v <-> %b LIMIT 2", (half_query,))
            r = cur.fetchall()
        assert r == [(1, half_rows[1]), (3, half_rows[3])], r
        with conn.cursor() as cur:
            cur.execute("SELECT id, v FROM t_sparse6 ORDER BY v <#> %t LIMIT 2", (sparse_query,))
            r = cur.fetchall()
        want = sorted(sparse_rows, key=lambda i: -dot(sparse_rows[i].to_dense(), sparse_query.to_dense()))
        assert r == [(i, sparse_rows[i]) for i in want[:2]], (r, want)
    check("SELECT ... ORDER BY v <op> param LIMIT k returns the rows as adapter objects",
          knn_limit)

    def zero_cosine():
        with conn.cursor() as cur:
            cur.execute("SELECT %b <=> %b, %b <=> %b",
                        (SparseVector(3), SparseVector(3, [0], [1]),
                         HalfVector([0, 0]), HalfVector([1, 1])))
            r = cur.fetchone()
        assert math.isnan(r[0]) and math.isnan(r[1]), r
    check("cosine distance with a zero vector is NaN (as pgvector) for sparsevec and halfvec",
          zero_cosine)

    # --- functions, casts, aggregates -----------------------------------------

    def half_functions():
        a, b = HalfVector([1, 2, 3]), HalfVector([4, -5, 6.5])
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute(
                    "SELECT vector_dims(%b), l2_norm(%b), l2_distance(%b, %b), inner_product(%b, %b), "
                    "cosine_distance(%b, %b), l1_distance(%b, %b), l2_normalize(%b), "
                    "subvector(%b, 2, 2), binary_quantize(%b)::text",
                    (a, a, a, b, a, b, a, b, a, b, HalfVector([3, 4]), HalfVector([1, 2, 3, 4]),
                     HalfVector([1, -2, 0, 0.5])))
                r = cur.fetchone()
            assert r[0] == 3
            assert close(r[1], math.sqrt(14)), r[1]
            assert close(r[2], l2(a.values, b.values)), r[2]
            assert close(r[3], dot(a.values, b.values)), r[3]
            assert close(r[4], cosine(a.values, b.values)), r[4]
            assert close(r[5], l1(a.values, b.values)), r[5]
            assert r[6] == HalfVector([0.6, 0.8]), r[6]
            assert r[7] == HalfVector([2, 3]), r[7]
            assert r[8] == "1001", r[8]
    check("halfvec functions (vector_dims, l2_norm, distances, l2_normalize, subvector, "
          "binary_quantize) through the adapters", half_functions)

    def sparse_functions():
        a, b = SparseVector(5, [0, 3], [3, 4]), SparseVector(5, [1, 3], [-2, 0.5])
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute(
                    "SELECT l2_norm(%b), l2_distance(%b, %b), inner_product(%b, %b), "
                    "cosine_distance(%b, %b), l1_distance(%b, %b), l2_normalize(%b)",
                    (a, a, b, a, b, a, b, a, b, a))
                r = cur.fetchone()
            da, db = a.to_dense(), b.to_dense()
            assert close(r[0], 5.0), r[0]
            assert close(r[1], l2(da, db)), r[1]
            assert close(r[2], dot(da, db)), r[2]
            assert close(r[3], cosine(da, db)), r[3]
            assert close(r[4], l1(da, db)), r[4]
            assert r[5] == SparseVector(5, [0, 3], [0.6, 0.8]), r[5]
    check("sparsevec functions (l2_norm, distances, l2_normalize) through the adapters",
          sparse_functions)

    def casts():
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute(
                    "SELECT %s::real[]::halfvec, %b::halfvec::real[], %b::sparsevec::halfvec, "
                    "%b::halfvec::sparsevec, %s::halfvec::vector::text, %b::sparsevec::vector::text, "
                    "%s::vector::sparsevec, ARRAY[%b, %b], ARRAY[%b, %b]",
                    ([1.5, -2.0, 0.1], HalfVector([0.5, -1]), SparseVector(4, [1], [2.5]),
                     HalfVector([0, 3, 0, -0.5]), HalfVector([1, 0.1]), SparseVector(3, [2], [7]),
                     "[0,1.5,0]", HalfVector([1]), HalfVector([2, 3]),
                     SparseVector(2, [1], [1]), SparseVector(7)))
                r = cur.fetchone()
            assert r[0] == HalfVector([1.5, -2, 0.1]), r[0]
            assert r[1] == [0.5, -1.0], r[1]
            assert r[2] == HalfVector([0, 2.5, 0, 0]), r[2]
            assert r[3] == SparseVector(4, [1, 3], [3, -0.5]), r[3]
            assert r[4] == "[1,0.099975586]", r[4]
            assert r[5] == "[0,0,7]", r[5]
            assert r[6] == SparseVector(3, [1], [1.5]), r[6]
            assert r[7] == [HalfVector([1]), HalfVector([2, 3])], r[7]
            assert r[8] == [SparseVector(2, [1], [1]), SparseVector(7)], r[8]
    check("casts among real[], halfvec, sparsevec and vector; halfvec[] and sparsevec[] "
          "load element-wise", casts)

    def half_aggregates():
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute("SELECT avg(v), sum(v) FROM t_half3 WHERE id IN (1, 3, 5)")
                avg, total = cur.fetchone()
            assert total == HalfVector([12.5, 24.5, 37.5]), total
            assert avg == HalfVector([12.5 / 3, 24.5 / 3, 37.5 / 3]), avg
    check("avg and sum over halfvec load as HalfVector (text and binary)", half_aggregates)

    # --- bit metrics against hand-computed values ------------------------------

    pairs = [("1", "1"), ("1", "0"), ("0", "0"), ("10110001", "10010011"),
             ("11110000", "00001111"), ("101100011", "101100011"), ("000000000", "000000000"),
             ("100000001", "111111111")]
    for n in (8, 9, 1000):
        for _ in range(3):
            pairs.append(("".join(rng.choice("01") for _ in range(n)),
                          "".join(rng.choice("01") for _ in range(n))))

    for pname, ph in fmts:
        def bit_metrics(ph=ph):
            for a, b in pairs:
                with conn.cursor(binary=(ph == "%b")) as cur:
                    args = (Bit(a), Bit(b))
                    cur.execute(
                        "SELECT {0} <~> {0}, hamming_distance({0}, {0}), {0} <%%> {0}, "
                        "jaccard_distance({0}, {0}), tanimoto_distance({0}, {0}), "
                        "{0} @> {0}, {0} <@ {0}, bit_contains({0}, {0}), bit_contained_by({0}, {0})"
                        .format(ph), args * 9)
                    r = cur.fetchone()
                want = (hamming(a, b), hamming(a, b), jaccard(a, b), jaccard(a, b), tanimoto(a, b),
                        contains(a, b), contains(b, a), contains(a, b), contains(b, a))
                for k, (g, w) in enumerate(zip(r, want)):
                    if isinstance(w, bool):
                        assert g is w, (k, a, b, g, w)
                    else:
                        assert close(g, w, rel=1e-12), (k, a, b, g, w)
        check("bit metrics (<~>, <%%>, tanimoto, @>, <@ and the functions) with %s params "
              "match hand-computed values for lengths 1, 8, 9, 1000" % pname, bit_metrics)

    bit_rows = {1: "11110000", 2: "11111111", 3: "00001111", 4: "11100000", 5: "00000000",
                6: "10101010", 7: "11110001", 8: "01110011"}
    bit_query = "11110001"
    with conn.cursor() as cur:
        for i, b in bit_rows.items():
            cur.execute("INSERT INTO t_bit8 VALUES (%s, %b)", (i, Bit(b)))
    for op, fn, label in [("<~>", hamming, "Hamming"), ("<%>", jaccard, "Jaccard")]:
        for pname, ph in fmts:
            def bit_order(op=op, fn=fn, ph=ph):
                for rbin in (False, True):
                    with conn.cursor(binary=rbin) as cur:
                        cur.execute("SELECT id, b %s %s FROM t_bit8 ORDER BY b %s %s, id"
                                    % (op.replace("%", "%%"), ph, op.replace("%", "%%"), ph),
                                    (Bit(bit_query), Bit(bit_query)))
                        got = cur.fetchall()
                    check_order(got, {i: fn(b, bit_query) for i, b in bit_rows.items()}, rel=1e-12)
            check("ORDER BY bit(8) %s %s param: order and %s distances match hand-computed"
                  % (op, pname, label), bit_order)

    def tanimoto_order():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, tanimoto_distance(b, %b) FROM t_bit8 "
                        "ORDER BY tanimoto_distance(b, %b), id", (Bit(bit_query), Bit(bit_query)))
            got = cur.fetchall()
        check_order(got, {i: tanimoto(b, bit_query) for i, b in bit_rows.items()}, rel=1e-12)
    check("ORDER BY tanimoto_distance(b, %b): order and values (Infinity when disjoint)",
          tanimoto_order)

    def bit_filters():
        for ph in ("%t", "%b"):
            with conn.cursor() as cur:
                cur.execute("SELECT array_agg(id ORDER BY id) FROM t_bit8 WHERE b @> %s" % ph,
                            (Bit("11100000"),))
                sup = cur.fetchone()[0]
                cur.execute("SELECT array_agg(id ORDER BY id) FROM t_bit8 WHERE b <@ %s" % ph,
                            (Bit("11110000"),))
                sub = cur.fetchone()[0]
            assert sup == sorted(i for i, b in bit_rows.items() if contains(b, "11100000")), sup
            assert sub == sorted(i for i, b in bit_rows.items() if contains("11110000", b)), sub
    check("WHERE b @> param and b <@ param filter as hand-computed (%t and %b)", bit_filters)

    # --- errors ------------------------------------------------------------------

    RawHalf = raw_type(conn, half_info.oid)
    RawSparse = raw_type(conn, sparse_info.oid)
    RawBit = raw_type(conn, bit_infos["bit"].oid)

    check("halfvec overflow in text '[1,70000]' -> NumericValueOutOfRange 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange,
                               "SELECT %s::halfvec", ("[1,70000]",)))
    check("halfvec overflow '[65520]' (rounds up past 65504) -> 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange,
                               "INSERT INTO t_half VALUES (-1, %s)", ("[65520]",)))
    check("real[] -> halfvec overflow -> 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange,
                               "SELECT %s::real[]::halfvec", ([1.0, 1e5],)))
    check("vector -> halfvec overflow on insert into a halfvec column -> 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange,
                               "INSERT INTO t_half VALUES (-1, %s::vector)", ("[1e6]",)))
    check("sum(halfvec) overflow -> 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange,
                               "SELECT sum(v) FROM (VALUES (%b), (%b)) t (v)",
                               (HalfVector([60000]), HalfVector([60000]))))

    def half_client_overflow():
        try:
            HalfVector([70000])
        except OverflowError:
            pass
        else:
            raise AssertionError("HalfVector([70000]) accepted")
    check("the client adapter refuses 70000 itself (OverflowError, like struct 'e')",
          half_client_overflow)

    check("halfvec dimension mismatch into halfvec(3) (%t) -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "INSERT INTO t_half3 VALUES (-1, %t)", (HalfVector([1, 2]),)))
    check("halfvec dimension mismatch into halfvec(3) (%b) -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "INSERT INTO t_half3 VALUES (-1, %b)", (HalfVector([1, 2, 3, 4]),)))
    check("halfvec <-> with different dimensions -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %b <-> %b", (HalfVector([1, 2]), HalfVector([1, 2, 3]))))
    check("halfvec NaN in text -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException, "SELECT %s::halfvec", ("[NaN]",)))
    check("halfvec empty '[]' -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException, "SELECT %s::halfvec", ("[]",)))
    check("halfvec malformed text -> InvalidTextRepresentation 22P02",
          lambda: expect_error(conn, "22P02", errors.InvalidTextRepresentation,
                               "SELECT %s::halfvec", ("[1,,2]",)))
    check("halfvec binary infinity (0x7c00) -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %b", (RawHalf(bytes.fromhex("000100007c00")),)))
    check("halfvec binary NaN (0x7e00) -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %b", (RawHalf(bytes.fromhex("000100007e00")),)))
    check("halfvec 16001 dimensions in binary -> ProgramLimitExceeded 54000",
          lambda: expect_error(conn, "54000", errors.ProgramLimitExceeded,
                               "SELECT %b", (HalfVector([1.0] * 16001),)))
    check("halfvec binary truncated -> ProtocolViolation 08P01",
          lambda: expect_error(conn, "08P01", errors.ProtocolViolation,
                               "SELECT %b", (RawHalf(bytes.fromhex("000200003c00")),)))
    check("halfvec binary with trailing data -> InvalidBinaryRepresentation 22P03",
          lambda: expect_error(conn, "22P03", errors.InvalidBinaryRepresentation,
                               "SELECT %b", (RawHalf(bytes.fromhex("000100003c0000")),)))

    check("sparsevec duplicate indices in text '{1:1,1:2}/3' -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %s::sparsevec", ("{1:1,1:2}/3",), show=True))
    check("sparsevec duplicate indices in binary -> DataError (class 22)",
          lambda: expect_data_error(conn, "SELECT %b",
                                    (RawSparse(struct.pack(">iiiiiff", 3, 2, 0, 1, 1, 1.0, 2.0)),),
                                    "22000"))
    check("sparsevec decreasing indices in binary -> DataError (class 22)",
          lambda: expect_data_error(conn, "SELECT %b",
                                    (RawSparse(struct.pack(">iiiiiff", 3, 2, 0, 2, 1, 1.0, 2.0)),),
                                    "22000"))
    check("sparsevec index past dim in text '{4:1}/3' -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %s::sparsevec", ("{4:1}/3",)))
    check("sparsevec index 0 in text '{0:1}/3' -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %s::sparsevec", ("{0:1}/3",), show=True))
    check("sparsevec 0-based index == dim in binary -> DataError (class 22)",
          lambda: expect_data_error(conn, "SELECT %b",
                                    (RawSparse(struct.pack(">iiiif", 3, 1, 0, 3, 1.0)),), "22000"))
    check("sparsevec zero value in binary -> DataError (class 22)",
          lambda: expect_data_error(conn, "SELECT %b",
                                    (RawSparse(struct.pack(">iiiif", 3, 1, 0, 0, 0.0)),), "22000"))
    check("sparsevec NaN in binary -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException, "SELECT %b",
                               (RawSparse(struct.pack(">iiiif", 3, 1, 0, 0, float("nan"))),)))
    check("sparsevec dimension 0 in text '{}/0' -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %s::sparsevec", ("{}/0",)))
    check("sparsevec 1,000,000,001 dimensions (%b) -> ProgramLimitExceeded 54000",
          lambda: expect_error(conn, "54000", errors.ProgramLimitExceeded,
                               "SELECT %b", (SparseVector(1000000001),)))
    check("sparsevec 16001 non-zeros (%b) -> ProgramLimitExceeded 54000",
          lambda: expect_error(conn, "54000", errors.ProgramLimitExceeded, "SELECT %b",
                               (SparseVector(20000, range(16001), [1.0] * 16001),)))
    check("sparsevec out-of-range value '{1:1e39}/3' -> NumericValueOutOfRange 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange,
                               "SELECT %s::sparsevec", ("{1:1e39}/3",)))
    check("sparsevec malformed text -> InvalidTextRepresentation 22P02",
          lambda: expect_error(conn, "22P02", errors.InvalidTextRepresentation,
                               "SELECT %s::sparsevec", ("{1:1,2/5",)))
    check("sparsevec dimension mismatch into sparsevec(5) (%b) -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "INSERT INTO t_sparse5 VALUES (-1, %b)", (SparseVector(6),)))
    check("sparsevec <=> with different dimensions (%t) -> 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %t <=> %t", (SparseVector(3), SparseVector(4))))
    check("sparsevec binary truncated -> ProtocolViolation 08P01",
          lambda: expect_error(conn, "08P01", errors.ProtocolViolation, "SELECT %b",
                               (RawSparse(struct.pack(">iiiii", 3, 1, 0, 0, 0)[:-2]),)))

    check("halfvec binary with unused != 0 -> DataError (class 22)",
          lambda: expect_data_error(conn, "SELECT %b", (RawHalf(bytes.fromhex("000100013c00")),),
                                    "22000"))
    check("sparsevec binary with unused != 0 -> DataError (class 22)",
          lambda: expect_data_error(conn, "SELECT %b",
                                    (RawSparse(struct.pack(">iiiif", 3, 1, 7, 0, 1.0)),), "22000"))

    for pname, ph in fmts:
        def bit_mismatch(ph=ph):
            for expr in ("{0} <~> {0}", "{0} <%%> {0}", "hamming_distance({0}, {0})",
                         "jaccard_distance({0}, {0})", "tanimoto_distance({0}, {0})",
                         "{0} @> {0}", "{0} <@ {0}", "bit_contains({0}, {0})",
                         "bit_contained_by({0}, {0})"):
                expect_error(conn, "22000", errors.DataException, "SELECT " + expr.format(ph),
                             (Bit("111"), Bit("11")))
            expect_error(conn, "22000", errors.DataException,
                         "SELECT b <~> %s FROM t_bit8" % ph, (Bit("1" * 9),), show=True)
        check("bit length mismatch in every bit metric (%s params) -> DataException 22000" % pname,
              bit_mismatch)

    check("bit string of the wrong length into bit(8) (%b) -> StringDataLengthMismatch 22026",
          lambda: expect_error(conn, "22026", errors.StringDataLengthMismatch,
                               "INSERT INTO t_bit8 VALUES (-1, %b)", (Bit("1" * 9),)))
    check("a binary bit with a short body -> ProtocolViolation 08P01",
          lambda: expect_error(conn, "08P01", errors.ProtocolViolation, "SELECT %b",
                               (RawBit(struct.pack(">i", 9) + b"\xff"),)))

    def errors_in_transaction():
        conn.autocommit = False
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO t_half VALUES (-50, %b)", (HalfVector([9, 9]),))
                cur.execute("INSERT INTO t_sparse VALUES (-50, %b)", (SparseVector(3, [1], [9]),))
                try:
                    cur.execute("SELECT %s::sparsevec", ("{2:1,2:1}/3",))
                except errors.DataException:
                    pass
                else:
                    raise AssertionError("no error")
                assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
            conn.rollback()
            with conn.cursor() as cur:
                cur.execute("SELECT (SELECT count(*) FROM t_half WHERE id = -50) + "
                            "(SELECT count(*) FROM t_sparse WHERE id = -50)")
                assert cur.fetchone()[0] == 0
        finally:
            conn.rollback()
            conn.autocommit = True
    check("an error inside a transaction aborts it; rollback discards the inserts",
          errors_in_transaction)

    def describe():
        with conn.cursor() as cur:
            cur.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid IN ('t_half3'::regclass, 't_sparse5'::regclass, "
                        "'t_bit8'::regclass) AND attname IN ('v', 'b') ORDER BY 2")
            assert [r[1] for r in cur.fetchall()] == ["bit(8)", "halfvec(3)", "sparsevec(5)"]
    check("column types are halfvec(3), sparsevec(5) and bit(8)", describe)

    with conn.cursor() as cur:
        cur.execute("DROP TABLE t_half, t_half3, t_sparse, t_sparse5, t_sparse6, t_bits, t_bit8, "
                    "t_copy, t_copy_text")
    conn.close()


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - setup failure counts as a failure
        failed += 1
        print("not ok %d - test setup or connection" % (passed + failed))
        for line in traceback.format_exc().rstrip().splitlines():
            print("#   " + line)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
