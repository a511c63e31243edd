/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The halfvec type: I/O, typmod, casts, operators, functions, aggregates.
 *
 * Text form is '[1,2,3]', parsed exactly as vector's text form and then
 * rounded to the nearest half (ties to even); each element is printed as
 * the shortest decimal that reads back as the same float, which is the
 * same half.  Binary form is int16 dim, int16 unused (zero), then dim
 * binary16 bit patterns, all in network byte order.  Both match pgvector.
 *
 * Every value entering through any door (text, binary, casts from vector
 * and arrays, arithmetic results) is checked here: at least one and at
 * most HALFVEC_MAX_DIM dimensions, no NaN, no infinity, the typmod's
 * dimension count if there is one.  A finite value too large for a half
 * (at least 65520 in magnitude, which rounds past HALF_MAX) is an error,
 * never a silent infinity: text input quotes the offending literal, casts
 * and avg quote the value ("65520" is out of range for type halfvec), and
 * arithmetic reports "value out of range: overflow" as float4 does (all
 * three as pgvector).
 *
 * Arithmetic converts to float, operates and rounds back once; float has
 * more than twice a half's precision plus two bits, so the result is the
 * correctly rounded half.  Distances go through the half kernels in
 * distance_half.c, summing in float32.
 *
 * IDENTIFICATION
 *	  src/halfvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/varbit.h"

#include "aggstate.h"
#include "distance.h"
#include "vecerror.h"
#include "vecutils.h"
#include "halfutils.h"
#include "halfvec.h"
#include "vector.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_in);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_out);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_typmod_in);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_recv);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_send);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_to_vector);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_to_halfvec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(array_to_halfvec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_to_float4);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_l2_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_l2_squared_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_inner_product);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_negative_inner_product);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_cosine_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_spherical_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_l1_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_vector_dims);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_l2_norm);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_l2_normalize);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_subvector);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_binary_quantize);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_add);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_sub);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_mul);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_concat);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_lt);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_le);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_eq);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_ne);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_ge);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_gt);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_cmp);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_accum);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_avg);

/* ----------------------------------------------------------------
 *		Half bit patterns
 * ----------------------------------------------------------------
 */

static inline bool
HalfIsNaN(uint16 h)
{
	return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
}

static inline bool
HalfIsInf(uint16 h)
{
	return (h & 0x7fff) == 0x7c00;
}

static inline bool
HalfIsZero(uint16 h)
{
	return (h & 0x7fff) == 0;
}

/* ----------------------------------------------------------------
 *		Checks at the SQL boundary
 * ----------------------------------------------------------------
 */

/*
 * Reject a dimension count outside 1 .. HALFVEC_MAX_DIM.
 */
static inline void
CheckDim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("halfvec must have at least 1 dimension")));

	if (dim > HALFVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("halfvec cannot have more than %d dimensions",
						HALFVEC_MAX_DIM)));
}

/*
 * Reject a dimension count that differs from the column's typmod.
 */
static inline void
CheckExpectedDim(int32 typmod, int dim)
{
	if (typmod != -1 && typmod != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/*
 * Reject a NaN or infinite float about to become an element.
 */
static inline void
CheckFloatElement(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in halfvec")));

	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in halfvec")));
}

/*
 * Reject a NaN or infinite half (binary input).
 */
static inline void
CheckHalfElement(uint16 h)
{
	if (HalfIsNaN(h))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in halfvec")));

	if (HalfIsInf(h))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in halfvec")));
}

/*
 * Convert a float from a cast to a half: NaN and infinity are rejected as
 * elements, a finite value that rounds past HALF_MAX is an overflow.
 */
static uint16
FloatToHalfChecked(float value)
{
	uint16		h;

	CheckFloatElement(value);
	h = Float4ToHalf(value);
	if (HalfIsInf(h))
		VecReportHalfOutOfRange(value);
	return h;
}

/*
 * Operands of a binary operator must have the same dimension count.
 */
static inline void
CheckDims(HalfVector a, HalfVector b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different halfvec dimensions %d and %d",
						a->dim, b->dim)));
}

/*
 * An arithmetic result must stay finite.
 */
static inline void
CheckArithmeticResult(HalfVector result)
{
	for (int i = 0; i < result->dim; i++)
	{
		if (HalfIsInf(result->x[i]))
			float_overflow_error();
	}
}

/*
 * Allocate a zeroed halfvec of dim dimensions in the current context.
 */
HalfVector
InitHalfVector(int dim)
{
	Size		size = HALFVEC_SIZE(dim);
	HalfVector	result = (HalfVector) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* ----------------------------------------------------------------
 *		Text and binary I/O, typmod
 * ----------------------------------------------------------------
 */

/*
 * halfvec_in: '[1, 2, 3]' -> halfvec (the parser is in vecparse.c)
 */
Datum
halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float		x[HALFVEC_MAX_DIM];
	int			dim;
	VecParseError err;
	HalfVector	result;

	if (VecParseDenseText(lit, VECPARSE_HALF, HALFVEC_MAX_DIM, x, &dim,
						  &err) != VECPARSE_OK)
		VecParseReportError(&err, "halfvec", lit, HALFVEC_MAX_DIM);

	CheckExpectedDim(typmod, dim);

	result = InitHalfVector(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = Float4ToHalf(x[i]);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_out: halfvec -> '[1,2,3]', each element in the shortest form
 * that reads back as the same float (and so as the same half)
 */
Datum
halfvec_out(PG_FUNCTION_ARGS)
{
	HalfVector	vec = PG_GETARG_HALFVEC_P(0);
	char	   *buf = palloc(vec->dim * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 2);
	char	   *pt = buf;

	*pt++ = '[';
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			*pt++ = ',';
		pt += float_to_shortest_decimal_bufn(HalfToFloat4(vec->x[i]), pt);
	}
	*pt++ = ']';
	*pt = '\0';

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

/*
 * halfvec_typmod_in: the n of halfvec(n)
 */
Datum
halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	ArrayType  *ta = PG_GETARG_ARRAYTYPE_P(0);
	int32	   *tl;
	int			n;

	tl = ArrayGetIntegerTypmods(ta, &n);

	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier")));

	if (tl[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type halfvec must be at least 1")));

	if (tl[0] > HALFVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type halfvec cannot exceed %d",
						HALFVEC_MAX_DIM)));

	PG_RETURN_INT32(tl[0]);
}

/*
 * halfvec_recv: binary wire format -> halfvec
 */
Datum
halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	size_t		consumed;
	VecParseError err;
	HalfVector	result;

	if (VecParseDenseBinaryHeader(buf->data + buf->cursor,
								  buf->len - buf->cursor, HALFVEC_MAX_DIM,
								  typmod, &dim, &consumed, &err) != VECPARSE_OK)
		VecParseReportError(&err, "halfvec", NULL, HALFVEC_MAX_DIM);
	buf->cursor += consumed;

	result = InitHalfVector(dim);
	if (VecParseDenseBinaryElements(buf->data + buf->cursor,
									buf->len - buf->cursor, VECPARSE_HALF,
									dim, result->x, &consumed,
									&err) != VECPARSE_OK)
		VecParseReportError(&err, "halfvec", NULL, HALFVEC_MAX_DIM);
	buf->cursor += consumed;

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_send: halfvec -> binary wire format
 */
Datum
halfvec_send(PG_FUNCTION_ARGS)
{
	HalfVector	vec = PG_GETARG_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, vec->dim);
	pq_sendint16(&buf, vec->unused);
	for (int i = 0; i < vec->dim; i++)
		pq_sendint16(&buf, vec->x[i]);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * halfvec(halfvec, typmod, explicit): enforce halfvec(n) on assignment
 */
Datum
halfvec(PG_FUNCTION_ARGS)
{
	HalfVector	vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, vec->dim);
	PG_RETURN_HALFVEC_P(vec);
}

/* ----------------------------------------------------------------
 *		Casts to and from vector and arrays
 * ----------------------------------------------------------------
 */

/* every halfvec fits in a vector, so the cast needs no dimension check */
StaticAssertDecl(HALFVEC_MAX_DIM <= VECTOR_MAX_DIM,
				 "a halfvec must fit in a vector");

/*
 * halfvec_to_vector: halfvec -> vector, exact
 */
Datum
halfvec_to_vector(PG_FUNCTION_ARGS)
{
	HalfVector	vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Vector		result;

	CheckExpectedDim(typmod, vec->dim);

	result = InitVector(vec->dim);
	for (int i = 0; i < vec->dim; i++)
		result->x[i] = HalfToFloat4(vec->x[i]);

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_to_halfvec: vector -> halfvec, rounding to nearest
 */
Datum
vector_to_halfvec(PG_FUNCTION_ARGS)
{
	Vector		vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	HalfVector	result;

	CheckDim(vec->dim);
	CheckExpectedDim(typmod, vec->dim);

	result = InitHalfVector(vec->dim);
	/* element by element only to report a value a half cannot hold */
	if (!DistanceFloatToHalf(vec->x, result->x, vec->dim))
	{
		for (int i = 0; i < vec->dim; i++)
			result->x[i] = FloatToHalfChecked(vec->x[i]);
	}

	PG_RETURN_HALFVEC_P(result);
}

/*
 * array_to_halfvec: integer[], real[], double precision[], numeric[] ->
 * halfvec
 */
Datum
array_to_halfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int			n;
	Datum	   *elems = VecArrayElements(array, &n);
	HalfVector	result;

	CheckDim(n);
	CheckExpectedDim(typmod, n);

	result = InitHalfVector(n);
	for (int i = 0; i < n; i++)
		result->x[i] =
			FloatToHalfChecked(VecArrayElementToFloat(elems[i], elemtype));

	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_to_float4: halfvec -> real[], exact
 */
Datum
halfvec_to_float4(PG_FUNCTION_ARGS)
{
	HalfVector	vec = PG_GETARG_HALFVEC_P(0);
	Datum	   *datums = palloc(sizeof(Datum) * vec->dim);

	for (int i = 0; i < vec->dim; i++)
		datums[i] = Float4GetDatum(HalfToFloat4(vec->x[i]));

	PG_RETURN_POINTER(construct_array(datums, vec->dim, FLOAT4OID,
									  sizeof(float4), true, TYPALIGN_INT));
}

/* ----------------------------------------------------------------
 *		Distances
 * ----------------------------------------------------------------
 */

/*
 * halfvec_l2_distance: Euclidean distance
 */
Datum
halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8(sqrt((double) DistanceHalfL2Squared(a->x, b->x,
														  a->dim)));
}

/*
 * halfvec_l2_squared_distance: squared Euclidean distance (for index
 * support)
 */
Datum
halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceHalfL2Squared(a->x, b->x, a->dim));
}

/*
 * halfvec_inner_product: sum of a[i] * b[i]
 */
Datum
halfvec_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceHalfInnerProduct(a->x, b->x, a->dim));
}

/*
 * halfvec_negative_inner_product: the <#> operator, smaller is closer
 */
Datum
halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8(-(double) DistanceHalfInnerProduct(a->x, b->x, a->dim));
}

/*
 * halfvec_cosine_distance: 1 - cos(a, b); NaN when either vector is zero
 */
Datum
halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);
	float		dot;
	float		norma;
	float		normb;

	CheckDims(a, b);
	DistanceHalfCosineParts(a->x, b->x, a->dim, &dot, &norma, &normb);
	PG_RETURN_FLOAT8(CosineDistanceFromParts(dot, norma, normb));
}

/*
 * halfvec_spherical_distance: acos(a . b) / pi for unit vectors a and b,
 * as vector_spherical_distance
 */
Datum
halfvec_spherical_distance(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);
	double		dot;

	CheckDims(a, b);
	dot = (double) DistanceHalfInnerProduct(a->x, b->x, a->dim);
	PG_RETURN_FLOAT8(SphericalDistanceFromDot(dot));
}

/*
 * halfvec_l1_distance: taxicab distance
 */
Datum
halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceHalfL1(a->x, b->x, a->dim));
}

/* ----------------------------------------------------------------
 *		Other functions
 * ----------------------------------------------------------------
 */

/*
 * halfvec_vector_dims: number of dimensions (SQL vector_dims(halfvec))
 */
Datum
halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);

	PG_RETURN_INT32(a->dim);
}

/*
 * Euclidean norm, summed in double precision.
 */
static double
HalfVectorNorm(HalfVector a)
{
	double		norm = 0.0;

	for (int i = 0; i < a->dim; i++)
	{
		double		x = (double) HalfToFloat4(a->x[i]);

		norm += x * x;
	}
	return sqrt(norm);
}

/*
 * halfvec_l2_norm: Euclidean norm (SQL l2_norm(halfvec))
 */
Datum
halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(HalfVectorNorm(PG_GETARG_HALFVEC_P(0)));
}

/*
 * halfvec_l2_normalize: the vector scaled to norm 1, each element rounded
 * to a half; a zero vector stays zero
 */
Datum
halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	double		norm = HalfVectorNorm(a);
	HalfVector	result = InitHalfVector(a->dim);

	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			result->x[i] = Float4ToHalf((float) (HalfToFloat4(a->x[i]) / norm));
	}

	CheckArithmeticResult(result);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_subvector: count elements from 1-based position start, clipped
 * to the vector's bounds (SQL subvector(halfvec, int, int))
 */
Datum
halfvec_subvector(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		end = start + count;
	HalfVector	result;

	if (start < 1)
		start = 1;
	if (end > (int64) a->dim + 1)
		end = (int64) a->dim + 1;

	CheckDim(end > start ? (int) (end - start) : 0);

	result = InitHalfVector((int) (end - start));
	memcpy(result->x, a->x + (start - 1), sizeof(uint16) * result->dim);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_binary_quantize: bit string with bit i set where element i is
 * positive (SQL binary_quantize(halfvec))
 */
Datum
halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	int			len = VARBITTOTALLEN(a->dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits = VARBITS(result);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = a->dim;

	for (int i = 0; i < a->dim; i++)
	{
		if (HalfToFloat4(a->x[i]) > 0)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}

	PG_RETURN_VARBIT_P(result);
}

/* ----------------------------------------------------------------
 *		Arithmetic: in float, rounded once to a half
 * ----------------------------------------------------------------
 */

/*
 * halfvec_add: element-wise sum
 */
Datum
halfvec_add(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);
	HalfVector	result;

	CheckDims(a, b);
	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = Float4ToHalf(HalfToFloat4(a->x[i]) +
									HalfToFloat4(b->x[i]));

	CheckArithmeticResult(result);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_sub: element-wise difference
 */
Datum
halfvec_sub(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);
	HalfVector	result;

	CheckDims(a, b);
	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = Float4ToHalf(HalfToFloat4(a->x[i]) -
									HalfToFloat4(b->x[i]));

	CheckArithmeticResult(result);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_mul: element-wise product; a product of non-zero elements that
 * rounds to zero is an underflow error, as for float4
 */
Datum
halfvec_mul(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);
	HalfVector	result;

	CheckDims(a, b);
	result = InitHalfVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = Float4ToHalf(HalfToFloat4(a->x[i]) *
									HalfToFloat4(b->x[i]));
		if (HalfIsZero(result->x[i]) &&
			!HalfIsZero(a->x[i]) && !HalfIsZero(b->x[i]))
			float_underflow_error();
	}

	CheckArithmeticResult(result);
	PG_RETURN_HALFVEC_P(result);
}

/*
 * halfvec_concat: a's elements followed by b's
 */
Datum
halfvec_concat(PG_FUNCTION_ARGS)
{
	HalfVector	a = PG_GETARG_HALFVEC_P(0);
	HalfVector	b = PG_GETARG_HALFVEC_P(1);
	HalfVector	result;

	CheckDim(a->dim + b->dim);
	result = InitHalfVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(uint16) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);
	PG_RETURN_HALFVEC_P(result);
}

/* ----------------------------------------------------------------
 *		Comparison (btree)
 * ----------------------------------------------------------------
 */

/*
 * Order element by element by value (so -0 equals 0), then shorter
 * before longer.
 */
static int
HalfVectorCompare(HalfVector a, HalfVector b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float		x = HalfToFloat4(a->x[i]);
		float		y = HalfToFloat4(b->x[i]);

		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}

	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

#define HALFVEC_COMPARE_ARGS \
	HalfVectorCompare(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1))

Datum
halfvec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS < 0);
}

Datum
halfvec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS <= 0);
}

Datum
halfvec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS == 0);
}

Datum
halfvec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS != 0);
}

Datum
halfvec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS >= 0);
}

Datum
halfvec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS > 0);
}

/*
 * halfvec_cmp: btree support function 1
 */
Datum
halfvec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HALFVEC_COMPARE_ARGS);
}

/* ----------------------------------------------------------------
 *		Aggregates: avg and sum
 *
 * avg's transition state is vector's: a double precision[] holding the
 * row count followed by the running sums, initially '{0}'.  Its combine
 * function, halfvec_combine, is vector_combine's C function, which knows
 * nothing of the element type (as in pgvector).
 * Called as an aggregate, the transition function updates the state in
 * place once it has its full size.
 * ----------------------------------------------------------------
 */

/*
 * halfvec_accum: avg's transition function
 */
Datum
halfvec_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	HalfVector	vec = PG_GETARG_HALFVEC_P(1);
	int			dim;
	float8	   *sums;

	state = AggStateWritable(fcinfo, state, vec->dim, "halfvec_accum");
	sums = AggStateValues(state, "halfvec_accum", &dim);

	sums[0] += 1;
	for (int i = 0; i < vec->dim; i++)
		AggStateAdd(&sums[i + 1], HalfToFloat4(vec->x[i]));

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * halfvec_avg: avg's final function; NULL over no rows.  Every element is
 * checked: a state passed by hand may hold NaN or sums beyond the range.
 */
Datum
halfvec_avg(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			dim;
	float8	   *sums = AggStateValues(state, "halfvec_avg", &dim);
	HalfVector	result;

	if (sums[0] == 0)
		PG_RETURN_NULL();

	CheckDim(dim);
	result = InitHalfVector(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = FloatToHalfChecked((float) (sums[i + 1] / sums[0]));

	PG_RETURN_HALFVEC_P(result);
}
