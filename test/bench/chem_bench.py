#!/usr/bin/python3
"""test/bench/chem_bench.py: RDKit fingerprints in milvus against RDKit itself.

    PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... \\
        /usr/bin/python3 test/bench/chem_bench.py [--rounds 3] [--queries 100]

The database must have the extension created.  Molecules: every .smi and
.csv file under /usr/share/RDKit (rdkit-data), the first field of each line
(split at commas, tabs and spaces) that parses as a molecule of three atoms
or more, unless it has dummy atoms, deduplicated by canonical SMILES (the
files of substructure filters, wehi_pains.csv, FragmentDescriptors.csv and
SubstructureFilter_HitTriaging_wPubChemExamples.csv, whose lines are
SMARTS queries, are left out).

Measured in one run, the systems alternating round by round (this is a
shared machine; ratios side by side are what count):

  Tanimoto top-10 (Morgan radius 2, 2048 bits), one query at a time:
    RDKit   BulkTanimotoSimilarity over all fingerprints in process, one
            thread, then the top 10 by (similarity, index) with numpy; and
            BulkTanimotoSimilarity alone, the bare in-process scan
    flat    SELECT id ... ORDER BY mfp <%> q LIMIT 10 (exact)
    hnsw    the same on a copy of the column with an hnsw index, default
            settings (recall@10 against RDKit reported)
  Substructure search (pattern fingerprints, 2048 bits), per query set:
    RDKit   HasSubstructMatch over every molecule, parsed in memory
    screen  WHERE pfp @> pattern(query) through the flat index, returning
            the candidates' pickled molecules (bytea), then
            Chem.Mol(pickle).HasSubstructMatch in the client
    screen (ids)  the same screen returning ids, the check on the
            in-memory molecules, as the RDKit row has them
    screen (seq)  the screen alone by a sequential scan, for comparison
            with the flat index's screen alone
  and the screen's pass rate (candidates / molecules) beside the true
  match rate.  Every screened result is checked equal to RDKit's.

Prints a Markdown table for BENCHMARKS.md.
"""

import argparse
import glob
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "clients", "python"))

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from rdkit import Chem, DataStructs, RDLogger  # noqa: E402
from rdkit.Chem.Scaffolds import MurckoScaffold  # noqa: E402

import milvus_rdkit as mr  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "clients"))
from test_rdkit import PATTERNS  # noqa: E402

RDLogger.DisableLog("rdApp.*")

SKIP = ("wehi_pains.csv", "FragmentDescriptors.csv",
        "SubstructureFilter_HitTriaging_wPubChemExamples.csv")


def molecules():
    """(id, canonical smiles, mol) of every distinct molecule shipped."""
    files = sorted(glob.glob("/usr/share/RDKit/**/*.smi", recursive=True) +
                   glob.glob("/usr/share/RDKit/**/*.csv", recursive=True))
    seen = set()
    out = []
    nfiles = 0
    for path in files:
        if os.path.basename(path) in SKIP:
            continue
        before = len(out)
        with open(path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                mol = None
                for tok in line.replace("\t", ",").replace(" ", ",").split(","):
                    tok = tok.strip('"')
                    if tok and not tok[0].isdigit():
                        mol = Chem.MolFromSmiles(tok)
                    if mol is not None and mol.GetNumAtoms() >= 3:
                        break
                    mol = None
                if mol is None or any(a.GetAtomicNum() == 0
                                      for a in mol.GetAtoms()):
                    continue
                smi = Chem.MolToSmiles(mol)
                if smi in seen:
                    continue
                seen.add(smi)
                out.append((len(out) + 1, smi, mol))
        if len(out) > before:
            nfiles += 1
            print("#   %6d new from %s" % (len(out) - before,
                                         os.path.relpath(path, "/usr/share/RDKit")))
    return out, nfiles


def load(conn, mols, mfps, pfps):
    conn.execute("DROP TABLE IF EXISTS chem_bench")
    conn.execute("CREATE TABLE chem_bench (id int PRIMARY KEY, smiles text,"
                 " mol bytea, mfp bit(2048), mfp_h bit(2048), pfp bit(2048))")
    with conn.cursor().copy("COPY chem_bench FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(["int4", "text", "bytea", "bit", "bit", "bit"])
        for (i, smi, mol), m, p in zip(mols, mfps, pfps):
            cp.write_row((i, smi, mol.ToBinary(), m, m, p))
    t0 = time.time()
    conn.execute("CREATE INDEX chem_bench_mfp ON chem_bench USING flat"
                 " (mfp bit_jaccard_ops)")
    t1 = time.time()
    conn.execute("CREATE INDEX chem_bench_mfp_h ON chem_bench USING hnsw"
                 " (mfp_h bit_jaccard_ops)")
    t2 = time.time()
    conn.execute("CREATE INDEX chem_bench_pfp ON chem_bench USING flat"
                 " (pfp bit_jaccard_ops)")
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE chem_bench")
    conn.autocommit = False
    return t1 - t0, t2 - t1


def rdkit_top10(q, fps, ids):
    """RDKit's top 10 by (similarity descending, id): the similarities of
    all fingerprints, then numpy selects (ids are index + 1)."""
    sims = np.asarray(DataStructs.BulkTanimotoSimilarity(q, fps))
    kth = np.partition(sims, len(sims) - 10)[len(sims) - 10]
    cand = np.nonzero(sims >= kth)[0]
    order = cand[np.lexsort((cand, -sims[cand]))][:10]
    return [ids[i] for i in order], sims[order[-1]]


def bench_topk(conn, mols, mfps, queries, rounds):
    ids = [m[0] for m in mols]
    truth = {}
    kth = {}
    times = {"RDKit": [], "RDKit scan alone": [], "flat": [], "hnsw": []}
    sql = {"flat": "SELECT id FROM chem_bench ORDER BY mfp <%%> %s LIMIT 10",
           "hnsw": "SELECT id FROM chem_bench ORDER BY mfp_h <%%> %s LIMIT 10"}
    for name in sql:
        plan = " ".join(r[0] for r in conn.execute(
            "EXPLAIN (COSTS OFF) " + sql[name], (mfps[queries[0]],)))
        index = "chem_bench_mfp_h" if name == "hnsw" else "chem_bench_mfp "
        if index not in plan + " ":
            sys.exit("%s query does not use its index: %s" % (name, plan))
    exact_ok = True
    hits = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for qi in queries:
            truth[qi], kth[qi] = rdkit_top10(mfps[qi], mfps, ids)
        times["RDKit"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for qi in queries:
            DataStructs.BulkTanimotoSimilarity(mfps[qi], mfps)
        times["RDKit scan alone"].append(time.perf_counter() - t0)
        for name in ("flat", "hnsw"):
            got = {}
            t0 = time.perf_counter()
            for qi in queries:
                got[qi] = [r[0] for r in conn.execute(sql[name],
                                                      (mfps[qi],))]
            times[name].append(time.perf_counter() - t0)
            if name == "flat":
                exact_ok = exact_ok and all(got[qi] == truth[qi]
                                            for qi in queries)
            else:
                hits = 0
                for qi in queries:
                    q = mfps[qi]
                    hits += sum(1 for i in got[qi] if DataStructs.
                                TanimotoSimilarity(q, mfps[i - 1]) >= kth[qi])
    qps = {k: len(queries) / statistics.median(v) for k, v in times.items()}
    return qps, exact_ok, hits / (10.0 * len(queries))


def bench_substructure(conn, mols, queries, rounds):
    """Per-query-set timings in seconds (median round) and rates."""
    byid = {m[0]: m[2] for m in mols}
    qfps = [mr.pattern(q) for q in queries]
    truth = [[i for i, _, m in mols if m.HasSubstructMatch(q)]
             for q in queries]
    res = {"RDKit": [], "screen": [], "screen (ids)": [],
           "screen alone (flat)": [], "screen alone (seq)": []}
    ncand = 0
    ok = True
    for _ in range(rounds):
        t0 = time.perf_counter()
        for q in queries:
            [i for i, _, m in mols if m.HasSubstructMatch(q)]
        res["RDKit"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        ncand = 0
        for q, qfp, want in zip(queries, qfps, truth):
            rows = conn.execute("SELECT id, mol FROM chem_bench"
                                " WHERE pfp @> %s", (qfp,)).fetchall()
            ncand += len(rows)
            got = sorted(i for i, blob in rows
                         if Chem.Mol(blob).HasSubstructMatch(q))
            ok = ok and got == want
        res["screen"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        for q, qfp, want in zip(queries, qfps, truth):
            rows = conn.execute("SELECT id FROM chem_bench WHERE pfp @> %s",
                                (qfp,)).fetchall()
            got = sorted(i for (i,) in rows if byid[i].HasSubstructMatch(q))
            ok = ok and got == want
        res["screen (ids)"].append(time.perf_counter() - t0)

        for name, setting in (("screen alone (flat)", "on"),
                              ("screen alone (seq)", "off")):
            conn.execute("SET enable_indexscan = %s" % setting)
            conn.execute("SET enable_bitmapscan = %s" % setting)
            t0 = time.perf_counter()
            for qfp in qfps:
                conn.execute("SELECT count(*) FROM chem_bench"
                             " WHERE pfp @> %s", (qfp,)).fetchone()
            res[name].append(time.perf_counter() - t0)
        conn.execute("RESET enable_indexscan")
        conn.execute("RESET enable_bitmapscan")
    med = {k: statistics.median(v) for k, v in res.items()}
    ntrue = sum(len(t) for t in truth)
    n = len(queries) * len(mols)
    return med, ncand / n, ntrue / n, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=100)
    args = ap.parse_args()
    random.seed(21)

    t0 = time.time()
    mols, nfiles = molecules()
    mfps = [mr.morgan(m) for _, _, m in mols]
    pfps = [mr.pattern(m) for _, _, m in mols]
    print("# %d distinct molecules from %d files under /usr/share/RDKit,"
          " fingerprints in %.1f s" % (len(mols), nfiles, time.time() - t0))
    with psycopg.connect() as conn:
        mr.register(conn, nbits=2048)
        tb_flat, tb_hnsw = load(conn, mols, mfps, pfps)
        print("# index builds: flat %.1f s, hnsw %.1f s" % (tb_flat, tb_hnsw))
        queries = random.sample(range(len(mols)), args.queries)
        qps, exact, recall = bench_topk(conn, mols, mfps, queries,
                                        args.rounds)
        scaffolds = []
        for qi in random.sample(range(len(mols)), 400):
            s = MurckoScaffold.GetScaffoldForMol(mols[qi][2])
            if s.GetNumAtoms() >= 6 and Chem.MolToSmiles(s) not in scaffolds:
                scaffolds.append(Chem.MolToSmiles(s))
            if len(scaffolds) == 40:
                break
        sets = [("40 functional-group SMARTS (the test's)",
                 [Chem.MolFromSmarts(s) for s in PATTERNS]),
                ("40 Murcko scaffolds of random molecules",
                 [Chem.MolFromSmiles(s) for s in scaffolds])]
        subs = [(name, bench_substructure(conn, mols, qs, args.rounds))
                for name, qs in sets]
        conn.execute("DROP TABLE chem_bench")
        conn.commit()

    print()
    print("Tanimoto top-10, %d molecules, %d queries, median of %d rounds:"
          % (len(mols), len(queries), args.rounds))
    print()
    print("| system | QPS | vs RDKit | result |")
    print("|---|---:|---:|---|")
    print("| RDKit BulkTanimotoSimilarity + numpy top 10 (in process, 1 thread)"
          " | %.0f | 1.00 | exact |" % qps["RDKit"])
    print("| RDKit BulkTanimotoSimilarity alone (no top-10 selection) | %.0f |"
          " %.2f | - |" % (qps["RDKit scan alone"],
                           qps["RDKit scan alone"] / qps["RDKit"]))
    print("| milvus flat | %.0f | %.2f | %s |"
          % (qps["flat"], qps["flat"] / qps["RDKit"],
             "equal to RDKit" if exact else "DIFFERS from RDKit"))
    print("| milvus hnsw (defaults) | %.0f | %.2f | recall@10 %.3f |"
          % (qps["hnsw"], qps["hnsw"] / qps["RDKit"], recall))
    print()
    print("Substructure search, %d molecules, median of %d rounds (ms per"
          " query):" % (len(mols), args.rounds))
    print()
    print("| query set | RDKit, all molecules | screen + check (pickles) |"
          " screen + check (ids) | screen alone, flat | screen alone, seq scan |"
          " pass rate | true rate | equal |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, (med, prate, trate, ok) in subs:
        nq = 40.0
        r = med["RDKit"]
        print("| %s | %.1f | %.1f (%.1fx) | %.1f (%.1fx) | %.2f | %.2f |"
              " %.1f%% | %.1f%% | %s |"
              % (name, 1000 * r / nq,
                 1000 * med["screen"] / nq, r / med["screen"],
                 1000 * med["screen (ids)"] / nq, r / med["screen (ids)"],
                 1000 * med["screen alone (flat)"] / nq,
                 1000 * med["screen alone (seq)"] / nq,
                 100 * prate, 100 * trate, "yes" if ok else "NO"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
