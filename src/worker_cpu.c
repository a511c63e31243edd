/*-------------------------------------------------------------------------
 *
 * worker_cpu.c
 *	  Exact k-nearest-neighbour search and k-means on the CPU, with threads.
 *
 * Both jobs are split into tasks that threads take from a shared counter
 * (RunTasks).  The calling thread only waits and polls for a stop request;
 * every task checks the stop flag once per tile, so a stop takes effect
 * within one tile's work (a few milliseconds).
 *
 * k-NN: the queries are cut into blocks of KNN_QUERY_BLOCK; the base rows
 * into tiles of KNN_BASE_TILE, small enough to stay in the L2 cache while
 * every query of the block is compared with them.  Each query keeps a
 * max-heap of its k nearest so far (the farthest at the root).  With fewer
 * query blocks than threads (few queries), the base rows are split into
 * parts too, each with heaps of its own, merged at the end.
 *
 * k-means: the assignment step (nearest centroid of every row) runs in the
 * threads, in chunks of KMEANS_CHUNK rows; the update step (means of the
 * assigned rows) runs in the calling thread, in row order, so the result
 * does not depend on the number of threads.
 *
 * Plain C: no postgres.h (see worker_cpu.h).
 *
 * IDENTIFICATION
 *	  src/worker_cpu.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "distance.h"
#include "worker_cpu.h"

#define KNN_QUERY_BLOCK		8
#define KNN_BASE_TILE		512
#define KMEANS_CHUNK		4096
#define POLL_INTERVAL_NS	10000000L	/* 10 ms */

/* ----------------------------------------------------------------
 *		Running tasks in threads
 * ----------------------------------------------------------------
 */

typedef void (*TaskFn) (void *ctx, int64_t task, const int *stop);

typedef struct TaskRun
{
	TaskFn		fn;
	void	   *ctx;
	int64_t		ntasks;
	int64_t		next;			/* next task to take (atomic) */
	int			stop;			/* set to stop the threads (atomic) */
	int			running;		/* threads not yet finished (mutex) */
	pthread_mutex_t mutex;
	pthread_cond_t cond;
} TaskRun;

/*
 * Thread body: take tasks until none is left or a stop is requested.
 */
static void *
TaskThread(void *arg)
{
	TaskRun    *run = (TaskRun *) arg;

	for (;;)
	{
		int64_t		task;

		if (__atomic_load_n(&run->stop, __ATOMIC_RELAXED))
			break;
		task = __atomic_fetch_add(&run->next, 1, __ATOMIC_RELAXED);
		if (task >= run->ntasks)
			break;
		run->fn(run->ctx, task, &run->stop);
	}
	pthread_mutex_lock(&run->mutex);
	run->running--;
	pthread_cond_signal(&run->cond);
	pthread_mutex_unlock(&run->mutex);
	return NULL;
}

/*
 * Start up to nthreads threads (every signal blocked) and wait for them,
 * calling poll about every POLL_INTERVAL_NS; when it returns true, ask the
 * threads to stop.  Returns once every thread has been joined.
 */
static MvStatus
RunTasks(int nthreads, int64_t ntasks, TaskFn fn, void *ctx,
		 WorkerPollFn poll, void *poll_arg)
{
	pthread_t	threads[WORKER_MAX_THREADS];
	int			started = 0;
	sigset_t	all;
	sigset_t	old;
	TaskRun		run;

	if (ntasks <= 0)
		return MV_OK;
	nthreads = WorkerClampThreads(nthreads < ntasks ? nthreads : (long) ntasks);

	memset(&run, 0, sizeof(run));
	run.fn = fn;
	run.ctx = ctx;
	run.ntasks = ntasks;
	pthread_mutex_init(&run.mutex, NULL);
	pthread_cond_init(&run.cond, NULL);

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < nthreads; i++)
	{
		pthread_mutex_lock(&run.mutex);
		run.running++;
		pthread_mutex_unlock(&run.mutex);
		if (pthread_create(&threads[started], NULL, TaskThread, &run) != 0)
		{
			pthread_mutex_lock(&run.mutex);
			run.running--;
			pthread_mutex_unlock(&run.mutex);
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (started > 0)
	{
		pthread_mutex_lock(&run.mutex);
		while (run.running > 0)
		{
			struct timespec deadline;

			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_nsec += POLL_INTERVAL_NS;
			if (deadline.tv_nsec >= 1000000000L)
			{
				deadline.tv_sec++;
				deadline.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&run.cond, &run.mutex, &deadline);
			if (run.running > 0 && poll != NULL &&
				!__atomic_load_n(&run.stop, __ATOMIC_RELAXED))
			{
				pthread_mutex_unlock(&run.mutex);
				if (poll(poll_arg))
					__atomic_store_n(&run.stop, 1, __ATOMIC_RELAXED);
				pthread_mutex_lock(&run.mutex);
			}
		}
		pthread_mutex_unlock(&run.mutex);
		for (int i = 0; i < started; i++)
			pthread_join(threads[i], NULL);
	}
	pthread_mutex_destroy(&run.mutex);
	pthread_cond_destroy(&run.cond);

	if (started == 0)
		return MV_ERR_NOMEM;
	if (__atomic_load_n(&run.stop, __ATOMIC_RELAXED))
		return MV_ERR_INTERRUPTED;
	return MV_OK;
}

/* ----------------------------------------------------------------
 *		Heaps of the k nearest: the farthest at the root
 * ----------------------------------------------------------------
 */

/*
 * True when (da, la) sorts after (db, lb): larger distance, NaN after any
 * number, then larger row number.
 */
static inline bool
Farther(double da, int64_t la, double db, int64_t lb)
{
	if (isnan(da))
		return isnan(db) ? la > lb : true;
	if (isnan(db))
		return false;
	return da > db || (da == db && la > lb);
}

static inline void
SiftDown(double *d, int64_t *l, int size, int i, double dist, int64_t label)
{
	for (;;)
	{
		int			c = 2 * i + 1;

		if (c >= size)
			break;
		if (c + 1 < size && Farther(d[c + 1], l[c + 1], d[c], l[c]))
			c++;
		if (!Farther(d[c], l[c], dist, label))
			break;
		d[i] = d[c];
		l[i] = l[c];
		i = c;
	}
	d[i] = dist;
	l[i] = label;
}

/*
 * Offer (dist, label) to a heap of at most k entries holding *count.
 */
static inline void
HeapPush(double *d, int64_t *l, int *count, int k, double dist, int64_t label)
{
	int			i;

	if (*count < k)
	{
		i = (*count)++;
		while (i > 0)
		{
			int			p = (i - 1) / 2;

			if (!Farther(dist, label, d[p], l[p]))
				break;
			d[i] = d[p];
			l[i] = l[p];
			i = p;
		}
		d[i] = dist;
		l[i] = label;
		return;
	}
	if (Farther(d[0], l[0], dist, label))
		SiftDown(d, l, k, 0, dist, label);
}

/*
 * Turn a heap of count entries into a row of k sorted nearest first, the
 * rest -1 / +inf; L2 heaps hold squared distances, made Euclidean here.
 */
static void
HeapFinish(double *d, int64_t *l, int count, int k, WorkerMetric metric)
{
	for (int size = count - 1; size > 0; size--)
	{
		double		dist = d[size];
		int64_t		label = l[size];

		d[size] = d[0];
		l[size] = l[0];
		SiftDown(d, l, size, 0, dist, label);
	}
	if (metric == WORKER_METRIC_L2)
		for (int i = 0; i < count; i++)
			d[i] = sqrt(d[i]);
	for (int i = count; i < k; i++)
	{
		d[i] = INFINITY;
		l[i] = -1;
	}
}

/* ----------------------------------------------------------------
 *		k nearest neighbours
 * ----------------------------------------------------------------
 */

typedef struct KnnCtx
{
	WorkerMetric metric;
	const float *base;
	int64_t		n;
	const float *queries;
	int64_t		nq;
	int			dim;
	int			k;
	int			parts;			/* base split into this many parts */
	double	   *hdist;			/* heaps: [part][query][k] */
	int64_t    *hlabel;
	int		   *hcount;			/* [part][query] */
} KnnCtx;

/*
 * The distance as the SQL operator computes it; L2 squared (finished by
 * HeapFinish), so that the heap compares what the operator orders by.
 */
static inline double
PairDistance(WorkerMetric metric, const float *a, const float *b, int dim)
{
	switch (metric)
	{
		case WORKER_METRIC_L2:
			return (double) DistanceL2Squared(a, b, dim);
		case WORKER_METRIC_IP:
			return -(double) DistanceInnerProduct(a, b, dim);
		case WORKER_METRIC_COSINE:
			{
				float		dot;
				float		na;
				float		nb;
				double		sim;

				DistanceCosineParts(a, b, dim, &dot, &na, &nb);
				sim = (double) dot / sqrt((double) na * (double) nb);
				if (isnan(sim))
					return NAN;
				if (sim > 1)
					sim = 1;
				else if (sim < -1)
					sim = -1;
				return 1 - sim;
			}
		case WORKER_METRIC_L1:
			return (double) DistanceL1(a, b, dim);
	}
	return NAN;
}

/*
 * One task: a block of queries against one part of the base rows.
 */
static void
KnnTask(void *arg, int64_t task, const int *stop)
{
	KnnCtx	   *c = (KnnCtx *) arg;
	int64_t		qb = task / c->parts;
	int			part = (int) (task % c->parts);
	int64_t		q0 = qb * KNN_QUERY_BLOCK;
	int64_t		q1 = q0 + KNN_QUERY_BLOCK < c->nq ? q0 + KNN_QUERY_BLOCK : c->nq;
	int64_t		b0 = c->n * part / c->parts;
	int64_t		b1 = c->n * (part + 1) / c->parts;

	for (int64_t t0 = b0; t0 < b1; t0 += KNN_BASE_TILE)
	{
		int64_t		t1 = t0 + KNN_BASE_TILE < b1 ? t0 + KNN_BASE_TILE : b1;

		if (__atomic_load_n(stop, __ATOMIC_RELAXED))
			return;
		for (int64_t q = q0; q < q1; q++)
		{
			const float *qv = c->queries + q * c->dim;
			size_t		h = (size_t) part * c->nq + q;
			double	   *hd = c->hdist + h * c->k;
			int64_t    *hl = c->hlabel + h * c->k;

			for (int64_t i = t0; i < t1; i++)
				HeapPush(hd, hl, &c->hcount[h], c->k,
						 PairDistance(c->metric, qv, c->base + i * c->dim,
									  c->dim),
						 i);
		}
	}
	/* with one part, the heaps are the output rows: finish them here */
	if (c->parts == 1)
		for (int64_t q = q0; q < q1; q++)
			HeapFinish(c->hdist + q * c->k, c->hlabel + q * c->k,
					   c->hcount[q], c->k, c->metric);
}

/*
 * Merge the parts' heaps of each query into its output row.
 */
static void
KnnMerge(KnnCtx *c, double *distances, int64_t *labels)
{
	for (int64_t q = 0; q < c->nq; q++)
	{
		double	   *d = distances + q * c->k;
		int64_t    *l = labels + q * c->k;
		int			count = 0;

		for (int p = 0; p < c->parts; p++)
		{
			size_t		h = (size_t) p * c->nq + q;

			for (int j = 0; j < c->hcount[h]; j++)
				HeapPush(d, l, &count, c->k,
						 c->hdist[h * c->k + j], c->hlabel[h * c->k + j]);
		}
		HeapFinish(d, l, count, c->k, c->metric);
	}
}

/*
 * Exact k-NN; see worker_cpu.h.
 */
MvStatus
WorkerCpuKnn(WorkerMetric metric, const float *base, int64_t n,
			 const float *queries, int64_t nq, int dim, int k, int nthreads,
			 double *distances, int64_t *labels,
			 WorkerPollFn poll, void *poll_arg)
{
	KnnCtx		c;
	int64_t		qblocks;
	MvStatus	status;

	if (k < 1 || k > WORKER_MAX_K || dim < 1 || n < 0 || nq < 0 ||
		(int) metric < 0 || metric > WORKER_METRIC_L1)
		return MV_ERR_INVALID;
	if (nq == 0)
		return MV_OK;
	nthreads = WorkerClampThreads(nthreads);

	memset(&c, 0, sizeof(c));
	c.metric = metric;
	c.base = base;
	c.n = n;
	c.queries = queries;
	c.nq = nq;
	c.dim = dim;
	c.k = k;
	c.parts = 1;
	qblocks = (nq + KNN_QUERY_BLOCK - 1) / KNN_QUERY_BLOCK;
	if (qblocks < nthreads && n >= 2 * KNN_BASE_TILE)
	{
		int64_t		parts = n / KNN_BASE_TILE;

		c.parts = parts < nthreads ? (int) parts : nthreads;
	}

	if (c.parts == 1)
	{
		c.hdist = distances;
		c.hlabel = labels;
	}
	else
	{
		c.hdist = malloc(sizeof(double) * c.parts * nq * k);
		c.hlabel = malloc(sizeof(int64_t) * c.parts * nq * k);
	}
	c.hcount = calloc((size_t) c.parts * nq, sizeof(int));
	if (c.hdist == NULL || c.hlabel == NULL || c.hcount == NULL)
		status = MV_ERR_NOMEM;
	else
		status = RunTasks(nthreads, qblocks * c.parts, KnnTask, &c,
						  poll, poll_arg);
	if (status == MV_OK && c.parts > 1)
		KnnMerge(&c, distances, labels);

	if (c.parts > 1)
	{
		free(c.hdist);
		free(c.hlabel);
	}
	free(c.hcount);
	return status;
}

/* ----------------------------------------------------------------
 *		k-means
 * ----------------------------------------------------------------
 */

typedef struct KmeansCtx
{
	const float *x;
	int64_t		n;
	int			dim;
	int			k;
	const float *centroids;
	int32_t    *assign;			/* [n] */
	double	   *objective;		/* [chunk] */
} KmeansCtx;

/*
 * One task: the nearest centroid of each row of one chunk (the lowest
 * centroid number on ties).
 */
static void
KmeansAssignTask(void *arg, int64_t task, const int *stop)
{
	KmeansCtx  *c = (KmeansCtx *) arg;
	int64_t		r0 = task * KMEANS_CHUNK;
	int64_t		r1 = r0 + KMEANS_CHUNK < c->n ? r0 + KMEANS_CHUNK : c->n;
	double		sum = 0;

	if (__atomic_load_n(stop, __ATOMIC_RELAXED))
		return;
	for (int64_t i = r0; i < r1; i++)
	{
		const float *row = c->x + i * c->dim;
		float		best = INFINITY;
		int32_t		besti = 0;

		for (int j = 0; j < c->k; j++)
		{
			float		d = DistanceL2Squared(row, c->centroids + (size_t) j * c->dim,
											  c->dim);

			if (d < best)
			{
				best = d;
				besti = j;
			}
		}
		c->assign[i] = besti;
		sum += best;
	}
	c->objective[task] = sum;
}

/*
 * The update step: each centroid becomes the mean of its rows; empty ones
 * are split off the largest cluster (see worker_cpu.h).
 */
static void
KmeansUpdate(KmeansCtx *c, float *centroids, double *sums, int64_t *counts)
{
	int			dim = c->dim;

	memset(sums, 0, sizeof(double) * c->k * dim);
	memset(counts, 0, sizeof(int64_t) * c->k);
	for (int64_t i = 0; i < c->n; i++)
	{
		double	   *s = sums + (size_t) c->assign[i] * dim;
		const float *row = c->x + i * dim;

		counts[c->assign[i]]++;
		for (int d = 0; d < dim; d++)
			s[d] += row[d];
	}
	for (int j = 0; j < c->k; j++)
		if (counts[j] > 0)
			for (int d = 0; d < dim; d++)
				centroids[(size_t) j * dim + d] =
					(float) (sums[(size_t) j * dim + d] / counts[j]);

	for (int j = 0; j < c->k; j++)
	{
		int			m = 0;
		float	   *cj = centroids + (size_t) j * dim;
		float	   *cm;

		if (counts[j] > 0)
			continue;
		for (int i = 1; i < c->k; i++)
			if (counts[i] > counts[m])
				m = i;
		if (counts[m] < 2)
			continue;			/* nothing left to split */
		cm = centroids + (size_t) m * dim;
		for (int d = 0; d < dim; d++)
		{
			cj[d] = cm[d] * (1.0f + 1.0f / 1024);
			cm[d] = cm[d] * (1.0f - 1.0f / 1024);
		}
		counts[j] = counts[m] / 2;
		counts[m] -= counts[j];
	}
}

/*
 * Lloyd's k-means; see worker_cpu.h.
 */
MvStatus
WorkerCpuKmeans(const float *x, int64_t n, int dim, int k, int iterations,
				int nthreads, float *centroids, double *objective,
				WorkerPollFn poll, void *poll_arg)
{
	KmeansCtx	c;
	int64_t		nchunks = (n + KMEANS_CHUNK - 1) / KMEANS_CHUNK;
	double	   *sums;
	int64_t    *counts;
	MvStatus	status = MV_OK;

	if (n < 1 || dim < 1 || k < 1 || iterations < 1)
		return MV_ERR_INVALID;

	memset(&c, 0, sizeof(c));
	c.x = x;
	c.n = n;
	c.dim = dim;
	c.k = k;
	c.centroids = centroids;
	c.assign = malloc(sizeof(int32_t) * n);
	c.objective = malloc(sizeof(double) * nchunks);
	sums = malloc(sizeof(double) * k * dim);
	counts = malloc(sizeof(int64_t) * k);
	if (c.assign == NULL || c.objective == NULL || sums == NULL || counts == NULL)
		status = MV_ERR_NOMEM;

	for (int it = 0; status == MV_OK && it < iterations; it++)
	{
		status = RunTasks(nthreads, nchunks, KmeansAssignTask, &c,
						  poll, poll_arg);
		if (status != MV_OK)
			break;
		if (objective != NULL)
		{
			*objective = 0;
			for (int64_t i = 0; i < nchunks; i++)
				*objective += c.objective[i];
		}
		KmeansUpdate(&c, centroids, sums, counts);
		if (poll != NULL && poll(poll_arg))
			status = MV_ERR_INTERRUPTED;
	}

	free(c.assign);
	free(c.objective);
	free(sums);
	free(counts);
	return status;
}
