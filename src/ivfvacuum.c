/*-------------------------------------------------------------------------
 *
 * ivfvacuum.c
 *	  ambulkdelete and amvacuumcleanup of the ivf access methods.
 *
 * VACUUM walks every list's page chain and deletes the tuples whose heap
 * TIDs are dead, one page at a time under its exclusive lock, with generic
 * WAL.  Pages are neither freed nor unlinked (see ivf.h); an insert fills
 * the space freed on a list's tail page.
 *
 * IDENTIFICATION
 *	  src/ivfvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "utils/rel.h"

#include "ivf.h"
#include "stat.h"

/*
 * The head of a list's chain.
 */
static BlockNumber
ListHead(Relation index, IvfInfo *info, int list, BufferAccessStrategy bas)
{
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		buf;
	Page		page;
	BlockNumber head;

	IvfCentroidLocation(info, list, &blkno, &offno);
	buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, bas);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	head = ((IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno)))->head;
	UnlockReleaseBuffer(buf);
	return head;
}

/*
 * Delete the dead tuples of one page; returns the next page of the chain.
 */
static BlockNumber
VacuumPage(Relation index, BlockNumber blkno, BufferAccessStrategy bas,
		   IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
		   void *callback_state)
{
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno,
										 RBM_NORMAL, bas);
	OffsetNumber deletable[MaxOffsetNumber];
	int			ndeletable = 0;
	Page		page;
	BlockNumber next;
	OffsetNumber maxoff;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	maxoff = PageGetMaxOffsetNumber(page);
	for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
	{
		IvfListTuple tup = (IvfListTuple) PageGetItem(page, PageGetItemId(page, off));

		if (callback && callback(&tup->heaptid, callback_state))
		{
			deletable[ndeletable++] = off;
			stats->tuples_removed++;
		}
		else
			stats->num_index_tuples++;
	}
	next = IvfPageGetOpaque(page)->nextblkno;

	if (ndeletable > 0)
	{
		GenericXLogState *xlog = GenericXLogStart(index);

		page = GenericXLogRegisterBuffer(xlog, buf, 0);
		PageIndexMultiDelete(page, deletable, ndeletable);
		GenericXLogFinish(xlog);
	}
	UnlockReleaseBuffer(buf);
	return next;
}

/*
 * Walk every list; with a callback, delete what it says is dead.
 */
static void
VacuumLists(IndexVacuumInfo *vinfo, IndexBulkDeleteResult *stats,
			IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = vinfo->index;
	IvfInfo    *info = IvfGetInfo(index);

	stats->num_index_tuples = 0;
	for (int list = 0; list < info->lists; list++)
	{
		BlockNumber blkno = ListHead(index, info, list, vinfo->strategy);

		while (blkno != InvalidBlockNumber)
		{
			vacuum_delay_point();
			blkno = VacuumPage(index, blkno, vinfo->strategy, stats, callback,
							   callback_state);
		}
	}
	stats->num_pages = RelationGetNumberOfBlocks(index);
}

/*
 * ambulkdelete
 */
IndexBulkDeleteResult *
ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			  IndexBulkDeleteCallback callback, void *callback_state)
{
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	VacuumLists(info, stats, callback, callback_state);
	return stats;
}

/*
 * amvacuumcleanup: count the tuples when no bulk delete ran.
 */
IndexBulkDeleteResult *
ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		VacuumLists(info, stats, NULL, NULL);
	}
	MilvusStatVacuum(info->index, stats);
	return stats;
}
