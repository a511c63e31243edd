/*-------------------------------------------------------------------------
 *
 * mg_emu.h
 *	  A host emulation of the CUDA runtime and cuBLAS calls that
 *	  libmilvus_gpu.so makes, to run its code and its tests without a GPU.
 *
 * Built with MG_EMULATE (make -C gpu emucheck), the library's own sources
 * compile as plain C++ against this header: device memory is host memory,
 * copies are memcpy, cublasSgemm is a plain loop with cuBLAS's
 * column-major semantics, and a kernel launch runs each block's threads as
 * coroutines (ucontext) on one OS thread.  __syncthreads() and a warp
 * shuffle switch to the next thread, so every thread runs up to the
 * barrier before any passes it; the order of the threads is shuffled at
 * every barrier, so that code relying on an order shows it.  __shared__
 * becomes static: one block runs at a time.
 *
 * What this cannot show: real races (a thread's run between barriers is
 * atomic here), timing, and anything about the hardware.  It tests the
 * logic: tiling, merging, selection, indices, and the argument order of
 * the GEMM.
 *
 * IDENTIFICATION
 *	  gpu/emu/mg_emu.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_EMU_H
#define MG_EMU_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

#define __global__
#define __device__
#define __host__
#define __shared__ static

struct dim3
{
	unsigned int x, y, z;
};

extern dim3 threadIdx, blockIdx, blockDim, gridDim;

void		__syncthreads();
float		MgEmuShuffleDown(float v, int off);
uint32_t	MgEmuShuffleDownU(uint32_t v, int off);
int			MgEmuShuffleDownI(int v, int off);

static inline float __shfl_down_sync(unsigned, float v, int off) { return MgEmuShuffleDown(v, off); }
static inline uint32_t __shfl_down_sync(unsigned, uint32_t v, int off) { return MgEmuShuffleDownU(v, off); }
static inline int __shfl_down_sync(unsigned, int v, int off) { return MgEmuShuffleDownI(v, off); }

/* One OS thread runs every emulated thread: plain arithmetic is atomic. */
template <typename T>
static inline T
atomicAdd(T *p, T v)
{
	T			old = *p;

	*p = old + v;
	return old;
}

static inline float
__int_as_float(int i)
{
	float		f;

	memcpy(&f, &i, sizeof(f));
	return f;
}

void		MgEmuLaunch(unsigned int grid, unsigned int block,
						const std::function<void()> &body);

#define MG_LAUNCH(kernel, grid, block, stream, ...) \
	((void) (stream), MgEmuLaunch((grid), (block), [&]() { kernel(__VA_ARGS__); }))

/* The runtime calls the library makes. */
typedef enum cudaError
{
	cudaSuccess = 0,
	cudaErrorMemoryAllocation = 2,
	cudaErrorInsufficientDriver = 35,
	cudaErrorNoDevice = 100
} cudaError_t;

typedef enum cudaMemcpyKind
{
	cudaMemcpyHostToDevice = 1,
	cudaMemcpyDeviceToHost = 2,
	cudaMemcpyDeviceToDevice = 3
} cudaMemcpyKind;

typedef struct MgEmuStream *cudaStream_t;

struct cudaDeviceProp
{
	char		name[256];
	size_t		totalGlobalMem;
	int			major;
	int			minor;
	int			multiProcessorCount;
};

#define cudaStreamNonBlocking 1

cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetLastError();
const char *cudaGetErrorString(cudaError_t rc);
cudaError_t cudaMalloc(void **p, size_t bytes);
cudaError_t cudaFree(void *p);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned int flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes,
							cudaMemcpyKind kind, cudaStream_t s);
cudaError_t cudaMemsetAsync(void *dst, int value, size_t bytes,
							cudaStream_t s);

typedef enum
{
	CUBLAS_STATUS_SUCCESS = 0,
	CUBLAS_STATUS_ALLOC_FAILED = 3,
	CUBLAS_STATUS_INVALID_VALUE = 7
} cublasStatus_t;

typedef enum
{
	CUBLAS_OP_N = 0,
	CUBLAS_OP_T = 1
} cublasOperation_t;

typedef enum
{
	CUBLAS_DEFAULT_MATH = 0
} cublasMath_t;

typedef struct MgEmuBlas *cublasHandle_t;

cublasStatus_t cublasCreate(cublasHandle_t *h);
cublasStatus_t cublasDestroy(cublasHandle_t h);
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s);
cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t mode);
const char *cublasGetStatusString(cublasStatus_t rc);
cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta,
						   cublasOperation_t tb, int m, int n, int k,
						   const float *alpha, const float *a, int lda,
						   const float *b, int ldb, const float *beta,
						   float *c, int ldc);

#endif							/* MG_EMU_H */
