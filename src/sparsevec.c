/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The sparsevec type: I/O, typmod, casts, distances, comparison.
 *
 * Text form is '{1:1.5,3:2}/5': 1-based index:value pairs in any order,
 * then the dimension count (whitespace allowed around every token, '{}/5'
 * is the zero vector; shortest round-trip output, sorted).  Binary form is
 * int32 dim, int32 nnz, int32 unused (zero), nnz 0-based int32 indices,
 * then nnz float4 values, all in network byte order.  Both match pgvector.
 *
 * Every value entering through any door (text, binary, casts from the
 * dense types and from arrays) is checked here against the invariants
 * sparsevec.h lists: 1 .. SPARSEVEC_MAX_DIM dimensions, at most
 * SPARSEVEC_MAX_NNZ stored elements, indices in range and strictly
 * increasing, stored values finite and non-zero, the typmod's dimension
 * count if there is one.  Text input drops zero values;
 * binary input rejects them, so that what was sent comes back unchanged.
 * Distances go through the merge kernels in distance_sparse.c.
 *
 * IDENTIFICATION
 *	  src/sparsevec.c
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

#include "distance.h"
#include "vecerror.h"
#include "vecutils.h"
#include "halfutils.h"
#include "halfvec.h"
#include "sparsevec.h"
#include "vector.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_in);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_out);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_typmod_in);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_recv);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_send);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(vector_to_sparsevec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_to_vector);
PGDLLEXPORT PG_FUNCTION_INFO_V1(halfvec_to_sparsevec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_to_halfvec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(array_to_sparsevec);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_l2_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_l2_squared_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_inner_product);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_negative_inner_product);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_cosine_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_l1_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_l2_norm);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_l2_normalize);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_lt);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_le);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_eq);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_ne);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_ge);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_gt);
PGDLLEXPORT PG_FUNCTION_INFO_V1(sparsevec_cmp);

/* ----------------------------------------------------------------
 *		Checks at the SQL boundary
 * ----------------------------------------------------------------
 */

/*
 * Reject a dimension count outside 1 .. SPARSEVEC_MAX_DIM.
 */
static inline void
CheckDim(int64 dim)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("sparsevec must have at least 1 dimension")));

	if (dim > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d dimensions",
						SPARSEVEC_MAX_DIM)));
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
				 errmsg("NaN not allowed in sparsevec")));

	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in sparsevec")));
}

/*
 * Operands of a binary operator must have the same dimension count.
 */
static inline void
CheckDims(SparseVector a, SparseVector b)
{
	if (a->dim != b->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different sparsevec dimensions %d and %d",
						a->dim, b->dim)));
}

/*
 * Allocate a zeroed sparse vector with room for nnz elements in the
 * current context; the caller fills in indices and values.
 */
SparseVector
InitSparseVector(int dim, int nnz)
{
	Size		size = SPARSEVEC_SIZE(nnz);
	SparseVector result = (SparseVector) palloc0(size);

	SET_VARSIZE(result, size);
	result->dim = dim;
	result->nnz = nnz;
	return result;
}

/* ----------------------------------------------------------------
 *		Text I/O
 * ----------------------------------------------------------------
 */

/*
 * sparsevec_in: '{1:1.5,3:2}/5' -> sparsevec (the parser is in vecparse.c)
 *
 * Pairs may come in any order and are sorted.  An index given twice with
 * non-zero values is an error; since zero values are dropped as they are
 * read, an index given with a zero value never counts as a duplicate.
 */
Datum
sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *lit = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	size_t		close;
	int			dim;
	int			maxnnz;
	int			nnz;
	VecParseSparseElement *elements;
	VecParseError err;
	SparseVector result;
	float	   *values;

	if (VecParseSparseDim(lit, &close, &dim, &err) != VECPARSE_OK)
		VecParseReportError(&err, "sparsevec", lit, SPARSEVEC_MAX_DIM);
	CheckExpectedDim(typmod, dim);

	maxnnz = VecParseSparseMaxNnz(lit, close);
	elements = palloc(sizeof(VecParseSparseElement) * maxnnz);
	if (VecParseSparseText(lit, close, dim, elements, maxnnz, &nnz,
						   &err) != VECPARSE_OK)
		VecParseReportError(&err, "sparsevec", lit, SPARSEVEC_MAX_DIM);

	result = InitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	for (int i = 0; i < nnz; i++)
	{
		result->indices[i] = elements[i].index;
		values[i] = elements[i].value;
	}

	pfree(elements);
	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * sparsevec_out: sparsevec -> '{1:1.5,3:2}/5', 1-based indices, each value
 * in shortest round-trip form
 */
Datum
sparsevec_out(PG_FUNCTION_ARGS)
{
	SparseVector svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	/* per element: 10 digits, ':', a float, ','; then "{}/", 10 digits, NUL */
	char	   *buf = palloc((size_t) svec->nnz *
							 (12 + FLOAT_SHORTEST_DECIMAL_LEN) + 14);
	char	   *pt = buf;

	*pt++ = '{';
	for (int i = 0; i < svec->nnz; i++)
	{
		if (i > 0)
			*pt++ = ',';
		pt += pg_ltoa(svec->indices[i] + 1, pt);
		*pt++ = ':';
		pt += float_to_shortest_decimal_bufn(values[i], pt);
	}
	*pt++ = '}';
	*pt++ = '/';
	pt += pg_ltoa(svec->dim, pt);
	*pt = '\0';

	PG_FREE_IF_COPY(svec, 0);
	PG_RETURN_CSTRING(buf);
}

/*
 * sparsevec_typmod_in: the n of sparsevec(n)
 */
Datum
sparsevec_typmod_in(PG_FUNCTION_ARGS)
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
				 errmsg("dimensions for type sparsevec must be at least 1")));

	if (tl[0] > SPARSEVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type sparsevec cannot exceed %d",
						SPARSEVEC_MAX_DIM)));

	PG_RETURN_INT32(tl[0]);
}

/* ----------------------------------------------------------------
 *		Binary I/O, typmod
 * ----------------------------------------------------------------
 */

/*
 * sparsevec_recv: binary wire format -> sparsevec
 */
Datum
sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	VecParseSparseHeader hdr;
	size_t		consumed;
	VecParseError err;
	SparseVector result;

	if (VecParseSparseBinaryHeader(buf->data + buf->cursor,
								   buf->len - buf->cursor, typmod, &hdr,
								   &consumed, &err) != VECPARSE_OK)
		VecParseReportError(&err, "sparsevec", NULL, SPARSEVEC_MAX_DIM);
	buf->cursor += consumed;

	result = InitSparseVector(hdr.dim, hdr.nnz);
	if (VecParseSparseBinaryElements(buf->data + buf->cursor,
									 buf->len - buf->cursor, &hdr,
									 result->indices,
									 SPARSEVEC_VALUES(result), &consumed,
									 &err) != VECPARSE_OK)
		VecParseReportError(&err, "sparsevec", NULL, SPARSEVEC_MAX_DIM);
	buf->cursor += consumed;

	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * sparsevec_send: sparsevec -> binary wire format
 */
Datum
sparsevec_send(PG_FUNCTION_ARGS)
{
	SparseVector svec = PG_GETARG_SPARSEVEC_P(0);
	float	   *values = SPARSEVEC_VALUES(svec);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, svec->dim);
	pq_sendint32(&buf, svec->nnz);
	pq_sendint32(&buf, svec->unused);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendint32(&buf, svec->indices[i]);
	for (int i = 0; i < svec->nnz; i++)
		pq_sendfloat4(&buf, values[i]);

	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * sparsevec(sparsevec, typmod, explicit): enforce sparsevec(n) on
 * assignment
 */
Datum
sparsevec(PG_FUNCTION_ARGS)
{
	SparseVector svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, svec->dim);
	PG_RETURN_SPARSEVEC_P(svec);
}

/* ----------------------------------------------------------------
 *		Casts to and from the dense types
 * ----------------------------------------------------------------
 */

/*
 * Build a sparse vector from dense float4 values x[0 .. dim-1], keeping
 * the non-zero ones; the caller makes sure that at most SPARSEVEC_MAX_NNZ
 * of them are (dim at most VECTOR_MAX_DIM does).
 */
static SparseVector
DenseToSparse(const float *x, int dim)
{
	int			nnz = 0;
	SparseVector result;
	float	   *values;

	for (int i = 0; i < dim; i++)
		nnz += (x[i] != 0);

	result = InitSparseVector(dim, nnz);
	values = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < dim; i++)
	{
		if (x[i] != 0)
		{
			result->indices[nnz] = i;
			values[nnz] = x[i];
			nnz++;
		}
	}
	return result;
}

/*
 * vector_to_sparsevec: vector -> sparsevec, dropping zeros
 */
Datum
vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	Vector		vec = PG_GETARG_VECTOR_P(0);
	int32		typmod = PG_GETARG_INT32(1);

	CheckExpectedDim(typmod, vec->dim);
	PG_RETURN_SPARSEVEC_P(DenseToSparse(vec->x, vec->dim));
}

/*
 * halfvec_to_sparsevec: halfvec -> sparsevec, dropping zeros (exact: every
 * half is a float)
 */
Datum
halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	HalfVector vec = PG_GETARG_HALFVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *x = palloc(sizeof(float) * vec->dim);
	SparseVector result;

	CheckExpectedDim(typmod, vec->dim);
	for (int i = 0; i < vec->dim; i++)
		x[i] = HalfToFloat4(vec->x[i]);

	result = DenseToSparse(x, vec->dim);
	pfree(x);
	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * array_to_sparsevec: integer[], real[], double precision[], numeric[] ->
 * sparsevec; element i of the array is dimension i (1-based), and zeros
 * are not stored
 */
Datum
array_to_sparsevec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	Oid			elemtype = ARR_ELEMTYPE(array);
	int			n;
	Datum	   *elems = VecArrayElements(array, &n);
	int			nnz = 0;
	float	   *x;
	SparseVector result;

	CheckDim(n);
	CheckExpectedDim(typmod, n);

	x = palloc(sizeof(float) * n);
	for (int i = 0; i < n; i++)
	{
		x[i] = VecArrayElementToFloat(elems[i], elemtype);
		CheckElement(x[i]);
		nnz += (x[i] != 0);
	}
	if (nnz > SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						SPARSEVEC_MAX_NNZ)));

	result = DenseToSparse(x, n);
	pfree(x);
	pfree(elems);
	PG_RETURN_SPARSEVEC_P(result);
}

/*
 * sparsevec_to_vector: sparsevec -> vector; the dense type holds at most
 * VECTOR_MAX_DIM dimensions
 */
Datum
sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	SparseVector svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *values = SPARSEVEC_VALUES(svec);
	Vector		result;

	if (svec->dim > VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("vector cannot have more than %d dimensions",
						VECTOR_MAX_DIM)));
	CheckExpectedDim(typmod, svec->dim);

	result = InitVector(svec->dim);
	for (int i = 0; i < svec->nnz; i++)
		result->x[svec->indices[i]] = values[i];

	PG_RETURN_VECTOR_P(result);
}

/*
 * sparsevec_to_halfvec: sparsevec -> halfvec, rounding to nearest; a value
 * beyond the half range is an error (as in vector -> halfvec), a tiny one
 * becomes zero
 */
Datum
sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	SparseVector svec = PG_GETARG_SPARSEVEC_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	float	   *values = SPARSEVEC_VALUES(svec);
	HalfVector	result;

	if (svec->dim > HALFVEC_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("halfvec cannot have more than %d dimensions",
						HALFVEC_MAX_DIM)));
	CheckExpectedDim(typmod, svec->dim);

	result = InitHalfVector(svec->dim);
	for (int i = 0; i < svec->nnz; i++)
	{
		uint16		h = Float4ToHalf(values[i]);

		/* the input is finite, so an infinite half means out of range */
		if ((h & 0x7fff) == 0x7c00)
			VecReportHalfOutOfRange(values[i]);
		result->x[svec->indices[i]] = h;
	}

	PG_RETURN_HALFVEC_P(result);
}

/* ----------------------------------------------------------------
 *		Distances
 * ----------------------------------------------------------------
 */

#define SPARSE_ARGS(a, b) \
	(a)->indices, SPARSEVEC_VALUES(a), (a)->nnz, \
	(b)->indices, SPARSEVEC_VALUES(b), (b)->nnz

/*
 * sparsevec_l2_distance: Euclidean distance
 */
Datum
sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector b = PG_GETARG_SPARSEVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8(sqrt((double) DistanceSparseL2Squared(SPARSE_ARGS(a, b))));
}

/*
 * sparsevec_l2_squared_distance: squared Euclidean distance (for index
 * support)
 */
Datum
sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector b = PG_GETARG_SPARSEVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceSparseL2Squared(SPARSE_ARGS(a, b)));
}

/*
 * sparsevec_inner_product: sum of a[i] * b[i]
 */
Datum
sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector b = PG_GETARG_SPARSEVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceSparseInnerProduct(SPARSE_ARGS(a, b)));
}

/*
 * sparsevec_negative_inner_product: the <#> operator, smaller is closer
 */
Datum
sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector b = PG_GETARG_SPARSEVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8(-(double) DistanceSparseInnerProduct(SPARSE_ARGS(a, b)));
}

/*
 * Sum of the squared stored values, in float32 like the kernels.
 */
static float
SparseNormSquared(SparseVector a)
{
	float	   *values = SPARSEVEC_VALUES(a);
	float		sum = 0.0f;

	for (int i = 0; i < a->nnz; i++)
		sum += values[i] * values[i];
	return sum;
}

/*
 * sparsevec_cosine_distance: 1 - cos(a, b); NaN when either vector is zero
 */
Datum
sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector b = PG_GETARG_SPARSEVEC_P(1);
	float		dot;

	CheckDims(a, b);
	dot = DistanceSparseInnerProduct(SPARSE_ARGS(a, b));
	PG_RETURN_FLOAT8(CosineDistanceFromParts(dot, SparseNormSquared(a),
											 SparseNormSquared(b)));
}

/*
 * sparsevec_l1_distance: taxicab distance
 */
Datum
sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	SparseVector b = PG_GETARG_SPARSEVEC_P(1);

	CheckDims(a, b);
	PG_RETURN_FLOAT8((double) DistanceSparseL1(SPARSE_ARGS(a, b)));
}

/* ----------------------------------------------------------------
 *		Other functions
 * ----------------------------------------------------------------
 */

/*
 * Euclidean norm, summed in double precision.
 */
static double
SparseNorm(SparseVector a)
{
	float	   *values = SPARSEVEC_VALUES(a);
	double		norm = 0.0;

	for (int i = 0; i < a->nnz; i++)
		norm += (double) values[i] * (double) values[i];
	return sqrt(norm);
}

/*
 * sparsevec_l2_norm: Euclidean norm
 */
Datum
sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(SparseNorm(PG_GETARG_SPARSEVEC_P(0)));
}

/*
 * sparsevec_l2_normalize: the vector scaled to norm 1; a zero vector stays
 * zero.  A value so much smaller than the norm that it rounds to zero is
 * dropped, since no stored value may be zero.
 */
Datum
sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	SparseVector a = PG_GETARG_SPARSEVEC_P(0);
	float	   *ax = SPARSEVEC_VALUES(a);
	double		norm = SparseNorm(a);
	int			nnz = 0;
	SparseVector result;
	float	   *rx;

	/* |x| <= norm, so no scaled value can overflow */
	for (int i = 0; i < a->nnz; i++)
		nnz += ((float) (ax[i] / norm) != 0);

	result = InitSparseVector(a->dim, nnz);
	rx = SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < a->nnz; i++)
	{
		float		x = (float) (ax[i] / norm);

		if (x != 0)
		{
			result->indices[nnz] = a->indices[i];
			rx[nnz] = x;
			nnz++;
		}
	}

	PG_RETURN_SPARSEVEC_P(result);
}

/* ----------------------------------------------------------------
 *		Comparison (btree)
 * ----------------------------------------------------------------
 */

/*
 * Order as vector orders the dense forms: element by element over the
 * first min(a->dim, b->dim) positions, then shorter before longer.  So
 * a::vector < b::vector exactly when a < b, and equal means the same
 * dimension count and the same stored elements.
 *
 * Walk the union of both index lists in order: a position missing from
 * one list holds zero there, and since no stored value is zero, the first
 * position where the lists differ at all decides.
 */
static int
SparsevecCompare(SparseVector a, SparseVector b)
{
	float	   *ax = SPARSEVEC_VALUES(a);
	float	   *bx = SPARSEVEC_VALUES(b);
	int			limit = Min(a->dim, b->dim);
	int			i = 0;
	int			j = 0;

	while (i < a->nnz || j < b->nnz)
	{
		int32		ai = i < a->nnz ? a->indices[i] : PG_INT32_MAX;
		int32		bj = j < b->nnz ? b->indices[j] : PG_INT32_MAX;
		int32		pos = Min(ai, bj);
		float		av = ai == pos ? ax[i++] : 0.0f;
		float		bv = bj == pos ? bx[j++] : 0.0f;

		if (pos >= limit)
			break;
		if (av < bv)
			return -1;
		if (av > bv)
			return 1;
	}

	if (a->dim < b->dim)
		return -1;
	if (a->dim > b->dim)
		return 1;
	return 0;
}

#define SPARSEVEC_COMPARE_ARGS \
	SparsevecCompare(PG_GETARG_SPARSEVEC_P(0), PG_GETARG_SPARSEVEC_P(1))

Datum
sparsevec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS < 0);
}

Datum
sparsevec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS <= 0);
}

Datum
sparsevec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS == 0);
}

Datum
sparsevec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS != 0);
}

Datum
sparsevec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS >= 0);
}

Datum
sparsevec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS > 0);
}

/*
 * sparsevec_cmp: btree support function 1
 */
Datum
sparsevec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(SPARSEVEC_COMPARE_ARGS);
}
