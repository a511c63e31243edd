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
 * ksub * dim / m floats).
 * The codebooks are trained by plain Lloyd k-means per sub-space
 * (IvfPqTrainSubspace).  A search computes, once per list, the table of distances of the query's
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
#include <string.h>

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
	float		acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
	float		sum = 0;
	int			d = 0;

	/*
	 * Eight independent sums, so that the compiler (-O3) vectorizes the
	 * loop without reordering any one sum.
	 */
	if (ip)
	{
		for (; d + 8 <= dim; d += 8)
			for (int u = 0; u < 8; u++)
				acc[u] += q[d + u] * (vmin[d + u] + code[d + u] * step[d + u]);
		for (; d < dim; d++)
			sum += q[d] * (vmin[d] + code[d] * step[d]);
	}
	else
	{
		for (; d + 8 <= dim; d += 8)
			for (int u = 0; u < 8; u++)
			{
				float		diff = q[d + u] - (vmin[d + u] + code[d + u] * step[d + u]);

				acc[u] += diff * diff;
			}
		for (; d < dim; d++)
		{
			float		diff = q[d] - (vmin[d] + code[d] * step[d]);

			sum += diff * diff;
		}
	}
	for (int u = 0; u < 8; u++)
		sum += acc[u];
	return ip ? -sum : sum;
}

/*
 * Squared L2 distance and inner product of short sub-vectors, inlined: pq
 * sub-vectors have a few dimensions, where a call through the kernels'
 * function pointers costs more than the arithmetic.
 */
static inline float
SubL2(const float *a, const float *b, int n)
{
	float		sum = 0;

	for (int i = 0; i < n; i++)
	{
		float		diff = a[i] - b[i];

		sum += diff * diff;
	}
	return sum;
}

/*
 * The index of the smallest of n values (n a multiple of 8, at least 8;
 * the first on ties), with eight independent running minimums so that the
 * comparisons do not wait on one another.
 */
static inline int
ArgMin8(const float *v, int n)
{
	float		bv[8];
	int			bi[8];
	int			best = 0;

	for (int u = 0; u < 8; u++)
	{
		bv[u] = v[u];
		bi[u] = u;
	}
	for (int k = 8; k < n; k += 8)
		for (int u = 0; u < 8; u++)
			if (v[k + u] < bv[u])
			{
				bv[u] = v[k + u];
				bi[u] = k + u;
			}
	for (int u = 1; u < 8; u++)
		if (bv[u] < bv[best] || (bv[u] == bv[best] && bi[u] < bi[best]))
			best = u;
	return bi[best];
}

/*
 * Encode a residual (dim floats) into m code bytes.
 */
void
IvfPqEncode(const float *codebooks, int dim, int m, int ksub,
			const float *residual, uint8_t *code)
{
	int			dsub = dim / m;
	float		dist[256];

	for (int j = 0; j < m; j++)
	{
		const float *sub = residual + j * dsub;
		const float *cb = codebooks + (size_t) j * ksub * dsub;

		for (int k = 0; k < ksub; k++)
			dist[k] = SubL2(sub, cb + k * dsub, dsub);
		code[j] = (uint8_t) ArgMin8(dist, ksub);
	}
}

/*
 * The pq codebooks transposed for IvfPqTable: for each sub-quantizer j and
 * each coordinate d of its sub-space, coordinate d of its ksub entries in
 * a row: out[(j * dsub + d) * ksub + k] = codebooks[(j * ksub + k) * dsub
 * + d].
 */
void
IvfPqTransposeCodebooks(const float *codebooks, int dim, int m, int ksub,
						float *out)
{
	int			dsub = dim / m;

	for (int j = 0; j < m; j++)
		for (int k = 0; k < ksub; k++)
			for (int d = 0; d < dsub; d++)
				out[((size_t) j * dsub + d) * ksub + k] =
					codebooks[((size_t) j * ksub + k) * dsub + d];
}

/*
 * Sixteen table entries: add one coordinate's term, s against the entries'
 * coordinates cb.  A loop of fixed length over independent entries, which
 * the compiler vectorizes at -O2.
 */
static inline void
AddTerms16(float *restrict t, const float *restrict cb, float s, int ip)
{
	if (ip)
		for (int l = 0; l < 16; l++)
			t[l] -= s * cb[l];
	else
		for (int l = 0; l < 16; l++)
		{
			float		diff = s - cb[l];

			t[l] += diff * diff;
		}
}

/*
 * The ADC table of q (m * ksub floats), from the codebooks transposed by
 * IvfPqTransposeCodebooks: for squared L2, q is the query's residual to
 * the list's centroid and each entry the squared distance of a sub-vector
 * to a codebook entry; for inner product (ip), each entry is the negative
 * inner product, and the caller adds -<query, centroid>.  Every entry sums
 * its terms in coordinate order, as a loop over one entry's coordinates
 * would, but the loops run over 16 entries at a time (ksub is a multiple
 * of 16), so the work vectorizes; it is recomputed for every probed list.
 */
void
IvfPqTable(const float *codebooksT, int dim, int m, int ksub, const float *q,
		   int ip, float *table)
{
	int			dsub = dim / m;

	for (int j = 0; j < m; j++)
	{
		float	   *t = table + (size_t) j * ksub;

		memset(t, 0, sizeof(float) * ksub);
		for (int d = 0; d < dsub; d++)
		{
			const float *cb = codebooksT + ((size_t) j * dsub + d) * ksub;
			float		s = q[j * dsub + d];

			for (int k = 0; k < ksub; k += 16)
				AddTerms16(t + k, cb + k, s, ip);
		}
	}
}

/*
 * Encode x (dim floats) into m code bytes from the transposed codebooks
 * (IvfPqTransposeCodebooks; ksub % 16 == 0, at most 256): through x's
 * squared L2 table, which computes sixteen entries at a time, where
 * IvfPqEncode's loop over the few dimensions of one entry does not
 * vectorize.  table has room for m * ksub floats.
 */
void
IvfPqEncodeT(const float *codebooksT, int dim, int m, int ksub,
			 const float *x, float *table, uint8_t *code)
{
	IvfPqTable(codebooksT, dim, m, ksub, x, 0, table);
	for (int j = 0; j < m; j++)
		code[j] = (uint8_t) ArgMin8(table + (size_t) j * ksub, ksub);
}

/*
 * The distance of a code: the sum of its m table entries.
 */
float
IvfPqDistance(const float *table, int m, int ksub, const uint8_t *code)
{
	float		acc[4] = {0, 0, 0, 0};
	int			j = 0;

	/* four independent sums: the look-ups do not wait on one another */
	for (; j + 4 <= m; j += 4)
		for (int u = 0; u < 4; u++)
			acc[u] += table[(j + u) * ksub + code[j + u]];
	for (; j < m; j++)
		acc[0] += table[j * ksub + code[j]];
	return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/*
 * k-means (Lloyd, niter iterations) of one pq sub-space: the n sub-vectors
 * of dsub floats at x, x + stride, x + 2 * stride, ... into ksub centroids
 * (codebook, ksub * dsub floats), starting from ksub distinct rows chosen
 * with seed (requires n >= ksub).  work needs n ints and ksub * (dsub + 2)
 * floats.  An emptied centroid restarts at a row chosen with the seed.
 *
 * Faiss's k-means is built for large dimensions: on 2..16-dimensional
 * sub-vectors its per-call set-up and BLAS calls cost about ten times this
 * loop, whose inner product over the centroids (transposed, so the loop
 * over k is unit-stride) the compiler vectorizes.
 */
void
IvfPqTrainSubspace(const float *x, int64_t n, int stride, int dsub, int ksub,
				   int niter, uint64_t seed, float *codebook, int *work,
				   float *fwork)
{
	float	   *ct = fwork;			/* dsub * ksub, transposed */
	float	   *norms = ct + (size_t) dsub * ksub;
	float	   *counts = norms + ksub;
	float	   *acc = codebook;		/* reused as sums during the update */
	float		dots[256];
	uint64_t	state = seed * 6364136223846793005ULL + 1442695040888963407ULL;

	/* initial centroids: a partial Fisher-Yates shuffle of the rows */
	for (int64_t i = 0; i < n; i++)
		work[i] = (int) i;
	for (int k = 0; k < ksub; k++)
	{
		int64_t		j;
		int			t;

		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		j = k + (int64_t) ((state >> 33) % (uint64_t) (n - k));
		t = work[k];
		work[k] = work[j];
		work[j] = t;
		memcpy(codebook + (size_t) k * dsub, x + (size_t) work[k] * stride,
			   sizeof(float) * dsub);
	}

	for (int iter = 0; iter < niter; iter++)
	{
		for (int k = 0; k < ksub; k++)
		{
			norms[k] = 0;
			for (int d = 0; d < dsub; d++)
			{
				float		c = codebook[(size_t) k * dsub + d];

				ct[(size_t) d * ksub + k] = c;
				norms[k] += c * c;
			}
		}
		/* assign: argmin over k of |c|^2 - 2 <x, c> */
		for (int64_t i = 0; i < n; i++)
		{
			const float *v = x + (size_t) i * stride;

			for (int k = 0; k < ksub; k++)
				dots[k] = norms[k];
			for (int d = 0; d < dsub; d++)
			{
				float		m2 = -2 * v[d];
				const float *row = ct + (size_t) d * ksub;

				for (int k = 0; k < ksub; k++)
					dots[k] += m2 * row[k];
			}
			work[i] = ArgMin8(dots, ksub);
		}
		/* update: the mean of each centroid's rows */
		memset(acc, 0, sizeof(float) * ksub * dsub);
		memset(counts, 0, sizeof(float) * ksub);
		for (int64_t i = 0; i < n; i++)
		{
			const float *v = x + (size_t) i * stride;
			float	   *c = acc + (size_t) work[i] * dsub;

			for (int d = 0; d < dsub; d++)
				c[d] += v[d];
			counts[work[i]] += 1;
		}
		for (int k = 0; k < ksub; k++)
		{
			if (counts[k] > 0)
				for (int d = 0; d < dsub; d++)
					acc[(size_t) k * dsub + d] /= counts[k];
			else
			{
				state = state * 6364136223846793005ULL + 1442695040888963407ULL;
				memcpy(acc + (size_t) k * dsub,
					   x + (size_t) ((state >> 33) % (uint64_t) n) * stride,
					   sizeof(float) * dsub);
			}
		}
	}
}
