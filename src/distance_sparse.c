/*-------------------------------------------------------------------------
 *
 * distance_sparse.c
 *	  Distance kernels over sparse vectors: merges of two sorted index lists.
 *
 * A sparse vector is given as n strictly increasing 0-based indices and
 * the n values at them; every other element is zero.  Each kernel walks
 * both index lists once, in order, like the merge step of a merge sort:
 * where an index appears in both lists the two values meet, where it
 * appears in one list only the other value is zero.  That costs
 * O(an + bn) and reads each input exactly once, front to back.
 *
 * Sums are accumulated in float32, in index order, as in pgvector; the
 * callers widen to double for the SQL result.  The loops are scalar: the
 * branch taken at each step depends on the data, so there is nothing for
 * SIMD to work on, and the inputs hold at most SPARSEVEC_MAX_NNZ elements.
 *
 * No postgres.h here (see distance.h); a count of zero or less reads
 * nothing.
 *
 * IDENTIFICATION
 *	  src/distance_sparse.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "distance.h"

/*
 * Sum of (a[k] - b[k])^2 over every index k: shared indices contribute
 * their difference squared, the others their own value squared.
 */
float
DistanceSparseL2Squared(const int32_t *ai, const float *av, int an,
						const int32_t *bi, const float *bv, int bn)
{
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] == bi[j])
		{
			float		diff = av[i++] - bv[j++];

			sum += diff * diff;
		}
		else if (ai[i] < bi[j])
		{
			sum += av[i] * av[i];
			i++;
		}
		else
		{
			sum += bv[j] * bv[j];
			j++;
		}
	}

	for (; i < an; i++)
		sum += av[i] * av[i];
	for (; j < bn; j++)
		sum += bv[j] * bv[j];

	return sum;
}

/*
 * Sum of a[k] * b[k]: only indices present in both lists contribute.
 */
float
DistanceSparseInnerProduct(const int32_t *ai, const float *av, int an,
						   const int32_t *bi, const float *bv, int bn)
{
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] == bi[j])
			sum += av[i++] * bv[j++];
		else if (ai[i] < bi[j])
			i++;
		else
			j++;
	}

	return sum;
}

/*
 * Sum of |a[k] - b[k]|: shared indices contribute the absolute difference,
 * the others their own absolute value.
 */
float
DistanceSparseL1(const int32_t *ai, const float *av, int an,
				 const int32_t *bi, const float *bv, int bn)
{
	float		sum = 0.0f;
	int			i = 0;
	int			j = 0;

	while (i < an && j < bn)
	{
		if (ai[i] == bi[j])
		{
			sum += fabsf(av[i] - bv[j]);
			i++;
			j++;
		}
		else if (ai[i] < bi[j])
			sum += fabsf(av[i++]);
		else
			sum += fabsf(bv[j++]);
	}

	for (; i < an; i++)
		sum += fabsf(av[i]);
	for (; j < bn; j++)
		sum += fabsf(bv[j]);

	return sum;
}
