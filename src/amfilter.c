/*-------------------------------------------------------------------------
 *
 * amfilter.c
 *	  Filter columns of our vector access methods (hnsw, ivfflat, ivf):
 *	  their storage with each indexed value, the evaluation of scan keys
 *	  on them, and their operator classes' check.
 *
 * An index may have more than one column: the first is the vector (an
 * ordering operator class), the others are scalar columns with the filter
 * operator classes (integers, floats, numeric, dates and times, text,
 * boolean, uuid and arrays, for each access method in sql/install/),
 * whose operators are search operators with
 * no support functions.  The planner then treats WHERE clauses on those
 * columns as index conditions, and a scan receives them as scan keys whose
 * sk_func is the operator's own function.
 *
 * Each indexed value of such an index carries the row's scalar values (an
 * hnsw element after its vector, hnsw.h; an ivf list item after its value
 * or code, ivf.h): an index tuple formed with the index's descriptor, the
 * vector attribute NULL, so that NULLs, varlena values and alignment are
 * PostgreSQL's usual ones.
 *
 * A scan evaluates the keys on the stored tuple in place, under the
 * page's shared lock it holds anyway, with the key's collation, in a
 * memory context reset after each tuple; a NULL key (a strict operator
 * against NULL) matches nothing, and a NULL stored value fails every key.
 * The access methods do not take = ANY (array) keys (amsearcharray): on a
 * column after the first, PostgreSQL 15 would not keep the index order
 * for them.
 *
 * IDENTIFICATION
 *	  src/amfilter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/itup.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "access/htup_details.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "storage/bufmgr.h"
#include "utils/datum.h"
#include "utils/snapmgr.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "amfilter.h"

/* One scan key, ready to evaluate */
typedef struct AmFilterKey
{
	AttrNumber	attno;			/* index attribute, 2 .. natts */
	FmgrInfo   *func;			/* the operator's function */
	Oid			collation;
	Datum		argument;		/* the comparison value */
} AmFilterKey;

struct AmFilterData
{
	TupleDesc	tupdesc;		/* the index's */
	MemoryContext evalCtx;		/* what operators allocate (detoasting) */
	bool		never;			/* a key can match nothing */
	int			nkeys;
	AmFilterKey keys[FLEXIBLE_ARRAY_MEMBER];
};

/*
 * Whether column attno (1-based) of the index has an ordering operator
 * class, i.e. is a vector column.
 */
static bool
IsVectorColumn(Relation index, AttrNumber attno, int distanceProc)
{
	return OidIsValid(index_getprocid(index, attno, distanceProc));
}

/*
 * Check the columns of a new index: a vector column first, and no other.
 * Called by ambuild and ambuildempty.
 */
void
AmCheckFilterColumns(Relation index, int distanceProc)
{
	int			natts = IndexRelationGetNumberOfKeyAttributes(index);
	char	   *amname = get_am_name(index->rd_rel->relam);

	if (!IsVectorColumn(index, 1, distanceProc))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("first column of %s index \"%s\" must be a vector column",
						amname, RelationGetRelationName(index)),
				 errhint("Put the vector column first, with a vector operator class such as vector_l2_ops, and the filter columns after it.")));

	for (AttrNumber attno = 2; attno <= natts; attno++)
		if (IsVectorColumn(index, attno, distanceProc))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s index \"%s\" can have only one vector column",
							amname, RelationGetRelationName(index)),
					 errhint("Create one index for each vector column.")));
}

/*
 * The keys of one row: an index tuple of its scalar values (palloc'd in
 * the current memory context), the vector attribute NULL; NULL for an
 * index with one column.
 */
IndexTuple
AmFormFilterKeys(Relation index, Datum *values, bool *isnull)
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
AmFilterKeysEqual(IndexTuple a, IndexTuple b)
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
AmFilter
AmFilterBegin(Relation index, ScanKey keys, int nkeys)
{
	AmFilter	filter;

	if (nkeys <= 0)
		return NULL;

	filter = palloc0(offsetof(struct AmFilterData, keys) +
					 sizeof(AmFilterKey) * nkeys);
	filter->tupdesc = RelationGetDescr(index);
	filter->evalCtx = AllocSetContextCreate(CurrentMemoryContext,
											"Filter column evaluation context",
											ALLOCSET_SMALL_SIZES);
	filter->nkeys = nkeys;
	for (int i = 0; i < nkeys; i++)
	{
		ScanKey		sk = &keys[i];
		AmFilterKey *k = &filter->keys[i];

		k->attno = sk->sk_attno;
		k->func = &sk->sk_func;
		k->collation = sk->sk_collation;
		k->argument = sk->sk_argument;

		if (sk->sk_flags & SK_ISNULL)
			filter->never = true;
		else if (sk->sk_flags & SK_SEARCHARRAY)
			elog(ERROR, "unexpected array scan key on index \"%s\"",
				 RelationGetRelationName(index));
	}
	return filter;
}

/*
 * Whether the filter matches no element whatever its keys (a NULL key):
 * the scan then returns nothing.
 */
bool
AmFilterNeverMatches(AmFilter filter)
{
	return filter != NULL && filter->never;
}

/*
 * Whether the stored keys satisfy every scan key.  The caller holds a lock
 * on their page (or has a copy).
 */
bool
AmFilterMatch(AmFilter filter, IndexTuple itup)
{
	MemoryContext oldCtx;
	bool		match = true;

	if (filter == NULL)
		return true;
	if (filter->never || itup == NULL)
		return false;

	/* operators may detoast (arrays with short headers): freed here */
	oldCtx = MemoryContextSwitchTo(filter->evalCtx);
	for (int i = 0; i < filter->nkeys && match; i++)
	{
		AmFilterKey *k = &filter->keys[i];
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

/*
 * Whether an operator class is a filter operator class: its family has
 * operators, none of them an ordering operator (a vector operator class
 * has one; a search operator beside it, as flat's bit classes have, does
 * not make it a filter class).
 */
bool
AmIsFilterOpclass(Oid opclassoid)
{
	HeapTuple	classtup;
	CatCList   *oprlist;
	bool		result;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	oprlist = SearchSysCacheList1(AMOPSTRATEGY,
								  ObjectIdGetDatum(((Form_pg_opclass) GETSTRUCT(classtup))->opcfamily));
	result = oprlist->n_members > 0;
	for (int i = 0; i < oprlist->n_members && result; i++)
		result = ((Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple))->amoppurpose != AMOP_ORDER;
	ReleaseCatCacheList(oprlist);
	ReleaseSysCache(classtup);
	return result;
}

/*
 * amvalidate of a filter operator class: search operators returning
 * boolean only, no support functions.
 */
bool
AmValidateFilterOpclass(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	CatCList   *proclist;
	CatCList   *oprlist;
	char	   *amname;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	amname = get_am_name(classform->opcmethod);

	proclist = SearchSysCacheList1(AMPROCNUM,
								   ObjectIdGetDatum(classform->opcfamily));
	if (proclist->n_members > 0)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s filter operator class \"%s\" has support functions",
						amname, NameStr(classform->opcname))));
		result = false;
	}

	oprlist = SearchSysCacheList1(AMOPSTRATEGY,
								  ObjectIdGetDatum(classform->opcfamily));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amoppurpose != AMOP_SEARCH ||
			get_op_rettype(oprform->amopopr) != BOOLOID)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s filter operator class \"%s\" contains an operator that is not a boolean search operator",
							amname, NameStr(classform->opcname))));
			result = false;
		}
	}

	ReleaseCatCacheList(oprlist);
	ReleaseCatCacheList(proclist);
	ReleaseSysCache(classtup);
	return result;
}

struct AmFilterCheckData
{
	Relation	heap;
	Relation	index;
	BlockNumber heapBlocks;
	IndexInfo  *indexInfo;
	EState	   *estate;
	TupleTableSlot *slot;
};

/*
 * Prepare milvus_index_check's comparison of filter values; NULL for an
 * index with one column.
 */
AmFilterCheck
AmFilterCheckBegin(Relation heap, Relation index)
{
	AmFilterCheck fc;

	if (IndexRelationGetNumberOfKeyAttributes(index) <= 1)
		return NULL;
	fc = palloc0(sizeof(struct AmFilterCheckData));
	fc->heap = heap;
	fc->index = index;
	fc->heapBlocks = RelationGetNumberOfBlocks(heap);
	fc->indexInfo = BuildIndexInfo(index);
	fc->estate = CreateExecutorState();
	fc->slot = table_slot_create(heap, NULL);
	GetPerTupleExprContext(fc->estate)->ecxt_scantuple = fc->slot;
	return fc;
}

/*
 * Compare the stored filter values (keys; NULL: none) of heaptid with its
 * row's: the first index column that differs, or 0.
 */
int
AmFilterCheckRow(AmFilterCheck fc, ItemPointer heaptid, IndexTuple keys)
{
	TupleDesc	tupdesc = RelationGetDescr(fc->index);
	int			natts = IndexRelationGetNumberOfKeyAttributes(fc->index);
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	int			result = 0;

	if (ItemPointerGetBlockNumber(heaptid) >= fc->heapBlocks ||
		!table_tuple_fetch_row_version(fc->heap, heaptid, SnapshotAny,
									   fc->slot))
		return 0;
	FormIndexDatum(fc->indexInfo, fc->slot, fc->estate, values, isnull);

	for (AttrNumber attno = 2; attno <= natts && result == 0; attno++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, attno - 1);
		bool		snull = true;
		Datum		stored = (Datum) 0;

		if (keys != NULL)
			stored = index_getattr(keys, attno, tupdesc, &snull);
		if (snull != isnull[attno - 1] ||
			(!snull && !datum_image_eq(stored, values[attno - 1],
									   att->attbyval, att->attlen)))
			result = attno;
	}
	ResetPerTupleExprContext(fc->estate);
	return result;
}

/*
 * Free what AmFilterCheckBegin set up (NULL is fine).
 */
void
AmFilterCheckEnd(AmFilterCheck fc)
{
	if (fc == NULL)
		return;
	ExecDropSingleTupleTableSlot(fc->slot);
	FreeExecutorState(fc->estate);
	pfree(fc);
}
