/*-------------------------------------------------------------------------
 *
 * buildthreads.h
 *	  milvus.max_build_threads: the superuser's cap on the threads one
 *	  backend may start to build an index.
 *
 * milvus.hnsw_build_threads and milvus.ivf_build_threads are USERSET, so
 * that a role can build with fewer threads than the default, or more up to
 * the cap.  The cap is milvus.max_build_threads (PGC_SUSET, default
 * BUILD_THREADS_DEFAULT_MAX): setting either thread count above it fails
 * (BuildThreadsCheckHook, 22023), and the count a build uses is clamped to
 * it (BuildThreadsCount), which also covers a cap lowered after a count was
 * set, counts from the configuration file (checked in file order, so not
 * against the cap), and -1, whose max_parallel_maintenance_workers + 1 any
 * role can raise.
 *
 * IDENTIFICATION
 *	  src/buildthreads.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_BUILDTHREADS_H
#define MILVUS_BUILDTHREADS_H

#include "postgres.h"

#include "utils/guc.h"

/* The default cap: above the default of -1 (2 + 1), below a big machine. */
#define BUILD_THREADS_DEFAULT_MAX	4
/* The most threads any setting may ask for. */
#define BUILD_THREADS_LIMIT			64

extern int	max_build_threads;

extern void BuildThreadsInit(void);
extern bool BuildThreadsCheckHook(int *newval, void **extra, GucSource source);
extern int	BuildThreadsCount(const char *name, int setting);

#endif							/* MILVUS_BUILDTHREADS_H */
