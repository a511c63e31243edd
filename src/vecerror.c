/*-------------------------------------------------------------------------
 *
 * vecerror.c
 *	  Turn a vecparse.h failure into the type's ereport.
 *
 * The parsers in vecparse.c run without the server (the fuzzers link them
 * alone) and return a status; the input functions of vector, halfvec and
 * sparsevec call VecParseReportError with it, which raises the error they
 * raised themselves before the parsers moved out: same errcode, same
 * message, same detail.  Truncated binary input gets pq_getmsgint's own
 * error.
 *
 * IDENTIFICATION
 *	  src/vecerror.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "halfvec.h"
#include "sparsevec.h"
#include "vecerror.h"
#include "vector.h"

StaticAssertDecl(VECPARSE_VECTOR_MAX_DIM == VECTOR_MAX_DIM,
				 "vecparse.h and vector.h disagree on the maximum");
StaticAssertDecl(VECPARSE_HALFVEC_MAX_DIM == HALFVEC_MAX_DIM,
				 "vecparse.h and halfvec.h disagree on the maximum");
StaticAssertDecl(VECPARSE_SPARSE_MAX_DIM == SPARSEVEC_MAX_DIM &&
				 VECPARSE_SPARSE_MAX_NNZ == SPARSEVEC_MAX_NNZ,
				 "vecparse.h and sparsevec.h disagree on the maxima");

/*
 * Raise the error err describes for a value of type typname.  lit is the
 * text input (NULL for binary), maxdim the type's dimension limit.
 */
void
VecParseReportError(const VecParseError *err, const char *typname,
					const char *lit, int maxdim)
{
	switch (err->status)
	{
		case VECPARSE_SYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							typname, lit)));
			break;
		case VECPARSE_TOO_FEW_DIMS:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s must have at least 1 dimension", typname)));
			break;
		case VECPARSE_TOO_MANY_DIMS:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s cannot have more than %d dimensions",
							typname, maxdim)));
			break;
		case VECPARSE_TOO_MANY_NNZ:
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("sparsevec cannot have more than %d non-zero elements",
							VECPARSE_SPARSE_MAX_NNZ)));
			break;
		case VECPARSE_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("\"%.*s\" is out of range for type %s",
							err->len, lit + err->pos, typname)));
			break;
		case VECPARSE_NAN:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("NaN not allowed in %s", typname)));
			break;
		case VECPARSE_INF:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("infinite value not allowed in %s", typname)));
			break;
		case VECPARSE_INDEX_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index \"%.*s\" is out of range",
							err->len, lit + err->pos),
					 errdetail("Indices must be between 1 and the number of dimensions, %d.",
							   (int) err->value2)));
			break;
		case VECPARSE_DUPLICATE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec indices must not contain duplicates"),
					 errdetail("Index %d appears more than once.",
							   (int) err->value)));
			break;
		case VECPARSE_TYPMOD:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("expected %d dimensions, not %d",
							(int) err->value, (int) err->value2)));
			break;
		case VECPARSE_TRUNCATED:
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("insufficient data left in message")));
			break;
		case VECPARSE_UNUSED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("expected unused to be 0, not %d",
							(int) err->value)));
			break;
		case VECPARSE_NEGATIVE_NNZ:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("sparsevec cannot have a negative number of elements")));
			break;
		case VECPARSE_BIN_INDEX_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("sparsevec index %d is out of range",
							(int) err->value),
					 errdetail("Binary indices are 0-based and must be less than the number of dimensions, %d.",
							   (int) err->value2)));
			break;
		case VECPARSE_NOT_INCREASING:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("sparsevec indices must be strictly increasing"),
					 errdetail("Index %d follows index %d.",
							   (int) err->value, (int) err->value2)));
			break;
		case VECPARSE_ZERO_VALUE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("binary sparsevec input cannot contain zero values"),
					 errdetail("The binary format lists only the non-zero elements.")));
			break;
		case VECPARSE_OK:
			break;
	}
	elog(ERROR, "unexpected vector parse status %d", (int) err->status);
}
