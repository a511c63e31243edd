/*-------------------------------------------------------------------------
 *
 * test_distance_half.c
 *	  Unit test of the half-precision distance kernels, without a server.
 *
 * First a few spot checks of the scalar conversions in halfutils.h
 * (known bit patterns, rounding at the edges of the range, and the round
 * trip of every finite half).  Then every implementation the CPU supports
 * is forced in turn with DistanceInit(limit) and checked through the
 * public DistanceHalf* pointers:
 *
 *	- small hand-computed cases, and integer-valued vectors whose sums are
 *	  exact in float32, must match exactly;
 *	- every finite half, placed alone in each lane position of a 64-element
 *	  vector, must come out of the inner product with ones unchanged (so
 *	  the F16C / AVX-512 widening agrees with HalfToFloat4 everywhere, in
 *	  the main loop, the one-register loop and the tail);
 *	- random halves (fixed seed) of awkward lengths must match a reference
 *	  computed in double precision within
 *		|got - want| <= REL_TOL * sum(|term|) + ABS_TOL
 *	  where sum(|term|) is the sum of the absolute values of the summed
 *	  terms (so a cancelling inner product is judged fairly);
 *	- the same with pointers offset by one half (2 bytes: unaligned for
 *	  every vector load, and with a and b misaligned relative to each other);
 *	- vectors that end exactly at a PROT_NONE guard page, so a tail that
 *	  reads past the last element crashes into a SIGSEGV, which we catch
 *	  and report;
 *	- DistanceFloatToHalf, the whole-array conversion of casts, must give
 *	  Float4ToHalf's bits for every half's value, the midpoints between
 *	  halves and their neighbours, and a stride through all float bit
 *	  patterns, and must report NaN, infinity and overflow wherever they
 *	  are.
 *
 * Output is one "ok N - ..." or "not ok N - ..." line per check group,
 * "# skip ..." lines for implementations the CPU lacks, and a final
 * "N passed, N failed" line.  The exit status is non-zero on any failure.
 *
 * Build and run: make unitcheck
 *
 * IDENTIFICATION
 *	  test/unit/test_distance_half.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "distance.h"
#include "halfutils.h"
#include "unit.h"

/* tolerance against the double-precision reference, see file header */
#define REL_TOL		1e-4
#define ABS_TOL		1e-6

static void TestFloatToHalf(const char *name);

/* longest vector tested, plus room for offsets */
#define MAX_LEN		16000
#define BUF_LEN		(MAX_LEN + 64)

static const int lengths[] = {
	0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65,
	127, 128, 129, 1023, 1024, 1536, 16000
};
#define NUM_LENGTHS ((int) (sizeof(lengths) / sizeof(lengths[0])))

typedef enum Metric
{
	METRIC_L2SQ,
	METRIC_IP,
	METRIC_L1,
	METRIC_COSINE,
	NUM_METRICS
} Metric;

static const char *const metric_names[NUM_METRICS] = {
	"l2sq", "ip", "l1", "cosine"
};

/* worst observed |got - want| / sum(|term|) for the current implementation */
static double worst_error = 0.0;

static uint16_t *buf_a;
static uint16_t *buf_b;

/*
 * Deterministic pseudo-random halves for floats in [-1, 1) (splitmix64),
 * so that every run and every machine sees the same data.
 */
static uint64_t rng_state = 0x5eed5eed87654321ULL;

static uint16_t
RandomHalf(void)
{
	return Float4ToHalf(SplitMixUnit(&rng_state));
}

/*
 * Fill x[0..n-1] with random halves.
 */
static void
FillRandom(uint16_t *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = RandomHalf();
}

/*
 * Reference values in double precision.  want[] receives one result (three
 * for cosine: dot, norma, normb) and scale[] the matching sum of |term|.
 */
static void
Reference(Metric metric, const uint16_t *a, const uint16_t *b, int n,
		  double *want, double *scale)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				abs0 = 0.0;

	for (int i = 0; i < n; i++)
	{
		double		x = HalfToFloat4(a[i]);
		double		y = HalfToFloat4(b[i]);

		switch (metric)
		{
			case METRIC_L2SQ:
				s0 += (x - y) * (x - y);
				break;
			case METRIC_IP:
				s0 += x * y;
				abs0 += fabs(x * y);
				break;
			case METRIC_L1:
				s0 += fabs(x - y);
				break;
			case METRIC_COSINE:
			case NUM_METRICS:
				s0 += x * y;
				abs0 += fabs(x * y);
				s1 += x * x;
				s2 += y * y;
				break;
		}
	}

	want[0] = s0;
	want[1] = s1;
	want[2] = s2;
	scale[0] = (metric == METRIC_IP || metric == METRIC_COSINE) ? abs0 : s0;
	scale[1] = s1;
	scale[2] = s2;
}

/*
 * Run the current kernel for "metric"; got[] receives one or three values.
 * Returns how many.
 */
static int
Compute(Metric metric, const uint16_t *a, const uint16_t *b, int n,
		double *got)
{
	float		dot,
				norma,
				normb;

	switch (metric)
	{
		case METRIC_L2SQ:
			got[0] = DistanceHalfL2Squared(a, b, n);
			return 1;
		case METRIC_IP:
			got[0] = DistanceHalfInnerProduct(a, b, n);
			return 1;
		case METRIC_L1:
			got[0] = DistanceHalfL1(a, b, n);
			return 1;
		case METRIC_COSINE:
		case NUM_METRICS:
			break;
	}
	DistanceHalfCosineParts(a, b, n, &dot, &norma, &normb);
	got[0] = dot;
	got[1] = norma;
	got[2] = normb;
	return 3;
}

/*
 * Compare the current kernel with the reference on a[0..n-1], b[0..n-1].
 * On a mismatch, print a diagnostic line naming "where".
 */
static bool
CheckOne(Metric metric, const uint16_t *a, const uint16_t *b, int n,
		 const char *where)
{
	double		want[3],
				scale[3],
				got[3];
	int			nvals = Compute(metric, a, b, n, got);
	bool		ok = true;

	Reference(metric, a, b, n, want, scale);
	for (int k = 0; k < nvals; k++)
	{
		double		err = fabs(got[k] - want[k]);
		double		tol = REL_TOL * scale[k] + ABS_TOL;

		if (scale[k] > 0.0 && err / scale[k] > worst_error)
			worst_error = err / scale[k];
		if (!(err <= tol))
		{
			printf("# %s n=%d value %d: got %.9g, want %.9g, error %.3g > %.3g\n",
				   where, n, k, got[k], want[k], err, tol);
			ok = false;
		}
	}
	return ok;
}

/*
 * Float bit pattern helpers for the conversion checks.
 */
static float
FloatFromBits(uint32_t bits)
{
	float		f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static uint32_t
FloatBits(float f)
{
	uint32_t	bits;

	memcpy(&bits, &f, sizeof(bits));
	return bits;
}

/*
 * Spot checks of Float4ToHalf / HalfToFloat4 (the full check over all
 * 2^32 floats was done against the compiler's _Float16 when halfutils.h
 * was written), plus the round trip of every finite half.
 */
static void
TestConversions(void)
{
	static const struct
	{
		float		f;
		uint16_t	h;
	}			cases[] = {
		{0.0f, 0x0000},
		{-0.0f, 0x8000},
		{1.0f, 0x3c00},
		{-2.0f, 0xc000},
		{0.5f, 0x3800},
		{0.1f, 0x2e66},			/* 0.0999755859375 */
		{65504.0f, 0x7bff},		/* HALF_MAX */
		{65519.0f, 0x7bff},		/* below the midpoint to 65536 */
		{65520.0f, 0x7c00},		/* the midpoint rounds to even: overflow */
		{-70000.0f, 0xfc00},
		{6.103515625e-05f, 0x0400}, /* smallest normal, 2^-14 */
		{5.9604644775390625e-08f, 0x0001},	/* smallest subnormal, 2^-24 */
		{2.98023223876953125e-08f, 0x0000}, /* 2^-25: tie rounds to even 0 */
		{4.4703483581542969e-08f, 0x0001},	/* 3 * 2^-26 rounds up */
		{1e-10f, 0x0000},
		{1.0009765625f, 0x3c01},	/* 1 + 2^-10 */
		{1.00048828125f, 0x3c00},	/* 1 + 2^-11: tie to even */
		{1.00146484375f, 0x3c02},	/* 1 + 3 * 2^-11: tie to even */
		{2048.0f, 0x6800},
		{2049.0f, 0x6800},		/* tie to even */
		{2051.0f, 0x6802},		/* tie to even, upwards */
	};
	bool		ok = true;
	int			mismatches = 0;

	for (int i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		uint16_t	h = Float4ToHalf(cases[i].f);

		if (h != cases[i].h)
		{
			printf("# Float4ToHalf(%.9g) = 0x%04x, want 0x%04x\n",
				   cases[i].f, h, cases[i].h);
			ok = false;
		}
	}
	Report(ok, "Float4ToHalf known bit patterns, rounding to nearest even");

	ok = HalfToFloat4(0x3c00) == 1.0f &&
		HalfToFloat4(0x7bff) == 65504.0f &&
		HalfToFloat4(0x0001) == ldexpf(1.0f, -24) &&
		HalfToFloat4(0x03ff) == ldexpf(1023.0f, -24) &&
		HalfToFloat4(0x0400) == ldexpf(1.0f, -14) &&
		FloatBits(HalfToFloat4(0x8000)) == 0x80000000U &&
		isinf(HalfToFloat4(0x7c00)) && HalfToFloat4(0xfc00) < 0 &&
		isnan(HalfToFloat4(0x7e00)) &&
		(Float4ToHalf(FloatFromBits(0x7fc00000U)) & 0x7fff) > 0x7c00;
	Report(ok, "HalfToFloat4 known values; NaN and infinity stay so");

	for (uint32_t h = 0; h <= 0xffff; h++)
	{
		if ((h & 0x7c00) == 0x7c00)
			continue;			/* infinity, NaN */
		if (Float4ToHalf(HalfToFloat4((uint16_t) h)) != h)
			mismatches++;
	}
	Report(mismatches == 0,
		   "Float4ToHalf(HalfToFloat4(h)) == h for all finite halves "
		   "(%d mismatches)", mismatches);
}

/*
 * Exact cases: [1,2,3] vs [4,5,6], n = 0, n < 0, and integer vectors whose
 * partial sums stay below 2^24 so that any summation order is exact.
 */
static void
TestExact(const char *impl)
{
	static const int int_lengths[] = {5, 1000, 1037};
	uint16_t	a3[3] = {0x3c00, 0x4000, 0x4200};	/* 1, 2, 3 */
	uint16_t	b3[3] = {0x4400, 0x4500, 0x4600};	/* 4, 5, 6 */
	float		dot,
				norma,
				normb;
	bool		ok;

	DistanceHalfCosineParts(a3, b3, 3, &dot, &norma, &normb);
	ok = DistanceHalfL2Squared(a3, b3, 3) == 27.0f &&
		DistanceHalfInnerProduct(a3, b3, 3) == 32.0f &&
		DistanceHalfL1(a3, b3, 3) == 9.0f &&
		dot == 32.0f && norma == 14.0f && normb == 77.0f;
	Report(ok, "%s exact [1,2,3] vs [4,5,6]: l2sq 27, ip 32, l1 9, "
		   "cosine parts 32/14/77", impl);

	DistanceHalfCosineParts(a3, b3, 0, &dot, &norma, &normb);
	ok = DistanceHalfL2Squared(a3, b3, 0) == 0.0f &&
		DistanceHalfInnerProduct(a3, b3, 0) == 0.0f &&
		DistanceHalfL1(a3, b3, 0) == 0.0f &&
		dot == 0.0f && norma == 0.0f && normb == 0.0f;
	Report(ok, "%s exact n=0 gives 0 everywhere", impl);

	DistanceHalfCosineParts(a3, b3, -5, &dot, &norma, &normb);
	ok = DistanceHalfL2Squared(a3, b3, -5) == 0.0f &&
		DistanceHalfInnerProduct(a3, b3, -5) == 0.0f &&
		DistanceHalfL1(a3, b3, -5) == 0.0f &&
		dot == 0.0f && norma == 0.0f && normb == 0.0f;
	Report(ok, "%s negative n reads nothing and gives 0 everywhere", impl);

	for (int t = 0; t < (int) (sizeof(int_lengths) / sizeof(int)); t++)
	{
		int			n = int_lengths[t];
		long		l2 = 0,
					ip = 0,
					l1 = 0,
					na = 0,
					nb = 0;

		for (int i = 0; i < n; i++)
		{
			long		x = i % 7 - 3;
			long		y = (i * 5) % 11 - 5;

			buf_a[i] = Float4ToHalf((float) x);
			buf_b[i] = Float4ToHalf((float) y);
			l2 += (x - y) * (x - y);
			ip += x * y;
			l1 += labs(x - y);
			na += x * x;
			nb += y * y;
		}
		DistanceHalfCosineParts(buf_a, buf_b, n, &dot, &norma, &normb);
		ok = DistanceHalfL2Squared(buf_a, buf_b, n) == (float) l2 &&
			DistanceHalfInnerProduct(buf_a, buf_b, n) == (float) ip &&
			DistanceHalfL1(buf_a, buf_b, n) == (float) l1 &&
			dot == (float) ip && norma == (float) na && normb == (float) nb;
		Report(ok, "%s exact integer vectors n=%d", impl, n);
	}
}

/*
 * Every finite half h, alone at position h % len in an otherwise zero
 * vector of len 64 (main loop) and 31 (one-register loop and tail), must
 * give exactly HalfToFloat4(h) as its inner product with ones.
 */
static void
TestEveryHalf(const char *impl)
{
	static const int widths[] = {64, 31};

	for (int w = 0; w < 2; w++)
	{
		int			len = widths[w];
		int			mismatches = 0;

		for (int i = 0; i < len; i++)
		{
			buf_a[i] = 0;
			buf_b[i] = 0x3c00;	/* 1.0 */
		}
		for (uint32_t h = 0; h <= 0xffff; h++)
		{
			int			pos = (int) (h % len);
			float		got;

			if ((h & 0x7c00) == 0x7c00)
				continue;		/* infinity, NaN: never stored */
			buf_a[pos] = (uint16_t) h;
			got = DistanceHalfInnerProduct(buf_a, buf_b, len);
			if (got != HalfToFloat4((uint16_t) h))
			{
				if (mismatches++ < 5)
					printf("# 0x%04x at %d of %d: got %.9g, want %.9g\n",
						   h, pos, len, got, HalfToFloat4((uint16_t) h));
			}
			buf_a[pos] = 0;
		}
		Report(mismatches == 0,
			   "%s every finite half widens as HalfToFloat4, every lane of %d",
			   impl, len);
	}
}

/* TestRandom, TestUnaligned, TestGuardPage */
#define DENSE_ELEM uint16_t
#include "dense_tests.h"

/*
 * Before DistanceInit(), the pointers must already be the scalar kernels.
 */
static void
TestInitialState(void)
{
	Report(DistanceHalfL2Squared == DistanceHalfL2SquaredScalar &&
		   DistanceHalfInnerProduct == DistanceHalfInnerProductScalar &&
		   DistanceHalfL1 == DistanceHalfL1Scalar &&
		   DistanceHalfCosineParts == DistanceHalfCosinePartsScalar,
		   "half kernels are the scalar versions before DistanceInit");
}

/*
 * Run every test group against one forced implementation.
 */
static void
TestImpl(DistanceImpl impl)
{
	const char *name = DistanceImplName(impl);
	bool		ok;

	ok = DistanceInit(impl) == impl && DistanceCurrentImpl() == impl;
	if (!Report(ok, "%s selected by DistanceInit", name))
		return;
	if (impl == DISTANCE_IMPL_SCALAR)
		Report(DistanceHalfInnerProduct == DistanceHalfInnerProductScalar,
			   "scalar DistanceInit installs the scalar half kernels");
	else
		Report(DistanceHalfInnerProduct != DistanceHalfInnerProductScalar,
			   "%s DistanceInit installs SIMD half kernels", name);

	worst_error = 0.0;
	TestExact(name);
	TestEveryHalf(name);
	TestRandom(name);
	TestUnaligned(name);
	TestGuardPage(name);
	TestFloatToHalf(name);
	printf("# %s: worst relative error %.3g of sum(|term|) (tolerance %g + %g)\n",
		   name, worst_error, REL_TOL, ABS_TOL);
}

/*
 * Convert the floats of in[0..n-1] through DistanceFloatToHalf in pieces
 * of awkward lengths (so the main loops and the tails all run), and
 * compare each return value with whether the piece converts to finite
 * halves, and then each result with Float4ToHalf.  Returns the number of
 * mismatches.
 */
static long
CompareFloatToHalf(const float *in, int n)
{
	static uint16_t out[64];
	long		bad = 0;
	int			len = 1;

	for (int start = 0; start < n; start += len, len = len % 37 + 1)
	{
		int			m = start + len <= n ? len : n - start;
		int			finite = 1;
		int			got = DistanceFloatToHalf(in + start, out, m);

		for (int i = 0; i < m; i++)
			if ((Float4ToHalf(in[start + i]) & 0x7c00) == 0x7c00)
				finite = 0;
		if (got != finite)
			bad++;
		/* the results count only when all are finite halves */
		for (int i = 0; finite && i < m; i++)
			if (out[i] != Float4ToHalf(in[start + i]))
				bad++;
	}
	return bad;
}

/*
 * DistanceFloatToHalf against Float4ToHalf: every half's exact value,
 * the midpoints between neighbouring halves (ties) and one float ulp
 * either side of them, a stride through all float bit patterns, and
 * arrays with one value a half cannot hold at each position.
 */
static void
TestFloatToHalf(const char *name)
{
	static float in[4 * 65536];
	int			n = 0;
	long		bad;
	bool		ok = true;

	for (uint32_t h = 0; h < 0x10000; h++)
	{
		float		lo = HalfToFloat4((uint16_t) h);
		float		hi = HalfToFloat4((uint16_t) (h + 1));
		float		mid;

		if ((h & 0x7c00) == 0x7c00 || ((h + 1) & 0x7c00) == 0x7c00 ||
			h == 0x7fff || h == 0xffff)
			continue;
		mid = (float) (((double) lo + (double) hi) / 2);
		in[n++] = lo;
		in[n++] = mid;
		in[n++] = nextafterf(mid, -INFINITY);
		in[n++] = nextafterf(mid, INFINITY);
	}
	bad = CompareFloatToHalf(in, n);
	Report(bad == 0, "%s: float -> half at %d values around every half (%ld wrong)",
		   name, n, bad);

	n = 0;
	bad = 0;
	for (uint64_t x = 0; x <= 0xffffffffULL; x += 65537)
	{
		uint32_t	bits = (uint32_t) x;

		memcpy(&in[n++], &bits, sizeof(float));
		if (n == 4 * 65536)
		{
			bad += CompareFloatToHalf(in, n);
			n = 0;
		}
	}
	bad += CompareFloatToHalf(in, n);
	Report(bad == 0, "%s: float -> half over a stride of all float bit patterns (%ld wrong)",
		   name, bad);

	/* one bad value in 40 finite ones, at each position */
	{
		static const float bads[] = {NAN, INFINITY, -INFINITY, 65520.0f, -1e9f};
		static const float goods[] = {65504.0f, 65519.996f, -65519.996f, 5.96e-8f};
		uint16_t	out[40];

		for (int b = 0; b < 5; b++)
			for (int pos = 0; pos < 40; pos++)
			{
				for (int i = 0; i < 40; i++)
					in[i] = (float) i - 20.5f;
				in[pos] = bads[b];
				if (DistanceFloatToHalf(in, out, 40) != 0)
					ok = false;
			}
		for (int g = 0; g < 4; g++)
			for (int pos = 0; pos < 40; pos++)
			{
				for (int i = 0; i < 40; i++)
					in[i] = (float) i - 20.5f;
				in[pos] = goods[g];
				if (DistanceFloatToHalf(in, out, 40) != 1 ||
					out[pos] != Float4ToHalf(goods[g]))
					ok = false;
			}
	}
	Report(ok, "%s: float -> half reports NaN, infinity and overflow at every position",
		   name);
}

/*
 * Test every implementation the CPU supports, then print the summary line.
 */
int
main(void)
{
	static const char *const lacks[] = {
		NULL, "CPU lacks avx2, fma or f16c", "CPU lacks avx512f"
	};
	DistanceImpl best = DistanceBestImpl();
	int			tested = 0;

	buf_a = aligned_alloc(64, BUF_LEN * sizeof(uint16_t));
	buf_b = aligned_alloc(64, BUF_LEN * sizeof(uint16_t));
	if (buf_a == NULL || buf_b == NULL)
	{
		fprintf(stderr, "out of memory\n");
		return 2;
	}

	printf("# best implementation on this CPU: %s\n", DistanceImplName(best));
	TestInitialState();
	TestConversions();

	for (int i = DISTANCE_IMPL_SCALAR; i <= DISTANCE_IMPL_AVX512; i++)
	{
		if ((DistanceImpl) i > best)
		{
			printf("# skip %s: %s\n", DistanceImplName((DistanceImpl) i),
				   lacks[i]);
			continue;
		}
		printf("# testing %s\n", DistanceImplName((DistanceImpl) i));
		TestImpl((DistanceImpl) i);
		tested++;
	}
	printf("# implementations tested: %d of 3\n", tested);

	free(buf_a);
	free(buf_b);
	return UnitSummary();
}
