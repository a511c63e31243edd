#!/usr/bin/python3
"""Client test: psycopg 3 against the milvus vector type (halfvec, sparsevec
and bit are in test_psycopg_types.py).

Run with Debian's /usr/bin/python3 (python3-psycopg).  Connection settings
come from the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE); the
database must already have the extension created.

There is no pgvector-python here, so this file carries the few lines of
adapter that pgvector-python registers for psycopg 3 (pgvector/psycopg/
vector.py): a text dumper/loader using '[1,2,3]' and a binary dumper/loader
using struct '>HH' followed by '>%df', registered for the OID that
TypeInfo.fetch(conn, 'vector') finds.  Everything is checked in text and in
binary mode.  Prints "ok N - ..." / "not ok N - ..." lines and a final
"N passed, N failed"; exits non-zero on any failure.
"""

import math
import random
import struct
import sys
import traceback
from array import array

import psycopg
from psycopg import errors
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

# ---------------------------------------------------------------------------
# The adapter, as pgvector-python does it
# ---------------------------------------------------------------------------


class Vector:
    """A float32 vector; pgvector-python's Vector without numpy."""

    __slots__ = ("values",)

    def __init__(self, values):
        self.values = array("f", values)

    def to_list(self):
        return list(self.values)

    def dim(self):
        return len(self.values)

    def __eq__(self, other):
        # exact float32 equality, element by element
        return isinstance(other, Vector) and self.values == other.values

    def __repr__(self):
        if len(self.values) > 8:
            return "Vector(<%d dims> %r...)" % (len(self.values), self.to_list()[:4])
        return "Vector(%r)" % self.to_list()

    # text format, like pgvector.utils.Vector._to_db / _from_db
    def to_text(self):
        return "[" + ",".join(repr(float(v)) for v in self.values) + "]"

    @classmethod
    def from_text(cls, value):
        return cls([float(v) for v in value[1:-1].split(",")])

    # binary format, like Vector._to_db_binary / _from_db_binary
    def to_binary(self):
        n = len(self.values)
        return struct.pack(">HH", n, 0) + struct.pack(">%df" % n, *self.values)

    @classmethod
    def from_binary(cls, value):
        dim, unused = struct.unpack_from(">HH", value)
        if unused != 0:
            raise ValueError("expected unused to be 0")
        return cls(struct.unpack_from(">%df" % dim, value, 4))


class VectorDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return obj.to_text().encode("utf8")


class VectorBinaryDumper(VectorDumper):
    format = Format.BINARY

    def dump(self, obj):
        return obj.to_binary()


class VectorLoader(Loader):
    format = Format.TEXT

    def load(self, data):
        if isinstance(data, memoryview):
            data = bytes(data)
        return Vector.from_text(data.decode("utf8"))


class VectorBinaryLoader(VectorLoader):
    format = Format.BINARY

    def load(self, data):
        if isinstance(data, memoryview):
            data = bytes(data)
        return Vector.from_binary(data)


def register_vector(context):
    """pgvector.psycopg.register_vector, minus numpy and halfvec/sparsevec."""
    info = TypeInfo.fetch(context, "vector")
    if info is None:
        raise psycopg.ProgrammingError("vector type not found in the database")
    info.register(context)
    # dumpers carry the OID so that set_types() and %b parameters work
    text_dumper = type("", (VectorDumper,), {"oid": info.oid})
    binary_dumper = type("", (VectorBinaryDumper,), {"oid": info.oid})
    adapters = context.adapters
    adapters.register_dumper(Vector, text_dumper)
    adapters.register_dumper(Vector, binary_dumper)
    adapters.register_loader(info.oid, VectorLoader)
    adapters.register_loader(info.oid, VectorBinaryLoader)
    return info


# ---------------------------------------------------------------------------
# A tiny TAP-like harness
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
                print("#   " + sub)
        tb = traceback.extract_tb(e.__traceback__)
        if tb:
            last = tb[-1]
            print("#   at %s line %d: %s" % (last.filename.rsplit("/", 1)[-1], last.lineno, last.line))
    else:
        passed += 1
        print("ok %d - %s" % (n, name))
    sys.stdout.flush()


def expect_error(conn, sqlstate, exc_class, sql, params=None, binary=None):
    """Run sql and require a server error with this SQLSTATE and class.
    The connection is in autocommit mode, so it stays usable afterwards."""
    with conn.cursor() as cur:
        try:
            if binary is None:
                cur.execute(sql, params)
            else:
                cur.execute(sql, params, binary=binary)
        except psycopg.Error as e:
            assert isinstance(e, exc_class), "got %s (%s), want %s" % (
                type(e).__name__, e.sqlstate, exc_class.__name__)
            assert e.sqlstate == sqlstate, "sqlstate %s, want %s: %s" % (e.sqlstate, sqlstate, e)
            assert e.diag.message_primary, "no primary message"
        else:
            raise AssertionError("no error raised for %r" % sql)
    # and the connection still works
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        assert cur.fetchone() == (1,)


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def close(a, b, rel=1e-5, abs_=1e-6):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# ---------------------------------------------------------------------------
# Test data
# ---------------------------------------------------------------------------

rng = random.Random(20240601)

EDGE = Vector([
    -1.5, 0.25, -0.0, 0.1, -1e-3, 123456.789, -98765.4321,
    3.4028234663852886e38,   # FLT_MAX
    -3.4028234663852886e38,
    1.1754943508222875e-38,  # FLT_MIN
    1.401298464324817e-45,   # smallest denormal
    2.0 ** -20, 1.0 / 3.0, -math.pi, math.e,
])
ONE_DIM = Vector([-7.125])
BIG = Vector([rng.uniform(-1000.0, 1000.0) * 10 ** rng.randint(-6, 3) for _ in range(16000)])
SMALL = [
    (1, Vector([1, 2, 3])),
    (2, Vector([-1, -2, -3])),
    (3, Vector([1.5, 2.5, 3.5])),
    (4, Vector([0.1, -0.2, 0.3])),
    (5, Vector([10, 20, 31])),
]


def l2(a, b):
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def norm(a):
    return math.sqrt(dot(a, a))


def cosine(a, b):
    return 1.0 - dot(a, b) / (norm(a) * norm(b))


def l1(a, b):
    return sum(abs(x - y) for x, y in zip(a, b))


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def main():
    conn = psycopg.connect(autocommit=True)
    info = register_vector(conn)

    check("TypeInfo.fetch finds type vector (oid %d, array oid %d)" % (info.oid, info.array_oid),
          lambda: info.oid > 0 and info.array_oid > 0 and info.name == "vector")

    def self_roundtrip():
        for v in (EDGE, ONE_DIM, BIG):
            assert Vector.from_text(v.to_text()) == v
            assert Vector.from_binary(v.to_binary()) == v
    check("adapter round-trips float32 values locally (text and binary)", self_roundtrip)

    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS items, items_copy, items_copy_text, big")
        cur.execute("CREATE TABLE items (id int PRIMARY KEY, embedding vector)")
        cur.execute("CREATE TABLE items_copy (id int PRIMARY KEY, embedding vector(3))")
        cur.execute("CREATE TABLE items_copy_text (id int PRIMARY KEY, embedding vector)")
        cur.execute("CREATE TABLE big (id int PRIMARY KEY, embedding vector(16000))")

    # --- round trips, every combination of parameter and result format ----

    cases = [("edge values", EDGE), ("1-dim", ONE_DIM), ("16000-dim", BIG)]
    fmts = [("text", "%t"), ("binary", "%b")]
    next_id = [100]

    for label, vec in cases:
        for pname, ph in fmts:
            for rname, rbin in (("text", False), ("binary", True)):
                def roundtrip(vec=vec, ph=ph, rbin=rbin):
                    next_id[0] += 1
                    vid = next_id[0]
                    with conn.cursor() as cur:
                        cur.execute("INSERT INTO items VALUES (%%s, %s)" % ph, (vid, vec))
                    with conn.cursor(binary=rbin) as cur:
                        cur.execute("SELECT embedding, vector_dims(embedding) FROM items WHERE id = %s", (vid,))
                        got, dims = cur.fetchone()
                        assert cur.pgresult.fformat(0) == (1 if rbin else 0), "wrong result format"
                    assert isinstance(got, Vector), type(got)
                    assert dims == vec.dim(), (dims, vec.dim())
                    assert got == vec, "round trip changed values: %r -> %r" % (vec, got)
                    return True
                check("%s: %s params, %s results round-trip exactly" % (label, pname, rname), roundtrip)

    def negative_zero():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT %b::vector", (Vector([-0.0, 0.0]),))
            got = cur.fetchone()[0]
        with conn.cursor() as cur:
            cur.execute("SELECT %t::vector::text", (Vector([-0.0, 0.0]),))
            txt = cur.fetchone()[0]
        assert math.copysign(1.0, got.values[0]) == -1.0, got
        assert math.copysign(1.0, got.values[1]) == 1.0, got
        assert txt == "[-0,0]", txt
    check("-0.0 keeps its sign in binary; text output is [-0,0]", negative_zero)

    def text_output_form():
        with conn.cursor() as cur:
            cur.execute("SELECT %t::vector::text", (Vector([1, -2.5, 0.1, 1e-7, 3e20]),))
            return cur.fetchone()[0] == "[1,-2.5,0.1,1e-07,3e+20]"
    check("text output uses shortest float4 form like pgvector", text_output_form)

    def execute_binary_flag():
        with conn.cursor() as cur:
            cur.execute("SELECT embedding FROM items WHERE id = %s", (101,), binary=True)
            assert cur.pgresult.fformat(0) == 1
            a = cur.fetchone()[0]
            cur.execute("SELECT embedding FROM items WHERE id = %s", (101,), binary=False)
            assert cur.pgresult.fformat(0) == 0
            b = cur.fetchone()[0]
        assert a == b == EDGE
    check("cur.execute(..., binary=True/False) reads the same vector", execute_binary_flag)

    def nulls():
        with conn.cursor() as cur:
            cur.execute("INSERT INTO items VALUES (1000, %s), (1001, %b), (1002, %t)", (None, None, None))
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute("SELECT embedding, vector_dims(embedding) FROM items WHERE id >= 1000 ORDER BY id")
                assert cur.fetchall() == [(None, None)] * 3
    check("NULL vectors insert and read back as None (text and binary)", nulls)

    def executemany_prepared():
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO items VALUES (%s, %b)",
                            [(2000 + i, Vector([i, -i, i / 4])) for i in range(20)])
            for i in range(3):
                cur.execute("SELECT embedding FROM items WHERE id = %s", (2000 + i,),
                            prepare=True, binary=bool(i % 2))
                assert cur.fetchone()[0] == Vector([i, -i, i / 4])
            cur.execute("SELECT count(*) FROM items WHERE id >= 2000")
            assert cur.fetchone()[0] == 20
    check("executemany with binary params and prepared statements", executemany_prepared)

    # --- nearest neighbours with a parameter ------------------------------

    with conn.cursor() as cur:
        cur.execute("TRUNCATE items")
        cur.executemany("INSERT INTO items VALUES (%s, %s)", SMALL)

    query = Vector([1, 2, 3.25])
    want = sorted(SMALL, key=lambda r: l2(r[1].values, query.values))

    for pname, ph in fmts:
        for rbin in (False, True):
            def knn(ph=ph, rbin=rbin):
                with conn.cursor(binary=rbin) as cur:
                    cur.execute("SELECT id, embedding, embedding <-> %s AS d FROM items "
                                "ORDER BY embedding <-> %s LIMIT 3" % (ph, ph), (query, query))
                    rows = cur.fetchall()
                assert [r[0] for r in rows] == [r[0] for r in want[:3]], rows
                for (rid, emb, d), (wid, wvec) in zip(rows, want):
                    assert emb == wvec
                    assert close(d, l2(wvec.values, query.values)), (d, l2(wvec.values, query.values))
            check("ORDER BY embedding <-> %s LIMIT 3 (%s results)" % (ph, "binary" if rbin else "text"), knn)

    for op, fn, label in (("<#>", lambda a, b: -dot(a, b), "negative inner product"),
                          ("<=>", cosine, "cosine distance"),
                          ("<+>", l1, "L1 distance")):
        def order_by(op=op, fn=fn):
            with conn.cursor(binary=True) as cur:
                cur.execute("SELECT id, embedding %s %%b FROM items ORDER BY embedding %s %%b, id" % (op, op),
                            (query, query))
                rows = cur.fetchall()
            exp = sorted((fn(v.values, query.values), i) for i, v in SMALL)
            assert [r[0] for r in rows] == [i for _, i in exp], (rows, exp)
            for rid, d in rows:
                v = dict(SMALL)[rid]
                assert close(d, fn(v.values, query.values)), (rid, d, fn(v.values, query.values))
        check("ORDER BY embedding %s param, values match hand-computed %s" % (op, label), order_by)

    # --- functions against hand-computed values ---------------------------

    a, b = Vector([1, 2, 3]), Vector([4, -5, 6.5])

    def functions():
        with conn.cursor() as cur:
            cur.execute(
                "SELECT vector_dims(%s), vector_norm(%s), l2_distance(%s, %s), inner_product(%s, %s), "
                "cosine_distance(%s, %s), l1_distance(%s, %s), %s <-> %s, %s <#> %s, %s <=> %s, %s <+> %s",
                (a, a, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b))
            r = cur.fetchone()
        assert r[0] == 3
        assert close(r[1], math.sqrt(14)), r[1]
        assert close(r[2], math.sqrt(9 + 49 + 12.25)), r[2]
        assert close(r[3], 4 - 10 + 19.5), r[3]
        cos = 1 - 13.5 / (math.sqrt(14) * math.sqrt(16 + 25 + 42.25))
        assert close(r[4], cos), (r[4], cos)
        assert close(r[5], 3 + 7 + 3.5), r[5]
        assert close(r[6], r[2]) and close(r[7], -r[3]) and close(r[8], r[4]) and close(r[9], r[5]), r
    check("vector_dims, vector_norm and the four distances match hand-computed values", functions)

    def cosine_values():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT %b <=> %b, %b <=> %b, %b <=> %b",
                        (Vector([1, 0]), Vector([0, 1]), Vector([1, 1]), Vector([2, 2]),
                         Vector([1, 2]), Vector([-1, -2])))
            r = cur.fetchone()
        assert close(r[0], 1.0) and close(r[1], 0.0) and close(r[2], 2.0), r
    check("<=> gives 1 for orthogonal, 0 for parallel, 2 for opposite vectors", cosine_values)

    def more_functions():
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT l2_normalize(%b), subvector(%b, 2, 2), binary_quantize(%b)::text",
                        (Vector([3, 4]), Vector([1, 2, 3, 4]), Vector([1, -2, 0, 0.5])))
            r = cur.fetchone()
        assert r[0] == Vector([0.6, 0.8]), r[0]
        assert r[1] == Vector([2, 3]), r[1]
        assert r[2] == "1001", r[2]
    check("l2_normalize, subvector, binary_quantize through the binary adapter", more_functions)

    def aggregates():
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute("SELECT avg(embedding), sum(embedding) FROM items WHERE id IN (1, 3, 5)")
                avg, total = cur.fetchone()
            assert total == Vector([12.5, 24.5, 37.5]), total
            assert avg == Vector([12.5 / 3, 24.5 / 3, 37.5 / 3]), avg
    check("avg and sum aggregates load as vectors (text and binary)", aggregates)

    def array_casts():
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute("SELECT %s::vector, %s::real[]::vector, %s::vector::real[], "
                            "%s::vector::double precision[], '[1,2]'::vector::integer[]",
                            ([1.5, -2.0, 3.0], [0.5, 0.25], Vector([1, 2.5]), Vector([0.5, -1])))
                r = cur.fetchone()
            assert r[0] == Vector([1.5, -2, 3]), r[0]
            assert r[1] == Vector([0.5, 0.25]), r[1]
            assert r[2] == [1.0, 2.5], r[2]
            assert r[3] == [0.5, -1.0], r[3]
            assert r[4] == [1, 2], r[4]
    check("casts between python lists (float8[]/real[]) and vector, both ways", array_casts)

    def vector_array():
        vs = [Vector([1, 2]), Vector([-3, 4.5])]
        for rbin in (False, True):
            with conn.cursor(binary=rbin) as cur:
                cur.execute("SELECT ARRAY[%s::vector, %s::vector]", vs)
                got = cur.fetchone()[0]
            assert got == vs, got
    check("vector[] results load element-wise via TypeInfo array OID (text and binary)", vector_array)

    # --- COPY ---------------------------------------------------------------

    copy_rows = [(i, Vector([i * 0.5, -i, f32(i / 7.0)])) for i in range(1, 501)]

    def copy_in_binary():
        with conn.cursor() as cur:
            with cur.copy("COPY items_copy (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                for row in copy_rows:
                    copy.write_row(row)
            cur.execute("SELECT count(*) FROM items_copy")
            assert cur.fetchone()[0] == len(copy_rows)
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT id, embedding FROM items_copy ORDER BY id")
            assert cur.fetchall() == copy_rows
    check("COPY FROM STDIN (FORMAT BINARY) with set_types(['int4','vector'])", copy_in_binary)

    def copy_out_binary():
        with conn.cursor() as cur:
            with cur.copy("COPY (SELECT id, embedding FROM items_copy ORDER BY id) TO STDOUT WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                got = list(copy.rows())
        assert got == copy_rows, got[:3]
    check("COPY TO STDOUT (FORMAT BINARY) reads vectors back exactly", copy_out_binary)

    def copy_big_binary():
        with conn.cursor() as cur:
            with cur.copy("COPY big (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                copy.write_row((1, BIG))
                copy.write_row((2, None))
            with cur.copy("COPY big TO STDOUT WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int4", "vector"])
                got = sorted(copy.rows(), key=lambda r: r[0])
        assert got == [(1, BIG), (2, None)]
    check("binary COPY of a 16000-dim vector(16000) and a NULL, in and out", copy_big_binary)

    def copy_text():
        with conn.cursor() as cur:
            with cur.copy("COPY items_copy_text (id, embedding) FROM STDIN") as copy:
                copy.set_types(["int4", "vector"])
                for row in copy_rows[:50]:
                    copy.write_row(row)
                copy.write_row((9999, None))
            with cur.copy("COPY (SELECT id, embedding FROM items_copy_text ORDER BY id) TO STDOUT") as copy:
                copy.set_types(["int4", "vector"])
                got = list(copy.rows())
        assert got == copy_rows[:50] + [(9999, None)], got[:3]
    check("COPY in text format in and out with the text adapter", copy_text)

    def copy_binary_dim_error():
        with conn.cursor() as cur:
            try:
                with cur.copy("COPY items_copy (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                    copy.set_types(["int4", "vector"])
                    copy.write_row((100000, Vector([1, 2])))
            except errors.DataException as e:
                assert e.sqlstate == "22000", e.sqlstate
            else:
                raise AssertionError("binary COPY of a 2-dim vector into vector(3) succeeded")
            cur.execute("SELECT count(*) FROM items_copy WHERE id = 100000")
            assert cur.fetchone()[0] == 0
    check("binary COPY with the wrong dimension fails with 22000 and loads nothing", copy_binary_dim_error)

    # --- errors ------------------------------------------------------------

    check("dimension mismatch on insert (text param) -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "INSERT INTO items_copy VALUES (-1, %t)", (Vector([1, 2]),)))
    check("dimension mismatch on insert (binary param) -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "INSERT INTO items_copy VALUES (-1, %b)", (Vector([1, 2, 3, 4]),)))
    check("different dimensions in <-> -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %s <-> %s", (Vector([1, 2]), Vector([1, 2, 3]))))
    check("malformed text '[1,2' -> InvalidTextRepresentation 22P02",
          lambda: expect_error(conn, "22P02", errors.InvalidTextRepresentation,
                               "SELECT %s::vector", ("[1,2",)))
    check("malformed text '[1,,2]' -> InvalidTextRepresentation 22P02",
          lambda: expect_error(conn, "22P02", errors.InvalidTextRepresentation,
                               "SELECT '[1,,2]'::vector"))
    check("malformed text 'abc' -> InvalidTextRepresentation 22P02",
          lambda: expect_error(conn, "22P02", errors.InvalidTextRepresentation,
                               "SELECT %s::vector", ("abc",)))
    check("NaN in text -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException, "SELECT '[1,NaN,3]'::vector"))
    check("NaN in binary param -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %b::vector", (Vector([1, float("nan")]),)))
    check("Infinity in binary param -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %b::vector", (Vector([float("inf")]),)))
    check("empty vector '[]' -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException, "SELECT '[]'::vector"))
    check("out-of-range element '[1e39]' -> NumericValueOutOfRange 22003",
          lambda: expect_error(conn, "22003", errors.NumericValueOutOfRange, "SELECT '[1e39]'::vector"))
    check("16001 dimensions in binary -> ProgramLimitExceeded 54000",
          lambda: expect_error(conn, "54000", errors.ProgramLimitExceeded,
                               "SELECT %b::vector", (Vector([1.0] * 16001),)))

    class RawBinary:
        """bytes sent as a binary vector parameter, for malformed input."""
        def __init__(self, data):
            self.data = data

    class RawBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj):
            return obj.data

    conn.adapters.register_dumper(RawBinary, RawBinaryDumper)

    check("binary dim 0 -> DataException 22000",
          lambda: expect_error(conn, "22000", errors.DataException,
                               "SELECT %b::vector", (RawBinary(struct.pack(">HH", 0, 0)),)))
    check("binary with truncated data -> ProtocolViolation 08P01",
          lambda: expect_error(conn, "08P01", errors.ProtocolViolation,
                               "SELECT %b::vector", (RawBinary(struct.pack(">HHf", 2, 0, 1.0)),)))
    check("binary with trailing data -> InvalidBinaryRepresentation 22P03",
          lambda: expect_error(conn, "22P03", errors.InvalidBinaryRepresentation,
                               "SELECT %b::vector", (RawBinary(struct.pack(">HHff", 1, 0, 1.0, 2.0)),)))

    def unused_nonzero():
        # pgvector raises 22000 (data_exception) here; accept any class-22
        # DataError so the client sees a data error, and name the SQLSTATE.
        with conn.cursor() as cur:
            try:
                cur.execute("SELECT %b::vector", (RawBinary(struct.pack(">HHf", 1, 7, 1.0)),))
            except psycopg.DataError as e:
                assert e.sqlstate.startswith("22"), e.sqlstate
                print("#   unused != 0 gave SQLSTATE %s (pgvector: 22000)" % e.sqlstate)
            else:
                raise AssertionError("unused != 0 accepted")
    check("binary with unused != 0 -> DataError (class 22)", unused_nonzero)

    def errors_in_transaction():
        conn.autocommit = False
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO items VALUES (50, %b)", (Vector([9, 9, 9]),))
                try:
                    cur.execute("INSERT INTO items VALUES (51, %s::vector(3))", (Vector([1]),))
                except errors.DataException:
                    pass
                else:
                    raise AssertionError("no error")
                assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
            conn.rollback()
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM items WHERE id IN (50, 51)")
                assert cur.fetchone()[0] == 0
        finally:
            conn.rollback()
            conn.autocommit = True
    check("an error inside a transaction aborts it; rollback discards the insert", errors_in_transaction)

    # --- server-side typmod, described types -------------------------------

    def describe():
        with conn.cursor() as cur:
            cur.execute("SELECT embedding FROM items_copy LIMIT 1")
            col = cur.description[0]
            assert col.type_code == info.oid, col.type_code
            cur.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                        "WHERE attrelid = 'items_copy'::regclass AND attname = 'embedding'")
            assert cur.fetchone()[0] == "vector(3)"
    check("cursor.description reports the vector OID; column type is vector(3)", describe)

    with conn.cursor() as cur:
        cur.execute("DROP TABLE items, items_copy, items_copy_text, big")
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
