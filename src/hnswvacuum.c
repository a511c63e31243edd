/*-------------------------------------------------------------------------
 *
 * hnswvacuum.c
 *	  VACUUM support for hnsw: remove dead heap TIDs, retire empty elements.
 *
 * Pass 1 (ambulkdelete) walks every data page in block order under an
 * exclusive lock, one page at a time.  Each element tuple drops the heap
 * TIDs VACUUM reports dead; an element left with none is marked deleted.
 * A deleted element stays in the graph as a routing node: scans traverse
 * it (so the neighbours that point at it stay reachable and recall does
 * not decay under churn) but never return it.  The page change is
 * WAL-logged with generic WAL.
 *
 * amvacuumcleanup only reports statistics: the index's size and the
 * number of live values.
 *
 * XXX: deleted elements are never reclaimed yet; space grows with churn
 * until REINDEX.  Reusing their slots for new inserts, and relinking
 * their neighbours past them, is the next step.
 *
 * IDENTIFICATION
 *	  src/hnswvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

#include "hnsw.h"

/*
 * Drop dead heap TIDs from one element; mark it deleted when none is left.
 * Returns true when the tuple changed; counts removed and remaining TIDs.
 * With no callback, only counts.
 */
static bool
VacuumElement(HnswElementTuple etup, IndexBulkDeleteCallback callback,
			  void *callback_state, IndexBulkDeleteResult *stats)
{
	ItemPointerData kept[HNSW_HEAPTIDS];
	int			nkept = 0;
	bool		changed = false;

	if (etup->deleted)
		return false;

	for (int i = 0; i < HNSW_HEAPTIDS; i++)
	{
		if (!ItemPointerIsValid(&etup->heaptids[i]))
			continue;
		if (callback != NULL && callback(&etup->heaptids[i], callback_state))
		{
			stats->tuples_removed++;
			changed = true;
		}
		else
			kept[nkept++] = etup->heaptids[i];
	}

	if (!changed)
	{
		stats->num_index_tuples += nkept;
		return false;
	}

	for (int i = 0; i < HNSW_HEAPTIDS; i++)
	{
		if (i < nkept)
			etup->heaptids[i] = kept[i];
		else
			ItemPointerSetInvalid(&etup->heaptids[i]);
	}
	if (nkept == 0)
		etup->deleted = 1;
	stats->num_index_tuples += nkept;
	return true;
}

/*
 * Vacuum one data page under an exclusive lock; WAL-log it if it changed.
 */
static void
VacuumPage(Relation index, BlockNumber blkno, IndexBulkDeleteCallback callback,
		   void *callback_state, IndexBulkDeleteResult *stats,
		   BufferAccessStrategy strategy)
{
	Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno,
										 RBM_NORMAL, strategy);
	GenericXLogState *xstate;
	Page		page;
	bool		changed = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	xstate = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(xstate, buf, 0);

	for (OffsetNumber off = FirstOffsetNumber;
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));

		if (etup->type == HNSW_ELEMENT_TUPLE_TYPE &&
			VacuumElement(etup, callback, callback_state, stats))
			changed = true;
	}

	if (changed)
		GenericXLogFinish(xstate);
	else
		GenericXLogAbort(xstate);
	UnlockReleaseBuffer(buf);
}

/*
 * ambulkdelete: remove the heap TIDs VACUUM found dead.
 */
IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = 0;

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		vacuum_delay_point();
		VacuumPage(index, blkno, callback, callback_state, stats,
				   info->strategy);
	}

	stats->num_pages = nblocks;
	return stats;
}

/*
 * amvacuumcleanup: statistics only (see the file comment).
 */
IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;

	if (info->analyze_only)
		return stats;

	/* no bulkdelete pass ran: count the live values (no callback) */
	if (stats == NULL)
		stats = hnswbulkdelete(info, NULL, NULL, NULL);
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}
