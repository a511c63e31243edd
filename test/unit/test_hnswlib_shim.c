/*-------------------------------------------------------------------------
 *
 * test_hnswlib_shim.c
 *	  Unit test of the hnswlib shim, without a server.
 *
 * Graphs of random vectors (fixed seed) are built for each metric with one
 * and with two threads, in batches as the index build will add them, and
 * checked through the C interface only:
 *
 *	- the count, the entry point (a node on the top level), every node's
 *	  level, and every neighbour list: at most 2m entries on level 0 and m
 *	  above, labels in range, no self-links, no duplicates, and each
 *	  neighbour present on that level;
 *	- that the graph reaches almost every node from the entry point;
 *	- search results sorted, with distances equal to the scalar kernels',
 *	  and recall@10 against brute force (scalar kernels) at ef = 100;
 *	- two single-threaded builds with the same seed are identical;
 *	- errors: invalid arguments give MV_ERR_INVALID and a message, adding
 *	  past max_elements gives an error (from worker threads too) and marks
 *	  the graph unusable, short output arrays are refused;
 *	- the memory estimate against what malloc actually handed out, and
 *	  that freeing the graph gives it all back.
 *
 * Output is one "ok N - ..." or "not ok N - ..." line per check, "# "
 * lines with measurements, and a final "N passed, N failed" line.  The exit
 * status is non-zero on any failure.
 *
 * Build and run: make unitcheck
 *
 * IDENTIFICATION
 *	  test/unit/test_hnswlib_shim.c
 *
 *-------------------------------------------------------------------------
 */
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "hnswlib_shim.h"
#include "unit.h"

#define DIM				32
#define NVEC			5000
#define NQUERY			200
#define BATCH			1000
#define M				16
#define EF_CONSTRUCTION 100
#define EF_SEARCH		100
#define K				10
#define SEED			12345
#define MIN_RECALL		0.95
#define MIN_REACHABLE	0.99
/* distances from search against the scalar kernels */
#define REL_TOL			1e-4
#define ABS_TOL			1e-4

static const char *const metric_names[] = {"l2", "ip", "l1"};

static float *vectors;			/* NVEC x DIM */
static float *queries;			/* NQUERY x DIM */

/*
 * Report a call that must fail with "want"; the shim's message is shown.
 */
static void
ReportStatus(MvStatus got, MvStatus want, const char *what)
{
	const char *msg = mv_shim_last_error();

	Report(got == want && (want == MV_OK || msg[0] != '\0'),
		   "%s: status %d (want %d)%s%s", what, (int) got, (int) want,
		   got != MV_OK ? ", message: " : "", got != MV_OK ? msg : "");
}

/*
 * Deterministic pseudo-random floats in [-1, 1) (splitmix64).
 */
static uint64_t rng_state = 0x5eed5eed12345678ULL;

static float
RandomFloat(void)
{
	return SplitMixUnit(&rng_state);
}

/*
 * The metric's distance with the scalar kernels, as the shim defines it.
 */
static float
ScalarDistance(MvHnswlibMetric metric, const float *a, const float *b)
{
	switch (metric)
	{
		case MV_HNSWLIB_L2:
			return DistanceL2SquaredScalar(a, b, DIM);
		case MV_HNSWLIB_IP:
			return -DistanceInnerProductScalar(a, b, DIM);
		case MV_HNSWLIB_L1:
			return DistanceL1Scalar(a, b, DIM);
	}
	return NAN;
}

/*
 * Create a graph of NVEC slots and add all vectors in batches of BATCH.
 * Returns NULL (after reporting) on failure.
 */
static MvHnswlibGraph *
BuildGraph(MvHnswlibMetric metric, int nthreads, uint64_t seed)
{
	MvHnswlibGraph *g;
	MvStatus	status;

	status = mv_hnswlib_graph_create(&g, DIM, metric, M, EF_CONSTRUCTION,
									 NVEC, seed);
	if (status != MV_OK)
	{
		Report(false, "create %s graph: %s", metric_names[metric],
			   mv_shim_last_error());
		return NULL;
	}
	for (int64_t first = 0; first < NVEC; first += BATCH)
	{
		int64_t		n = NVEC - first < BATCH ? NVEC - first : BATCH;

		status = mv_hnswlib_graph_add(g, vectors + first * DIM, first, n,
									  nthreads);
		if (status != MV_OK)
		{
			Report(false, "add to %s graph: %s", metric_names[metric],
				   mv_shim_last_error());
			mv_hnswlib_graph_free(g);
			return NULL;
		}
	}
	return g;
}

/*
 * Check one neighbour list; returns a description of the first problem, or
 * NULL.  levels[] holds every node's level.
 */
static const char *
CheckList(const int64_t *nbrs, int count, int64_t self, int level,
		  const int *levels)
{
	static char problem[200];

	if (count > (level == 0 ? 2 * M : M))
	{
		snprintf(problem, sizeof(problem), "node %lld level %d has %d neighbors",
				 (long long) self, level, count);
		return problem;
	}
	for (int i = 0; i < count; i++)
	{
		if (nbrs[i] < 0 || nbrs[i] >= NVEC || nbrs[i] == self)
			snprintf(problem, sizeof(problem), "node %lld links to %lld",
					 (long long) self, (long long) nbrs[i]);
		else if (levels[nbrs[i]] < level)
			snprintf(problem, sizeof(problem),
					 "node %lld links on level %d to %lld of level %d",
					 (long long) self, level, (long long) nbrs[i],
					 levels[nbrs[i]]);
		else
		{
			for (int j = 0; j < i; j++)
				if (nbrs[j] == nbrs[i])
				{
					snprintf(problem, sizeof(problem),
							 "node %lld lists %lld twice on level %d",
							 (long long) self, (long long) nbrs[i], level);
					return problem;
				}
			continue;
		}
		return problem;
	}
	return NULL;
}

/*
 * Check the structure of a complete graph: count, levels, entry point,
 * neighbour lists, and how many nodes a walk from the entry point reaches.
 */
static void
CheckStructure(const MvHnswlibGraph *g, const char *name)
{
	int		   *levels = calloc(NVEC, sizeof(int));
	bool	   *seen = calloc(NVEC, sizeof(bool));
	int64_t    *queue = malloc(NVEC * sizeof(int64_t));
	int64_t		nbrs[2 * M];
	int64_t		ep;
	int			ep_level,
				max_level = -1,
				count,
				head = 0,
				tail = 0;
	const char *problem = NULL;
	bool		calls_ok = true;

	Report(mv_hnswlib_graph_count(g) == NVEC, "%s: count %lld", name,
		   (long long) mv_hnswlib_graph_count(g));

	for (int64_t i = 0; i < NVEC; i++)
	{
		calls_ok &= mv_hnswlib_graph_node_level(g, i, &levels[i]) == MV_OK;
		calls_ok &= levels[i] >= 0;
		if (levels[i] > max_level)
			max_level = levels[i];
	}
	Report(calls_ok, "%s: every node has a level >= 0 (top level %d)",
		   name, max_level);

	calls_ok = mv_hnswlib_graph_entry_point(g, &ep, &ep_level) == MV_OK;
	Report(calls_ok && ep >= 0 && ep < NVEC && ep_level == levels[ep] &&
		   ep_level == max_level,
		   "%s: entry point %lld on level %d, the top level", name,
		   (long long) ep, ep_level);

	for (int64_t i = 0; i < NVEC && problem == NULL; i++)
		for (int level = 0; level <= levels[i] && problem == NULL; level++)
		{
			if (mv_hnswlib_graph_neighbors(g, i, level, nbrs, 2 * M,
										   &count) != MV_OK)
				problem = mv_shim_last_error();
			else
				problem = CheckList(nbrs, count, i, level, levels);
		}
	Report(problem == NULL, "%s: neighbor lists valid%s%s", name,
		   problem ? ": " : "", problem ? problem : "");

	/* breadth-first walk over every level's links from the entry point */
	if (calls_ok && ep >= 0 && ep < NVEC)
	{
		seen[ep] = true;
		queue[tail++] = ep;
	}
	while (head < tail)
	{
		int64_t		node = queue[head++];

		for (int level = 0; level <= levels[node]; level++)
		{
			if (mv_hnswlib_graph_neighbors(g, node, level, nbrs, 2 * M,
										   &count) != MV_OK)
				break;
			for (int i = 0; i < count; i++)
				if (nbrs[i] >= 0 && nbrs[i] < NVEC && !seen[nbrs[i]])
				{
					seen[nbrs[i]] = true;
					queue[tail++] = nbrs[i];
				}
		}
	}
	Report(tail >= MIN_REACHABLE * NVEC,
		   "%s: %d of %d nodes reachable from the entry point", name, tail,
		   NVEC);

	free(levels);
	free(seen);
	free(queue);
}

/*
 * The K nearest vectors to q by brute force with the scalar kernels.
 */
static void
BruteForce(MvHnswlibMetric metric, const float *q, int64_t *best)
{
	float		bestd[K];

	for (int i = 0; i < K; i++)
	{
		best[i] = -1;
		bestd[i] = INFINITY;
	}
	for (int64_t v = 0; v < NVEC; v++)
	{
		float		d = ScalarDistance(metric, q, vectors + v * DIM);
		int			j = K - 1;

		if (d >= bestd[K - 1])
			continue;
		while (j > 0 && bestd[j - 1] > d)
		{
			bestd[j] = bestd[j - 1];
			best[j] = best[j - 1];
			j--;
		}
		bestd[j] = d;
		best[j] = v;
	}
}

/*
 * Recall@K of the graph's search against brute force, and that results come
 * nearest first with the kernels' distances.
 */
static void
CheckSearch(const MvHnswlibGraph *g, MvHnswlibMetric metric, const char *name)
{
	int			hits = 0;
	bool		ok = true;

	for (int qi = 0; qi < NQUERY; qi++)
	{
		const float *q = queries + qi * DIM;
		int64_t		labels[K],
					exact[K];
		float		dists[K];
		int			count;

		if (mv_hnswlib_graph_search(g, q, K, EF_SEARCH, labels, dists,
									&count) != MV_OK || count != K)
		{
			ok = false;
			continue;
		}
		BruteForce(metric, q, exact);
		for (int i = 0; i < K; i++)
		{
			float		want;

			if (labels[i] < 0 || labels[i] >= NVEC)
			{
				ok = false;
				continue;
			}
			want = ScalarDistance(metric, q, vectors + labels[i] * DIM);
			if (fabsf(dists[i] - want) > REL_TOL * fabsf(want) + ABS_TOL ||
				(i > 0 && dists[i] < dists[i - 1]))
				ok = false;
			for (int j = 0; j < K; j++)
				if (labels[i] == exact[j])
					hits++;
		}
	}
	Report(ok, "%s: %d searches return %d labels, nearest first, with the "
		   "kernels' distances", name, NQUERY, K);
	Report(hits >= MIN_RECALL * NQUERY * K,
		   "%s: recall@%d at ef=%d is %.4f (minimum %.2f)", name, K,
		   EF_SEARCH, (double) hits / (NQUERY * K), MIN_RECALL);
}

/*
 * Build and check one graph per metric and thread count.
 */
static void
TestBuilds(void)
{
	for (int metric = MV_HNSWLIB_L2; metric <= MV_HNSWLIB_L1; metric++)
		for (int nthreads = 1; nthreads <= 2; nthreads++)
		{
			MvHnswlibGraph *g;
			char		name[64];

			snprintf(name, sizeof(name), "%s, %d thread%s",
					 metric_names[metric], nthreads, nthreads > 1 ? "s" : "");
			g = BuildGraph((MvHnswlibMetric) metric, nthreads, SEED);
			if (g == NULL)
				continue;
			CheckStructure(g, name);
			CheckSearch(g, (MvHnswlibMetric) metric, name);
			mv_hnswlib_graph_free(g);
		}
}

/*
 * Two single-threaded builds with one seed must give the same graph.
 */
static void
TestReproducible(void)
{
	MvHnswlibGraph *a = BuildGraph(MV_HNSWLIB_L2, 1, SEED);
	MvHnswlibGraph *b = BuildGraph(MV_HNSWLIB_L2, 1, SEED);
	int64_t		ea,
				eb;
	int			la,
				lb;
	bool		same = true;

	if (a == NULL || b == NULL)
		same = false;
	else
	{
		mv_hnswlib_graph_entry_point(a, &ea, &la);
		mv_hnswlib_graph_entry_point(b, &eb, &lb);
		same = ea == eb && la == lb;
	}
	for (int64_t i = 0; i < NVEC && same; i++)
	{
		mv_hnswlib_graph_node_level(a, i, &la);
		mv_hnswlib_graph_node_level(b, i, &lb);
		same = la == lb;
		for (int level = 0; level <= la && same; level++)
		{
			int64_t		na[2 * M],
						nb[2 * M];
			int			ca,
						cb;

			mv_hnswlib_graph_neighbors(a, i, level, na, 2 * M, &ca);
			mv_hnswlib_graph_neighbors(b, i, level, nb, 2 * M, &cb);
			same = ca == cb && memcmp(na, nb, ca * sizeof(int64_t)) == 0;
		}
	}
	Report(same, "two single-threaded builds with seed %d are identical",
		   SEED);
	mv_hnswlib_graph_free(a);
	mv_hnswlib_graph_free(b);
}

/*
 * Invalid arguments to create: MV_ERR_INVALID, a message, no graph.
 */
static void
TestCreateErrors(void)
{
	static const struct
	{
		const char *what;
		int			dim;
		int			metric;
		int			m;
		int			efc;
		int64_t		max;
	}			cases[] = {
		{"dim 0", 0, MV_HNSWLIB_L2, M, 64, 100},
		{"dim -1", -1, MV_HNSWLIB_L2, M, 64, 100},
		{"m 1", DIM, MV_HNSWLIB_L2, 1, 64, 100},
		{"m 0", DIM, MV_HNSWLIB_L2, 0, 64, 100},
		{"m 10001", DIM, MV_HNSWLIB_L2, 10001, 64, 100},
		{"ef_construction 0", DIM, MV_HNSWLIB_L2, M, 0, 100},
		{"max_elements 0", DIM, MV_HNSWLIB_L2, M, 64, 0},
		{"max_elements 2^32", DIM, MV_HNSWLIB_L2, M, 64, INT64_C(1) << 32},
		{"metric 7", DIM, 7, M, 64, 100},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		MvHnswlibGraph *g = (MvHnswlibGraph *) &g;	/* must become NULL */
		MvStatus	status;
		char		what[100];

		status = mv_hnswlib_graph_create(&g, cases[i].dim,
										 (MvHnswlibMetric) cases[i].metric,
										 cases[i].m, cases[i].efc,
										 cases[i].max, SEED);
		snprintf(what, sizeof(what), "create with %s%s", cases[i].what,
				 g == NULL ? "" : " (graph pointer not cleared)");
		ReportStatus(g == NULL ? status : MV_OK, MV_ERR_INVALID, what);
	}
	ReportStatus(mv_hnswlib_graph_create(NULL, DIM, MV_HNSWLIB_L2, M, 64, 100,
										 SEED),
				 MV_ERR_INVALID, "create with no output pointer");
}

/*
 * An empty graph, bad arguments to add and to the read-back functions.
 */
static void
TestCallErrors(void)
{
	MvHnswlibGraph *g;
	int64_t		label,
				nbrs[2 * M];
	int			level,
				count,
				needed = 0;

	if (mv_hnswlib_graph_create(&g, DIM, MV_HNSWLIB_L2, M, 64, 100,
								SEED) != MV_OK)
	{
		Report(false, "create small graph: %s", mv_shim_last_error());
		return;
	}
	Report(mv_hnswlib_graph_count(g) == 0 && mv_hnswlib_graph_count(NULL) == 0,
		   "empty graph: count 0");
	Report(mv_hnswlib_graph_entry_point(g, &label, &level) == MV_OK &&
		   label == -1 && level == -1,
		   "empty graph: entry point label -1, level -1");
	Report(mv_hnswlib_graph_search(g, queries, K, EF_SEARCH, nbrs, NULL,
								   &count) == MV_OK && count == 0,
		   "empty graph: search finds nothing");

	ReportStatus(mv_hnswlib_graph_add(NULL, vectors, 0, 1, 1),
				 MV_ERR_INVALID, "add to no graph");
	ReportStatus(mv_hnswlib_graph_add(g, NULL, 0, 1, 1),
				 MV_ERR_INVALID, "add no vectors");
	ReportStatus(mv_hnswlib_graph_add(g, vectors, 0, -1, 1),
				 MV_ERR_INVALID, "add -1 vectors");
	ReportStatus(mv_hnswlib_graph_add(g, vectors, -5, 1, 1),
				 MV_ERR_INVALID, "add with label -5");
	ReportStatus(mv_hnswlib_graph_add(g, vectors, INT64_MAX, 2, 1),
				 MV_ERR_INVALID, "add with labels past INT64_MAX");
	ReportStatus(mv_hnswlib_graph_add(g, vectors, 0, 0, 4),
				 MV_OK, "add 0 vectors");
	ReportStatus(mv_hnswlib_graph_add(g, vectors, 0, 10, 4),
				 MV_OK, "add 10 vectors with 4 threads");
	ReportStatus(mv_hnswlib_graph_add(g, vectors, 5, 10, 1),
				 MV_ERR_INVALID, "add labels 5..14 over 0..9");
	Report(mv_hnswlib_graph_count(g) == 10,
		   "refused batch added nothing: count %lld",
		   (long long) mv_hnswlib_graph_count(g));

	ReportStatus(mv_hnswlib_graph_node_level(g, 10, &level),
				 MV_ERR_INVALID, "level of label 10, not in the graph");
	ReportStatus(mv_hnswlib_graph_node_level(g, -1, &level),
				 MV_ERR_INVALID, "level of label -1");
	ReportStatus(mv_hnswlib_graph_neighbors(g, 42, 0, nbrs, 2 * M, &count),
				 MV_ERR_INVALID, "neighbors of label 42, not in the graph");
	mv_hnswlib_graph_node_level(g, 3, &level);
	ReportStatus(mv_hnswlib_graph_neighbors(g, 3, level + 1, nbrs, 2 * M,
											&count),
				 MV_ERR_INVALID, "neighbors above the node's top level");
	ReportStatus(mv_hnswlib_graph_neighbors(g, 3, -1, nbrs, 2 * M, &count),
				 MV_ERR_INVALID, "neighbors on level -1");
	mv_hnswlib_graph_neighbors(g, 3, 0, nbrs, 2 * M, &needed);
	ReportStatus(mv_hnswlib_graph_neighbors(g, 3, 0, nbrs, needed - 1, &count),
				 MV_ERR_INVALID, "neighbors into an array one too short");
	Report(count == needed && needed > 0,
		   "short array: count says %d neighbors are needed", count);
	ReportStatus(mv_hnswlib_graph_search(g, queries, -1, EF_SEARCH, nbrs,
										 NULL, &count),
				 MV_ERR_INVALID, "search for -1 neighbors");

	mv_hnswlib_graph_free(g);
	mv_hnswlib_graph_free(NULL);
	Report(true, "free a graph, and NULL");
}

/*
 * Adding past max_elements: hnswlib throws, in the calling thread or in a
 * worker; the call reports it, and the graph then refuses all but count
 * and free.
 */
static void
TestOverflow(void)
{
	for (int nthreads = 1; nthreads <= 4; nthreads += 3)
	{
		MvHnswlibGraph *g;
		MvStatus	status;
		int64_t		labels[K];
		int			count;
		char		what[100];

		if (mv_hnswlib_graph_create(&g, DIM, MV_HNSWLIB_L2, M, 64, 100,
									SEED) != MV_OK)
		{
			Report(false, "create small graph: %s", mv_shim_last_error());
			continue;
		}
		status = mv_hnswlib_graph_add(g, vectors, 0, 60, nthreads);
		if (status == MV_OK)
			status = mv_hnswlib_graph_add(g, vectors + 60 * DIM, 60, 90,
										  nthreads);
		snprintf(what, sizeof(what),
				 "add 150 vectors to a graph of 100 with %d thread%s",
				 nthreads, nthreads > 1 ? "s" : "");
		ReportStatus(status, MV_ERR_LIB, what);
		Report(mv_hnswlib_graph_count(g) == 100,
			   "the full graph counts 100 vectors");
		ReportStatus(mv_hnswlib_graph_search(g, queries, K, EF_SEARCH, labels,
											 NULL, &count),
					 MV_ERR_INVALID, "search the graph after the failure");
		ReportStatus(mv_hnswlib_graph_add(g, vectors, 200, 1, nthreads),
					 MV_ERR_INVALID, "add to the graph after the failure");
		mv_hnswlib_graph_free(g);
	}
}

/*
 * Bytes malloc has handed out and not had back.
 */
static size_t
MallocInUse(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/*
 * The memory estimate against malloc's own count for a one-thread build,
 * and no leak after free.
 */
static void
TestMemory(void)
{
	size_t		estimate = mv_hnswlib_graph_memory_estimate(DIM, M, NVEC);
	size_t		before = MallocInUse();
	MvHnswlibGraph *g = BuildGraph(MV_HNSWLIB_L2, 1, SEED);
	size_t		used = MallocInUse() - before;
	double		ratio = (double) estimate / (double) used;

	/* sanitizers replace malloc, and mallinfo2() then counts nothing */
	if (used == 0)
		printf("# skip memory estimate: mallinfo2() counts no allocations\n");
	else
		Report(g != NULL && ratio > 0.8 && ratio < 1.25,
			   "memory estimate %zu bytes vs %zu allocated (ratio %.3f)",
			   estimate, used, ratio);
	mv_hnswlib_graph_free(g);
	used = MallocInUse() - before;
	if (g != NULL && MallocInUse() != 0)
		Report(used < 4096, "free gives back everything (%zu bytes left)",
			   used);

	estimate = mv_hnswlib_graph_memory_estimate(784, 16, 1000000);
	printf("# estimate for 1,000,000 x 784 dims, m=16: %.1f MiB\n",
		   estimate / 1048576.0);
	Report(estimate > (size_t) 1000000 * (784 * 4 + 32 * 4),
		   "estimate covers at least the vectors and level-0 links");
	Report(mv_hnswlib_graph_memory_estimate(0, M, 100) == 0 &&
		   mv_hnswlib_graph_memory_estimate(DIM, 1, 100) == 0 &&
		   mv_hnswlib_graph_memory_estimate(DIM, M, 0) == 0,
		   "estimate is 0 for invalid arguments");
}

/* mv_hnswlib_parallel_for: each index visited once, signals blocked */
static int64_t *visits;
static int	blocked_in_threads;

static void
CountVisits(void *arg, int64_t begin, int64_t end)
{
	sigset_t	mask;

	for (int64_t i = begin; i < end; i++)
		__atomic_add_fetch(&visits[i], 1, __ATOMIC_RELAXED);
	/* some work, so that the threads started take chunks too */
	for (volatile int k = 0; k < 20000; k++)
		;
	if (pthread_sigmask(SIG_BLOCK, NULL, &mask) == 0 &&
		sigismember(&mask, SIGINT))
		__atomic_add_fetch(&blocked_in_threads, 1, __ATOMIC_RELAXED);
	(void) arg;
}

static void
TestParallelFor(void)
{
	int64_t		n = 100003;
	bool		once = true;

	visits = calloc(n, sizeof(int64_t));
	Report(mv_hnswlib_parallel_for(n, 97, CountVisits, NULL, 4) == MV_OK,
		   "parallel_for over %lld indexes with 4 threads", (long long) n);
	for (int64_t i = 0; i < n; i++)
		once = once && visits[i] == 1;
	Report(once, "parallel_for visits every index exactly once");
	Report(blocked_in_threads > 0,
		   "parallel_for's other threads run with signals blocked");
	Report(mv_hnswlib_parallel_for(0, 1, CountVisits, NULL, 4) == MV_OK &&
		   mv_hnswlib_parallel_for(-1, 1, CountVisits, NULL, 4) == MV_ERR_INVALID &&
		   mv_hnswlib_parallel_for(10, 0, CountVisits, NULL, 4) == MV_ERR_INVALID &&
		   mv_hnswlib_parallel_for(10, 1, NULL, NULL, 4) == MV_ERR_INVALID,
		   "parallel_for: an empty range is fine, bad arguments are refused");
	free(visits);
}

int
main(void)
{
	DistanceImpl impl = DistanceInit(DISTANCE_IMPL_AVX512);

	vectors = malloc(sizeof(float) * NVEC * DIM);
	queries = malloc(sizeof(float) * NQUERY * DIM);
	if (vectors == NULL || queries == NULL)
	{
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	for (int i = 0; i < NVEC * DIM; i++)
		vectors[i] = RandomFloat();
	for (int i = 0; i < NQUERY * DIM; i++)
		queries[i] = RandomFloat();

	printf("# kernels: %s; %d x %d dims, m=%d, ef_construction=%d\n",
		   DistanceImplName(impl), NVEC, DIM, M, EF_CONSTRUCTION);
	TestCreateErrors();
	TestCallErrors();
	TestOverflow();
	TestMemory();
	TestReproducible();
	TestBuilds();
	TestParallelFor();

	free(vectors);
	free(queries);
	return UnitSummary();
}
