/*-------------------------------------------------------------------------
 *
 * vecutils.h
 *	  Small helpers shared by the vector, halfvec and sparsevec types, and
 *	  the array casts' element readers (vecarray.c).
 *
 * IDENTIFICATION
 *	  src/vecutils.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_VECUTILS_H
#define MILVUS_VECUTILS_H

#include <math.h>

#include "utils/array.h"
#include "utils/float.h"

/*
 * Whitespace as array input and the vector text formats see it.
 */
static inline bool
VectorIsSpace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\v' || ch == '\f';
}

/*
 * Cosine distance 1 - dot / sqrt(norma * normb) from the dot product and
 * the squared norms; NaN when either vector is zero.  Rounding can push the
 * similarity just outside [-1, 1]: it is clamped.
 */
static inline double
CosineDistanceFromParts(double dot, double norma, double normb)
{
	double		similarity = dot / sqrt(norma * normb);

	if (isnan(similarity))
		return get_float8_nan();
	if (similarity > 1)
		similarity = 1;
	else if (similarity < -1)
		similarity = -1;
	return 1 - similarity;
}

/*
 * Spherical distance acos(dot) / pi from the dot product of two unit
 * vectors, the dot product clamped to [-1, 1] first so that rounding never
 * makes acos return NaN.
 */
static inline double
SphericalDistanceFromDot(double dot)
{
	if (dot > 1)
		dot = 1;
	else if (dot < -1)
		dot = -1;
	return acos(dot) / M_PI;
}

/* vecarray.c: the casts from arrays (see there) */
extern Datum *VecArrayElements(ArrayType *array, int *n);
extern float VecArrayElementToFloat(Datum elem, Oid elemtype);

#endif							/* MILVUS_VECUTILS_H */
