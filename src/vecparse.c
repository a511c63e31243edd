/*-------------------------------------------------------------------------
 *
 * vecparse.c
 *	  Parsers for the text and binary forms of vector, halfvec, sparsevec.
 *
 * Text: '[1, 2, 3]' for the dense types (whitespace allowed around every
 * element), '{1:1.5,3:2}/5' for sparsevec (1-based indices in any order,
 * whitespace around every token).  Elements are read with strtof, as
 * float4in does; the server runs with LC_NUMERIC "C".  Binary: the
 * send/recv wire formats of vector.h, halfvec.h and sparsevec.h, in
 * network byte order.
 *
 * Nothing here allocates or longjmps, and nothing reads past the input:
 * text input must be NUL-terminated, binary input is bounded by len.  See
 * vecparse.h for the contract; vecerror.c turns a failure into an ereport.
 *
 * IDENTIFICATION
 *	  src/vecparse.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "halfutils.h"
#include "vecparse.h"

/*
 * Whitespace as array input and the vector text formats see it (the same
 * set as VectorIsSpace in vecutils.h).
 */
static inline bool
IsSpace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		ch == '\v' || ch == '\f';
}

static inline const char *
SkipSpaces(const char *pt)
{
	while (IsSpace(*pt))
		pt++;
	return pt;
}

static inline bool
HalfIsInfBits(uint16_t h)
{
	return (h & 0x7fff) == 0x7c00;
}

static inline bool
HalfIsNaNBits(uint16_t h)
{
	return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
}

/*
 * Set err and return its status.
 */
static VecParseStatus
Fail(VecParseError *err, VecParseStatus status, int pos, int len,
	 int64_t value, int64_t value2)
{
	err->status = status;
	err->detail = VECPARSE_DETAIL_NONE;
	err->pos = pos;
	err->len = len;
	err->value = value;
	err->value2 = value2;
	return status;
}

/*
 * A syntax error whose DETAIL says what was wrong.
 */
static VecParseStatus
FailSyntax(VecParseError *err, VecParseDetail detail)
{
	Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	err->detail = detail;
	return VECPARSE_SYNTAX;
}

/*
 * Reject NaN and infinity.
 */
static inline VecParseStatus
CheckFinite(float value, VecParseError *err)
{
	if (isnan(value))
		return Fail(err, VECPARSE_NAN, 0, 0, 0, 0);
	if (isinf(value))
		return Fail(err, VECPARSE_INF, 0, 0, 0, 0);
	return VECPARSE_OK;
}

/*
 * Parse one dense element at *pt; advance *pt past it.  A literal beyond
 * float's range (or, for halves, beyond half's) is out of range; strtof
 * sets ERANGE on underflow too, which is not an error.
 */
static VecParseStatus
ParseDenseElement(const char *lit, const char **pt, VecParseKind kind,
				  float *value, VecParseError *err)
{
	char	   *end;
	float		v;
	bool		overflow;

	errno = 0;
	v = strtof(*pt, &end);
	if (end == *pt)
		return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);

	overflow = (errno == ERANGE && isinf(v));
	if (kind == VECPARSE_HALF && !isinf(v) && HalfIsInfBits(Float4ToHalf(v)))
		overflow = true;
	if (overflow)
		return Fail(err, VECPARSE_OUT_OF_RANGE, (int) (*pt - lit),
					(int) (end - *pt), 0, 0);

	if (CheckFinite(v, err) != VECPARSE_OK)
		return err->status;
	*pt = end;
	*value = v;
	return VECPARSE_OK;
}

/*
 * VecParseDenseText: '[1, 2, 3]' -> x[0 .. *dim - 1].  x has room for
 * maxdim elements.  For VECPARSE_HALF the floats are those that round to a
 * finite half; the caller converts them.
 */
VecParseStatus
VecParseDenseText(const char *lit, VecParseKind kind, int maxdim, float *x,
				  int *dim, VecParseError *err)
{
	const char *pt = SkipSpaces(lit);
	int			n = 0;

	if (*pt != '[')
		return FailSyntax(err, VECPARSE_DETAIL_START_BRACKET);
	pt = SkipSpaces(pt + 1);
	if (*pt == ']')
		return Fail(err, VECPARSE_TOO_FEW_DIMS, 0, 0, 0, 0);

	for (;;)
	{
		if (n == maxdim)
			return Fail(err, VECPARSE_TOO_MANY_DIMS, 0, 0, 0, 0);
		if (ParseDenseElement(lit, &pt, kind, &x[n], err) != VECPARSE_OK)
			return err->status;
		n++;

		pt = SkipSpaces(pt);
		if (*pt == ',')
			pt++;
		else if (*pt == ']')
			break;
		else
			return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	}

	pt = SkipSpaces(pt + 1);
	if (*pt != '\0')
		return FailSyntax(err, VECPARSE_DETAIL_JUNK_BRACKET);

	*dim = n;
	return VECPARSE_OK;
}

/* ----------------------------------------------------------------
 *		Binary, network byte order
 * ----------------------------------------------------------------
 */

static inline uint16_t
GetUint16(const unsigned char *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
GetUint32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline float
GetFloat4(const unsigned char *p)
{
	uint32_t	bits = GetUint32(p);
	float		f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/*
 * VecParseDenseBinaryHeader: int16 dim, int16 unused.  Checks the
 * dimension count against 1 .. maxdim and typmod (-1 for none), then that
 * unused is zero.  *consumed is the header's size.
 */
VecParseStatus
VecParseDenseBinaryHeader(const char *data, size_t len, int maxdim,
						  int32_t typmod, int *dim, size_t *consumed,
						  VecParseError *err)
{
	const unsigned char *p = (const unsigned char *) data;
	int16_t		d;
	int16_t		unused;

	if (len < 4)
		return Fail(err, VECPARSE_TRUNCATED, 0, 0, 0, 0);
	d = (int16_t) GetUint16(p);
	unused = (int16_t) GetUint16(p + 2);

	if (d < 1)
		return Fail(err, VECPARSE_TOO_FEW_DIMS, 0, 0, d, 0);
	if (d > maxdim)
		return Fail(err, VECPARSE_TOO_MANY_DIMS, 0, 0, d, 0);
	if (typmod != -1 && typmod != d)
		return Fail(err, VECPARSE_TYPMOD, 0, 0, typmod, d);
	if (unused != 0)
		return Fail(err, VECPARSE_UNUSED, 0, 0, unused, 0);

	*dim = d;
	*consumed = 4;
	return VECPARSE_OK;
}

/*
 * VecParseDenseBinaryElements: dim float4 values (into float *x) or dim
 * binary16 bit patterns (into uint16_t *x), each finite.  The elements
 * are checked in order, so a NaN before the end of a truncated message
 * reports the NaN, as reading one element at a time did.
 */
VecParseStatus
VecParseDenseBinaryElements(const char *data, size_t len, VecParseKind kind,
							int dim, void *x, size_t *consumed,
							VecParseError *err)
{
	const unsigned char *p = (const unsigned char *) data;
	size_t		elemsize = (kind == VECPARSE_HALF) ? 2 : 4;

	for (int i = 0; i < dim; i++)
	{
		if ((size_t) (i + 1) * elemsize > len)
			return Fail(err, VECPARSE_TRUNCATED, 0, 0, 0, 0);

		if (kind == VECPARSE_HALF)
		{
			uint16_t	h = GetUint16(p + (size_t) i * 2);

			((uint16_t *) x)[i] = h;
			if (HalfIsNaNBits(h))
				return Fail(err, VECPARSE_NAN, 0, 0, 0, 0);
			if (HalfIsInfBits(h))
				return Fail(err, VECPARSE_INF, 0, 0, 0, 0);
		}
		else
		{
			float		f = GetFloat4(p + (size_t) i * 4);

			((float *) x)[i] = f;
			if (CheckFinite(f, err) != VECPARSE_OK)
				return err->status;
		}
	}

	*consumed = (size_t) dim * elemsize;
	return VECPARSE_OK;
}

/* ----------------------------------------------------------------
 *		sparsevec text
 * ----------------------------------------------------------------
 */

/*
 * VecParseSparseDim: the "/dim" after the first '}' of lit, which must
 * start with '{' and end with the count (whitespace aside), in 1 .. the
 * maximum.  Sets *close to the offset of that '}'.
 */
VecParseStatus
VecParseSparseDim(const char *lit, size_t *close, int *dim,
				  VecParseError *err)
{
	const char *pt = SkipSpaces(lit);
	char	   *end;
	long long	d;

	if (*pt != '{')
		return FailSyntax(err, VECPARSE_DETAIL_START_BRACE);
	pt = strchr(pt, '}');
	if (pt == NULL)
		return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	*close = (size_t) (pt - lit);

	pt = SkipSpaces(pt + 1);
	if (*pt != '/')
		return FailSyntax(err, VECPARSE_DETAIL_END_OF_INPUT);
	pt = SkipSpaces(pt + 1);

	/* out of range for long long saturates, and the range check catches it */
	d = strtoll(pt, &end, 10);
	if (end == pt)
		return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	if (*SkipSpaces(end) != '\0')
		return FailSyntax(err, VECPARSE_DETAIL_JUNK_CLOSING);

	if (d < 1)
		return Fail(err, VECPARSE_TOO_FEW_DIMS, 0, 0, 0, 0);
	if (d > VECPARSE_SPARSE_MAX_DIM)
		return Fail(err, VECPARSE_TOO_MANY_DIMS, 0, 0, 0, 0);

	*dim = (int) d;
	return VECPARSE_OK;
}

/*
 * VecParseSparseMaxNnz: an upper bound on the elements stored from lit
 * (every one has a ':' of its own before close), capped at the maximum, at
 * least 1: the size of the elements array VecParseSparseText needs.
 */
int
VecParseSparseMaxNnz(const char *lit, size_t close)
{
	int			n = 0;

	for (size_t i = 0; i < close && n < VECPARSE_SPARSE_MAX_NNZ; i++)
		n += (lit[i] == ':');
	return n > 0 ? n : 1;
}

/*
 * Parse a 1-based index at *pt, within 1 .. dim; advance *pt past it.
 */
static VecParseStatus
ParseSparseIndex(const char *lit, const char **pt, int dim, int32_t *index,
				 VecParseError *err)
{
	const char *start = SkipSpaces(*pt);
	char	   *end;
	long long	i;

	errno = 0;
	i = strtoll(start, &end, 10);
	if (end == start)
		return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	if (errno == ERANGE || i < 1 || i > dim)
		return Fail(err, VECPARSE_INDEX_RANGE, (int) (start - lit),
					(int) (end - start), 0, dim);

	*pt = end;
	*index = (int32_t) (i - 1);
	return VECPARSE_OK;
}

/*
 * Parse one value at *pt; advance *pt past it.  Unlike the dense types
 * (which follow pgvector in letting a tiny literal read as zero), a
 * non-zero literal that underflows to zero is out of range, as in
 * pgvector's sparsevec: dropping it silently would lose an element.
 */
static VecParseStatus
ParseSparseValue(const char *lit, const char **pt, float *value,
				 VecParseError *err)
{
	const char *start = SkipSpaces(*pt);
	char	   *end;
	float		v;

	errno = 0;
	v = strtof(start, &end);
	if (end == start)
		return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	/* as float4in: beyond float's range, or so small it reads as zero */
	if (errno == ERANGE && (isinf(v) || v == 0))
		return Fail(err, VECPARSE_OUT_OF_RANGE, (int) (start - lit),
					(int) (end - start), 0, 0);
	if (CheckFinite(v, err) != VECPARSE_OK)
		return err->status;

	*pt = end;
	*value = v;
	return VECPARSE_OK;
}

static int
CompareElements(const void *a, const void *b)
{
	int32_t		ia = ((const VecParseSparseElement *) a)->index;
	int32_t		ib = ((const VecParseSparseElement *) b)->index;

	return (ia > ib) - (ia < ib);
}

/*
 * Parse the pairs between the '{' that starts lit and close; the non-zero
 * ones go to elements[].
 */
static VecParseStatus
ParseSparsePairs(const char *lit, const char *close, int dim,
				 VecParseSparseElement *elements, int maxnnz, int *nnz,
				 VecParseError *err)
{
	const char *pt = SkipSpaces(lit);
	int			n = 0;

	if (*pt != '{')
		return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
	pt = SkipSpaces(pt + 1);
	if (pt == close)
	{
		*nnz = 0;
		return VECPARSE_OK;
	}

	for (;;)
	{
		int32_t		index = 0;
		float		value = 0;

		if (ParseSparseIndex(lit, &pt, dim, &index, err) != VECPARSE_OK)
			return err->status;
		pt = SkipSpaces(pt);
		if (*pt != ':')
			return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
		pt++;
		if (ParseSparseValue(lit, &pt, &value, err) != VECPARSE_OK)
			return err->status;

		if (value != 0)
		{
			/* maxnnz from VecParseSparseMaxNnz is short only past the cap */
			if (n >= maxnnz)
				return Fail(err, VECPARSE_TOO_MANY_NNZ, 0, 0, 0, 0);
			elements[n].index = index;
			elements[n].value = value;
			n++;
		}

		pt = SkipSpaces(pt);
		if (pt == close)
			break;
		if (*pt != ',')
			return Fail(err, VECPARSE_SYNTAX, 0, 0, 0, 0);
		pt++;
	}

	*nnz = n;
	return VECPARSE_OK;
}

/*
 * VecParseSparseText: the index:value pairs of lit, whose dimension count
 * VecParseSparseDim read, into elements[] (room for maxnnz, see
 * VecParseSparseMaxNnz), sorted by index.  Zero values are checked like
 * any other, then dropped; an index given twice with non-zero values is
 * an error.
 */
VecParseStatus
VecParseSparseText(const char *lit, size_t close, int dim,
				   VecParseSparseElement *elements, int maxnnz, int *nnz,
				   VecParseError *err)
{
	if (ParseSparsePairs(lit, lit + close, dim, elements, maxnnz, nnz,
						 err) != VECPARSE_OK)
		return err->status;

	qsort(elements, *nnz, sizeof(VecParseSparseElement), CompareElements);
	for (int i = 1; i < *nnz; i++)
	{
		if (elements[i].index == elements[i - 1].index)
			return Fail(err, VECPARSE_DUPLICATE, 0, 0,
						(int64_t) elements[i].index + 1, 0);
	}
	return VECPARSE_OK;
}

/* ----------------------------------------------------------------
 *		sparsevec binary
 * ----------------------------------------------------------------
 */

/*
 * VecParseSparseBinaryHeader: int32 dim, int32 nnz, int32 unused, checked
 * in the order dim, typmod, nnz, unused.
 */
VecParseStatus
VecParseSparseBinaryHeader(const char *data, size_t len, int32_t typmod,
						   VecParseSparseHeader *hdr, size_t *consumed,
						   VecParseError *err)
{
	const unsigned char *p = (const unsigned char *) data;
	int32_t		dim;
	int32_t		nnz;
	int32_t		unused;

	if (len < 12)
		return Fail(err, VECPARSE_TRUNCATED, 0, 0, 0, 0);
	dim = (int32_t) GetUint32(p);
	nnz = (int32_t) GetUint32(p + 4);
	unused = (int32_t) GetUint32(p + 8);

	if (dim < 1)
		return Fail(err, VECPARSE_TOO_FEW_DIMS, 0, 0, dim, 0);
	if (dim > VECPARSE_SPARSE_MAX_DIM)
		return Fail(err, VECPARSE_TOO_MANY_DIMS, 0, 0, dim, 0);
	if (typmod != -1 && typmod != dim)
		return Fail(err, VECPARSE_TYPMOD, 0, 0, typmod, dim);
	if (nnz < 0)
		return Fail(err, VECPARSE_NEGATIVE_NNZ, 0, 0, nnz, 0);
	if (nnz > VECPARSE_SPARSE_MAX_NNZ)
		return Fail(err, VECPARSE_TOO_MANY_NNZ, 0, 0, nnz, 0);
	if (unused != 0)
		return Fail(err, VECPARSE_UNUSED, 0, 0, unused, 0);

	hdr->dim = dim;
	hdr->nnz = nnz;
	*consumed = 12;
	return VECPARSE_OK;
}

/*
 * VecParseSparseBinaryElements: nnz 0-based indices, each within
 * 0 .. dim - 1 and greater than the one before, then nnz values, each
 * finite and non-zero.
 */
VecParseStatus
VecParseSparseBinaryElements(const char *data, size_t len,
							 const VecParseSparseHeader *hdr,
							 int32_t *indices, float *values,
							 size_t *consumed, VecParseError *err)
{
	const unsigned char *p = (const unsigned char *) data;
	size_t		off = 0;

	for (int i = 0; i < hdr->nnz; i++, off += 4)
	{
		int32_t		index;

		if (off + 4 > len)
			return Fail(err, VECPARSE_TRUNCATED, 0, 0, 0, 0);
		index = (int32_t) GetUint32(p + off);
		if (index < 0 || index >= hdr->dim)
			return Fail(err, VECPARSE_BIN_INDEX_RANGE, 0, 0, index, hdr->dim);
		if (i > 0 && index <= indices[i - 1])
			return Fail(err, VECPARSE_NOT_INCREASING, 0, 0, index,
						indices[i - 1]);
		indices[i] = index;
	}

	for (int i = 0; i < hdr->nnz; i++, off += 4)
	{
		if (off + 4 > len)
			return Fail(err, VECPARSE_TRUNCATED, 0, 0, 0, 0);
		values[i] = GetFloat4(p + off);
		if (CheckFinite(values[i], err) != VECPARSE_OK)
			return err->status;
		if (values[i] == 0)
			return Fail(err, VECPARSE_ZERO_VALUE, 0, 0, 0, 0);
	}

	*consumed = off;
	return VECPARSE_OK;
}
