/*-------------------------------------------------------------------------
 *
 * vecarray.c
 *	  What the casts from arrays to vector, halfvec and sparsevec share.
 *
 * array_to_vector, array_to_halfvec and array_to_sparsevec take a
 * one-dimensional integer[], real[], double precision[] or numeric[]
 * without NULLs.  Each reads the elements with VecArrayElements, checks the
 * count against its own limits and the typmod, then converts each element
 * with VecArrayElementToFloat and checks the value as its type requires
 * (finite for vector and sparsevec, within half's range for halfvec), so
 * that the first error a bad array meets is the same for the three types.
 *
 * IDENTIFICATION
 *	  src/vecarray.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "vecutils.h"

/*
 * The elements of a one-dimensional array without NULLs, palloc'd; *n is
 * their count.  Errors on a multi-dimensional array or a NULL element.
 */
Datum *
VecArrayElements(ArrayType *array, int *n)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));

	if (ARR_HASNULL(array) && array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, n);
	pfree(nulls);
	return elems;
}

/*
 * One array element of type elemtype (integer, real, double precision or
 * numeric) as a float4, unchecked: a double beyond float's range becomes
 * an infinite value, which the caller rejects.  Errors on another type.
 */
float
VecArrayElementToFloat(Datum elem, Oid elemtype)
{
	switch (elemtype)
	{
		case INT4OID:
			return (float) DatumGetInt32(elem);
		case FLOAT4OID:
			return DatumGetFloat4(elem);
		case FLOAT8OID:
			return (float) DatumGetFloat8(elem);
		case NUMERICOID:
			return DatumGetFloat4(DirectFunctionCall1(numeric_float4, elem));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("unsupported array element type %s",
							format_type_be(elemtype))));
	}
	return 0;					/* keep the compiler quiet */
}
