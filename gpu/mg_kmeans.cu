/*-------------------------------------------------------------------------
 *
 * mg_kmeans.cu
 *	  mg_kmeans and mg_assign: Lloyd's k-means with the assignment step and
 *	  the centroid sums on the device.
 *
 * The centroids stay on the device; the vectors stay there too when they
 * take at most half the budget, and are otherwise sent tile by tile.  Tiles
 * of rows are sized so that their dot products with the centroids fit.  One pass over the tiles
 * computes, per tile, the dot products with the centroids (cuBLAS), the
 * nearest centroid of each row (ArgminKernel, squared L2, ties to the lower
 * centroid), and adds each row to its centroid's sum in double
 * (AccumulateKernel); assignments and distances come back to the host.
 * The host then divides the sums by the counts and fills empty clusters:
 * each empty centroid, in increasing order, takes the row of the largest
 * cluster (lowest number on ties) farthest from that cluster's centroid
 * (lowest row on ties), which leaves that cluster.  Everything the host
 * decides depends only on integer counts and the per-row distances, so the
 * result is deterministic.
 *
 * IDENTIFICATION
 *	  gpu/mg_kmeans.cu
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>
#include <new>
#include <vector>

#include "mg_internal.h"

// Device state of one k-means or assignment.
struct KmState
{
	MgContext	ctx;
	int64_t		xt;				/* rows per tile */
	bool		resident;		/* all rows stay on the device */
	bool		loaded;			/* and they are there, with their norms */
	DevBuf		x, xn, c, cn, dots, assign, dist, sums, counts, objective;
};

static size_t
KmBytes(int64_t xt, int64_t xrows, int dim, int k)
{
	size_t		bytes;

	bytes = (size_t) k * dim * (sizeof(float) + sizeof(double));
	bytes += (size_t) k * (sizeof(float) + sizeof(unsigned long long));
	bytes += (size_t) xrows * (dim + 1) * sizeof(float);
	bytes += (size_t) xt * k * sizeof(float);
	bytes += (size_t) xt * (sizeof(int64_t) + sizeof(float));
	return bytes + sizeof(double);
}

// Open the device, size the tiles and allocate everything.
static int
KmOpen(MgErr *e, KmState *s, int device, size_t memory_limit, int64_t n,
	   int dim, int k)
{
	size_t		budget;
	int64_t		xt;
	int64_t		xrows;

	MG_TRY(s->ctx.Open(e, device));
	MG_TRY(s->ctx.Budget(e, memory_limit, &budget));
	xt = std::max<int64_t>(1, std::min<int64_t>(n, INT32_MAX / 2));
	while ((size_t) xt * k > MG_MAX_TILE_ELEMS && xt > 1)
		xt = (xt + 1) / 2;
	s->resident = (size_t) n * (dim + 1) * sizeof(float) <= budget / 2;
	while (KmBytes(xt, s->resident ? n : xt, dim, k) > budget)
	{
		if (s->resident && xt <= 65536)
			s->resident = false;	/* rather than tiny tiles */
		else if (xt > 1)
			xt = (xt + 1) / 2;
		else if (s->resident)
			s->resident = false;
		else
			return MgSetError(e, MG_ERR_MEMORY,
							  "%zu bytes of device memory are not enough for %d centroids of dimension %d",
							  budget, k, dim);
	}
	s->xt = xt;
	s->loaded = false;
	xrows = s->resident ? n : xt;
	MG_TRY(s->x.Alloc(e, (size_t) xrows * dim * sizeof(float), "vectors"));
	MG_TRY(s->xn.Alloc(e, (size_t) xrows * sizeof(float), "vector norms"));
	MG_TRY(s->c.Alloc(e, (size_t) k * dim * sizeof(float), "centroids"));
	MG_TRY(s->cn.Alloc(e, (size_t) k * sizeof(float), "centroid norms"));
	MG_TRY(s->dots.Alloc(e, (size_t) xt * k * sizeof(float), "dot products"));
	MG_TRY(s->assign.Alloc(e, (size_t) xt * sizeof(int64_t), "assignments"));
	MG_TRY(s->dist.Alloc(e, (size_t) xt * sizeof(float), "distances"));
	MG_TRY(s->sums.Alloc(e, (size_t) k * dim * sizeof(double), "sums"));
	MG_TRY(s->counts.Alloc(e, (size_t) k * sizeof(unsigned long long),
						   "counts"));
	MG_TRY(s->objective.Alloc(e, sizeof(double), "objective"));
	return MG_OK;
}

// Copy the centroids to the device and compute their squared norms.
static int
KmSetCentroids(MgErr *e, KmState *s, const float *centroids, int k, int dim)
{
	MG_CUDA(e, cudaMemcpyAsync(s->c.As<float>(), centroids,
							   (size_t) k * dim * sizeof(float),
							   cudaMemcpyHostToDevice, s->ctx.stream));
	MG_TRY(MgLaunchNorms(e, s->ctx.stream, s->c.As<float>(), k, dim, 0,
						 s->cn.As<float>()));
	return MG_OK;
}

// Copy rows to the start of the vector buffer, with their squared norms.
static int
UploadVectors(MgErr *e, KmState *s, const float *x, int64_t rows, int dim)
{
	MG_CUDA(e, cudaMemcpyAsync(s->x.As<float>(), x,
							   (size_t) rows * dim * sizeof(float),
							   cudaMemcpyHostToDevice, s->ctx.stream));
	MG_TRY(MgLaunchNorms(e, s->ctx.stream, s->x.As<float>(), rows, dim, 0,
						 s->xn.As<float>()));
	return MG_OK;
}

// One pass over all rows: nearest centroid of each (into assign and, when
// not NULL, dist), the objective, and with accumulate the centroid sums and
// counts.  *objective receives the sum of the squared distances.
static int
KmPass(MgErr *e, KmState *s, const float *x, int64_t n, int dim, int k,
	   bool accumulate, int64_t *assign, float *dist, double *objective)
{
	cudaStream_t st = s->ctx.stream;

	MG_CUDA(e, cudaMemsetAsync(s->objective.As<double>(), 0, sizeof(double),
							   st));
	if (accumulate)
	{
		MG_CUDA(e, cudaMemsetAsync(s->sums.As<double>(), 0,
								   (size_t) k * dim * sizeof(double), st));
		MG_CUDA(e, cudaMemsetAsync(s->counts.As<unsigned long long>(), 0,
								   (size_t) k * sizeof(unsigned long long),
								   st));
	}
	for (int64_t r0 = 0; r0 < n; r0 += s->xt)
	{
		int			rows = (int) std::min(s->xt, n - r0);
		const float *xp = s->x.As<float>();
		const float *xnp = s->xn.As<float>();

		if (!s->resident)
			MG_TRY(UploadVectors(e, s, x + r0 * dim, rows, dim));
		else
		{
			if (!s->loaded)
				MG_TRY(UploadVectors(e, s, x, n, dim));
			s->loaded = true;
			xp += r0 * dim;
			xnp += r0;
		}
		MG_TRY(MgGemmDots(e, &s->ctx, xp, rows, s->c.As<float>(), k, dim,
						  s->dots.As<float>()));
		MG_TRY(MgLaunchArgmin(e, st, s->dots.As<float>(), rows, k, xnp,
							  s->cn.As<float>(), s->assign.As<int64_t>(),
							  s->dist.As<float>(),
							  s->objective.As<double>()));
		if (accumulate)
			MG_TRY(MgLaunchAccumulate(e, st, xp, rows, dim,
									  s->assign.As<int64_t>(),
									  s->sums.As<double>(),
									  s->counts.As<unsigned long long>()));
		MG_CUDA(e, cudaMemcpyAsync(assign + r0, s->assign.As<int64_t>(),
								   (size_t) rows * sizeof(int64_t),
								   cudaMemcpyDeviceToHost, st));
		if (dist != nullptr)
			MG_CUDA(e, cudaMemcpyAsync(dist + r0, s->dist.As<float>(),
									   (size_t) rows * sizeof(float),
									   cudaMemcpyDeviceToHost, st));
	}
	MG_CUDA(e, cudaMemcpyAsync(objective, s->objective.As<double>(),
							   sizeof(double), cudaMemcpyDeviceToHost, st));
	MG_TRY(s->ctx.Sync(e));
	return MG_OK;
}

// Give every empty cluster a row of the largest cluster; see the file
// header.  sums and counts are updated to match, and so are assign and
// dist, so that a row is never taken twice.
//
// XXX: one scan of all rows per empty cluster; fine while empty clusters
// are few, which is the usual case.
static void
FillEmptyClusters(const float *x, int64_t n, int dim, int k,
				  std::vector<double> &sums,
				  std::vector<unsigned long long> &counts,
				  std::vector<int64_t> &assign, std::vector<float> &dist)
{
	for (int c = 0; c < k; c++)
	{
		int			largest = 0;
		int64_t		far = -1;

		if (counts[c] > 0)
			continue;
		for (int j = 1; j < k; j++)
			if (counts[j] > counts[largest])
				largest = j;
		if (counts[largest] < 2)
			continue;
		for (int64_t i = 0; i < n; i++)
			if (assign[i] == largest && (far < 0 || dist[i] > dist[far]))
				far = i;
		for (int d = 0; d < dim; d++)
		{
			sums[(size_t) c * dim + d] = x[far * dim + d];
			sums[(size_t) largest * dim + d] -= x[far * dim + d];
		}
		counts[c] = 1;
		counts[largest]--;
		assign[far] = c;
		dist[far] = 0.0f;
	}
}

// New centroids from the device's sums and counts; empty clusters filled.
static int
KmUpdate(MgErr *e, KmState *s, const float *x, int64_t n, int dim, int k,
		 std::vector<int64_t> &assign, std::vector<float> &dist,
		 float *centroids)
{
	std::vector<double> sums((size_t) k * dim);
	std::vector<unsigned long long> counts(k);

	MG_CUDA(e, cudaMemcpyAsync(sums.data(), s->sums.As<double>(),
							   sums.size() * sizeof(double),
							   cudaMemcpyDeviceToHost, s->ctx.stream));
	MG_CUDA(e, cudaMemcpyAsync(counts.data(),
							   s->counts.As<unsigned long long>(),
							   counts.size() * sizeof(unsigned long long),
							   cudaMemcpyDeviceToHost, s->ctx.stream));
	MG_TRY(s->ctx.Sync(e));
	FillEmptyClusters(x, n, dim, k, sums, counts, assign, dist);
	for (int c = 0; c < k; c++)
	{
		if (counts[c] == 0)
			continue;			/* only when n < k: keep the old centroid */
		for (int d = 0; d < dim; d++)
			centroids[(size_t) c * dim + d] =
				(float) (sums[(size_t) c * dim + d] / (double) counts[c]);
	}
	return MG_OK;
}

static int
Kmeans(MgErr *e, int device, size_t memory_limit, const float *x, int64_t n,
	   int dim, int k, int iterations, float *centroids, double *objective)
{
	KmState		s;
	std::vector<int64_t> assign(n);
	std::vector<float> dist(n);
	double		obj = 0.0;

	MG_TRY(KmOpen(e, &s, device, memory_limit, n, dim, k));
	for (int it = 0; it < std::max(iterations, 1); it++)
	{
		MG_TRY(KmSetCentroids(e, &s, centroids, k, dim));
		MG_TRY(KmPass(e, &s, x, n, dim, k, iterations > 0, assign.data(),
					  dist.data(), &obj));
		if (iterations > 0)
			MG_TRY(KmUpdate(e, &s, x, n, dim, k, assign, dist, centroids));
	}
	if (objective != nullptr)
		*objective = obj;
	return MG_OK;
}

static int
CheckKmArgs(MgErr *e, const float *x, int64_t n, int dim,
			const float *centroids, int k)
{
	MG_TRY(MgCheckMatrix(e, "vectors", x, n, dim));
	if (k < 1)
		return MgSetError(e, MG_ERR_ARGUMENT,
						  "the number of centroids must be at least 1, not %d",
						  k);
	if (centroids == nullptr)
		return MgSetError(e, MG_ERR_ARGUMENT, "centroids is NULL");
	return MG_OK;
}

MG_EXPORT int
mg_kmeans(int device, size_t memory_limit, const float *x, int64_t n,
		  int dim, int k, int iterations, float *centroids,
		  double *objective, char *err, size_t errlen)
{
	MgErr		e = {err, errlen};

	try
	{
		MG_TRY(CheckKmArgs(&e, x, n, dim, centroids, k));
		if (n < k)
			return MgSetError(&e, MG_ERR_ARGUMENT,
							  "k-means of %lld vectors cannot have %d centroids",
							  (long long) n, k);
		if (iterations < 0)
			return MgSetError(&e, MG_ERR_ARGUMENT,
							  "iterations must not be negative");
		return Kmeans(&e, device, memory_limit, x, n, dim, k, iterations,
					  centroids, objective);
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

MG_EXPORT int
mg_assign(int device, size_t memory_limit, const float *x, int64_t n,
		  int dim, const float *centroids, int k, int64_t *assign,
		  float *distances, char *err, size_t errlen)
{
	MgErr		e = {err, errlen};

	try
	{
		KmState		s;
		double		obj;

		MG_TRY(CheckKmArgs(&e, x, n, dim, centroids, k));
		if (n > 0 && assign == nullptr)
			return MgSetError(&e, MG_ERR_ARGUMENT, "assign is NULL");
		MG_TRY(KmOpen(&e, &s, device, memory_limit, n, dim, k));
		MG_TRY(KmSetCentroids(&e, &s, centroids, k, dim));
		return KmPass(&e, &s, x, n, dim, k, false, assign, distances, &obj);
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
