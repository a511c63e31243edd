/*-------------------------------------------------------------------------
 *
 * flatinsert.c
 *	  aminsert of the flat access method: append one value to a page.
 *
 * The value goes to the first page with a free slot among: the metapage's
 * insert page, the pages the free space map offers (VACUUM records pages
 * it made room on), and a new page at the end, which then becomes the
 * insert page.  Each page change is one generic WAL record.  Lock order as
 * in flat.h: one buffer content lock at a time.
 *
 * IDENTIFICATION
 *	  src/flatinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "flat.h"
#include "stat.h"

/*
 * Add the value to block blkno if it has a free slot; true when added.
 */
static bool
TryAddToPage(Relation index, BlockNumber blkno, const FlatLayout *layout,
			 const void *data, ItemPointer heaptid)
{
	Buffer		buf = ReadBuffer(index, blkno);
	GenericXLogState *state;
	Page		page;
	bool		added = false;
	bool		isnew;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);

	/* a page extended by an insert that crashed: initialise it */
	isnew = PageIsNew(BufferGetPage(buf));
	page = GenericXLogRegisterBuffer(state, buf,
									 isnew ? GENERIC_XLOG_FULL_IMAGE : 0);
	if (isnew)
		FlatInitPage(page, layout);
	if (FlatPageGetOpaque(page)->page_id == FLAT_PAGE_ID &&
		FlatPageGetOpaque(page)->capacity == layout->capacity &&
		FlatPageGetOpaque(page)->nitems < layout->capacity)
	{
		FlatPageAddItem(page, layout, data, heaptid);
		GenericXLogFinish(state);
		added = true;
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
	return added;
}

/*
 * Add the value to a new page at the end of the index; returns its block.
 */
static BlockNumber
AddToNewPage(Relation index, const FlatLayout *layout, const void *data,
			 ItemPointer heaptid)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	BlockNumber blkno;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);

	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	FlatInitPage(page, layout);
	FlatPageAddItem(page, layout, data, heaptid);
	GenericXLogFinish(state);
	blkno = BufferGetBlockNumber(buf);
	UnlockReleaseBuffer(buf);
	return blkno;
}

/*
 * Record blkno as the insert page, unless a later page already is.
 */
static void
SetInsertPage(Relation index, BlockNumber blkno)
{
	Buffer		buf = ReadBuffer(index, FLAT_METAPAGE_BLKNO);
	GenericXLogState *state;
	FlatMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	meta = FlatPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
	if (meta->insertPage == InvalidBlockNumber || meta->insertPage < blkno)
	{
		meta->insertPage = blkno;
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Place one value: insert page, then free space map, then a new page.
 */
static void
InsertValue(Relation index, FlatMetaPageData *meta, const void *data,
			ItemPointer heaptid)
{
	FlatLayout	layout;
	Size		need;
	BlockNumber blkno;
	BlockNumber nblocks;

	FlatComputeLayout(&layout, meta->elemSize);
	if (meta->insertPage != InvalidBlockNumber &&
		TryAddToPage(index, meta->insertPage, &layout, data, heaptid))
		return;

	need = layout.elemSize + sizeof(ItemPointerData);
	nblocks = RelationGetNumberOfBlocks(index);
	while ((blkno = GetPageWithFreeSpace(index, need)) != InvalidBlockNumber)
	{
		if (blkno >= FLAT_HEAD_BLKNO && blkno < nblocks &&
			TryAddToPage(index, blkno, &layout, data, heaptid))
			return;
		/* full (or not a data page): forget it */
		RecordPageWithFreeSpace(index, blkno, 0);
	}

	SetInsertPage(index, AddToNewPage(index, &layout, data, heaptid));
}

/*
 * aminsert: add one row's value, unless it is NULL.
 */
bool
flatinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		   IndexInfo *indexInfo)
{
	MemoryContext tmpCtx;
	MemoryContext oldCtx;
	FlatMetaPageData meta;
	Datum		value;

	if (isnull[0])
		return false;

	tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
								   "Flat insert temporary context",
								   ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(tmpCtx);

	FlatGetMeta(index, &meta);
	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	InsertValue(index, &meta,
				FlatValueData(meta.metric, value, meta.dimensions), heap_tid);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
	MilvusStatCountInsert(index);
	return false;
}
