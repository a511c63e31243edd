/*-------------------------------------------------------------------------
 *
 * faiss_shim.h
 *	  C interface over Faiss: k-means training and nearest-centroid
 *	  assignment for the ivf access methods.
 *
 * This shim is not linked into milvus.so.  It is built into a library of
 * its own, milvus_faiss.so (with Faiss, OpenBLAS and OpenMP), which
 * ivfkmeans.c loads with dlopen() the first time an index is trained, with
 * every signal blocked.  OpenBLAS starts its thread pool when it is loaded,
 * and OpenMP when Faiss first runs in parallel; threads started with every
 * signal blocked inherit that mask, so the backend's signals (its latch's
 * SIGURG read through signalfd among them) are only ever delivered to its
 * main thread.  Loading the library only when an index is trained keeps
 * those threads out of every backend that merely uses the types.
 *
 * Every entry point is noexcept, blocks every signal in the calling thread
 * for its duration (restoring the mask before it returns), catches every
 * exception and returns an MvStatus; the message is read with
 * mv_faiss_last_error(), this library's own copy of mv_shim_last_error().
 * No function here calls PostgreSQL.  This header is plain C and never
 * includes postgres.h.
 *
 * IDENTIFICATION
 *	  src/faiss_shim.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_FAISS_SHIM_H
#define MILVUS_FAISS_SHIM_H

#include <stdint.h>

#include "shim.h"

#ifdef __cplusplus
extern "C"
{
#endif

/* the library's only exports (it is built with hidden visibility) */
#define MV_FAISS_API __attribute__((visibility("default")))

typedef enum MvFaissMetric
{
	MV_FAISS_L2 = 0,			/* squared Euclidean distance */
	MV_FAISS_IP					/* inner product (larger is closer) */
} MvFaissMetric;

/*
 * Run niter iterations of k-means (Lloyd) over the n vectors x (row-major,
 * dim floats each) with k centroids, in and out through centroids (k * dim
 * floats).  With init false the centroids are first chosen by Faiss among
 * the vectors (seeded by seed); with init true the given centroids are the
 * starting point, so a caller can run the iterations a few at a time and
 * check for interrupts in between.  spherical normalises the centroids
 * after each iteration (for inner product and cosine).  Requires n >= k >= 1
 * (else MV_ERR_INVALID).  nthreads <= 0 leaves OpenMP's default.
 */
extern MV_FAISS_API MvStatus mv_faiss_kmeans(int dim, int64_t n, const float *x, int k,
								MvFaissMetric metric, int spherical,
								int niter, uint64_t seed, int init,
								float *centroids, int nthreads) MV_NOEXCEPT;

/*
 * For each of the n vectors x, the index (0 .. k - 1) of its nearest
 * centroid under metric, into labels (n entries).
 */
extern MV_FAISS_API MvStatus mv_faiss_assign(int dim, int k, const float *centroids,
								MvFaissMetric metric, int64_t n,
								const float *x, int64_t *labels,
								int nthreads) MV_NOEXCEPT;

/* This library's last error message on this thread (see shim.h). */
extern MV_FAISS_API const char *mv_faiss_last_error(void) MV_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif							/* MILVUS_FAISS_SHIM_H */
