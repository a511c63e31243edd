/*-------------------------------------------------------------------------
 *
 * distance.h
 *	  Distance kernels over float32 vectors, with run-time CPU dispatch.
 *
 * Every metric the types and the indexes compute goes through the function
 * pointers declared here.  DistanceInit() picks the widest implementation
 * the CPU supports (AVX-512, AVX2 with FMA, or portable scalar C) once, at
 * module load; the binary itself is built for the baseline x86-64 target,
 * so it still runs on a machine without AVX-512.
 *
 * This header and distance.c never include postgres.h: the kernels are
 * plain C over caller-provided buffers, so they can be unit-tested and
 * benchmarked without a server.
 *
 * Accumulation happens in float32 (as in pgvector); callers widen to
 * double for the SQL result.  Different implementations sum in different
 * orders, so results may differ in the last bits between machines.
 *
 * IDENTIFICATION
 *	  src/distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_DISTANCE_H
#define MILVUS_DISTANCE_H

#include <stddef.h>
#include <stdint.h>

typedef enum DistanceImpl
{
	DISTANCE_IMPL_SCALAR = 0,
	DISTANCE_IMPL_AVX2,
	DISTANCE_IMPL_AVX512
} DistanceImpl;

/* sum of (a[i] - b[i])^2 */
typedef float (*DistanceL2SquaredFn) (const float *a, const float *b, int n);
/* sum of a[i] * b[i] */
typedef float (*DistanceInnerProductFn) (const float *a, const float *b, int n);
/* sum of |a[i] - b[i]| */
typedef float (*DistanceL1Fn) (const float *a, const float *b, int n);
/* dot = sum a*b, norma = sum a*a, normb = sum b*b, in one pass */
typedef void (*DistanceCosinePartsFn) (const float *a, const float *b, int n,
									   float *dot, float *norma, float *normb);

extern DistanceL2SquaredFn DistanceL2Squared;
extern DistanceInnerProductFn DistanceInnerProduct;
extern DistanceL1Fn DistanceL1;
extern DistanceCosinePartsFn DistanceCosineParts;

/*
 * Choose the implementation: the best the CPU supports, or at most "limit"
 * (so tests and benchmarks can force a narrower one).  Returns the one
 * chosen.  Safe to call again; not thread-safe against concurrent callers
 * of the kernels.
 */
extern DistanceImpl DistanceInit(DistanceImpl limit);

/* The implementation in use, and its name ("avx512", "avx2", "scalar"). */
extern DistanceImpl DistanceCurrentImpl(void);
extern const char *DistanceImplName(DistanceImpl impl);

/* The best implementation this CPU supports. */
extern DistanceImpl DistanceBestImpl(void);

/* Portable scalar reference versions, always available. */
extern float DistanceL2SquaredScalar(const float *a, const float *b, int n);
extern float DistanceInnerProductScalar(const float *a, const float *b, int n);
extern float DistanceL1Scalar(const float *a, const float *b, int n);
extern void DistanceCosinePartsScalar(const float *a, const float *b, int n,
									  float *dot, float *norma, float *normb);

/* ----------------------------------------------------------------
 *		halfvec: IEEE binary16 elements, stored as uint16_t
 *		(src/distance_half.c; F16C / AVX-512 conversion, float32 sums)
 * ----------------------------------------------------------------
 */
typedef float (*DistanceHalfFn) (const uint16_t *a, const uint16_t *b, int n);
typedef void (*DistanceHalfCosinePartsFn) (const uint16_t *a, const uint16_t *b,
										   int n, float *dot, float *norma,
										   float *normb);

extern DistanceHalfFn DistanceHalfL2Squared;
extern DistanceHalfFn DistanceHalfInnerProduct;
extern DistanceHalfFn DistanceHalfL1;
extern DistanceHalfCosinePartsFn DistanceHalfCosineParts;

extern float DistanceHalfL2SquaredScalar(const uint16_t *a, const uint16_t *b, int n);
extern float DistanceHalfInnerProductScalar(const uint16_t *a, const uint16_t *b, int n);
extern float DistanceHalfL1Scalar(const uint16_t *a, const uint16_t *b, int n);
extern void DistanceHalfCosinePartsScalar(const uint16_t *a, const uint16_t *b,
										  int n, float *dot, float *norma,
										  float *normb);

/*
 * float -> half for a whole array, rounding to nearest, ties to even,
 * exactly as Float4ToHalf (halfutils.h) does.  Returns 1 when every result
 * is a finite half, 0 when an element is NaN or infinite or rounds past
 * HALF_MAX; out is then unspecified, and callers convert element by
 * element to report which.
 */
typedef int (*DistanceFloatToHalfFn) (const float *in, uint16_t *out, int n);

extern DistanceFloatToHalfFn DistanceFloatToHalf;
extern int	DistanceFloatToHalfScalar(const float *in, uint16_t *out, int n);

/* Called by DistanceInit() with the implementation it chose. */
extern void DistanceHalfInit(DistanceImpl impl);

/* ----------------------------------------------------------------
 *		sparsevec: sorted, strictly increasing 0-based indices with
 *		their values (src/distance_sparse.c; a merge over the indices,
 *		scalar: there is nothing to vectorise in a data-dependent merge)
 * ----------------------------------------------------------------
 */
extern float DistanceSparseL2Squared(const int32_t *ai, const float *av, int an,
									 const int32_t *bi, const float *bv, int bn);
extern float DistanceSparseInnerProduct(const int32_t *ai, const float *av, int an,
										const int32_t *bi, const float *bv, int bn);
extern float DistanceSparseL1(const int32_t *ai, const float *av, int an,
							  const int32_t *bi, const float *bv, int bn);

/* ----------------------------------------------------------------
 *		bit strings (src/distance_bit.c; hardware popcount)
 * ----------------------------------------------------------------
 */
/* popcount(a XOR b) over nbytes bytes */
typedef uint64_t (*DistanceBitHammingFn) (const uint8_t *a, const uint8_t *b,
										  size_t nbytes);
/* popcount(a AND b), popcount(a), popcount(b) in one pass */
typedef void (*DistanceBitJaccardPartsFn) (const uint8_t *a, const uint8_t *b,
										   size_t nbytes, uint64_t *ab,
										   uint64_t *aa, uint64_t *bb);
/* true when every bit set in b is set in a */
typedef int (*DistanceBitContainsFn) (const uint8_t *a, const uint8_t *b,
									  size_t nbytes);

extern DistanceBitHammingFn DistanceBitHamming;
extern DistanceBitJaccardPartsFn DistanceBitJaccardParts;
extern DistanceBitContainsFn DistanceBitContains;

extern uint64_t DistanceBitHammingScalar(const uint8_t *a, const uint8_t *b,
										 size_t nbytes);
extern void DistanceBitJaccardPartsScalar(const uint8_t *a, const uint8_t *b,
										  size_t nbytes, uint64_t *ab,
										  uint64_t *aa, uint64_t *bb);
extern int	DistanceBitContainsScalar(const uint8_t *a, const uint8_t *b,
									  size_t nbytes);

/* Called by DistanceInit() with the implementation it chose. */
extern void DistanceBitInit(DistanceImpl impl);

#endif							/* MILVUS_DISTANCE_H */
