/*-------------------------------------------------------------------------
 *
 * hnswfilter.c
 *	  Filter columns of the hnsw access method: their storage in element
 *	  tuples and the evaluation of scan keys on them.
 *
 * An hnsw index may have more than one column: the first is the vector
 * (an ordering operator class), the others are scalar columns with the
 * filter operator classes (integer_ops, text_ops, bool_ops, array_ops in
 * sql/install/50_hnsw.sql), whose operators are search operators with no
 * support functions.  The planner then treats WHERE clauses on those
 * columns as index conditions, and a scan receives them as scan keys
 * whose sk_func is the operator's own function.
 *
 * Each element of such an index stores the scalar values of its row after
 * its vector (hnsw.h, HnswElementTupleKeys): an index tuple formed with
 * the index's descriptor, the vector attribute NULL, so that NULLs,
 * varlena values and alignment are PostgreSQL's usual ones.  Rows with
 * the identical vector share an element only when their keys are
 * identical too (HnswKeysEqual).
 *
 * A scan evaluates the keys on the element tuple in place, under the
 * page's shared lock the search holds anyway (hnswsearch.c), with the
 * key's collation; a NULL key (a strict operator against NULL) matches
 * nothing, and a NULL stored value fails every key.  The access method
 * does not take = ANY (array) keys (amsearcharray): on a column after the
 * first, PostgreSQL 15 would not keep the index order for them.
 *
 * IDENTIFICATION
 *	  src/hnswfilter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/itup.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

/* One scan key, ready to evaluate */
typedef struct HnswFilterKey
{
	AttrNumber	attno;			/* index attribute, 2 .. natts */
	FmgrInfo   *func;			/* the operator's function */
	Oid			collation;
	Datum		argument;		/* the comparison value */
} HnswFilterKey;

struct HnswFilterData
{
	TupleDesc	tupdesc;		/* the index's */
	MemoryContext evalCtx;		/* what operators allocate (detoasting) */
	bool		never;			/* a key can match nothing */
	int			nkeys;
	HnswFilterKey keys[FLEXIBLE_ARRAY_MEMBER];
};

/*
 * Whether column attno (1-based) of the index has an ordering operator
 * class, i.e. is a vector column.
 */
static bool
IsVectorColumn(Relation index, AttrNumber attno)
{
	return OidIsValid(index_getprocid(index, attno, HNSW_DISTANCE_PROC));
}

/*
 * Check the columns of a new index: a vector column first, and no other.
 * Called by ambuild and ambuildempty.
 */
void
HnswCheckColumns(Relation index)
{
	int			natts = IndexRelationGetNumberOfKeyAttributes(index);

	if (!IsVectorColumn(index, 1))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("first column of hnsw index \"%s\" must be a vector column",
						RelationGetRelationName(index)),
				 errhint("Put the vector column first, with a vector operator class such as vector_l2_ops, and the filter columns after it.")));

	for (AttrNumber attno = 2; attno <= natts; attno++)
		if (IsVectorColumn(index, attno))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hnsw index \"%s\" can have only one vector column",
							RelationGetRelationName(index)),
					 errhint("Create one index for each vector column.")));
}

/*
 * The keys of one row: an index tuple of its scalar values (palloc'd in
 * the current memory context), the vector attribute NULL; NULL for an
 * index with one column.
 */
IndexTuple
HnswFormKeys(Relation index, Datum *values, bool *isnull)
{
	int			natts = IndexRelationGetNumberOfKeyAttributes(index);
	bool		nulls[INDEX_MAX_KEYS];
	IndexTuple	itup;

	if (natts <= 1)
		return NULL;

	memcpy(nulls, isnull, sizeof(bool) * natts);
	nulls[0] = true;
	itup = index_form_tuple(RelationGetDescr(index), values, nulls);
	ItemPointerSetInvalid(&itup->t_tid);
	return itup;
}

/*
 * Whether two elements' keys are identical (bytes; both NULL for a
 * one-column index).
 */
bool
HnswKeysEqual(IndexTuple a, IndexTuple b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return IndexTupleSize(a) == IndexTupleSize(b) &&
		memcmp(a, b, IndexTupleSize(a)) == 0;
}

/*
 * Prepare the scan keys of a scan (the non-ORDER-BY ones) for evaluation;
 * NULL when there are none.  Allocates in the current memory context; the scan
 * keys must outlive the filter.
 */
HnswFilter
HnswFilterBegin(Relation index, ScanKey keys, int nkeys)
{
	HnswFilter	filter;

	if (nkeys <= 0)
		return NULL;

	filter = palloc0(offsetof(struct HnswFilterData, keys) +
					 sizeof(HnswFilterKey) * nkeys);
	filter->tupdesc = RelationGetDescr(index);
	filter->evalCtx = AllocSetContextCreate(CurrentMemoryContext,
											"Hnsw filter context",
											ALLOCSET_SMALL_SIZES);
	filter->nkeys = nkeys;
	for (int i = 0; i < nkeys; i++)
	{
		ScanKey		sk = &keys[i];
		HnswFilterKey *k = &filter->keys[i];

		k->attno = sk->sk_attno;
		k->func = &sk->sk_func;
		k->collation = sk->sk_collation;
		k->argument = sk->sk_argument;

		if (sk->sk_flags & SK_ISNULL)
			filter->never = true;
		else if (sk->sk_flags & SK_SEARCHARRAY)
			elog(ERROR, "unexpected array scan key on hnsw index \"%s\"",
				 RelationGetRelationName(index));
	}
	return filter;
}

/*
 * Whether the filter matches no element whatever its keys (a NULL key):
 * the scan then returns nothing.
 */
bool
HnswFilterNeverMatches(HnswFilter filter)
{
	return filter != NULL && filter->never;
}

/*
 * Whether the element's stored keys satisfy every scan key.  The caller
 * holds a lock on the element's page (or has a copy of the tuple).
 */
bool
HnswFilterMatch(HnswFilter filter, HnswElementTuple etup)
{
	IndexTuple	itup;
	MemoryContext oldCtx;
	bool		match = true;

	if (filter == NULL)
		return true;
	if (filter->never)
		return false;
	itup = HnswElementTupleKeys(etup);
	if (itup == NULL)
		return false;

	/* operators may detoast (arrays with short headers): freed here */
	oldCtx = MemoryContextSwitchTo(filter->evalCtx);
	for (int i = 0; i < filter->nkeys && match; i++)
	{
		HnswFilterKey *k = &filter->keys[i];
		bool		isnull;
		Datum		value = index_getattr(itup, k->attno, filter->tupdesc,
										  &isnull);

		match = !isnull &&
			DatumGetBool(FunctionCall2Coll(k->func, k->collation, value,
										   k->argument));
	}
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(filter->evalCtx);
	return match;
}
