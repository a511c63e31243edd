// mg_emu.cpp
//	  The host emulation of CUDA and cuBLAS declared in mg_emu.h.
//
// Environment: MG_EMU_NO_DEVICE=1 makes cudaGetDeviceCount report no
// device; MG_EMU_FREE_MB sets the free memory reported (default 1024).
//
// IDENTIFICATION
//	  gpu/emu/mg_emu.cpp

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include <csetjmp>
#include <ucontext.h>

#include "mg_emu.h"

dim3		threadIdx, blockIdx, blockDim, gridDim;

#define EMU_STACK (64 * 1024)

static ucontext_t sched_ctx;
static std::vector<ucontext_t> thread_ctx;
static jmp_buf sched_jb;
struct JmpBuf
{
	jmp_buf		jb;
};
static std::vector<JmpBuf> thread_jb;
static std::vector<char> started;
static std::vector<char> stacks;
static std::vector<char> done;
static const std::function<void()> *current_body;
static int	current;
static std::vector<uint64_t> exchange;
static std::mt19937 order_rng(12345);

// A thread starts here (through swapcontext, once); it switches with
// _setjmp/_longjmp afterwards, which, unlike swapcontext, make no system
// call.
static void
Trampoline(int i)
{
	(*current_body) ();
	done[i] = 1;
	_longjmp(sched_jb, 1);
}

// Give the processor back to the scheduler until every live thread of the
// block has reached this point.
void
__syncthreads()
{
	if (_setjmp(thread_jb[current].jb) == 0)
		_longjmp(sched_jb, 1);
}

template <typename T>
static T
Shuffle(T v, int off)
{
	int			me = (int) threadIdx.x;
	int			lane = me % 32;
	uint64_t	w = 0;
	T			out = v;

	memcpy(&w, &v, sizeof(T));
	exchange[me] = w;
	__syncthreads();
	if (lane + off < 32 && me + off < (int) blockDim.x)
		memcpy(&out, &exchange[me + off], sizeof(T));
	__syncthreads();
	return out;
}

float MgEmuShuffleDown(float v, int off) { return Shuffle(v, off); }
uint32_t MgEmuShuffleDownU(uint32_t v, int off) { return Shuffle(v, off); }
int MgEmuShuffleDownI(int v, int off) { return Shuffle(v, off); }

// Run body for every thread of every block.  Per block: each round resumes
// every live thread, in a shuffled order, until it reaches a barrier or
// ends; rounds go on until all have ended.
void
MgEmuLaunch(unsigned int grid, unsigned int block,
			const std::function<void()> &body)
{
	std::vector<int> order(block);

	thread_ctx.resize(block);
	thread_jb.resize(block);
	started.assign(block, 0);
	stacks.resize((size_t) block * EMU_STACK);
	done.assign(block, 0);
	exchange.assign(block, 0);
	current_body = &body;
	gridDim = {grid, 1, 1};
	blockDim = {block, 1, 1};
	for (unsigned int b = 0; b < grid; b++)
	{
		int			live = (int) block;

		blockIdx = {b, 0, 0};
		for (unsigned int t = 0; t < block; t++)
		{
			getcontext(&thread_ctx[t]);
			thread_ctx[t].uc_stack.ss_sp = &stacks[(size_t) t * EMU_STACK];
			thread_ctx[t].uc_stack.ss_size = EMU_STACK;
			thread_ctx[t].uc_link = nullptr;
			makecontext(&thread_ctx[t], (void (*)()) Trampoline, 1, (int) t);
			done[t] = 0;
			started[t] = 0;
			order[t] = (int) t;
		}
		while (live > 0)
		{
			std::shuffle(order.begin(), order.end(), order_rng);
			for (int t : order)
			{
				if (done[t])
					continue;
				current = t;
				threadIdx = {(unsigned int) t, 0, 0};
				if (_setjmp(sched_jb) == 0)
				{
					if (!started[t])
					{
						started[t] = 1;
						swapcontext(&sched_ctx, &thread_ctx[t]);
					}
					else
						_longjmp(thread_jb[t].jb, 1);
				}
			}
			live = (int) std::count(done.begin(), done.end(), 0);
		}
	}
}

cudaError_t
cudaGetDeviceCount(int *count)
{
	if (getenv("MG_EMU_NO_DEVICE") != nullptr)
	{
		*count = 0;
		return cudaErrorNoDevice;
	}
	*count = 1;
	return cudaSuccess;
}

cudaError_t cudaSetDevice(int) { return cudaSuccess; }
cudaError_t cudaGetLastError() { return cudaSuccess; }

const char *
cudaGetErrorString(cudaError_t rc)
{
	return rc == cudaSuccess ? "no error" : rc == cudaErrorNoDevice ?
		"no CUDA-capable device is detected" : "emulated error";
}

static size_t
FreeBytes()
{
	const char *mb = getenv("MG_EMU_FREE_MB");

	return (size_t) (mb != nullptr ? atol(mb) : 1024) << 20;
}

cudaError_t
cudaMalloc(void **p, size_t bytes)
{
	if (bytes > FreeBytes())
		return cudaErrorMemoryAllocation;
	*p = malloc(bytes);
	/* poison, so that reading what was never written shows */
	if (*p != nullptr)
		memset(*p, 0xA5, bytes);
	return *p != nullptr ? cudaSuccess : cudaErrorMemoryAllocation;
}

cudaError_t cudaFree(void *p) { free(p); return cudaSuccess; }

cudaError_t
cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes)
{
	*free_bytes = FreeBytes();
	*total_bytes = 2 * FreeBytes();
	return cudaSuccess;
}

cudaError_t
cudaGetDeviceProperties(cudaDeviceProp *prop, int)
{
	memset(prop, 0, sizeof(*prop));
	snprintf(prop->name, sizeof(prop->name), "host emulation");
	prop->totalGlobalMem = 2 * FreeBytes();
	prop->major = 9;
	prop->multiProcessorCount = 1;
	return cudaSuccess;
}

cudaError_t
cudaStreamCreateWithFlags(cudaStream_t *s, unsigned int)
{
	*s = (cudaStream_t) malloc(1);
	return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t s) { free(s); return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

cudaError_t
cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind,
				cudaStream_t)
{
	memcpy(dst, src, bytes);
	return cudaSuccess;
}

cudaError_t
cudaMemsetAsync(void *dst, int value, size_t bytes, cudaStream_t)
{
	memset(dst, value, bytes);
	return cudaSuccess;
}

cublasStatus_t
cublasCreate(cublasHandle_t *h)
{
	*h = (cublasHandle_t) malloc(1);
	return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t h) { free(h); return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetStream(cublasHandle_t, cudaStream_t) { return CUBLAS_STATUS_SUCCESS; }
cublasStatus_t cublasSetMathMode(cublasHandle_t, cublasMath_t) { return CUBLAS_STATUS_SUCCESS; }
const char *cublasGetStatusString(cublasStatus_t) { return "emulated cuBLAS error"; }

// C = alpha op(A) op(B) + beta C, column-major, op(A) m x k, op(B) k x n,
// as cuBLAS defines it; with cuBLAS's argument checks.
cublasStatus_t
cublasSgemm(cublasHandle_t, cublasOperation_t ta, cublasOperation_t tb,
			int m, int n, int k, const float *alpha, const float *a, int lda,
			const float *b, int ldb, const float *beta, float *c, int ldc)
{
	if (m < 0 || n < 0 || k < 0 || ldc < std::max(1, m) ||
		lda < std::max(1, ta == CUBLAS_OP_N ? m : k) ||
		ldb < std::max(1, tb == CUBLAS_OP_N ? k : n))
		return CUBLAS_STATUS_INVALID_VALUE;
	for (int j = 0; j < n; j++)
		for (int i = 0; i < m; i++)
		{
			float		s = 0.0f;

			for (int l = 0; l < k; l++)
			{
				float		av = ta == CUBLAS_OP_N ? a[i + (size_t) l * lda] : a[l + (size_t) i * lda];
				float		bv = tb == CUBLAS_OP_N ? b[l + (size_t) j * ldb] : b[j + (size_t) l * ldb];

				s += av * bv;
			}
			c[i + (size_t) j * ldc] = *alpha * s +
				(*beta != 0.0f ? *beta * c[i + (size_t) j * ldc] : 0.0f);
		}
	return CUBLAS_STATUS_SUCCESS;
}
