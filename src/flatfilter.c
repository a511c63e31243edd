/*-------------------------------------------------------------------------
 *
 * flatfilter.c
 *	  Search keys of the flat access method: bit containment and the
 *	  Tanimoto threshold, and which search operators amvalidate allows.
 *
 * Besides its ordering operator, a bit operator class of flat has three
 * boolean operators that a scan tests against every stored value:
 *
 *	strategy 2	indexed @> query	every bit of the query is set
 *	strategy 3	indexed <@ query	every bit of the value is in the query
 *	strategy 4	indexed %  query	Tanimoto similarity >= threshold
 *
 * These are the substructure and superstructure screens of chemical
 * pattern fingerprints and the Tanimoto range search.  They are exact
 * (the same kernels and the same comparison as the operators of
 * bitvec.c), so the executor never rechecks.  A scan with keys and no
 * ORDER BY reads every data page once and returns the matching heap TIDs
 * (flatgetbitmap or flatgettuple in flatscan.c); a scan with both keeps
 * only matching entries in its distance passes.
 *
 * IDENTIFICATION
 *	  src/flatfilter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_type.h"
#include "utils/varbit.h"

#include "bitvec.h"
#include "distance.h"
#include "flat.h"

/*
 * Prepare the scan's search keys, in the caller's (the scan's) memory
 * context: detoast each query, check its length against the index's.
 * Returns NULL when the scan has no keys.
 */
FlatFilter *
FlatPrepareFilter(IndexScanDesc scan, const FlatMetaPageData *meta)
{
	FlatFilter *filter;

	if (scan->numberOfKeys <= 0)
		return NULL;

	filter = palloc0(sizeof(FlatFilter));
	filter->keys = palloc0(sizeof(FlatFilterKey) * scan->numberOfKeys);
	filter->nbytes = meta->elemSize;
	filter->threshold = milvus_tanimoto_threshold;

	for (int i = 0; i < scan->numberOfKeys; i++)
	{
		ScanKey		key = &scan->keyData[i];
		FlatFilterKey *fk = &filter->keys[filter->nkeys++];
		VarBit	   *q;

		if (meta->metric != FLAT_BIT_HAMMING && meta->metric != FLAT_BIT_JACCARD)
			elog(ERROR, "unexpected search key on flat index \"%s\"",
				 RelationGetRelationName(scan->indexRelation));
		if (key->sk_strategy < FLAT_CONTAINS_STRATEGY ||
			key->sk_strategy > FLAT_TANIMOTO_STRATEGY)
			elog(ERROR, "unexpected strategy number %d", key->sk_strategy);

		/* the operators are strict: a NULL query matches nothing */
		if (key->sk_flags & SK_ISNULL)
		{
			filter->empty = true;
			continue;
		}
		q = DatumGetVarBitP(key->sk_argument);
		if (VARBITLEN(q) != meta->dimensions)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("different bit lengths %u and %u",
							meta->dimensions, VARBITLEN(q))));
		fk->strategy = key->sk_strategy;
		fk->data = VARBITS(q);
	}
	return filter;
}

/*
 * Test n stored values (elemSize bytes apart) against every key; set
 * match[i] for those that pass them all.
 */
void
FlatFilterValues(const FlatFilter *filter, const char *values, int elemSize,
				 int n, bool *match)
{
	for (int i = 0; i < n; i++)
		match[i] = !filter->empty;

	for (int k = 0; k < filter->nkeys && !filter->empty; k++)
	{
		const FlatFilterKey *fk = &filter->keys[k];

		for (int i = 0; i < n; i++)
		{
			const uint8 *v = (const uint8 *) values + (Size) i * elemSize;
			uint64_t	ab;
			uint64_t	aa;
			uint64_t	bb;

			if (!match[i])
				continue;
			switch (fk->strategy)
			{
				case FLAT_CONTAINS_STRATEGY:
					match[i] = DistanceBitContains(v, fk->data, filter->nbytes) != 0;
					break;
				case FLAT_CONTAINED_STRATEGY:
					match[i] = DistanceBitContains(fk->data, v, filter->nbytes) != 0;
					break;
				default:
					DistanceBitJaccardParts(v, fk->data, filter->nbytes,
											&ab, &aa, &bb);
					match[i] = BitTanimotoFromParts(ab, aa, bb) >=
						filter->threshold;
					break;
			}
		}
	}
}

/*
 * flat's search operators, for ValidateOrderingOpclass (which checks the
 * ordering operator and the support functions): strategies 2..4 as
 * boolean search operators, on bit only.
 */
bool
FlatSearchOperatorAllowed(Form_pg_amop oprform)
{
	return oprform->amopstrategy >= FLAT_CONTAINS_STRATEGY &&
		oprform->amopstrategy <= FLAT_TANIMOTO_STRATEGY &&
		oprform->amoplefttype == BITOID && oprform->amoprighttype == BITOID;
}
