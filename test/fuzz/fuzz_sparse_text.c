/*-------------------------------------------------------------------------
 *
 * fuzz_sparse_text.c
 *	  libFuzzer harness: the text input of sparsevec.
 *
 * Checks: an accepted value has a dimension count in 1 .. max, at most the
 * maximum of stored elements, indices in range and strictly increasing,
 * values finite and non-zero; printing it ('{i:v,...}/dim', 1-based, 9
 * significant digits) and parsing that again gives the same elements.  A
 * rejected one names a literal inside the input.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparse_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

/*
 * Parse lit completely; on success *elements (malloc'd) holds *nnz pairs.
 */
static VecParseStatus
Parse(const char *lit, int *dim, VecParseSparseElement **elements, int *nnz,
	  VecParseError *err)
{
	size_t		close;
	int			maxnnz;

	*elements = NULL;
	if (VecParseSparseDim(lit, &close, dim, err) != VECPARSE_OK)
		return err->status;
	FUZZ_CHECK(close < strlen(lit) && lit[close] == '}');
	maxnnz = VecParseSparseMaxNnz(lit, close);
	FUZZ_CHECK(maxnnz >= 1 && maxnnz <= VECPARSE_SPARSE_MAX_NNZ);
	*elements = malloc(sizeof(VecParseSparseElement) * maxnnz);
	FUZZ_CHECK(*elements != NULL);
	return VecParseSparseText(lit, close, *dim, *elements, maxnnz, nnz, err);
}

static char *
Format(int dim, const VecParseSparseElement *e, int nnz)
{
	char	   *buf = malloc((size_t) nnz * 32 + 16);
	char	   *pt = buf;

	FUZZ_CHECK(buf != NULL);
	*pt++ = '{';
	for (int i = 0; i < nnz; i++)
		pt += sprintf(pt, i > 0 ? ",%d:%.9g" : "%d:%.9g", e[i].index + 1,
					  e[i].value);
	sprintf(pt, "}/%d", dim);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *lit = FuzzCString(data, size);
	VecParseSparseElement *e;
	VecParseSparseElement *e2;
	VecParseError err;
	int			dim;
	int			dim2;
	int			nnz;
	int			nnz2;
	char	   *out;

	if (Parse(lit, &dim, &e, &nnz, &err) != VECPARSE_OK)
	{
		FuzzCheckTextError(lit, &err);
		free(e);
		free(lit);
		return 0;
	}

	FUZZ_CHECK(dim >= 1 && dim <= VECPARSE_SPARSE_MAX_DIM);
	FUZZ_CHECK(nnz >= 0 && nnz <= VECPARSE_SPARSE_MAX_NNZ);
	for (int i = 0; i < nnz; i++)
	{
		FUZZ_CHECK(e[i].index >= 0 && e[i].index < dim);
		FUZZ_CHECK(i == 0 || e[i].index > e[i - 1].index);
		FUZZ_CHECK(isfinite(e[i].value) && e[i].value != 0);
	}

	out = Format(dim, e, nnz);
	FUZZ_CHECK(Parse(out, &dim2, &e2, &nnz2, &err) == VECPARSE_OK);
	FUZZ_CHECK(dim2 == dim && nnz2 == nnz);
	for (int i = 0; i < nnz; i++)
		FUZZ_CHECK(e2[i].index == e[i].index &&
				   FuzzFloatBits(e2[i].value) == FuzzFloatBits(e[i].value));

	free(out);
	free(e2);
	free(e);
	free(lit);
	return 0;
}
