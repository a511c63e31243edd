/*-------------------------------------------------------------------------
 *
 * flatvacuum.c
 *	  ambulkdelete and amvacuumcleanup of the flat access method.
 *
 * Bulk delete visits every data page under its exclusive lock, asks the
 * callback about each slot's heap TID, and fills each dead slot with the
 * page's last live slot (slot order carries no meaning), in one generic
 * WAL record per changed page.  Cleanup counts the entries and records
 * every page with a free slot in the free space map, where inserts find
 * them.
 *
 * IDENTIFICATION
 *	  src/flatvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "utils/rel.h"

#include "flat.h"
#include "stat.h"

/*
 * Remove the dead slots of one page; returns how many.  The caller holds
 * the buffer's exclusive lock.
 */
static int
VacuumPage(Relation index, Buffer buf, const FlatLayout *layout,
		   IndexBulkDeleteCallback callback, void *callback_state)
{
	GenericXLogState *state;
	Page		page;
	FlatPageOpaque opaque;
	ItemPointer tids;
	int			removed = 0;
	int			i = 0;

	/* a page extended by an insert that crashed: nothing on it */
	if (PageIsNew(BufferGetPage(buf)))
		return 0;

	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	opaque = FlatPageGetOpaque(page);
	tids = FlatPageTids(page, layout);
	if (opaque->page_id != FLAT_PAGE_ID || opaque->capacity != layout->capacity)
	{
		GenericXLogAbort(state);
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("flat index \"%s\" has an invalid page %u",
						RelationGetRelationName(index),
						BufferGetBlockNumber(buf))));
	}

	while (i < opaque->nitems)
	{
		int			last = opaque->nitems - 1;

		if (!callback(&tids[i], callback_state))
		{
			i++;
			continue;
		}
		if (i != last)
		{
			memcpy(FlatPageValue(page, layout, i),
				   FlatPageValue(page, layout, last), layout->elemSize);
			tids[i] = tids[last];
		}
		/* clear the freed slot: deterministic page images */
		memset(FlatPageValue(page, layout, last), 0, layout->elemSize);
		ItemPointerSetInvalid(&tids[last]);
		opaque->nitems--;
		removed++;
	}

	if (removed > 0)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
	return removed;
}

/*
 * ambulkdelete: remove the entries whose heap TIDs the callback names.
 */
IndexBulkDeleteResult *
flatbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	BufferAccessStrategy bas = info->strategy;
	FlatMetaPageData meta;
	FlatLayout	layout;
	BlockNumber nblocks;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	FlatGetMeta(index, &meta);
	FlatComputeLayout(&layout, meta.elemSize);
	nblocks = RelationGetNumberOfBlocks(index);
	for (BlockNumber blkno = FLAT_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, bas);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		stats->tuples_removed += VacuumPage(index, buf, &layout, callback,
											callback_state);
		UnlockReleaseBuffer(buf);
	}
	return stats;
}

/*
 * amvacuumcleanup: count entries and pages, record free slots.
 */
IndexBulkDeleteResult *
flatvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	FlatMetaPageData meta;
	FlatLayout	layout;
	BlockNumber nblocks;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	FlatGetMeta(index, &meta);
	FlatComputeLayout(&layout, meta.elemSize);
	nblocks = RelationGetNumberOfBlocks(index);
	stats->num_pages = nblocks;
	stats->num_index_tuples = 0;
	for (BlockNumber blkno = FLAT_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		int			nitems;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		nitems = PageIsNew(BufferGetPage(buf)) ? 0 :
			FlatPageGetOpaque(BufferGetPage(buf))->nitems;
		UnlockReleaseBuffer(buf);

		stats->num_index_tuples += nitems;
		if (nitems < layout.capacity)
			RecordPageWithFreeSpace(index, blkno,
									(Size) (layout.capacity - nitems) *
									(layout.elemSize + sizeof(ItemPointerData)));
		else
			RecordPageWithFreeSpace(index, blkno, 0);
	}
	IndexFreeSpaceMapVacuum(index);
	MilvusStatVacuum(index, stats);
	return stats;
}
