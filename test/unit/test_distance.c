/*-------------------------------------------------------------------------
 *
 * test_distance.c
 *	  Unit test of the distance kernels, without a server.
 *
 * Every implementation the CPU supports is forced in turn with
 * DistanceInit(limit) and checked through the public function pointers:
 *
 *	- small hand-computed cases, and integer-valued vectors whose sums are
 *	  exact in float32, must match exactly;
 *	- random vectors (fixed seed) of awkward lengths must match a reference
 *	  computed in double precision within
 *		|got - want| <= REL_TOL * sum(|term|) + ABS_TOL
 *	  where sum(|term|) is the sum of the absolute values of the summed
 *	  terms (so a cancelling inner product is judged fairly);
 *	- the same with pointers offset by one float (unaligned, and with a and
 *	  b misaligned relative to each other);
 *	- vectors that end exactly at a PROT_NONE guard page, so a tail that
 *	  reads past the last element crashes into a SIGSEGV, which we catch
 *	  and report.
 *
 * Output is one "ok N - ..." or "not ok N - ..." line per check group,
 * "# skip ..." lines for implementations the CPU lacks, and a final
 * "N passed, N failed" line.  The exit status is non-zero on any failure.
 *
 * Build and run: make unitcheck
 *
 * IDENTIFICATION
 *	  test/unit/test_distance.c
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
#include "unit.h"

/* tolerance against the double-precision reference, see file header */
#define REL_TOL		1e-4
#define ABS_TOL		1e-6

/* longest vector tested, plus room for offsets */
#define MAX_LEN		16000
#define BUF_LEN		(MAX_LEN + 64)

static const int lengths[] = {
	0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65,
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

static float *buf_a;
static float *buf_b;

/*
 * Deterministic pseudo-random floats in [-1, 1) (splitmix64), so that every
 * run and every machine sees the same data.
 */
static uint64_t rng_state = 0x5eed5eed12345678ULL;

static float
RandomFloat(void)
{
	return SplitMixUnit(&rng_state);
}

/*
 * Fill x[0..n-1] with random floats.
 */
static void
FillRandom(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = RandomFloat();
}

/*
 * Reference values in double precision.  want[] receives one result (three
 * for cosine: dot, norma, normb) and scale[] the matching sum of |term|.
 */
static void
Reference(Metric metric, const float *a, const float *b, int n,
		  double *want, double *scale)
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				abs0 = 0.0;

	for (int i = 0; i < n; i++)
	{
		double		x = a[i];
		double		y = b[i];

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
Compute(Metric metric, const float *a, const float *b, int n, double *got)
{
	float		dot,
				norma,
				normb;

	switch (metric)
	{
		case METRIC_L2SQ:
			got[0] = DistanceL2Squared(a, b, n);
			return 1;
		case METRIC_IP:
			got[0] = DistanceInnerProduct(a, b, n);
			return 1;
		case METRIC_L1:
			got[0] = DistanceL1(a, b, n);
			return 1;
		case METRIC_COSINE:
		case NUM_METRICS:
			break;
	}
	DistanceCosineParts(a, b, n, &dot, &norma, &normb);
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
CheckOne(Metric metric, const float *a, const float *b, int n,
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
 * Exact cases: [1,2,3] vs [4,5,6], n = 0, n < 0, and integer vectors whose partial
 * sums stay below 2^24 so that any summation order is exact in float32.
 */
static void
TestExact(const char *impl)
{
	static const float a3[3] = {1, 2, 3};
	static const float b3[3] = {4, 5, 6};
	static const int int_lengths[] = {5, 1000, 1037};
	float		dot,
				norma,
				normb;
	bool		ok;

	DistanceCosineParts(a3, b3, 3, &dot, &norma, &normb);
	ok = DistanceL2Squared(a3, b3, 3) == 27.0f &&
		DistanceInnerProduct(a3, b3, 3) == 32.0f &&
		DistanceL1(a3, b3, 3) == 9.0f &&
		dot == 32.0f && norma == 14.0f && normb == 77.0f;
	Report(ok, "%s exact [1,2,3] vs [4,5,6]: l2sq 27, ip 32, l1 9, "
		   "cosine parts 32/14/77", impl);

	DistanceCosineParts(a3, b3, 0, &dot, &norma, &normb);
	ok = DistanceL2Squared(a3, b3, 0) == 0.0f &&
		DistanceInnerProduct(a3, b3, 0) == 0.0f &&
		DistanceL1(a3, b3, 0) == 0.0f &&
		dot == 0.0f && norma == 0.0f && normb == 0.0f;
	Report(ok, "%s exact n=0 gives 0 everywhere", impl);

	DistanceCosineParts(a3, b3, -5, &dot, &norma, &normb);
	ok = DistanceL2Squared(a3, b3, -5) == 0.0f &&
		DistanceInnerProduct(a3, b3, -5) == 0.0f &&
		DistanceL1(a3, b3, -5) == 0.0f &&
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

			buf_a[i] = (float) x;
			buf_b[i] = (float) y;
			l2 += (x - y) * (x - y);
			ip += x * y;
			l1 += labs(x - y);
			na += x * x;
			nb += y * y;
		}
		DistanceCosineParts(buf_a, buf_b, n, &dot, &norma, &normb);
		ok = DistanceL2Squared(buf_a, buf_b, n) == (float) l2 &&
			DistanceInnerProduct(buf_a, buf_b, n) == (float) ip &&
			DistanceL1(buf_a, buf_b, n) == (float) l1 &&
			dot == (float) ip && norma == (float) na && normb == (float) nb;
		Report(ok, "%s exact integer vectors n=%d", impl, n);
	}
}

/* TestRandom, TestUnaligned, TestGuardPage */
#define DENSE_ELEM float
#include "dense_tests.h"

/*
 * Before DistanceInit(), the pointers must already be the scalar kernels.
 */
static void
TestInitialState(void)
{
	Report(DistanceL2Squared == DistanceL2SquaredScalar &&
		   DistanceInnerProduct == DistanceInnerProductScalar &&
		   DistanceL1 == DistanceL1Scalar &&
		   DistanceCosineParts == DistanceCosinePartsScalar &&
		   DistanceCurrentImpl() == DISTANCE_IMPL_SCALAR,
		   "kernels are the scalar versions before DistanceInit");
}

/*
 * DistanceInit(limit) returns and installs min(limit, best) for every limit.
 */
static void
TestDispatch(DistanceImpl best)
{
	for (int l = DISTANCE_IMPL_SCALAR; l <= DISTANCE_IMPL_AVX512; l++)
	{
		DistanceImpl want = (DistanceImpl) l < best ? (DistanceImpl) l : best;
		DistanceImpl got = DistanceInit((DistanceImpl) l);

		Report(got == want && DistanceCurrentImpl() == want,
			   "DistanceInit(%s) chooses %s", DistanceImplName((DistanceImpl) l),
			   DistanceImplName(want));
	}
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

	worst_error = 0.0;
	TestExact(name);
	TestRandom(name);
	TestUnaligned(name);
	TestGuardPage(name);
	printf("# %s: worst relative error %.3g of sum(|term|) (tolerance %g + %g)\n",
		   name, worst_error, REL_TOL, ABS_TOL);
}

/*
 * Test every implementation the CPU supports, then print the summary line.
 */
int
main(void)
{
	static const char *const lacks[] = {
		NULL, "CPU lacks avx2 or fma", "CPU lacks avx512f"
	};
	DistanceImpl best = DistanceBestImpl();
	int			tested = 0;

	buf_a = aligned_alloc(64, BUF_LEN * sizeof(float));
	buf_b = aligned_alloc(64, BUF_LEN * sizeof(float));
	if (buf_a == NULL || buf_b == NULL)
	{
		fprintf(stderr, "out of memory\n");
		return 2;
	}

	printf("# best implementation on this CPU: %s\n", DistanceImplName(best));
	TestInitialState();
	TestDispatch(best);

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
