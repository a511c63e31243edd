/*-------------------------------------------------------------------------
 *
 * test_faiss_shim.c
 *	  Unit tests of the Faiss shim (src/faiss_shim.cpp) without a server:
 *	  k-means finds well separated clusters, assignment equals a brute
 *	  force nearest centroid, bad arguments fail cleanly with a message,
 *	  and the caller's signal mask survives every call.
 *
 * IDENTIFICATION
 *	  test/unit/test_faiss_shim.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faiss_shim.h"
#include "unit.h"


enum
{
	DIM = 8, K = 6, PER = 200, N = K * PER
};

static float
Rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (float) ((*seed >> 8) & 0xffff) / 65536.0f - 0.5f;
}

static float
L2(const float *a, const float *b, int n)
{
	float		s = 0;

	for (int i = 0; i < n; i++)
		s += (a[i] - b[i]) * (a[i] - b[i]);
	return s;
}

int
main(void)
{
	float	   *x = malloc(sizeof(float) * N * DIM);
	float		centres[K * DIM];
	float		centroids[K * DIM];
	int64_t    *labels = malloc(sizeof(int64_t) * N);
	unsigned	seed = 5;
	sigset_t	before;
	sigset_t	after;
	int			found = 0;

	for (int c = 0; c < K; c++)
		for (int d = 0; d < DIM; d++)
			centres[c * DIM + d] = (d == c) ? 100.0f : 0.0f;
	for (int i = 0; i < N; i++)
		for (int d = 0; d < DIM; d++)
			x[i * DIM + d] = centres[(i % K) * DIM + d] + Rand(&seed);

	/* the kernel fills only the first bytes of a sigset_t: start empty */
	sigemptyset(&before);
	sigemptyset(&after);
	sigprocmask(SIG_SETMASK, NULL, &before);

	/* k-means, a few iterations at a time, as IvfTrainKmeans calls it */
	CHECK(mv_faiss_kmeans(DIM, N, x, K, MV_FAISS_L2, 0, 1, 42, 0, centroids, 2) == MV_OK,
		  "kmeans: %s", mv_faiss_last_error());
	for (int it = 1; it < 10; it++)
		CHECK(mv_faiss_kmeans(DIM, N, x, K, MV_FAISS_L2, 0, 1, 42, 1, centroids, 2) == MV_OK,
			  "kmeans iteration %d: %s", it, mv_faiss_last_error());
	for (int c = 0; c < K; c++)
		for (int k = 0; k < K; k++)
			if (L2(centres + c * DIM, centroids + k * DIM, DIM) < 1.0f)
			{
				found++;
				break;
			}
	CHECK(found >= K - 1, "kmeans found %d of %d cluster centres", found, K);

	/* assignment equals brute force */
	CHECK(mv_faiss_assign(DIM, K, centroids, MV_FAISS_L2, N, x, labels, 2) == MV_OK,
		  "assign: %s", mv_faiss_last_error());
	for (int i = 0; i < N; i++)
	{
		int			best = 0;

		for (int k = 1; k < K; k++)
			if (L2(x + i * DIM, centroids + k * DIM, DIM) <
				L2(x + i * DIM, centroids + best * DIM, DIM))
				best = k;
		CHECK(labels[i] == best, "row %d assigned to %lld, nearest is %d",
			  i, (long long) labels[i], best);
	}

	/* spherical inner-product k-means gives unit centroids */
	CHECK(mv_faiss_kmeans(DIM, N, x, K, MV_FAISS_IP, 1, 3, 7, 0, centroids, 1) == MV_OK,
		  "spherical kmeans: %s", mv_faiss_last_error());
	for (int k = 0; k < K; k++)
	{
		float		norm = 0;

		for (int d = 0; d < DIM; d++)
			norm += centroids[k * DIM + d] * centroids[k * DIM + d];
		CHECK(fabsf(norm - 1) < 1e-3f, "spherical centroid %d has norm %g", k, norm);
	}

	/* more centroids than vectors: an error with a message, not a crash */
	CHECK(mv_faiss_kmeans(DIM, 3, x, K, MV_FAISS_L2, 0, 1, 1, 0, centroids, 1) == MV_ERR_INVALID,
		  "kmeans with n < k did not fail");
	CHECK(strstr(mv_faiss_last_error(), "at least as many") != NULL,
		  "unexpected message: %s", mv_faiss_last_error());

	sigprocmask(SIG_SETMASK, NULL, &after);
	for (int sig = 1; sig < SIGRTMAX; sig++)
		CHECK(sigismember(&before, sig) == sigismember(&after, sig),
			  "a shim call left signal %d %s", sig,
			  sigismember(&after, sig) ? "blocked" : "unblocked");

	free(x);
	free(labels);
	return UnitSummary();
}
