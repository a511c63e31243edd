/*-------------------------------------------------------------------------
 *
 * mg_internal.h
 *	  What the files of libmilvus_gpu.so share: error reporting, the device
 *	  buffers, the ordered sort keys and the kernel launchers.
 *
 * Errors: every CUDA and cuBLAS call goes through MG_CUDA() or MG_CUBLAS(),
 * which write "what failed: why (file:line)" into the caller's buffer and
 * return the code from the enclosing function.  Device memory is owned by
 * DevBuf objects, freed on every return path; nothing aborts.
 *
 * Sort keys: a distance becomes a uint32 whose unsigned order is the float
 * order, with every NaN mapped to the largest key, so NaN sorts after +inf.
 * Ties are broken by the label compared as unsigned, so an empty slot
 * (label -1) sorts after every real row, NaN rows included.
 *
 * IDENTIFICATION
 *	  gpu/mg_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_INTERNAL_H
#define MG_INTERNAL_H

#include <cstdint>
#include <cstddef>
#include <cstring>
#include <cmath>

#ifdef MG_EMULATE
#include "emu/mg_emu.h"			/* host emulation, for testing without a GPU */
#else
#include <cuda_runtime.h>
#include <cublas_v2.h>

/* kernel<<<grid, block, 0, stream>>>(args...) */
#define MG_LAUNCH(kernel, grid, block, stream, ...) \
	kernel<<<(grid), (block), 0, (stream)>>>(__VA_ARGS__)
#endif

#include "milvus_gpu.h"

#define MG_EXPORT extern "C" __attribute__((visibility("default")))

/* Threads per block of most kernels: a multiple of 32, at most 1024. */
#ifndef MG_BLOCK
#define MG_BLOCK 256
#endif
/* Threads per block of the k-means assignment (one row per block). */
#define MG_ARGMIN_BLOCK (MG_BLOCK / 2)
/* Entries of the shared sort buffer: the top-k (up to 1024) + candidates. */
#define MG_SORT_SIZE 2048
/* Largest distance tile, in elements (1 GiB of float). */
#define MG_MAX_TILE_ELEMS ((size_t) 1 << 28)
/* Queries per tile at most (one block each in the selection kernel). */
#define MG_MAX_QUERY_TILE 16384

#define MG_EMPTY_KEY 0xFFFFFFFFu

/* Internal metric: squared L2 for k-means, beside the public ones. */
#define MG_METRIC_L2SQR 3

/* The error buffer of one API call. */
struct MgErr
{
	char	   *buf;
	size_t		len;
};

int			MgSetError(MgErr *e, int code, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
int			MgCudaError(MgErr *e, cudaError_t rc, const char *what,
						const char *file, int line);
int			MgCublasError(MgErr *e, cublasStatus_t rc, const char *what,
						  const char *file, int line);

#define MG_CUDA(e, call) \
	do { \
		cudaError_t mg_rc_ = (call); \
		if (mg_rc_ != cudaSuccess) \
			return MgCudaError((e), mg_rc_, #call, __FILE__, __LINE__); \
	} while (0)

#define MG_CUBLAS(e, call) \
	do { \
		cublasStatus_t mg_rc_ = (call); \
		if (mg_rc_ != CUBLAS_STATUS_SUCCESS) \
			return MgCublasError((e), mg_rc_, #call, __FILE__, __LINE__); \
	} while (0)

/* Propagate a non-MG_OK code from a helper. */
#define MG_TRY(call) \
	do { \
		int mg_code_ = (call); \
		if (mg_code_ != MG_OK) \
			return mg_code_; \
	} while (0)

/* A device allocation, freed by its destructor. */
class DevBuf
{
public:
	DevBuf() : ptr(nullptr), size(0) {}
	~DevBuf() { if (ptr) cudaFree(ptr); }
	DevBuf(const DevBuf &) = delete;
	DevBuf &operator=(const DevBuf &) = delete;
	int			Alloc(MgErr *e, size_t bytes, const char *what);
	template <typename T> T *As() const { return static_cast<T *>(ptr); }
private:
	void	   *ptr;
	size_t		size;
};

/*
 * The per-call device state: the device selected, a stream and a cuBLAS
 * handle bound to it, all released by the destructor.
 */
class MgContext
{
public:
	MgContext() : stream(nullptr), blas(nullptr) {}
	~MgContext();
	int			Open(MgErr *e, int device);
	/* Bytes usable under memory_limit (0: what is free), less a reserve. */
	int			Budget(MgErr *e, size_t memory_limit, size_t *budget);
	int			Sync(MgErr *e);
	cudaStream_t stream;
	cublasHandle_t blas;
};

/* Ordered key of a distance; see the file header. */
__host__ __device__ static inline uint32_t
MgKey(float d)
{
	uint32_t	b;

	if (d != d)
		return MG_EMPTY_KEY;
	if (d == 0.0f)
		d = 0.0f;				/* -0 and +0 alike */
#ifdef __CUDA_ARCH__
	b = __float_as_uint(d);
#else
	memcpy(&b, &d, sizeof(b));
#endif
	return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

/* The distance of a key: +inf for an empty slot, NaN for a NaN row. */
static inline float
MgKeyDistance(uint32_t key, int64_t label)
{
	uint32_t	b;
	float		d;

	if (key == MG_EMPTY_KEY)
		return label < 0 ? INFINITY : NAN;
	b = (key & 0x80000000u) ? (key & 0x7FFFFFFFu) : ~key;
	memcpy(&d, &b, sizeof(d));
	return d;
}

/* Kernel launchers (mg_kernels.cu); each checks the launch. */
int			MgLaunchNorms(MgErr *e, cudaStream_t s, const float *x,
						  int64_t rows, int dim, int sqrt_norm, float *norms);
int			MgLaunchInitTopk(MgErr *e, cudaStream_t s, uint32_t *keys,
							 int64_t *labels, int64_t count);
int			MgLaunchSelect(MgErr *e, cudaStream_t s, int metric,
						   const float *dots, int rows, int cols,
						   const float *qnorms, const float *bnorms,
						   int64_t label_offset, int k,
						   uint32_t *keys, int64_t *labels);
int			MgLaunchArgmin(MgErr *e, cudaStream_t s, const float *dots,
						   int rows, int cols, const float *xnorms,
						   const float *cnorms, int64_t *assign,
						   float *dist, double *objective);
int			MgLaunchAccumulate(MgErr *e, cudaStream_t s, const float *x,
							   int rows, int dim, const int64_t *assign,
							   double *sums, unsigned long long *counts);

/*
 * dots (rows x cols, row-major) = a (rows x dim) times b (cols x dim)
 * transposed, all row-major on the device.
 */
int			MgGemmDots(MgErr *e, MgContext *ctx, const float *a, int rows,
					   const float *b, int cols, int dim, float *dots);

/* Argument checks shared by the entry points. */
int			MgCheckMatrix(MgErr *e, const char *name, const void *p,
						  int64_t rows, int dim);

#endif							/* MG_INTERNAL_H */
