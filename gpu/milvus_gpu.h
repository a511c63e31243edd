/*
 * milvus_gpu.h: the plain C interface of libmilvus_gpu.so, the CUDA library
 * the milvus background worker loads with dlopen() where a GPU is present.
 *
 * No PostgreSQL and no CUDA types here: the worker includes this header and
 * resolves these symbols at run time, so the extension builds and runs on
 * machines without CUDA.  Every function returns MG_OK or an error code and,
 * on error, writes a NUL-terminated message into err (errlen bytes); none
 * aborts the process.  Matrices are row-major float32.
 */
#ifndef MILVUS_GPU_H
#define MILVUS_GPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MG_API_VERSION 1

/* Error codes. */
#define MG_OK				0
#define MG_ERR_NO_DEVICE	1	/* no CUDA device, or the driver is missing */
#define MG_ERR_ARGUMENT		2	/* a bad argument (k out of range, ...) */
#define MG_ERR_MEMORY		3	/* device or host allocation failed */
#define MG_ERR_CUDA			4	/* a CUDA runtime call failed */
#define MG_ERR_CUBLAS		5	/* a cuBLAS call failed */

#define MG_MAX_K			1024

/*
 * Metrics.  Distances come back as the SQL operators give them, so that
 * smaller is nearer for every metric: L2 is the Euclidean distance (<->),
 * IP the negative inner product (<#>), COSINE 1 - cosine similarity (<=>,
 * NaN where either vector is zero, as pgvector; such rows sort last).
 */
typedef enum mg_metric
{
	MG_METRIC_L2 = 0,
	MG_METRIC_IP = 1,
	MG_METRIC_COSINE = 2
} mg_metric;

typedef struct mg_device_info
{
	char		name[256];
	size_t		total_memory;	/* bytes */
	size_t		free_memory;	/* bytes, when asked */
	int			compute_major;
	int			compute_minor;
	int			multiprocessors;
} mg_device_info;

/* MG_API_VERSION of the library; the worker refuses a mismatch. */
int			mg_api_version(void);

/* Number of usable CUDA devices in *count (0 and MG_OK when there is none). */
int			mg_device_count(int *count, char *err, size_t errlen);

int			mg_device_info_get(int device, mg_device_info *info,
							   char *err, size_t errlen);

/*
 * Exact k nearest neighbours of nq queries among n base vectors of dim
 * dimensions.  distances and labels have nq * k entries, each query's row
 * sorted nearest first; labels are row numbers in base, -1 (distance
 * +inf) where n < k.  1 <= k <= MG_MAX_K.  memory_limit caps the device
 * memory used (0: what is free); base and queries larger than that are
 * processed in tiles.
 */
int			mg_knn(int device, size_t memory_limit, mg_metric metric,
				   const float *base, int64_t n,
				   const float *queries, int64_t nq,
				   int dim, int k,
				   float *distances, int64_t *labels,
				   char *err, size_t errlen);

/*
 * Lloyd's k-means of n vectors into k centroids: centroids (k * dim) holds
 * the initial centroids on entry (the caller samples them, with its seed)
 * and the trained ones on return.  The assignment step (nearest centroid by
 * L2) runs on the device; a centroid left empty takes a vector from the
 * largest cluster, deterministically.  *objective receives the final sum of
 * squared distances when not NULL.
 *
 * Precisely (gpu/README.md): iterations Lloyd steps, each an assignment and
 * then new centroids; *objective is the sum of the squared distances of the
 * last assignment, to the centroids before the last update.  iterations = 0
 * leaves the centroids as given and gives their objective.  n >= k.  An
 * empty centroid, in centroid order, takes the row of the largest cluster
 * (lowest number on ties) farthest from that cluster's centroid (lowest row
 * on ties).
 */
int			mg_kmeans(int device, size_t memory_limit,
					  const float *x, int64_t n, int dim,
					  int k, int iterations,
					  float *centroids, double *objective,
					  char *err, size_t errlen);

/*
 * Nearest centroid (L2) of each of n vectors, into assign (n entries; ties
 * to the lower centroid number).  distances, when not NULL, receives the
 * squared L2 distance to that centroid (n entries).
 */
int			mg_assign(int device, size_t memory_limit,
					  const float *x, int64_t n, int dim,
					  const float *centroids, int k,
					  int64_t *assign, float *distances,
					  char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif							/* MILVUS_GPU_H */
