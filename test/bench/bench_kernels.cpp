/*-------------------------------------------------------------------------
 *
 * bench_kernels.cpp
 *	  Micro-benchmark of our distance kernels against Faiss's CPU kernels.
 *
 * Four families of kernels, each timed as one query against a base set
 * held in memory, computing the distance to every base vector and writing
 * the results to an array, as a sequential scan does:
 *
 *	- float32 (src/distance.c), at 128, 768 and 1536 dimensions (100,000
 *	  base vectors at 128, 20,000 at 768 and 1536: 51 to 123 MB): l2sq, ip,
 *	  l1, cosine.  Faiss: fvec_L2sqr, fvec_inner_product, fvec_L1.  Also
 *	  "autovec": Faiss's plain loop compiled by GCC with -O3-style
 *	  auto-vectorisation and associative math for AVX2 and AVX-512F, the way
 *	  Faiss 1.8 and later build their SIMD kernels.  This stands in for a
 *	  Faiss built for a wide target, since a distribution's libfaiss may be
 *	  built for baseline x86-64 only.
 *
 *	- halfvec, IEEE binary16 (src/distance_half.c), same dimensions and
 *	  counts (26 to 61 MB): l2sq, ip, l1, cosine.  Faiss: an
 *	  IndexScalarQuantizer with QT_fp16 holding the same base vectors; its
 *	  distance computer (get_FlatCodesDistanceComputer(), set_query(), then
 *	  one call per base vector) is the pure distance loop of that index,
 *	  without the top-k heap of search().  Faiss's computer is asymmetric:
 *	  the query is float32, the base fp16.  Both sides get the same values:
 *	  our half query is Faiss's encoding of the float query, and Faiss gets
 *	  that half query decoded back to float.  The scalar quantizer knows
 *	  only L2 and inner product; l1 and cosine have no Faiss counterpart.
 *
 *	- sparsevec (src/distance_sparse.c), dimension 128, 768 and 1536 with
 *	  10% non-zeros (13, 77 and 154 per vector, at random positions, for
 *	  the query and every base vector, values uniform in [-1, 1)), same
 *	  counts: l2sq, ip, l1.  Faiss has no sparse kernel, so the ratio is
 *	  to Faiss's dense kernel on the densified vectors (the same vectors
 *	  with the zeros written out); our own best dense kernel on them is
 *	  shown too.
 *
 *	- bit strings (src/distance_bit.c) at 128, 768, 1024, 1536, 2048 and
 *	  8192 bits (the last four cover the usual 1024- to 2048-bit chemical
 *	  fingerprints and a 1 KiB one; about 64 MB of base vectors at each
 *	  size): hamming and jaccard.  Faiss: an IndexBinaryFlat searched for
 *	  the nearest neighbour of one query (nq = 1, k = 1: a loop over the
 *	  base set inside Faiss, computing every distance and keeping the
 *	  smallest), and, where Faiss 1.7.3 handles the code size (8, 16, 32 or
 *	  64 bytes; here only 128 bits), faiss::hammings(), its plain distance
 *	  loop.  Jaccard has no Faiss counterpart.  Our bit kernels have their
 *	  own levels: "avx2" is the POPCNT loop and "avx512" the VPOPCNTDQ loop
 *	  (which also needs AVX512BW and AVX512VPOPCNTDQ; without them the
 *	  avx512 level runs the POPCNT loop, and the column says so).
 *
 * Ours: every implementation this CPU supports (scalar, avx2, avx512),
 * forced with DistanceInit() and called through the public pointers, from
 * the src/distance*.c files compiled as C with the extension's -O2.
 *
 * Each measurement repeats whole passes for about --seconds (default
 * 0.15 s); every kernel is measured --rounds times (default 7), interleaved
 * with the others of the same row, and the best round is kept.  Time is
 * the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that time the
 * scheduler gives to other processes on a shared machine does not count;
 * --wall times with the wall clock instead.  Every kernel's results are
 * checked against the first kernel of its row (ours, scalar); a mismatch
 * is reported on stderr and ends the run with status 1.
 *
 * Output: one markdown table per family, millions of distances per second
 * with the ratio to Faiss's figure of the same row in brackets (above 1
 * means faster than Faiss), and the bytes of base vector read per second
 * by the fastest of our kernels ("GB/s"; the query stays in L1).
 *
 * Base and query are 64-byte aligned (the kernels' best case; inside
 * PostgreSQL a vector's data usually starts 8 bytes past a 16-byte
 * boundary, which splits more loads across cache lines).  Faiss's fp16
 * codes stay where Faiss put them (std::vector storage).
 *
 * --cache adds a second set of tables with base sets of about 24 kB (the
 * dense float32 size for sparsevec), which stay in L1 and show the
 * kernels' arithmetic throughput and per-call cost rather than memory
 * bandwidth.  --family float|half|sparse|bit runs one family only.
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
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <omp.h>

#include <faiss/Index.h>
#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/impl/DistanceComputer.h>
#include <faiss/utils/distances.h>
#include <faiss/utils/hamming.h>

extern "C"
{
#include "distance.h"
}

namespace
{

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

// Time the thread's CPU time (default) or the wall clock (--wall).
bool		use_wall_clock = false;

double
Now()
{
	if (use_wall_clock)
		return std::chrono::duration<double>(
			std::chrono::steady_clock::now().time_since_epoch()).count();

	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

// Anything the compiler must not optimise away ends up here.
volatile double sink;

// Set when a kernel's results disagree with its row's reference.
bool		mismatch = false;

//
// One kernel under test: "pass" computes the distances from the query to
// all n base vectors of its row into out[] (n floats).  The closure holds
// the data.
//
enum Role
{
	OURS,						// ours on the row's data: counts for GB/s
	FAISS,						// the row's Faiss figure, the ratios' base
	OTHER
};

struct Kernel
{
	std::string column;			// column of the table it goes in
	Role		role;
	std::function<void(float *out)> pass;
	bool		checked = true; // results compared with the row's first
	double		best_rate = 0.0;	// distances per second
	std::vector<float> sample;	// every 97th result of the warm-up pass
};

Kernel
MakeKernel(const std::string &column, Role role,
		   std::function<void(float *)> pass)
{
	Kernel		k;

	k.column = column;
	k.role = role;
	k.pass = std::move(pass);
	return k;
}

//
// n elements of T, 64-byte aligned and zeroed, freed when the last copy of
// the shared_ptr goes (the closures of a row's kernels hold copies).
//
template <typename T>
std::shared_ptr<T>
AllocAligned(size_t n)
{
	size_t		bytes = ((n * sizeof(T) + 63) / 64) * 64;
	T		   *p = (T *) std::aligned_alloc(64, bytes == 0 ? 64 : bytes);

	if (p == nullptr)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	memset((void *) p, 0, bytes);
	return std::shared_ptr<T>(p, [](T *q) { std::free((void *) q); });
}

//
// Time "reps" passes of k; returns seconds.
//
double
TimePasses(const Kernel &k, int reps, size_t n, float *out)
{
	double		start = Now();

	for (int r = 0; r < reps; r++)
		k.pass(out);

	double		secs = Now() - start;
	double		s = 0;

	for (size_t i = 0; i < n; i += 97)
		s += out[i];
	sink = sink + s;
	return secs;
}

//
// Measure every kernel of a row "rounds" times, each for about "seconds",
// keeping each kernel's best distances/second; then check every kernel's
// results against the first kernel's.
//
void
Measure(std::vector<Kernel> &kernels, size_t n, double seconds, int rounds,
		const std::string &what)
{
	std::vector<float> out(n);
	std::vector<int> reps(kernels.size());

	// calibrate: one warm-up pass, then as many as fill "seconds"
	for (size_t k = 0; k < kernels.size(); k++)
	{
		double		t = TimePasses(kernels[k], 1, n, out.data());

		reps[k] = std::max(1, (int) std::ceil(seconds / std::max(t, 1e-9)));
		for (size_t i = 0; i < n; i += 97)
			kernels[k].sample.push_back(out[i]);
	}
	for (int r = 0; r < rounds; r++)
	{
		for (size_t k = 0; k < kernels.size(); k++)
		{
			double		t = TimePasses(kernels[k], reps[k], n, out.data());
			double		rate = (double) n * reps[k] / t;

			kernels[k].best_rate = std::max(kernels[k].best_rate, rate);
		}
	}

	// float32 sums in different orders differ in the last bits only
	const std::vector<float> &ref = kernels[0].sample;

	for (size_t k = 1; k < kernels.size(); k++)
	{
		for (size_t i = 0; kernels[k].checked && i < ref.size(); i++)
		{
			double		a = ref[i];
			double		b = kernels[k].sample[i];

			if (!(std::fabs(a - b) <= 1e-3 * (1.0 + std::fabs(a))))
			{
				fprintf(stderr, "MISMATCH %s: %s gives %g, %s %g (result %zu)\n",
						what.c_str(), kernels[k].column.c_str(), b,
						kernels[0].column.c_str(), a, i * 97);
				mismatch = true;
				break;
			}
		}
	}
}

//
// A number of millions with three significant figures at most.
//
std::string
FormatRate(double rate)
{
	char		buf[32];
	double		m = rate / 1e6;

	snprintf(buf, sizeof(buf), m >= 100 ? "%.0f" : m >= 10 ? "%.1f" : "%.2f", m);
	return buf;
}

//
// The markdown table of one family: the header, then one row per
// measurement, printed as soon as it is measured.
//
struct Table
{
	std::vector<std::string> columns;

	void
	Header(const char *title, const char *dimhdr, const char *extra,
		   const std::vector<std::string> &cols)
	{
		columns = cols;
		printf("\n### %s\n\n", title);
		printf("| %s |%s metric |", dimhdr, extra ? extra : "");
		for (const std::string &c : columns)
			printf(" %s |", c.c_str());
		printf(" GB/s |\n|---:|%s---|", extra ? "---:|" : "");
		for (size_t i = 0; i < columns.size(); i++)
			printf("---:|");
		printf("---:|\n");
		fflush(stdout);
	}

	//
	// One row; bytes = bytes of one base vector, for the GB/s of the
	// fastest of our kernels on the row's data (role OURS).
	//
	void
	Row(const std::string &dim, const char *extra, const char *metric,
		const std::vector<Kernel> &ks, double bytes)
	{
		double		faiss_rate = 0.0;
		double		best_ours = 0.0;

		for (const Kernel &k : ks)
		{
			if (k.role == FAISS)
				faiss_rate = k.best_rate;
			if (k.role == OURS)
				best_ours = std::max(best_ours, k.best_rate);
		}
		printf("| %s |%s%s%s %s |", dim.c_str(), extra ? " " : "",
			   extra ? extra : "", extra ? " |" : "", metric);
		for (const std::string &c : columns)
		{
			const Kernel *found = nullptr;

			for (const Kernel &k : ks)
				if (k.column == c)
					found = &k;
			if (found == nullptr)
				printf(" – |");
			else if (faiss_rate > 0.0 && found->role != FAISS)
				printf(" %s (%.2f) |", FormatRate(found->best_rate).c_str(),
					   found->best_rate / faiss_rate);
			else
				printf(" %s |", FormatRate(found->best_rate).c_str());
		}
		printf(" %.2f |\n", best_ours * bytes / 1e9);
		fflush(stdout);
	}
};

// ---------------------------------------------------------------------
// float32
// ---------------------------------------------------------------------

enum FloatMetric
{
	F_L2SQ,
	F_IP,
	F_L1,
	F_COSINE
};

const char *const float_metric_names[] = {"l2sq", "ip", "l1", "cosine"};

//
// A pass over n base vectors of dimension d with a float(a, b, d) function,
// called through a pointer, as the extension calls ours.
//
template <typename F>
std::function<void(float *)>
FloatPass(F fn, std::shared_ptr<float> q, std::shared_ptr<float> base,
		  size_t n, size_t d)
{
	return [fn, q, base, n, d](float *out) {
		const float *qp = q.get();
		const float *bp = base.get();

		for (size_t i = 0; i < n; i++)
			out[i] = fn(qp, bp + i * d, d);
	};
}

//
// A pass with our float kernel for metric m, as the pointers stand after
// DistanceInit().  The lambdas are inlined into FloatPass's loop, which
// then calls our kernel through its pointer, as it calls Faiss's.
//
std::function<void(float *)>
OurFloatPass(FloatMetric m, std::shared_ptr<float> q,
			 std::shared_ptr<float> base, size_t n, size_t d)
{
	switch (m)
	{
		case F_L2SQ:
			{
				DistanceL2SquaredFn f = DistanceL2Squared;

				return FloatPass([f](const float *a, const float *b, size_t dd) {
					return f(a, b, (int) dd);
				}, q, base, n, d);
			}
		case F_IP:
			{
				DistanceInnerProductFn f = DistanceInnerProduct;

				return FloatPass([f](const float *a, const float *b, size_t dd) {
					return f(a, b, (int) dd);
				}, q, base, n, d);
			}
		case F_L1:
			{
				DistanceL1Fn f = DistanceL1;

				return FloatPass([f](const float *a, const float *b, size_t dd) {
					return f(a, b, (int) dd);
				}, q, base, n, d);
			}
		case F_COSINE:
			break;
	}

	DistanceCosinePartsFn f = DistanceCosineParts;

	return FloatPass([f](const float *a, const float *b, size_t dd) {
		float		dot,
					na,
					nb;

		f(a, b, (int) dd, &dot, &na, &nb);
		return 1.0f - dot / std::sqrt(na * nb);
	}, q, base, n, d);
}

float		(*FaissFloatFn(FloatMetric m)) (const float *, const float *, size_t)
{
	return m == F_L2SQ ? faiss::fvec_L2sqr :
		m == F_IP ? faiss::fvec_inner_product : faiss::fvec_L1;
}

void
RunFloat(const size_t *dims, const size_t *counts, int ndims, double seconds,
		 int rounds, DistanceImpl best, const char *where)
{
	std::mt19937 gen(12345);
	std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
	std::vector<std::string> cols;
	Table		table;
	std::string title = std::string("float32 (vector), ") + where;

	for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
		cols.push_back(std::string("ours ") + DistanceImplName((DistanceImpl) i));
	cols.push_back("Faiss fvec_*");
	if (best >= DISTANCE_IMPL_AVX2)
		cols.push_back("autovec avx2");
	if (best >= DISTANCE_IMPL_AVX512)
		cols.push_back("autovec avx512");
	table.Header(title.c_str(), "dim", nullptr, cols);

	for (int di = 0; di < ndims; di++)
	{
		size_t		d = dims[di];
		size_t		n = counts[di];
		std::shared_ptr<float> base = AllocAligned<float>(n * d);
		std::shared_ptr<float> q = AllocAligned<float>(d);

		for (size_t i = 0; i < n * d; i++)
			base.get()[i] = uni(gen);
		for (size_t i = 0; i < d; i++)
			q.get()[i] = uni(gen);

		for (int mi = F_L2SQ; mi <= F_COSINE; mi++)
		{
			FloatMetric m = (FloatMetric) mi;
			std::vector<Kernel> ks;

			for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
			{
				DistanceInit((DistanceImpl) i);
				ks.push_back(MakeKernel(cols[i], OURS,
										OurFloatPass(m, q, base, n, d)));
			}
			DistanceInit(best);
			if (m != F_COSINE)
			{
				ks.push_back(MakeKernel("Faiss fvec_*", FAISS,
										FloatPass(FaissFloatFn(m), q, base, n, d)));
				if (best >= DISTANCE_IMPL_AVX2)
					ks.push_back(MakeKernel("autovec avx2", OTHER,
											FloatPass(m == F_L2SQ ? Avx2L2sqr :
													  m == F_IP ? Avx2InnerProduct : Avx2L1,
													  q, base, n, d)));
				if (best >= DISTANCE_IMPL_AVX512)
					ks.push_back(MakeKernel("autovec avx512", OTHER,
											FloatPass(m == F_L2SQ ? Avx512L2sqr :
													  m == F_IP ? Avx512InnerProduct : Avx512L1,
													  q, base, n, d)));
			}
			Measure(ks, n, seconds, rounds,
					"float32 " + std::to_string(d) + " " + float_metric_names[m]);
			table.Row(std::to_string(d), nullptr, float_metric_names[m], ks,
					  (double) d * sizeof(float));
		}
	}
}

// ---------------------------------------------------------------------
// halfvec
// ---------------------------------------------------------------------

void
RunHalf(const size_t *dims, const size_t *counts, int ndims, double seconds,
		int rounds, DistanceImpl best, const char *where)
{
	std::mt19937 gen(23456);
	std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
	std::vector<std::string> cols;
	Table		table;
	std::string title = std::string("halfvec (binary16), ") + where;
	static const char *const names[] = {"l2sq", "ip", "l1", "cosine"};

	for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
		cols.push_back(std::string("ours ") + DistanceImplName((DistanceImpl) i));
	cols.push_back("Faiss SQ fp16");
	table.Header(title.c_str(), "dim", nullptr, cols);

	for (int di = 0; di < ndims; di++)
	{
		size_t		d = dims[di];
		size_t		n = counts[di];
		std::vector<float> xf(n * d);
		std::vector<float> qf(d);

		for (size_t i = 0; i < n * d; i++)
			xf[i] = uni(gen);
		for (size_t i = 0; i < d; i++)
			qf[i] = uni(gen);

		// Faiss encodes the base once per metric (its index knows its
		// metric); the codes are the same, ours use a copy of the first.
		std::shared_ptr<faiss::IndexScalarQuantizer> sq_index[2];
		static const faiss::MetricType metrics[2] = {faiss::METRIC_L2,
		faiss::METRIC_INNER_PRODUCT};

		for (int j = 0; j < 2; j++)
		{
			sq_index[j] = std::make_shared<faiss::IndexScalarQuantizer>(
				(int) d, faiss::ScalarQuantizer::QT_fp16, metrics[j]);
			if (!sq_index[j]->is_trained)
				sq_index[j]->train((faiss::Index::idx_t) n, xf.data());
			sq_index[j]->add((faiss::Index::idx_t) n, xf.data());
		}

		std::shared_ptr<uint16_t> base = AllocAligned<uint16_t>(n * d);
		std::shared_ptr<uint16_t> q = AllocAligned<uint16_t>(d);
		std::shared_ptr<float> q_decoded = AllocAligned<float>(d);

		memcpy(base.get(), sq_index[0]->codes.data(), n * d * sizeof(uint16_t));
		sq_index[0]->sa_encode(1, qf.data(), (uint8_t *) q.get());
		sq_index[0]->sa_decode(1, (const uint8_t *) q.get(), q_decoded.get());

		for (int m = 0; m < 4; m++)
		{
			std::vector<Kernel> ks;

			for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
			{
				DistanceInit((DistanceImpl) i);

				DistanceHalfFn f = m == 0 ? DistanceHalfL2Squared :
					m == 1 ? DistanceHalfInnerProduct : DistanceHalfL1;
				DistanceHalfCosinePartsFn fc = DistanceHalfCosineParts;
				std::function<void(float *)> pass;

				if (m < 3)
					pass = [f, q, base, n, d](float *out) {
						const uint16_t *qp = q.get();
						const uint16_t *bp = base.get();

						for (size_t k = 0; k < n; k++)
							out[k] = f(qp, bp + k * d, (int) d);
					};
				else
					pass = [fc, q, base, n, d](float *out) {
						const uint16_t *qp = q.get();
						const uint16_t *bp = base.get();

						for (size_t k = 0; k < n; k++)
						{
							float		dot,
										na,
										nb;

							fc(qp, bp + k * d, (int) d, &dot, &na, &nb);
							out[k] = 1.0f - dot / std::sqrt(na * nb);
						}
					};
				ks.push_back(MakeKernel(cols[i], OURS, pass));
			}
			DistanceInit(best);

			if (m < 2)
			{
				std::shared_ptr<faiss::IndexScalarQuantizer> idx = sq_index[m];
				std::shared_ptr<faiss::FlatCodesDistanceComputer> dc(
					idx->get_FlatCodesDistanceComputer());

				ks.push_back(MakeKernel("Faiss SQ fp16", FAISS,
										[idx, dc, q_decoded, n](float *out) {
					dc->set_query(q_decoded.get());
					for (size_t k = 0; k < n; k++)
						out[k] = (*dc)((faiss::Index::idx_t) k);
				}));
			}
			Measure(ks, n, seconds, rounds,
					"halfvec " + std::to_string(d) + " " + names[m]);
			table.Row(std::to_string(d), nullptr, names[m], ks,
					  (double) d * sizeof(uint16_t));
		}
	}
}

// ---------------------------------------------------------------------
// sparsevec
// ---------------------------------------------------------------------

void
RunSparse(const size_t *dims, const size_t *counts, int ndims, double seconds,
		  int rounds, DistanceImpl best, const char *where)
{
	std::mt19937 gen(34567);
	std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
	std::vector<std::string> cols = {"ours (merge)",
		"Faiss fvec_* on densified"};
	Table		table;
	std::string title = std::string("sparsevec (10% non-zeros), ") + where;
	std::string dense_col = std::string("ours ") + DistanceImplName(best) +
		" on densified";
	static const char *const names[] = {"l2sq", "ip", "l1"};

	cols.push_back(dense_col);
	table.Header(title.c_str(), "dim", " nnz |", cols);

	for (int di = 0; di < ndims; di++)
	{
		size_t		d = dims[di];
		size_t		n = counts[di];
		size_t		nnz = (d + 5) / 10;
		std::vector<int32_t> perm(d);

		std::shared_ptr<int32_t> bi = AllocAligned<int32_t>(n * nnz);
		std::shared_ptr<float> bv = AllocAligned<float>(n * nnz);
		std::shared_ptr<int32_t> qi = AllocAligned<int32_t>(nnz);
		std::shared_ptr<float> qv = AllocAligned<float>(nnz);
		std::shared_ptr<float> dense = AllocAligned<float>(n * d);
		std::shared_ptr<float> qdense = AllocAligned<float>(d);

		// nnz distinct random indices, sorted, with random values
		auto fill = [&](int32_t *idx, float *val, float *dn) {
			for (size_t j = 0; j < d; j++)
				perm[j] = (int32_t) j;
			for (size_t j = 0; j < nnz; j++)
			{
				std::uniform_int_distribution<size_t> pick(j, d - 1);

				std::swap(perm[j], perm[pick(gen)]);
			}
			std::sort(perm.begin(), perm.begin() + nnz);
			for (size_t j = 0; j < nnz; j++)
			{
				idx[j] = perm[j];
				val[j] = uni(gen);
				dn[perm[j]] = val[j];
			}
		};

		for (size_t i = 0; i < n; i++)
			fill(bi.get() + i * nnz, bv.get() + i * nnz, dense.get() + i * d);
		fill(qi.get(), qv.get(), qdense.get());

		for (int m = 0; m < 3; m++)
		{
			std::vector<Kernel> ks;
			float		(*f) (const int32_t *, const float *, int,
							  const int32_t *, const float *, int) =
				m == 0 ? DistanceSparseL2Squared :
				m == 1 ? DistanceSparseInnerProduct : DistanceSparseL1;

			ks.push_back(MakeKernel(cols[0], OURS,
									[f, qi, qv, bi, bv, n, nnz](float *out) {
				const int32_t *ip = bi.get();
				const float *vp = bv.get();

				for (size_t k = 0; k < n; k++)
					out[k] = f(qi.get(), qv.get(), (int) nnz,
							   ip + k * nnz, vp + k * nnz, (int) nnz);
			}));
			ks.push_back(MakeKernel(cols[1], FAISS,
									FloatPass(FaissFloatFn((FloatMetric) m),
											  qdense, dense, n, d)));
			DistanceInit(best);
			ks.push_back(MakeKernel(dense_col, OTHER,
									OurFloatPass((FloatMetric) m, qdense, dense, n, d)));
			Measure(ks, n, seconds, rounds,
					"sparsevec " + std::to_string(d) + " " + names[m]);
			table.Row(std::to_string(d), std::to_string(nnz).c_str(), names[m],
					  ks, (double) nnz * (sizeof(int32_t) + sizeof(float)));
		}
	}
}

// ---------------------------------------------------------------------
// bit
// ---------------------------------------------------------------------

//
// What DistanceBitInit() runs at each level on this CPU (the same rule).
//
std::string
BitLevelName(DistanceImpl impl)
{
	__builtin_cpu_init();
	if (impl >= DISTANCE_IMPL_AVX512 &&
		__builtin_cpu_supports("avx512bw") &&
		__builtin_cpu_supports("avx512vpopcntdq"))
		return "ours avx512 (vpopcntdq)";
	if (impl >= DISTANCE_IMPL_AVX2 && __builtin_cpu_supports("popcnt"))
		return std::string("ours ") + DistanceImplName(impl) + " (popcnt)";
	return std::string("ours ") + DistanceImplName(impl);
}

void
RunBit(const size_t *bits, const size_t *counts, int nsizes, double seconds,
	   int rounds, DistanceImpl best, const char *where)
{
	std::mt19937_64 gen(45678);
	std::vector<std::string> cols;
	Table		table;
	std::string title = std::string("bit, ") + where;

	for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
		cols.push_back(BitLevelName((DistanceImpl) i));
	cols.push_back("Faiss IndexBinaryFlat");
	cols.push_back("Faiss hammings");
	table.Header(title.c_str(), "bits", nullptr, cols);

	for (int si = 0; si < nsizes; si++)
	{
		size_t		nbytes = bits[si] / 8;
		size_t		n = counts[si];
		std::shared_ptr<uint8_t> base = AllocAligned<uint8_t>(n * nbytes);
		std::shared_ptr<uint8_t> q = AllocAligned<uint8_t>(nbytes);

		// random bits, half of them set
		for (size_t i = 0; i < n * nbytes; i += 8)
		{
			uint64_t	w = gen();

			memcpy(base.get() + i, &w, 8);
		}
		for (size_t i = 0; i < nbytes; i += 8)
		{
			uint64_t	w = gen();

			memcpy(q.get() + i, &w, 8);
		}

		std::shared_ptr<faiss::IndexBinaryFlat> bin_index =
			std::make_shared<faiss::IndexBinaryFlat>((faiss::Index::idx_t) bits[si]);

		bin_index->add((faiss::Index::idx_t) n, base.get());

		for (int m = 0; m < 2; m++)
		{
			std::vector<Kernel> ks;

			for (int i = DISTANCE_IMPL_SCALAR; i <= (int) best; i++)
			{
				DistanceInit((DistanceImpl) i);
				if (m == 0)
				{
					DistanceBitHammingFn f = DistanceBitHamming;

					ks.push_back(MakeKernel(cols[i], OURS,
											[f, q, base, n, nbytes](float *out) {
						const uint8_t *bp = base.get();

						for (size_t k = 0; k < n; k++)
							out[k] = (float) f(q.get(), bp + k * nbytes, nbytes);
					}));
				}
				else
				{
					DistanceBitJaccardPartsFn f = DistanceBitJaccardParts;

					// jaccard distance as src/bitvec.c computes it
					ks.push_back(MakeKernel(cols[i], OURS,
											[f, q, base, n, nbytes](float *out) {
						const uint8_t *bp = base.get();

						for (size_t k = 0; k < n; k++)
						{
							uint64_t	ab,
										aa,
										bb;

							f(q.get(), bp + k * nbytes, nbytes, &ab, &aa, &bb);
							out[k] = ab == 0 ? 1.0f :
								(float) (1.0 - (double) ab / (double) (aa + bb - ab));
						}
					}));
				}
			}
			DistanceInit(best);
			if (m == 0)
			{
				// The Faiss figure: a search for the nearest neighbour
				// (nq = 1, k = 1), whose loop computes every distance with
				// a HammingComputer and keeps the smallest in a heap of
				// one.  It returns no array of distances, so it is checked
				// separately below.
				ks.push_back(MakeKernel("Faiss IndexBinaryFlat", FAISS,
										[bin_index, q](float *out) {
					faiss::Index::idx_t label;
					int32_t		dis;

					bin_index->search(1, q.get(), 1, &dis, &label);
					out[0] = (float) dis;
				}));
				ks.back().checked = false;

				// faiss::hammings(), the plain distance loop.  Faiss 1.7.3
				// handles only codes of 8, 16, 32 or 64 bytes: for other
				// sizes it passes the code size in bits where its generic
				// loop expects 64-bit words, and reads past the base set.
				if (nbytes == 8 || nbytes == 16 || nbytes == 32 || nbytes == 64)
					ks.push_back(MakeKernel("Faiss hammings", OTHER,
											[q, base, n, nbytes](float *out) {
						// hamdis_t is int32_t: Faiss writes ints into out[];
						// the every-97th results that the check and the
						// checksum read become floats (n / 97
						// conversions, next to nothing in the pass)
						hamdis_t   *dis = (hamdis_t *) out;

						faiss::hammings(q.get(), base.get(), 1, n, nbytes, dis);
						for (size_t k = 0; k < n; k += 97)
							out[k] = (float) dis[k];
					}));

				// check the search: its distance is our smallest
				std::vector<float> ours(n);
				faiss::Index::idx_t label = -1;
				int32_t		dis = -1;

				ks[0].pass(ours.data());
				bin_index->search(1, q.get(), 1, &dis, &label);
				if (label < 0 || (size_t) label >= n ||
					ours[label] != (float) dis ||
					*std::min_element(ours.begin(), ours.end()) != (float) dis)
				{
					fprintf(stderr, "MISMATCH bit %zu: IndexBinaryFlat finds "
							"%lld at distance %d\n", bits[si], (long long) label, dis);
					mismatch = true;
				}
			}
			Measure(ks, n, seconds, rounds,
					"bit " + std::to_string(bits[si]) + (m == 0 ? " hamming" : " jaccard"));
			table.Row(std::to_string(bits[si]), nullptr,
					  m == 0 ? "hamming" : "jaccard", ks, (double) nbytes);
		}
	}
}

}							// namespace

//
// Usage: bench_kernels [--seconds S] [--rounds R] [--cache] [--wall]
//						[--family float|half|sparse|bit]
//
int
main(int argc, char **argv)
{
	double		seconds = 0.15;
	int			rounds = 7;
	bool		cache = false;
	std::string family;
	DistanceImpl best = DistanceBestImpl();
	static const size_t dims[] = {128, 768, 1536};
	static const size_t counts[] = {100000, 20000, 20000};
	static const size_t bits[] = {128, 768, 1024, 1536, 2048, 8192};
	const int	nbits = (int) (sizeof(bits) / sizeof(bits[0]));
	size_t		bit_counts[nbits];
	size_t		float_cache[3],
				half_cache[3],
				bit_cache[nbits];

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--cache") == 0)
			cache = true;
		else if (strcmp(argv[i], "--wall") == 0)
			use_wall_clock = true;
		else if (strcmp(argv[i], "--family") == 0 && i + 1 < argc)
			family = argv[++i];
		else
		{
			fprintf(stderr, "usage: %s [--seconds S] [--rounds R] [--cache] "
					"[--wall] [--family float|half|sparse|bit]\n", argv[0]);
			return 2;
		}
	}

	// about 64 MB of bit strings per size; about 24 kB for --cache
	for (int i = 0; i < nbits; i++)
	{
		bit_counts[i] = (size_t) 64000000 / (bits[i] / 8);
		bit_cache[i] = (size_t) 24576 / (bits[i] / 8);
	}
	for (int i = 0; i < 3; i++)
	{
		float_cache[i] = 24576 / (dims[i] * sizeof(float));
		half_cache[i] = 24576 / (dims[i] * sizeof(uint16_t));
	}

	// Faiss kernels used here are single-threaded, but be sure
	omp_set_num_threads(1);

	printf("## Distance kernels: ours vs Faiss %d.%d.%d\n\n",
		   FAISS_VERSION_MAJOR, FAISS_VERSION_MINOR, FAISS_VERSION_PATCH);
	printf("Best implementation on this CPU: %s. One query against the base "
		   "set, single thread; best of %d rounds of ~%.2f s of %s each. Millions "
		   "of distances per second (ratio to the row's Faiss figure); GB/s: "
		   "base-vector bytes read per second by the fastest of ours.\n",
		   DistanceImplName(best), rounds, seconds,
		   use_wall_clock ? "wall-clock time" : "thread CPU time");

	for (int pass = 0; pass < (cache ? 2 : 1); pass++)
	{
		const char *where = pass == 0 ? "base set in memory" :
			"base set in L1 cache (~24 kB)";

		if (family.empty() || family == "float")
			RunFloat(dims, pass == 0 ? counts : float_cache, 3, seconds, rounds,
					 best, where);
		if (family.empty() || family == "half")
			RunHalf(dims, pass == 0 ? counts : half_cache, 3, seconds, rounds,
					best, where);
		if (family.empty() || family == "sparse")
			RunSparse(dims, pass == 0 ? counts : float_cache, 3, seconds, rounds,
					  best, where);
		if (family.empty() || family == "bit")
			RunBit(bits, pass == 0 ? bit_counts : bit_cache, nbits, seconds,
				   rounds, best, where);
	}

	if (mismatch)
	{
		fprintf(stderr, "some kernels disagree (see above)\n");
		return 1;
	}
	return 0;
}
