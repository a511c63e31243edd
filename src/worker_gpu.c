/*-------------------------------------------------------------------------
 *
 * worker_gpu.c
 *	  Load libmilvus_gpu.so with dlopen() and call it.
 *
 * The extension never links the CUDA library: the background worker opens
 * $libdir/libmilvus_gpu.so when a job first asks for the GPU, resolves the
 * mg_* symbols of gpu/milvus_gpu.h, refuses a library whose
 * mg_api_version() differs from the header's, and checks that the device
 * exists.  Where anything is missing (no library, no driver, no device) the
 * worker says why in the log and runs every job on the CPU.
 *
 * XXX: an mg_* call cannot be interrupted; a cancel takes effect when it
 * returns.
 *
 * IDENTIFICATION
 *	  src/worker_gpu.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dlfcn.h>

#include "miscadmin.h"

#include "../gpu/milvus_gpu.h"
#include "worker_gpu.h"

typedef int (*MgApiVersionFn) (void);
typedef int (*MgDeviceCountFn) (int *count, char *err, size_t errlen);
typedef int (*MgDeviceInfoGetFn) (int device, mg_device_info *info,
								  char *err, size_t errlen);
typedef int (*MgKnnFn) (int device, size_t memory_limit, mg_metric metric,
						const float *base, int64_t n,
						const float *queries, int64_t nq, int dim, int k,
						float *distances, int64_t *labels,
						char *err, size_t errlen);
typedef int (*MgKmeansFn) (int device, size_t memory_limit,
						   const float *x, int64_t n, int dim, int k,
						   int iterations, float *centroids,
						   double *objective, char *err, size_t errlen);

static struct
{
	bool		tried;
	bool		ok;
	char		why[256];
	char		name[256];
	int64		memory;
	MgKnnFn		knn;
	MgKmeansFn	kmeans;
} gpu;

/*
 * Resolve one symbol; false (with the reason) when it is missing.
 */
static bool
Resolve(void *handle, const char *symbol, void **fn)
{
	*fn = dlsym(handle, symbol);
	if (*fn == NULL)
	{
		snprintf(gpu.why, sizeof(gpu.why),
				 "libmilvus_gpu.so has no symbol %s", symbol);
		return false;
	}
	return true;
}

/*
 * Open the library and the device; see worker_gpu.h.
 */
static bool
OpenOnce(const char *library, int device)
{
	char		path[MAXPGPATH];
	char		err[256] = "";
	void	   *handle;
	void	   *version;
	void	   *count;
	void	   *info;
	int			ndevices = 0;
	mg_device_info devinfo;

	if (library != NULL && library[0] != '\0')
		strlcpy(path, library, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s/libmilvus_gpu.so", pkglib_path);
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL)
	{
		snprintf(gpu.why, sizeof(gpu.why), "could not load %s: %s",
				 path, dlerror());
		return false;
	}
	if (!Resolve(handle, "mg_api_version", &version) ||
		!Resolve(handle, "mg_device_count", &count) ||
		!Resolve(handle, "mg_device_info_get", &info) ||
		!Resolve(handle, "mg_knn", (void **) &gpu.knn) ||
		!Resolve(handle, "mg_kmeans", (void **) &gpu.kmeans))
		return false;
	if (((MgApiVersionFn) version) () != MG_API_VERSION)
	{
		snprintf(gpu.why, sizeof(gpu.why),
				 "libmilvus_gpu.so has API version %d, expected %d",
				 ((MgApiVersionFn) version) (), MG_API_VERSION);
		return false;
	}
	if (((MgDeviceCountFn) count) (&ndevices, err, sizeof(err)) != MG_OK)
	{
		snprintf(gpu.why, sizeof(gpu.why), "no usable GPU: %s", err);
		return false;
	}
	if (device >= ndevices)
	{
		snprintf(gpu.why, sizeof(gpu.why),
				 "milvus.gpu_device is %d but there are %d GPUs",
				 device, ndevices);
		return false;
	}
	if (((MgDeviceInfoGetFn) info) (device, &devinfo, err, sizeof(err)) != MG_OK)
	{
		snprintf(gpu.why, sizeof(gpu.why), "could not query GPU %d: %s",
				 device, err);
		return false;
	}
	strlcpy(gpu.name, devinfo.name, sizeof(gpu.name));
	gpu.memory = (int64) devinfo.total_memory;
	return true;
}

/*
 * Open the library once per process; see worker_gpu.h.
 */
bool
WorkerGpuOpen(const char *path, int device, char *name, size_t namelen,
			  int64 *memory, char *why, size_t whylen)
{
	if (!gpu.tried)
	{
		gpu.tried = true;
		gpu.ok = OpenOnce(path, device);
	}
	if (gpu.ok)
	{
		strlcpy(name, gpu.name, namelen);
		*memory = gpu.memory;
	}
	else
		strlcpy(why, gpu.why, whylen);
	return gpu.ok;
}

/*
 * mg_knn, with distances widened to double.
 */
bool
WorkerGpuKnn(int device, size_t memory_limit, WorkerMetric metric,
			 const float *base, int64 n, const float *queries, int64 nq,
			 int dim, int k, double *distances, int64 *labels,
			 char *err, size_t errlen)
{
	float	   *fdist;
	int			rc;

	Assert(gpu.ok && metric <= WORKER_METRIC_COSINE);
	fdist = palloc_extended(sizeof(float) * nq * k, MCXT_ALLOC_HUGE);
	rc = gpu.knn(device, memory_limit, (mg_metric) metric, base, n,
				 queries, nq, dim, k, fdist, (int64_t *) labels, err, errlen);
	if (rc == MG_OK)
		for (int64 i = 0; i < nq * k; i++)
			distances[i] = (double) fdist[i];
	pfree(fdist);
	return rc == MG_OK;
}

/*
 * mg_kmeans.
 */
bool
WorkerGpuKmeans(int device, size_t memory_limit, const float *x, int64 n,
				int dim, int k, int iterations, float *centroids,
				double *objective, char *err, size_t errlen)
{
	Assert(gpu.ok);
	return gpu.kmeans(device, memory_limit, x, n, dim, k, iterations,
					  centroids, objective, err, errlen) == MG_OK;
}
