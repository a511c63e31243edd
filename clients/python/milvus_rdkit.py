"""milvus_rdkit: RDKit fingerprints in and out of PostgreSQL ``bit(n)``.

The milvus extension searches binary fingerprints stored in PostgreSQL's own
``bit(n)`` type: ``<%>`` is the Jaccard distance (1 - Tanimoto),
``tanimoto_similarity(a, b)`` the Tanimoto similarity, ``a % b`` is true when
that similarity is at least ``milvus.tanimoto_threshold``, and ``a @> b`` /
``a <@ b`` are the substructure / superstructure screens (every bit of b set
in a / every bit of a set in b).  This module turns RDKit ``ExplicitBitVect``
fingerprints into values for such columns and back, exactly:

* bit i of the fingerprint (``fp.GetBit(i)``) is character i of the text form
  (``'0101...'``, what ``fp.ToBitString()`` gives), which is bit i + 1 of the
  PostgreSQL bit string (``get_bit(col, i)``, counting from 0 on the left);
* the binary form is PostgreSQL's varbit wire format (``bit_send`` /
  ``bit_recv``): a big-endian int32 bit count, then the bits packed eight to a
  byte, most significant bit first, the last byte padded with zero bits.

Lengths are kept: a 2048-bit fingerprint is a ``bit(2048)`` value.  Give the
column's length as ``nbits`` and a fingerprint of any other length raises
``FingerprintLengthError`` before it leaves Python; PostgreSQL itself rejects
a wrong length for a ``bit(n)`` column too ("bit string length 1024 does not
match type bit(2048)", SQLSTATE 22026).

With psycopg 3 (Debian's python3-psycopg)::

    import psycopg
    from rdkit import Chem
    import milvus_rdkit as mr

    conn = psycopg.connect()
    mr.register(conn, nbits=2048)            # ExplicitBitVect <-> bit
    mol = Chem.MolFromSmiles("CC(=O)Oc1ccccc1C(=O)O")
    q = mr.morgan(mol)
    rows = conn.execute(
        "SELECT id, smiles, tanimoto_similarity(mfp, %s) FROM mols"
        " ORDER BY mfp <%%> %s, id LIMIT 10", (q, q)).fetchall()

After ``register``, ``ExplicitBitVect`` parameters are sent as ``bit`` (text
or, with ``binary=True`` / ``%b``, binary), and ``bit`` / ``varbit`` results
come back as ``ExplicitBitVect``.  Binary COPY works too::

    with conn.cursor().copy("COPY mols (id, smiles, mfp, pfp)"
                            " FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(["int4", "text", "bit", "bit"])
        cp.write_row((1, smiles, mr.morgan(mol), mr.pattern(mol)))

The module needs RDKit; psycopg only for ``register``.
"""

import struct

from rdkit import Chem, DataStructs
from rdkit.Chem import AllChem

__all__ = [
    "FingerprintLengthError",
    "morgan",
    "pattern",
    "to_bitstring",
    "from_bitstring",
    "to_binary",
    "from_binary",
    "register",
]

#: Default fingerprint length, as in the README and the tests.
DEFAULT_NBITS = 2048

# PostgreSQL's type oids of bit and bit varying (pg_type.dat, stable).
BIT_OID = 1560
VARBIT_OID = 1562


class FingerprintLengthError(ValueError):
    """A fingerprint whose length is not the column's."""


def morgan(mol, radius=2, nbits=DEFAULT_NBITS):
    """The Morgan (ECFP-like) fingerprint of mol for Tanimoto search:
    AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=nbits)."""
    return AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=nbits)


def pattern(mol, nbits=DEFAULT_NBITS):
    """The pattern fingerprint of a molecule or a query (SMARTS) for the
    substructure screen: Chem.PatternFingerprint(mol, nbits).  If query q is
    a substructure of m, every bit of pattern(q) is set in pattern(m)."""
    return Chem.PatternFingerprint(mol, nbits)


def _check(fp, nbits):
    if not isinstance(fp, DataStructs.ExplicitBitVect):
        raise TypeError(
            "expected an RDKit ExplicitBitVect, got %s" % type(fp).__name__)
    if nbits is not None and fp.GetNumBits() != nbits:
        raise FingerprintLengthError(
            "fingerprint has %d bits, the column is bit(%d)"
            % (fp.GetNumBits(), nbits))


def to_bitstring(fp, nbits=None):
    """The text form of fp for bit(n): '0101...', bit i of fp at character
    i.  With nbits, a fingerprint of another length raises
    FingerprintLengthError."""
    _check(fp, nbits)
    return fp.ToBitString()


def from_bitstring(text, nbits=None):
    """An ExplicitBitVect from the text form of a bit(n) value."""
    if not isinstance(text, str) or text.strip("01") != "":
        raise ValueError("not a bit string: %r" % (text[:40],))
    if nbits is not None and len(text) != nbits:
        raise FingerprintLengthError(
            "bit string has %d bits, expected %d" % (len(text), nbits))
    if text == "":
        return DataStructs.ExplicitBitVect(0)
    return DataStructs.CreateFromBitString(text)


def to_binary(fp, nbits=None):
    """PostgreSQL's binary (varbit wire) form of fp: int32 bit count, then
    the bits MSB first, zero padded to whole bytes."""
    _check(fp, nbits)
    n = fp.GetNumBits()
    nbytes = (n + 7) // 8
    text = fp.ToBitString() + "0" * (nbytes * 8 - n)
    packed = int(text, 2).to_bytes(nbytes, "big") if nbytes else b""
    return struct.pack(">i", n) + packed


def from_binary(data, nbits=None):
    """An ExplicitBitVect from the binary (varbit wire) form."""
    data = bytes(data)
    if len(data) < 4:
        raise ValueError("binary bit value shorter than its length word")
    (n,) = struct.unpack(">i", data[:4])
    nbytes = (n + 7) // 8
    if n < 0 or len(data) != 4 + nbytes:
        raise ValueError(
            "binary bit value of %d bytes does not hold %d bits"
            % (len(data), n))
    if nbits is not None and n != nbits:
        raise FingerprintLengthError(
            "bit value has %d bits, expected %d" % (n, nbits))
    if n == 0:
        return DataStructs.ExplicitBitVect(0)
    text = bin(int.from_bytes(data[4:], "big"))[2:].zfill(nbytes * 8)
    return DataStructs.CreateFromBitString(text[:n])


def register(context, nbits=None):
    """Register ExplicitBitVect adapters on a psycopg 3 connection or
    cursor (or psycopg.adapters, globally).

    Parameters of type ExplicitBitVect are sent as bit, in text or binary
    format; with nbits, one of another length raises FingerprintLengthError.
    The dumpers are also the ones COPY ... (FORMAT BINARY) uses after
    set_types([... "bit" ...]), and they accept bit strings ('0101') too.
    bit and varbit results are loaded as ExplicitBitVect, in text and binary
    format.
    """
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format

    def as_fp(obj):
        if isinstance(obj, str):
            return from_bitstring(obj)
        return obj

    class BitTextDumper(Dumper):
        oid = BIT_OID
        format = Format.TEXT

        def dump(self, obj):
            return to_bitstring(as_fp(obj), nbits).encode("ascii")

    class BitBinaryDumper(Dumper):
        oid = BIT_OID
        format = Format.BINARY

        def dump(self, obj):
            return to_binary(as_fp(obj), nbits)

    class BitTextLoader(Loader):
        format = Format.TEXT

        def load(self, data):
            return from_bitstring(bytes(data).decode("ascii"))

    class BitBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            return from_binary(data)

    adapters = context.adapters
    adapters.register_dumper(DataStructs.ExplicitBitVect, BitTextDumper)
    adapters.register_dumper(DataStructs.ExplicitBitVect, BitBinaryDumper)
    for oid in (BIT_OID, VARBIT_OID):
        adapters.register_loader(oid, BitTextLoader)
        adapters.register_loader(oid, BitBinaryLoader)
