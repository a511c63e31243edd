#!/usr/bin/python3
"""scripts/demo-chem.py: the chemistry part of the demo (make demo-chem).

Loads the NCI molecules that rdkit-data ships (Data/NCI/first_5K.smi) with
their Morgan and pattern fingerprints into a table, builds flat indexes, then
answers "the 10 molecules most similar to aspirin", a Tanimoto threshold
search, and a substructure query (a benzene ring carrying a carboxylic
acid), printing SMILES, similarities and RDKit's own answer beside ours.

Run by scripts/demo.sh chem with the libpq environment (PGHOST, PGPORT,
PGUSER, PGDATABASE) pointing at a database with the extension created.
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "clients", "python"))

import psycopg  # noqa: E402
from rdkit import Chem, DataStructs, RDLogger  # noqa: E402

import milvus_rdkit as mr  # noqa: E402

RDLogger.DisableLog("rdApp.*")

NCI = "/usr/share/RDKit/Data/NCI/first_5K.smi"
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
BENZOIC_ACID = "c1ccccc1C(=O)[OH]"


def show_plan(conn, sql, params):
    for (line,) in conn.execute("EXPLAIN (COSTS OFF) " + sql, params):
        if len(line) > 76:
            line = line[:73] + "..."
        print("      " + line)


def load(conn):
    mols = []
    with open(NCI) as f:
        for line in f:
            parts = line.split()
            mol = Chem.MolFromSmiles(parts[0]) if parts else None
            if mol is not None:
                mols.append((len(mols) + 1, parts[0], mol))
    t0 = time.time()
    conn.execute("DROP TABLE IF EXISTS molecules")
    conn.execute("CREATE TABLE molecules (id int PRIMARY KEY, smiles text,"
                 " mol bytea, mfp bit(2048), pfp bit(2048))")
    with conn.cursor().copy("COPY molecules (id, smiles, mol, mfp, pfp)"
                            " FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(["int4", "text", "bytea", "bit", "bit"])
        for i, smi, mol in mols:
            cp.write_row((i, smi, mol.ToBinary(), mr.morgan(mol),
                          mr.pattern(mol)))
    conn.execute("CREATE INDEX ON molecules USING flat (mfp bit_jaccard_ops)")
    conn.execute("CREATE INDEX ON molecules USING flat (pfp bit_jaccard_ops)")
    conn.execute("ANALYZE molecules")
    conn.commit()
    print("Loaded %d NCI molecules (%s) with their RDKit pickles and Morgan"
          " (radius 2) and pattern fingerprints, 2048 bits each, by binary"
          " COPY, and built two flat indexes, in %.1f s.\n"
          % (len(mols), NCI, time.time() - t0))
    return mols


def similar(conn, mols):
    q = mr.morgan(Chem.MolFromSmiles(ASPIRIN))
    sql = ("SELECT id, smiles, tanimoto_similarity(mfp, %s) AS similarity"
           " FROM molecules ORDER BY mfp <%%> %s LIMIT 10")
    print("1. The 10 molecules most similar to aspirin (%s):\n" % ASPIRIN)
    print("   " + sql.replace("%%", "%").replace("%s", ":aspirin_fp") + "\n")
    show_plan(conn, sql, (q, q))
    rows = conn.execute(sql, (q, q)).fetchall()
    print("\n   %-4s %-6s %-10s %s" % ("rank", "id", "Tanimoto", "SMILES"))
    for rank, (i, smi, sim) in enumerate(rows, 1):
        print("   %-4d %-6d %-10.4f %s" % (rank, i, sim, smi))
    fps = [mr.morgan(m) for _, _, m in mols]
    sims = DataStructs.BulkTanimotoSimilarity(q, fps)
    order = sorted(range(len(mols)), key=lambda k: (-sims[k], mols[k][0]))
    want = [(mols[k][0], sims[k]) for k in order[:10]]
    same = [(i, s) for i, _, s in rows] == want
    print("\n   RDKit BulkTanimotoSimilarity over all molecules gives the same"
          " 10, in the same order, with the same similarities: %s\n"
          % ("yes" if same else "NO"))

    conn.execute("SET milvus.tanimoto_threshold = 0.4")
    sql = ("SELECT id FROM molecules WHERE mfp %% %s"
           " ORDER BY mfp <%%> %s")
    got = [r[0] for r in conn.execute(sql, (q, q))]
    want = sorted((mols[k][0] for k in range(len(mols)) if sims[k] >= 0.4),
                  key=lambda i: -sims[i - 1])
    print("2. Range search: every molecule with Tanimoto >= 0.4 to aspirin:\n")
    print("   SET milvus.tanimoto_threshold = 0.4;")
    print("   " + sql.replace("%%", "%").replace("%s", ":aspirin_fp") + "\n")
    show_plan(conn, sql, (q, q))
    print("\n   %d molecules; RDKit finds the same set: %s\n"
          % (len(got), "yes" if sorted(got) == sorted(want) else "NO"))
    conn.execute("RESET milvus.tanimoto_threshold")
    return same


def substructure(conn, mols):
    query = Chem.MolFromSmarts(BENZOIC_ACID)
    qfp = mr.pattern(query)
    sql = "SELECT id, smiles, mol FROM molecules WHERE pfp @> %s ORDER BY id"
    print("3. Substructure search: a benzene ring with a carboxylic acid"
          " (SMARTS %s).\n" % BENZOIC_ACID)
    print("   Screen in PostgreSQL on the pattern fingerprints, then RDKit's"
          " HasSubstructMatch on each candidate's pickled molecule:")
    print("   " + sql.replace("%s", ":query_pattern_fp") + "\n")
    show_plan(conn, sql, (qfp,))
    t0 = time.time()
    cands = conn.execute(sql, (qfp,)).fetchall()
    hits = [(i, smi) for i, smi, blob in cands
            if Chem.Mol(blob).HasSubstructMatch(query)]
    t1 = time.time()
    truth = [i for i, _, m in mols if m.HasSubstructMatch(query)]
    t2 = time.time()
    print("\n   %d candidates pass the screen (%.1f%% of %d); RDKit's"
          " HasSubstructMatch keeps %d." % (len(cands),
                                            100.0 * len(cands) / len(mols),
                                            len(mols), len(hits)))
    for i, smi in hits[:10]:
        print("   %-6d %s" % (i, smi))
    if len(hits) > 10:
        print("   ... and %d more" % (len(hits) - 10))
    same = [i for i, _ in hits] == truth
    print("\n   RDKit matching every molecule finds the same %d: %s"
          " (screen + check %.0f ms, matching all %.0f ms)\n"
          % (len(truth), "yes" if same else "NO", (t1 - t0) * 1000,
             (t2 - t1) * 1000))
    return same


def main():
    with psycopg.connect() as conn:
        mr.register(conn, nbits=2048)
        mols = load(conn)
        ok = similar(conn, mols)
        ok = substructure(conn, mols) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
