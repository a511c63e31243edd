#!/usr/bin/python3
"""Mutation fuzzer for the milvus_search DSL compiler, through SQL.

Starts from valid documents, mutates them at random (drops, renames and
retypes keys, replaces values with odd atoms, shortens and repeats arrays)
and runs each through milvus_search_sql (compile only) and milvus_search
(compile, convert, run) against a small table with every kind of column.
It fails on an internal error (SQLSTATE class XX), a lost connection, or a
compile error (syntax_error, invalid_parameter_value, undefined_column)
whose message does not name a path (" at ").

Usage: /usr/bin/python3 test/fuzz/dsl_mutate.py [iterations] [seed], with
PGHOST/PGPORT/PGUSER/PGDATABASE naming a database where the extension is
installed (it creates and drops the table dsl_fuzz).  Without a seed it
draws one and prints it, so that a failure can be replayed.  It ends with
"1 passed, 0 failed" or "0 passed, 1 failed" (make test runs it bounded).
"""
import json
import random
import sys

import psycopg

BASES = [
    {"bool": {"must": [
        {"term": {"A": [1, 2, 5]}},
        {"range": {"B": {"GT": 1, "LT": 100}}},
        {"bool": {"should": [{"term": {"t": ["x"]}}],
                  "must_not": [{"range": {"id": {"EQ": 3}}}]}},
        {"vector": {"e": {"topk": 10, "query": [[1, 2, 3], [3, 4, 5]],
                          "metric_type": "L2", "params": {"nprobe": 10, "ef": 64}}}}]}},
    {"bool": {"must": [{"must": [{"term": {"A": {"values": [1]}}},
                                 {"vector": {"b": {"topk": 2, "query": [[1, 0, 1, 0], "1111"],
                                                   "metric_type": "TANIMOTO"}}}]}]}},
    {"bool": {"must": [{"vector": {"s": {"topk": 3, "query": ["{1:1}/5", [0, 1, 0, 0, 2]],
                                         "metric_type": "IP"}}}],
              "should": [{"range": {"t": {"NE": "y"}}}]}},
]
ATOMS = [None, True, False, 0, -1, 1.5, 1e300, -1e-300, "", "x", "e", "b", "h", "s",
         "A", "must", "should", "must_not", "bool", "vector", "term", "range", "GT",
         "HAMMING", "COSINE", "topk", "query", [], {}, [[1, 0, 1, 0]], [1, 2, 3],
         "[1,2,3]", 2 ** 40, "{1:1}/5", "\"; DROP TABLE dsl_fuzz; --", "é\u00ff"]
KEYS = [a for a in ATOMS if isinstance(a, str)]


def mutate(d, rnd):
    if isinstance(d, dict):
        d = dict(d)
        r = rnd.random()
        if d and r < 0.15:
            del d[rnd.choice(list(d))]
        elif r < 0.25:
            d[rnd.choice(KEYS)] = rnd.choice(ATOMS)
        elif d and r < 0.35:
            d[rnd.choice(KEYS)] = d.pop(rnd.choice(list(d)))
        return {k: (mutate(v, rnd) if rnd.random() < 0.5 else v) for k, v in d.items()}
    if isinstance(d, list):
        d = list(d)
        r = rnd.random()
        if d and r < 0.15:
            d.pop(rnd.randrange(len(d)))
        elif r < 0.25:
            d.append(rnd.choice(ATOMS))
        elif d and r < 0.3:
            d = d * rnd.randint(2, 5)
        return [mutate(x, rnd) if rnd.random() < 0.5 else x for x in d]
    return rnd.choice(ATOMS) if rnd.random() < 0.2 else d


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else random.SystemRandom().randrange(2 ** 31)
    print(f"dsl_mutate: {n} documents, seed {seed}")
    rnd = random.Random(seed)
    conn = psycopg.connect(autocommit=True)
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS dsl_fuzz")
    cur.execute('CREATE TABLE dsl_fuzz (id integer PRIMARY KEY, "A" integer, "B" real, '
                't text, e vector(3), b bit(4), h halfvec(2), s sparsevec(5))')
    cur.execute("INSERT INTO dsl_fuzz VALUES (1, 1, 1, 'x', '[1,2,3]', '1010', '[1,2]', "
                "'{1:1}/5'), (2, 2, 2.5, 'y', '[0,0,1]', '0110', '[0,1]', '{5:2}/5')")
    counts = {}
    for i in range(n):
        doc = json.dumps(mutate(rnd.choice(BASES), rnd))
        for fn in ("milvus_search_sql", "milvus_search"):
            try:
                cur.execute(f"SELECT * FROM {fn}('dsl_fuzz', %s::jsonb)", (doc,))
                cur.fetchall()
                code = "ok"
            except psycopg.errors.Error as e:
                code = e.sqlstate or "none"
                msg = e.diag.message_primary or ""
                if code is None or code.startswith("XX") or conn.broken:
                    fail(f"internal error {code} on {doc}: {e}")
                if code in ("42601", "22023", "42703") and " at " not in msg:
                    fail(f"error without a path on {doc}: {msg}")
            counts[code] = counts.get(code, 0) + 1
    cur.execute("DROP TABLE dsl_fuzz")
    print(f"ok - {n} documents, outcomes by SQLSTATE: {dict(sorted(counts.items()))}")
    print("1 passed, 0 failed")


def fail(message):
    print(f"not ok - {message}")
    print("0 passed, 1 failed")
    sys.exit(1)


if __name__ == "__main__":
    main()
