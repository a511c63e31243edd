/*-------------------------------------------------------------------------
 *
 * test_worker_cpu.c
 *	  Unit test of the worker's CPU jobs (src/worker_cpu.c), no server.
 *
 * k-NN: every metric, 1 and 3 threads, few and many queries (so both the
 * query split and the base split run), n below and above k, a zero vector
 * (cosine NaN, which sorts last), duplicate rows (ties by row number).
 * Each result row must equal a reference that computes every distance the
 * same way and sorts the whole list: same labels, same distances, exactly.
 * k-means: three well separated clusters must give their means; the result
 * must not depend on the thread count; an empty cluster is split off.
 * A poll that returns true must stop a long job with MV_ERR_INTERRUPTED.
 *
 * Prints one "ok"/"not ok" line per check and "N passed, N failed".
 *
 * IDENTIFICATION
 *	  test/unit/test_worker_cpu.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distance.h"
#include "unit.h"
#include "worker_cpu.h"

static uint64_t rng_state = 42;

static float
rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float) ((rng_state >> 40) & 0xFFFF) / 65536.0f - 0.5f;
}

typedef struct Pair
{
	double		d;
	int64_t		l;
} Pair;

static int
ComparePair(const void *a, const void *b)
{
	const Pair *x = a;
	const Pair *y = b;

	if (isnan(x->d) || isnan(y->d))
	{
		if (isnan(x->d) && isnan(y->d))
			return x->l < y->l ? -1 : 1;
		return isnan(x->d) ? 1 : -1;
	}
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return x->l < y->l ? -1 : (x->l > y->l);
}

/* the distance as the SQL operators compute it */
static double
RefDistance(WorkerMetric metric, const float *a, const float *b, int dim)
{
	float		dot,
				na,
				nb;
	double		sim;

	switch (metric)
	{
		case WORKER_METRIC_L2:
			return sqrt((double) DistanceL2Squared(a, b, dim));
		case WORKER_METRIC_IP:
			return -(double) DistanceInnerProduct(a, b, dim);
		case WORKER_METRIC_COSINE:
			DistanceCosineParts(a, b, dim, &dot, &na, &nb);
			sim = (double) dot / sqrt((double) na * (double) nb);
			if (isnan(sim))
				return NAN;
			sim = sim > 1 ? 1 : (sim < -1 ? -1 : sim);
			return 1 - sim;
		case WORKER_METRIC_L1:
			return (double) DistanceL1(a, b, dim);
	}
	return NAN;
}

static bool
SameDistance(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void
TestKnn(WorkerMetric metric, int64_t n, int64_t nq, int dim, int k, int threads)
{
	float	   *base = malloc(sizeof(float) * (n + 1) * dim);
	float	   *queries = malloc(sizeof(float) * nq * dim);
	double	   *dist = malloc(sizeof(double) * nq * k);
	int64_t    *lab = malloc(sizeof(int64_t) * nq * k);
	Pair	   *ref = malloc(sizeof(Pair) * (n + 1));
	bool		ok = true;
	char		what[200];
	MvStatus	st;

	for (int64_t i = 0; i < n * dim; i++)
		base[i] = rnd();
	if (n > 3)
	{
		memset(base, 0, sizeof(float) * dim);	/* a zero vector */
		memcpy(base + 2 * dim, base + 3 * dim, sizeof(float) * dim);	/* a tie */
	}
	for (int64_t i = 0; i < nq * dim; i++)
		queries[i] = rnd();

	st = WorkerCpuKnn(metric, base, n, queries, nq, dim, k, threads, dist, lab,
					  NULL, NULL);
	ok = st == MV_OK;
	for (int64_t q = 0; ok && q < nq; q++)
	{
		for (int64_t i = 0; i < n; i++)
		{
			ref[i].d = RefDistance(metric, queries + q * dim, base + i * dim, dim);
			ref[i].l = i;
		}
		qsort(ref, n, sizeof(Pair), ComparePair);
		for (int j = 0; j < k; j++)
		{
			if (j < n)
				ok = ok && lab[q * k + j] == ref[j].l &&
					SameDistance(dist[q * k + j], ref[j].d);
			else
				ok = ok && lab[q * k + j] == -1 && isinf(dist[q * k + j]);
		}
	}
	snprintf(what, sizeof(what),
			 "knn metric %d n %lld nq %lld dim %d k %d threads %d equals the reference",
			 (int) metric, (long long) n, (long long) nq, dim, k, threads);
	Report(ok, "%s", what);
	free(base);
	free(queries);
	free(dist);
	free(lab);
	free(ref);
}

static bool
AlwaysStop(void *arg)
{
	(*(int *) arg)++;
	return true;
}

static void
TestInterrupt(void)
{
	int64_t		n = 200000;
	int			dim = 64;
	int64_t		nq = 64;
	float	   *base = malloc(sizeof(float) * n * dim);
	float	   *queries = malloc(sizeof(float) * nq * dim);
	double	   *dist = malloc(sizeof(double) * nq * 10);
	int64_t    *lab = malloc(sizeof(int64_t) * nq * 10);
	int			polls = 0;
	MvStatus	st;

	for (int64_t i = 0; i < n * dim; i++)
		base[i] = rnd();
	for (int64_t i = 0; i < nq * dim; i++)
		queries[i] = rnd();
	st = WorkerCpuKnn(WORKER_METRIC_L2, base, n, queries, nq, dim, 10, 2,
					  dist, lab, AlwaysStop, &polls);
	Report(st == MV_ERR_INTERRUPTED && polls >= 1,
		  "a poll returning true interrupts a knn job");
	polls = 0;
	memcpy(queries, base, sizeof(float) * 16 * dim);
	st = WorkerCpuKmeans(base, n, dim, 16, 5, 2, queries, NULL,
						 AlwaysStop, &polls);
	Report(st == MV_ERR_INTERRUPTED && polls >= 1,
		  "a poll returning true interrupts a k-means job");
	Report(WorkerCpuKnn(WORKER_METRIC_L2, base, n, queries, nq, dim, 0, 2,
					   dist, lab, NULL, NULL) == MV_ERR_INVALID &&
		  WorkerCpuKnn(WORKER_METRIC_L2, base, n, queries, nq, dim,
					   WORKER_MAX_K + 1, 2, dist, lab, NULL, NULL) == MV_ERR_INVALID,
		  "k outside 1..1024 is rejected");
	free(base);
	free(queries);
	free(dist);
	free(lab);
}

static void
TestKmeans(void)
{
	const float centers[3][4] = {{10, 0, 0, 0}, {0, 10, 0, 0}, {0, 0, 10, 10}};
	int64_t		n = 3000;
	int			dim = 4;
	float	   *x = malloc(sizeof(float) * n * dim);
	float		c1[4 * 4];
	float		c4[4 * 4];
	double		mean[3][4] = {{0}};
	double		obj1,
				obj4;
	bool		ok = true;

	for (int64_t i = 0; i < n; i++)
		for (int d = 0; d < dim; d++)
		{
			x[i * dim + d] = centers[i % 3][d] + rnd();
			mean[i % 3][d] += x[i * dim + d] / (n / 3);
		}
	/* initial centroids: rows 0, 1, 2 */
	memcpy(c1, x, sizeof(float) * 3 * dim);
	memcpy(c4, x, sizeof(float) * 3 * dim);
	ok = WorkerCpuKmeans(x, n, dim, 3, 10, 1, c1, &obj1, NULL, NULL) == MV_OK &&
		WorkerCpuKmeans(x, n, dim, 3, 10, 4, c4, &obj4, NULL, NULL) == MV_OK;
	for (int j = 0; ok && j < 3; j++)
		for (int d = 0; d < dim; d++)
			ok = ok && fabs(c1[j * dim + d] - mean[j][d]) < 1e-3;
	Report(ok, "k-means finds the means of three separated clusters");
	Report(memcmp(c1, c4, sizeof(float) * 3 * dim) == 0 && obj1 == obj4,
		  "k-means gives the same result with 1 and 4 threads");
	Report(obj1 > 0 && obj1 < n * dim * 0.25,
		  "k-means objective is the within-cluster sum of squares");

	/* four centroids, two starting on the same point: one is split off */
	memcpy(c1, x, sizeof(float) * 3 * dim);
	memcpy(c1 + 3 * dim, x, sizeof(float) * dim);
	ok = WorkerCpuKmeans(x, n, dim, 4, 10, 2, c1, NULL, NULL, NULL) == MV_OK;
	for (int j = 0; ok && j < 4; j++)
		for (int i = j + 1; i < 4; i++)
			ok = ok && memcmp(c1 + j * dim, c1 + i * dim, sizeof(float) * dim) != 0;
	Report(ok, "an empty k-means cluster is split off the largest");
	free(x);
}

int
main(void)
{
	static const WorkerMetric metrics[] = {
		WORKER_METRIC_L2, WORKER_METRIC_IP, WORKER_METRIC_COSINE, WORKER_METRIC_L1
	};

	DistanceInit(DISTANCE_IMPL_AVX512);
	for (int m = 0; m < 4; m++)
	{
		TestKnn(metrics[m], 2000, 37, 24, 10, 1);
		TestKnn(metrics[m], 2000, 37, 24, 10, 3);
		TestKnn(metrics[m], 3000, 2, 17, 5, 3);	/* base split into parts */
		TestKnn(metrics[m], 5, 4, 8, 12, 2);	/* n < k */
		TestKnn(metrics[m], 0, 3, 8, 4, 2);		/* no rows */
		TestKnn(metrics[m], 1500, 9, 3, 1024, 2);
	}
	TestInterrupt();
	TestKmeans();
	return UnitSummary();
}
