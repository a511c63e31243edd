/*-------------------------------------------------------------------------
 *
 * ivfinsert.c
 *	  aminsert of the ivf access methods: append to the nearest list.
 *
 * The new tuple goes to the list whose centroid is nearest, on the first
 * page with room from the list's insert page on (VACUUM moves the insert
 * page back to reuse freed space), else on a new page at the end of the
 * chain, under generic WAL.  For cosine, zero vectors are not indexed.  See ivf.h for the lock order: list
 * pages before centroid pages.
 *
 * IDENTIFICATION
 *	  src/ivfinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "amfilter.h"
#include "ivf.h"
#include "stat.h"

/*
 * Read a list's insert page under a share lock on its centroid page.
 */
static BlockNumber
ReadInsertPage(Relation index, IvfInfo *info, int list)
{
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		buf;
	Page		page;
	BlockNumber insertPage;

	IvfCentroidLocation(info, list, &blkno, &offno);
	buf = ReadBuffer(index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	insertPage = ((IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno)))->insertPage;
	UnlockReleaseBuffer(buf);
	return insertPage;
}

/*
 * Start a list that has no page yet: under the centroid page's exclusive
 * lock, unless another inserter started it meanwhile.  Returns whether the
 * tuple was added.
 */
static bool
StartList(Relation index, IvfInfo *info, int list, IvfListTuple tup,
		  Size size)
{
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		cbuf;
	Buffer		newbuf;
	GenericXLogState *xlog;
	Page		cpage;
	Page		newpage;
	IvfCentroidTuple ctup;

	IvfCentroidLocation(info, list, &blkno, &offno);
	cbuf = ReadBuffer(index, blkno);
	LockBuffer(cbuf, BUFFER_LOCK_EXCLUSIVE);
	ctup = (IvfCentroidTuple) PageGetItem(BufferGetPage(cbuf),
										  PageGetItemId(BufferGetPage(cbuf), offno));
	if (ctup->head != InvalidBlockNumber)
	{
		UnlockReleaseBuffer(cbuf);
		return false;
	}

	newbuf = ExtendIndex(index, MAIN_FORKNUM);
	LockBuffer(newbuf, BUFFER_LOCK_EXCLUSIVE);
	xlog = GenericXLogStart(index);
	cpage = GenericXLogRegisterBuffer(xlog, cbuf, 0);
	newpage = GenericXLogRegisterBuffer(xlog, newbuf, GENERIC_XLOG_FULL_IMAGE);
	IvfInitPage(newpage, IVF_PAGE_LIST);
	if (PageAddItem(newpage, (Item) tup, size, InvalidOffsetNumber, false,
					false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add list tuple to ivf index \"%s\"",
			 RelationGetRelationName(index));
	ctup = (IvfCentroidTuple) PageGetItem(cpage, PageGetItemId(cpage, offno));
	ctup->head = ctup->insertPage = BufferGetBlockNumber(newbuf);
	GenericXLogFinish(xlog);
	UnlockReleaseBuffer(newbuf);
	UnlockReleaseBuffer(cbuf);
	return true;
}

/*
 * Add a page after the full last page buf (exclusively locked by the
 * caller, who releases it): the new page with the tuple, the link, and the
 * centroid's new insert page, in one WAL record.  The insert page is left
 * alone when VACUUM moved it below "started", the insert page this insert
 * started from (pages of a list are in block number order, see ivf.h).
 */
static void
ExtendList(Relation index, IvfInfo *info, int list, Buffer buf,
		   IvfListTuple tup, Size size, BlockNumber started)
{
	IvfCentroidTuple ctup;
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		newbuf = ExtendIndex(index, MAIN_FORKNUM);
	Buffer		cbuf;
	GenericXLogState *xlog;
	Page		page;
	Page		newpage;
	Page		cpage;

	LockBuffer(newbuf, BUFFER_LOCK_EXCLUSIVE);
	IvfCentroidLocation(info, list, &blkno, &offno);
	cbuf = ReadBuffer(index, blkno);
	LockBuffer(cbuf, BUFFER_LOCK_EXCLUSIVE);

	xlog = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(xlog, buf, 0);
	newpage = GenericXLogRegisterBuffer(xlog, newbuf, GENERIC_XLOG_FULL_IMAGE);
	cpage = GenericXLogRegisterBuffer(xlog, cbuf, 0);
	IvfInitPage(newpage, IVF_PAGE_LIST);
	if (PageAddItem(newpage, (Item) tup, size, InvalidOffsetNumber, false,
					false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add list tuple to ivf index \"%s\"",
			 RelationGetRelationName(index));
	IvfPageGetOpaque(page)->nextblkno = BufferGetBlockNumber(newbuf);
	ctup = (IvfCentroidTuple) PageGetItem(cpage, PageGetItemId(cpage, offno));
	if (ctup->insertPage >= started)
		ctup->insertPage = BufferGetBlockNumber(newbuf);
	GenericXLogFinish(xlog);
	UnlockReleaseBuffer(cbuf);
	UnlockReleaseBuffer(newbuf);
}

/*
 * Append a tuple to a list.
 */
static void
AppendToList(Relation index, IvfInfo *info, int list, IvfListTuple tup,
			 Size size)
{
	BlockNumber blkno = ReadInsertPage(index, info, list);
	BlockNumber started;

	if (blkno == InvalidBlockNumber)
	{
		if (StartList(index, info, list, tup, size))
			return;
		blkno = ReadInsertPage(index, info, list);
	}
	started = blkno;

	for (;;)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		GenericXLogState *xlog;
		Page		page;
		BlockNumber next;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (PageGetFreeSpace(BufferGetPage(buf)) >= size)
		{
			xlog = GenericXLogStart(index);
			page = GenericXLogRegisterBuffer(xlog, buf, 0);
			if (PageAddItem(page, (Item) tup, size, InvalidOffsetNumber,
							false, false) == InvalidOffsetNumber)
				elog(ERROR, "failed to add list tuple to ivf index \"%s\"",
					 RelationGetRelationName(index));
			GenericXLogFinish(xlog);
			UnlockReleaseBuffer(buf);
			return;
		}
		next = IvfPageGetOpaque(BufferGetPage(buf))->nextblkno;
		if (next == InvalidBlockNumber)
		{
			ExtendList(index, info, list, buf, tup, size, started);
			UnlockReleaseBuffer(buf);
			return;
		}
		UnlockReleaseBuffer(buf);
		blkno = next;
	}
}

/*
 * aminsert: add one row to the nearest list.
 */
bool
ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		  Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		  IndexInfo *indexInfo)
{
	MemoryContext tmpCtx;
	MemoryContext oldCtx;
	IvfInfo    *info;
	Datum		value;
	float	   *x;
	int			list;
	Size		size;
	IvfListTuple tup;
	IndexTuple	keys;

	if (isnull[0])
		return false;

	info = IvfGetInfo(index);
	tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
								   "Ivf insert temporary context",
								   ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(tmpCtx);

	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	x = palloc(sizeof(float) * info->dimensions);
	if (!IvfValueToFloats(info->type, info->metric, value, info->dimensions,
						  x))
	{
		/* a zero vector under cosine is not indexed */
		MemoryContextSwitchTo(oldCtx);
		MemoryContextDelete(tmpCtx);
		return false;
	}
	list = IvfNearestList(info, x);
	keys = AmFormFilterKeys(index, values, isnull);
	size = IvfListTupleSize(info, value, keys);
	IvfCheckListTupleSize(index, size);
	tup = palloc0(size);
	IvfFormListTuple(info, tup, value, keys, x, list, heap_tid);
	AppendToList(index, info, list, tup, size);
	MilvusStatCountInsert(index);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
	return false;
}
