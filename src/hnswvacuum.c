/*-------------------------------------------------------------------------
 *
 * hnswvacuum.c
 *	  VACUUM support for hnsw: remove dead heap TIDs, repair the lists that
 *	  linked to elements left without any (hnswrepair.c), and free those
 *	  for reuse.
 *
 * ambulkdelete runs in passes over the data pages in block order, one
 * buffer content lock at a time, each page change one generic WAL record:
 *
 *	1. Under each page's exclusive lock, every element drops the heap TIDs
 *	   VACUUM reports dead; one left with none is marked deleted
 *	   (HNSW_ELEMENT_DELETED).  Every deleted element, new or left by an
 *	   earlier VACUUM that did not finish, goes into a TID hash with the TID
 *	   of its neighbour tuple: the elements this VACUUM reclaims.  The live
 *	   element at the highest level is remembered.
 *	2a. Wait for the inserts in progress (below).  Walk the level-0 links
 *	   from the entry point, as a search would but skipping the reclaimed
 *	   elements, and mark what it reaches in a bitmap; when the entry point
 *	   is reclaimed, from the live element at the highest level instead.
 *	   Each live element it missed (all its links come from reclaimed
 *	   elements, or from others it missed) is linked from a reached element
 *	   near it (its own neighbours, or what a search finds): into a free
 *	   slot, else in place of a farther link, else in place of any link,
 *	   but only of a link to an element that another reached element also
 *	   links to, so that no element is left without; the walk goes on from
 *	   it.  Three rounds at most.  Then, if the entry point is reclaimed,
 *	   the live element at the highest level becomes the entry point, under
 *	   the metapage's exclusive lock, unless an insert changed it meanwhile.
 *	2. Read every live element and its neighbour tuple.  At each level
 *	   where it links to a reclaimed element, choose a new list: at level
 *	   0, its links to elements not reclaimed stay, and the slots of the
 *	   others get the best of the live links of the reclaimed elements it
 *	   linked to, at that level, with what a search from the entry point
 *	   finds added when those are fewer than m (most of the neighbourhood
 *	   went), chosen by FreshDiskANN's RobustPrune with alpha 1.2
 *	   (PruneCandidates); at the levels above, RobustPrune chooses the
 *	   whole list among the same candidates and its live links.  Then lock
 *	   the neighbour tuple's page alone and write the list if it is still
 *	   as read; if an insert changed it meanwhile, keep its current links
 *	   less the reclaimed ones and add the chosen ones into the free slots,
 *	   which needs no other page.  Deleted elements that are not reclaimed
 *	   (see XXX) just drop their links to reclaimed ones.
 *	2b. Pass 2a again, for the live elements that concurrent inserts left
 *	   unreached (an insert that shrinks a full list may drop an element's
 *	   only link, as in hnswlib).  With nothing to reclaim, passes 2a to 3 are skipped
 *	   but for one pass 2a, which links the elements inserts left
 *	   unreached since the last VACUUM.
 *	3. Wait for the inserts in progress again, then, under each page's
 *	   exclusive lock, clear the neighbour tuples of the reclaimed elements
 *	   and mark them free (HNSW_ELEMENT_FREE); record in the free space map,
 *	   for each page, how big an element it can now take
 *	   (HnswFreeSlotSpace, in hnswutils.c).  hnswinsert.c asks the map
 *	   first and overwrites a free element's two tuples in place
 *	   (HnswReuseFreeSlot), keeping their line pointers, so a reused
 *	   element keeps the freed one's TID.
 *
 * Why 2a comes before 2 and level 0 keeps its links: so that a search
 * reaches every live element it reached before, all the while VACUUM runs,
 * not only once it is done.  With pass 2 first, as this was, pruning the
 * whole level-0 list dropped the only link to some live elements, and the
 * reclaimed elements took the only way to others with them; a search did
 * not reach those until pass 2b linked them again.  On the soak of
 * test/t/052_soak.pl, a search at ef_search 1000 for the value of such a
 * row did not return it (one element or two in every VACUUM of about 1,700
 * reclaimed elements after 25 s of churn); the index check, which waits
 * for VACUUM, saw nothing.
 *
 * Why local repair: the candidates are the element's own neighbourhood
 * and what the reclaimed elements connected it to (FreshDiskANN's delete
 * consolidation; hnswlib's repairConnectionsForUpdate is alike).  They
 * cost a few hundred page reads and no search; a search only adds to them
 * where few are left (a tenth of the lists on the SIFT sample with 30% of
 * the rows deleted; most lists in the regression test that deletes 250 of
 * 300 rows at m = 4).  In the hardest of three deletion patterns on the
 * SIFT sample, with the same rule to choose among them, candidates from a
 * search with ef_construction (as pgvector repairs), alone or added to the
 * local ones, gave recall@10 0.97 where the local ones gave 0.99, and
 * vacuum took five to eight times as long.  Why alpha 1.2: see
 * HNSW_REPAIR_ALPHA (hnswrepair.c).
 *
 * Why a freed element is certainly unlinked.  Links to an element are made
 * only by inserts: the new element's own list, chosen by a search that
 * never chooses deleted elements (hnswinsert.c), and the links back to it.
 * An insert that shrinks a full list keeps links the list already held,
 * and writes its plan only if the list is still as it read it, else just
 * adds or replaces its own link.  So once an element is marked deleted, an
 * insert can link to it only if it read the element before it was marked.
 * Hence the wait before pass 2: every insert holds HNSW_UPDATE_LOCK in
 * share mode from start to end, and VACUUM takes it exclusively (holding
 * nothing else) and lets go, so the inserts that could have read a
 * reclaimed element as live are over.  Pass 2 then visits every element
 * that existed (re-reading the number of pages until it has seen them
 * all) and leaves no list with a link to a reclaimed element; an insert
 * that read a list before pass 2 rewrote it finds it changed and does not
 * write the old links back.  The wait before pass 3 ends the inserts that
 * could still hold a list as it was before pass 2, or a reclaimed element
 * copied out of a search; inserts that begin later cannot reach a
 * reclaimed element at all, so none can link to a slot that is reused.
 * Scans need no wait: one that reads a reused slot finds a valid element
 * (a search checks its level against the link's), and heap TIDs are
 * checked against the snapshot as usual.  A crash between passes leaves
 * deleted elements, which the next VACUUM reclaims from pass 1 on; an
 * element is marked free only after its neighbour tuple was cleared, so a
 * free element links nowhere either.
 *
 * amvacuumcleanup only reports statistics, unless no bulkdelete pass ran:
 * then it runs one without dead heap TIDs, which counts the live values
 * and reclaims what an earlier VACUUM left deleted.
 *
 * XXX: the TID hash holds as many deleted elements as maintenance_work_mem
 * allows; the others stay deleted routing nodes until the next VACUUM.
 * The pass 2b bitmaps take about 1/80 of the index size, its stack up to
 * 6 bytes per element; beyond maintenance_work_mem, pass 2b is skipped.
 * Only elements whose neighbour tuple shares their page are reused (large
 * values: never), and only by an element that fits the room they leave
 * (sparsevec, a higher level); the rest is given back by REINDEX only.
 * Empty pages are not given back either.
 *
 * IDENTIFICATION
 *	  src/hnswvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"
#include "hnswvacuum.h"
#include "stat.h"


/* ---- pass 1: remove dead heap TIDs -------------------------------------- */

/*
 * Drop dead heap TIDs from one live element; mark it deleted when none is
 * left.  Returns true when the tuple changed; counts removed and remaining
 * TIDs.  With no callback, only counts.
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

	stats->num_index_tuples += nkept;
	if (!changed)
		return false;

	for (int i = 0; i < HNSW_HEAPTIDS; i++)
	{
		if (i < nkept)
			etup->heaptids[i] = kept[i];
		else
			ItemPointerSetInvalid(&etup->heaptids[i]);
	}
	if (nkept == 0)
		etup->deleted = HNSW_ELEMENT_DELETED;
	return true;
}

/*
 * Remember a deleted element as one to reclaim, while the hash has room.
 */
static void
RememberDeleted(HnswVacuumState *vs, ItemPointer tid, ItemPointer neighbortid)
{
	DeletedEntry *entry;
	bool		found;

	if (vs->deleted->members >= vs->maxDeleted)
		return;
	entry = deleted_insert(vs->deleted, HnswTidKey(tid), &found);
	entry->neighbortid = *neighbortid;
}

/*
 * Pass 1 on one data page, under its exclusive lock; WAL-log it if it
 * changed.  The deleted elements on it are remembered after the unlock.
 */
static void
VacuumPage(HnswVacuumState *vs, BlockNumber blkno)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno,
										 RBM_NORMAL, vs->strategy);
	OffsetNumber offs[MaxIndexTuplesPerPage];
	ItemPointerData ntids[MaxIndexTuplesPerPage];
	int			ndeleted = 0;
	GenericXLogState *xstate;
	Page		page;
	bool		changed = false;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	xstate = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(xstate, buf, 0);

	for (OffsetNumber off = FirstOffsetNumber;
		 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));

		if (etup->type != HNSW_ELEMENT_TUPLE_TYPE)
			continue;
		if (VacuumElement(etup, vs->callback, vs->callback_state, vs->stats))
			changed = true;
		if (!etup->deleted && etup->level > vs->highestLevel)
		{
			ItemPointerSet(&vs->highest, blkno, off);
			vs->highestLevel = etup->level;
		}
		if (etup->deleted == HNSW_ELEMENT_DELETED &&
			ndeleted < MaxIndexTuplesPerPage)
		{
			offs[ndeleted] = off;
			ntids[ndeleted++] = etup->neighbortid;
		}
	}

	if (changed)
		GenericXLogFinish(xstate);
	else
		GenericXLogAbort(xstate);
	UnlockReleaseBuffer(buf);

	for (int i = 0; i < ndeleted; i++)
	{
		ItemPointerData tid;

		ItemPointerSet(&tid, blkno, offs[i]);
		RememberDeleted(vs, &tid, &ntids[i]);
	}
}

/*
 * Pass 1: every data page.
 */
static void
RemoveHeapTids(HnswVacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		vacuum_delay_point();
		VacuumPage(vs, blkno);
	}
}

/*
 * Wait for the inserts in progress to end (the file comment says why):
 * take HNSW_UPDATE_LOCK exclusively, holding no other lock, and let go.
 */
static void
WaitForInserts(Relation index)
{
	LockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);
	UnlockPage(index, HNSW_UPDATE_LOCK, ExclusiveLock);
}

/* ---- pass 3: free the reclaimed elements -------------------------------- */

/*
 * Set every slot of the neighbour tuple at off of a page (registered for
 * generic WAL) invalid.
 */
static void
ClearNeighborTuple(Page page, OffsetNumber off)
{
	HnswNeighborTuple ntup;

	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return;
	ntup = (HnswNeighborTuple) PageGetItem(page, PageGetItemId(page, off));
	if (ntup->type != HNSW_NEIGHBOR_TUPLE_TYPE)
		return;
	for (int i = 0; i < ntup->count; i++)
	{
		ItemPointerSetInvalid(&ntup->neighbors[i].tid);
		ntup->neighbors[i].distance = 0;
	}
}

/*
 * Clear the neighbour tuple at ntid, on a page other than its element's,
 * under that page's exclusive lock alone.
 */
static void
ClearNeighborTupleElsewhere(HnswVacuumState *vs, ItemPointer ntid)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM,
										 ItemPointerGetBlockNumber(ntid),
										 RBM_NORMAL, vs->strategy);
	GenericXLogState *state;
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	ClearNeighborTuple(page, ItemPointerGetOffsetNumber(ntid));
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Pass 3 on one page, under its exclusive lock: free the reclaimed
 * elements (but the entry point, which cannot be one), clearing their
 * neighbour tuples first.  The first round frees those whose neighbour
 * tuple is on the page and puts the others' neighbour TIDs in ntids (room
 * for MaxIndexTuplesPerPage); the caller clears those and calls again with
 * second, which frees them.  Records how big an element the page can take
 * now in the free space map.  Returns how many ntids the round set.
 */
static int
ReclaimPage(HnswVacuumState *vs, BlockNumber blkno, ItemPointer entry,
			bool second, ItemPointerData *ntids)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno,
										 RBM_NORMAL, vs->strategy);
	GenericXLogState *state;
	Page		page;
	int			nelsewhere = 0;
	bool		changed = false;
	Size		space;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));
		ItemPointerData tid;
		bool		here;

		ItemPointerSet(&tid, blkno, off);
		if (etup->type != HNSW_ELEMENT_TUPLE_TYPE ||
			etup->deleted != HNSW_ELEMENT_DELETED ||
			!Reclaimed(vs, &tid) || ItemPointerEquals(&tid, entry))
			continue;

		here = ItemPointerGetBlockNumber(&etup->neighbortid) == blkno;
		if (!here && !second)
		{
			ntids[nelsewhere++] = etup->neighbortid;
			continue;
		}
		if (here)
			ClearNeighborTuple(page,
							   ItemPointerGetOffsetNumber(&etup->neighbortid));
		etup->deleted = HNSW_ELEMENT_FREE;
		vs->nfreed++;
		changed = true;
	}

	space = HnswFreeSlotSpace(page, blkno);
	if (changed)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);

	RecordPageWithFreeSpace(vs->index, blkno, space);
	return nelsewhere;
}

/*
 * Pass 3: every data page; then update the upper levels of the free space
 * map, where inserts look first.
 */
static void
ReclaimElements(HnswVacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	ItemPointerData *ntids = palloc(sizeof(ItemPointerData) *
									MaxIndexTuplesPerPage);
	ItemPointerData entry;

	HnswGetMetaPageInfo(vs->index, NULL, &entry, NULL, NULL, NULL);
	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		int			nelsewhere;

		vacuum_delay_point();
		nelsewhere = ReclaimPage(vs, blkno, &entry, false, ntids);
		if (nelsewhere == 0)
			continue;

		/* neighbour tuples on other pages: clear them, then free */
		for (int i = 0; i < nelsewhere; i++)
			ClearNeighborTupleElsewhere(vs, &ntids[i]);
		ReclaimPage(vs, blkno, &entry, true, ntids);
	}
	pfree(ntids);
	FreeSpaceMapVacuum(vs->index);
}

/* ---- the callbacks ------------------------------------------------------ */

/*
 * Set up the state of one bulkdelete pass.
 */
static void
InitVacuumState(HnswVacuumState *vs, IndexVacuumInfo *info,
				IndexBulkDeleteResult *stats,
				IndexBulkDeleteCallback callback, void *callback_state)
{
	memset(vs, 0, sizeof(HnswVacuumState));
	vs->index = info->index;
	vs->stats = stats;
	vs->callback = callback;
	vs->callback_state = callback_state;
	vs->strategy = info->strategy;
	vs->efConstruction = HnswGetEfConstruction(info->index);
	HnswInitBuildSupport(&vs->support, info->index);
	HnswUpdateMaxNorm(info->index, &vs->support, (Datum) 0);
	HnswGetMetaPageInfo(info->index, &vs->m, NULL, NULL, NULL, NULL);
	vs->codebook = HnswGetCodebook(info->index);
	vs->codeM = vs->codebook != NULL ? vs->codebook->codeM : 0;
	vs->deleted = deleted_create(CurrentMemoryContext, 256, NULL);
	/* simplehash keeps up to about twice as many slots as members */
	vs->maxDeleted = (uint32) Min((double) maintenance_work_mem * 1024 /
								  (3 * sizeof(DeletedEntry)), PG_UINT32_MAX / 2);
	ItemPointerSetInvalid(&vs->highest);
	vs->highestLevel = -1;
	vs->pageCtx = AllocSetContextCreate(CurrentMemoryContext,
										"Hnsw vacuum page context",
										ALLOCSET_DEFAULT_SIZES);
	vs->elemCtx = AllocSetContextCreate(CurrentMemoryContext,
										"Hnsw vacuum element context",
										ALLOCSET_DEFAULT_SIZES);
}

/*
 * Free what InitVacuumState and the passes allocated.
 */
static void
FreeVacuumState(HnswVacuumState *vs)
{
	MemoryContextDelete(vs->elemCtx);
	MemoryContextDelete(vs->pageCtx);
	if (vs->reached != NULL)
		pfree(vs->reached);
	if (vs->multi != NULL)
		pfree(vs->multi);
	if (vs->stack != NULL)
		pfree(vs->stack);
	deleted_destroy(vs->deleted);
}

/*
 * ambulkdelete: remove the heap TIDs VACUUM found dead (with no callback,
 * only count), then repair the graph around the elements left without any
 * and free them: the passes of the file comment.
 */
IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	HnswVacuumState vs;
	int64		nrelinkedAfter = 0;

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = 0;

	InitVacuumState(&vs, info, stats, callback, callback_state);
	RemoveHeapTids(&vs);		/* pass 1 */
	if (vs.deleted->members > 0)
	{
		WaitForInserts(index);
		HnswRelinkUnreached(&vs);	/* pass 2a */
		HnswReplaceEntryPoint(&vs);
		HnswRepairGraph(&vs);	/* pass 2 */
		nrelinkedAfter = HnswRelinkUnreached(&vs);	/* pass 2b */
		WaitForInserts(index);
		ReclaimElements(&vs);	/* pass 3 */
	}
	else
	{
		/*
		 * Nothing to reclaim: still link the live elements no search
		 * reaches (an insert that shrank a full list can leave one), so
		 * that every VACUUM leaves the graph whole.
		 */
		WaitForInserts(index);
		HnswRelinkUnreached(&vs);	/* pass 2a */
	}
	elog(DEBUG1, "hnsw index \"%s\": %u elements reclaimed, " INT64_FORMAT
		 " elements relinked, " INT64_FORMAT " lists repaired (" INT64_FORMAT
		 " with a search), " INT64_FORMAT " elements relinked after the repair, "
		 INT64_FORMAT " freed",
		 RelationGetRelationName(index), vs.deleted->members,
		 vs.nrelinked - nrelinkedAfter, vs.nrepaired, vs.nsearched,
		 nrelinkedAfter, vs.nfreed);
	FreeVacuumState(&vs);

	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

/*
 * amvacuumcleanup: statistics (see the file comment).
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
	MilvusStatVacuum(index, stats);
	return stats;
}
