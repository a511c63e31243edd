/*-------------------------------------------------------------------------
 *
 * ivfquant.c
 *	  The ivf quantizers over float vectors: sq8 and pq codes and the
 *	  asymmetric distances of a float query to them.
 *
 * sq8: each dimension's range over the training sample, [min, min + 255 *
 * step], is cut into 256 levels; a code byte is the nearest level.  The
 * parameters are dim minimums followed by dim steps.
 *
 * pq: the vector (for ivf, its residual to the list's centroid) is cut
 * into m sub-vectors of dim / m floats; each is coded as the index of the
 * nearest of ksub = 2^bits centroids of its sub-space (the codebooks, m *
 * ksub * dim / m floats, trained by k-means per sub-space in ivfbuild.c).
 * A search computes, once per list, the table of distances of the query's
 * sub-vectors to every codebook entry (ADC); a code's distance is then m
 * table look-ups.
 *
 * Plain C over caller-provided buffers; never includes postgres.h, so the
 * unit tests link it without a server.
 *
 * IDENTIFICATION
 *	  src/ivfquant.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "distance.h"
#include "ivfquant.h"


/*
 * Train sq8 on n vectors: params gets dim minimums, then dim steps.
 */
void
IvfSq8Train(const float *x, int64_t n, int dim, float *params)
{
	float	   *vmin = params;
	float	   *step = params + dim;

	for (int d = 0; d < dim; d++)
	{
		vmin[d] = FLT_MAX;
		step[d] = -FLT_MAX;		/* the maximum, for now */
	}
	for (int64_t i = 0; i < n; i++)
	{
		const float *v = x + i * dim;

		for (int d = 0; d < dim; d++)
		{
			vmin[d] = fminf(vmin[d], v[d]);
			step[d] = fmaxf(step[d], v[d]);
		}
	}
	for (int d = 0; d < dim; d++)
	{
		if (n == 0)
			vmin[d] = step[d] = 0;
		step[d] = (step[d] - vmin[d]) / 255.0f;
		if (!(step[d] > 0))
			step[d] = 1e-20f;
	}
}

/*
 * Encode x (dim floats) into dim code bytes; values outside the trained
 * range clamp to its ends.
 */
void
IvfSq8Encode(const float *params, int dim, const float *x, uint8_t *code)
{
	for (int d = 0; d < dim; d++)
	{
		float		level = rintf((x[d] - params[d]) / params[dim + d]);

		code[d] = (uint8_t) (level < 0 ? 0 : level > 255 ? 255 : level);
	}
}

/*
 * The distance of q to a code: squared L2, or the negative inner product
 * when ip.
 */
float
IvfSq8Distance(const float *params, int dim, const float *q,
			   const uint8_t *code, int ip)
{
	const float *vmin = params;
	const float *step = params + dim;
	float		sum = 0;

	if (ip)
	{
		for (int d = 0; d < dim; d++)
			sum += q[d] * (vmin[d] + code[d] * step[d]);
		return -sum;
	}
	for (int d = 0; d < dim; d++)
	{
		float		diff = q[d] - (vmin[d] + code[d] * step[d]);

		sum += diff * diff;
	}
	return sum;
}

/*
 * Encode a residual (dim floats) into m code bytes.
 */
void
IvfPqEncode(const float *codebooks, int dim, int m, int ksub,
			const float *residual, uint8_t *code)
{
	int			dsub = dim / m;

	for (int j = 0; j < m; j++)
	{
		const float *sub = residual + j * dsub;
		const float *cb = codebooks + (size_t) j * ksub * dsub;
		float		best = INFINITY;
		int			bestk = 0;

		for (int k = 0; k < ksub; k++)
		{
			float		d = DistanceL2Squared(sub, cb + k * dsub, dsub);

			if (d < best)
			{
				best = d;
				bestk = k;
			}
		}
		code[j] = (uint8_t) bestk;
	}
}

/*
 * The ADC table of q (m * ksub floats): for squared L2, q is the query's
 * residual to the list's centroid and each entry the squared distance of
 * a sub-vector to a codebook entry; for inner product (ip), each entry is
 * the negative inner product, and the caller adds -<query, centroid>.
 */
void
IvfPqTable(const float *codebooks, int dim, int m, int ksub, const float *q,
		   int ip, float *table)
{
	int			dsub = dim / m;

	for (int j = 0; j < m; j++)
	{
		const float *sub = q + j * dsub;
		const float *cb = codebooks + (size_t) j * ksub * dsub;

		for (int k = 0; k < ksub; k++)
			table[j * ksub + k] = ip ?
				-DistanceInnerProduct(sub, cb + k * dsub, dsub) :
				DistanceL2Squared(sub, cb + k * dsub, dsub);
	}
}

/*
 * The distance of a code: the sum of its m table entries.
 */
float
IvfPqDistance(const float *table, int m, int ksub, const uint8_t *code)
{
	float		sum = 0;

	for (int j = 0; j < m; j++)
		sum += table[j * ksub + code[j]];
	return sum;
}
