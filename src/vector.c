/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The vector type: I/O, typmod, casts, operators, functions, aggregates.
 *
 * Text form is '[1,2,3]' (whitespace allowed around elements, shortest
 * round-trip output); binary form is int16 dim, int16 unused (zero), then
 * dim float4 values, all in network byte order.  Both match pgvector.
 *
 * Every value entering through any door (text, binary, array casts,
 * arithmetic results, avg's final function) is checked here: at least one
 * and at most VECTOR_MAX_DIM dimensions, no NaN, no infinity, the typmod's
 * dimension count if there is one.  Distances go through the kernels in
 * distance.c.
 *
 * IDENTIFICATION
 *	  src/vector.c
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
#include "vector.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_in);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_out);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_typmod_in);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_recv);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_send);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector);
PGDLLEXPORT PG_FUNCTION_INFO_V1(array_to_vector);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_to_float4);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_to_float8);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_to_int4);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_to_numeric);
PGDLLEXPORT PG_FUNCTION_INFO_V1(l2_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_l2_squared_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(inner_product);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_negative_inner_product);
PGDLLEXPORT PG_FUNCTION_INFO_V1(cosine_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_spherical_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(l1_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_dims);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_norm);
PGDLLEXPORT PG_FUNCTION_INFO_V1(l2_normalize);
PGDLLEXPORT PG_FUNCTION_INFO_V1(subvector);
PGDLLEXPORT PG_FUNCTION_INFO_V1(binary_quantize);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_add);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_sub);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_mul);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_concat);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_lt);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_le);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_eq);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_ne);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_ge);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_gt);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_cmp);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_accum);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_combine);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_avg);

/* ----------------------------------------------------------------
 *		Checks at the SQL boundary
 * ----------------------------------------------------------------
 */

/*
 * Reject a dimension count outside 1 .. VECTOR_MAX_DIM.
 */
static inline void
CheckDim(int dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("vector must have at least 1 dimension")));

	if (dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vector cannot have more than %d dimensions",
						VECTOR_MAX_DIM)));
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
 * Reject NaN and infinity: distances over them are meaningless.
 */
static inline void
CheckElement(float value)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in vector")));

	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in vector")));
}

/*
 * Operands of a binary operator must have the same dimension count.
 */
static inline void
CheckDims(Vector a, Vector b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d",
						a->dim, b->dim)));
}

/*
 * An arithmetic result must stay finite; report which way it left.
 */
static inline void
CheckArithmeticResult(Vector result)
{
	for (int i = 0; i < result->dim; i++)
	{
		if (isinf(result->x[i]))
			float_overflow_error();
	}
}

/*
 * Allocate a zeroed vector of dim dimensions in the current context.
 */
Vector
InitVector(int dim)
{
	Size		size = VECTOR_SIZE(dim);
	Vector		result = (Vector) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* ----------------------------------------------------------------
 *		Text and binary I/O, typmod
 * ----------------------------------------------------------------
 */

/*
 * vector_in: '[1, 2, 3]' -> vector (the parser is in vecparse.c)
 */
Datum
vector_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float		x[VECTOR_MAX_DIM];
	int			dim;
	VecParseError err;
	Vector		result;

	if (VecParseDenseText(lit, VECPARSE_FLOAT4, VECTOR_MAX_DIM, x, &dim,
						  &err) != VECPARSE_OK)
		VecParseReportError(&err, "vector", lit, VECTOR_MAX_DIM);

	CheckExpectedDim(typmod, dim);

	result = InitVector(dim);
	memcpy(result->x, x, sizeof(float) * dim);
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_out: vector -> '[1,2,3]', each element in shortest round-trip form
 */
Datum
vector_out(PG_FUNCTION_ARGS)
{
	Vector		vec = PG_GETARG_VECTOR_P(0);
	char	   *buf = palloc(vec->dim * (FLOAT_SHORTEST_DECIMAL_LEN + 1) + 2);
	char	   *pt = buf;

	*pt++ = '[';
	for (int i = 0; i < vec->dim; i++)
	{
		if (i > 0)
			*pt++ = ',';
		pt += float_to_shortest_decimal_bufn(vec->x[i], pt);
	}
	*pt++ = ']';
	*pt = '\0';

	PG_FREE_IF_COPY(vec, 0);
	PG_RETURN_CSTRING(buf);
}

/*
 * vector_typmod_in: the n of vector(n)
 */
Datum
vector_typmod_in(PG_FUNCTION_ARGS)
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
				 errmsg("dimensions for type vector must be at least 1")));

	if (tl[0] > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type vector cannot exceed %d",
						VECTOR_MAX_DIM)));

	PG_RETURN_INT32(tl[0]);
}

/*
 * vector_recv: binary wire format -> vector
 */
Datum
vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	size_t		consumed;
	VecParseError err;
	Vector		result;

	if (VecParseDenseBinaryHeader(buf->data + buf->cursor,
								  buf->len - buf->cursor, VECTOR_MAX_DIM,
								  typmod, &dim, &consumed, &err) != VECPARSE_OK)
		VecParseReportError(&err, "vector", NULL, VECTOR_MAX_DIM);
	buf->cursor += consumed;

	result = InitVector(dim);
	if (VecParseDenseBinaryElements(buf->data + buf->cursor,
									buf->len - buf->cursor, VECPARSE_FLOAT4,
									dim, result->x, &consumed,
									&err) != VECPARSE_OK)
		VecParseReportError(&err, "vector", NULL, VECTOR_MAX_DIM);
	buf->cursor += consumed;

	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_send: vector -> binary wire format
 */
Datum
vector_send(PG_FUNCTION_ARGS)
{
	Vector		vec = PG_GETARG_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, vec->dim);
	pq_sendint16(&buf, vec->unused);
	for (int i = 0; i < vec->dim; i++)
		pq_sendfloat4(&buf, vec->x[i]);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * vector(vector, typmod, explicit): enforce vector(n) on assignment
 */
Datum
vector(PG_FUNCTION_ARGS)
{
	Vector		vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, vec->dim);
	PG_RETURN_VECTOR_P(vec);
}

/* ----------------------------------------------------------------
 *		Casts to and from arrays
 * ----------------------------------------------------------------
 */

/*
 * array_to_vector: integer[], real[], double precision[], numeric[] -> vector
 */
Datum
array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int			n;
	Datum	   *elems = VecArrayElements(array, &n);
	Vector		result;

	CheckDim(n);
	CheckExpectedDim(typmod, n);

	result = InitVector(n);
	for (int i = 0; i < n; i++)
	{
		result->x[i] = VecArrayElementToFloat(elems[i], elemtype);
		CheckElement(result->x[i]);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * Build a one-dimensional array of elemtype from a vector, converting each
 * float4 element with convert (NULL for float4 itself).
 */
static ArrayType *
VectorToArray(Vector vec, Oid elemtype, PGFunction convert)
{
	Datum	   *datums = palloc(sizeof(Datum) * vec->dim);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	for (int i = 0; i < vec->dim; i++)
	{
		Datum		d = Float4GetDatum(vec->x[i]);

		datums[i] = convert ? DirectFunctionCall1(convert, d) : d;
	}

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return construct_array(datums, vec->dim, elemtype, typlen, typbyval,
						   typalign);
}

/*
 * vector_to_float4: vector -> real[]
 */
Datum
vector_to_float4(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorToArray(PG_GETARG_VECTOR_P(0), FLOAT4OID, NULL));
}

/*
 * vector_to_float8: vector -> double precision[]
 */
Datum
vector_to_float8(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorToArray(PG_GETARG_VECTOR_P(0), FLOAT8OID,
									ftod));
}

/*
 * vector_to_int4: vector -> integer[], rounding; out of range is an error
 */
Datum
vector_to_int4(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorToArray(PG_GETARG_VECTOR_P(0), INT4OID, ftoi4));
}

/*
 * vector_to_numeric: vector -> numeric[]
 */
Datum
vector_to_numeric(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorToArray(PG_GETARG_VECTOR_P(0), NUMERICOID,
									float4_numeric));
}

/* ----------------------------------------------------------------
 *		Distances
 * ----------------------------------------------------------------
 */

/*
 * l2_distance: Euclidean distance
 */
Datum
l2_distance(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8(sqrt((double) DistanceL2Squared(a->x, b->x, a->dim)));
}

/*
 * vector_l2_squared_distance: squared Euclidean distance (for index support)
 */
Datum
vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceL2Squared(a->x, b->x, a->dim));
}

/*
 * inner_product: sum of a[i] * b[i]
 */
Datum
inner_product(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceInnerProduct(a->x, b->x, a->dim));
}

/*
 * vector_negative_inner_product: the <#> operator, smaller is closer
 */
Datum
vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8(-(double) DistanceInnerProduct(a->x, b->x, a->dim));
}

/*
 * cosine_distance: 1 - cos(a, b); NaN when either vector is zero
 */
Datum
cosine_distance(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);
	float		dot;
	float		norma;
	float		normb;

	CheckDims(a, b);
	DistanceCosineParts(a->x, b->x, a->dim, &dot, &norma, &normb);
	PG_RETURN_FLOAT8(CosineDistanceFromParts(dot, norma, normb));
}

/*
 * vector_spherical_distance: the angle between unit vectors a and b as a
 * fraction of pi, acos(a . b) / pi, in [0, 1] (ivfflat's spherical k-means
 * uses it: unlike cosine distance it obeys the triangle inequality).  The
 * norms are not computed: the inputs are taken to be unit vectors, and a
 * dot product that rounding pushes outside [-1, 1] is clamped.
 */
Datum
vector_spherical_distance(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);
	double		dot;

	CheckDims(a, b);
	dot = (double) DistanceInnerProduct(a->x, b->x, a->dim);
	PG_RETURN_FLOAT8(SphericalDistanceFromDot(dot));
}

/*
 * l1_distance: taxicab distance
 */
Datum
l1_distance(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceL1(a->x, b->x, a->dim));
}

/* ----------------------------------------------------------------
 *		Other functions
 * ----------------------------------------------------------------
 */

/*
 * vector_dims: number of dimensions
 */
Datum
vector_dims(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);

	PG_RETURN_INT32(a->dim);
}

/*
 * Euclidean norm, summed in double precision.
 */
static double
VectorNorm(Vector a)
{
	double		norm = 0.0;

	for (int i = 0; i < a->dim; i++)
		norm += (double) a->x[i] * (double) a->x[i];
	return sqrt(norm);
}

/*
 * vector_norm: Euclidean norm
 */
Datum
vector_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(VectorNorm(PG_GETARG_VECTOR_P(0)));
}

/*
 * l2_normalize: the vector scaled to norm 1; a zero vector stays zero
 */
Datum
l2_normalize(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	double		norm = VectorNorm(a);
	Vector		result = InitVector(a->dim);

	if (norm > 0)
	{
		for (int i = 0; i < a->dim; i++)
			result->x[i] = (float) ((double) a->x[i] / norm);
	}

	PG_RETURN_VECTOR_P(result);
}

/*
 * subvector(v, start, count): count elements from 1-based position start,
 * clipped to the vector's bounds
 */
Datum
subvector(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	int64		start = PG_GETARG_INT32(1);
	int64		count = PG_GETARG_INT32(2);
	int64		end = start + count;
	Vector		result;

	if (start < 1)
		start = 1;
	if (end > (int64) a->dim + 1)
		end = (int64) a->dim + 1;

	CheckDim(end > start ? (int) (end - start) : 0);

	result = InitVector((int) (end - start));
	memcpy(result->x, a->x + (start - 1), sizeof(float) * result->dim);
	PG_RETURN_VECTOR_P(result);
}

/*
 * binary_quantize: bit string with bit i set where element i is positive
 */
Datum
binary_quantize(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	int			len = VARBITTOTALLEN(a->dim);
	VarBit	   *result = (VarBit *) palloc0(len);
	bits8	   *bits = VARBITS(result);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = a->dim;

	for (int i = 0; i < a->dim; i++)
	{
		if (a->x[i] > 0)
			bits[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}

	PG_RETURN_VARBIT_P(result);
}

/* ----------------------------------------------------------------
 *		Arithmetic
 * ----------------------------------------------------------------
 */

/*
 * vector_add: element-wise sum
 */
Datum
vector_add(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);
	Vector		result;

	CheckDims(a, b);
	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] + b->x[i];

	CheckArithmeticResult(result);
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_sub: element-wise difference
 */
Datum
vector_sub(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);
	Vector		result;

	CheckDims(a, b);
	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
		result->x[i] = a->x[i] - b->x[i];

	CheckArithmeticResult(result);
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_mul: element-wise product; a product of non-zero elements that
 * rounds to zero is an underflow error, as for float4
 */
Datum
vector_mul(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);
	Vector		result;

	CheckDims(a, b);
	result = InitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		result->x[i] = a->x[i] * b->x[i];
		if (result->x[i] == 0 && a->x[i] != 0 && b->x[i] != 0)
			float_underflow_error();
	}

	CheckArithmeticResult(result);
	PG_RETURN_VECTOR_P(result);
}

/*
 * vector_concat: a's elements followed by b's
 */
Datum
vector_concat(PG_FUNCTION_ARGS)
{
	Vector		a = PG_GETARG_VECTOR_P(0);
	Vector		b = PG_GETARG_VECTOR_P(1);
	Vector		result;

	CheckDim(a->dim + b->dim);
	result = InitVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float) * b->dim);
	PG_RETURN_VECTOR_P(result);
}

/* ----------------------------------------------------------------
 *		Comparison (btree)
 * ----------------------------------------------------------------
 */

/*
 * Order element by element, then shorter before longer.
 */
static int
VectorCompare(Vector a, Vector b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}

	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

#define VECTOR_COMPARE_ARGS \
	VectorCompare(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1))

Datum
vector_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS < 0);
}

Datum
vector_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS <= 0);
}

Datum
vector_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS == 0);
}

Datum
vector_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS != 0);
}

Datum
vector_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS >= 0);
}

Datum
vector_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS > 0);
}

/*
 * vector_cmp: btree support function 1
 */
Datum
vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VECTOR_COMPARE_ARGS);
}

/* ----------------------------------------------------------------
 *		Aggregates: avg and sum
 *
 * avg's transition state is a double precision[] holding the row count
 * followed by the running sums, so that it can be combined across
 * parallel workers and serialised without custom functions.  The initial
 * state is '{0}'.  Called as an aggregate, the transition functions update
 * the state in place once it has its full size.
 * ----------------------------------------------------------------
 */

/*
 * vector_accum: avg's transition function
 */
Datum
vector_accum(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	Vector		vec = PG_GETARG_VECTOR_P(1);
	int			dim;
	float8	   *sums;

	state = AggStateWritable(fcinfo, state, vec->dim, "vector_accum");
	sums = AggStateValues(state, "vector_accum", &dim);

	sums[0] += 1;
	for (int i = 0; i < vec->dim; i++)
		AggStateAdd(&sums[i + 1], vec->x[i]);

	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * vector_combine: avg's combine function, for parallel aggregation; avg
 * over halfvec uses it too (as halfvec_combine)
 */
Datum
vector_combine(PG_FUNCTION_ARGS)
{
	PG_RETURN_ARRAYTYPE_P(AggStateCombine(fcinfo, PG_GETARG_ARRAYTYPE_P(0),
										  PG_GETARG_ARRAYTYPE_P(1),
										  VECTOR_MAX_DIM, "vector"));
}

/*
 * vector_avg: avg's final function; NULL over no rows.  Every element is
 * checked: a state passed by hand may hold NaN or sums beyond float's
 * range.
 */
Datum
vector_avg(PG_FUNCTION_ARGS)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			dim;
	float8	   *sums = AggStateValues(state, "vector_avg", &dim);
	Vector		result;

	if (sums[0] == 0)
		PG_RETURN_NULL();

	CheckDim(dim);
	result = InitVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = (float) (sums[i + 1] / sums[0]);
		CheckElement(result->x[i]);
	}

	PG_RETURN_VECTOR_P(result);
}
