/*-------------------------------------------------------------------------
 *
 * ivfquant.h
 *	  The ivf quantizers (sq8, pq) over float vectors: training (sq8),
 *	  encoding and asymmetric distances.  Plain C; never includes
 *	  postgres.h.  See ivfquant.c.
 *
 * IDENTIFICATION
 *	  src/ivfquant.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_IVFQUANT_H
#define MILVUS_IVFQUANT_H

#include <stdint.h>

/* sq8: params are dim minimums, then dim steps (2 * dim floats) */
extern void IvfSq8Train(const float *x, int64_t n, int dim, float *params);
extern void IvfSq8Encode(const float *params, int dim, const float *x,
						 uint8_t *code);
/* squared L2, or the negative inner product when ip */
extern float IvfSq8Distance(const float *params, int dim, const float *q,
							const uint8_t *code, int ip);

/* pq: codebooks are m * ksub * (dim / m) floats */
extern void IvfPqEncode(const float *codebooks, int dim, int m, int ksub,
						const float *residual, uint8_t *code);
/* codebooksT: the layout IvfPqTransposeCodebooks writes; ksub % 16 == 0 */
extern void IvfPqTransposeCodebooks(const float *codebooks, int dim, int m,
									int ksub, float *out);
extern void IvfPqTable(const float *codebooksT, int dim, int m, int ksub,
					   const float *q, int ip, float *table);
extern void IvfPqTrainSubspace(const float *x, int64_t n, int stride,
							   int dsub, int ksub, int niter, uint64_t seed,
							   float *codebook, int *work, float *fwork);
extern float IvfPqDistance(const float *table, int m, int ksub,
						   const uint8_t *code);
extern void IvfPqEncodeT(const float *codebooksT, int dim, int m, int ksub,
						 const float *x, float *table, uint8_t *code);

#endif							/* MILVUS_IVFQUANT_H */
