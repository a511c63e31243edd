#!/usr/bin/python3
"""hnsw benchmark: the hnsw index access method vs in-process hnswlib.

Run through test/bench/hnsw_bench.sh, which starts a throwaway cluster and
sets PGHOST/PGPORT/PGUSER/PGDATABASE.  On Fashion-MNIST (60,000 x 784 uint8
images read as float32, L2; ann-benchmarks files in
$MILVUS_DATA_DIR/fashion-mnist-784-euclidean/), in one run, side by side:

  - build: CREATE INDEX ... USING hnsw (v vector_l2_ops)
    WITH (m = 16, ef_construction = 64) with milvus.hnsw_build_threads = T,
    timed from the client, its phases sampled from
    pg_stat_progress_create_index; and in-process hnswlib (Debian's
    python3-hnswlib): Index(space='l2', dim=784), init_index(n, M=16,
    ef_construction=64), add_items(data, ids, num_threads=T), timed.  For
    each T in HNSW_BUILD_THREADS, hnswlib, the native hnswlib (below) and
    PostgreSQL take turns, in HNSW_BUILD_REPS rounds (medians); the indexes
    built with the first T in the last round are the ones queried.
  - size: pg_relation_size of the index vs the size of hnswlib's
    save_index file (its in-memory layout: level-0 block + upper links).
  - queries: k = 10, for each ef in HNSW_EF: PostgreSQL through psycopg, the
    prepared statement SELECT id FROM items ORDER BY v <-> $1 LIMIT 10 with
    a binary vector parameter and hnsw.ef_search = ef; hnswlib with
    set_ef(ef) and knn_query(q, k=10, num_threads=1), one query per call.
    One client = one worker process; two clients = two worker processes,
    each with its own connection (or its copy of the hnswlib index, shared
    copy-on-write), splitting the queries; QPS = queries / wall time from
    the first worker's start to the last one's end.  The workers are forked
    once, before the timed runs.  After a warm-up the configurations take
    turns in HNSW_ROUNDS rounds, each on its share of the timed queries (the
    same queries for every configuration); many short rounds (20 of 100
    queries by default), so that a burst of other load on the machine lands
    on all configurations alike; the order of the configurations rotates
    from round to round.  QPS is the median over the rounds of each round's
    QPS.
  - a native reference (HNSW_NATIVE=1, the default, when g++ and
    libhnswlib-dev are there): hnswlib's header compiled here with
    -O3 -march=native (Debian's python3-hnswlib is built for baseline
    x86-64, SSE only), timed building with the same threads, and searching
    the graph the Python module built (loaded from its saved file) from one
    or two server processes, as a third system in the same rounds.
  - the client floor: the prepared SELECT $1 IS NOT NULL with the same
    binary vector parameter, in the same rounds; and, per ef, the work per
    query: our buffer accesses and execution time from EXPLAIN (ANALYZE,
    BUFFERS), hnswlib's distance computations (counted by the native build).
  - recall@10 against the data set's ground truth, tie-aware: an id is a
    hit when its exact distance (float64) is at most the true 10th one.
  - QPS at recall@10 = HNSW_TARGET_RECALL (0.95), interpolated linearly in
    recall and log(QPS) between the two sweep points around it.

Env: HNSW_QUERIES (2000) timed queries, HNSW_WARMUP (100), HNSW_ROUNDS (20),
HNSW_EF (10,15,20,30,40,80,120,200,400,800,1000), HNSW_BUILD_THREADS (2,1),
HNSW_BUILD_REPS (3: build rounds; medians),
HNSW_M (16), HNSW_EFC (64), HNSW_TARGET_RECALL (0.95), HNSW_PERF (1: perf
record a PostgreSQL backend, an hnswlib worker and a native server, each at
the first ef whose recall reaches the target, for 8 s each; needs perf, and
root), HNSW_NATIVE (1; 0: no native reference), HNSW_PLOT (PNG path;
empty: no plot), HNSW_OUT (also write the report there), HNSW_JSON (also
write the raw figures there), HNSW_SEQSCAN (off: enable_seqscan in the timed
sessions; the report shows the plan at the default settings too),
HNSW_STORAGE (plain: the vector column's storage; external is the type's
default, default leaves it), MILVUS_DATA_DIR.
"""
import json
import math
import multiprocessing as mp
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from benchdata import (copy_binary, read_bvecs, read_xvecs,
                       register_vector_dumper)

NQ = int(os.environ.get('HNSW_QUERIES', '2000'))
WARMUP = int(os.environ.get('HNSW_WARMUP', '100'))
ROUNDS = int(os.environ.get('HNSW_ROUNDS', '20'))
EFS = [int(x) for x in os.environ.get('HNSW_EF',
                                     '10,15,20,30,40,80,120,200,400,800,1000').split(',')]
BUILD_THREADS = [int(x) for x in os.environ.get('HNSW_BUILD_THREADS', '2,1').split(',')]
BUILD_REPS = int(os.environ.get('HNSW_BUILD_REPS', '3'))
M = int(os.environ.get('HNSW_M', '16'))
EFC = int(os.environ.get('HNSW_EFC', '64'))
TARGET = float(os.environ.get('HNSW_TARGET_RECALL', '0.95'))
PERF = os.environ.get('HNSW_PERF', '0') == '1'
PLOT = os.environ.get('HNSW_PLOT', '')
# the planner prefers a sequential scan here at the default costs (see the
# report's plans), so the timed sessions turn it off; HNSW_SEQSCAN=on to not
PG_SEQSCAN = os.environ.get('HNSW_SEQSCAN', 'off')
# the vector column's storage: plain keeps the 3 kB vectors in the heap
# page, so that the projection's second evaluation of v <-> $1 for each
# returned row does not detoast it through the TOAST index; external is
# the type's default (see BENCHMARKS.md)
PG_STORAGE = os.environ.get('HNSW_STORAGE', 'plain')
DATA_DIR = os.environ.get('MILVUS_DATA_DIR',
                          os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                       '..', '..', '..', 'shared', 'data'))
DATASET = 'fashion-mnist-784-euclidean'
PREFIX = 'fashion-mnist-784_'
K = 10
DEFAULT_EF = 40
CLIENTS = (1, 2)
SYSTEMS = ('pg', 'hl')
LABEL = {'pg': 'milvus hnsw (PostgreSQL)', 'hl': 'hnswlib in-process (Python, Debian)',
         'hn': 'hnswlib native (C++, -march=native)'}


def log(*a):
    print('==>', *a, file=sys.stderr, flush=True)






def cpu_model():
    with open('/proc/cpuinfo') as fh:
        for line in fh:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return '?'




# ---------------------------------------------------------------- workers
#
# Globals a forked worker inherits: the query vectors and the hnswlib index.
G = {}

KNN_SQL = 'SELECT id FROM items ORDER BY v <-> %s LIMIT ' + str(K)


def pg_connect():
    import psycopg
    c = psycopg.connect(autocommit=True)
    c.execute('SET jit = off')
    register_vector_dumper(c)
    c.execute('SET enable_seqscan = %s' % PG_SEQSCAN)
    return c


def worker_main(conn_pipe, barriers):
    """Serve ('run', system, ef, idx, clients) / ('loop', system, ef, seconds) / ('stop',)."""
    queries = G['queries']
    hl = G['hl']
    pg = pg_connect()
    cur = pg.cursor()
    conn_pipe.send(('ready', os.getpid(), pg.execute('SELECT pg_backend_pid()').fetchone()[0]))
    cur_ef = {'pg': None, 'hl': None}

    def set_ef(system, ef):
        if system == 'pf' or cur_ef[system] == ef:
            return
        if system == 'pg':
            pg.execute('SET hnsw.ef_search = %d' % ef)
        else:
            hl.set_ef(ef)
        cur_ef[system] = ef

    def pg_one(q):
        cur.execute(KNN_SQL, (q,), prepare=True, binary=True)
        return [r[0] for r in cur.fetchall()]

    def hl_one(q):
        return hl.knn_query(q, k=K, num_threads=1)[0][0]

    def floor_one(q):
        cur.execute('SELECT %s IS NOT NULL', (q,), prepare=True, binary=True)
        return [r[0] for r in cur.fetchall()]

    fns = {'pg': pg_one, 'hl': hl_one, 'pf': floor_one}
    while True:
        msg = conn_pipe.recv()
        if msg[0] == 'stop':
            break
        if msg[0] == 'run':
            _, system, ef, idx, clients = msg
            set_ef(system, ef)
            fn = fns[system]
            qs = [queries[i] for i in idx]
            out = [None] * len(qs)
            barriers[clients].wait()
            t0 = time.perf_counter()
            for j, q in enumerate(qs):
                out[j] = fn(q)
            t1 = time.perf_counter()
            conn_pipe.send((t0, t1, [np.asarray(o, np.int64) for o in out]))
        elif msg[0] == 'loop':
            _, system, ef, seconds = msg
            set_ef(system, ef)
            fn = fns[system]
            t0, i = time.perf_counter(), 0
            while time.perf_counter() - t0 < seconds:
                fn(queries[i % len(queries)])
                i += 1
            conn_pipe.send(i)
    pg.close()


class Workers:
    def __init__(self, n):
        ctx = mp.get_context('fork')
        self.barriers = {c: ctx.Barrier(c) for c in range(1, n + 1)}
        self.procs, self.pipes, self.pids, self.backends = [], [], [], []
        # each worker gets a barrier for every group size: clients start together
        for w in range(n):
            a, b = ctx.Pipe()
            p = ctx.Process(target=worker_main, args=(b, self.barriers), daemon=True)
            p.start()
            self.procs.append(p)
            self.pipes.append(a)
        for a in self.pipes:
            tag, pid, bpid = a.recv()
            assert tag == 'ready'
            self.pids.append(pid)
            self.backends.append(bpid)

    def run(self, system, ef, idx, clients):
        """Split idx over `clients` workers; return (seconds, ids in idx order)."""
        parts = np.array_split(np.asarray(idx), clients)
        for w in range(clients):
            self.pipes[w].send(('run', system, ef, parts[w].tolist(), clients))
        res = [self.pipes[w].recv() for w in range(clients)]
        span = max(r[1] for r in res) - min(r[0] for r in res)
        ids = [i for r in res for i in r[2]]
        return span, ids

    def loop(self, w, system, ef, seconds):
        self.pipes[w].send(('loop', system, ef, seconds))

    def loop_wait(self, w):
        return self.pipes[w].recv()

    def stop(self):
        for a in self.pipes:
            a.send(('stop',))
        for p in self.procs:
            p.join(10)


# ---------------------------------------------------------------- native hnswlib
#
# A reference beside the Python module: hnswlib's own header (Debian's
# libhnswlib-dev, the same 0.6.2 as python3-hnswlib and the shim) compiled
# here with g++ -O3 -march=native, so that its L2 kernel uses the widest SIMD
# the CPU has (Debian's python3-hnswlib is built for baseline x86-64: SSE).
# "build" times a build as add_items does; "serve" loads the index the
# Python module saved (the same graph) and answers queries from stdin.
NATIVE_SRC = r"""
#include <hnswlib/hnswlib.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

static std::vector<float> ReadBvecs(const char *path, int *dim, size_t *n) {
    std::ifstream f(path, std::ios::binary);
    int32_t d;
    f.read((char *) &d, 4);
    f.seekg(0, std::ios::end);
    size_t rows = (size_t) f.tellg() / (4 + d);
    f.seekg(0);
    std::vector<float> out(rows * d);
    std::vector<unsigned char> rec(4 + d);
    for (size_t i = 0; i < rows; i++) {
        f.read((char *) rec.data(), 4 + d);
        for (int j = 0; j < d; j++) out[i * d + j] = rec[4 + j];
    }
    *dim = d;
    *n = rows;
    return out;
}

static double Now() {
    return std::chrono::duration<double>(
        std::chrono::steady_clock::now().time_since_epoch()).count();
}

static hnswlib::DISTFUNC<float> g_dist;
static long g_count;
static float Counting(const void *a, const void *b, const void *p) {
    g_count++;
    return g_dist(a, b, p);
}

int main(int argc, char **argv) {
    if (argc >= 6 && !strcmp(argv[1], "build")) {
        int dim; size_t n;
        std::vector<float> data = ReadBvecs(argv[2], &dim, &n);
        int threads = atoi(argv[3]);
        hnswlib::L2Space space(dim);
        double t0 = Now();
        hnswlib::HierarchicalNSW<float> index(&space, n, atoi(argv[4]), atoi(argv[5]), 100);
        // as python3-hnswlib's add_items: the first point alone, then the rest
        index.addPoint(data.data(), 0);
        std::atomic<size_t> next(1);
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; t++)
            ts.emplace_back([&] {
                for (size_t i; (i = next++) < n;)
                    index.addPoint(data.data() + i * dim, i);
            });
        for (auto &t : ts) t.join();
        printf("%.6f\n", Now() - t0);
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "serve")) {
        int dim; size_t nq;
        std::vector<float> queries = ReadBvecs(argv[3], &dim, &nq);
        hnswlib::L2Space space(dim);
        hnswlib::HierarchicalNSW<float> index(&space, argv[2]);
        g_dist = index.fstdistfunc_;
        int k = 10;
        printf("ready %d\n", (int) getpid());
        fflush(stdout);
        std::string line;
        while (std::getline(std::cin, line)) {
            std::istringstream in(line);
            std::string cmd;
            in >> cmd;
            if (cmd == "ef") {
                size_t ef; in >> ef; index.setEf(ef);
                printf("ok\n");
            } else if (cmd == "run" || cmd == "count") {
                std::vector<size_t> idx;
                size_t i;
                while (in >> i) idx.push_back(i);
                std::vector<hnswlib::labeltype> ids(idx.size() * k, (hnswlib::labeltype) -1);
                if (cmd == "count") { index.fstdistfunc_ = Counting; g_count = 0; }
                double t0 = Now();
                for (size_t j = 0; j < idx.size(); j++) {
                    auto r = index.searchKnn(queries.data() + idx[j] * dim, k);
                    for (size_t m = r.size(); m-- > 0; r.pop())
                        ids[j * k + m] = r.top().second;
                }
                double t1 = Now();
                index.fstdistfunc_ = g_dist;
                std::ostringstream o;
                o.precision(17);
                o << t0 << " " << t1 << " " << g_count;
                for (auto id : ids) o << " " << (long) id;
                printf("%s\n", o.str().c_str());
            } else if (cmd == "loop") {
                double secs; in >> secs;
                double t0 = Now(); long c = 0;
                while (Now() - t0 < secs) {
                    index.searchKnn(queries.data() + (c % nq) * dim, k);
                    c++;
                }
                printf("%ld\n", c);
            } else if (cmd == "quit") {
                break;
            }
            fflush(stdout);
        }
        return 0;
    }
    fprintf(stderr, "usage: build BASE.bvecs THREADS M EFC | serve INDEX QUERIES.bvecs\n");
    return 2;
}
"""


def native_compile(workdir):
    """Compile the native reference; return its path, or None (with why)."""
    if os.environ.get('HNSW_NATIVE', '1') == '0':
        return None, 'HNSW_NATIVE=0'
    cxx = shutil.which('g++') or shutil.which('c++')
    if not cxx or not os.path.exists('/usr/include/hnswlib/hnswlib.h'):
        return None, 'no g++ or no /usr/include/hnswlib (libhnswlib-dev)'
    src = os.path.join(workdir, 'hnsw_native.cpp')
    exe = os.path.join(workdir, 'hnsw_native')
    with open(src, 'w') as fh:
        fh.write(NATIVE_SRC)
    cmd = [cxx, '-O3', '-march=native', '-std=c++17', '-o', exe, src, '-lpthread']
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, 'compile failed: ' + r.stderr[-500:]
    return exe, ' '.join(cmd[:4])


def native_build(exe, base_path, threads):
    r = subprocess.run([exe, 'build', base_path, str(threads), str(M), str(EFC)],
                       capture_output=True, text=True, check=True)
    return float(r.stdout.split()[0])


class NativeServer:
    def __init__(self, exe, index_path, query_path):
        self.p = subprocess.Popen([exe, 'serve', index_path, query_path], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        tag, pid = self.p.stdout.readline().split()
        assert tag == 'ready'
        self.pid = int(pid)
        self.ef = None

    def send(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()

    def set_ef(self, ef):
        if ef != self.ef:
            self.send(f'ef {ef}')
            assert self.p.stdout.readline().strip() == 'ok'
            self.ef = ef

    def start(self, cmd, idx):
        self.send(cmd + ' ' + ' '.join(str(int(i)) for i in idx))

    def result(self):
        f = self.p.stdout.readline().split()
        t0, t1, count = float(f[0]), float(f[1]), int(f[2])
        ids = np.array(f[3:], np.int64).reshape(-1, K)
        return t0, t1, count, list(ids)

    def stop(self):
        self.send('quit')
        self.p.wait(10)


class Natives:
    """One native server per client; the same interface as Workers.run."""

    def __init__(self, exe, index_path, query_path, n):
        self.servers = [NativeServer(exe, index_path, query_path) for _ in range(n)]
        self.pids = [s.pid for s in self.servers]

    def run(self, ef, idx, clients, cmd='run'):
        parts = np.array_split(np.asarray(idx), clients)
        for w in range(clients):
            self.servers[w].set_ef(ef)
        for w in range(clients):
            self.servers[w].start(cmd, parts[w])
        res = [self.servers[w].result() for w in range(clients)]
        span = max(r[1] for r in res) - min(r[0] for r in res)
        return span, [i for r in res for i in r[3]], sum(r[2] for r in res)

    def loop(self, ef, seconds):
        self.servers[0].set_ef(ef)
        self.servers[0].send(f'loop {seconds}')
        return int(self.servers[0].p.stdout.readline())

    def stop(self):
        for s in self.servers:
            s.stop()


# ---------------------------------------------------------------- measurements

def recall_of(ids_list, qidx, base64, queries64, d10):
    hits = 0
    for ids, qi in zip(ids_list, qidx):
        ids = np.asarray(ids, np.int64)[:K]
        d = ((base64[ids] - queries64[qi]) ** 2).sum(1)
        hits += int((d <= d10[qi]).sum())
    return hits / (K * len(qidx))


def interp_at(points, target):
    """points: [(recall, qps)] in ef order; QPS at `target` recall, or a
    (qps, note) when the curve does not bracket it."""
    for (r0, q0), (r1, q1) in zip(points, points[1:]):
        if r0 < target <= r1:
            f = (target - r0) / (r1 - r0)
            return math.exp(math.log(q0) + f * (math.log(q1) - math.log(q0))), ''
    if points and points[0][0] >= target:
        return points[0][1], '>= (lowest ef already above the target)'
    return None, 'not reached'


class ProgressSampler(threading.Thread):
    """Polls pg_stat_progress_create_index from its own connection and
    records when each phase was first seen."""

    def __init__(self, interval=0.05):
        super().__init__(daemon=True)
        import psycopg
        self.conn = psycopg.connect(autocommit=True)
        self.interval = interval
        self.stop_ev = threading.Event()
        self.first = {}

    def run(self):
        while not self.stop_ev.is_set():
            r = self.conn.execute(
                'SELECT phase FROM pg_stat_progress_create_index').fetchone()
            if r and r[0] not in self.first:
                self.first[r[0]] = time.perf_counter()
            time.sleep(self.interval)

    def finish(self):
        self.stop_ev.set()
        self.join()
        self.conn.close()
        return self.first


def pg_build(cur, threads):
    cur.execute('DROP INDEX IF EXISTS items_v_idx')
    cur.execute('SET milvus.hnsw_build_threads = %d' % threads)
    sampler = ProgressSampler()
    sampler.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    cur.execute('CREATE INDEX items_v_idx ON items USING hnsw (v vector_l2_ops) '
                'WITH (m = %d, ef_construction = %d)' % (M, EFC))
    t1 = time.perf_counter()
    first = sampler.finish()
    # phase durations from the first sighting of each phase to the next one
    marks = sorted(first.items(), key=lambda kv: kv[1])
    phases = []
    for i, (name, t) in enumerate(marks):
        end = marks[i + 1][1] if i + 1 < len(marks) else t1
        phases.append((name.replace('building index: ', ''), end - t))
    return t1 - t0, phases


def hl_build(data, threads, space='l2'):
    import hnswlib
    index = hnswlib.Index(space=space, dim=data.shape[1])
    t0 = time.perf_counter()
    index.init_index(max_elements=len(data), M=M, ef_construction=EFC, random_seed=100)
    index.add_items(data, np.arange(len(data)), num_threads=threads)
    return time.perf_counter() - t0, index


def perf_profile(pid, start_load, seconds=8, limit='0.7'):
    if not shutil.which('perf'):
        return 'perf not found'
    data = os.path.join(tempfile.mkdtemp(prefix='hnsw-perf-'), 'perf.data')
    rec = subprocess.Popen(['perf', 'record', '-q', '-o', data, '-p', str(pid), '--',
                            'sleep', str(seconds)], stderr=subprocess.DEVNULL)
    n = start_load(seconds + 1)
    rec.wait()
    rep = subprocess.run(['perf', 'report', '-i', data, '--stdio', '--no-children',
                          '--sort', 'dso,symbol', '--percent-limit', limit],
                         capture_output=True, text=True).stdout
    lines = [ln for ln in rep.splitlines() if ln.strip() and not ln.startswith('#')]
    shutil.rmtree(os.path.dirname(data), ignore_errors=True)
    return f'{n} queries in {seconds + 1} s (perf sampled {seconds} s)\n' + '\n'.join(lines)


def plot(curves, path, target, title):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        log('matplotlib is not installed: no plot (apt-get install python3-matplotlib)')
        return False
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=100)
    style = {('pg', 1): ('tab:blue', '-', 'o'), ('pg', 2): ('tab:blue', '--', 's'),
             ('hl', 1): ('tab:orange', '-', 'o'), ('hl', 2): ('tab:orange', '--', 's'),
             ('hn', 1): ('tab:green', ':', '.'), ('hn', 2): ('tab:green', '-.', '.')}
    # recall on a logit axis, which spreads 0.9 .. 0.9999; a recall of 1
    # (no miss at all) is drawn at 1 - half a miss
    top = 1 - 0.5 / (K * NQ)
    for (system, clients), pts in curves.items():
        c, ls, mk = style[(system, clients)]
        xs = [min(p[1], top) for p in pts]
        ax.plot(xs, [p[2] for p in pts], color=c, linestyle=ls, marker=mk,
                markersize=4, label=f'{LABEL[system]}, {clients} client{"s" if clients > 1 else ""}')
        for (ef, r, q), x in zip(pts, xs):
            if ef in (EFS[0], DEFAULT_EF, EFS[-1]) and clients == 1 and system != 'hn':
                ax.annotate(f'ef {ef}', (x, q), textcoords='offset points', xytext=(4, 4),
                            fontsize=7, color=c)
    ax.set_xscale('logit')
    ticks = [t for t in (0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999)
             if min(min(p[1] for p in v) for v in curves.values()) - 0.02 <= t]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f'{t:g}' for t in ticks], fontsize=8)
    ax.minorticks_off()
    ax.axvline(target, color='grey', linewidth=0.8, linestyle=':')
    ax.set_yscale('log')
    ax.set_xlabel('recall@10 (logit scale)')
    ax.set_ylabel('queries per second (log scale)')
    ax.set_title(title, fontsize=9)
    ax.grid(True, which='major', linewidth=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True


def main():
    d = os.path.join(DATA_DIR, DATASET, PREFIX)
    base_u8 = read_bvecs(d + 'base.bvecs')
    query_u8 = read_bvecs(d + 'query.bvecs')
    gt = read_xvecs(d + 'groundtruth.ivecs', '<i4')
    gt_dist = read_xvecs(d + 'groundtruth_dist.fvecs', '<f4')
    base = base_u8.astype(np.float32)
    queries = query_u8.astype(np.float32)
    n, dim = base.shape
    assert NQ + WARMUP <= len(queries)
    # exact squared distance to the true 10th neighbour, float64 (exact for uint8 data)
    base64 = base_u8.astype(np.float64)
    q64 = query_u8.astype(np.float64)
    d10 = ((base64[gt[:, K - 1]] - q64) ** 2).sum(1)
    assert np.allclose(np.sqrt(d10[:NQ]), gt_dist[:NQ, K - 1], rtol=1e-5), \
        'ground truth distances do not match the ground truth ids'
    q_timed = np.arange(NQ)
    q_warm = np.arange(len(queries) - WARMUP, len(queries))
    log(f'{n} x {dim} base, {NQ} timed queries (+{WARMUP} warm-up), k = {K}')

    workdir = tempfile.mkdtemp(prefix='hnsw-bench-')
    try:
        run(locals())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(v):
    import hnswlib
    import psycopg
    d, base, queries, n, dim = v['d'], v['base'], v['queries'], v['n'], v['dim']
    base64, q64, d10 = v['base64'], v['q64'], v['d10']
    q_timed, q_warm, workdir = v['q_timed'], v['q_warm'], v['workdir']

    native, native_how = native_compile(workdir)
    if native:
        log(f'native hnswlib reference compiled ({native_how})')
    else:
        log(f'no native hnswlib reference: {native_how}')
    systems = SYSTEMS + (('hn',) if native else ())

    conn = psycopg.connect(autocommit=True)
    notices = []
    conn.add_notice_handler(lambda diag: notices.append(diag.message_primary)
                            if 'hnsw' in (diag.message_primary or '') else None)
    cur = conn.cursor()
    pg_version = conn.execute('SHOW server_version').fetchone()[0]
    settings = {s: conn.execute('SHOW ' + s).fetchone()[0] for s in
                ('shared_buffers', 'maintenance_work_mem', 'max_parallel_maintenance_workers')}
    cur.execute('CREATE EXTENSION IF NOT EXISTS milvus')
    cur.execute('CREATE EXTENSION IF NOT EXISTS pg_prewarm')
    cur.execute('DROP TABLE IF EXISTS items')
    cur.execute('CREATE TABLE items (id int, v vector(%d))' % dim)
    if PG_STORAGE != 'default':
        cur.execute('ALTER TABLE items ALTER COLUMN v SET STORAGE %s' % PG_STORAGE)
    log('COPY (binary)')
    t0 = time.perf_counter()
    copy_binary(cur, base, 'v', chunk_rows=5000)
    t_copy = time.perf_counter() - t0
    for _ in range(5):
        cur.execute('VACUUM ANALYZE items')
        pages, allvis = cur.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'items'").fetchone()
        if allvis == pages:
            break
        time.sleep(1)
    heap_size = cur.execute("SELECT pg_table_size('items')").fetchone()[0]
    log(f'COPY took {t_copy:.1f} s; table with TOAST {heap_size / 1e6:.1f} MB')

    # ---- builds: HNSW_BUILD_REPS rounds; in each, for each thread count,
    # hnswlib, native hnswlib, PostgreSQL take turns; the first thread count
    # goes last, so that its indexes (of the last round) are the ones queried
    builds = {t: {'threads': t, 'hl': [], 'hn': [], 'pg': [], 'phases': [], 'notices': []}
              for t in BUILD_THREADS}
    hl_index = None
    keep_threads = BUILD_THREADS[0]
    order = sorted(set(BUILD_THREADS), key=lambda t: t == keep_threads)
    load_b0 = os.getloadavg()
    for rep in range(BUILD_REPS):
        for threads in order:
            b = builds[threads]
            tag = f'(round {rep + 1}/{BUILD_REPS}, {threads} thread(s))'
            hl_index = None
            t_hl, idx = hl_build(base, threads)
            b['hl'].append(t_hl)
            log(f'hnswlib build {tag}: {t_hl:.1f} s')
            if native:
                b['hn'].append(native_build(native, d + 'base.bvecs', threads))
                log(f"native hnswlib build {tag}: {b['hn'][-1]:.1f} s")
            notices.clear()
            t_pg, phases = pg_build(cur, threads)
            b['pg'].append(t_pg)
            b['phases'].append(phases)
            b['notices'] += notices
            log(f'CREATE INDEX {tag}: {t_pg:.1f} s (' +
                ', '.join(f'{p} {s:.1f} s' for p, s in phases) + ')')
            hl_index = idx
            del idx
    load_b1 = os.getloadavg()
    for b in builds.values():
        # the median round's phases: those of the median CREATE INDEX
        mid = int(np.argsort(b['pg'])[len(b['pg']) // 2])
        b['phases_med'] = b['phases'][mid]
    builds = [builds[t] for t in sorted(builds, reverse=True)]
    if any(b['notices'] for b in builds):
        log('WARNING: the build said: ' + '; '.join(m for b in builds for m in b['notices']))

    idx_size = cur.execute("SELECT pg_relation_size('items_v_idx')").fetchone()[0]
    idx_pages = idx_size // 8192
    cur.execute("SELECT pg_prewarm('items_v_idx')")
    cur.execute("SELECT pg_prewarm('items')")
    index_path = os.path.join(workdir, 'index.bin')
    hl_index.save_index(index_path)
    hl_size = os.path.getsize(index_path)
    # hnswlib's in-memory layout (0.6): per element, the level-0 block
    # (2M links + count, the vector, the label); upper levels: M links + count
    hl_level0 = n * ((2 * M + 1) * 4 + dim * 4 + 8)

    # ---- plan check: with the default planner settings, and as measured
    cpg = pg_connect()

    def explain(q, fmt='TEXT'):
        rows = cpg.execute(f'EXPLAIN (ANALYZE, BUFFERS, COSTS ON, TIMING OFF, FORMAT {fmt}) '
                           + KNN_SQL, (q,), binary=True).fetchall()
        if fmt == 'JSON':
            return rows[0][0][0]
        return re.sub(r"'\[[^']*\]'::vector", "'[...]'::vector",
                      '\n'.join(r[0] for r in rows))
    cpg.execute('RESET enable_seqscan')
    plan_default = explain(queries[q_warm[0]])
    cpg.execute('SET enable_seqscan = %s' % PG_SEQSCAN)
    plan = explain(queries[q_warm[0]])
    log('plan:\n' + plan)
    if 'items_v_idx' not in plan:
        log('ERROR: the query does not use the hnsw index')
        sys.exit(1)

    # ---- clients: forked now, they inherit the queries and the hnswlib index
    G['queries'] = queries
    G['hl'] = hl_index
    workers = Workers(max(CLIENTS))
    natives = Natives(native, index_path, d + 'query.bvecs', max(CLIENTS)) if native else None
    log(f'workers {workers.pids}, backends {workers.backends}'
        + (f', native servers {natives.pids}' if natives else ''))
    configs = [(s, c) for s in systems for c in CLIENTS]

    def run_config(s, ef, idx, c):
        if s == 'hn':
            span, out, _ = natives.run(ef, idx, c)
            return span, out
        return workers.run(s, ef, idx, c)

    log('warm-up')
    for s, c in configs:
        for ef in (DEFAULT_EF, EFS[-1]):
            run_config(s, ef, q_warm, c)
    workers.run('pf', 0, q_warm, 1)

    ts = {(s, c, ef): 0.0 for s, c in configs for ef in EFS}
    per_round = {(s, c, ef): [] for s, c in configs for ef in EFS}
    ids = {(s, c, ef): {} for s, c in configs for ef in EFS}
    floor_t = []
    load0 = os.getloadavg()
    t_sweep = time.perf_counter()
    bounds = np.linspace(0, NQ, ROUNDS + 1).astype(int)
    for r in range(ROUNDS):
        qs = q_timed[bounds[r]:bounds[r + 1]]
        log(f'round {r + 1}/{ROUNDS} ({len(qs)} queries per configuration and ef)')
        floor_t.append(workers.run('pf', 0, qs, 1)[0] / len(qs))
        # the order rotates from round to round, so that no configuration
        # always runs first, on caches the others left
        order = configs[r % len(configs):] + configs[:r % len(configs)]
        for ef in EFS:
            for s, c in order:
                span, out = run_config(s, ef, qs, c)
                ts[(s, c, ef)] += span
                per_round[(s, c, ef)].append(len(qs) / span)
                for qi, o in zip(qs, out):
                    ids[(s, c, ef)][int(qi)] = o
    load1 = os.getloadavg()
    t_sweep = time.perf_counter() - t_sweep

    res = {}
    for key in ts:
        got = ids[key]
        qi = sorted(got)
        res[key] = {'qps': float(np.median(per_round[key])), 'qps_total': NQ / ts[key],
                    'qps_rounds': per_round[key],
                    'recall': recall_of([got[i] for i in qi], qi, base64, q64, d10)}
    curves = {(s, c): [(ef, res[(s, c, ef)]['recall'], res[(s, c, ef)]['qps']) for ef in EFS]
              for s, c in configs}
    at_target = {k: interp_at([(r, q) for _, r, q in v], TARGET) for k, v in curves.items()}

    # ---- work per query: our buffer accesses (EXPLAIN BUFFERS) and server
    # time, hnswlib's distance computations (native, counting), 50 queries
    nw = min(50, NQ)
    work = {}
    log(f'work per query ({nw} queries per ef)')
    for ef in EFS:
        cpg.execute('SET hnsw.ef_search = %d' % ef)
        hits, exe = [], []
        for qi in q_timed[:nw]:
            js = explain(queries[qi], 'JSON')
            hits.append(js['Plan']['Shared Hit Blocks'] + js['Plan'].get('Shared Read Blocks', 0))
            exe.append(js['Execution Time'])
        w = {'hits': float(np.mean(hits)), 'exec_ms': float(np.median(exe))}
        if natives:
            _, _, cnt = natives.run(ef, q_timed[:nw], 1, cmd='count')
            w['dists'] = cnt / nw
        work[ef] = w
    cpg.close()

    profiles = {}
    if PERF:
        # at the ef where each system's 1-client recall first reaches the target
        def ef_for(s):
            for ef, r, _ in curves[(s, 1)]:
                if r >= TARGET:
                    return ef
            return EFS[-1]
        targets = [('pg', workers.backends[0]), ('hl', workers.pids[0])]
        if natives:
            targets.append(('hn', natives.pids[0]))
        for s, pid in targets:
            ef = ef_for(s)
            log(f'perf record {LABEL[s]} (pid {pid}) at ef {ef}')

            def load(sec, s=s, ef=ef):
                if s == 'hn':
                    return natives.loop(ef, sec)
                workers.loop(0, s, ef, sec)
                return workers.loop_wait(0)
            profiles[s] = (ef, perf_profile(pid, load, limit='0.5'))
    workers.stop()
    if natives:
        natives.stop()

    # ---- report
    out = []
    p = out.append
    hl_ver = getattr(hnswlib, '__version__', '0.6.2 (Debian python3-hnswlib)')
    p(f'Machine: {cpu_model()}, {os.cpu_count()} cores ({platform.machine()}, '
      f'Linux {platform.release()}); PostgreSQL {pg_version}, shared_buffers '
      f"{settings['shared_buffers']}, maintenance_work_mem {settings['maintenance_work_mem']}, "
      f"max_parallel_maintenance_workers {settings['max_parallel_maintenance_workers']}; "
      f'hnswlib {hl_ver}; numpy {np.__version__}; psycopg {psycopg.__version__}.'
      + (f' Native reference: hnswlib 0.6.2 header, `{native_how}`.' if native else ''))
    p('')
    p(f'Data: {DATASET}: {n:,} x {dim} (uint8 read as float32), L2; {NQ} timed queries '
      f'(the first {NQ} of {len(queries):,}), {WARMUP} warm-up queries (the last ones); '
      f'k = {K}; m = {M}, ef_construction = {EFC}. Column storage {PG_STORAGE}; '
      f'table {heap_size / 1e6:.1f} MB with TOAST, '
      f'{allvis}/{pages} heap pages all-visible; COPY (binary) took {t_copy:.1f} s.')
    p('')
    p('### Build')
    p('')
    p(f'{BUILD_REPS} rounds; in each, for each thread count, the systems build in turn. Median '
      f'(and range) of the rounds; ratios of the medians (and, in brackets, of the best '
      f'builds). Load average (1 min) {load_b0[0]:.2f} before the builds, '
      f'{load_b1[0]:.2f} after.')
    p('')

    def med(xs):
        return float(np.median(xs))

    def tr(xs):
        return f'{med(xs):.1f} s ({min(xs):.1f}-{max(xs):.1f})'
    p('| build threads | hnswlib (Python) | ' + ('hnswlib native | ' if native else '')
      + 'milvus hnsw (CREATE INDEX) | ratio ours / hnswlib (Python) | '
      + ('ratio ours / native | ' if native else '') + 'our phases (median build) |')
    p('|---:|---:|' + ('---:|' if native else '') + '---:|---:|' + ('---:|' if native else '')
      + '---|')
    for b in builds:
        ph = ', '.join(f'{name} {s:.1f} s' for name, s in b['phases_med'])
        p(f"| {b['threads']} | {tr(b['hl'])} | " + (f"{tr(b['hn'])} | " if native else '')
          + f"{tr(b['pg'])} | **{med(b['pg']) / med(b['hl']):.2f}** "
          f"({min(b['pg']) / min(b['hl']):.2f}) | "
          + (f"{med(b['pg']) / med(b['hn']):.2f} ({min(b['pg']) / min(b['hn']):.2f}) | "
             if native else '') + f'{ph} |')
    if any(b['notices'] for b in builds):
        p('')
        p('**The build raised notices: ' + '; '.join(m for b in builds for m in b['notices'])
          + '**')
    p('')
    p('### Size')
    p('')
    p('| | bytes | MB | bytes per vector | ratio to hnswlib |')
    p('|---|---:|---:|---:|---:|')
    p(f'| hnswlib save_index file (= its in-memory graph + vectors) | {hl_size:,} | '
      f'{hl_size / 1e6:.1f} | {hl_size / n:.0f} | 1.00 |')
    p(f'| of which level 0 (2m links, vector, label per element) | {hl_level0:,} | '
      f'{hl_level0 / 1e6:.1f} | {hl_level0 / n:.0f} | {hl_level0 / hl_size:.2f} |')
    p(f'| milvus hnsw index, pg_relation_size ({idx_pages:,} pages of 8 kB) | {idx_size:,} | '
      f'{idx_size / 1e6:.1f} | {idx_size / n:.0f} | **{idx_size / hl_size:.2f}** |')
    p(f'| the table (heap + TOAST), for comparison | {heap_size:,} | {heap_size / 1e6:.1f} | '
      f'{heap_size / n:.0f} | {heap_size / hl_size:.2f} |')
    p('')
    p(f'### Queries: recall@{K} and QPS over an ef_search sweep')
    p('')
    floor_ms = float(np.median(floor_t)) * 1e3
    p(f'The configurations took turns, in an order that rotates each round, in {ROUNDS} rounds; the sweep took {t_sweep:.0f} s; load '
      f'average (1 min) {load0[0]:.2f} before, {load1[0]:.2f} after. QPS is the median over the '
      f'rounds of each round\'s QPS ({NQ // ROUNDS} queries per configuration, ef and round); in '
      f'brackets the 25th and 75th percentiles. Client floor, timed in the same '
      f'rounds: the prepared `SELECT $1 IS NOT NULL` with the same binary vector parameter takes '
      f'{floor_ms:.3f} ms ({1e3 / floor_ms:,.0f} per second).')
    same_recall = native and all(abs(res[('hn', c, ef)]['recall'] - res[('hl', c, ef)]['recall'])
                                 < 1e-9 for c in CLIENTS for ef in EFS)
    if native:
        p('')
        p('The native hnswlib searches the graph the Python module built (its saved file); its '
          'recall ' + ('is identical to the Python module\'s at every ef_search.' if same_recall
                       else '**differs** from the Python module\'s: ' + ', '.join(
                           f"ef {ef}: {res[('hn', 1, ef)]['recall']:.4f}" for ef in EFS)))

    def rng(x):
        lo, hi = np.percentile(x['qps_rounds'], [25, 75])
        return f"{x['qps']:,.0f} ({lo:,.0f}-{hi:,.0f})"
    for c in CLIENTS:
        p('')
        p(f'**{c} client{"s" if c > 1 else ""}**' + (
            ' (two processes, each with its own connection, or its own copy of the hnswlib '
            'index, splitting the queries; total QPS)' if c > 1 else ' (one process)'))
        p('')
        p('| ef_search | recall@10 ours | recall@10 hnswlib | QPS ours | QPS hnswlib (Python) '
          '| ratio ours / hnswlib | ' + ('QPS hnswlib native | ratio ours / native |'
                                         if native else ''))
        p('|---:|---:|---:|---:|---:|---:|' + ('---:|---:|' if native else ''))
        for ef in EFS:
            a, b = res[('pg', c, ef)], res[('hl', c, ef)]
            row = (f"| {ef}{' (default)' if ef == DEFAULT_EF else ''} | {a['recall']:.4f} | "
                   f"{b['recall']:.4f} | {rng(a)} | {rng(b)} | {a['qps'] / b['qps']:.2f} |")
            if native:
                h = res[('hn', c, ef)]
                row += f" {rng(h)} | {a['qps'] / h['qps']:.2f} |"
            p(row)
    p('')
    p(f'### At equal recall: QPS at recall@{K} = {TARGET} (interpolated)')
    p('')
    p('| clients | QPS ours | QPS hnswlib (Python) | ratio ours / hnswlib | '
      + ('QPS hnswlib native | ratio ours / native |' if native else ''))
    p('|---:|---:|---:|---:|' + ('---:|---:|' if native else ''))

    def fq(q, note):
        return 'n/a (not reached)' if q is None else f'{q:,.0f}' + (f' {note}' if note else '')
    for c in CLIENTS:
        (qa, na), (qb, nb) = at_target[('pg', c)], at_target[('hl', c)]
        row = (f'| {c} | {fq(qa, na)} | {fq(qb, nb)} | '
               + (f'**{qa / qb:.2f}**' if qa and qb else 'n/a') + ' |')
        if native:
            qh, nh = at_target[('hn', c)]
            row += f' {fq(qh, nh)} | ' + (f'{qa / qh:.2f}' if qa and qh else 'n/a') + ' |'
        p(row)
    p('')
    p('### Defaults and the highest recall')
    p('')
    a, b = res[('pg', 1, DEFAULT_EF)], res[('hl', 1, DEFAULT_EF)]
    p(f'At the default ef_search = {DEFAULT_EF}: recall@{K} ours {a["recall"]:.4f}, hnswlib '
      f'{b["recall"]:.4f}; 1-client QPS ours {a["qps"]:,.0f}, hnswlib {b["qps"]:,.0f}.')
    p('')
    for s in systems:
        ef, r, q = max(curves[(s, 1)], key=lambda t: (t[1], -t[0]))
        p(f'- {LABEL[s]}: highest recall@{K} in the sweep {r:.4f}, first reached at ef_search '
          f'{ef}: {q:,.0f} QPS with 1 client ({1e3 / q:.2f} ms/query), '
          f'{res[(s, 2, ef)]["qps"]:,.0f} QPS with 2 clients.')
    p('')
    p(f'### Work per query ({nw} queries, 1 client)')
    p('')
    p('Ours: buffer accesses per query from `EXPLAIN (ANALYZE, BUFFERS)` (one per element read, '
      'one per neighbour list, plus the metapage and the heap fetches) and the executor time it '
      'reports. hnswlib: distance computations per query, counted by the native build.')
    p('')
    p('| ef_search | ours: buffer accesses | ours: execution ms (EXPLAIN) | ours: µs per buffer access '
      '| ours: ms/query at the client | ' + ('hnswlib: distances | native ms/query | '
                                             'native µs per distance | ' if native else '')
      + 'hnswlib (Python) ms/query |')
    p('|---:|---:|---:|---:|---:|' + ('---:|---:|---:|' if native else '') + '---:|')
    for ef in EFS:
        w = work[ef]
        row = (f"| {ef} | {w['hits']:.0f} | {w['exec_ms']:.3f} | "
               f"{w['exec_ms'] * 1e3 / w['hits']:.2f} | {1e3 / res[('pg', 1, ef)]['qps']:.3f} | ")
        if native:
            hn_ms = 1e3 / res[('hn', 1, ef)]['qps']
            row += f"{w['dists']:.0f} | {hn_ms:.3f} | {hn_ms * 1e3 / w['dists']:.2f} | "
        row += f"{1e3 / res[('hl', 1, ef)]['qps']:.3f} |"
        p(row)
    p('')
    used = 'items_v_idx' in plan_default
    p(f'Plan at the default planner settings (ef_search {DEFAULT_EF}): the planner '
      + ('uses the hnsw index.' if used else '**chooses a sequential scan**, not the hnsw index:'))
    if not used:
        p('')
        p('```')
        p(plan_default)
        p('```')
    p('')
    p(f'Plan of the timed sessions (enable_seqscan = {PG_SEQSCAN}, ef_search {DEFAULT_EF}):')
    p('')
    p('```')
    p(plan)
    p('```')
    for s, (ef, prof) in profiles.items():
        p('')
        p(f'perf profile, {LABEL[s]}, 1 client, ef_search {ef} (self time, >= 0.5 %):')
        p('')
        p('```')
        p(prof)
        p('```')
    text = '\n'.join(out)
    print(text)
    if os.environ.get('HNSW_OUT'):
        with open(os.environ['HNSW_OUT'], 'w') as fh:
            fh.write(text + '\n')
    if os.environ.get('HNSW_JSON'):
        with open(os.environ['HNSW_JSON'], 'w') as fh:
            json.dump({'builds': builds, 'idx_size': idx_size, 'hl_size': hl_size,
                       'floor_ms': floor_ms, 'work': work,
                       'results': {f'{s}-{c}-{ef}': v for (s, c, ef), v in res.items()},
                       'at_target': {f'{s}-{c}': v for (s, c), v in at_target.items()}},
                      fh, indent=1)
    if PLOT:
        title = (f'{DATASET}, m={M}, ef_construction={EFC}, k={K}; ef_search '
                 f'{EFS[0]}..{EFS[-1]}; {os.cpu_count()}-core VM')
        if plot(curves, PLOT, TARGET, title):
            log(f'plot written to {PLOT} ({os.path.getsize(PLOT) / 1024:.0f} KiB)')


if __name__ == '__main__':
    main()
