/*-------------------------------------------------------------------------
 *
 * mg_knn.cu
 *	  mg_knn: exact k nearest neighbours on the device.
 *
 * Plan: the queries are cut into tiles of qt rows and the base into tiles
 * of bt rows, sized so that everything fits in the budget (free device
 * memory, or memory_limit): a query tile with its norms, the running top-k
 * of its rows (keys and labels), one qt x bt tile of dot products, and the
 * base, kept resident when it takes at most half the budget, otherwise one
 * base tile at a time.  For each query tile and each base tile: cuBLAS
 * computes the dot products, SelectKernel turns them into distances and
 * merges them into the running top-k.  At the end of a query tile the keys
 * and labels come back to the host and the keys become distances.
 *
 * IDENTIFICATION
 *	  gpu/mg_knn.cu
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>
#include <new>
#include <vector>

#include "mg_internal.h"

typedef struct KnnPlan
{
	int64_t		qt;				/* queries per tile */
	int64_t		bt;				/* base rows per tile */
	bool		resident;		/* the whole base stays on the device */
} KnnPlan;

static size_t
KnnBytes(const KnnPlan *p, int64_t n, int dim, int k)
{
	size_t		rowbytes = (size_t) (dim + 1) * sizeof(float);
	size_t		bytes;

	bytes = (size_t) p->qt * rowbytes;	/* queries and their norms */
	bytes += (size_t) p->qt * k * (sizeof(uint32_t) + sizeof(int64_t));
	bytes += (size_t) p->qt * p->bt * sizeof(float);	/* dot products */
	bytes += (size_t) (p->resident ? n : p->bt) * rowbytes;
	return bytes;
}

// Choose the tiles: as large as allowed, then halved (the larger side
// first) until they fit the budget; give up the resident base before the
// tiles get tiny.
static int
PlanKnn(MgErr *e, size_t budget, int64_t n, int64_t nq, int dim, int k,
		KnnPlan *p)
{
	p->qt = std::max<int64_t>(1, std::min<int64_t>(nq, MG_MAX_QUERY_TILE));
	p->bt = std::max<int64_t>(1, std::min<int64_t>(n, INT32_MAX / 2));
	p->resident = (size_t) n * (dim + 1) * sizeof(float) <= budget / 2;
	while ((size_t) p->qt * p->bt > MG_MAX_TILE_ELEMS)
	{
		if (p->bt >= p->qt)
			p->bt = (p->bt + 1) / 2;
		else
			p->qt = (p->qt + 1) / 2;
	}
	while (KnnBytes(p, n, dim, k) > budget)
	{
		if (p->resident && p->qt * p->bt <= 1024 * 1024)
			p->resident = false;
		else if (p->bt >= p->qt && p->bt > 1)
			p->bt = (p->bt + 1) / 2;
		else if (p->qt > 1)
			p->qt = (p->qt + 1) / 2;
		else if (p->resident)
			p->resident = false;
		else
			return MgSetError(e, MG_ERR_MEMORY,
							  "%zu bytes of device memory are not enough for a search of dimension %d with k = %d",
							  budget, dim, k);
	}
	return MG_OK;
}

static int
CheckKnnArgs(MgErr *e, mg_metric metric, const float *base, int64_t n,
			 const float *queries, int64_t nq, int dim, int k,
			 const float *distances, const int64_t *labels)
{
	if (metric != MG_METRIC_L2 && metric != MG_METRIC_IP &&
		metric != MG_METRIC_COSINE)
		return MgSetError(e, MG_ERR_ARGUMENT, "unknown metric %d",
						  (int) metric);
	if (k < 1 || k > MG_MAX_K)
		return MgSetError(e, MG_ERR_ARGUMENT,
						  "k must be between 1 and %d, not %d", MG_MAX_K, k);
	MG_TRY(MgCheckMatrix(e, "base", base, n, dim));
	MG_TRY(MgCheckMatrix(e, "queries", queries, nq, dim));
	if (nq > 0 && (distances == nullptr || labels == nullptr))
		return MgSetError(e, MG_ERR_ARGUMENT,
						  "distances and labels must not be NULL");
	return MG_OK;
}

// Device buffers of one search.
struct KnnBuffers
{
	DevBuf		q, qn, b, bn, dots, keys, labels;
};

// Copy rows to the device and compute the norms the metric needs.
static int
UploadRows(MgErr *e, MgContext *ctx, const float *src, int64_t rows,
		   int dim, int metric, float *dst, float *norms)
{
	MG_CUDA(e, cudaMemcpyAsync(dst, src, (size_t) rows * dim * sizeof(float),
							   cudaMemcpyHostToDevice, ctx->stream));
	if (metric != MG_METRIC_IP)
		MG_TRY(MgLaunchNorms(e, ctx->stream, dst, rows, dim,
							 metric == MG_METRIC_COSINE, norms));
	return MG_OK;
}

// The top-k of queries [q0, q0 + rows) over the whole base, into the
// caller's arrays.
static int
SearchQueryTile(MgErr *e, MgContext *ctx, const KnnPlan *p, KnnBuffers *bf,
				int metric, const float *base, int64_t n,
				const float *queries, int64_t q0, int64_t rows,
				int dim, int k, float *distances, int64_t *labels,
				std::vector<uint32_t> *hkeys)
{
	float	   *bn = metric == MG_METRIC_IP ? nullptr : bf->bn.As<float>();
	float	   *qn = metric == MG_METRIC_IP ? nullptr : bf->qn.As<float>();

	MG_TRY(UploadRows(e, ctx, queries + q0 * dim, rows, dim, metric,
					  bf->q.As<float>(), qn));
	MG_TRY(MgLaunchInitTopk(e, ctx->stream, bf->keys.As<uint32_t>(),
							bf->labels.As<int64_t>(), rows * k));
	for (int64_t b0 = 0; b0 < n; b0 += p->bt)
	{
		int64_t		cols = std::min(p->bt, n - b0);
		const float *bptr = bf->b.As<float>();
		const float *bnptr = bn;

		if (p->resident)
		{
			bptr += b0 * dim;
			bnptr = bn ? bn + b0 : nullptr;
		}
		else
			MG_TRY(UploadRows(e, ctx, base + b0 * dim, cols, dim, metric,
							  bf->b.As<float>(), bn));
		MG_TRY(MgGemmDots(e, ctx, bf->q.As<float>(), (int) rows, bptr,
						  (int) cols, dim, bf->dots.As<float>()));
		MG_TRY(MgLaunchSelect(e, ctx->stream, metric, bf->dots.As<float>(),
							  (int) rows, (int) cols, qn, bnptr, b0, k,
							  bf->keys.As<uint32_t>(),
							  bf->labels.As<int64_t>()));
	}
	MG_CUDA(e, cudaMemcpyAsync(hkeys->data(), bf->keys.As<uint32_t>(),
							   (size_t) rows * k * sizeof(uint32_t),
							   cudaMemcpyDeviceToHost, ctx->stream));
	MG_CUDA(e, cudaMemcpyAsync(labels + q0 * k, bf->labels.As<int64_t>(),
							   (size_t) rows * k * sizeof(int64_t),
							   cudaMemcpyDeviceToHost, ctx->stream));
	MG_TRY(ctx->Sync(e));
	for (int64_t i = 0; i < rows * k; i++)
		distances[q0 * k + i] = MgKeyDistance((*hkeys)[i], labels[q0 * k + i]);
	return MG_OK;
}

static int
Knn(MgErr *e, int device, size_t memory_limit, int metric,
	const float *base, int64_t n, const float *queries, int64_t nq,
	int dim, int k, float *distances, int64_t *labels)
{
	MgContext	ctx;
	KnnPlan		p;
	KnnBuffers	bf;
	size_t		budget;
	int64_t		brows;
	std::vector<uint32_t> hkeys;

	MG_TRY(ctx.Open(e, device));
	MG_TRY(ctx.Budget(e, memory_limit, &budget));
	MG_TRY(PlanKnn(e, budget, n, nq, dim, k, &p));
	brows = p.resident ? n : p.bt;
	MG_TRY(bf.q.Alloc(e, (size_t) p.qt * dim * sizeof(float), "queries"));
	MG_TRY(bf.qn.Alloc(e, (size_t) p.qt * sizeof(float), "query norms"));
	MG_TRY(bf.b.Alloc(e, (size_t) brows * dim * sizeof(float), "base"));
	MG_TRY(bf.bn.Alloc(e, (size_t) brows * sizeof(float), "base norms"));
	MG_TRY(bf.dots.Alloc(e, (size_t) p.qt * p.bt * sizeof(float),
						 "dot products"));
	MG_TRY(bf.keys.Alloc(e, (size_t) p.qt * k * sizeof(uint32_t), "top-k"));
	MG_TRY(bf.labels.Alloc(e, (size_t) p.qt * k * sizeof(int64_t), "top-k"));
	hkeys.resize((size_t) p.qt * k);
	if (p.resident && n > 0)
		MG_TRY(UploadRows(e, &ctx, base, n, dim, metric, bf.b.As<float>(),
						  bf.bn.As<float>()));
	for (int64_t q0 = 0; q0 < nq; q0 += p.qt)
		MG_TRY(SearchQueryTile(e, &ctx, &p, &bf, metric, base, n, queries,
							   q0, std::min(p.qt, nq - q0), dim, k,
							   distances, labels, &hkeys));
	return MG_OK;
}

MG_EXPORT int
mg_knn(int device, size_t memory_limit, mg_metric metric,
	   const float *base, int64_t n, const float *queries, int64_t nq,
	   int dim, int k, float *distances, int64_t *labels,
	   char *err, size_t errlen)
{
	MgErr		e = {err, errlen};

	try
	{
		MG_TRY(CheckKnnArgs(&e, metric, base, n, queries, nq, dim, k,
							distances, labels));
		return Knn(&e, device, memory_limit, (int) metric, base, n,
				   queries, nq, dim, k, distances, labels);
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
