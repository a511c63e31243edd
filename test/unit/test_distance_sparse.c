/*-------------------------------------------------------------------------
 *
 * test_distance_sparse.c
 *	  Unit test of the sparse vector distance kernels, without a server.
 *
 * The kernels in distance_sparse.c merge two sorted index lists.  They are
 * checked in four ways:
 *
 *	- hand-computed cases (interleaved, disjoint, nested, empty and
 *	  identical lists, negative counts), whose float32 sums are exact, must
 *	  match exactly;
 *	- random sparse vectors (fixed seed) with awkward numbers of stored
 *	  elements (0, 1, 7, 16, 17, 1000, in every pairing) and dimensions
 *	  from "every index used" to "hardly any index shared" are expanded
 *	  into dense double-precision arrays; the reference computed over those
 *	  must match within
 *		|got - want| <= REL_TOL * sum(|term|) + ABS_TOL
 *	  where sum(|term|) is the sum of the absolute values of the summed
 *	  terms.  The same runs again with every index shifted to the top of
 *	  the sparsevec range (indices near 10^9), the dense array then
 *	  covering only that window;
 *	- each metric is symmetric, and gives exactly 0 (l2, l1) or the
 *	  squared norm (inner product) for a vector against itself;
 *	- index and value arrays that end exactly at a PROT_NONE guard page,
 *	  so a merge that reads one element too far crashes into a SIGSEGV,
 *	  which we catch and report.
 *
 * Output is one "ok N - ..." or "not ok N - ..." line per check group and
 * a final "N passed, N failed" line.  The exit status is non-zero on any
 * failure.
 *
 * Build and run: make unitcheck
 *
 * IDENTIFICATION
 *	  test/unit/test_distance_sparse.c
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

/* SPARSEVEC_MAX_DIM (sparsevec.h needs postgres.h), and the longest list */
#define MAX_DIM		1000000000
#define MAX_NNZ		1000

static const int nnzs[] = {0, 1, 7, 16, 17, 1000};
#define NUM_NNZS	((int) (sizeof(nnzs) / sizeof(nnzs[0])))

typedef enum Metric
{
	METRIC_L2SQ,
	METRIC_IP,
	METRIC_L1,
	NUM_METRICS
} Metric;

static const char *const metric_names[NUM_METRICS] = {"l2sq", "ip", "l1"};

/* a sparse vector in the kernels' form */
typedef struct Sparse
{
	int32_t		idx[MAX_NNZ];
	float		val[MAX_NNZ];
	int			n;
} Sparse;

/* worst observed |got - want| / sum(|term|) */
static double worst_error = 0.0;

/*
 * Deterministic pseudo-random 64-bit numbers (splitmix64), so that every
 * run and every machine sees the same data.
 */
static uint64_t rng_state = 0x5eed5eed87654321ULL;

static uint64_t
RandomBits(void)
{
	return SplitMix64(&rng_state);
}

/*
 * A non-zero float in [-1, 1), exactly representable (24 random bits).
 */
static float
RandomValue(void)
{
	float		x;

	do
	{
		x = (float) ((double) (RandomBits() >> 40) / (double) (1 << 23) - 1.0);
	} while (x == 0.0f);
	return x;
}

/*
 * Fill s with n distinct indices drawn uniformly from base .. base+dim-1,
 * in increasing order (selection sampling), and random non-zero values.
 */
static void
RandomSparse(Sparse *s, int n, int dim, int32_t base)
{
	int			need = n;

	s->n = 0;
	for (int k = 0; k < dim && need > 0; k++)
	{
		/* take k with probability need / (dim - k) */
		if (RandomBits() % (uint64_t) (dim - k) < (uint64_t) need)
		{
			s->idx[s->n] = base + k;
			s->val[s->n] = RandomValue();
			s->n++;
			need--;
		}
	}
}

/*
 * Expand s into dense[0 .. dim-1] (indices relative to base), in double.
 */
static void
Densify(const Sparse *s, int32_t base, double *dense, int dim)
{
	memset(dense, 0, sizeof(double) * dim);
	for (int i = 0; i < s->n; i++)
		dense[s->idx[i] - base] = s->val[i];
}

/*
 * Reference value of "metric" over two dense arrays, and the matching sum
 * of |term| in *scale.
 */
static double
Reference(Metric metric, const double *x, const double *y, int dim,
		  double *scale)
{
	double		sum = 0.0;
	double		abs_sum = 0.0;

	for (int k = 0; k < dim; k++)
	{
		double		term;

		switch (metric)
		{
			case METRIC_L2SQ:
				term = (x[k] - y[k]) * (x[k] - y[k]);
				break;
			case METRIC_IP:
				term = x[k] * y[k];
				break;
			case METRIC_L1:
			case NUM_METRICS:
			default:
				term = fabs(x[k] - y[k]);
				break;
		}
		sum += term;
		abs_sum += fabs(term);
	}

	*scale = abs_sum;
	return sum;
}

/*
 * Run the kernel for "metric" on raw arrays.
 */
static float
ComputeRaw(Metric metric, const int32_t *ai, const float *av, int an,
		   const int32_t *bi, const float *bv, int bn)
{
	switch (metric)
	{
		case METRIC_L2SQ:
			return DistanceSparseL2Squared(ai, av, an, bi, bv, bn);
		case METRIC_IP:
			return DistanceSparseInnerProduct(ai, av, an, bi, bv, bn);
		case METRIC_L1:
		case NUM_METRICS:
			break;
	}
	return DistanceSparseL1(ai, av, an, bi, bv, bn);
}

static float
Compute(Metric metric, const Sparse *a, const Sparse *b)
{
	return ComputeRaw(metric, a->idx, a->val, a->n, b->idx, b->val, b->n);
}

/* ----------------------------------------------------------------
 *		Hand-computed cases
 * ----------------------------------------------------------------
 */

/*
 * Set s from parallel index and value lists.
 */
static void
SetSparse(Sparse *s, int n, const int32_t *idx, const float *val)
{
	s->n = n;
	memcpy(s->idx, idx, sizeof(int32_t) * n);
	memcpy(s->val, val, sizeof(float) * n);
}

/*
 * Check one hand case in both argument orders against exact values.
 */
static void
CheckExact(const char *name, const Sparse *a, const Sparse *b,
		   float l2sq, float ip, float l1)
{
	bool		ok = true;

	for (int swap = 0; swap < 2; swap++)
	{
		const Sparse *x = swap ? b : a;
		const Sparse *y = swap ? a : b;
		float		got[NUM_METRICS];

		got[METRIC_L2SQ] = Compute(METRIC_L2SQ, x, y);
		got[METRIC_IP] = Compute(METRIC_IP, x, y);
		got[METRIC_L1] = Compute(METRIC_L1, x, y);
		if (got[METRIC_L2SQ] != l2sq || got[METRIC_IP] != ip ||
			got[METRIC_L1] != l1)
		{
			printf("# %s%s: got l2sq %.9g ip %.9g l1 %.9g, want %.9g %.9g %.9g\n",
				   name, swap ? " (swapped)" : "", got[METRIC_L2SQ],
				   got[METRIC_IP], got[METRIC_L1], l2sq, ip, l1);
			ok = false;
		}
	}
	Report(ok, "exact %s: l2sq %g, ip %g, l1 %g, both orders",
		   name, l2sq, ip, l1);
}

static void
TestExact(void)
{
	static const int32_t i1[] = {0, 2, 5};
	static const float v1[] = {1, 2, 3};
	static const int32_t i2[] = {2, 3, 5};
	static const float v2[] = {4, 5, 6};
	static const int32_t i3[] = {1};
	static const float v3[] = {2};
	static const int32_t i4[] = {3};
	static const float v4[] = {-3};
	static const int32_t i5[] = {4, 7};
	static const float v5[] = {-2, 3};
	static const int32_t i6[] = {0, 1};
	static const float v6[] = {1, 1};
	static const int32_t i7[] = {5, 6};
	static const float v7[] = {-1, 2};
	static const int32_t i8[] = {0, 3, 4, 9};
	static const float v8[] = {1, -2, 0.5f, 4};
	static const int32_t i9[] = {3, 4};
	static const float v9[] = {2, 0.5f};
	static Sparse a;
	static Sparse b;

	/*
	 * {0:1, 2:2, 5:3} vs {2:4, 3:5, 5:6}: l2sq 1 + 4 + 25 + 9, ip 8 + 18,
	 * l1 1 + 2 + 5 + 3
	 */
	SetSparse(&a, 3, i1, v1);
	SetSparse(&b, 3, i2, v2);
	CheckExact("interleaved", &a, &b, 39, 26, 11);

	/* {1:2} vs {3:-3}: nothing shared */
	SetSparse(&a, 1, i3, v3);
	SetSparse(&b, 1, i4, v4);
	CheckExact("disjoint single elements", &a, &b, 13, 0, 5);

	/* {} vs {4:-2, 7:3} */
	SetSparse(&a, 0, i1, v1);
	SetSparse(&b, 2, i5, v5);
	CheckExact("empty vs two elements", &a, &b, 13, 0, 5);

	/* {} vs {} */
	SetSparse(&b, 0, i5, v5);
	CheckExact("both empty", &a, &b, 0, 0, 0);

	/* {0:1, 1:1} vs {5:-1, 6:2}: a ends before b starts */
	SetSparse(&a, 2, i6, v6);
	SetSparse(&b, 2, i7, v7);
	CheckExact("one list after the other", &a, &b, 7, 0, 5);

	/*
	 * {0:1, 3:-2, 4:0.5, 9:4} vs {3:2, 4:0.5}: b nested inside a; l2sq 1 +
	 * 16 + 0 + 16, ip -4 + 0.25, l1 1 + 4 + 0 + 4
	 */
	SetSparse(&a, 4, i8, v8);
	SetSparse(&b, 2, i9, v9);
	CheckExact("nested", &a, &b, 33, -3.75f, 9);

	/* identical lists: l2sq and l1 exactly 0, ip the squared norm */
	SetSparse(&b, 4, i8, v8);
	CheckExact("identical", &a, &b, 0, 21.25f, 0);

	/* a negative count reads nothing */
	Report(DistanceSparseL2Squared(i1, v1, -3, i2, v2, 3) == 77.0f &&
		   DistanceSparseInnerProduct(i1, v1, 3, i2, v2, -1) == 0.0f &&
		   DistanceSparseL1(i1, v1, -1, i2, v2, -1) == 0.0f,
		   "exact negative counts read nothing");
}

/* ----------------------------------------------------------------
 *		Random cases against the dense reference
 * ----------------------------------------------------------------
 */

/*
 * Dimensions for a pair with an and bn stored elements: every index used
 * by the longer one, a fair overlap, and hardly any overlap.
 */
static int
PairDim(int an, int bn, int which)
{
	int			longer = an > bn ? an : bn;

	switch (which)
	{
		case 0:
			return longer > 0 ? longer : 1;
		case 1:
			return 2 * (an + bn) + 5;
		default:
			return 50 * (an + bn) + 100;
	}
}

/*
 * Check every metric for one pair against the dense reference, plus
 * symmetry and the self-distance identities.  Returns false on a mismatch.
 */
static bool
CheckPair(const Sparse *a, const Sparse *b, int32_t base, int dim,
		  double *x, double *y)
{
	bool		ok = true;

	Densify(a, base, x, dim);
	Densify(b, base, y, dim);

	for (int m = 0; m < NUM_METRICS; m++)
	{
		double		scale;
		double		want = Reference((Metric) m, x, y, dim, &scale);
		double		got = Compute((Metric) m, a, b);
		double		err = fabs(got - want);
		double		tol = REL_TOL * scale + ABS_TOL;

		if (scale > 0.0 && err / scale > worst_error)
			worst_error = err / scale;
		if (!(err <= tol))
		{
			printf("# %s an=%d bn=%d dim=%d base=%d: got %.9g, want %.9g, "
				   "error %.3g > %.3g\n", metric_names[m], a->n, b->n, dim,
				   (int) base, got, want, err, tol);
			ok = false;
		}

		if (Compute((Metric) m, b, a) != (float) got)
		{
			printf("# %s an=%d bn=%d dim=%d: not symmetric\n",
				   metric_names[m], a->n, b->n, dim);
			ok = false;
		}
	}

	if (Compute(METRIC_L2SQ, a, a) != 0.0f || Compute(METRIC_L1, a, a) != 0.0f)
	{
		printf("# an=%d: distance to itself is not 0\n", a->n);
		ok = false;
	}
	return ok;
}

/*
 * Every pairing of nnzs[] at three densities, at the bottom of the index
 * range and shifted to its top.
 */
static void
TestRandom(void)
{
	int			maxdim = PairDim(MAX_NNZ, MAX_NNZ, 2);
	double	   *x = malloc(sizeof(double) * maxdim);
	double	   *y = malloc(sizeof(double) * maxdim);
	static Sparse a;
	static Sparse b;

	if (x == NULL || y == NULL)
	{
		Report(false, "random: out of memory");
		return;
	}

	for (int s = 0; s < NUM_NNZS; s++)
	{
		for (int t = 0; t < NUM_NNZS; t++)
		{
			int			an = nnzs[s];
			int			bn = nnzs[t];
			bool		ok = true;

			for (int which = 0; which < 3; which++)
			{
				int			dim = PairDim(an, bn, which);

				for (int top = 0; top < 2; top++)
				{
					int32_t		base = top ? MAX_DIM - dim : 0;

					RandomSparse(&a, an, dim, base);
					RandomSparse(&b, bn, dim, base);
					ok &= CheckPair(&a, &b, base, dim, x, y);
				}
			}
			Report(ok, "random an=%d bn=%d, 3 densities, low and high indices",
				   an, bn);
		}
	}

	free(x);
	free(y);
}

/* ----------------------------------------------------------------
 *		Guard pages
 * ----------------------------------------------------------------
 */

/*
 * Index and value arrays that each end where a PROT_NONE page begins: a
 * merge that reads past a[n-1] or b[n-1] faults.  The results must equal
 * those over ordinary buffers.
 */
static void
TestGuardPage(void)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		bytes = ((MAX_NNZ * sizeof(float) + page - 1) / page) * page;
	char	   *map[4];
	struct sigaction old;
	static Sparse a;
	static Sparse b;

	for (int k = 0; k < 4; k++)
	{
		map[k] = MapWithGuard(bytes, page);
		if (map[k] == NULL)
		{
			Report(false, "guard page: could not map memory");
			return;
		}
	}

	CatchSegv(&old);

	for (int m = 0; m < NUM_METRICS; m++)
	{
		volatile bool ok = true;

		for (volatile int s = 0; s < NUM_NNZS; s++)
		{
			for (volatile int t = 0; t < NUM_NNZS; t++)
			{
				int			an = nnzs[s];
				int			bn = nnzs[t];
				int32_t    *ai = (int32_t *) (map[0] + bytes) - an;
				float	   *av = (float *) (map[1] + bytes) - an;
				int32_t    *bi = (int32_t *) (map[2] + bytes) - bn;
				float	   *bv = (float *) (map[3] + bytes) - bn;

				RandomSparse(&a, an, PairDim(an, bn, 1), 0);
				RandomSparse(&b, bn, PairDim(an, bn, 1), 0);
				memcpy(ai, a.idx, sizeof(int32_t) * an);
				memcpy(av, a.val, sizeof(float) * an);
				memcpy(bi, b.idx, sizeof(int32_t) * bn);
				memcpy(bv, b.val, sizeof(float) * bn);

				if (sigsetjmp(segv_jump, 1) == 0)
				{
					if (ComputeRaw((Metric) m, ai, av, an, bi, bv, bn) !=
						Compute((Metric) m, &a, &b))
					{
						printf("# %s an=%d bn=%d: guarded result differs\n",
							   metric_names[m], an, bn);
						ok = false;
					}
				}
				else
				{
					printf("# %s an=%d bn=%d read past the end of a list\n",
						   metric_names[m], an, bn);
					ok = false;
				}
			}
		}
		Report(ok, "%s no read past the end (guard page), all pairings",
			   metric_names[m]);
	}

	sigaction(SIGSEGV, &old, NULL);
	for (int k = 0; k < 4; k++)
		munmap(map[k], bytes + page);
}

/*
 * Run every group, then print the summary line.
 */
int
main(void)
{
	TestExact();
	TestRandom();
	TestGuardPage();
	printf("# worst relative error %.3g of sum(|term|) (tolerance %g + %g)\n",
		   worst_error, REL_TOL, ABS_TOL);

	return UnitSummary();
}
