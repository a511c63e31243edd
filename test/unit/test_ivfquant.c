/*-------------------------------------------------------------------------
 *
 * test_ivfquant.c
 *	  Unit tests of the ivf quantizers (src/ivfquant.c) against scalar
 *	  references, without a server.
 *
 * IDENTIFICATION
 *	  test/unit/test_ivfquant.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "distance.h"
#include "ivfquant.h"
#include "unit.h"


static float
Rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (float) ((*seed >> 8) & 0xffff) / 65536.0f - 0.5f;
}

/* sq8: a code decodes within half a step of the value; distances agree */
static void
TestSq8(void)
{
	enum
	{
		N = 200, DIM = 13
	};
	float	   *x = malloc(sizeof(float) * N * DIM);
	float		params[2 * DIM];
	unsigned char code[DIM];
	unsigned	seed = 7;

	for (int i = 0; i < N * DIM; i++)
		x[i] = Rand(&seed) * (1 + i % DIM);
	IvfSq8Train(x, N, DIM, params);
	for (int i = 0; i < N; i++)
	{
		const float *v = x + i * DIM;
		const float *q = x + ((i + 1) % N) * DIM;
		float		l2 = 0;
		float		ip = 0;

		IvfSq8Encode(params, DIM, v, code);
		for (int d = 0; d < DIM; d++)
		{
			float		decoded = params[d] + code[d] * params[DIM + d];

			CHECK(fabsf(decoded - v[d]) <= params[DIM + d] * 0.5001f,
				  "sq8 row %d dim %d: %g decodes to %g", i, d, v[d], decoded);
			l2 += (q[d] - decoded) * (q[d] - decoded);
			ip += q[d] * decoded;
		}
		CHECK(fabsf(IvfSq8Distance(params, DIM, q, code, 0) - l2) <= 1e-4f * (1 + l2),
			  "sq8 l2 row %d", i);
		CHECK(fabsf(IvfSq8Distance(params, DIM, q, code, 1) + ip) <= 1e-4f * (1 + fabsf(ip)),
			  "sq8 ip row %d", i);
	}
	/* out of range values clamp */
	{
		float		big[DIM];

		for (int d = 0; d < DIM; d++)
			big[d] = (d % 2) ? 1e6f : -1e6f;
		IvfSq8Encode(params, DIM, big, code);
		for (int d = 0; d < DIM; d++)
			CHECK(code[d] == ((d % 2) ? 255 : 0), "sq8 clamp dim %d: %d", d, code[d]);
	}
	free(x);
}

/* pq: encoding picks the nearest codebook entry; ADC equals the decode */
static void
TestPq(void)
{
	enum
	{
		DIM = 12, M = 4, KSUB = 16, DSUB = DIM / M
	};
	float		codebooks[M * KSUB * DSUB];
	float		codebooksT[M * KSUB * DSUB];
	float		table[M * KSUB];
	unsigned char code[M];
	unsigned	seed = 11;

	for (int i = 0; i < M * KSUB * DSUB; i++)
		codebooks[i] = Rand(&seed);
	IvfPqTransposeCodebooks(codebooks, DIM, M, KSUB, codebooksT);
	for (int iter = 0; iter < 100; iter++)
	{
		float		r[DIM];
		float		q[DIM];
		float		l2 = 0;
		float		ip = 0;

		for (int d = 0; d < DIM; d++)
		{
			r[d] = Rand(&seed);
			q[d] = Rand(&seed);
		}
		IvfPqEncode(codebooks, DIM, M, KSUB, r, code);
		for (int j = 0; j < M; j++)
		{
			const float *chosen = codebooks + (j * KSUB + code[j]) * DSUB;
			float		best = DistanceL2SquaredScalar(r + j * DSUB, chosen, DSUB);

			for (int k = 0; k < KSUB; k++)
				CHECK(DistanceL2SquaredScalar(r + j * DSUB,
											  codebooks + (j * KSUB + k) * DSUB,
											  DSUB) >= best,
					  "pq code %d of sub-quantizer %d is not the nearest", code[j], j);
			for (int d = 0; d < DSUB; d++)
			{
				l2 += (q[j * DSUB + d] - chosen[d]) * (q[j * DSUB + d] - chosen[d]);
				ip += q[j * DSUB + d] * chosen[d];
			}
		}
		IvfPqTable(codebooksT, DIM, M, KSUB, q, 0, table);
		CHECK(fabsf(IvfPqDistance(table, M, KSUB, code) - l2) <= 1e-4f * (1 + l2),
			  "pq l2 %d", iter);
		IvfPqTable(codebooksT, DIM, M, KSUB, q, 1, table);
		CHECK(fabsf(IvfPqDistance(table, M, KSUB, code) + ip) <= 1e-4f * (1 + fabsf(ip)),
			  "pq ip %d", iter);
	}
}

/*
 * pq ADC table, for every ksub the options allow (16 to 256) and sub-spaces
 * of 1 to 8 dimensions: each entry equals the sum of its terms taken in
 * coordinate order over the untransposed codebook entry, for squared L2
 * and for the negative inner product (the same float operations in the
 * same order: equal unless a compiler fuses them differently, hence a
 * tolerance of a few units in the last place).
 */
static void
TestPqTable(void)
{
	unsigned	seed = 23;

	for (int ksub = 16; ksub <= 256; ksub *= 2)
		for (int dsub = 1; dsub <= 8; dsub++)
		{
			int			m = 5;
			int			dim = m * dsub;
			float	   *cb = malloc(sizeof(float) * m * ksub * dsub);
			float	   *cbT = malloc(sizeof(float) * m * ksub * dsub);
			float	   *table = malloc(sizeof(float) * m * ksub);
			float		q[40];
			int			wrong = 0;

			for (int i = 0; i < m * ksub * dsub; i++)
				cb[i] = Rand(&seed) * 100;
			for (int d = 0; d < dim; d++)
				q[d] = Rand(&seed) * 100;
			IvfPqTransposeCodebooks(cb, dim, m, ksub, cbT);
			for (int ip = 0; ip <= 1; ip++)
			{
				IvfPqTable(cbT, dim, m, ksub, q, ip, table);
				for (int j = 0; j < m; j++)
					for (int k = 0; k < ksub; k++)
					{
						const float *e = cb + ((size_t) j * ksub + k) * dsub;
						float		want = 0;

						for (int d = 0; d < dsub; d++)
						{
							float		diff = q[j * dsub + d] - e[d];

							if (ip)
								want -= q[j * dsub + d] * e[d];
							else
								want += diff * diff;
						}
						if (!(fabsf(table[j * ksub + k] - want) <=
							  1e-6f * (fabsf(want) + 1)))
							wrong++;
					}
			}
			CHECK(wrong == 0, "pq table ksub %d dsub %d: %d entries differ",
				  ksub, dsub, wrong);
			free(cb);
			free(cbT);
			free(table);
		}
}

/* mean squared distance of n sub-vectors to their nearest codebook entry */
static double
QuantError(const float *x, int n, int stride, int dsub, const float *cb, int ksub)
{
	double		sum = 0;

	for (int i = 0; i < n; i++)
	{
		float		best = INFINITY;

		for (int k = 0; k < ksub; k++)
		{
			float		d = DistanceL2SquaredScalar(x + i * stride, cb + k * dsub, dsub);

			if (d < best)
				best = d;
		}
		sum += best;
	}
	return sum / n;
}

/*
 * pq training: 16 well separated clusters in the second 2-d sub-space of
 * 4-d rows; the trained codebook must quantize far better than its
 * starting point and find at least half of the cluster centres.
 */
static void
TestPqTrain(void)
{
	enum
	{
		N = 1600, STRIDE = 4, DSUB = 2, KSUB = 16
	};
	float	   *x = malloc(sizeof(float) * N * STRIDE);
	float		cb0[KSUB * DSUB];
	float		cb[KSUB * DSUB];
	int		   *work = malloc(sizeof(int) * N);
	float		fwork[KSUB * (DSUB + 2)];
	unsigned	seed = 3;
	int			found = 0;

	for (int i = 0; i < N; i++)
	{
		int			c = i % KSUB;

		x[i * STRIDE + 0] = Rand(&seed);
		x[i * STRIDE + 1] = Rand(&seed);
		x[i * STRIDE + 2] = (c % 4) * 10 + Rand(&seed) * 0.1f;
		x[i * STRIDE + 3] = (c / 4) * 10 + Rand(&seed) * 0.1f;
	}
	IvfPqTrainSubspace(x + 2, N, STRIDE, DSUB, KSUB, 0, 42, cb0, work, fwork);
	IvfPqTrainSubspace(x + 2, N, STRIDE, DSUB, KSUB, 10, 42, cb, work, fwork);
	CHECK(QuantError(x + 2, N, STRIDE, DSUB, cb, KSUB) <
		  0.5 * QuantError(x + 2, N, STRIDE, DSUB, cb0, KSUB) + 1e-3,
		  "pq training did not improve on its starting codebook");
	for (int c = 0; c < KSUB; c++)
	{
		float		centre[DSUB] = {(c % 4) * 10.0f, (c / 4) * 10.0f};

		for (int k = 0; k < KSUB; k++)
			if (DistanceL2SquaredScalar(centre, cb + k * DSUB, DSUB) < 0.05f)
			{
				found++;
				break;
			}
	}
	/* random starting rows, as Faiss: some centres may share a cluster */
	CHECK(found >= 8, "pq training found %d of 16 cluster centres", found);
	free(x);
	free(work);
}

int
main(void)
{
	DistanceInit(DISTANCE_IMPL_AVX512);
	TestSq8();
	TestPq();
	TestPqTable();
	TestPqTrain();
	return UnitSummary();
}
