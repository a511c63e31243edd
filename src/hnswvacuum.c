/*-------------------------------------------------------------------------
 *
 * hnswvacuum.c
 *	  VACUUM support for hnsw: remove dead heap TIDs, repair the lists that
 *	  linked to elements left without any, and free those for reuse.
 *
 * ambulkdelete runs in passes over the data pages in block order, one
 * buffer content lock at a time, each page change one generic WAL record:
 *
 *	1. Under each page's exclusive lock, every element drops the heap TIDs
 *	   VACUUM reports dead; one left with none is marked deleted
 *	   (HNSW_ELEMENT_DELETED).  Every deleted element, new or left by an
 *	   earlier VACUUM that did not finish, goes into a TID hash with the TID
 *	   of its neighbour tuple: the elements this VACUUM reclaims.
 *	2. Wait for the inserts in progress (below), then read every live
 *	   element and its neighbour tuple.  At each level where it links to a
 *	   reclaimed element, choose a new list: FreshDiskANN's RobustPrune
 *	   with alpha 1.2 (PruneCandidates) over its live links and the live
 *	   links of the reclaimed elements it linked to, at that level, with
 *	   what a search from the entry point finds added when those are fewer
 *	   than m (most of the neighbourhood went).  Then lock the neighbour
 *	   tuple's page alone and write the list if it is still as read; if an
 *	   insert changed it meanwhile, keep its current links less the
 *	   reclaimed ones and add the chosen ones into the free slots, which
 *	   needs no other page.  Deleted elements that are not reclaimed (see
 *	   XXX) just drop their links to reclaimed ones.  At the end, if the
 *	   entry point is reclaimed, the live element at the highest level
 *	   becomes the entry point, under the metapage's exclusive lock, unless
 *	   an insert changed it meanwhile.
 *	2b. Walk the level-0 links from the entry point, as a search would, and
 *	   mark what it reaches in a bitmap.  Each live element it missed (all
 *	   its links came from reclaimed elements, or from others it missed) is
 *	   linked from a reached element near it (its own neighbours, or what a
 *	   search finds): into a free slot, else in place of a farther link,
 *	   else in place of a link to an element that another reached element
 *	   also links to; the walk goes on from it.  A forced link can still
 *	   strand another element, so this repeats, three rounds at most.
 *	3. Wait for the inserts in progress again, then, under each page's
 *	   exclusive lock, clear the neighbour tuples of the reclaimed elements
 *	   and mark them free (HNSW_ELEMENT_FREE); record in the free space map,
 *	   for each page, how big an element it can now take
 *	   (HnswFreeSlotSpace).  hnswinsert.c asks the map first and overwrites
 *	   a free element's two tuples in place (HnswReuseFreeSlot), keeping
 *	   their line pointers, so a reused element keeps the freed one's TID.
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
 * HNSW_REPAIR_ALPHA.
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
#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"
#include "stat.h"

/* An element this VACUUM reclaims, keyed by TID as block << 16 | offset */
typedef struct DeletedEntry
{
	uint64		key;
	ItemPointerData neighbortid;	/* its neighbour tuple */
	char		status;			/* used by simplehash */
} DeletedEntry;

#define SH_PREFIX			deleted
#define SH_ELEMENT_TYPE		DeletedEntry
#define SH_KEY_TYPE			uint64
#define SH_KEY				key
#define SH_HASH_KEY(tb, k)	(murmurhash32((uint32) (k)) ^ \
							 murmurhash32((uint32) ((k) >> 32)))
#define SH_EQUAL(tb, a, b)	((a) == (b))
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * The alpha of PruneCandidates.  HNSW's heuristic (alpha 1) over the local
 * candidates left the lists shorter than inserts leave them (8.7 links at
 * level 0 on average on the SIFT sample, against 13.5 after the build),
 * and after 30% of the elements went, whole neighbourhoods out of a
 * search's way: recall@10 0.95 at ef_search 40, 0.97 at 100.  With 1.2,
 * FreshDiskANN's value (here on the squared distance of vector_l2_ops, so
 * 1.1 on the distance), lists keep about 16.5 links and recall stays at
 * 0.99.
 */
#define HNSW_REPAIR_ALPHA		1.2

/* Bits per page in the bitmap of reached elements: one per line pointer */
#define REACHED_BITS_PER_PAGE	MaxIndexTuplesPerPage

typedef struct HnswVacuumState
{
	Relation	index;
	IndexBulkDeleteResult *stats;
	IndexBulkDeleteCallback callback;	/* NULL: count only */
	void	   *callback_state;
	BufferAccessStrategy strategy;
	HnswSupport support;
	int			m;
	int			efConstruction;
	deleted_hash *deleted;		/* the elements this VACUUM reclaims */
	uint32		maxDeleted;		/* how many fit in maintenance_work_mem */
	ItemPointerData highest;	/* pass 2: a live element at the highest */
	int			highestLevel;	/* level, for a new entry point */
	uint8	   *reached;		/* pass 2b: bitmap of reached elements */
	uint8	   *multi;			/* pass 2b: ... linked from two of them */
	BlockNumber reachedBlocks;	/* pages they cover */
	ItemPointerData *stack;		/* pass 2b: elements to walk from */
	Size		nstack;
	Size		stackSize;		/* allocated */
	Size		maxStack;		/* what maintenance_work_mem allows */
	MemoryContext pageCtx;		/* reset after each page */
	MemoryContext elemCtx;		/* reset after each element */
	int64		nrepaired;		/* lists rewritten */
	int64		nsearched;		/* lists that needed a search's candidates */
	int64		nrelinked;		/* live elements linked anew in pass 2b */
	int64		nfreed;			/* elements freed */
} HnswVacuumState;

static inline uint64
TidKey(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumber(tid) << 16) |
		ItemPointerGetOffsetNumber(tid);
}

/*
 * The hash entry of an element this VACUUM reclaims, or NULL.
 */
static inline DeletedEntry *
Reclaimed(HnswVacuumState *vs, ItemPointer tid)
{
	return deleted_lookup(vs->deleted, TidKey(tid));
}

static bool IsReached(HnswVacuumState *vs, ItemPointer tid);

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
	entry = deleted_insert(vs->deleted, TidKey(tid), &found);
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
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));

		if (etup->type != HNSW_ELEMENT_TUPLE_TYPE)
			continue;
		if (VacuumElement(etup, vs->callback, vs->callback_state, vs->stats))
			changed = true;
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

/* ---- pass 2: repair the lists ------------------------------------------- */

/*
 * Copy out, under a shared lock, the elements of one page that pass 2
 * looks at: the live ones and the deleted ones not reclaimed (which keep
 * routing).  With unreached, for pass 2b: only the live elements not
 * reached.  Returns a list of search elements (distance 0, with a copy of
 * the value) allocated in the current memory context.
 */
static List *
ReadPageElements(HnswVacuumState *vs, BlockNumber blkno, bool unreached)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno,
										 RBM_NORMAL, vs->strategy);
	Page		page;
	List	   *elements = NIL;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));
		HnswSearchElement e;
		ItemPointerData tid;

		ItemPointerSet(&tid, blkno, off);
		if (etup->type != HNSW_ELEMENT_TUPLE_TYPE ||
			etup->deleted == HNSW_ELEMENT_FREE || Reclaimed(vs, &tid) ||
			(unreached && (etup->deleted || IsReached(vs, &tid))))
			continue;

		e = palloc0(offsetof(HnswSearchElementData, heaptids));
		e->c.element = tid;
		e->neighbortid = etup->neighbortid;
		e->level = etup->level;
		e->deleted = etup->deleted != 0;
		e->value = palloc(HnswValueSize(HnswElementTupleValue(etup)));
		memcpy(e->value, etup->data,
			   HnswValueSize(HnswElementTupleValue(etup)));
		elements = lappend(elements, e);
	}
	UnlockReleaseBuffer(buf);
	return elements;
}

/*
 * Copy all slots of e's neighbour tuple into links (room for
 * HNSW_NEIGHBOR_SLOTS(e->level, m)), under a shared lock.  False when the
 * tuple is not what e's level needs.
 */
static bool
ReadNeighborTuple(HnswVacuumState *vs, HnswSearchElement e,
				  HnswNeighborData *links)
{
	Buffer		buf;
	Page		page;
	OffsetNumber off = ItemPointerGetOffsetNumber(&e->neighbortid);
	int			slots = HNSW_NEIGHBOR_SLOTS(e->level, vs->m);
	bool		ok = false;

	if (!ItemPointerIsValid(&e->neighbortid))
		return false;
	buf = ReadBufferExtended(vs->index, MAIN_FORKNUM,
							 ItemPointerGetBlockNumber(&e->neighbortid),
							 RBM_NORMAL, vs->strategy);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page))
	{
		HnswNeighborTuple ntup = (HnswNeighborTuple)
		PageGetItem(page, PageGetItemId(page, off));

		if (ntup->type == HNSW_NEIGHBOR_TUPLE_TYPE && ntup->count == slots)
		{
			memcpy(links, ntup->neighbors, sizeof(HnswNeighborData) * slots);
			ok = true;
		}
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

/*
 * Whether any of n links goes to a reclaimed element.
 */
static bool
LinksReclaimed(HnswVacuumState *vs, HnswNeighborData *links, int n)
{
	for (int i = 0; i < n; i++)
		if (ItemPointerIsValid(&links[i].tid) && Reclaimed(vs, &links[i].tid))
			return true;
	return false;
}

/*
 * qsort comparator for TIDs; list_sort comparator for search elements,
 * nearest first, ties by TID.
 */
static int
CompareTids(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

static int
CompareByDistance(const ListCell *a, const ListCell *b)
{
	HnswSearchElement ea = lfirst(a);
	HnswSearchElement eb = lfirst(b);

	if (ea->c.distance != eb->c.distance)
		return ea->c.distance < eb->c.distance ? -1 : 1;
	return ItemPointerCompare(&ea->c.element, &eb->c.element);
}

/*
 * The candidates for e's new list at level lc: its live links there, and
 * the live links there of the reclaimed elements it linked to; read with
 * their values and distances to e, one page at a time, nearest first.
 */
static List *
LevelCandidates(HnswVacuumState *vs, HnswSearchElement e, int lc,
				HnswNeighborData *old)
{
	int			n = HnswLevelSlots(lc, vs->m);
	ItemPointerData *tids = palloc(sizeof(ItemPointerData) * n * (n + 1));
	int			ntids = 0;
	HnswSearch	search;
	List	   *candidates = NIL;

	for (int i = 0; i < n; i++)
	{
		DeletedEntry *d;

		if (!ItemPointerIsValid(&old[i].tid))
			continue;
		if ((d = Reclaimed(vs, &old[i].tid)) == NULL)
			tids[ntids++] = old[i].tid;
		else
			ntids += HnswLoadNeighbors(vs->index, &d->neighbortid, lc, vs->m,
									   &tids[ntids]);
	}
	qsort(tids, ntids, sizeof(ItemPointerData), CompareTids);

	search = HnswSearchBegin(vs->index, &vs->support,
							 PointerGetDatum(e->value), vs->m, 1,
							 HNSW_SEARCH_VALUES);
	for (int i = 0; i < ntids; i++)
	{
		HnswSearchElement c;

		if ((i > 0 && ItemPointerEquals(&tids[i], &tids[i - 1])) ||
			ItemPointerEquals(&tids[i], &e->c.element) ||
			Reclaimed(vs, &tids[i]))
			continue;
		c = HnswSearchLoadElement(search, &tids[i]);
		if (c != NULL && !c->deleted && c->level >= lc)
			candidates = lappend(candidates, c);
	}
	list_sort(candidates, CompareByDistance);
	return candidates;
}

/*
 * Fill out (the n slots of one level) from a list of search elements.
 */
static void
FillLinks(HnswNeighborData *out, int n, List *selected)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, selected)
	{
		HnswSearchElement c = lfirst(lc);

		out[i].tid = c->c.element;
		out[i].unused = 0;
		out[i].distance = c->c.distance;
		i++;
	}
	for (; i < n; i++)
	{
		ItemPointerSetInvalid(&out[i].tid);
		out[i].unused = 0;
		out[i].distance = 0;
	}
}

/*
 * RobustPrune (FreshDiskANN): walk the candidates (search elements with
 * values, nearest to the base element first) and keep one unless
 * HNSW_REPAIR_ALPHA times its distance to one already kept is below its
 * distance to the base element; at most n.  With alpha 1 this is HNSW's
 * heuristic, which inserts use.  Scaling needs distances that start at 0,
 * so they are counted from self, the base element's distance to itself:
 * 0 for the metrics, -1 for the negative inner product of the normalised
 * values that cosine distance uses.  Where one is still negative (inner
 * product of values of different norms), alpha is 1.
 */
static List *
PruneCandidates(HnswSupport *support, List *candidates, int n, double self)
{
	List	   *selected = NIL;
	ListCell   *lc;

	foreach(lc, candidates)
	{
		HnswSearchElement c = lfirst(lc);
		double		dbase = c->c.distance - self;
		bool		keep = true;
		ListCell   *lc2;

		if (list_length(selected) >= n)
			break;
		foreach(lc2, selected)
		{
			HnswSearchElement r = lfirst(lc2);
			double		d = HnswDistance(support, PointerGetDatum(c->value),
										 PointerGetDatum(r->value)) - self;

			if ((dbase >= 0 && d >= 0 ? HNSW_REPAIR_ALPHA * d : d) < dbase)
			{
				keep = false;
				break;
			}
		}
		if (keep)
			selected = lappend(selected, c);
	}
	return selected;
}

/*
 * The live elements a search from the entry point finds nearest to value
 * at level lc, with ef_construction, but skip: search elements with values
 * and distances to value, nearest first.
 */
static List *
SearchCandidates(HnswVacuumState *vs, Pointer value, int lc, ItemPointer skip)
{
	ItemPointerData entry;
	int			entryLevel;
	HnswSearch	search;
	List	   *ep;
	List	   *result = NIL;
	ListCell   *cell;

	HnswGetMetaPageInfo(vs->index, NULL, &entry, &entryLevel, NULL);
	if (!ItemPointerIsValid(&entry) || entryLevel < lc)
		return NIL;

	search = HnswSearchBegin(vs->index, &vs->support, PointerGetDatum(value),
							 vs->m, vs->efConstruction, HNSW_SEARCH_VALUES);
	ep = HnswSearchDescend(search, &entry, entryLevel, lc);
	foreach(cell, HnswSearchLayer(search, ep, vs->efConstruction, lc))
	{
		HnswSearchElement c = lfirst(cell);

		if (!c->deleted && !ItemPointerEquals(&c->c.element, skip) &&
			!Reclaimed(vs, &c->c.element))
			result = lappend(result, c);
	}
	return result;
}

/*
 * The union of two lists of search elements (distances to the same
 * value), nearest first.
 */
static List *
MergeCandidates(List *a, List *b)
{
	ListCell   *lc;

	foreach(lc, b)
	{
		HnswSearchElement c = lfirst(lc);
		bool		present = false;
		ListCell   *lc2;

		foreach(lc2, a)
		{
			if (ItemPointerEquals(&((HnswSearchElement) lfirst(lc2))->c.element,
								  &c->c.element))
			{
				present = true;
				break;
			}
		}
		if (!present)
			a = lappend(a, c);
	}
	list_sort(a, CompareByDistance);
	return a;
}

/*
 * Choose e's new list at level lc into out, from old (its links there):
 * PruneCandidates over LevelCandidates, with those a search from the entry
 * point finds added when they are fewer than m, the links an insert would
 * choose (most of the neighbourhood went).
 */
static void
RepairLevel(HnswVacuumState *vs, HnswSearchElement e, int lc,
			HnswNeighborData *old, HnswNeighborData *out)
{
	int			n = HnswLevelSlots(lc, vs->m);
	List	   *candidates = LevelCandidates(vs, e, lc, old);

	if (list_length(candidates) < vs->m)
	{
		candidates = MergeCandidates(candidates,
									 SearchCandidates(vs, e->value, lc,
													  &e->c.element));
		vs->nsearched++;
	}
	FillLinks(out, n,
			  PruneCandidates(&vs->support, candidates, n,
							  HnswDistance(&vs->support,
										   PointerGetDatum(e->value),
										   PointerGetDatum(e->value))));
}

/*
 * Drop the links to reclaimed elements from n slots.
 */
static void
DropReclaimed(HnswVacuumState *vs, HnswNeighborData *links, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (ItemPointerIsValid(&links[i].tid) && Reclaimed(vs, &links[i].tid))
		{
			ItemPointerSetInvalid(&links[i].tid);
			links[i].distance = 0;
		}
	}
}

/*
 * A list changed by an insert since pass 2 read it: keep its links but
 * the reclaimed ones, then add the chosen ones (chosen, n slots) not there
 * yet while slots are free.
 */
static void
MergeLinks(HnswVacuumState *vs, HnswNeighborData *cur,
		   HnswNeighborData *chosen, int n)
{
	HnswNeighborData merged[2 * HNSW_MAX_M];
	int			k = 0;

	for (int i = 0; i < n; i++)
		if (ItemPointerIsValid(&cur[i].tid) && !Reclaimed(vs, &cur[i].tid))
			merged[k++] = cur[i];

	for (int i = 0; i < n && k < n; i++)
	{
		bool		present = false;

		if (!ItemPointerIsValid(&chosen[i].tid))
			continue;
		for (int j = 0; j < k && !present; j++)
			present = ItemPointerEquals(&merged[j].tid, &chosen[i].tid);
		if (!present)
			merged[k++] = chosen[i];
	}

	FillLinks(cur, n, NIL);
	memcpy(cur, merged, sizeof(HnswNeighborData) * k);
}

/*
 * Whether two lists of n slots hold the same TIDs in the same slots.
 */
static bool
SameLinks(HnswNeighborData *a, HnswNeighborData *b, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (ItemPointerIsValid(&a[i].tid) != ItemPointerIsValid(&b[i].tid) ||
			(ItemPointerIsValid(&a[i].tid) &&
			 !ItemPointerEquals(&a[i].tid, &b[i].tid)))
			return false;
	}
	return true;
}

/*
 * Write e's new lists (new, where it differs from old, as read) under the
 * exclusive lock of its neighbour tuple's page alone: a level still as
 * read gets the new list, one an insert changed meanwhile is merged.
 */
static void
WriteNeighbors(HnswVacuumState *vs, HnswSearchElement e,
			   HnswNeighborData *old, HnswNeighborData *new)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	OffsetNumber off = ItemPointerGetOffsetNumber(&e->neighbortid);
	HnswNeighborTuple ntup;
	bool		changed = false;

	buf = ReadBufferExtended(vs->index, MAIN_FORKNUM,
							 ItemPointerGetBlockNumber(&e->neighbortid),
							 RBM_NORMAL, vs->strategy);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	ntup = (HnswNeighborTuple) PageGetItem(page, PageGetItemId(page, off));

	/* e is not reclaimed, so its neighbour tuple is as pass 2 read it */
	Assert(ntup->type == HNSW_NEIGHBOR_TUPLE_TYPE &&
		   ntup->count == HNSW_NEIGHBOR_SLOTS(e->level, vs->m));
	for (int lc = 0; lc <= e->level; lc++)
	{
		int			first = HnswLevelFirstSlot(lc, vs->m);
		int			n = HnswLevelSlots(lc, vs->m);
		HnswNeighborData *cur = &ntup->neighbors[first];

		if (memcmp(&new[first], &old[first], sizeof(HnswNeighborData) * n) == 0)
			continue;
		if (SameLinks(cur, &old[first], n))
			memcpy(cur, &new[first], sizeof(HnswNeighborData) * n);
		else
			MergeLinks(vs, cur, &new[first], n);
		changed = true;
	}

	if (changed)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Pass 2 for one element e (a copy, with its value): at each level where
 * it links to a reclaimed element, choose a new list (a deleted e just
 * drops those links), and write them.  Allocates in the current memory
 * context.
 */
static void
RepairElement(HnswVacuumState *vs, HnswSearchElement e)
{
	int			slots = HNSW_NEIGHBOR_SLOTS(e->level, vs->m);
	HnswNeighborData *old = palloc(sizeof(HnswNeighborData) * slots);
	HnswNeighborData *new = NULL;

	if (!ReadNeighborTuple(vs, e, old))
		return;

	for (int lc = 0; lc <= e->level; lc++)
	{
		int			first = HnswLevelFirstSlot(lc, vs->m);
		int			n = HnswLevelSlots(lc, vs->m);

		if (!LinksReclaimed(vs, &old[first], n))
			continue;
		if (new == NULL)
		{
			new = palloc(sizeof(HnswNeighborData) * slots);
			memcpy(new, old, sizeof(HnswNeighborData) * slots);
		}
		if (e->deleted)
			DropReclaimed(vs, &new[first], n);
		else
			RepairLevel(vs, e, lc, &old[first], &new[first]);
	}

	if (new != NULL)
	{
		WriteNeighbors(vs, e, old, new);
		vs->nrepaired++;
	}
}

/*
 * If the entry point is reclaimed, make the live element at the highest
 * level that pass 2 saw the entry point (none: the graph is empty), under
 * the metapage's exclusive lock, unless an insert changed it meanwhile.
 */
static void
ReplaceEntryPoint(HnswVacuumState *vs)
{
	ItemPointerData entry;
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	HnswMetaPage meta;

	HnswGetMetaPageInfo(vs->index, NULL, &entry, NULL, NULL);
	if (!ItemPointerIsValid(&entry) || !Reclaimed(vs, &entry))
		return;

	buf = ReadBuffer(vs->index, HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	meta = HnswPageGetMeta(page);
	if (meta->entryBlkno == ItemPointerGetBlockNumber(&entry) &&
		meta->entryOffno == ItemPointerGetOffsetNumber(&entry))
	{
		bool		empty = !ItemPointerIsValid(&vs->highest);

		meta->entryBlkno = empty ? InvalidBlockNumber :
			ItemPointerGetBlockNumber(&vs->highest);
		meta->entryOffno = empty ? InvalidOffsetNumber :
			ItemPointerGetOffsetNumber(&vs->highest);
		meta->entryLevel = empty ? -1 : vs->highestLevel;
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Pass 2: every element, page by page, until no page is left (inserts may
 * add pages meanwhile); then the entry point.
 */
static void
RepairGraph(HnswVacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		MemoryContext oldCtx = MemoryContextSwitchTo(vs->pageCtx);
		ListCell   *lc;

		vacuum_delay_point();
		foreach(lc, ReadPageElements(vs, blkno, false))
		{
			HnswSearchElement e = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (!e->deleted && e->level > vs->highestLevel)
			{
				vs->highest = e->c.element;
				vs->highestLevel = e->level;
			}
			MemoryContextSwitchTo(vs->elemCtx);
			RepairElement(vs, e);
			MemoryContextSwitchTo(vs->pageCtx);
			MemoryContextReset(vs->elemCtx);
		}
		MemoryContextSwitchTo(oldCtx);
		MemoryContextReset(vs->pageCtx);

		if (blkno + 1 == nblocks)
			nblocks = RelationGetNumberOfBlocks(vs->index);
	}

	ReplaceEntryPoint(vs);
}

/* ---- pass 2b: link the live elements a search cannot reach ------------ */

/*
 * Allocate the bitmaps of reached elements for the pages there are now and
 * the stack of the walk; false, and pass 2b is skipped, when the bitmaps
 * need more than half of maintenance_work_mem.  The stack may use the
 * other half.
 */
static bool
InitReach(HnswVacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	Size		half = (Size) maintenance_work_mem * 1024 / 2;
	Size		size = (Size) nblocks * REACHED_BITS_PER_PAGE / 8 + 1;

	if (2 * size > half)
		return false;
	vs->reached = MemoryContextAllocExtended(CurrentMemoryContext, size,
											 MCXT_ALLOC_HUGE);
	vs->multi = MemoryContextAllocExtended(CurrentMemoryContext, size,
										   MCXT_ALLOC_HUGE);
	vs->reachedBlocks = nblocks;
	vs->stackSize = 1024;
	vs->maxStack = Max(half / sizeof(ItemPointerData), vs->stackSize);
	vs->stack = palloc(sizeof(ItemPointerData) * vs->stackSize);
	vs->nstack = 0;
	return true;
}

/*
 * The bit of an element in the bitmap of reached elements, or -1 for a TID
 * outside it (on a page added since pass 2b began): those count as reached.
 */
static int64
ReachedBit(HnswVacuumState *vs, ItemPointer tid)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(tid);
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);

	if (blkno >= vs->reachedBlocks || off < FirstOffsetNumber ||
		off > REACHED_BITS_PER_PAGE)
		return -1;
	return (int64) blkno * REACHED_BITS_PER_PAGE + off - 1;
}

static bool
IsReached(HnswVacuumState *vs, ItemPointer tid)
{
	int64		bit = ReachedBit(vs, tid);

	return bit < 0 || (vs->reached[bit / 8] & (1 << (bit % 8))) != 0;
}

/*
 * Whether two reached elements link to an element (or it is outside the
 * bitmaps), so that it stays reached without one of the links.
 */
static bool
IsMultiLinked(HnswVacuumState *vs, ItemPointer tid)
{
	int64		bit = ReachedBit(vs, tid);

	return bit < 0 || (vs->multi[bit / 8] & (1 << (bit % 8))) != 0;
}

/*
 * Mark an element linked from a reached one: reached, and pushed on the
 * stack, the first time; linked twice the second.  False when the stack
 * would outgrow its memory.
 */
static bool
PushReached(HnswVacuumState *vs, ItemPointer tid)
{
	int64		bit = ReachedBit(vs, tid);

	if (bit < 0)
		return true;
	if ((vs->reached[bit / 8] & (1 << (bit % 8))) != 0)
	{
		vs->multi[bit / 8] |= 1 << (bit % 8);
		return true;
	}
	if (vs->nstack == vs->stackSize)
	{
		if (vs->stackSize * 2 > vs->maxStack)
			return false;
		vs->stackSize *= 2;
		vs->stack = repalloc_huge(vs->stack,
								  sizeof(ItemPointerData) * vs->stackSize);
	}
	vs->reached[bit / 8] |= 1 << (bit % 8);
	vs->stack[vs->nstack++] = *tid;
	return true;
}

/*
 * The neighbour tuple TID of the element at tid, read under a shared lock;
 * false when tid is not an element, or a free one.
 */
static bool
ReadNeighborTid(HnswVacuumState *vs, ItemPointer tid, ItemPointer ntid)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM,
										 ItemPointerGetBlockNumber(tid),
										 RBM_NORMAL, vs->strategy);
	Page		page;
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	bool		found = false;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));

		if (etup->type == HNSW_ELEMENT_TUPLE_TYPE &&
			etup->deleted != HNSW_ELEMENT_FREE)
		{
			*ntid = etup->neighbortid;
			found = true;
		}
	}
	UnlockReleaseBuffer(buf);
	return found;
}

/*
 * Mark what start reaches by level-0 links, as a search walks them
 * (deleted elements route, reclaimed ones are gone), and what two of those
 * link to: a depth-first walk that reads one element or neighbour list at
 * a time under a shared lock.  False when the stack outgrew its memory.
 */
static bool
Reach(HnswVacuumState *vs, ItemPointer start)
{
	ItemPointerData *tids = palloc(sizeof(ItemPointerData) *
								   HnswLevelSlots(0, vs->m));

	if (!PushReached(vs, start))
		return false;
	while (vs->nstack > 0)
	{
		ItemPointerData tid = vs->stack[--vs->nstack];
		ItemPointerData ntid;
		int			n;

		CHECK_FOR_INTERRUPTS();
		if (!ReadNeighborTid(vs, &tid, &ntid))
			continue;
		n = HnswLoadNeighbors(vs->index, &ntid, 0, vs->m, tids);
		for (int i = 0; i < n; i++)
			if (!Reclaimed(vs, &tids[i]) && !PushReached(vs, &tids[i]))
				return false;
	}
	pfree(tids);
	return true;
}

/* How AddBackLink may make room */
#define BACKLINK_FREE_SLOT		0	/* only into a free slot */
#define BACKLINK_NEARER			1	/* or in place of a farther link */
#define BACKLINK_FORCE			2	/* or in place of the farthest link to
									 * an element linked twice */

/*
 * Add a level-0 link to tid (at distance) to the list in the neighbour
 * tuple at ntid, under its page's exclusive lock alone: into a free slot,
 * else as mode allows.  Returns whether the list links to tid now.
 */
static bool
AddBackLink(HnswVacuumState *vs, ItemPointer ntid, ItemPointer tid,
			float distance, int mode)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	HnswNeighborData *links;
	int			chosen = -1;
	bool		linked = false;

	buf = ReadBufferExtended(vs->index, MAIN_FORKNUM,
							 ItemPointerGetBlockNumber(ntid), RBM_NORMAL,
							 vs->strategy);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	links = ((HnswNeighborTuple)
			 PageGetItem(page, PageGetItemId(page,
											 ItemPointerGetOffsetNumber(ntid))))->neighbors;

	for (int i = 0; i < HnswLevelSlots(0, vs->m) && !linked; i++)
	{
		if (ItemPointerIsValid(&links[i].tid) &&
			ItemPointerEquals(&links[i].tid, tid))
			linked = true;
		else if (!ItemPointerIsValid(&links[i].tid))
		{
			if (chosen < 0 || ItemPointerIsValid(&links[chosen].tid))
				chosen = i;
		}
		else if (mode != BACKLINK_FREE_SLOT &&
				 (mode != BACKLINK_FORCE || IsMultiLinked(vs, &links[i].tid)) &&
				 (chosen < 0 ||
				  (ItemPointerIsValid(&links[chosen].tid) &&
				   links[i].distance > links[chosen].distance)))
			chosen = i;
	}

	if (!linked && chosen >= 0 &&
		(!ItemPointerIsValid(&links[chosen].tid) ||
		 mode == BACKLINK_FORCE || distance < links[chosen].distance))
	{
		links[chosen].tid = *tid;
		links[chosen].distance = distance;
		GenericXLogFinish(state);
		linked = true;
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
	return linked;
}

/*
 * Link the live element p, which no walk from the entry point reaches,
 * from a reached element: among p's own level-0 neighbours and what a
 * search from the entry point finds near p, nearest first, into a free
 * slot, else in place of a farther link, else in place of the farthest
 * link to an element linked twice (tiny m, full lists).  Returns false
 * when none would take it.
 */
static bool
LinkUnreached(HnswVacuumState *vs, HnswSearchElement p)
{
	HnswNeighborData *links = palloc(sizeof(HnswNeighborData) *
									 HNSW_NEIGHBOR_SLOTS(p->level, vs->m));
	HnswSearch	search = HnswSearchBegin(vs->index, &vs->support,
										 PointerGetDatum(p->value), vs->m, 1,
										 0);
	List	   *neighbors = NIL;
	int			n = 0;
	ListCell   *lc;

	if (ReadNeighborTuple(vs, p, links))
		n = HnswLevelSlots(0, vs->m);
	for (int i = 0; i < n; i++)
	{
		HnswSearchElement q;

		if (!ItemPointerIsValid(&links[i].tid) || Reclaimed(vs, &links[i].tid))
			continue;
		q = HnswSearchLoadElement(search, &links[i].tid);
		if (q != NULL && !q->deleted)
			neighbors = lappend(neighbors, q);
	}
	neighbors = MergeCandidates(neighbors,
								SearchCandidates(vs, p->value, 0,
												 &p->c.element));

	for (int mode = BACKLINK_FREE_SLOT; mode <= BACKLINK_FORCE; mode++)
	{
		foreach(lc, neighbors)
		{
			HnswSearchElement q = lfirst(lc);

			if (IsReached(vs, &q->c.element) &&
				AddBackLink(vs, &q->neighbortid, &p->c.element,
							q->c.distance, mode))
			{
				vs->nrelinked++;
				return true;
			}
		}
	}
	return false;
}

/*
 * One round of pass 2b: walk the level-0 links from the entry point; link
 * each live element the walk did not reach, and walk on from it.  Returns
 * false when the walk outgrew its memory.
 */
static bool
RelinkRound(HnswVacuumState *vs, ItemPointer entry)
{
	Size		size = (Size) vs->reachedBlocks * REACHED_BITS_PER_PAGE / 8 + 1;

	memset(vs->reached, 0, size);
	memset(vs->multi, 0, size);
	if (!Reach(vs, entry))
		return false;

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < vs->reachedBlocks;
		 blkno++)
	{
		MemoryContext oldCtx = MemoryContextSwitchTo(vs->pageCtx);
		ListCell   *lc;
		bool		ok = true;

		vacuum_delay_point();
		foreach(lc, ReadPageElements(vs, blkno, true))
		{
			HnswSearchElement p = lfirst(lc);

			if (IsReached(vs, &p->c.element))
				continue;
			MemoryContextSwitchTo(vs->elemCtx);
			if (LinkUnreached(vs, p))
				ok = Reach(vs, &p->c.element);
			MemoryContextSwitchTo(vs->pageCtx);
			MemoryContextReset(vs->elemCtx);
			if (!ok)
				break;
		}
		MemoryContextSwitchTo(oldCtx);
		MemoryContextReset(vs->pageCtx);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * Pass 2b: relink rounds until one links nothing (a forced link can leave
 * another element unreached), three at most.  Skipped when the walk would
 * outgrow maintenance_work_mem.
 */
static void
RelinkUnreached(HnswVacuumState *vs)
{
	ItemPointerData entry;

	HnswGetMetaPageInfo(vs->index, NULL, &entry, NULL, NULL);
	if (!ItemPointerIsValid(&entry) || !InitReach(vs))
		return;

	for (int round = 0; round < 3; round++)
	{
		int64		before = vs->nrelinked;

		if (!RelinkRound(vs, &entry) || vs->nrelinked == before)
			break;
	}
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
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
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

	HnswGetMetaPageInfo(vs->index, NULL, &entry, NULL, NULL);
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

/* ---- reuse of free elements (hnswinsert.c) ------------------------------ */

/*
 * Whether a page is an initialised hnsw data page (the free space map may
 * be stale after a crash).
 */
static bool
IsDataPage(Page page)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(HnswPageOpaqueData)) &&
		HnswPageGetOpaque(page)->page_id == HNSW_PAGE_ID;
}

/*
 * If the tuple at off of a data page is a free element whose neighbour
 * tuple is on the same page, return the room the two take (MAXALIGNed)
 * and set *noff to the neighbour tuple's offset; else return 0.
 */
static Size
FreePairRoom(Page page, BlockNumber blkno, OffsetNumber off,
			 OffsetNumber *noff)
{
	ItemId		eid = PageGetItemId(page, off);
	ItemId		nid;
	HnswElementTuple etup;

	if (!ItemIdIsNormal(eid))
		return 0;
	etup = (HnswElementTuple) PageGetItem(page, eid);
	if (etup->type != HNSW_ELEMENT_TUPLE_TYPE ||
		etup->deleted != HNSW_ELEMENT_FREE ||
		ItemPointerGetBlockNumberNoCheck(&etup->neighbortid) != blkno)
		return 0;

	*noff = ItemPointerGetOffsetNumberNoCheck(&etup->neighbortid);
	if (*noff < FirstOffsetNumber || *noff > PageGetMaxOffsetNumber(page))
		return 0;
	nid = PageGetItemId(page, *noff);
	if (!ItemIdIsNormal(nid) ||
		((HnswNeighborTuple) PageGetItem(page, nid))->type !=
		HNSW_NEIGHBOR_TUPLE_TYPE)
		return 0;
	return MAXALIGN(ItemIdGetLength(eid)) + MAXALIGN(ItemIdGetLength(nid));
}

/*
 * What the free space map records for a page (whose lock the caller
 * holds): the room of its largest free element with its neighbour tuple,
 * plus the page's free space, so that an element and neighbour tuple that
 * take up to that much fit (HnswReuseFreeSlot); 0 when it has no free
 * element to reuse.  The map rounds down to steps of BLCKSZ / 256 bytes,
 * so this rounds up: a request may rarely find a page a little too full.
 * At most HNSW_FSM_MAX_SPACE.
 */
Size
HnswFreeSlotSpace(Page page, BlockNumber blkno)
{
	Size		best = 0;

	if (!IsDataPage(page))
		return 0;
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		OffsetNumber noff;

		best = Max(best, FreePairRoom(page, blkno, off, &noff));
	}
	if (best == 0)
		return 0;
	return Min(best + PageGetExactFreeSpace(page) + BLCKSZ / 256 - 1,
			   HNSW_FSM_MAX_SPACE);
}

/*
 * Put an element tuple and its neighbour tuple in place of a free element
 * and its neighbour tuple on a data page (registered for generic WAL, of
 * block blkno) when they fit there, keeping the line pointers: set etup's
 * neighbour TID and *tid to the element's TID.  Returns false when no free
 * element on the page has room.
 */
bool
HnswReuseFreeSlot(Page page, BlockNumber blkno, HnswElementTuple etup,
				  Size etupSize, HnswNeighborTuple ntup, Size ntupSize,
				  ItemPointer tid)
{
	Size		need = MAXALIGN(etupSize) + MAXALIGN(ntupSize);

	if (!IsDataPage(page))
		return false;
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		OffsetNumber noff;
		Size		room = FreePairRoom(page, blkno, off, &noff);
		bool		ok;

		if (room == 0 || need > room + PageGetExactFreeSpace(page))
			continue;

		/* overwrite the tuple that does not grow first: the other fits */
		ItemPointerSet(&etup->neighbortid, blkno, noff);
		if (MAXALIGN(etupSize) <=
			MAXALIGN(ItemIdGetLength(PageGetItemId(page, off))))
			ok = PageIndexTupleOverwrite(page, off, (Item) etup, etupSize) &&
				PageIndexTupleOverwrite(page, noff, (Item) ntup, ntupSize);
		else
			ok = PageIndexTupleOverwrite(page, noff, (Item) ntup, ntupSize) &&
				PageIndexTupleOverwrite(page, off, (Item) etup, etupSize);
		if (!ok)
			elog(ERROR, "could not reuse a free element in block %u of index",
				 blkno);
		ItemPointerSet(tid, blkno, off);
		return true;
	}
	return false;
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
	HnswGetMetaPageInfo(info->index, &vs->m, NULL, NULL, NULL);
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

	if (stats == NULL)
		stats = (IndexBulkDeleteResult *) palloc0(sizeof(IndexBulkDeleteResult));
	stats->num_index_tuples = 0;

	InitVacuumState(&vs, info, stats, callback, callback_state);
	RemoveHeapTids(&vs);		/* pass 1 */
	if (vs.deleted->members > 0)
	{
		WaitForInserts(index);
		RepairGraph(&vs);		/* pass 2 */
		RelinkUnreached(&vs);	/* pass 2b */
		WaitForInserts(index);
		ReclaimElements(&vs);	/* pass 3 */
	}
	elog(DEBUG1, "hnsw index \"%s\": %u elements reclaimed, " INT64_FORMAT
		 " lists repaired (" INT64_FORMAT " with a search), " INT64_FORMAT
		 " elements relinked, " INT64_FORMAT " freed",
		 RelationGetRelationName(index), vs.deleted->members, vs.nrepaired,
		 vs.nsearched, vs.nrelinked, vs.nfreed);
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
