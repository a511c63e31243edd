/*-------------------------------------------------------------------------
 *
 * mg_util.cu
 *	  Errors, device selection, memory budget, the GEMM and the device
 *	  queries of libmilvus_gpu.so.
 *
 * IDENTIFICATION
 *	  gpu/mg_util.cu
 *
 *-------------------------------------------------------------------------
 */
#include <cstdarg>
#include <cstdio>
#include <new>

#include "mg_internal.h"

// Write a message into the caller's buffer (when it has one); return code.
int
MgSetError(MgErr *e, int code, const char *fmt,...)
{
	va_list		ap;

	if (e != nullptr && e->buf != nullptr && e->len > 0)
	{
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return code;
}

// A failed CUDA runtime call.  "No device" and "no driver" get their own
// code, so that the caller can fall back to the CPU; running out of memory
// is MG_ERR_MEMORY.  The sticky error state is cleared where it is not
// sticky, so that a later call on this thread starts clean.
int
MgCudaError(MgErr *e, cudaError_t rc, const char *what,
			const char *file, int line)
{
	int			code = MG_ERR_CUDA;

	if (rc == cudaErrorNoDevice || rc == cudaErrorInsufficientDriver)
		code = MG_ERR_NO_DEVICE;
	else if (rc == cudaErrorMemoryAllocation)
		code = MG_ERR_MEMORY;
	(void) cudaGetLastError();
	return MgSetError(e, code, "%s failed: %s (%s:%d)", what,
					  cudaGetErrorString(rc), file, line);
}

int
MgCublasError(MgErr *e, cublasStatus_t rc, const char *what,
			  const char *file, int line)
{
	int			code = MG_ERR_CUBLAS;

	if (rc == CUBLAS_STATUS_ALLOC_FAILED)
		code = MG_ERR_MEMORY;
	return MgSetError(e, code, "%s failed: %s (%s:%d)", what,
					  cublasGetStatusString(rc), file, line);
}

// Allocate bytes (at least one) of device memory; this buffer owns it.
int
DevBuf::Alloc(MgErr *e, size_t bytes, const char *what)
{
	cudaError_t rc;

	if (ptr != nullptr)
	{
		cudaFree(ptr);
		ptr = nullptr;
	}
	rc = cudaMalloc(&ptr, bytes > 0 ? bytes : 1);
	if (rc != cudaSuccess)
	{
		ptr = nullptr;
		(void) cudaGetLastError();
		return MgSetError(e, rc == cudaErrorMemoryAllocation ? MG_ERR_MEMORY :
						  MG_ERR_CUDA,
						  "could not allocate %zu bytes of device memory for %s: %s",
						  bytes, what, cudaGetErrorString(rc));
	}
	size = bytes;
	return MG_OK;
}

MgContext::~MgContext()
{
	if (blas != nullptr)
		cublasDestroy(blas);
	if (stream != nullptr)
		cudaStreamDestroy(stream);
}

// Select the device and create the stream and the cuBLAS handle.  Default
// math keeps sgemm in full FP32 (TF32 only with CUBLAS_TF32_TENSOR_OP_MATH,
// which we never set), so that distances match the CPU's.
int
MgContext::Open(MgErr *e, int device)
{
	int			count = 0;
	cudaError_t rc;

	rc = cudaGetDeviceCount(&count);
	if (rc != cudaSuccess)
		return MgCudaError(e, rc, "cudaGetDeviceCount", __FILE__, __LINE__);
	if (count == 0)
		return MgSetError(e, MG_ERR_NO_DEVICE, "no CUDA device");
	if (device < 0 || device >= count)
		return MgSetError(e, MG_ERR_ARGUMENT,
						  "device %d does not exist (%d devices)",
						  device, count);
	MG_CUDA(e, cudaSetDevice(device));
	MG_CUDA(e, cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
	MG_CUBLAS(e, cublasCreate(&blas));
	MG_CUBLAS(e, cublasSetStream(blas, stream));
	MG_CUBLAS(e, cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH));
	return MG_OK;
}

// The bytes this call may allocate: free memory less a reserve for cuBLAS
// and fragmentation (64 MiB and 5%), capped by memory_limit when set.
int
MgContext::Budget(MgErr *e, size_t memory_limit, size_t *budget)
{
	size_t		free_bytes = 0;
	size_t		total_bytes = 0;
	size_t		reserve;

	MG_CUDA(e, cudaMemGetInfo(&free_bytes, &total_bytes));
	reserve = ((size_t) 64 << 20) + free_bytes / 20;
	*budget = free_bytes > reserve ? free_bytes - reserve : 0;
	if (memory_limit > 0 && memory_limit < *budget)
		*budget = memory_limit;
	return MG_OK;
}

int
MgContext::Sync(MgErr *e)
{
	MG_CUDA(e, cudaStreamSynchronize(stream));
	return MG_OK;
}

// dots = a b^T with a (rows x dim) and b (cols x dim) row-major.  In
// cuBLAS's column-major terms a is dim x rows and b dim x cols, and the
// row-major rows x cols result is the column-major cols x rows matrix
// b^T a.
int
MgGemmDots(MgErr *e, MgContext *ctx, const float *a, int rows,
		   const float *b, int cols, int dim, float *dots)
{
	const float one = 1.0f;
	const float zero = 0.0f;

	MG_CUBLAS(e, cublasSgemm(ctx->blas, CUBLAS_OP_T, CUBLAS_OP_N,
							 cols, rows, dim, &one, b, dim, a, dim,
							 &zero, dots, cols));
	return MG_OK;
}

int
MgCheckMatrix(MgErr *e, const char *name, const void *p, int64_t rows,
			  int dim)
{
	if (rows < 0)
		return MgSetError(e, MG_ERR_ARGUMENT,
						  "%s has a negative number of rows (%lld)", name,
						  (long long) rows);
	if (rows > 0 && p == nullptr)
		return MgSetError(e, MG_ERR_ARGUMENT, "%s is NULL", name);
	if (dim < 1)
		return MgSetError(e, MG_ERR_ARGUMENT,
						  "dimensions must be at least 1, not %d", dim);
	return MG_OK;
}

MG_EXPORT int
mg_api_version(void)
{
	return MG_API_VERSION;
}

// Count the devices; a machine without a device or a driver has none,
// which is not an error.
MG_EXPORT int
mg_device_count(int *count, char *err, size_t errlen)
{
	MgErr		e = {err, errlen};
	cudaError_t rc;

	if (count == nullptr)
		return MgSetError(&e, MG_ERR_ARGUMENT, "count is NULL");
	*count = 0;
	rc = cudaGetDeviceCount(count);
	if (rc == cudaErrorNoDevice || rc == cudaErrorInsufficientDriver)
	{
		(void) cudaGetLastError();
		*count = 0;
		return MG_OK;
	}
	if (rc != cudaSuccess)
	{
		*count = 0;
		return MgCudaError(&e, rc, "cudaGetDeviceCount", __FILE__, __LINE__);
	}
	return MG_OK;
}

static int
DeviceInfo(MgErr *e, int device, mg_device_info *info)
{
	cudaDeviceProp prop;
	MgContext	ctx;

	MG_TRY(ctx.Open(e, device));
	MG_CUDA(e, cudaGetDeviceProperties(&prop, device));
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", prop.name);
	info->total_memory = prop.totalGlobalMem;
	info->compute_major = prop.major;
	info->compute_minor = prop.minor;
	info->multiprocessors = prop.multiProcessorCount;
	MG_CUDA(e, cudaMemGetInfo(&info->free_memory, &info->total_memory));
	return MG_OK;
}

MG_EXPORT int
mg_device_info_get(int device, mg_device_info *info, char *err,
				   size_t errlen)
{
	MgErr		e = {err, errlen};

	if (info == nullptr)
		return MgSetError(&e, MG_ERR_ARGUMENT, "info is NULL");
	try
	{
		return DeviceInfo(&e, device, info);
	}
	catch (const std::bad_alloc &)
	{
		return MgSetError(&e, MG_ERR_MEMORY, "out of host memory");
	}
	catch (...)
	{
		return MgSetError(&e, MG_ERR_CUDA, "unknown C++ exception");
	}
}
