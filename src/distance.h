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

#endif							/* MILVUS_DISTANCE_H */
