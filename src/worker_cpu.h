/*-------------------------------------------------------------------------
 *
 * worker_cpu.h
 *	  The CPU path of the background worker's jobs: exact k-nearest
 *	  neighbour search and k-means, with several threads.
 *
 * The background worker runs these when there is no GPU (and a backend
 * runs them itself when the library was not preloaded).  Both are plain C
 * over caller-provided buffers and never include postgres.h, so the unit
 * test links them without a server.
 *
 * Distances are those of src/distance.h, finished in double precision
 * exactly as the SQL operators finish them (l2 = sqrt of the float32
 * squared sum, ip = its negation, cosine = 1 - dot / sqrt(|a|^2 |b|^2),
 * l1 as is), so a batch search returns the very values that
 * ORDER BY v <op> q computes.  NaN (cosine of a zero vector) sorts after
 * every number, as in SQL; equal distances sort by row number.
 *
 * Threads: each call starts nthreads threads and joins them before it
 * returns; they have every signal blocked, so signals reach the caller's
 * thread, and they never call anything but the kernels and libc.  While
 * they run, the calling thread calls poll(poll_arg) about every 10 ms; when
 * poll returns true the threads stop at their next tile and the call
 * returns MV_ERR_INTERRUPTED.  poll must not longjmp (in PostgreSQL: read
 * QueryCancelPending, never CHECK_FOR_INTERRUPTS).
 *
 * IDENTIFICATION
 *	  src/worker_cpu.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_WORKER_CPU_H
#define MILVUS_WORKER_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "shim.h"

/* the first three have the values of gpu/milvus_gpu.h's mg_metric */
typedef enum WorkerMetric
{
	WORKER_METRIC_L2 = 0,
	WORKER_METRIC_IP = 1,
	WORKER_METRIC_COSINE = 2,
	WORKER_METRIC_L1 = 3
} WorkerMetric;

#define WORKER_MAX_K		1024
#define WORKER_MAX_THREADS	64

/*
 * A thread count brought into 1 .. WORKER_MAX_THREADS: the one bound of
 * the worker's threads (worker.c counts them, the functions below run them).
 */
static inline int
WorkerClampThreads(long nthreads)
{
	if (nthreads < 1)
		return 1;
	if (nthreads > WORKER_MAX_THREADS)
		return WORKER_MAX_THREADS;
	return (int) nthreads;
}

typedef bool (*WorkerPollFn) (void *arg);

/*
 * Exact k nearest neighbours of nq queries among n base vectors of dim
 * dimensions (row-major float32).  distances and labels have nq * k
 * entries, each query's row nearest first; labels are row numbers in base,
 * -1 (distance +inf) past the n-th where n < k.  Returns MV_OK,
 * MV_ERR_INVALID (bad k, dim or counts), MV_ERR_NOMEM or
 * MV_ERR_INTERRUPTED (outputs then undefined).
 */
extern MvStatus WorkerCpuKnn(WorkerMetric metric,
							 const float *base, int64_t n,
							 const float *queries, int64_t nq,
							 int dim, int k, int nthreads,
							 double *distances, int64_t *labels,
							 WorkerPollFn poll, void *poll_arg);

/*
 * Lloyd's k-means of n vectors into k centroids by L2.  centroids (k * dim)
 * holds the initial centroids on entry and the trained ones on return.  A
 * centroid left empty after an iteration is split off the largest cluster
 * (a copy of its centroid, both nudged apart by a relative 1/1024), so the
 * result is deterministic.  *objective (when not NULL) receives the sum of
 * squared distances of the last assignment.  Returns as WorkerCpuKnn.
 */
extern MvStatus WorkerCpuKmeans(const float *x, int64_t n, int dim,
								int k, int iterations, int nthreads,
								float *centroids, double *objective,
								WorkerPollFn poll, void *poll_arg);

#endif							/* MILVUS_WORKER_CPU_H */
