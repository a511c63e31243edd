/*-------------------------------------------------------------------------
 *
 * fuzz_dense_recv.c
 *	  libFuzzer harness: the binary receive function of vector (or of
 *	  halfvec, built with -DFUZZ_HALF).
 *
 * The first byte chooses the column's typmod (see FuzzTypmod); the rest
 * is the message.  Checks: an accepted value matches the typmod, has
 * 1 .. max finite elements, consumed no more than the message, and
 * encodes back to exactly the bytes it consumed.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_dense_recv.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#ifdef FUZZ_HALF
#define KIND		VECPARSE_HALF
#define MAXDIM		VECPARSE_HALFVEC_MAX_DIM
#define ELEMSIZE	2
#else
#define KIND		VECPARSE_FLOAT4
#define MAXDIM		VECPARSE_VECTOR_MAX_DIM
#define ELEMSIZE	4
#endif

/* the parsed elements: floats for vector, bit patterns for halfvec */
static union
{
	float		f[MAXDIM];
	uint16_t	h[MAXDIM];
}			x;
static unsigned char out[4 + MAXDIM * 4];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t		typmod = FuzzTypmod(&data, &size);
	const char *msg = (const char *) data;
	VecParseError err;
	size_t		hdrlen;
	size_t		bodylen;
	int			dim;

	if (VecParseDenseBinaryHeader(msg, size, MAXDIM, typmod, &dim, &hdrlen,
								  &err) != VECPARSE_OK)
		return 0;
	FUZZ_CHECK(hdrlen == 4 && hdrlen <= size);
	FUZZ_CHECK(dim >= 1 && dim <= MAXDIM);
	FUZZ_CHECK(typmod == -1 || typmod == dim);

	if (VecParseDenseBinaryElements(msg + hdrlen, size - hdrlen, KIND, dim,
									KIND == VECPARSE_HALF ? (void *) x.h : (void *) x.f,
									&bodylen, &err) != VECPARSE_OK)
	{
		FUZZ_CHECK(err.status == VECPARSE_TRUNCATED ||
				   err.status == VECPARSE_NAN || err.status == VECPARSE_INF);
		if (err.status == VECPARSE_TRUNCATED)
			FUZZ_CHECK(size - hdrlen < (size_t) dim * ELEMSIZE);
		return 0;
	}
	FUZZ_CHECK(bodylen == (size_t) dim * ELEMSIZE);
	FUZZ_CHECK(hdrlen + bodylen <= size);

	FuzzPut16(out, (uint16_t) dim);
	FuzzPut16(out + 2, 0);
	for (int i = 0; i < dim; i++)
	{
		if (KIND == VECPARSE_HALF)
		{
			uint16_t	h = x.h[i];

			FUZZ_CHECK((h & 0x7fff) < 0x7c00);
			FuzzPut16(out + 4 + i * 2, h);
		}
		else
		{
			FUZZ_CHECK(isfinite(x.f[i]));
			FuzzPut32(out + 4 + i * 4, FuzzFloatBits(x.f[i]));
		}
	}
	FUZZ_CHECK(memcmp(out, msg, hdrlen + bodylen) == 0);
	return 0;
}
