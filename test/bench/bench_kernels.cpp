/*-------------------------------------------------------------------------
 *
 * bench_kernels.cpp
 *	  Micro-benchmark of our distance kernels against Faiss's CPU kernels.
 *
 * For each dimension (128, 768, 1536) we hold a base set in memory (100,000
 * vectors at 128 dimensions, 20,000 at 768 and 1536: 51 to 123 MB) and
 * compute the distance from one query to every base vector, writing the
 * results to an array, as a sequential scan does.  Each measurement repeats
 * whole passes for about --seconds (default 0.5 s); every kernel is measured
 * --rounds times (default 3), interleaved with the others, and the best
 * round is reported.
 *
 * Kernels compared, per metric (l2sq, ip, l1; cosine has no Faiss
 * counterpart and is shown for ours only):
 *
 *	- ours: every implementation this CPU supports (scalar, avx2, avx512),
 *	  forced with DistanceInit() and called through the public pointers,
 *	  from src/distance.c compiled as C with the extension's -O2;
 *	- faiss: faiss::fvec_L2sqr, fvec_inner_product, fvec_L1 from the
 *	  installed libfaiss;
 *	- autovec: Faiss's plain loop compiled by GCC with -O3-style
 *	  auto-vectorisation and associative math for AVX2 and AVX-512F, the way
 *	  Faiss 1.8 and later build their SIMD kernels.  This stands in for a
 *	  Faiss built for a wide target, since a distribution's libfaiss may be
 *	  built for baseline x86-64 only.
 *
 * GB/s counts the base vectors read (dim * 4 bytes per distance); the
 * query stays in L1.  "vs faiss" is our throughput over Faiss's for the
 * same dimension and metric (above 1 means we are faster).
 *
 * Base and query are 64-byte aligned (the kernels' best case; inside
 * PostgreSQL a vector's data usually starts 8 bytes past a 16-byte
 * boundary, which splits more loads across cache lines).
 *
 * Output is a markdown table on stdout.  --cache adds a second table with
 * a base set small enough (about 24 kB) to stay in L1, which shows the
 * kernels' arithmetic throughput and per-call cost rather than memory
 * bandwidth.
 *
 * Build and run from the repository root:
 *	  make -f test/bench/Makefile.kernels run
 *
 * IDENTIFICATION
 *	  test/bench/bench_kernels.cpp
 *
 *-------------------------------------------------------------------------
 */
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <faiss/Index.h>
#include <faiss/utils/distances.h>

extern "C"
{
#include "distance.h"
}

namespace
{

enum Metric
{
	L2SQ,
	IP,
	L1,
	COSINE
};

const char *const metric_names[] = {"l2sq", "ip", "l1", "cosine"};

//
// Faiss's reference loops, auto-vectorised by GCC with the options Faiss
// 1.8+ puts around its kernels (FAISS_PRAGMA_IMPRECISE_FUNCTION_BEGIN), plus
// no-trapping-math, without which GCC will not reorder the float sums.
//
#define AUTOVEC_OPT \
	optimize("O3,unroll-loops,associative-math,no-signed-zeros,no-trapping-math")

#define DEFINE_AUTOVEC(NAME, TARGET)                                          \
	__attribute__((target(TARGET), AUTOVEC_OPT)) float                        \
	NAME##L2sqr(const float *x, const float *y, size_t d)                     \
	{                                                                         \
		float res = 0;                                                        \
		for (size_t i = 0; i < d; i++)                                        \
		{                                                                     \
			const float tmp = x[i] - y[i];                                    \
			res += tmp * tmp;                                                 \
		}                                                                     \
		return res;                                                           \
	}                                                                         \
	__attribute__((target(TARGET), AUTOVEC_OPT)) float                        \
	NAME##InnerProduct(const float *x, const float *y, size_t d)              \
	{                                                                         \
		float res = 0;                                                        \
		for (size_t i = 0; i < d; i++)                                        \
			res += x[i] * y[i];                                               \
		return res;                                                           \
	}                                                                         \
	__attribute__((target(TARGET), AUTOVEC_OPT)) float                        \
	NAME##L1(const float *x, const float *y, size_t d)                        \
	{                                                                         \
		float res = 0;                                                        \
		for (size_t i = 0; i < d; i++)                                        \
			res += __builtin_fabsf(x[i] - y[i]);                                 \
		return res;                                                           \
	}

DEFINE_AUTOVEC(Avx2, "avx2,fma")
DEFINE_AUTOVEC(Avx512, "avx512f")

using Clock = std::chrono::steady_clock;

// Anything the compiler must not optimise away ends up here.
volatile double sink;

//
// One kernel under test: "pass" computes the distances from q to all n base
// vectors into out[].
//
struct Kernel
{
	std::string name;
	bool		ours;
	bool		is_faiss;
	std::function<void(const float *q, const float *base, size_t n,
					   size_t d, float *out)> pass;
	double		best_rate = 0.0;	// distances per second
};

//
// Wrap a float(a, b, d) function into a whole pass over the base set.  Every
// kernel, ours and Faiss's, is called through a function pointer, as the
// extension calls ours.
//
template <typename F>
std::function<void(const float *, const float *, size_t, size_t, float *)>
MakePass(F fn)
{
	return [fn](const float *q, const float *base, size_t n, size_t d,
				float *out) {
		for (size_t i = 0; i < n; i++)
			out[i] = fn(q, base + i * d, d);
	};
}

//
// Time "reps" passes of k; returns seconds.
//
double
TimePasses(const Kernel &k, int reps, const float *q, const float *base,
		   size_t n, size_t d, float *out)
{
	Clock::time_point start = Clock::now();

	for (int r = 0; r < reps; r++)
		k.pass(q, base, n, d, out);

	double		secs = std::chrono::duration<double>(Clock::now() - start).count();
	double		s = 0;

	for (size_t i = 0; i < n; i += 97)
		s += out[i];
	sink = sink + s;
	return secs;
}

//
// Measure every kernel "rounds" times, each for about "seconds", keeping
// each kernel's best distances/second.
//
void
Measure(std::vector<Kernel> &kernels, const float *q, const float *base,
		size_t n, size_t d, double seconds, int rounds)
{
	std::vector<float> out(n);
	std::vector<int> reps(kernels.size());

	// calibrate: one warm-up pass, then as many as fill "seconds"
	for (size_t k = 0; k < kernels.size(); k++)
	{
		double		t = TimePasses(kernels[k], 1, q, base, n, d, out.data());

		reps[k] = std::max(1, (int) std::ceil(seconds / std::max(t, 1e-9)));
	}
	for (int r = 0; r < rounds; r++)
	{
		for (size_t k = 0; k < kernels.size(); k++)
		{
			double		t = TimePasses(kernels[k], reps[k], q, base, n, d,
									   out.data());
			double		rate = (double) n * reps[k] / t;

			kernels[k].best_rate = std::max(kernels[k].best_rate, rate);
		}
	}
}

//
// The kernels for one metric: ours for each implementation the CPU has,
// then Faiss's, then the auto-vectorised stand-ins.
//
std::vector<Kernel>
KernelsFor(Metric m, DistanceImpl best)
{
	std::vector<Kernel> ks;

	for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
	{
		DistanceImpl impl = (DistanceImpl) i;
		Kernel		k;

		DistanceInit(impl);
		k.name = std::string("ours ") + DistanceImplName(impl);
		k.ours = true;
		k.is_faiss = false;
		switch (m)
		{
			case L2SQ:
				{
					DistanceL2SquaredFn f = DistanceL2Squared;

					k.pass = MakePass([f](const float *a, const float *b, size_t d) {
						return f(a, b, (int) d);
					});
					break;
				}
			case IP:
				{
					DistanceInnerProductFn f = DistanceInnerProduct;

					k.pass = MakePass([f](const float *a, const float *b, size_t d) {
						return f(a, b, (int) d);
					});
					break;
				}
			case L1:
				{
					DistanceL1Fn f = DistanceL1;

					k.pass = MakePass([f](const float *a, const float *b, size_t d) {
						return f(a, b, (int) d);
					});
					break;
				}
			case COSINE:
				{
					DistanceCosinePartsFn f = DistanceCosineParts;

					k.pass = MakePass([f](const float *a, const float *b, size_t d) {
						float		dot, na, nb;

						f(a, b, (int) d, &dot, &na, &nb);
						return 1.0f - dot / std::sqrt(na * nb);
					});
					break;
				}
		}
		ks.push_back(k);
	}
	DistanceInit(best);

	if (m == COSINE)
		return ks;

	float		(*faiss_fn) (const float *, const float *, size_t) =
		m == L2SQ ? faiss::fvec_L2sqr :
		m == IP ? faiss::fvec_inner_product : faiss::fvec_L1;
	float		(*avx2_fn) (const float *, const float *, size_t) =
		m == L2SQ ? Avx2L2sqr : m == IP ? Avx2InnerProduct : Avx2L1;
	float		(*avx512_fn) (const float *, const float *, size_t) =
		m == L2SQ ? Avx512L2sqr : m == IP ? Avx512InnerProduct : Avx512L1;
	const char *faiss_name =
		m == L2SQ ? "faiss fvec_L2sqr" :
		m == IP ? "faiss fvec_inner_product" : "faiss fvec_L1";

	ks.push_back(Kernel{faiss_name, false, true, MakePass(faiss_fn)});
	if (best >= DISTANCE_IMPL_AVX2)
		ks.push_back(Kernel{"gcc autovec avx2 (Faiss 1.8-style)", false, false,
							MakePass(avx2_fn)});
	if (best >= DISTANCE_IMPL_AVX512)
		ks.push_back(Kernel{"gcc autovec avx512 (Faiss 1.8-style)", false, false,
							MakePass(avx512_fn)});
	return ks;
}

//
// n floats, 64-byte aligned; exits on failure.  Free with std::free().
//
float *
AllocFloats(size_t n)
{
	size_t		bytes = ((n * sizeof(float) + 63) / 64) * 64;
	float	   *p = (float *) std::aligned_alloc(64, bytes);

	if (p == nullptr)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

//
// Benchmark all metrics at every dimension; print one markdown table.
//
void
RunTable(const char *title, const size_t *dims, const size_t *counts,
		 int ndims, double seconds, int rounds, DistanceImpl best)
{
	std::mt19937 gen(12345);
	std::uniform_real_distribution<float> uni(-1.0f, 1.0f);

	printf("\n### %s\n\n", title);
	printf("| dim | base vectors | metric | kernel | Mdist/s | GB/s | vs faiss |\n");
	printf("|---:|---:|---|---|---:|---:|---:|\n");
	for (int di = 0; di < ndims; di++)
	{
		size_t		d = dims[di];
		size_t		n = counts[di];
		float	   *base = AllocFloats(n * d);
		float	   *q = AllocFloats(d);

		for (size_t i = 0; i < n * d; i++)
			base[i] = uni(gen);
		for (size_t i = 0; i < d; i++)
			q[i] = uni(gen);

		for (int m = L2SQ; m <= COSINE; m++)
		{
			std::vector<Kernel> ks = KernelsFor((Metric) m, best);
			double		faiss_rate = 0.0;

			Measure(ks, q, base, n, d, seconds, rounds);
			for (const Kernel &k : ks)
				if (k.is_faiss)
					faiss_rate = k.best_rate;
			for (const Kernel &k : ks)
			{
				char		ratio[32];

				if (faiss_rate > 0.0)
					snprintf(ratio, sizeof(ratio), "%.2f", k.best_rate / faiss_rate);
				else
					snprintf(ratio, sizeof(ratio), "n/a");
				printf("| %zu | %zu | %s | %s%s%s | %.1f | %.2f | %s |\n",
					   d, n, metric_names[m],
					   k.ours ? "**" : "", k.name.c_str(), k.ours ? "**" : "",
					   k.best_rate / 1e6,
					   k.best_rate * d * sizeof(float) / 1e9, ratio);
			}
			fflush(stdout);
		}
		std::free(base);
		std::free(q);
	}
}

}							// namespace

//
// Usage: bench_kernels [--seconds S] [--rounds R] [--cache]
//
int
main(int argc, char **argv)
{
	double		seconds = 0.5;
	int			rounds = 3;
	bool		cache = false;
	DistanceImpl best = DistanceBestImpl();
	static const size_t dims[] = {128, 768, 1536};
	static const size_t counts[] = {100000, 20000, 20000};
	static const size_t cache_counts[] = {48, 8, 4};

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--cache") == 0)
			cache = true;
		else
		{
			fprintf(stderr, "usage: %s [--seconds S] [--rounds R] [--cache]\n",
					argv[0]);
			return 2;
		}
	}

	printf("## Distance kernels: ours vs Faiss %d.%d.%d\n\n",
		   FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR, FAISS_VERSION_PATCH);
	printf("best implementation on this CPU: %s; one query against the base "
		   "set, single thread; best of %d rounds of ~%.2f s each.\n",
		   DistanceImplName(best), rounds, seconds);

	RunTable("Base set in memory", dims, counts, 3, seconds, rounds, best);
	if (cache)
		RunTable("Base set in L1 cache (~24 kB)", dims, cache_counts, 3,
				 seconds, rounds, best);
	return 0;
}
