/*-------------------------------------------------------------------------
 *
 * vecerror.c
 *	  Turn a vecparse.h failure into the type's ereport; shared errors.
 *
 * The parsers in vecparse.c run without the server (the fuzzers link them
 * alone) and return a status; the input functions of vector, halfvec and
 * sparsevec call VecParseReportError with it.  Where pgvector 0.8.6 raises
 * the same error, the primary message, errcode and syntax DETAIL are
 * pgvector's; a DETAIL of ours (which index, which bound) may follow where
 * pgvector has none.  Truncated binary input gets pq_getmsgint's own
 * error.
 *
 * IDENTIFICATION
 *	  src/vecerror.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/shortest_dec.h"

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
 * The DETAIL of a syntax error, as pgvector words it; 0 (no detail) when
 * the parser gave none.
 */
static int
SyntaxDetail(VecParseDetail detail)
{
	switch (detail)
	{
		case VECPARSE_DETAIL_START_BRACKET:
			return errdetail("Vector contents must start with \"[\".");
		case VECPARSE_DETAIL_JUNK_BRACKET:
			return errdetail("Junk after closing right brace.");
		case VECPARSE_DETAIL_START_BRACE:
			return errdetail("Vector contents must start with \"{\".");
		case VECPARSE_DETAIL_END_OF_INPUT:
			return errdetail("Unexpected end of input.");
		case VECPARSE_DETAIL_JUNK_CLOSING:
			return errdetail("Junk after closing.");
		case VECPARSE_DETAIL_NONE:
			break;
	}
	return 0;
}

/*
 * Report a finite float that a half cannot hold (it rounds past HALF_MAX),
 * quoting it in shortest form as pgvector does: "65520" is out of range for
 * type halfvec.
 */
void
VecReportHalfOutOfRange(float value)
{
	char		buf[FLOAT_SHORTEST_DECIMAL_LEN];

	float_to_shortest_decimal_buf(value, buf);
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("\"%s\" is out of range for type halfvec", buf)));
}

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
							typname, lit),
					 SyntaxDetail(err->detail)));
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
					 errmsg("sparsevec index out of bounds"),
					 errdetail("Index \"%.*s\" is not between 1 and the number of dimensions, %d.",
							   err->len, lit + err->pos, (int) err->value2)));
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
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index out of bounds"),
					 errdetail("Binary index %d is not between 0 and the number of dimensions less one, %d.",
							   (int) err->value, (int) err->value2 - 1)));
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
