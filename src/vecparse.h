/*-------------------------------------------------------------------------
 *
 * vecparse.h
 *	  Parsers for the text and binary forms of vector, halfvec, sparsevec.
 *
 * Plain C: no postgres.h, no allocation, no error longjmps.  Each parser
 * writes into buffers the caller provides and returns a VecParseStatus; on
 * failure it fills a VecParseError with what the SQL wrapper needs to raise
 * the same error as before (the offending literal's position and length,
 * or the offending number).  The SQL wrappers in vector.c, halfvec.c and
 * sparsevec.c turn that into an ereport (vecerror.c); the fuzzers under
 * test/fuzz/ link this file alone.
 *
 * The checks run in the order the wrappers raised them before this split,
 * so that the first error a bad input meets is unchanged.
 *
 * IDENTIFICATION
 *	  src/vecparse.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_VECPARSE_H
#define MILVUS_VECPARSE_H

#include <stddef.h>
#include <stdint.h>

/* the limits of the types (vector.h, halfvec.h, sparsevec.h repeat them) */
#define VECPARSE_VECTOR_MAX_DIM		16000
#define VECPARSE_HALFVEC_MAX_DIM	16000
#define VECPARSE_SPARSE_MAX_DIM		1000000000
#define VECPARSE_SPARSE_MAX_NNZ		16000

typedef enum VecParseStatus
{
	VECPARSE_OK = 0,
	VECPARSE_SYNTAX,			/* malformed text: quote the whole input */
	VECPARSE_TOO_FEW_DIMS,		/* fewer than 1 dimension */
	VECPARSE_TOO_MANY_DIMS,		/* more than the type's maximum */
	VECPARSE_TOO_MANY_NNZ,		/* sparse: more than the maximum stored */
	VECPARSE_OUT_OF_RANGE,		/* literal at pos, len beyond the type (or,
								 * sparse, so small it reads as zero) */
	VECPARSE_NAN,				/* a NaN element */
	VECPARSE_INF,				/* an infinite element */
	VECPARSE_INDEX_RANGE,		/* sparse text: index literal at pos, len */
	VECPARSE_DUPLICATE,			/* sparse text: 1-based index in value */
	VECPARSE_TYPMOD,			/* dim differs from the typmod in value */
	VECPARSE_TRUNCATED,			/* binary: message ends too early */
	VECPARSE_UNUSED,			/* binary: unused field is value, not 0 */
	VECPARSE_NEGATIVE_NNZ,		/* sparse binary: nnz < 0 */
	VECPARSE_BIN_INDEX_RANGE,	/* sparse binary: 0-based index in value */
	VECPARSE_NOT_INCREASING,	/* sparse binary: value after value2 */
	VECPARSE_ZERO_VALUE			/* sparse binary: a stored zero */
} VecParseStatus;

/* what a VECPARSE_SYNTAX error adds as its DETAIL (pgvector's wording) */
typedef enum VecParseDetail
{
	VECPARSE_DETAIL_NONE = 0,
	VECPARSE_DETAIL_START_BRACKET,	/* dense text not starting with '[' */
	VECPARSE_DETAIL_JUNK_BRACKET,	/* dense text: junk after ']' */
	VECPARSE_DETAIL_START_BRACE,	/* sparse text not starting with '{' */
	VECPARSE_DETAIL_END_OF_INPUT,	/* sparse text: no '/' after '}' */
	VECPARSE_DETAIL_JUNK_CLOSING	/* sparse text: junk after the count */
} VecParseDetail;

typedef struct VecParseError
{
	VecParseStatus status;
	VecParseDetail detail;		/* for VECPARSE_SYNTAX, else NONE */
	int			pos;			/* offset of the offending literal */
	int			len;			/* its length */
	int64_t		value;			/* the offending number, if any */
	int64_t		value2;			/* a second one (the dimension count) */
} VecParseError;

/* element kinds of the dense types */
typedef enum VecParseKind
{
	VECPARSE_FLOAT4,			/* vector: float4 elements */
	VECPARSE_HALF				/* halfvec: binary16 elements */
} VecParseKind;

/* one index:value pair of sparse text input, index 0-based */
typedef struct VecParseSparseElement
{
	int32_t		index;
	float		value;
} VecParseSparseElement;

/* the header of a binary sparsevec */
typedef struct VecParseSparseHeader
{
	int32_t		dim;
	int32_t		nnz;
} VecParseSparseHeader;

extern VecParseStatus VecParseDenseText(const char *lit, VecParseKind kind,
										int maxdim, float *x, int *dim,
										VecParseError *err);
extern VecParseStatus VecParseDenseBinaryHeader(const char *data, size_t len,
												int maxdim, int32_t typmod,
												int *dim, size_t *consumed,
												VecParseError *err);
extern VecParseStatus VecParseDenseBinaryElements(const char *data, size_t len,
												  VecParseKind kind, int dim,
												  void *x, size_t *consumed,
												  VecParseError *err);

extern VecParseStatus VecParseSparseDim(const char *lit, size_t *close,
										int *dim, VecParseError *err);
extern int	VecParseSparseMaxNnz(const char *lit, size_t close);
extern VecParseStatus VecParseSparseText(const char *lit, size_t close,
										 int dim,
										 VecParseSparseElement *elements,
										 int maxnnz, int *nnz,
										 VecParseError *err);
extern VecParseStatus VecParseSparseBinaryHeader(const char *data, size_t len,
												 int32_t typmod,
												 VecParseSparseHeader *hdr,
												 size_t *consumed,
												 VecParseError *err);
extern VecParseStatus VecParseSparseBinaryElements(const char *data,
												   size_t len,
												   const VecParseSparseHeader *hdr,
												   int32_t *indices,
												   float *values,
												   size_t *consumed,
												   VecParseError *err);

#endif							/* MILVUS_VECPARSE_H */
