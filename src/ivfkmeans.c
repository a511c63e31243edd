/*-------------------------------------------------------------------------
 *
 * ivfkmeans.c
 *	  k-means and list assignment for the ivf access methods, through
 *	  Faiss in milvus_faiss.so.
 *
 * IvfTrainKmeans is the one entry point for training centroids.  With
 * milvus.gpu_enabled on, L2 training (the ivf and ivfflat L2 operator
 * classes) is handed to the background worker's k-means (worker.h), which
 * runs it on the GPU where it has one and on the CPU otherwise; the other
 * metrics train spherical or inner-product k-means, which the worker does
 * not offer, so they stay here.  Here the iterations run one at a time
 * through the Faiss shim, with a check for interrupts between them.
 *
 * milvus_faiss.so (src/faiss_shim.cpp with Faiss, OpenBLAS and OpenMP) is
 * loaded on first use with dlopen(), with every signal blocked, so the
 * threads OpenBLAS starts when it loads inherit a mask that blocks every
 * signal: the backend's signals keep going to its main thread.  See
 * faiss_shim.h.
 *
 * IDENTIFICATION
 *	  src/ivfkmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dlfcn.h>
#include <signal.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "postmaster/postmaster.h"

#include "buildthreads.h"
#include "faiss_shim.h"
#include "ivf.h"
#include "worker.h"

typedef MvStatus (*KmeansFn) (int, int64_t, const float *, int,
							  MvFaissMetric, int, int, uint64_t, int,
							  float *, int);
typedef MvStatus (*AssignFn) (int, int, const float *, MvFaissMetric,
							  int64_t, const float *, int64_t *, int);
typedef const char *(*LastErrorFn) (void);

static KmeansFn faiss_kmeans = NULL;
static AssignFn faiss_assign = NULL;
static LastErrorFn faiss_last_error = NULL;

/*
 * Load milvus_faiss.so once per backend.
 */
static void
LoadFaiss(void)
{
	char		path[MAXPGPATH];
	sigset_t	all;
	sigset_t	saved;
	void	   *handle;

	if (faiss_kmeans != NULL)
		return;

	snprintf(path, sizeof(path), "%s/milvus_faiss.so", pkglib_path);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (handle == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("could not load library \"%s\": %s", path, dlerror())));

	faiss_assign = (AssignFn) dlsym(handle, "mv_faiss_assign");
	faiss_last_error = (LastErrorFn) dlsym(handle, "mv_faiss_last_error");
	faiss_kmeans = (KmeansFn) dlsym(handle, "mv_faiss_kmeans");
	if (faiss_kmeans == NULL || faiss_assign == NULL || faiss_last_error == NULL)
	{
		faiss_kmeans = NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not find the Faiss shim's functions in \"%s\"",
						path)));
	}
}

/*
 * Raise an error unless status is MV_OK.
 */
static void
FaissCheck(MvStatus status, const char *action)
{
	const char *detail;

	if (status == MV_OK)
		return;
	detail = faiss_last_error();
	if (status == MV_ERR_NOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not %s: Faiss reported: %s.", action, detail)));
	ereport(ERROR,
			(errcode(status == MV_ERR_INVALID ? ERRCODE_INVALID_PARAMETER_VALUE :
					 ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("could not %s", action),
			 errdetail("Faiss reported: %s.", detail)));
}

/*
 * Threads for a call doing about "work" multiply-adds: one for small
 * calls (pq sub-spaces, small lists), where waking OpenMP's threads and
 * meeting at its barriers costs more than the work, the more so on a busy
 * machine.
 */
static int
BuildThreads(double work)
{
	if (work < 1e8)
		return 1;
	return BuildThreadsCount("milvus.ivf_build_threads", ivf_build_threads);
}

/*
 * k-means: k centroids of the n vectors x (dim floats each) into
 * centroids, IVF_KMEANS_ITERATIONS Lloyd iterations from k vectors chosen
 * with seed, inner product assignment when innerProduct, normalised
 * centroids when spherical.  Requires n >= k.
 */
/*
 * Initial centroids for the worker's k-means: k distinct rows of x, chosen
 * with the seed (a partial Fisher-Yates shuffle).
 */
static void
SampleCentroids(const float *x, int64 n, int dim, int k, uint64 seed,
				float *centroids)
{
	int64	   *order = palloc(sizeof(int64) * n);
	pg_prng_state prng;

	pg_prng_seed(&prng, seed);
	for (int64 i = 0; i < n; i++)
		order[i] = i;
	for (int i = 0; i < k; i++)
	{
		int64		j = i + (int64) pg_prng_uint64_range(&prng, 0, n - 1 - i);
		int64		t = order[i];

		order[i] = order[j];
		order[j] = t;
		memcpy(centroids + (int64) i * dim, x + order[i] * dim,
			   sizeof(float) * dim);
	}
	pfree(order);
}

void
IvfTrainKmeans(const float *x, int64 n, int dim, int k, bool innerProduct,
			   bool spherical, uint64 seed, float *centroids)
{
	MvFaissMetric metric = innerProduct ? MV_FAISS_IP : MV_FAISS_L2;

	if (milvus_gpu_enabled && !innerProduct && !spherical)
	{
		SampleCentroids(x, n, dim, k, seed, centroids);
		WorkerKmeans(x, n, dim, k, IVF_KMEANS_ITERATIONS, centroids, NULL);
		return;
	}

	LoadFaiss();
	ereport(DEBUG1,
			(errmsg_plural("using %d thread for k-means",
						   "using %d threads for k-means",
						   BuildThreads((double) n * k * dim),
						   BuildThreads((double) n * k * dim))));
	for (int i = 0; i < IVF_KMEANS_ITERATIONS; i++)
	{
		CHECK_FOR_INTERRUPTS();
		FaissCheck(faiss_kmeans(dim, n, x, k, metric, spherical, 1, seed,
								i > 0, centroids,
								BuildThreads((double) n * k * dim)),
				   "train ivf centroids");
	}
}

/*
 * The nearest of k centroids for each of n vectors, into labels.  The
 * caller passes batches small enough to check for interrupts between them.
 */
void
IvfAssignLists(const float *centroids, int k, int dim, bool innerProduct,
			   const float *x, int64 n, int64 *labels)
{
	LoadFaiss();
	FaissCheck(faiss_assign(dim, k, centroids,
							innerProduct ? MV_FAISS_IP : MV_FAISS_L2,
							n, x, (int64_t *) labels,
							BuildThreads((double) n * k * dim)),
			   "assign vectors to ivf lists");
}
