/*-------------------------------------------------------------------------
 *
 * aggstate.c
 *	  The transition state of avg() over vector and halfvec.
 *
 * See aggstate.h for the layout.  Called as an aggregate, a transition
 * function may update the state in place once it has its full size; this
 * file decides when it may.
 *
 * IDENTIFICATION
 *	  src/aggstate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "aggstate.h"

/*
 * Return the float8 elements of an aggregate state array (count, then the
 * sums), checking it is one-dimensional and non-null.
 */
float8 *
AggStateValues(ArrayType *state, int *n)
{
	if (ARR_NDIM(state) != 1 || ARR_HASNULL(state) ||
		ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid aggregate state"),
				 errdetail("The state of avg over vectors is a one-dimensional double precision array without nulls.")));

	*n = ARR_DIMS(state)[0];
	return (float8 *) ARR_DATA_PTR(state);
}

/*
 * Make a fresh state array of count plus dim sums, all zero.
 */
static ArrayType *
NewState(int dim)
{
	Datum	   *datums = palloc(sizeof(Datum) * (dim + 1));

	for (int i = 0; i <= dim; i++)
		datums[i] = Float8GetDatum(0.0);

	return construct_array(datums, dim + 1, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * The state to add a value of dim dimensions to: the input itself when we
 * may scribble on it (called as an aggregate), otherwise a copy, or a fresh
 * one of dim sums when the input is the initial '{0}'.  typname names the
 * type in the error for a dimension mismatch.
 */
ArrayType *
AggStateWritable(FunctionCallInfo fcinfo, ArrayType *state, int dim,
				 const char *typname)
{
	int			n;
	float8	   *in = AggStateValues(state, &n);
	ArrayType  *result;

	if (n == 1 && in[0] == 0)
		return NewState(dim);

	if (n != dim + 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different %s dimensions %d and %d", typname, n - 1,
						dim)));

	if (AggCheckCallContext(fcinfo, NULL))
		return state;

	result = NewState(dim);
	memcpy(ARR_DATA_PTR(result), in, sizeof(float8) * n);
	return result;
}
