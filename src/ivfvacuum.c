/*-------------------------------------------------------------------------
 *
 * ivfvacuum.c
 *	  ambulkdelete and amvacuumcleanup of the ivf access methods.
 *
 * VACUUM walks every list's page chain and deletes the tuples whose heap
 * TIDs are dead, one page at a time under its exclusive lock, with generic
 * WAL.  Pages are neither freed nor unlinked (see ivf.h).  After a chain,
 * the list's insert page moves back to the first page with room for a
 * tuple, so that inserts fill the space freed before they extend the
 * index: an index under steady DELETE, VACUUM and INSERT keeps its size.
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
		   void *callback_state, Size *itemSize, bool *hasRoom)
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
		ItemId		iid = PageGetItemId(page, off);
		IvfListTuple tup = (IvfListTuple) PageGetItem(page, iid);

		*itemSize = Max(*itemSize, ItemIdGetLength(iid));

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
	*hasRoom = PageGetFreeSpace(page) >= *itemSize;
	UnlockReleaseBuffer(buf);
	return next;
}

/*
 * Move a list's insert page back to blkno, if it is past it (an insert
 * may have extended the list meanwhile; blkno is still in the chain).
 */
static void
MoveInsertPage(Relation index, IvfInfo *info, int list, BlockNumber blkno)
{
	BlockNumber cblkno;
	OffsetNumber offno;
	Buffer		buf;
	IvfCentroidTuple ctup;
	GenericXLogState *xlog;
	Page		page;

	IvfCentroidLocation(info, list, &cblkno, &offno);
	buf = ReadBuffer(index, cblkno);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	ctup = (IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno));
	if (ctup->insertPage != InvalidBlockNumber && ctup->insertPage > blkno)
	{
		xlog = GenericXLogStart(index);
		page = GenericXLogRegisterBuffer(xlog, buf, 0);
		ctup = (IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno));
		ctup->insertPage = blkno;
		GenericXLogFinish(xlog);
	}
	UnlockReleaseBuffer(buf);
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
		BlockNumber firstRoom = InvalidBlockNumber;
		Size		itemSize = 0;

		while (blkno != InvalidBlockNumber)
		{
			BlockNumber next;
			bool		hasRoom;

			vacuum_delay_point();
			next = VacuumPage(index, blkno, vinfo->strategy, stats, callback,
							  callback_state, &itemSize, &hasRoom);
			if (hasRoom && firstRoom == InvalidBlockNumber)
				firstRoom = blkno;
			blkno = next;
		}
		if (firstRoom != InvalidBlockNumber)
			MoveInsertPage(index, info, list, firstRoom);
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
