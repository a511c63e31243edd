// bench_milvus_gpu.cu
//	  Throughput of libmilvus_gpu.so beside the CPU path, on one data set.
//
// Measures, on random vectors (uniform in [0, 1); throughput of exact
// search does not depend on the data):
//   - the device's FP32 GEMM rate (cuBLAS sgemm, 8192^3, full FP32 like
//     the library) and its copy bandwidth (device-to-device cudaMemcpy);
//   - mg_knn: nq queries over n base vectors, QPS end to end (host arrays
//     in and out, transfers included), and the fraction of the GEMM rate
//     (2 n nq dim flops) and of the bandwidth (reading the n x nq distance
//     matrix once) that this time achieves;
//   - mg_kmeans: training time of k centroids, iterations Lloyd steps;
//   - with Faiss: the same search (IndexFlat) and the same k-means
//     (Clustering, no subsampling) on the CPU, and how many of the CPU's
//     neighbours the device found.
//
// Usage: bench_milvus_gpu [--n N] [--nq N] [--dim D] [--k K]
//          [--kmeans-n N] [--kmeans-k K] [--iterations I] [--device D]
//          [--no-cpu | --cpu-only]
// Defaults: n 1,000,000, nq 10,000, dim 128, k 10, k-means of 1,000,000
// vectors into 1,024 centroids, 10 iterations.
//
// IDENTIFICATION
//	  gpu/bench_milvus_gpu.cu

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <cuda_runtime.h>
#include <cublas_v2.h>

#ifdef MG_HAVE_FAISS
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <omp.h>
#endif

#include "milvus_gpu.h"

struct Options
{
	int64_t		n = 1000000;
	int64_t		nq = 10000;
	int			dim = 128;
	int			k = 10;
	int64_t		kmeans_n = 1000000;
	int			kmeans_k = 1024;
	int			iterations = 10;
	int			device = 0;
	bool		cpu = true;
	bool		gpu = true;
};

static double
Now()
{
	return std::chrono::duration<double>(
		std::chrono::steady_clock::now().time_since_epoch()).count();
}

static std::vector<float>
Random(int64_t rows, int dim, uint64_t seed)
{
	std::mt19937_64 rng(seed);
	std::uniform_real_distribution<float> u(0.0f, 1.0f);
	std::vector<float> x((size_t) rows * dim);

	for (float &v : x)
		v = u(rng);
	return x;
}

#define CK(call) \
	do { \
		cudaError_t rc_ = (call); \
		if (rc_ != cudaSuccess) \
		{ \
			fprintf(stderr, "%s: %s\n", #call, cudaGetErrorString(rc_)); \
			exit(1); \
		} \
	} while (0)

#define CB(call) \
	do { \
		if ((call) != CUBLAS_STATUS_SUCCESS) \
		{ \
			fprintf(stderr, "%s failed\n", #call); \
			exit(1); \
		} \
	} while (0)

// FP32 GEMM rate in flop/s (best of 5 runs of an 8192^3 product).
static double
GemmRate(int device)
{
	const int	m = 8192;
	const float one = 1.0f, zero = 0.0f;
	float	   *a, *c;
	cublasHandle_t h;
	cudaEvent_t t0, t1;
	float		best = 1e30f;

	CK(cudaSetDevice(device));
	CK(cudaMalloc(&a, (size_t) m * m * sizeof(float)));
	CK(cudaMalloc(&c, (size_t) m * m * sizeof(float)));
	CK(cudaMemset(a, 0, (size_t) m * m * sizeof(float)));
	CB(cublasCreate(&h));
	CB(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
	CK(cudaEventCreate(&t0));
	CK(cudaEventCreate(&t1));
	for (int r = 0; r < 6; r++)
	{
		float		ms;

		CK(cudaEventRecord(t0));
		CB(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, m, m, m, &one, a, m, a, m,
					   &zero, c, m));
		CK(cudaEventRecord(t1));
		CK(cudaEventSynchronize(t1));
		CK(cudaEventElapsedTime(&ms, t0, t1));
		if (r > 0)
			best = std::min(best, ms);
	}
	cublasDestroy(h);
	cudaFree(a);
	cudaFree(c);
	return 2.0 * m * (double) m * m / (best / 1e3);
}

// Device memory bandwidth in bytes/s: a 1 GiB device-to-device copy reads
// and writes each byte.
static double
Bandwidth(int device)
{
	const size_t bytes = (size_t) 1 << 30;
	void	   *a, *b;
	cudaEvent_t t0, t1;
	float		best = 1e30f;

	CK(cudaSetDevice(device));
	CK(cudaMalloc(&a, bytes));
	CK(cudaMalloc(&b, bytes));
	CK(cudaEventCreate(&t0));
	CK(cudaEventCreate(&t1));
	for (int r = 0; r < 6; r++)
	{
		float		ms;

		CK(cudaEventRecord(t0));
		CK(cudaMemcpy(b, a, bytes, cudaMemcpyDeviceToDevice));
		CK(cudaEventRecord(t1));
		CK(cudaEventSynchronize(t1));
		CK(cudaEventElapsedTime(&ms, t0, t1));
		if (r > 0)
			best = std::min(best, ms);
	}
	cudaFree(a);
	cudaFree(b);
	return 2.0 * bytes / (best / 1e3);
}

static void
Usage()
{
	fprintf(stderr, "usage: bench_milvus_gpu [--n N] [--nq N] [--dim D] [--k K] "
			"[--kmeans-n N] [--kmeans-k K] [--iterations I] [--device D] [--no-cpu | --cpu-only]\n");
	exit(2);
}

static Options
Parse(int argc, char **argv)
{
	Options		o;

	for (int i = 1; i < argc; i++)
	{
		std::string a = argv[i];

		if (a == "--no-cpu" || a == "--cpu-only")
		{
			o.cpu = a == "--cpu-only";
			o.gpu = a == "--no-cpu";
			continue;
		}
		if (i + 1 >= argc)
			Usage();
		long long	v = atoll(argv[++i]);

		if (a == "--n") o.n = v;
		else if (a == "--nq") o.nq = v;
		else if (a == "--dim") o.dim = (int) v;
		else if (a == "--k") o.k = (int) v;
		else if (a == "--kmeans-n") o.kmeans_n = v;
		else if (a == "--kmeans-k") o.kmeans_k = (int) v;
		else if (a == "--iterations") o.iterations = (int) v;
		else if (a == "--device") o.device = (int) v;
		else Usage();
	}
	if (o.n < 1 || o.nq < 1 || o.dim < 1 || o.k < 1 || o.k > MG_MAX_K ||
		o.kmeans_k < 1 || o.kmeans_n < o.kmeans_k || o.iterations < 0)
		Usage();
	return o;
}

static void
Fail(const char *what, int rc, const char *err)
{
	fprintf(stderr, "%s failed (code %d): %s\n", what, rc, err);
	exit(1);
}

// The search on the device; returns the seconds it took.
static double
GpuSearch(const Options &o, const std::vector<float> &base,
		  const std::vector<float> &q, std::vector<float> &d,
		  std::vector<int64_t> &l)
{
	char		err[512];
	double		t;
	int			rc;

	/* warm-up: the context, cuBLAS's kernels */
	rc = mg_knn(o.device, 0, MG_METRIC_L2, base.data(), std::min<int64_t>(o.n, 10000),
				q.data(), std::min<int64_t>(o.nq, 100), o.dim, o.k, d.data(),
				l.data(), err, sizeof(err));
	if (rc != MG_OK)
		Fail("mg_knn", rc, err);
	t = Now();
	rc = mg_knn(o.device, 0, MG_METRIC_L2, base.data(), o.n, q.data(), o.nq,
				o.dim, o.k, d.data(), l.data(), err, sizeof(err));
	if (rc != MG_OK)
		Fail("mg_knn", rc, err);
	return Now() - t;
}

static double
GpuKmeans(const Options &o, const std::vector<float> &x, double *objective)
{
	std::vector<float> c(x.begin(), x.begin() + (size_t) o.kmeans_k * o.dim);
	char		err[512];
	double		t = Now();
	int			rc;

	rc = mg_kmeans(o.device, 0, x.data(), o.kmeans_n, o.dim, o.kmeans_k,
				   o.iterations, c.data(), objective, err, sizeof(err));
	if (rc != MG_OK)
		Fail("mg_kmeans", rc, err);
	return Now() - t;
}

#ifdef MG_HAVE_FAISS
static void
CpuPath(const Options &o, const std::vector<float> &base,
		const std::vector<float> &q, const std::vector<float> &km,
		const std::vector<int64_t> &gl, double gpu_search, double gpu_kmeans)
{
	faiss::IndexFlatL2 index(o.dim);
	std::vector<float> d((size_t) o.nq * o.k);
	std::vector<faiss::Index::idx_t> l((size_t) o.nq * o.k);
	faiss::ClusteringParameters cp;
	double		t, cpu_search, cpu_kmeans;
	int64_t		same = 0;

	printf("cpu: Faiss with %d OpenMP threads\n", omp_get_max_threads());
	index.add(o.n, base.data());
	t = Now();
	index.search(o.nq, q.data(), o.k, d.data(), l.data());
	cpu_search = Now() - t;
	printf("cpu search: %.3f s, %.0f QPS\n", cpu_search, o.nq / cpu_search);
	if (gpu_search > 0)
	{
		for (int64_t i = 0; i < o.nq; i++)
			for (int j = 0; j < o.k; j++)
				same += std::count(&gl[i * o.k], &gl[(i + 1) * o.k],
								   l[i * o.k + j]);
		printf("gpu/cpu search speed-up %.1fx; gpu found %.4f of the cpu's "
			   "neighbours\n", cpu_search / gpu_search,
			   (double) same / (o.nq * o.k));
	}

	cp.niter = o.iterations;
	cp.max_points_per_centroid = (int) (o.kmeans_n / o.kmeans_k + 1);
	cp.verbose = false;
	faiss::Clustering clus(o.dim, o.kmeans_k, cp);
	faiss::IndexFlatL2 qz(o.dim);

	t = Now();
	clus.train(o.kmeans_n, km.data(), qz);
	cpu_kmeans = Now() - t;
	printf("cpu kmeans: %.3f s (objective %.6g)\n", cpu_kmeans,
		   clus.iteration_stats.empty() ? 0.0 :
		   clus.iteration_stats.back().obj);
	if (gpu_kmeans > 0)
		printf("gpu/cpu kmeans speed-up %.1fx\n", cpu_kmeans / gpu_kmeans);
}
#endif

static bool
HaveDevice()
{
	char		err[512];
	int			count = 0;
	int			rc;

	if ((rc = mg_device_count(&count, err, sizeof(err))) != MG_OK)
		Fail("mg_device_count", rc, err);
	return count > 0;
}

// Device, measured peaks, then search and k-means on the device; the times
// go to *ts and *tk.
static void
GpuPath(const Options &o, const std::vector<float> &base,
		const std::vector<float> &q, const std::vector<float> &km,
		std::vector<int64_t> &l, double *ts, double *tk)
{
	char		err[512];
	int			rc;
	mg_device_info info;
	double		gemm, bw, obj = 0.0;
	time_t		now = time(nullptr);
	char		date[64];
	std::vector<float> d((size_t) o.nq * o.k);

	if ((rc = mg_device_info_get(o.device, &info, err, sizeof(err))) != MG_OK)
		Fail("mg_device_info_get", rc, err);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime(&now));
	printf("device %d: %s, %zu MiB, compute %d.%d, %d SMs; %s\n", o.device,
		   info.name, info.total_memory >> 20, info.compute_major,
		   info.compute_minor, info.multiprocessors, date);
	gemm = GemmRate(o.device);
	bw = Bandwidth(o.device);
	printf("measured: FP32 GEMM %.2f TFLOP/s, device copy %.0f GB/s\n",
		   gemm / 1e12, bw / 1e9);

	*ts = GpuSearch(o, base, q, d, l);
	printf("gpu search: %lld queries over %lld x %d, k=%d, L2: %.3f s, %.0f QPS; "
		   "%.1f%% of the GEMM rate, %.1f%% of the bandwidth (distance matrix read once)\n",
		   (long long) o.nq, (long long) o.n, o.dim, o.k, *ts, o.nq / *ts,
		   100.0 * 2.0 * o.n * o.nq * o.dim / *ts / gemm,
		   100.0 * 4.0 * o.n * o.nq / *ts / bw);
	*tk = GpuKmeans(o, km, &obj);
	printf("gpu kmeans: %lld x %d into %d centroids, %d iterations: %.3f s "
		   "(objective %.6g); %.1f%% of the GEMM rate\n",
		   (long long) o.kmeans_n, o.dim, o.kmeans_k, o.iterations, *tk, obj,
		   100.0 * 2.0 * o.kmeans_n * o.kmeans_k * o.dim *
		   std::max(o.iterations, 1) / *tk / gemm);
}

int
main(int argc, char **argv)
{
	Options		o = Parse(argc, argv);
	double		ts = 0.0, tk = 0.0;

	if (o.gpu && !HaveDevice())
	{
		printf("no CUDA device: benchmark not run\n");
		return 0;
	}

	std::vector<float> base = Random(o.n, o.dim, 1);
	std::vector<float> q = Random(o.nq, o.dim, 2);
	std::vector<float> km = o.kmeans_n == o.n ? base : Random(o.kmeans_n, o.dim, 3);
	std::vector<int64_t> l((size_t) o.nq * o.k);

	if (o.gpu)
		GpuPath(o, base, q, km, l, &ts, &tk);
#ifdef MG_HAVE_FAISS
	if (o.cpu)
		CpuPath(o, base, q, km, l, ts, tk);
#else
	if (o.cpu)
		printf("cpu: not built (no Faiss headers)\n");
#endif
	return 0;
}
