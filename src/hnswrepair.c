/*-------------------------------------------------------------------------
 *
 * hnswrepair.c
 *	  Passes 2a, 2 and 2b of hnsw's VACUUM: link the live elements a search
 *	  from the entry point would not reach without the elements this VACUUM
 *	  reclaims, and give the lists that linked to those new links.
 *
 * hnswvacuum.c's file comment describes all the passes, their locks and
 * why a reclaimed element is certainly unlinked when pass 3 frees it.
 *
 * IDENTIFICATION
 *	  src/hnswrepair.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "access/itup.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"
#include "hnswvacuum.h"

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

static bool IsReached(HnswVacuumState *vs, ItemPointer tid);

/* ---- pass 2: repair the lists ------------------------------------------- */

/*
 * Copy out, under a shared lock, the elements of one page that pass 2
 * looks at: the live ones and the deleted ones not reclaimed (which keep
 * routing).  With unreached, for passes 2a and 2b: only the live elements
 * not reached.  Returns a list of search elements (distance 0, with a copy
 * of the value) allocated in the current memory context.
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
		 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
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
 *
 * The nkept links of kept are kept in any case: a candidate that is one
 * of them is not returned (nor counted in n), but prunes the candidates
 * after it as a kept one does.
 */
static List *
PruneCandidates(HnswSupport *support, List *candidates, int n, double self,
				HnswNeighborData *kept, int nkept)
{
	List	   *selected = NIL;
	List	   *pruners = NIL;	/* selected and kept, nearest first */
	ListCell   *lc;

	foreach(lc, candidates)
	{
		HnswSearchElement c = lfirst(lc);
		double		dbase = c->c.distance - self;
		bool		keep = true;
		bool		iskept = false;
		ListCell   *lc2;

		if (list_length(selected) >= n)
			break;
		for (int i = 0; i < nkept && !iskept; i++)
			iskept = ItemPointerEquals(&kept[i].tid, &c->c.element);
		if (iskept)
		{
			pruners = lappend(pruners, c);
			continue;
		}
		foreach(lc2, pruners)
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
		{
			selected = lappend(selected, c);
			pruners = lappend(pruners, c);
		}
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

	HnswGetMetaPageInfo(vs->index, NULL, &entry, &entryLevel, NULL, NULL);
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
 *
 * At level 0, every link of old that does not go to a reclaimed element
 * stays, and the candidates only fill the slots of the reclaimed ones.
 * Pruning the old links away too could drop an element's only link from
 * the rest of the graph, and a search would not reach it until VACUUM
 * linked it again at the end: on the churn of test/t/052_soak.pl, an
 * element linked only by a long link from one live element, whose other
 * links went to reclaimed ones, was not found by a search for its own
 * value at ef_search 1000 while this VACUUM ran.  Pass 2a made every
 * live element reachable without the reclaimed ones first, so keeping the
 * other links keeps them so.  The upper levels only route the descent: a
 * search reaches everything at level 0.
 */
static void
RepairLevel(HnswVacuumState *vs, HnswSearchElement e, int lc,
			HnswNeighborData *old, HnswNeighborData *out)
{
	int			n = HnswLevelSlots(lc, vs->m);
	List	   *candidates = LevelCandidates(vs, e, lc, old);
	double		self = HnswDistance(&vs->support, PointerGetDatum(e->value),
									PointerGetDatum(e->value));
	int			nkept = 0;

	if (list_length(candidates) < vs->m)
	{
		candidates = MergeCandidates(candidates,
									 SearchCandidates(vs, e->value, lc,
													  &e->c.element));
		vs->nsearched++;
	}
	if (lc > 0)
	{
		FillLinks(out, n, PruneCandidates(&vs->support, candidates, n, self,
										  NULL, 0));
		return;
	}

	for (int i = 0; i < n; i++)
		if (ItemPointerIsValid(&old[i].tid) && !Reclaimed(vs, &old[i].tid))
			out[nkept++] = old[i];
	FillLinks(&out[nkept], n - nkept,
			  PruneCandidates(&vs->support, candidates, n - nkept, self,
							  out, nkept));
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
	bool		codes;
	ItemPointerData savedTids[2 * HNSW_MAX_M];
	uint8		savedCodes[2 * HNSW_MAX_M * HNSW_CODE_MAX_M];

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
	codes = HnswNeighborTupleHasCodes(ntup,
									  ItemIdGetLength(PageGetItemId(page, off)),
									  vs->m, vs->codeM);
	if (codes)
		HnswSaveCodes(ntup, vs->m, vs->codeM, savedTids, savedCodes);
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

	/* new links get no code (a search reads them); kept ones keep theirs */
	if (changed && codes)
		HnswCarryCodes(ntup, vs->m, vs->codeM, savedTids, savedCodes, NULL,
					   NULL);
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
 * level that pass 1 saw the entry point (none: the graph is empty), under
 * the metapage's exclusive lock, unless an insert changed it meanwhile.
 */
void
HnswReplaceEntryPoint(HnswVacuumState *vs)
{
	ItemPointerData entry;
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	HnswMetaPage meta;

	HnswGetMetaPageInfo(vs->index, NULL, &entry, NULL, NULL, NULL);
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
 * add pages meanwhile).
 */
void
HnswRepairGraph(HnswVacuumState *vs)
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
}

/* ---- passes 2a, 2b: link the live elements a search cannot reach ------ */

/*
 * Allocate the bitmaps of reached elements for the pages there are now and
 * the stack of the walk; false, and the pass is skipped, when the bitmaps
 * need more than half of maintenance_work_mem.  The stack may use the
 * other half.
 */
static bool
InitReach(HnswVacuumState *vs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(vs->index);
	Size		half = (Size) maintenance_work_mem * 1024 / 2;
	Size		size = (Size) nblocks * REACHED_BITS_PER_PAGE / 8 + 1;

	if (vs->reached != NULL)
	{
		pfree(vs->reached);
		pfree(vs->multi);
		pfree(vs->stack);
		vs->reached = vs->multi = NULL;
		vs->stack = NULL;
	}
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
 * outside it (on a page added since the pass began): those count as reached.
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
 * Forget that an element is linked twice: a link to it was replaced.
 */
static void
ClearMultiLinked(HnswVacuumState *vs, ItemPointer tid)
{
	int64		bit = ReachedBit(vs, tid);

	if (bit >= 0)
		vs->multi[bit / 8] &= ~(1 << (bit % 8));
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

/*
 * How AddBackLink may make room.  A link it replaces goes to an element
 * linked twice, which another reached element still links to, so that
 * replacing it strands nobody, not even until the next round.
 */
#define BACKLINK_FREE_SLOT		0	/* only into a free slot */
#define BACKLINK_NEARER			1	/* or in place of a farther link */
#define BACKLINK_FORCE			2	/* or in place of the farthest link */

/*
 * Add a level-0 link to tid (at distance) to the list in the neighbour
 * tuple at ntid, under its page's exclusive lock alone: into a free slot,
 * else as mode allows, in place of a link to an element linked twice.
 * Returns whether the list links to tid now.
 */
static bool
AddBackLink(HnswVacuumState *vs, ItemPointer ntid, ItemPointer tid,
			const uint8 *code, float distance, int mode)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	ItemId		itemid;
	HnswNeighborTuple ntup;
	HnswNeighborData *links;
	int			chosen = -1;
	bool		linked = false;

	buf = ReadBufferExtended(vs->index, MAIN_FORKNUM,
							 ItemPointerGetBlockNumber(ntid), RBM_NORMAL,
							 vs->strategy);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(vs->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	itemid = PageGetItemId(page, ItemPointerGetOffsetNumber(ntid));
	ntup = (HnswNeighborTuple) PageGetItem(page, itemid);
	links = ntup->neighbors;

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
				 IsMultiLinked(vs, &links[i].tid) &&
				 (chosen < 0 ||
				  (ItemPointerIsValid(&links[chosen].tid) &&
				   links[i].distance > links[chosen].distance)))
			chosen = i;
	}

	if (!linked && chosen >= 0 &&
		(!ItemPointerIsValid(&links[chosen].tid) ||
		 mode == BACKLINK_FORCE || distance < links[chosen].distance))
	{
		if (ItemPointerIsValid(&links[chosen].tid))
			ClearMultiLinked(vs, &links[chosen].tid);
		links[chosen].tid = *tid;
		links[chosen].distance = distance;
		if (HnswNeighborTupleHasCodes(ntup, ItemIdGetLength(itemid), vs->m,
									  vs->codeM))
			memcpy(HnswNeighborCode(ntup, chosen, vs->codeM), code, vs->codeM);
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
 * slot, else in place of a farther link to an element linked twice, else
 * in place of the farthest such link (tiny m, full lists).  Returns false
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
	uint8		code[HNSW_CODE_MAX_M];

	memset(code, HNSW_CODE_UNKNOWN, sizeof(code));
	if (vs->codebook != NULL)
		HnswEncodeValue(vs->codebook, PointerGetDatum(p->value), code);
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
				AddBackLink(vs, &q->neighbortid, &p->c.element, code,
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
 * One round of pass 2a or 2b: walk the level-0 links from entry; link
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
 * Passes 2a and 2b: relink rounds until one links nothing, three at most.
 * The walk starts from the entry point, or from the element that
 * HnswReplaceEntryPoint will make the entry point when it is reclaimed.
 * Skipped when the walk would outgrow maintenance_work_mem.  Returns how
 * many elements it linked.
 */
int64
HnswRelinkUnreached(HnswVacuumState *vs)
{
	ItemPointerData entry;
	int64		start = vs->nrelinked;

	HnswGetMetaPageInfo(vs->index, NULL, &entry, NULL, NULL, NULL);
	if (ItemPointerIsValid(&entry) && Reclaimed(vs, &entry))
		entry = vs->highest;
	if (!ItemPointerIsValid(&entry) || !InitReach(vs))
		return 0;

	for (int round = 0; round < 3; round++)
	{
		int64		before = vs->nrelinked;

		if (!RelinkRound(vs, &entry) || vs->nrelinked == before)
			break;
	}
	return vs->nrelinked - start;
}
