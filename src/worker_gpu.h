/*-------------------------------------------------------------------------
 *
 * worker_gpu.h
 *	  Loading libmilvus_gpu.so at run time and calling it (worker only).
 *
 * IDENTIFICATION
 *	  src/worker_gpu.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_WORKER_GPU_H
#define MILVUS_WORKER_GPU_H

#include "postgres.h"

#include "worker_cpu.h"

/*
 * dlopen the library (path; "" means $libdir/libmilvus_gpu.so), check its
 * API version and the device.
 * Returns true when the GPU can be used; otherwise false with the reason
 * in why.  Tries once per process; later calls return the first answer.
 */
extern bool WorkerGpuOpen(const char *path, int device, char *name,
						  size_t namelen, int64 *memory, char *why,
						  size_t whylen);

/*
 * The library's mg_knn and mg_kmeans (after WorkerGpuOpen returned true).
 * Return true on success, else false with the library's message in err.
 * Distances come back as double, like the CPU path's.
 */
extern bool WorkerGpuKnn(int device, size_t memory_limit, WorkerMetric metric,
						 const float *base, int64 n,
						 const float *queries, int64 nq, int dim, int k,
						 double *distances, int64 *labels,
						 char *err, size_t errlen);
extern bool WorkerGpuKmeans(int device, size_t memory_limit,
							const float *x, int64 n, int dim, int k,
							int iterations, float *centroids,
							double *objective, char *err, size_t errlen);

#endif							/* MILVUS_WORKER_GPU_H */
