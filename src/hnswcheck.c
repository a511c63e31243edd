/*-------------------------------------------------------------------------
 *
 * hnswcheck.c
 *	  milvus_index_check(regclass): verify an hnsw index's structure.
 *
 * The check reads the whole index and reports, one row per problem:
 *
 *	- bad metapage or tuple types, neighbour tuples with the wrong number
 *	  of slots for their element's level;
 *	- dangling neighbour links: a link to a TID that is not an element, or
 *	  at a level above the linked element's own level;
 *	- unreachable elements: live elements that no path of links from the
 *	  entry point reaches (a search could never return them);
 *	- entries whose heap TID does not exist in the table: past its end or
 *	  on an unused line pointer (a dead line pointer still awaiting index
 *	  vacuuming counts as existing).  This reads heap pages directly, so
 *	  the table must use the heap access method.
 *
 * It returns no rows for a sound index.  It holds AccessShareLock on the
 * index and ShareUpdateExclusiveLock on the table, so VACUUM cannot run
 * meanwhile while inserts and queries go on; links added by a concurrent
 * insert can be reported as dangling if the check reads them half-way, so
 * run it on a quiet index for a definite answer.
 *
 * IDENTIFICATION
 *	  src/hnswcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "hnsw.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_index_check);

/* what the check remembers of each element */
typedef struct CheckElement
{
	ItemPointerData tid;		/* hash key: the element tuple */
	ItemPointerData neighbortid;
	int			level;
	bool		deleted;
	bool		reached;
} CheckElement;

typedef struct CheckState
{
	Relation	index;
	Relation	heap;
	int			m;
	HTAB	   *elements;
	Tuplestorestate *out;
	TupleDesc	outdesc;
	int64		problems;
} CheckState;

/*
 * Report one problem.
 */
static void
Report(CheckState *cs, const char *problem, const char *fmt,...)
pg_attribute_printf(3, 4);

static void
Report(CheckState *cs, const char *problem, const char *fmt,...)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};
	char		detail[256];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(detail, sizeof(detail), fmt, args);
	va_end(args);

	values[0] = CStringGetTextDatum(problem);
	values[1] = CStringGetTextDatum(detail);
	tuplestore_putvalues(cs->out, cs->outdesc, values, nulls);
	cs->problems++;
}

/*
 * Pass 1: remember every element tuple; check tuple types.
 */
static void
CollectElements(CheckState *cs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(cs->index);

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		for (OffsetNumber off = FirstOffsetNumber;
			 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
		{
			HnswElementTuple etup = (HnswElementTuple)
			PageGetItem(page, PageGetItemId(page, off));
			ItemPointerData tid;
			CheckElement *e;

			if (etup->type == HNSW_NEIGHBOR_TUPLE_TYPE)
				continue;
			if (etup->type != HNSW_ELEMENT_TUPLE_TYPE)
			{
				Report(cs, "bad tuple type", "(%u,%u) has type %d",
					   blkno, off, etup->type);
				continue;
			}
			ItemPointerSet(&tid, blkno, off);
			e = hash_search(cs->elements, &tid, HASH_ENTER, NULL);
			e->neighbortid = etup->neighbortid;
			e->level = etup->level;
			e->deleted = etup->deleted != 0;
			e->reached = false;
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Read an element's neighbour tuple into slots (palloc'd); returns the
 * number of slots, or -1 after reporting a problem.
 */
static int
ReadNeighbors(CheckState *cs, CheckElement *e, HnswNeighborData **slots)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(&e->neighbortid);
	OffsetNumber off = ItemPointerGetOffsetNumber(&e->neighbortid);
	Buffer		buf;
	Page		page;
	HnswNeighborTuple ntup;
	int			count = -1;

	if (!ItemPointerIsValid(&e->neighbortid) ||
		blkno >= RelationGetNumberOfBlocks(cs->index))
	{
		Report(cs, "missing neighbour tuple", "element (%u,%u)",
			   ItemPointerGetBlockNumber(&e->tid),
			   ItemPointerGetOffsetNumber(&e->tid));
		return -1;
	}

	buf = ReadBuffer(cs->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off > PageGetMaxOffsetNumber(page))
		Report(cs, "missing neighbour tuple", "element (%u,%u)",
			   ItemPointerGetBlockNumber(&e->tid),
			   ItemPointerGetOffsetNumber(&e->tid));
	else
	{
		ntup = (HnswNeighborTuple) PageGetItem(page, PageGetItemId(page, off));
		if (ntup->type != HNSW_NEIGHBOR_TUPLE_TYPE ||
			ntup->count != HNSW_NEIGHBOR_SLOTS(e->level, cs->m))
			Report(cs, "bad neighbour tuple",
				   "element (%u,%u) at level %d: type %d, %d slots",
				   ItemPointerGetBlockNumber(&e->tid),
				   ItemPointerGetOffsetNumber(&e->tid), e->level,
				   ntup->type, ntup->count);
		else
		{
			count = ntup->count;
			*slots = palloc(sizeof(HnswNeighborData) * count);
			memcpy(*slots, ntup->neighbors, sizeof(HnswNeighborData) * count);
		}
	}
	UnlockReleaseBuffer(buf);
	return count;
}

/*
 * Pass 2: every link must name an element whose level reaches the link's.
 */
static void
CheckLinks(CheckState *cs)
{
	HASH_SEQ_STATUS seq;
	CheckElement *e;

	hash_seq_init(&seq, cs->elements);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		HnswNeighborData *slots;

		CHECK_FOR_INTERRUPTS();
		if (ReadNeighbors(cs, e, &slots) < 0)
			continue;
		for (int lc = 0; lc <= e->level; lc++)
		{
			int			first = HnswLevelFirstSlot(lc, cs->m);

			for (int i = 0; i < HnswLevelSlots(lc, cs->m); i++)
			{
				ItemPointer tid = &slots[first + i].tid;
				CheckElement *target;

				if (!ItemPointerIsValid(tid))
					continue;
				target = hash_search(cs->elements, tid, HASH_FIND, NULL);
				if (target == NULL || target->level < lc)
					Report(cs, "dangling neighbour link",
						   "element (%u,%u) links at level %d to (%u,%u)",
						   ItemPointerGetBlockNumber(&e->tid),
						   ItemPointerGetOffsetNumber(&e->tid), lc,
						   ItemPointerGetBlockNumber(tid),
						   ItemPointerGetOffsetNumber(tid));
			}
		}
		pfree(slots);
	}
}

/*
 * Pass 3: walk the links from the entry point; report live elements that
 * were not reached.
 */
static void
CheckReachable(CheckState *cs)
{
	ItemPointerData entry;
	List	   *queue = NIL;
	HASH_SEQ_STATUS seq;
	CheckElement *e;

	HnswGetMetaPageInfo(cs->index, NULL, &entry, NULL, NULL);
	if (ItemPointerIsValid(&entry))
	{
		e = hash_search(cs->elements, &entry, HASH_FIND, NULL);
		if (e == NULL)
			Report(cs, "bad entry point", "(%u,%u) is not an element",
				   ItemPointerGetBlockNumber(&entry),
				   ItemPointerGetOffsetNumber(&entry));
		else
		{
			e->reached = true;
			queue = lappend(queue, e);
		}
	}

	while (queue != NIL)
	{
		HnswNeighborData *slots;
		int			count;

		CHECK_FOR_INTERRUPTS();
		e = linitial(queue);
		queue = list_delete_first(queue);
		count = ReadNeighbors(cs, e, &slots);
		for (int i = 0; i < count; i++)
		{
			CheckElement *target;

			if (!ItemPointerIsValid(&slots[i].tid))
				continue;
			target = hash_search(cs->elements, &slots[i].tid, HASH_FIND, NULL);
			if (target != NULL && !target->reached)
			{
				target->reached = true;
				queue = lappend(queue, target);
			}
		}
		if (count >= 0)
			pfree(slots);
	}

	hash_seq_init(&seq, cs->elements);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (!e->reached && !e->deleted)
			Report(cs, "unreachable element", "(%u,%u) at level %d",
				   ItemPointerGetBlockNumber(&e->tid),
				   ItemPointerGetOffsetNumber(&e->tid), e->level);
	}
}

/*
 * Whether a heap TID names a line pointer in use: a tuple, a HOT redirect,
 * or one marked dead that VACUUM has not yet removed from the indexes (it
 * may skip index vacuuming when few such items exist).  Only a TID past the
 * table's end or on an unused line pointer is missing.
 */
static bool
HeapTidExists(Relation heap, BlockNumber nblocks, ItemPointer tid)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	Buffer		buf;
	Page		page;
	bool		exists;

	if (blkno >= nblocks)
		return false;
	buf = ReadBuffer(heap, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	exists = off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page) &&
		ItemIdIsUsed(PageGetItemId(page, off));
	UnlockReleaseBuffer(buf);
	return exists;
}

/*
 * Pass 4: every heap TID of every element must exist in the table.
 */
static void
CheckHeapTids(CheckState *cs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(cs->index);
	BlockNumber heapblocks = RelationGetNumberOfBlocks(cs->heap);

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;
		List	   *tids = NIL;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		for (OffsetNumber off = FirstOffsetNumber;
			 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
		{
			HnswElementTuple etup = (HnswElementTuple)
			PageGetItem(page, PageGetItemId(page, off));

			if (etup->type != HNSW_ELEMENT_TUPLE_TYPE)
				continue;
			for (int i = 0; i < HNSW_HEAPTIDS; i++)
			{
				if (ItemPointerIsValid(&etup->heaptids[i]))
				{
					ItemPointer copy = palloc(sizeof(ItemPointerData));

					*copy = etup->heaptids[i];
					tids = lappend(tids, copy);
				}
			}
		}
		UnlockReleaseBuffer(buf);

		/* look the TIDs up with no index buffer locked */
		foreach(lc, tids)
		{
			ItemPointer tid = lfirst(lc);

			if (!HeapTidExists(cs->heap, heapblocks, tid))
				Report(cs, "missing heap tuple", "heap TID (%u,%u)",
					   ItemPointerGetBlockNumber(tid),
					   ItemPointerGetOffsetNumber(tid));
		}
		list_free_deep(tids);
	}
}

/*
 * milvus_index_check(regclass): one row (problem, detail) per problem.
 */
Datum
milvus_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CheckState	cs;
	HASHCTL		ctl;
	Oid			heapoid;

	InitMaterializedSRF(fcinfo, 0);

	heapoid = IndexGetRelation(indexoid, true);
	if (!OidIsValid(heapoid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(indexoid))));

	memset(&cs, 0, sizeof(cs));
	cs.heap = table_open(heapoid, ShareUpdateExclusiveLock);
	cs.index = index_open(indexoid, AccessShareLock);
	if (cs.heap->rd_rel->relam != HEAP_TABLE_AM_OID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" does not use the heap access method",
						RelationGetRelationName(cs.heap))));
	if (cs.index->rd_rel->relam != get_index_am_oid("hnsw", false))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an hnsw index",
						RelationGetRelationName(cs.index))));

	cs.out = rsinfo->setResult;
	cs.outdesc = rsinfo->setDesc;
	HnswGetMetaPageInfo(cs.index, &cs.m, NULL, NULL, NULL);

	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(CheckElement);
	ctl.hcxt = CurrentMemoryContext;
	cs.elements = hash_create("hnsw check elements", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	CollectElements(&cs);
	CheckLinks(&cs);
	CheckReachable(&cs);
	CheckHeapTids(&cs);

	index_close(cs.index, AccessShareLock);
	table_close(cs.heap, ShareUpdateExclusiveLock);
	return (Datum) 0;
}
