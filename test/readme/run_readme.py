#!/usr/bin/python3
"""test/readme/run_readme.py: the README, run as written.

Extracts every ```sql block of README.md and runs them in order, as a new
user following the README would, in one psql session on a scratch database
(created afresh, dropped at the end).  A block passes when psql reports
exactly the errors the block shows and no others: an expected error is
written in the block as a comment line right after the statement,

    CREATE INDEX ... WITH (pq_m = 32);
    -- ERROR:  pq_m must divide the number of dimensions (3)

and matches when psql's message starts with the text after "ERROR:".

The info string of a fence may carry one word after "sql":

    ```sql db=NAME   run in scratch database NAME instead (the README's
                     "on each shard server" blocks), created with milvus
    ```sql shown     SQL that milvus itself runs, shown for reading (it
                     holds $1 placeholders or needs remote servers): parsed
                     for nothing, counted as shown

Output: one line per block, "ok N - README.md:LINE" or "not ok ...", with
the unexpected and missing errors, then "N passed, N failed" (shown blocks
are counted apart, on the line before).  Connects with the usual libpq
environment (PGHOST, PGPORT, PGUSER); psql is the one on PATH or in
$PG_BINDIR.  Exits 1 when a block failed.

Usage: run_readme.py [README] [--keep]
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r'^```sql(?:\s+(\S+))?\s*$')
EXPECTED = re.compile(r'^\s*--\s*ERROR:\s+(.*\S)\s*$')
# psql -f FILE reports "psql:FILE:LINE: ERROR:  message"
REPORTED = re.compile(r'^psql:[^:]*:(\d+): ERROR:\s+(.*)$')
SCRATCH = 'milvus_readme'


def blocks(path):
    """Yield (readme line of the fence, marker or None, [lines]) per block."""
    current = None
    with open(path, encoding='utf-8') as f:
        for no, line in enumerate(f, 1):
            line = line.rstrip('\n')
            if current is None:
                m = FENCE.match(line)
                if m:
                    current = (no, m.group(1), [])
            elif line.startswith('```'):
                yield current
                current = None
            else:
                current[2].append(line)
    if current is not None:
        raise SystemExit('%s:%d: unterminated ```sql block' % (path, current[0]))


def psql(*args, stdin=None):
    """Run psql with ON_ERROR_STOP off; return (stdout, stderr)."""
    exe = os.path.join(os.environ.get('PG_BINDIR', ''), 'psql') \
        if os.environ.get('PG_BINDIR') else 'psql'
    p = subprocess.run([exe, '-X', '-q', '-v', 'ON_ERROR_STOP=0'] + list(args),
                       input=stdin, capture_output=True, text=True)
    return p.stdout, p.stderr


def admin(sql):
    out, err = psql('-d', 'postgres', '-c', sql)
    if 'ERROR' in err:
        raise SystemExit('could not set up the scratch database: ' + err)


def run_session(db, todo):
    """Run the blocks of todo (list of (index, lines)) in one psql session
    on db; return {index: [(line within block, message)]}."""
    text = []
    owner = []          # file line -> (block index, line within block)
    for idx, lines in todo:
        for i, line in enumerate(lines):
            text.append(line)
            owner.append((idx, i))
        # a block that ends inside a statement must not swallow the next
        text.append(';')
        owner.append((idx, len(lines)))
    with tempfile.NamedTemporaryFile('w', suffix='.sql', delete=False) as f:
        f.write('\n'.join(text) + '\n')
        name = f.name
    try:
        _, err = psql('-d', db, '-f', name)
    finally:
        os.unlink(name)
    errors = {idx: [] for idx, _ in todo}
    for line in err.splitlines():
        m = REPORTED.match(line)
        if m:
            idx, i = owner[min(int(m.group(1)), len(owner)) - 1]
            errors[idx].append((i, m.group(2)))
    return errors


def judge(lines, got):
    """Compare the errors psql reported with those the block shows, in
    order; return a list of complaints (empty when they agree)."""
    want = [m.group(1) for m in map(EXPECTED.match, lines) if m]
    complaints = []
    for k in range(max(len(want), len(got))):
        if k >= len(want):
            complaints.append('unexpected error: ' + got[k][1])
        elif k >= len(got):
            complaints.append('the README shows an error that did not occur: '
                              + want[k])
        elif not got[k][1].startswith(want[k]):
            complaints.append('error %r where the README shows %r'
                              % (got[k][1], want[k]))
    return complaints


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    keep = '--keep' in sys.argv
    readme = args[0] if args else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', 'README.md')
    found = list(blocks(readme))

    # scratch databases: the README's own, and one per db= marker
    dbs = {SCRATCH: []}
    shown = 0
    for idx, (no, marker, lines) in enumerate(found):
        if marker == 'shown':
            shown += 1
        elif marker is None:
            dbs[SCRATCH].append((idx, lines))
        elif marker.startswith('db='):
            dbs.setdefault(SCRATCH + '_' + marker[3:], []).append((idx, lines))
        else:
            raise SystemExit('%s:%d: unknown marker %r after ```sql'
                             % (readme, no, marker))

    admin('SET client_min_messages = warning')
    errors = {}
    for db, todo in dbs.items():
        admin('DROP DATABASE IF EXISTS %s' % db)
        admin('CREATE DATABASE %s' % db)
        errors.update(run_session(db, todo))
        if not keep:
            admin('DROP DATABASE %s' % db)

    name = os.path.basename(readme)
    passed = failed = 0
    for idx, (no, marker, lines) in enumerate(found):
        if marker == 'shown':
            continue
        complaints = judge(lines, errors[idx])
        n = passed + failed + 1
        if complaints:
            failed += 1
            print('not ok %d - %s:%d' % (n, name, no))
            for c in complaints:
                print('#   ' + c)
        else:
            passed += 1
            print('ok %d - %s:%d' % (n, name, no))
    print('# %d blocks shown for reading, not run' % shown)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
