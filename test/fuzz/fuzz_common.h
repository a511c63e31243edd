/*-------------------------------------------------------------------------
 *
 * fuzz_common.h
 *	  Helpers shared by the libFuzzer harnesses of test/fuzz/.
 *
 * A harness gets arbitrary bytes, feeds them to one parser of
 * src/vecparse.c and checks what the parser promises: on success the
 * value keeps the type's invariants and survives a round trip through its
 * own output; on failure the error points inside the input.  A broken
 * promise calls FUZZ_CHECK, which aborts, and libFuzzer reports a crash
 * with the input that caused it.  AddressSanitizer and UBSan catch reads
 * past the input and undefined arithmetic on the way.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_FUZZ_COMMON_H
#define MILVUS_FUZZ_COMMON_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "halfutils.h"
#include "vecparse.h"

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
					#cond); \
			abort(); \
		} \
	} while (0)

/*
 * A NUL-terminated copy of the fuzzer's bytes, as a cstring reaches an
 * input function (an embedded NUL ends it there too).  The caller frees.
 */
static inline char *
FuzzCString(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A failed text parse must name a real status, and a quoted literal must
 * lie inside the input.
 */
static inline void
FuzzCheckTextError(const char *lit, const VecParseError *err)
{
	FUZZ_CHECK(err->status > VECPARSE_OK &&
			   err->status <= VECPARSE_ZERO_VALUE);
	/* a DETAIL only on syntax errors, and one the server knows */
	FUZZ_CHECK(err->detail == VECPARSE_DETAIL_NONE ||
			   (err->status == VECPARSE_SYNTAX &&
				err->detail <= VECPARSE_DETAIL_JUNK_CLOSING));
	if (err->status == VECPARSE_OUT_OF_RANGE ||
		err->status == VECPARSE_INDEX_RANGE)
	{
		FUZZ_CHECK(err->pos >= 0 && err->len > 0);
		FUZZ_CHECK((size_t) err->pos + (size_t) err->len <= strlen(lit));
	}
}

/* big-endian writers, to re-encode what a binary parser accepted */
static inline void
FuzzPut16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
FuzzPut32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline uint32_t
FuzzFloatBits(float f)
{
	uint32_t	u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

/*
 * The typmod a binary harness passes: the first byte chooses none (-1) or
 * 1 .. 128, so that the typmod check is fuzzed too.  Consumes that byte.
 */
static inline int32_t
FuzzTypmod(const uint8_t **data, size_t *size)
{
	uint8_t		b;

	if (*size == 0)
		return -1;
	b = (*data)[0];
	(*data)++;
	(*size)--;
	return (b & 1) ? -1 : (int32_t) (b >> 1) + 1;
}

#endif							/* MILVUS_FUZZ_COMMON_H */
