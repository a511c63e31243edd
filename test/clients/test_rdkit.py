#!/usr/bin/python3
"""Client test: drug discovery with RDKit fingerprints (issue 21).

Run with Debian's /usr/bin/python3 (python3-psycopg, python3-rdkit,
rdkit-data), like the other client tests: connection settings come from the
libpq environment and the database must already have the extension.

On the NCI molecules rdkit-data ships (Data/NCI/first_5K.smi) this checks:

  - fingerprints in and out: clients/python/milvus_rdkit.py, binary COPY,
    text and binary parameters and results, every fingerprint read back
    equal to RDKit's (bit order, length);
  - Tanimoto top-10 with a flat index equal to RDKit's
    BulkTanimotoSimilarity (same ids, same order, ties by id, same
    similarity values) for 100 query molecules; recall@10 >= 0.95 with hnsw
    at its default settings, and >= 0.85 with ivfflat (50 lists, 10
    probed);
  - the Tanimoto threshold search (WHERE mfp % q, milvus.tanimoto_threshold)
    through the flat index (EXPLAIN) giving exactly RDKit's set;
  - the substructure screen (pfp @> pattern(query)) through the flat index
    followed by RDKit's HasSubstructMatch: no true match dropped, and the
    same final set as RDKit over every molecule, for 40 SMARTS patterns;
    and the superstructure screen (pfp <@ pattern(mol)) for 10 molecules;
  - malformed input: wrong lengths (Python side and PostgreSQL's bit(n)
    error), non-bit text, bad binary, operands of different lengths.

Prints "ok N - ..." / "not ok N - ..." lines and "N passed, N failed";
exits non-zero on any failure.
"""

import os
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "clients", "python"))

import psycopg  # noqa: E402
from psycopg import errors  # noqa: E402
from rdkit import Chem, DataStructs, RDLogger  # noqa: E402

import milvus_rdkit as mr  # noqa: E402

RDLogger.DisableLog("rdApp.*")

NCI = "/usr/share/RDKit/Data/NCI/first_5K.smi"
NBITS = 2048
# ivfflat, 50 lists, 10 probed: a floor well below what it reaches (0.96)
IVF_RECALL = 0.85

# 40 substructure queries (SMARTS): rings, functional groups, halogens
PATTERNS = [
    "c1ccccc1", "c1ccccc1C(=O)[OH]", "C(=O)[OH]", "C(=O)O[CX4]", "C(=O)N",
    "[NX3;H2][CX4]", "[N+](=O)[O-]", "c[OH]", "[CX3H1](=O)", "[#6][CX3](=O)[#6]",
    "S(=O)(=O)N", "c1ccncc1", "c1ccsc1", "c1ccoc1", "c1ccc2ccccc2c1",
    "C1CCCCC1", "C1CCNCC1", "C1COCCN1", "c1ccc2[nH]ccc2c1", "c1ncncn1",
    "[Cl]", "[Br]", "[F]", "[I]", "c[Cl]", "C(F)(F)F", "C#N", "C=C", "C#C",
    "[SX2H]", "P(=O)(O)O", "[OH]C", "N=N", "C(=O)Cl", "[Si]", "[Sn]",
    "c1ccccc1-c1ccccc1", "O=C1CCCN1", "C1CC1", "[nH]1cccc1",
]

passed = 0
failed = 0
n = 0


def check(cond, msg):
    global passed, failed, n
    n += 1
    if cond:
        passed += 1
        print("ok %d - %s" % (n, msg))
    else:
        failed += 1
        print("not ok %d - %s" % (n, msg))
    sys.stdout.flush()
    return cond


def comment(text):
    for line in str(text).splitlines():
        print("# " + (line if len(line) <= 100 else line[:97] + "..."))


def first(e):
    """The first line of an exception's message."""
    return str(e).splitlines()[0] if e is not None else "none"


def raises(fn, exc, sqlstate=None):
    """The exception fn raises when it is of class exc (and sqlstate),
    else None."""
    try:
        fn()
    except exc as e:
        if sqlstate is None or getattr(e, "sqlstate", None) == sqlstate:
            return e
        comment("got %s %s: %s" % (type(e).__name__,
                                    getattr(e, "sqlstate", ""), e))
        return None
    except Exception as e:  # noqa: BLE001
        comment("got %s: %s" % (type(e).__name__, e))
        return None
    comment("no exception")
    return None


def load_molecules():
    """(id, smiles, mol) of every NCI line that parses; ids from 1."""
    out = []
    with open(NCI) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            mol = Chem.MolFromSmiles(parts[0])
            if mol is not None:
                out.append((len(out) + 1, parts[0], mol))
    return out


def plan(conn, sql, params):
    return "\n".join(r[0] for r in conn.execute(
        "EXPLAIN (COSTS OFF) " + sql, params).fetchall())


def rdkit_top(q, fps, ids, k=10):
    sims = DataStructs.BulkTanimotoSimilarity(q, fps)
    order = sorted(range(len(ids)), key=lambda i: (-sims[i], ids[i]))
    return [(ids[i], sims[i]) for i in order[:k]], sims


def ties_at_10(q, fps):
    """Whether the 10th and 11th best similarities to q are equal."""
    sims = sorted(DataStructs.BulkTanimotoSimilarity(q, fps), reverse=True)
    return sims[9] == sims[10]


def test_roundtrip(conn, mols, mfps, pfps):
    """Binary COPY in, text and binary out, every fingerprint equal."""
    conn.execute("CREATE TABLE mols (id int PRIMARY KEY, smiles text,"
                 " mfp bit(%d), pfp bit(%d))" % (NBITS, NBITS))
    with conn.cursor().copy("COPY mols (id, smiles, mfp, pfp)"
                            " FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(["int4", "text", "bit", "bit"])
        for (i, smi, _), m, p in zip(mols, mfps, pfps):
            cp.write_row((i, smi, m, p))
    conn.execute("ANALYZE mols")
    count = conn.execute("SELECT count(*) FROM mols").fetchone()[0]
    check(count == len(mols), "binary COPY loaded %d molecules" % count)

    for binary in (False, True):
        rows = conn.cursor(binary=binary).execute(
            "SELECT id, mfp, pfp FROM mols ORDER BY id").fetchall()
        bad = [r[0] for r, m, p in zip(rows, mfps, pfps)
               if r[1] != m or r[2] != p or r[1].GetNumBits() != NBITS]
        check(len(rows) == len(mols) and not bad,
              "%s results: all %d Morgan and pattern fingerprints read back"
              " exactly" % ("binary" if binary else "text", len(rows)))

    # the bit order: fingerprint bit i is get_bit(col, i)
    on = list(mfps[0].GetOnBits())
    got = conn.execute("SELECT array_agg(i ORDER BY i) FROM"
                       " generate_series(0, %s) i, mols"
                       " WHERE id = 1 AND get_bit(mfp, i) = 1",
                       (NBITS - 1,)).fetchone()[0]
    check(got == on, "bit i of the fingerprint is get_bit(mfp, i)")

    # parameters, text and binary, and the text form of the value
    q = mfps[0]
    for fmt in ("%t", "%b"):
        row = conn.execute("SELECT %s::text = %%s, tanimoto_similarity(mfp, %s)"
                           " FROM mols WHERE id = 1" % (fmt, fmt),
                           (q, q.ToBitString(), q)).fetchone()
        check(row[0] and row[1] == 1.0,
              "%s parameter: text form equals ToBitString(), self-similarity 1"
              % ("text" if fmt == "%t" else "binary"))
    check(mr.from_bitstring(mr.to_bitstring(q)) == q and
          mr.from_binary(mr.to_binary(q)) == q,
          "milvus_rdkit: text and binary round trip in Python")
    odd = DataStructs.ExplicitBitVect(13)
    odd.SetBitsFromList([0, 7, 8, 12])
    check(mr.to_binary(odd).hex() == "0000000d8188" and
          conn.execute("SELECT %b::text", (odd,)).fetchone()[0] ==
          "1000000110001",
          "13-bit fingerprint: varbit wire bytes and text form")


def test_errors(conn, mfps):
    """Malformed input gets clear errors, on both sides."""
    short = mr.morgan(Chem.MolFromSmiles("CCO"), nbits=1024)
    check(raises(lambda: mr.to_bitstring(short, NBITS),
                 mr.FingerprintLengthError) is not None and
          raises(lambda: mr.to_binary(short, NBITS),
                 mr.FingerprintLengthError) is not None,
          "Python: a 1024-bit fingerprint for bit(2048) raises"
          " FingerprintLengthError")
    check(raises(lambda: mr.from_bitstring("01x1"), ValueError) is not None
          and raises(lambda: mr.from_binary(b"\x00\x00\x00\x10\xff"),
                     ValueError) is not None
          and raises(lambda: mr.to_bitstring("0101"), TypeError) is not None,
          "Python: non-bit text, short binary, non-fingerprint raise")
    for fmt in ("%t", "%b"):
        e = raises(lambda: conn.execute(
            "INSERT INTO mols (id, mfp) VALUES (-1, %s)" % fmt, (short,)),
            errors.StringDataLengthMismatch, "22026")
        check(e is not None and "does not match type bit(2048)" in str(e),
              "PostgreSQL: 1024 bits into bit(2048) (%s parameter) is 22026"
              % ("text" if fmt == "%t" else "binary"))
        conn.rollback()
    e = raises(lambda: conn.execute(
        "INSERT INTO mols (id, mfp) VALUES (-1, %s::bit(2048))", ("01x",)),
        errors.InvalidTextRepresentation, "22P02")
    check(e is not None, "PostgreSQL: non-bit text is 22P02: %s" % first(e))
    conn.rollback()
    e = raises(lambda: conn.execute(
        "SELECT count(*) FROM mols WHERE mfp <%%> %s < 0.5", (short,)),
        errors.DataException, "22000")
    check(e is not None and "different bit lengths" in str(e),
          "PostgreSQL: <%%> on 2048 and 1024 bits is 22000: %s" % first(e))
    conn.rollback()
    e = raises(lambda: conn.execute(
        "SELECT count(*) FROM mols WHERE pfp @> %s", (short,)),
        errors.DataException, "22000")
    check(e is not None, "PostgreSQL: indexed @> on different lengths is"
          " 22000: %s" % first(e))
    conn.rollback()


def test_topk(conn, mols, mfps):
    """Flat top-10 equals RDKit for 100 queries; hnsw recall@10."""
    ids = [m[0] for m in mols]
    queries = list(range(0, len(mols), len(mols) // 100))[:100]
    conn.execute("CREATE INDEX mols_mfp_flat ON mols USING flat"
                 " (mfp bit_jaccard_ops)")
    conn.commit()
    # what a user types; flat breaks distance ties by heap TID, which is
    # id order here (COPY loaded the rows in id order)
    sql = ("SELECT id, tanimoto_similarity(mfp, %s) FROM mols"
           " ORDER BY mfp <%%> %s LIMIT 10")
    p = plan(conn, sql, (mfps[0], mfps[0]))
    check("Index Scan using mols_mfp_flat" in p, "top-10 plan uses the flat"
          " index")
    comment(p)
    truth = {}
    bad = []
    for qi in queries:
        q = mfps[qi]
        want, _ = rdkit_top(q, mfps, ids)
        truth[qi] = want
        got = [tuple(r) for r in conn.execute(sql, (q, q)).fetchall()]
        if got != want:
            bad.append(qi)
            if len(bad) <= 3:
                comment("query %d: want %s got %s" % (ids[qi], want, got))
    comment("ties: %d queries in their top 10, %d across the 10th place"
            % (
                sum(1 for qi in queries
                    if len({x[1] for x in truth[qi]}) < 10),
                sum(1 for qi in queries if ties_at_10(mfps[qi], mfps))))
    check(len(queries) == 100 and not bad,
          "flat: Tanimoto top-10 of %d queries equal to RDKit's"
          " BulkTanimotoSimilarity (ids, order, similarities)"
          % len(queries))
    conn.execute("DROP INDEX mols_mfp_flat")

    t0 = time.time()
    conn.execute("CREATE INDEX mols_mfp_hnsw ON mols USING hnsw"
                 " (mfp bit_jaccard_ops)")
    conn.commit()
    comment("hnsw build: %.1f s" % (time.time() - t0))
    p = plan(conn, sql, (mfps[0], mfps[0]))
    check("mols_mfp_hnsw" in p, "top-10 plan uses the hnsw index")
    hits = 0
    for qi in queries:
        q = mfps[qi]
        # a returned id counts when its true similarity is at least the
        # 10th best (ties at the boundary are equally right)
        kth = truth[qi][-1][1]
        got = conn.execute("SELECT id, tanimoto_similarity(mfp, %s) FROM mols"
                           " ORDER BY mfp <%%> %s LIMIT 10",
                           (q, q)).fetchall()
        hits += sum(1 for _, s in got if s >= kth)
    recall = hits / (10.0 * len(queries))
    check(recall >= 0.95, "hnsw (m=16, ef_construction=64, ef_search=40):"
          " recall@10 = %.3f >= 0.95" % recall)
    conn.execute("DROP INDEX mols_mfp_hnsw")
    conn.commit()

    conn.execute("CREATE INDEX mols_mfp_ivf ON mols USING ivfflat"
                 " (mfp bit_jaccard_ops) WITH (lists = 50)")
    conn.execute("SET ivfflat.probes = 10")
    p = plan(conn, sql, (mfps[0], mfps[0]))
    hits = 0
    for qi in queries:
        q = mfps[qi]
        kth = truth[qi][-1][1]
        got = conn.execute("SELECT id, tanimoto_similarity(mfp, %s) FROM mols"
                           " ORDER BY mfp <%%> %s LIMIT 10",
                           (q, q)).fetchall()
        hits += sum(1 for _, s in got if s >= kth)
    recall = hits / (10.0 * len(queries))
    check("mols_mfp_ivf" in p and recall >= IVF_RECALL,
          "ivfflat (lists = 50, probes = 10): recall@10 = %.3f >= %.2f"
          % (recall, IVF_RECALL))
    conn.execute("RESET ivfflat.probes")
    conn.execute("DROP INDEX mols_mfp_ivf")
    conn.commit()


def test_threshold(conn, mols, mfps):
    """WHERE mfp % q through the flat index equals RDKit's sim >= t."""
    ids = [m[0] for m in mols]
    conn.execute("CREATE INDEX mols_mfp_flat ON mols USING flat"
                 " (mfp bit_jaccard_ops)")
    conn.commit()
    sql = "SELECT id FROM mols WHERE mfp %% %s"
    p = plan(conn, sql, (mfps[0],))
    check("Index Scan on mols_mfp_flat" in p or
          "Index Scan using mols_mfp_flat" in p,
          "threshold plan uses the flat index (no Seq Scan)")
    comment(p)
    osql = ("SELECT id FROM mols WHERE mfp %% %s ORDER BY mfp <%%> %s, id")
    p2 = plan(conn, osql, (mfps[0], mfps[0]))
    comment(p2)
    bad = 0
    total = 0
    nq = 0
    for t in (0.3, 0.5, 0.7):
        conn.execute("SET milvus.tanimoto_threshold = %s" % t)
        for qi in range(7, len(mols), len(mols) // 20)[:20]:
            q = mfps[qi]
            sims = DataStructs.BulkTanimotoSimilarity(q, mfps)
            want = sorted(ids[i] for i in range(len(ids)) if sims[i] >= t)
            got = sorted(r[0] for r in conn.execute(sql, (q,)).fetchall())
            want_o = sorted(want, key=lambda i: (-sims[i - 1], i))
            got_o = [r[0] for r in conn.execute(osql, (q, q)).fetchall()]
            nq += 1
            total += len(want)
            if got != want or got_o != want_o:
                bad += 1
                if bad <= 3:
                    comment("t=%s query %d: want %d ids, got %d (ordered %d)"
                            % (t, ids[qi], len(want), len(got), len(got_o)))
    conn.execute("RESET milvus.tanimoto_threshold")
    check(bad == 0, "threshold search: %d queries at t = 0.3, 0.5, 0.7, %d"
          " matches, every set equal to RDKit's (unordered and ordered)"
          % (nq, total))
    conn.execute("DROP INDEX mols_mfp_flat")
    conn.commit()


def test_substructure(conn, mols, pfps):
    """pfp @> pattern(query) then HasSubstructMatch: no false negatives."""
    conn.execute("CREATE INDEX mols_pfp_flat ON mols USING flat"
                 " (pfp bit_jaccard_ops)")
    conn.commit()
    sql = "SELECT id FROM mols WHERE pfp @> %s"
    qfp0 = mr.pattern(Chem.MolFromSmarts(PATTERNS[0]))
    p = plan(conn, sql, (qfp0,))
    check("mols_pfp_flat" in p and "Seq Scan" not in p,
          "substructure screen plan uses the flat index")
    comment(p)
    byid = {m[0]: m[2] for m in mols}
    missed = []
    wrong = []
    cand_total = 0
    true_total = 0
    for smarts in PATTERNS:
        query = Chem.MolFromSmarts(smarts)
        truth = {i for i, _, m in mols if m.HasSubstructMatch(query)}
        cands = {r[0] for r in conn.execute(
            sql, (mr.pattern(query),)).fetchall()}
        hits = {i for i in cands if byid[i].HasSubstructMatch(query)}
        cand_total += len(cands)
        true_total += len(truth)
        if truth - cands:
            missed.append((smarts, len(truth - cands)))
        if hits != truth:
            wrong.append(smarts)
    comment("substructure: %d patterns, %d true matches, %d candidates"
            " (pass rate %.1f%% of %d molecules per query)"
            % (len(PATTERNS), true_total, cand_total,
               100.0 * cand_total / (len(PATTERNS) * len(mols)), len(mols)))
    check(len(PATTERNS) >= 30 and not missed,
          "substructure screen: no true match dropped for %d SMARTS patterns"
          " %s" % (len(PATTERNS), missed or ""))
    check(not wrong, "screen + HasSubstructMatch equals RDKit over every"
          " molecule for every pattern %s" % (wrong or ""))

    # superstructure: the molecules whose structure is inside q's
    sql = "SELECT id FROM mols WHERE pfp <@ %s"
    p = plan(conn, sql, (pfps[0],))
    check("mols_pfp_flat" in p and "Seq Scan" not in p,
          "superstructure screen plan uses the flat index")
    missed = []
    found = 0
    for qi in range(11, len(mols), len(mols) // 10)[:10]:
        big = mols[qi][2]
        truth = {i for i, _, m in mols if big.HasSubstructMatch(m)}
        cands = {r[0] for r in conn.execute(sql, (pfps[qi],)).fetchall()}
        found += len(truth)
        if truth - cands:
            missed.append(mols[qi][0])
    check(not missed, "superstructure screen: no true match dropped for 10"
          " molecules (%d matches) %s" % (found, missed or ""))
    conn.execute("DROP INDEX mols_pfp_flat")
    conn.commit()


def main():
    t0 = time.time()
    mols = load_molecules()
    mfps = [mr.morgan(m) for _, _, m in mols]
    pfps = [mr.pattern(m) for _, _, m in mols]
    comment("%d NCI molecules, fingerprints in %.1f s"
            % (len(mols), time.time() - t0))
    with psycopg.connect() as conn:
        mr.register(conn, nbits=None)
        conn.execute("DROP TABLE IF EXISTS mols")
        for name, fn, args in (
                ("round trip", test_roundtrip, (mols, mfps, pfps)),
                ("errors", test_errors, (mfps,)),
                ("top-k", test_topk, (mols, mfps)),
                ("threshold", test_threshold, (mols, mfps)),
                ("substructure", test_substructure, (mols, pfps))):
            try:
                fn(conn, *args)
                conn.commit()
            except Exception:  # noqa: BLE001
                conn.rollback()
                check(False, "%s: unexpected exception" % name)
                comment(traceback.format_exc())
        conn.execute("DROP TABLE IF EXISTS mols")
        conn.commit()
    comment("total %.1f s" % (time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
