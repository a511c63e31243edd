/*-------------------------------------------------------------------------
 *
 * mg_kernels.cu
 *	  The device kernels of libmilvus_gpu.so: row norms, distances from the
 *	  GEMM's dot products, top-k selection, the k-means assignment and the
 *	  centroid sums.
 *
 * Top-k selection (SelectKernel): one block per query row of a distance
 * tile.  Shared memory holds MG_SORT_SIZE (key, label) entries: the current
 * best k, sorted, in the first k slots (loaded from and stored back to the
 * running state in global memory, so that tiles of the base merge into one
 * answer), and candidates after them.  Each thread computes the distance of
 * one column at a time; a column better than the current k-th best is
 * appended to the candidates.  When the candidate area could overflow in
 * the next round, and at the end of the tile, the best and the candidates
 * are bitonic-sorted (the smallest power-of-two prefix of the buffer that
 * holds them) and the first k entries are the new best.  After the first few rounds the k-th best is
 * tight and few columns pass, so the cost is close to one read per column.
 *
 * IDENTIFICATION
 *	  gpu/mg_kernels.cu
 *
 *-------------------------------------------------------------------------
 */
#include "mg_internal.h"

// Whether entry a sorts before entry b: by key, then by label as unsigned
// (so that empty slots, label -1, come last).
__device__ static inline bool
EntryLess(uint32_t ka, int64_t la, uint32_t kb, int64_t lb)
{
	return ka < kb || (ka == kb && (uint64_t) la < (uint64_t) lb);
}

// The distance of one pair from its dot product and the two norms (squared
// norms for L2, norms for cosine, unused for IP), as the SQL operators give
// it.  Cosine divides by the norms rather than normalising the rows, which
// is the same up to rounding; a zero vector gives NaN.
template <int METRIC>
__device__ static inline float
PairDistance(float dot, float qn, float bn)
{
	if (METRIC == MG_METRIC_L2)
		return sqrtf(fmaxf(qn + bn - 2.0f * dot, 0.0f));
	if (METRIC == MG_METRIC_L2SQR)
		return fmaxf(qn + bn - 2.0f * dot, 0.0f);
	if (METRIC == MG_METRIC_IP)
		return -dot;
	if (qn == 0.0f || bn == 0.0f)
		return __int_as_float(0x7fc00000);
	return 1.0f - fminf(fmaxf(dot / (qn * bn), -1.0f), 1.0f);
}

// One warp per row: the squared norm, or the norm when sqrt_norm.
__global__ static void
NormsKernel(const float *x, int64_t rows, int dim, int sqrt_norm,
			float *norms)
{
	int64_t		row = ((int64_t) blockIdx.x * blockDim.x + threadIdx.x) / 32;
	int			lane = threadIdx.x % 32;
	float		s = 0.0f;

	if (row >= rows)
		return;
	for (int d = lane; d < dim; d += 32)
	{
		float		v = x[row * dim + d];

		s += v * v;
	}
	for (int off = 16; off > 0; off /= 2)
		s += __shfl_down_sync(0xffffffffu, s, off);
	if (lane == 0)
		norms[row] = sqrt_norm ? sqrtf(s) : s;
}

__global__ static void
InitTopkKernel(uint32_t *keys, int64_t *labels, int64_t count)
{
	int64_t		i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;

	if (i < count)
	{
		keys[i] = MG_EMPTY_KEY;
		labels[i] = -1;
	}
}

// Sort the first n shared entries ascending (bitonic network); n is a
// power of two, at most MG_SORT_SIZE, the same in every thread.
__device__ static void
BitonicSort(uint32_t *keys, int64_t *labels, int n)
{
	for (int size = 2; size <= n; size <<= 1)
	{
		for (int stride = size / 2; stride > 0; stride /= 2)
		{
			for (int t = threadIdx.x; t < n / 2; t += blockDim.x)
			{
				int			i = 2 * t - (t & (stride - 1));
				int			j = i + stride;
				bool		up = (i & size) == 0;
				uint32_t	ki = keys[i];
				uint32_t	kj = keys[j];
				int64_t		li = labels[i];
				int64_t		lj = labels[j];

				if (EntryLess(kj, lj, ki, li) == up)
				{
					keys[i] = kj;
					keys[j] = ki;
					labels[i] = lj;
					labels[j] = li;
				}
			}
			__syncthreads();
		}
	}
}

// Merge the ncand candidates after the first k entries into the best k:
// sort the smallest power-of-two prefix that holds them all, padded with
// empty entries (which sort last).
__device__ static void
Flush(uint32_t *keys, int64_t *labels, int k, int ncand)
{
	int			n = 2;

	while (n < k + ncand)
		n *= 2;
	for (int i = k + ncand + threadIdx.x; i < n; i += blockDim.x)
	{
		keys[i] = MG_EMPTY_KEY;
		labels[i] = -1;
	}
	__syncthreads();
	BitonicSort(keys, labels, n);
}

template <int METRIC>
__global__ static void
SelectKernel(const float *dots, int cols, const float *qnorms,
			 const float *bnorms, int64_t label_offset, int k,
			 uint32_t *keys, int64_t *labels)
{
	__shared__ uint32_t skey[MG_SORT_SIZE];
	__shared__ int64_t slab[MG_SORT_SIZE];
	__shared__ int count;
	const int64_t row = blockIdx.x;
	const float *drow = dots + row * (int64_t) cols;
	const float qn = qnorms != nullptr ? qnorms[row] : 0.0f;
	const int	limit = MG_SORT_SIZE - k - (int) blockDim.x;
	int			c;

	for (int i = threadIdx.x; i < MG_SORT_SIZE; i += blockDim.x)
	{
		skey[i] = i < k ? keys[row * k + i] : MG_EMPTY_KEY;
		slab[i] = i < k ? labels[row * k + i] : -1;
	}
	if (threadIdx.x == 0)
		count = 0;
	__syncthreads();

	for (int base = 0; base < cols; base += blockDim.x)
	{
		int			j = base + threadIdx.x;

		if (j < cols)
		{
			float		bn = bnorms != nullptr ? bnorms[j] : 0.0f;
			uint32_t	key = MgKey(PairDistance<METRIC>(drow[j], qn, bn));
			int64_t		lab = label_offset + j;

			if (EntryLess(key, lab, skey[k - 1], slab[k - 1]))
			{
				int			pos = atomicAdd(&count, 1);

				skey[k + pos] = key;
				slab[k + pos] = lab;
			}
		}
		__syncthreads();
		c = count;
		__syncthreads();		/* everyone has read count */
		if (c > limit)
		{
			Flush(skey, slab, k, c);
			if (threadIdx.x == 0)
				count = 0;
			__syncthreads();
		}
	}
	c = count;
	__syncthreads();
	if (c > 0)
		Flush(skey, slab, k, c);
	for (int i = threadIdx.x; i < k; i += blockDim.x)
	{
		keys[row * k + i] = skey[i];
		labels[row * k + i] = slab[i];
	}
}

// One block per row: the nearest centroid by squared L2, ties to the lower
// centroid number; its distance is added to *objective.
__global__ static void
ArgminKernel(const float *dots, int cols, const float *xnorms,
			 const float *cnorms, int64_t *assign, float *dist,
			 double *objective)
{
	__shared__ uint32_t wkey[32];
	__shared__ int widx[32];
	__shared__ float wdist[32];
	const int64_t row = blockIdx.x;
	const float *drow = dots + row * (int64_t) cols;
	const float xn = xnorms[row];
	uint32_t	bk = MG_EMPTY_KEY;
	int			bi = 0x7fffffff;
	float		bd = 0.0f;
	int			lane = threadIdx.x % 32;
	int			warp = threadIdx.x / 32;

	for (int j = threadIdx.x; j < cols; j += blockDim.x)
	{
		float		d = PairDistance<MG_METRIC_L2SQR>(drow[j], xn, cnorms[j]);
		uint32_t	key = MgKey(d);

		if (key < bk || (key == bk && j < bi))
		{
			bk = key;
			bi = j;
			bd = d;
		}
	}
	for (int off = 16; off > 0; off /= 2)
	{
		uint32_t	ok = __shfl_down_sync(0xffffffffu, bk, off);
		int			oi = __shfl_down_sync(0xffffffffu, bi, off);
		float		od = __shfl_down_sync(0xffffffffu, bd, off);

		if (ok < bk || (ok == bk && oi < bi))
		{
			bk = ok;
			bi = oi;
			bd = od;
		}
	}
	if (lane == 0)
	{
		wkey[warp] = bk;
		widx[warp] = bi;
		wdist[warp] = bd;
	}
	__syncthreads();
	if (threadIdx.x == 0)
	{
		for (int w = 1; w < (int) (blockDim.x + 31) / 32; w++)
		{
			if (wkey[w] < bk || (wkey[w] == bk && widx[w] < bi))
			{
				bk = wkey[w];
				bi = widx[w];
				bd = wdist[w];
			}
		}
		assign[row] = bi;
		dist[row] = bd;
		atomicAdd(objective, (double) bd);
	}
}

// Add each row to its centroid's sum (in double) and count it.
__global__ static void
AccumulateKernel(const float *x, int64_t rows, int dim,
				 const int64_t *assign, double *sums,
				 unsigned long long *counts)
{
	int64_t		i = (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
	int64_t		row;
	int			d;
	int64_t		a;

	if (i >= rows * dim)
		return;
	row = i / dim;
	d = (int) (i % dim);
	a = assign[row];
	atomicAdd(&sums[a * dim + d], (double) x[i]);
	if (d == 0)
		atomicAdd(&counts[a], 1ULL);
}

static unsigned int
Blocks(int64_t threads, int per_block)
{
	return (unsigned int) ((threads + per_block - 1) / per_block);
}

int
MgLaunchNorms(MgErr *e, cudaStream_t s, const float *x, int64_t rows,
			  int dim, int sqrt_norm, float *norms)
{
	if (rows == 0)
		return MG_OK;
	MG_LAUNCH(NormsKernel, Blocks(rows * 32, MG_BLOCK), MG_BLOCK, s,
		x, rows, dim, sqrt_norm, norms);
	MG_CUDA(e, cudaGetLastError());
	return MG_OK;
}

int
MgLaunchInitTopk(MgErr *e, cudaStream_t s, uint32_t *keys, int64_t *labels,
				 int64_t count)
{
	if (count == 0)
		return MG_OK;
	MG_LAUNCH(InitTopkKernel, Blocks(count, MG_BLOCK), MG_BLOCK, s,
		keys, labels, count);
	MG_CUDA(e, cudaGetLastError());
	return MG_OK;
}

int
MgLaunchSelect(MgErr *e, cudaStream_t s, int metric, const float *dots,
			   int rows, int cols, const float *qnorms, const float *bnorms,
			   int64_t label_offset, int k, uint32_t *keys, int64_t *labels)
{
	if (rows == 0 || cols == 0)
		return MG_OK;
	if (k < 1 || k > MG_MAX_K)
		return MgSetError(e, MG_ERR_ARGUMENT, "k must be between 1 and %d",
						  MG_MAX_K);
	switch (metric)
	{
		case MG_METRIC_L2:
			MG_LAUNCH(SelectKernel<MG_METRIC_L2>, rows, MG_BLOCK, s,
				dots, cols, qnorms, bnorms, label_offset, k, keys, labels);
			break;
		case MG_METRIC_IP:
			MG_LAUNCH(SelectKernel<MG_METRIC_IP>, rows, MG_BLOCK, s,
				dots, cols, qnorms, bnorms, label_offset, k, keys, labels);
			break;
		case MG_METRIC_COSINE:
			MG_LAUNCH(SelectKernel<MG_METRIC_COSINE>, rows, MG_BLOCK, s,
				dots, cols, qnorms, bnorms, label_offset, k, keys, labels);
			break;
		case MG_METRIC_L2SQR:
			MG_LAUNCH(SelectKernel<MG_METRIC_L2SQR>, rows, MG_BLOCK, s,
				dots, cols, qnorms, bnorms, label_offset, k, keys, labels);
			break;
		default:
			return MgSetError(e, MG_ERR_ARGUMENT, "unknown metric %d", metric);
	}
	MG_CUDA(e, cudaGetLastError());
	return MG_OK;
}

int
MgLaunchArgmin(MgErr *e, cudaStream_t s, const float *dots, int rows,
			   int cols, const float *xnorms, const float *cnorms,
			   int64_t *assign, float *dist, double *objective)
{
	if (rows == 0)
		return MG_OK;
	MG_LAUNCH(ArgminKernel, rows, MG_ARGMIN_BLOCK, s,
		dots, cols, xnorms, cnorms, assign, dist, objective);
	MG_CUDA(e, cudaGetLastError());
	return MG_OK;
}

int
MgLaunchAccumulate(MgErr *e, cudaStream_t s, const float *x, int rows,
				   int dim, const int64_t *assign, double *sums,
				   unsigned long long *counts)
{
	if (rows == 0)
		return MG_OK;
	MG_LAUNCH(AccumulateKernel, Blocks((int64_t) rows * dim, MG_BLOCK), MG_BLOCK, s,
		x, rows, dim, assign, sums, counts);
	MG_CUDA(e, cudaGetLastError());
	return MG_OK;
}
