//-------------------------------------------------------------------------
//
// faiss_shim.cpp
//	  extern "C" noexcept wrappers over Faiss's k-means and flat search.
//
// Built into milvus_faiss.so, not milvus.so (see faiss_shim.h for why).
// Each entry point blocks every signal for its duration, so the OpenMP
// threads Faiss starts (and keeps, idle, in libgomp's pool) never run the
// backend's signal handlers, then restores the caller's mask.
//
// IDENTIFICATION
//	  src/faiss_shim.cpp
//
//-------------------------------------------------------------------------
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include <omp.h>
#include <pthread.h>
#include <signal.h>

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>

#include "faiss_shim.h"
#include "shim_internal.hpp"

// OpenBLAS's own thread count (Faiss's flat search calls sgemm)
extern "C" void openblas_set_num_threads(int num_threads);

namespace
{

// Blocks every signal while alive; restores the previous mask.
class SignalBlock
{
  public:
	SignalBlock() noexcept
	{
		sigset_t	all;

		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &saved_);
	}
	~SignalBlock() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
	SignalBlock(const SignalBlock &) = delete;
	SignalBlock &operator=(const SignalBlock &) = delete;

  private:
	sigset_t	saved_;
};

faiss::IndexFlat *
new_flat(int dim, MvFaissMetric metric)
{
	if (metric == MV_FAISS_IP)
		return new faiss::IndexFlatIP(dim);
	return new faiss::IndexFlatL2(dim);
}

// OpenMP's and OpenBLAS's threads both: a small call runs in one thread
void
set_threads(int nthreads)
{
	if (nthreads > 0)
	{
		omp_set_num_threads(nthreads);
		openblas_set_num_threads(nthreads);
	}
}

}								// namespace

extern "C" MvStatus
mv_faiss_kmeans(int dim, int64_t n, const float *x, int k,
				MvFaissMetric metric, int spherical, int niter,
				uint64_t seed, int init, float *centroids,
				int nthreads) noexcept
{
	SignalBlock block;

	if (dim <= 0 || k <= 0 || n < k || niter <= 0 || x == nullptr ||
		centroids == nullptr)
		return mv_set_error(MV_ERR_INVALID,
							"k-means needs at least as many vectors as centroids (%lld vectors, %d centroids)",
							(long long) n, k);
	return mv_shim_try([&]() -> MvStatus
	{
		faiss::ClusteringParameters cp;

		cp.niter = niter;
		cp.nredo = 1;
		cp.verbose = false;
		cp.spherical = spherical != 0;
		cp.seed = (int) (seed & 0x7fffffff);
		// the caller samples; Faiss must neither subsample nor warn
		cp.min_points_per_centroid = 1;
		cp.max_points_per_centroid = (int) ((n + k - 1) / k + 1);
		set_threads(nthreads);

		faiss::Clustering clus(dim, k, cp);
		std::unique_ptr<faiss::IndexFlat> index(new_flat(dim, metric));

		if (init)
			clus.centroids.assign(centroids, centroids + (size_t) k * dim);
		clus.train(n, x, *index);
		if (clus.centroids.size() != (size_t) k * dim)
			return mv_set_error(MV_ERR_LIB, "k-means returned %zu values, expected %zu",
								clus.centroids.size(), (size_t) k * dim);
		memcpy(centroids, clus.centroids.data(), sizeof(float) * k * dim);
		return MV_OK;
	});
}

extern "C" MvStatus
mv_faiss_assign(int dim, int k, const float *centroids, MvFaissMetric metric,
				int64_t n, const float *x, int64_t *labels,
				int nthreads) noexcept
{
	SignalBlock block;

	if (dim <= 0 || k <= 0 || n < 0 || centroids == nullptr ||
		(n > 0 && (x == nullptr || labels == nullptr)))
		return mv_set_error(MV_ERR_INVALID, "invalid assignment arguments");
	if (n == 0)
		return MV_OK;
	return mv_shim_try([&]() -> MvStatus
	{
		std::unique_ptr<faiss::IndexFlat> index(new_flat(dim, metric));
		std::vector<float> dist(n);

		set_threads(nthreads);
		index->add(k, centroids);
		index->search(n, x, 1, dist.data(), labels);
		return MV_OK;
	});
}

extern "C" const char *
mv_faiss_last_error(void) noexcept
{
	return mv_shim_last_error();
}
