/*-------------------------------------------------------------------------
 *
 * aggstate.h
 *	  The transition state of avg() over vector and halfvec.
 *
 * The state is a double precision[] holding the row count followed by the
 * running sums, so that partial states cross parallel workers with no
 * custom serialisation; the initial state is '{0}'.
 *
 * IDENTIFICATION
 *	  src/aggstate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_AGGSTATE_H
#define MILVUS_AGGSTATE_H

#include "fmgr.h"
#include "utils/array.h"

extern float8 *AggStateValues(ArrayType *state, const char *caller,
							  int *dim);
extern ArrayType *AggStateWritable(FunctionCallInfo fcinfo, ArrayType *state,
								   int dim, const char *caller);
extern void AggStateAdd(float8 *sum, float8 value);
extern ArrayType *AggStateCombine(FunctionCallInfo fcinfo, ArrayType *state1,
								  ArrayType *state2, int maxdim,
								  const char *typname);

#endif							/* MILVUS_AGGSTATE_H */
