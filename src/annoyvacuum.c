/*-------------------------------------------------------------------------
 *
 * annoyvacuum.c
 *	  ambulkdelete and amvacuumcleanup of the annoy access method.
 *
 * Bulk delete works in three passes:
 *
 *	1. read the vector store and collect the positions of the values
 *	   whose heap TIDs the callback names (nothing changes);
 *	2. under the heavyweight split lock (exclusive: no insert splits a
 *	   leaf meanwhile, see annoy.h), visit every leaf page and remove
 *	   those positions from its leaves, one generic WAL record per
 *	   changed page;
 *	3. free their slots in the vector store (heap TID invalid, value
 *	   zeroed), one record per page, so inserts reuse them.
 *
 * After pass 2 no leaf names a dead position, so a freed slot is never
 * reached through a tree, except by a scan that read a leaf before pass
 * 2: the scan skips free slots, and a slot refilled meanwhile holds a
 * newer row, which the heap's visibility rules handle.  Cleanup counts
 * the values and records every vector page with a free slot in the free
 * space map, where inserts find them.
 *
 * IDENTIFICATION
 *	  src/annoyvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "commands/vacuum.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "annoy.h"
#include "stat.h"

typedef struct VacuumState
{
	Relation	index;
	BufferAccessStrategy bas;
	AnnoyLayout layout;
	ItemPointerData *dead;		/* dead positions, sorted */
	int64		ndead;
	int64		deadCap;
} VacuumState;

/*
 * qsort and bsearch comparator over positions.
 */
static int
ComparePositions(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/*
 * Pass 1: the positions of the dead values, in block order.
 */
static void
FindDeadValues(VacuumState *vs, IndexBulkDeleteCallback callback,
			   void *callback_state)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);

	for (BlockNumber blkno = ANNOY_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		AnnoyPageOpaque opaque;

		vacuum_delay_point();
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 vs->bas);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = AnnoyPageGetOpaque(page);
		if (!PageIsNew(page) && opaque->kind == ANNOY_PAGE_VECTOR)
		{
			ItemPointer tids = AnnoyVectorTids(page, &vs->layout);

			for (int i = 0; i < opaque->nitems; i++)
			{
				if (!ItemPointerIsValid(&tids[i]) ||
					!callback(&tids[i], callback_state))
					continue;
				if (vs->ndead == vs->deadCap)
				{
					vs->deadCap *= 2;
					vs->dead = repalloc_huge(vs->dead,
											 sizeof(ItemPointerData) * vs->deadCap);
				}
				ItemPointerSet(&vs->dead[vs->ndead], blkno, i + 1);
				vs->ndead++;
			}
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Whether a position is dead.
 */
static inline bool
IsDead(VacuumState *vs, ItemPointer pos)
{
	return bsearch(pos, vs->dead, vs->ndead, sizeof(ItemPointerData),
				   ComparePositions) != NULL;
}

/*
 * Remove the dead positions from the leaves of one leaf page, which the
 * caller holds exclusively.
 */
static void
VacuumLeafPage(VacuumState *vs, Buffer buf)
{
	GenericXLogState *state = GenericXLogStart(vs->index);
	Page		page = GenericXLogRegisterBuffer(state, buf, 0);
	AnnoyPageOpaque opaque = AnnoyPageGetOpaque(page);
	bool		changed = false;

	for (int s = 0; s < opaque->nitems; s++)
	{
		AnnoyLeaf	leaf = AnnoyPageLeaf(page, &vs->layout, s);
		int			kept = 0;

		for (int i = 0; i < leaf->nids; i++)
		{
			if (IsDead(vs, &leaf->ids[i]))
				continue;
			leaf->ids[kept++] = leaf->ids[i];
		}
		if (kept == leaf->nids)
			continue;
		memset(&leaf->ids[kept], 0, sizeof(ItemPointerData) * (leaf->nids - kept));
		leaf->nids = kept;
		changed = true;
	}
	if (changed)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
}

/*
 * Pass 2: remove the dead positions from every leaf, with no split in
 * flight.
 */
static void
RemoveFromLeaves(VacuumState *vs)
{
	BlockNumber nblocks;

	LockPage(vs->index, ANNOY_METAPAGE_BLKNO, ExclusiveLock);
	nblocks = RelationGetNumberOfBlocks(vs->index);
	for (BlockNumber blkno = ANNOY_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 vs->bas);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (!PageIsNew(page) &&
			AnnoyPageGetOpaque(page)->kind == ANNOY_PAGE_LEAF)
			VacuumLeafPage(vs, buf);
		UnlockReleaseBuffer(buf);
	}
	UnlockPage(vs->index, ANNOY_METAPAGE_BLKNO, ExclusiveLock);
}

/*
 * Pass 3: free the dead values' slots, a page at a time.
 */
static void
FreeSlots(VacuumState *vs)
{
	int64		i = 0;

	while (i < vs->ndead)
	{
		BlockNumber blkno = ItemPointerGetBlockNumber(&vs->dead[i]);
		Buffer		buf;
		GenericXLogState *state;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 vs->bas);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(vs->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		for (; i < vs->ndead &&
			 ItemPointerGetBlockNumber(&vs->dead[i]) == blkno; i++)
		{
			int			slot = AnnoyRefSlot(&vs->dead[i]);

			memset(AnnoyVectorValue(page, &vs->layout, slot), 0,
				   vs->layout.elemSize);
			ItemPointerSetInvalid(&AnnoyVectorTids(page, &vs->layout)[slot]);
		}
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
}

/*
 * ambulkdelete: remove the entries whose heap TIDs the callback names.
 */
IndexBulkDeleteResult *
annoybulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				IndexBulkDeleteCallback callback, void *callback_state)
{
	VacuumState vs;
	AnnoyMetaPage meta;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	meta = AnnoyGetMeta(info->index);
	vs.index = info->index;
	vs.bas = info->strategy;
	AnnoyComputeLayout(&vs.layout, meta->metric, meta->dimensions);
	pfree(meta);
	vs.ndead = 0;
	vs.deadCap = 1024;
	vs.dead = palloc(sizeof(ItemPointerData) * vs.deadCap);

	FindDeadValues(&vs, callback, callback_state);	/* pass 1 */
	if (vs.ndead > 0)
	{
		RemoveFromLeaves(&vs);	/* pass 2 */
		FreeSlots(&vs);			/* pass 3 */
	}
	stats->tuples_removed += vs.ndead;
	pfree(vs.dead);
	return stats;
}

/*
 * amvacuumcleanup: count values and pages, record free vector slots.
 */
IndexBulkDeleteResult *
annoyvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	AnnoyMetaPage meta;
	AnnoyLayout layout;
	BlockNumber nblocks;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	meta = AnnoyGetMeta(index);
	AnnoyComputeLayout(&layout, meta->metric, meta->dimensions);
	pfree(meta);
	nblocks = RelationGetNumberOfBlocks(index);
	stats->num_pages = nblocks;
	stats->num_index_tuples = 0;
	for (BlockNumber blkno = ANNOY_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		int			live = 0;
		bool		vector;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL,
								 info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		vector = !PageIsNew(page) &&
			AnnoyPageGetOpaque(page)->kind == ANNOY_PAGE_VECTOR;
		for (int i = 0; vector && i < AnnoyPageGetOpaque(page)->nitems; i++)
			live += ItemPointerIsValid(&AnnoyVectorTids(page, &layout)[i]);
		UnlockReleaseBuffer(buf);

		if (!vector)
			continue;
		stats->num_index_tuples += live;
		RecordPageWithFreeSpace(index, blkno,
								(Size) (layout.vectorCapacity - live) *
								(layout.elemSize + sizeof(ItemPointerData)));
	}
	IndexFreeSpaceMapVacuum(index);
	MilvusStatVacuum(index, stats);
	return stats;
}
