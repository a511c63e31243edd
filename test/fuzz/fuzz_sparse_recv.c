/*-------------------------------------------------------------------------
 *
 * fuzz_sparse_recv.c
 *	  libFuzzer harness: the binary receive function of sparsevec.
 *
 * The first byte chooses the column's typmod (see FuzzTypmod); the rest
 * is the message.  Checks: an accepted value matches the typmod, keeps
 * sparsevec.h's invariants (indices in range, strictly increasing; values
 * finite and non-zero), consumed no more than the message, and encodes
 * back to exactly the bytes it consumed.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_sparse_recv.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_common.h"

static int32_t indices[VECPARSE_SPARSE_MAX_NNZ];
static float values[VECPARSE_SPARSE_MAX_NNZ];
static unsigned char out[12 + VECPARSE_SPARSE_MAX_NNZ * 8];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t		typmod = FuzzTypmod(&data, &size);
	const char *msg = (const char *) data;
	VecParseSparseHeader hdr;
	VecParseError err;
	size_t		hdrlen;
	size_t		bodylen;

	if (VecParseSparseBinaryHeader(msg, size, typmod, &hdr, &hdrlen,
								   &err) != VECPARSE_OK)
		return 0;
	FUZZ_CHECK(hdrlen == 12 && hdrlen <= size);
	FUZZ_CHECK(hdr.dim >= 1 && hdr.dim <= VECPARSE_SPARSE_MAX_DIM);
	FUZZ_CHECK(hdr.nnz >= 0 && hdr.nnz <= VECPARSE_SPARSE_MAX_NNZ);
	FUZZ_CHECK(typmod == -1 || typmod == hdr.dim);

	if (VecParseSparseBinaryElements(msg + hdrlen, size - hdrlen, &hdr,
									 indices, values, &bodylen,
									 &err) != VECPARSE_OK)
	{
		if (err.status == VECPARSE_TRUNCATED)
			FUZZ_CHECK(size - hdrlen < (size_t) hdr.nnz * 8);
		return 0;
	}
	FUZZ_CHECK(bodylen == (size_t) hdr.nnz * 8);
	FUZZ_CHECK(hdrlen + bodylen <= size);

	FuzzPut32(out, (uint32_t) hdr.dim);
	FuzzPut32(out + 4, (uint32_t) hdr.nnz);
	FuzzPut32(out + 8, 0);
	for (int i = 0; i < hdr.nnz; i++)
	{
		FUZZ_CHECK(indices[i] >= 0 && indices[i] < hdr.dim);
		FUZZ_CHECK(i == 0 || indices[i] > indices[i - 1]);
		FUZZ_CHECK(isfinite(values[i]) && values[i] != 0);
		FuzzPut32(out + 12 + i * 4, (uint32_t) indices[i]);
		FuzzPut32(out + 12 + hdr.nnz * 4 + i * 4, FuzzFloatBits(values[i]));
	}
	FUZZ_CHECK(memcmp(out, msg, hdrlen + bodylen) == 0);
	return 0;
}
