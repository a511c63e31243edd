/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The background worker: batch jobs (k-NN search, k-means) run off the
 *	  calling backend, on the GPU where there is one, else on the CPU.
 *
 * When milvus is in shared_preload_libraries, _PG_init (WorkerInit)
 * reserves a job queue in shared memory and registers one background
 * worker, "milvus worker".  A backend submits a job by copying its inputs
 * into a new DSM segment, putting the segment's handle into a free queue
 * slot and setting the worker's latch; then it waits on its own latch
 * (interruptible) until the worker marks the slot done or failed, and reads
 * the results from the segment.
 *
 * Limits, both superuser-only settings so that no role can hold the one
 * worker or the server's memory: milvus.worker_timeout bounds the time a
 * job runs (the submitter's value travels in the job; the worker stops the
 * job at its next poll past it and fails it as timed out), and
 * milvus.worker_memory_limit bounds what a job allocates, checked by
 * batch.c before each allocation it sizes (WorkerCheck*Memory).
 *
 * The worker takes queued slots in submission order and runs one job at a
 * time with milvus.worker_threads threads (worker_cpu.c), or hands it to
 * libmilvus_gpu.so (worker_gpu.c) when the job asks for the GPU
 * (milvus.gpu_enabled in the submitting session) and the library loaded.
 *
 * Without shared_preload_libraries there is no worker: the same jobs run in
 * the calling backend itself, with the same threads, on the CPU.
 *
 * Queue slot states and who moves them (under the queue's LWLock):
 *
 *	FREE -> QUEUED			backend submits
 *	QUEUED -> RUNNING		worker takes it
 *	RUNNING -> DONE/FAILED	worker finishes, sets the backend's latch
 *	DONE/FAILED -> FREE		backend reads the outcome
 *	QUEUED -> FREE			backend gives up (cancel, timeout, error, exit)
 *	RUNNING: abandoned		backend gives up; the worker stops the job at
 *							its next poll and frees the slot
 *
 * A worker that exits (SIGTERM, FATAL) fails its running job with a clear
 * message before it goes; the postmaster starts it again after
 * WORKER_RESTART_SECONDS, and queued jobs wait for it.  A worker that dies
 * by a signal it cannot catch (SIGKILL, a crash) makes the postmaster
 * restart every backend, as for any crashed server process.
 *
 * IDENTIFICATION
 *	  src/worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_WORKER_H
#define MILVUS_WORKER_H

#include "postgres.h"

#include "worker_cpu.h"

/* settings */
extern bool milvus_gpu_enabled;
extern int	milvus_gpu_device;
extern int	milvus_gpu_memory_limit;	/* MB, 0: what is free */
extern int	milvus_worker_threads;		/* 0: every CPU */
extern int	milvus_worker_timeout;		/* ms a job may run, 0: none */
extern int	milvus_worker_memory_limit; /* MB a job may allocate */
extern char *milvus_gpu_library;		/* "": $libdir/libmilvus_gpu.so */

/* What milvus_worker_status shows. */
typedef struct WorkerStatusData
{
	bool		preloaded;		/* the worker exists at all */
	char		device[64];		/* "cpu" or the GPU's name */
	int64		device_memory;	/* GPU bytes, -1 on the CPU */
	int			threads;
	int64		queued;
	int64		running;
	int64		finished;
	int64		failed;
	int64		cancelled;
	int64		gpu_jobs;		/* finished on the GPU */
	int64		job_memory;		/* bytes of queued and running jobs */
	int			pid;			/* 0 when not running */
	int64		restarts;
} WorkerStatusData;

/* Settings; and the queue and the worker when preloading. */
extern void WorkerInit(void);

extern void WorkerGetStatus(WorkerStatusData *status);

/*
 * Raise ERRCODE_PROGRAM_LIMIT_EXCEEDED, naming the limit and the request,
 * when a k-NN job over n rows (or a k-means job) would allocate more than
 * milvus.worker_memory_limit in all: the backend's copy, the job's shared
 * segment and the worker threads' memory.  Call before allocating.
 */
extern void WorkerCheckKnnMemory(int64 n, int64 nq, int dim, int k);
extern void WorkerCheckKmeansMemory(int64 n, int dim, int k);

/* The most rows such a job may hold (nq unused for k-means). */
extern int64 WorkerMaxRows(bool knn, int64 nq, int dim, int k);

/*
 * Exact k nearest neighbours (see WorkerCpuKnn for the arguments and the
 * result), in the worker or in this backend.  Errors are ereported.
 */
extern void WorkerKnn(WorkerMetric metric, const float *base, int64 n,
					  const float *queries, int64 nq, int dim, int k,
					  double *distances, int64 *labels);

/*
 * k-means for ivf training (see WorkerCpuKmeans): centroids holds the
 * initial centroids on entry, the trained ones on return.  On the GPU when
 * milvus.gpu_enabled and the worker has one.  Errors are ereported.
 */
extern void WorkerKmeans(const float *x, int64 n, int dim, int k,
						 int iterations, float *centroids, double *objective);

/* the worker's entry point (named in its registration) */
extern PGDLLEXPORT void milvus_worker_main(Datum main_arg);

#endif							/* MILVUS_WORKER_H */
