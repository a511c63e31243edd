/*-------------------------------------------------------------------------
 *
 * fuzz_dense_text.c
 *	  libFuzzer harness: the text input of vector (or of halfvec, built
 *	  with -DFUZZ_HALF).
 *
 * Checks: an accepted value has 1 .. max finite elements (halves that
 * round to a finite half); printing it with 9 significant digits and
 * parsing that again gives the same bits; parsing with a limit of 4
 * dimensions accepts exactly the values of at most 4 and otherwise says
 * there are too many.  A rejected one names a literal inside the input.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_dense_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

#ifdef FUZZ_HALF
#define KIND		VECPARSE_HALF
#define MAXDIM		VECPARSE_HALFVEC_MAX_DIM
#else
#define KIND		VECPARSE_FLOAT4
#define MAXDIM		VECPARSE_VECTOR_MAX_DIM
#endif

static float x[MAXDIM];
static float y[MAXDIM];

/*
 * Print x as '[a,b,...]' with round-trip precision; the caller frees.
 */
static char *
Format(const float *v, int dim)
{
	char	   *buf = malloc((size_t) dim * 20 + 3);
	char	   *pt = buf;

	FUZZ_CHECK(buf != NULL);
	*pt++ = '[';
	for (int i = 0; i < dim; i++)
		pt += sprintf(pt, i > 0 ? ",%.9g" : "%.9g", v[i]);
	*pt++ = ']';
	*pt = '\0';
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *lit = FuzzCString(data, size);
	VecParseError err;
	int			dim;
	int			dim2;

	if (VecParseDenseText(lit, KIND, MAXDIM, x, &dim, &err) != VECPARSE_OK)
	{
		FuzzCheckTextError(lit, &err);
		free(lit);
		return 0;
	}

	FUZZ_CHECK(dim >= 1 && dim <= MAXDIM);
	for (int i = 0; i < dim; i++)
	{
		FUZZ_CHECK(isfinite(x[i]));
		if (KIND == VECPARSE_HALF)
			FUZZ_CHECK((Float4ToHalf(x[i]) & 0x7fff) < 0x7c00);
	}

	/* the same text under a limit of 4 dimensions */
	if (dim <= 4)
		FUZZ_CHECK(VecParseDenseText(lit, KIND, 4, y, &dim2, &err) == VECPARSE_OK &&
				   dim2 == dim);
	else
		FUZZ_CHECK(VecParseDenseText(lit, KIND, 4, y, &dim2, &err) ==
				   VECPARSE_TOO_MANY_DIMS);

	/* round trip through our own output */
	{
		char	   *out = Format(x, dim);

		FUZZ_CHECK(VecParseDenseText(out, KIND, MAXDIM, y, &dim2, &err) ==
				   VECPARSE_OK);
		FUZZ_CHECK(dim2 == dim);
		for (int i = 0; i < dim; i++)
			FUZZ_CHECK(FuzzFloatBits(x[i]) == FuzzFloatBits(y[i]));
		free(out);
	}

	free(lit);
	return 0;
}
