/*-------------------------------------------------------------------------
 *
 * ivfcheck.c
 *	  IvfCheckIndex: milvus_index_check for ivfflat and ivf indexes.
 *
 * Checks, reporting each problem found: every page carries the ivf page
 * id; every list's chain stays inside the index, has no cycle, holds only
 * list pages and passes through the insert page its centroid records; no
 * list page
 * belongs to two lists or to none (pages an interrupted extension left
 * uninitialised are fine); every tuple has the size its quantizer gives
 * and names a heap TID that exists; a stored exact value sits in the list
 * of its nearest centroid (ties within rounding allowed); stored filter
 * column values (amfilter.c) are those of the heap row.
 *
 * IDENTIFICATION
 *	  src/ivfcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amfilter.h"
#include "indexcheck.h"
#include "ivf.h"

typedef struct IvfCheckState
{
	Relation	heap;
	Relation	index;
	IvfInfo    *info;
	IndexCheckOutput *out;
	BlockNumber nblocks;
	BlockNumber heapBlocks;
	int		   *owner;			/* list owning each block, -1 for none */
	float	   *x;
	AmFilterCheck filterCheck;	/* filter columns, or NULL */
	List	   *keys;			/* (heap TID, keys) of the page being read */
} IvfCheckState;

/* a list tuple's heap TID and filter values, copied out */
typedef struct IvfCheckKeys
{
	ItemPointerData heaptid;
	IndexTuple	keys;
} IvfCheckKeys;

/*
 * Check one list tuple.
 */
static void
CheckTuple(IvfCheckState *cs, int list, BlockNumber blkno, OffsetNumber off,
		   IvfListTuple tup, Size size)
{
	IvfInfo    *info = cs->info;
	Size		expected;
	IndexTuple	keys = IvfListTupleKeys(info, tup);

	if (info->quantizer == IVF_QUANTIZER_FLAT)
		expected = MAXALIGN(IVF_LIST_TUPLE_HEADER + VARSIZE_ANY(tup->data));
	else
		expected = MAXALIGN(IVF_LIST_TUPLE_HEADER + info->codeSize);
	if (keys != NULL)
		expected += MAXALIGN(IndexTupleSize(keys));
	if (size != expected)
	{
		IndexCheckReport(cs->out, "bad tuple size", "(%u,%u) has %zu bytes, expected %zu",
						 blkno, off, size, expected);
		return;
	}
	IndexCheckHeapTid(cs->out, cs->heap, &cs->heapBlocks, &tup->heaptid,
					  "in list %d", list);
	if (cs->filterCheck != NULL)
	{
		IvfCheckKeys *ck = palloc(sizeof(IvfCheckKeys));

		ck->heaptid = tup->heaptid;
		ck->keys = NULL;
		if (keys != NULL)
		{
			ck->keys = palloc(IndexTupleSize(keys));
			memcpy(ck->keys, keys, IndexTupleSize(keys));
		}
		cs->keys = lappend(cs->keys, ck);
	}
	if (info->quantizer == IVF_QUANTIZER_FLAT)
	{
		float		own;
		float		best;

		if (!IvfValueToFloats(info->type, info->metric,
							  PointerGetDatum(tup->data), info->dimensions,
							  cs->x))
		{
			IndexCheckReport(cs->out, "zero vector indexed",
							 "(%u,%u) in list %d", blkno, off, list);
			return;
		}
		own = IvfCentroidDistance(info, cs->x, list);
		best = IvfCentroidDistance(info, cs->x, IvfNearestList(info, cs->x));
		if (own > best + 1e-4f * (fabsf(best) + 1))
			IndexCheckReport(cs->out, "tuple in wrong list",
							 "(%u,%u) is in list %d, nearest is list %d",
							 blkno, off, list, IvfNearestList(info, cs->x));
	}
}

/*
 * Compare the filter values copied out of the last page with the heap
 * rows', with no index buffer locked, and forget them.
 */
static void
CheckKeyValues(IvfCheckState *cs)
{
	ListCell   *lc;

	foreach(lc, cs->keys)
	{
		IvfCheckKeys *ck = lfirst(lc);
		int			attno = AmFilterCheckRow(cs->filterCheck, &ck->heaptid,
											 ck->keys);

		if (attno > 0)
			IndexCheckReport(cs->out, "wrong filter column value",
							 "heap TID (%u,%u), index column %d",
							 ItemPointerGetBlockNumber(&ck->heaptid),
							 ItemPointerGetOffsetNumber(&ck->heaptid), attno);
		if (ck->keys != NULL)
			pfree(ck->keys);
	}
	list_free_deep(cs->keys);
	cs->keys = NIL;
}

/*
 * Walk one list's chain.
 */
static void
CheckList(IvfCheckState *cs, int list)
{
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		buf;
	Page		page;
	BlockNumber head;
	BlockNumber insertPage;
	bool		insertPageSeen = false;

	IvfCentroidLocation(cs->info, list, &blkno, &offno);
	buf = ReadBuffer(cs->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	head = ((IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno)))->head;
	insertPage = ((IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno)))->insertPage;
	UnlockReleaseBuffer(buf);

	for (blkno = head; blkno != InvalidBlockNumber;)
	{
		OffsetNumber maxoff;
		BlockNumber next;

		CHECK_FOR_INTERRUPTS();
		if (blkno >= cs->nblocks || blkno == IVF_METAPAGE_BLKNO)
		{
			IndexCheckReport(cs->out, "bad list link", "list %d links to block %u",
							 list, blkno);
			return;
		}
		if (cs->owner[blkno] >= 0)
		{
			IndexCheckReport(cs->out, "shared list page",
							 "block %u is in list %d and list %d",
							 blkno, cs->owner[blkno], list);
			return;
		}
		cs->owner[blkno] = list;
		if (blkno == insertPage)
			insertPageSeen = true;
		buf = ReadBuffer(cs->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (PageIsNew(page) || IvfPageGetOpaque(page)->pagetype != IVF_PAGE_LIST)
		{
			IndexCheckReport(cs->out, "bad list page", "block %u of list %d",
							 blkno, list);
			UnlockReleaseBuffer(buf);
			return;
		}
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			ItemId		iid = PageGetItemId(page, off);

			CheckTuple(cs, list, blkno, off, (IvfListTuple) PageGetItem(page, iid),
					   ItemIdGetLength(iid));
		}
		next = IvfPageGetOpaque(page)->nextblkno;
		UnlockReleaseBuffer(buf);
		CheckKeyValues(cs);
		blkno = next;
	}
	if (!insertPageSeen && !(head == InvalidBlockNumber &&
							 insertPage == InvalidBlockNumber))
		IndexCheckReport(cs->out, "bad insert page",
						 "insert page %u of list %d is not in its chain",
						 insertPage, list);
}

/*
 * Every initialised page has the ivf page id; list pages belong to a list.
 */
static void
CheckPages(IvfCheckState *cs)
{
	for (BlockNumber blkno = 0; blkno < cs->nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (!PageIsNew(page))
		{
			IvfPageOpaque opaque = IvfPageGetOpaque(page);

			if (opaque->page_id != IVF_PAGE_ID)
				IndexCheckReport(cs->out, "bad page id", "block %u", blkno);
			else if (opaque->pagetype == IVF_PAGE_LIST && cs->owner[blkno] < 0)
				IndexCheckReport(cs->out, "orphan list page", "block %u",
								 blkno);
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * The check (see the file header).
 */
void
IvfCheckIndex(Relation heap, Relation index, IndexCheckOutput *out)
{
	IvfCheckState cs;

	cs.heap = heap;
	cs.index = index;
	cs.out = out;
	cs.info = IvfGetInfo(index);
	cs.nblocks = RelationGetNumberOfBlocks(index);
	cs.heapBlocks = RelationGetNumberOfBlocks(heap);
	cs.owner = palloc(sizeof(int) * cs.nblocks);
	for (BlockNumber i = 0; i < cs.nblocks; i++)
		cs.owner[i] = -1;
	cs.x = palloc(sizeof(float) * cs.info->dimensions);
	cs.filterCheck = AmFilterCheckBegin(heap, index);
	cs.keys = NIL;

	for (int list = 0; list < cs.info->lists; list++)
		CheckList(&cs, list);
	CheckPages(&cs);
	AmFilterCheckEnd(cs.filterCheck);
}
