/*-------------------------------------------------------------------------
 *
 * bitvec.c
 *	  Binary vector metrics on PostgreSQL's bit type.
 *
 * Binary vectors use PostgreSQL's own bit(n) / bit varying, as pgvector
 * does, so no new type is needed.  This file adds the metrics:
 *
 *	hamming_distance(a, b)	 popcount(a XOR b)						 <~>
 *	jaccard_distance(a, b)	 1 - |a AND b| / |a OR b|				 <%>
 *	tanimoto_distance(a, b)	 -log2(|a AND b| / |a OR b|)
 *	tanimoto_similarity(a, b) |a AND b| / |a OR b|
 *	bit_tanimoto_match(a, b) tanimoto_similarity(a, b) >= threshold	 %
 *	bit_contains(a, b)		 every bit of b is set in a			 @>
 *	bit_contained_by(a, b)	 every bit of a is set in b			 <@
 *
 * Tanimoto: Milvus defines the Tanimoto distance of binary vectors as
 * -log2(T), where T = |A AND B| / (|A| + |B| - |A AND B|) is the Tanimoto
 * coefficient, which for bit vectors equals the Jaccard similarity.  So
 * tanimoto_distance = -log2(1 - jaccard_distance): it ranges over
 * [0, Infinity] and orders neighbours exactly as jaccard_distance does.
 *
 * The threshold of % is the setting milvus.tanimoto_threshold (default
 * 0.5), as the RDKit cartridge's % has rdkit.tanimoto_threshold: a
 * Tanimoto range search is WHERE fp % query, which the flat access method
 * answers from its index (see flat.h), and tanimoto_similarity gives
 * exactly the value RDKit's TanimotoSimilarity computes (the same counts,
 * the same division in double precision).
 *
 * The containment tests are Milvus's substructure and superstructure
 * filters: a chemical fingerprint b is a substructure of a when
 * bit_contains(a, b).
 *
 * Both operands must have the same length.  The counting is done by the
 * kernels in distance_bit.c, over whole bytes: a bit string's unused
 * trailing bits are always zero.
 *
 * IDENTIFICATION
 *	  src/bitvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"
#include "utils/guc.h"
#include "utils/varbit.h"

#include "bitvec.h"
#include "distance.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(hamming_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(jaccard_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(tanimoto_distance);
PGDLLEXPORT PG_FUNCTION_INFO_V1(tanimoto_similarity);
PGDLLEXPORT PG_FUNCTION_INFO_V1(bit_tanimoto_match);
PGDLLEXPORT PG_FUNCTION_INFO_V1(bit_contains);
PGDLLEXPORT PG_FUNCTION_INFO_V1(bit_contained_by);

double		milvus_tanimoto_threshold = BIT_DEFAULT_TANIMOTO_THRESHOLD;

/*
 * Register milvus.tanimoto_threshold; called from _PG_init.
 */
void
BitvecInit(void)
{
	DefineCustomRealVariable("milvus.tanimoto_threshold",
							 "Sets the Tanimoto similarity at or above which bit % bit is true",
							 "Valid range is 0.0 .. 1.0.",
							 &milvus_tanimoto_threshold,
							 BIT_DEFAULT_TANIMOTO_THRESHOLD, 0.0, 1.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

/*
 * Operands of a binary-vector metric must have the same length.
 */
static inline void
CheckBitLengths(VarBit *a, VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %u and %u",
						VARBITLEN(a), VARBITLEN(b))));
}

/*
 * The Jaccard (= Tanimoto) similarity |a AND b| / |a OR b| from the
 * kernel's counts; 0 when neither has a bit set, as pgvector treats it.
 */
static double
JaccardSimilarity(VarBit *a, VarBit *b)
{
	uint64_t	ab;
	uint64_t	aa;
	uint64_t	bb;

	CheckBitLengths(a, b);
	DistanceBitJaccardParts(VARBITS(a), VARBITS(b), VARBITBYTES(a),
							&ab, &aa, &bb);
	return BitTanimotoFromParts(ab, aa, bb);
}

/*
 * hamming_distance: number of positions where the bits differ
 */
Datum
hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	CheckBitLengths(a, b);
	PG_RETURN_FLOAT8((double) DistanceBitHamming(VARBITS(a), VARBITS(b),
												 VARBITBYTES(a)));
}

/*
 * jaccard_distance: 1 - |a AND b| / |a OR b|
 */
Datum
jaccard_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(1.0 - JaccardSimilarity(PG_GETARG_VARBIT_P(0),
											 PG_GETARG_VARBIT_P(1)));
}

/*
 * tanimoto_distance: -log2 of the Tanimoto coefficient, Milvus's definition
 */
Datum
tanimoto_distance(PG_FUNCTION_ARGS)
{
	double		similarity = JaccardSimilarity(PG_GETARG_VARBIT_P(0),
											   PG_GETARG_VARBIT_P(1));

	if (similarity <= 0.0)
		PG_RETURN_FLOAT8(get_float8_infinity());

	/* -log2(1) would print as -0: identical fingerprints are at 0 */
	if (similarity >= 1.0)
		PG_RETURN_FLOAT8(0.0);

	PG_RETURN_FLOAT8(-log2(similarity));
}

/*
 * tanimoto_similarity: |a AND b| / |a OR b|, RDKit's TanimotoSimilarity
 */
Datum
tanimoto_similarity(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(JaccardSimilarity(PG_GETARG_VARBIT_P(0),
									   PG_GETARG_VARBIT_P(1)));
}

/*
 * bit_tanimoto_match(a, b): the Tanimoto similarity is at least
 * milvus.tanimoto_threshold (the % operator)
 */
Datum
bit_tanimoto_match(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(JaccardSimilarity(PG_GETARG_VARBIT_P(0),
									 PG_GETARG_VARBIT_P(1)) >=
				   milvus_tanimoto_threshold);
}

/*
 * bit_contains(a, b): every bit set in b is set in a (b is a substructure)
 */
Datum
bit_contains(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	CheckBitLengths(a, b);
	PG_RETURN_BOOL(DistanceBitContains(VARBITS(a), VARBITS(b),
									   VARBITBYTES(a)) != 0);
}

/*
 * bit_contained_by(a, b): every bit set in a is set in b (b is a
 * superstructure)
 */
Datum
bit_contained_by(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	CheckBitLengths(a, b);
	PG_RETURN_BOOL(DistanceBitContains(VARBITS(b), VARBITS(a),
									   VARBITBYTES(a)) != 0);
}
