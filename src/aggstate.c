/*-------------------------------------------------------------------------
 *
 * aggstate.c
 *	  The transition state of avg() over vector and halfvec.
 *
 * See aggstate.h for the layout.  Called as an aggregate, a transition or
 * combine function may update the state in place once it has its full
 * size; this file decides when it may.
 *
 * A state can also be passed by hand (vector_accum('{1,NaN}', ...)), so
 * nothing here trusts it: its shape is checked on every call, a sum that
 * overflows is an error, and the final functions check every element they
 * produce, so that no NaN or infinity reaches a vector.  The messages are
 * pgvector's: "<function>: expected state array" (XX000, as its elog) and
 * "expected N dimensions, not M".
 *
 * IDENTIFICATION
 *	  src/aggstate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/float.h"

#include "aggstate.h"

/*
 * Return the float8 elements of an aggregate state array (count, then the
 * sums) and, in *dim, the number of sums.  caller names the SQL function
 * in the error for anything that is not a one-dimensional, non-empty,
 * null-free double precision array.
 */
float8 *
AggStateValues(ArrayType *state, const char *caller, int *dim)
{
	if (ARR_NDIM(state) != 1 || ARR_DIMS(state)[0] < 1 ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: expected state array", caller),
				 errdetail("The state of avg over vectors is a one-dimensional double precision array without nulls: the row count, then the sums.")));

	*dim = ARR_DIMS(state)[0] - 1;
	return (float8 *) ARR_DATA_PTR(state);
}

/*
 * Make a fresh state array of count plus dim sums, all zero.
 */
static ArrayType *
NewState(int dim)
{
	Datum	   *datums = palloc(sizeof(Datum) * (dim + 1));
	ArrayType  *result;

	for (int i = 0; i <= dim; i++)
		datums[i] = Float8GetDatum(0.0);

	result = construct_array(datums, dim + 1, FLOAT8OID, sizeof(float8),
							 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	pfree(datums);
	return result;
}

/*
 * A copy of state (count and sums) that the caller may change.
 */
static ArrayType *
CopyState(ArrayType *state, int dim)
{
	ArrayType  *result = NewState(dim);

	memcpy(ARR_DATA_PTR(result), ARR_DATA_PTR(state),
		   sizeof(float8) * (dim + 1));
	return result;
}

/*
 * The state to add a value of dim dimensions to: the input itself when we
 * may scribble on it (called as an aggregate), otherwise a copy, or a fresh
 * one of dim sums, keeping the count, when the input has no sums yet (the
 * initial '{0}').  A state of another size is an error.
 */
ArrayType *
AggStateWritable(FunctionCallInfo fcinfo, ArrayType *state, int dim,
				 const char *caller)
{
	int			sdim;
	float8	   *in = AggStateValues(state, caller, &sdim);
	ArrayType  *result;

	if (sdim == 0)
	{
		result = NewState(dim);
		((float8 *) ARR_DATA_PTR(result))[0] = in[0];
		return result;
	}

	if (sdim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", sdim, dim)));

	if (AggCheckCallContext(fcinfo, NULL))
		return state;
	return CopyState(state, sdim);
}

/*
 * *sum += value, an error if the sum leaves double's range.
 */
void
AggStateAdd(float8 *sum, float8 value)
{
	*sum += value;
	if (unlikely(isinf(*sum)))
		float_overflow_error();
}

/*
 * Combine two partial states: counts add up, and so do the sums when both
 * have them.  A state with sums must have 1 .. maxdim of them (typname
 * names the type in that error); two with sums must have as many.
 */
ArrayType *
AggStateCombine(FunctionCallInfo fcinfo, ArrayType *state1,
				ArrayType *state2, int maxdim, const char *typname)
{
	int			dim1;
	int			dim2;
	float8	   *v1 = AggStateValues(state1, "vector_combine", &dim1);
	float8	   *v2 = AggStateValues(state2, "vector_combine", &dim2);
	int			dim = (dim1 > 0) ? dim1 : dim2;
	ArrayType  *result;
	float8	   *out;

	if (dim > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions",
						typname, maxdim)));

	if (dim1 > 0 && dim2 > 0)
		result = AggStateWritable(fcinfo, state1, dim2, "vector_combine");
	else if (dim1 > 0 && AggCheckCallContext(fcinfo, NULL))
		result = state1;
	else
		result = CopyState(dim1 > 0 ? state1 : state2, dim);

	out = (float8 *) ARR_DATA_PTR(result);
	out[0] = v1[0] + v2[0];
	if (dim1 > 0 && dim2 > 0)
	{
		for (int i = 1; i <= dim; i++)
			AggStateAdd(&out[i], v2[i]);
	}
	return result;
}
