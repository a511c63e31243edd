/*-------------------------------------------------------------------------
 *
 * hnswinsert.c
 *	  Inserting into an hnsw index: the aminsert callback, and the on-disk
 *	  insert that the build's fallback uses for every row.
 *
 * The HNSW paper's Algorithm 1, on pages:
 *
 *	1. Draw the new element's level L.  Read m and the entry point from the
 *	   metapage (shared lock, released).
 *	2. Search (hnswsearch.c): greedily (ef = 1) from the entry point down to
 *	   level L + 1, then with ef = ef_construction at each level min(L,
 *	   entry level) .. 0, and choose up to m neighbours at each level among
 *	   the results with the paper's heuristic (Algorithm 4, without filling
 *	   the slots with pruned candidates).  Deleted elements are traversed
 *	   but never chosen.
 *	3. When an element with the identical value was found and has a free
 *	   heap TID slot, add the heap TID to it and stop.
 *	4. Place the element tuple and its neighbour tuple (with the chosen
 *	   links and their distances) in the slots of an element VACUUM freed,
 *	   on a page the free space map offers, when they fit there (see
 *	   hnswvacuum.c); else on the insert page when both fit, else on a new
 *	   page; an element too big to share an empty page with its neighbour
 *	   tuple gets a page of its own, its neighbour tuple the next.
 *	5. For each chosen neighbour e, add a link to the new element to e's
 *	   list: into a free slot; when the list is full, shrink it as hnswlib
 *	   does, to what the heuristic (without filling) keeps of e's links
 *	   plus the new one, which leaves slots free for later inserts.  That
 *	   reads the values of e's neighbours, one page at a time, with no lock
 *	   held; then e's neighbour page is locked alone to write.  If the list
 *	   changed in between, the new link replaces the farthest one when it
 *	   is nearer, by the stored distances, without reading other pages.
 *	6. When L is above the entry point's level, lock the metapage and make
 *	   the new element the entry point, if that still holds.
 *
 * Steps 2 and 5 are hnswlib's rules (m forward links at every level, the
 * rest of level 0's 2m slots left for links back), so that inserted
 * elements look like those the build writes from hnswlib's graph.  On the
 * SIFT sample they also measured best.  Filling the lists with pruned
 * candidates, as pgvector does, gave about the same recall but left many
 * elements unreachable at level 0 (in one of two builds at m = 16, a full
 * iterative scan returned half of the 10000 rows) and inserted at a third
 * of the speed.
 *
 * Into an empty graph, the element is placed first, unlinked, and becomes
 * the entry point if the graph is still empty under the metapage lock.
 * When a concurrent insert got there first, the element searches from the
 * new entry point, fills in its own neighbour tuple and goes on with 5-6.
 *
 * Locks: an insert holds the heavyweight page lock HNSW_UPDATE_LOCK in
 * share mode from start to end, taken before any buffer lock, so that
 * VACUUM can wait for the inserts in progress (hnswvacuum.c says why).
 * One buffer content lock at a time (hnsw.h).  New pages are added
 * under the relation extension lock, which serialises extenders: the new
 * pages are initialised and filled, then linked from the last page of the
 * chain, then recorded as the metapage's insert page, one content lock at
 * a time.  Nobody waits for the extension lock while holding a content
 * lock, so this cannot deadlock.  Every page change is one generic WAL
 * record (a full image for a new page).
 *
 * IDENTIFICATION
 *	  src/hnswinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "hnsw.h"
#include "stat.h"

/* Room for tuples on an empty data page, line pointers included */
#define HNSW_PAGE_CAPACITY \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
	 MAXALIGN(sizeof(HnswPageOpaqueData)))

typedef struct InsertState
{
	Relation	index;
	HnswSupport *support;
	Datum		value;			/* detoasted, normalised */
	IndexTuple	keys;			/* filter columns (AmFormFilterKeys), or NULL */
	int			m;
	int			efConstruction;
	int			level;			/* of the new element */
	ItemPointerData entry;		/* entry point when the search began */
	int			entryLevel;
	List	   *neighbors[HNSW_MAX_LEVEL];	/* chosen, per level */
	List	   *nearest;		/* level-0 search results */
	ItemPointerData tid;		/* the new element, once placed */
	ItemPointerData neighbortid;	/* its neighbour tuple */
	const HnswCodebook *codebook;	/* the index's, or NULL: no codes */
	int			codeM;			/* code bytes, 0 without codes */
	uint8		code[HNSW_CODE_MAX_M];	/* the new element's */
} InsertState;

/*
 * The highest level whose neighbour tuple fits on a page with this m.
 */
static int
MaxLevelForPage(int m, int codeM)
{
	int			level = HNSW_MAX_LEVEL - 1;

	while (level > 0 &&
		   HNSW_NEIGHBOR_TUPLE_SIZE(level, m, codeM) + sizeof(ItemIdData) >
		   HNSW_PAGE_CAPACITY)
		level--;
	return level;
}

/*
 * Read the metapage, draw the level, check that the tuples fit on a page.
 */
static void
InitInsertState(InsertState *st, Relation index, HnswSupport *support,
				Datum value, IndexTuple keys)
{
	Size		etupSize;

	memset(st, 0, sizeof(InsertState));
	st->index = index;
	st->support = support;
	st->value = value;
	st->keys = keys;
	st->efConstruction = HnswGetEfConstruction(index);
	HnswGetMetaPageInfo(index, &st->m, &st->entry, &st->entryLevel, NULL,
						&st->codeM);
	st->codebook = st->codeM > 0 ? HnswGetCodebook(index) : NULL;
	if (st->codebook != NULL)
	{
		st->codeM = st->codebook->codeM;
		HnswEncodeValue(st->codebook, value, st->code);
	}
	st->level = Min(HnswRandomLevel(st->m), MaxLevelForPage(st->m, st->codeM));
	ItemPointerSetInvalid(&st->tid);
	ItemPointerSetInvalid(&st->neighbortid);

	etupSize = HnswElementTupleSize(value, keys);
	if (etupSize + sizeof(ItemIdData) > HNSW_PAGE_CAPACITY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row size %zu exceeds hnsw maximum %zu for index \"%s\"",
						etupSize,
						(Size) (HNSW_PAGE_CAPACITY - sizeof(ItemIdData)),
						RelationGetRelationName(index)),
				 keys != NULL ?
				 errhint("Values with fewer dimensions or non-zero elements, or shorter filter column values, can be indexed.") :
				 errhint("Values with fewer dimensions or non-zero elements can be indexed.")));
}

/*
 * The HNSW heuristic (the paper's Algorithm 4, as hnswlib has it): walk
 * the candidates nearest first and keep one unless it is nearer to a
 * neighbour already kept than to the base element (the one whose
 * distances the candidates hold).  Pruned candidates do not fill the
 * remaining slots, except when base (the base element's value) is given:
 * then, as in pgvector, they do, in HnswOrderFill's order.  Inserts give
 * it for the new element's own lists (still at most m links each), not
 * for the lists of its neighbours, which the heuristic shrinks as hnswlib
 * does (filling those too, as pgvector does, made on-disk builds 3 times
 * slower; issue 16).  skip, and with skipDeleted deleted elements, are
 * never chosen.  Returns at most lm search elements.
 */
static List *
SelectNeighbors(HnswSupport *support, List *candidates, int lm,
				ItemPointer skip, bool skipDeleted, Datum base)
{
	List	   *selected = NIL;
	List	   *pruned = NIL;
	ListCell   *lc;

	foreach(lc, candidates)
	{
		HnswSearchElement e = lfirst(lc);
		bool		keep = true;
		ListCell   *lc2;

		if (list_length(selected) >= lm)
			break;
		if ((skipDeleted && e->deleted) || e->value == NULL ||
			(skip != NULL && ItemPointerEquals(&e->c.element, skip)))
			continue;

		foreach(lc2, selected)
		{
			HnswSearchElement r = lfirst(lc2);

			if (HnswDistance(support, PointerGetDatum(e->value),
							 PointerGetDatum(r->value)) < e->c.distance)
			{
				keep = false;
				break;
			}
		}
		if (keep)
			selected = lappend(selected, e);
		else
			pruned = lappend(pruned, e);
	}

	/* as pgvector, pruned candidates fill the free slots (but see above) */
	if (base != (Datum) 0)
	{
		pruned = HnswOrderFill(support, pruned, base);
		foreach(lc, pruned)
		{
			if (list_length(selected) >= lm)
				break;
			selected = lappend(selected, lfirst(lc));
		}
	}
	list_free(pruned);
	return selected;
}

/*
 * Step 2: search the graph for the value and choose its neighbours at
 * each level up to the new element's, skipping skip (the element itself,
 * when it is already placed).  Fills st->neighbors and st->nearest.
 */
static void
FindNeighbors(InsertState *st, ItemPointer skip)
{
	HnswSearch	search;
	List	   *ep;
	int			top = Min(st->level, st->entryLevel);

	search = HnswSearchBegin(st->index, st->support, st->value, st->m,
							 st->efConstruction, HNSW_SEARCH_VALUES);
	ep = HnswSearchDescend(search, &st->entry, st->entryLevel, top);

	for (int lc = top; lc >= 0; lc--)
	{
		List	   *w = HnswSearchLayer(search, ep, st->efConstruction, lc);

		st->neighbors[lc] = SelectNeighbors(st->support, w, st->m, skip,
											true, st->value);
		if (lc == 0)
			st->nearest = w;
		ep = w;
	}
}

/*
 * Fill the slots of a neighbour tuple with the chosen neighbours and their
 * distances, and with codes, the level-0 ones' codes (from the values the
 * search copied).
 */
static void
FillNeighborTuple(InsertState *st, HnswNeighborTuple ntup)
{
	for (int lc = 0; lc <= st->level; lc++)
	{
		int			slot = HnswLevelFirstSlot(lc, st->m);
		ListCell   *cell;

		foreach(cell, st->neighbors[lc])
		{
			HnswSearchElement e = lfirst(cell);

			ntup->neighbors[slot].tid = e->c.element;
			ntup->neighbors[slot].distance = e->c.distance;
			if (lc == 0 && st->codeM > 0 && e->value != NULL)
				HnswEncodeValue(st->codebook, PointerGetDatum(e->value),
								HnswNeighborCode(ntup, slot, st->codeM));
			slot++;
		}
	}
}

/*
 * Step 3: if a search result holds the identical value (and keys), add
 * heaptid to it
 * under its page's exclusive lock.  False when there is none with a free
 * slot.
 */
static bool
AddToDuplicate(InsertState *st, ItemPointer heaptid)
{
	Size		size = HnswValueSize(st->value);
	float		self = (float) HnswDistance(st->support, st->value, st->value);
	ListCell   *lc;

	foreach(lc, st->nearest)
	{
		HnswSearchElement e = lfirst(lc);
		OffsetNumber offno = ItemPointerGetOffsetNumber(&e->c.element);
		Buffer		buf;
		GenericXLogState *state;
		Page		page;
		HnswElementTuple etup;
		bool		added = false;

		if (e->deleted || e->c.distance != self ||
			HnswValueSize(PointerGetDatum(e->value)) != size ||
			memcmp(e->value, DatumGetPointer(st->value), size) != 0)
			continue;

		buf = ReadBuffer(st->index, ItemPointerGetBlockNumber(&e->c.element));
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(st->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		etup = (HnswElementTuple) PageGetItem(page, PageGetItemId(page, offno));
		if (etup->type == HNSW_ELEMENT_TUPLE_TYPE && !etup->deleted &&
			AmFilterKeysEqual(HnswElementTupleKeys(etup), st->keys))
			added = HnswElementAddHeapTid(etup, heaptid);
		if (added)
			GenericXLogFinish(state);
		else
			GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);

		if (added)
			return true;
	}
	return false;
}

/*
 * Add the neighbour tuple, then the element tuple pointing at it, to a
 * page registered for generic WAL; set the element's TIDs in st.
 */
static void
AddBothTuples(InsertState *st, Page page, BlockNumber blkno,
			  HnswElementTuple etup, Size etupSize,
			  HnswNeighborTuple ntup, Size ntupSize)
{
	OffsetNumber noff;
	OffsetNumber eoff;

	noff = PageAddItem(page, (Item) ntup, ntupSize, InvalidOffsetNumber,
					   false, false);
	ItemPointerSet(&etup->neighbortid, blkno, noff);
	eoff = PageAddItem(page, (Item) etup, etupSize, InvalidOffsetNumber,
					   false, false);
	if (noff == InvalidOffsetNumber || eoff == InvalidOffsetNumber)
		elog(ERROR, "failed to add index item to \"%s\"",
			 RelationGetRelationName(st->index));

	ItemPointerSet(&st->tid, blkno, eoff);
	st->neighbortid = etup->neighbortid;
}

/*
 * Initialise a new page (pinned, not locked) and add one or both tuples to
 * it, with next as its successor, in one full-image WAL record.  Returns
 * the offset of the last tuple added.
 */
static OffsetNumber
WriteNewPage(Relation index, Buffer buf, BlockNumber next,
			 Item tup1, Size size1, Item tup2, Size size2)
{
	GenericXLogState *state;
	Page		page;
	OffsetNumber off;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE);
	HnswInitPage(buf, page);
	HnswPageGetOpaque(page)->nextblkno = next;
	off = PageAddItem(page, tup1, size1, InvalidOffsetNumber, false, false);
	if (off != InvalidOffsetNumber && tup2 != NULL)
		off = PageAddItem(page, tup2, size2, InvalidOffsetNumber, false,
						  false);
	if (off == InvalidOffsetNumber)
		elog(ERROR, "failed to add index item to \"%s\"",
			 RelationGetRelationName(index));
	GenericXLogFinish(state);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return off;
}

/*
 * Under the extension lock: link the new page first to the end of the
 * chain of data pages, and record last (the new end) in the metapage.
 */
static void
LinkNewPages(Relation index, BlockNumber first, BlockNumber last)
{
	BlockNumber blkno;
	Buffer		buf;
	GenericXLogState *state;
	Page		page;

	HnswGetMetaPageInfo(index, NULL, NULL, NULL, &blkno, NULL);
	if (!BlockNumberIsValid(blkno) && first != HNSW_HEAD_BLKNO)
		blkno = HNSW_HEAD_BLKNO;

	while (BlockNumberIsValid(blkno) && blkno != first)
	{
		BlockNumber next;

		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		next = HnswPageGetOpaque(BufferGetPage(buf))->nextblkno;
		if (!BlockNumberIsValid(next))
		{
			state = GenericXLogStart(index);
			page = GenericXLogRegisterBuffer(state, buf, 0);
			HnswPageGetOpaque(page)->nextblkno = first;
			GenericXLogFinish(state);
		}
		UnlockReleaseBuffer(buf);
		blkno = next;
	}

	buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	HnswPageGetMeta(page)->insertPage = last;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Place both tuples on new pages: one when they fit on an empty page
 * together, else the element on one and its neighbour tuple on the next.
 */
static void
PlaceOnNewPages(InsertState *st, HnswElementTuple etup, Size etupSize,
				HnswNeighborTuple ntup, Size ntupSize)
{
	Relation	index = st->index;
	Buffer		buf;
	BlockNumber blkno;
	BlockNumber last;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ExtendIndex(index, MAIN_FORKNUM);
	blkno = BufferGetBlockNumber(buf);
	last = blkno;

	if (etupSize + ntupSize + 2 * sizeof(ItemIdData) <= HNSW_PAGE_CAPACITY)
	{
		OffsetNumber eoff;

		ItemPointerSet(&etup->neighbortid, blkno,
					   OffsetNumberNext(FirstOffsetNumber));
		eoff = WriteNewPage(index, buf, InvalidBlockNumber,
							(Item) etup, etupSize, (Item) ntup, ntupSize);
		ItemPointerSet(&st->tid, blkno, eoff - 1);
	}
	else
	{
		Buffer		nbuf = ExtendIndex(index, MAIN_FORKNUM);
		OffsetNumber noff;

		last = BufferGetBlockNumber(nbuf);
		noff = WriteNewPage(index, nbuf, InvalidBlockNumber,
							(Item) ntup, ntupSize, NULL, 0);
		ItemPointerSet(&etup->neighbortid, last, noff);
		ItemPointerSet(&st->tid, blkno,
					   WriteNewPage(index, buf, last,
									(Item) etup, etupSize, NULL, 0));
		ReleaseBuffer(nbuf);
	}
	st->neighbortid = etup->neighbortid;
	ReleaseBuffer(buf);

	LinkNewPages(index, blkno, last);
	UnlockRelationForExtension(index, ExclusiveLock);
}

/*
 * Step 4, first choice: overwrite the tuples of an element VACUUM freed on
 * a page the free space map offers, under that page's exclusive lock
 * alone.  After the attempt, the page's entry in the map is brought up to
 * date (lowered below this request when nothing fit, so that the same
 * request is not sent there again).  False when no page offered fits.
 */
static bool
PlaceInFreeSlot(InsertState *st, HnswElementTuple etup, Size etupSize,
				HnswNeighborTuple ntup, Size ntupSize)
{
	Size		need = MAXALIGN(etupSize) + MAXALIGN(ntupSize);

	if (need > HNSW_FSM_MAX_SPACE)
		return false;

	for (int tries = 0; tries < 3; tries++)
	{
		BlockNumber blkno = GetPageWithFreeSpace(st->index, need);
		Buffer		buf;
		GenericXLogState *state;
		Page		page;
		bool		placed;
		Size		space;

		if (blkno == InvalidBlockNumber || blkno == HNSW_METAPAGE_BLKNO ||
			blkno >= RelationGetNumberOfBlocks(st->index))
			return false;

		buf = ReadBuffer(st->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		state = GenericXLogStart(st->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		placed = HnswReuseFreeSlot(page, blkno, etup, etupSize, ntup,
								   ntupSize, &st->tid);
		space = HnswFreeSlotSpace(page, blkno);
		if (placed)
			GenericXLogFinish(state);
		else
			GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);

		RecordPageWithFreeSpace(st->index, blkno,
								placed ? space : Min(space, need - 1));
		if (placed)
		{
			st->neighbortid = etup->neighbortid;
			return true;
		}
	}
	return false;
}

/*
 * Step 4: place the element (with heaptid) and its neighbour tuple (with
 * the chosen neighbours) in a freed element's slots, on the insert page,
 * or on new pages.
 */
static void
PlaceElement(InsertState *st, ItemPointer heaptid)
{
	Size		etupSize = HnswElementTupleSize(st->value, st->keys);
	Size		ntupSize = HNSW_NEIGHBOR_TUPLE_SIZE(st->level, st->m,
													st->codeM);
	HnswElementTuple etup = palloc0(etupSize);
	HnswNeighborTuple ntup = palloc0(ntupSize);
	BlockNumber blkno;

	HnswFormElementTuple(etup, st->value, st->keys, st->level, heaptid);
	HnswFormNeighborTuple(ntup, st->level, st->m, st->codeM);
	FillNeighborTuple(st, ntup);

	if (PlaceInFreeSlot(st, etup, etupSize, ntup, ntupSize))
		return;

	HnswGetMetaPageInfo(st->index, NULL, NULL, NULL, &blkno, NULL);
	while (BlockNumberIsValid(blkno))
	{
		Buffer		buf = ReadBuffer(st->index, blkno);
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		if (PageGetFreeSpace(page) >= etupSize + ntupSize + sizeof(ItemIdData))
		{
			GenericXLogState *state = GenericXLogStart(st->index);

			page = GenericXLogRegisterBuffer(state, buf, 0);
			AddBothTuples(st, page, blkno, etup, etupSize, ntup, ntupSize);
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			return;
		}
		blkno = HnswPageGetOpaque(page)->nextblkno;
		UnlockReleaseBuffer(buf);
	}

	PlaceOnNewPages(st, etup, etupSize, ntup, ntupSize);
}

/*
 * list_sort comparator: search elements nearest first, ties by TID.
 */
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
 * What step 5 writes into one neighbour's list: the links it held when
 * read (old), and either nothing more than the new element in a free slot
 * (nnew < 0) or a whole new list.
 */
typedef struct LinkPlan
{
	int			nold;
	ItemPointerData *old;
	int			nnew;
	HnswNeighborData *new;
} LinkPlan;

/*
 * Step 5, first half, without any lock held: plan the change to e's list
 * at level lc.  With a free slot, the new element goes there.  A full
 * list is shrunk as hnswlib does: the heuristic (without filling) over
 * its links plus the new element gives the new list, which may or may
 * not hold the new element and leaves slots free for later inserts.
 * Choosing reads the neighbours' values, one page at a time.  Returns
 * false when there is nothing to do.
 */
static bool
PlanLinks(InsertState *st, HnswSearchElement e, int lc, LinkPlan *plan)
{
	int			slots = HnswLevelSlots(lc, st->m);
	HnswSearchElement self;
	HnswSearch	search;
	List	   *candidates = NIL;
	List	   *selected;
	ListCell   *cell;
	int			i = 0;

	plan->old = palloc(sizeof(ItemPointerData) * slots);
	plan->nold = HnswLoadNeighbors(st->index, &e->neighbortid, lc, st->m,
								   plan->old);
	plan->nnew = -1;
	plan->new = NULL;
	for (int j = 0; j < plan->nold; j++)
		if (ItemPointerEquals(&plan->old[j], &st->tid))
			return false;
	if (plan->nold < slots)
		return true;

	/* distances to e: e's value is the query */
	search = HnswSearchBegin(st->index, st->support,
							 PointerGetDatum(e->value), st->m, 1,
							 HNSW_SEARCH_VALUES);
	for (int j = 0; j < plan->nold; j++)
	{
		HnswSearchElement c = HnswSearchLoadElement(search, &plan->old[j]);

		if (c != NULL)
			candidates = lappend(candidates, c);
	}
	self = palloc0(sizeof(HnswSearchElementData));
	self->c.element = st->tid;
	self->c.distance = e->c.distance;
	self->value = DatumGetPointer(st->value);
	candidates = lappend(candidates, self);
	list_sort(candidates, CompareByDistance);

	/* deleted neighbours stay candidates: they still route */
	selected = SelectNeighbors(st->support, candidates, slots, NULL, false,
							   (Datum) 0);
	plan->new = palloc(sizeof(HnswNeighborData) * list_length(selected));
	foreach(cell, selected)
	{
		HnswSearchElement c = lfirst(cell);

		plan->new[i].tid = c->c.element;
		plan->new[i].unused = 0;
		plan->new[i].distance = c->c.distance;
		i++;
	}
	plan->nnew = i;
	return true;
}

/*
 * Whether the valid links of a list are exactly those of plan->old.
 */
static bool
LinksUnchanged(HnswNeighborData *links, int slots, LinkPlan *plan)
{
	int			n = 0;

	for (int i = 0; i < slots; i++)
	{
		bool		found = false;

		if (!ItemPointerIsValid(&links[i].tid))
			continue;
		n++;
		for (int j = 0; j < plan->nold && !found; j++)
			found = ItemPointerEquals(&links[i].tid, &plan->old[j]);
		if (!found)
			return false;
	}
	return n == plan->nold;
}

/*
 * Put the new element into a free slot of a list, else in place of its
 * farthest link when the new element is nearer, by the stored distances.
 * Returns whether the list changed.
 */
static bool
AddOrReplaceFarthest(HnswNeighborData *links, int slots, ItemPointer tid,
					 float distance)
{
	int			chosen = -1;

	for (int i = 0; i < slots; i++)
	{
		if (!ItemPointerIsValid(&links[i].tid))
		{
			chosen = i;
			break;
		}
		if (chosen < 0 || links[i].distance > links[chosen].distance)
			chosen = i;
	}
	if (chosen < 0 || (ItemPointerIsValid(&links[chosen].tid) &&
					   !(distance < links[chosen].distance)))
		return false;

	links[chosen].tid = *tid;
	links[chosen].distance = distance;
	return true;
}

/*
 * Step 5, second half: under the exclusive lock of e's neighbour tuple's
 * page alone, apply the plan to e's list at level lc.  When the list
 * changed since PlanLinks read it (a concurrent insert), fall back to
 * AddOrReplaceFarthest, which needs no other page.
 */
static void
WriteLinks(InsertState *st, HnswSearchElement e, int lc, LinkPlan *plan)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	OffsetNumber offno = ItemPointerGetOffsetNumber(&e->neighbortid);
	HnswNeighborTuple ntup = NULL;
	int			first = HnswLevelFirstSlot(lc, st->m);
	int			slots = HnswLevelSlots(lc, st->m);
	bool		changed = false;

	buf = ReadBuffer(st->index, ItemPointerGetBlockNumber(&e->neighbortid));
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(st->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);

	if (offno >= FirstOffsetNumber && offno <= PageGetMaxOffsetNumber(page))
		ntup = (HnswNeighborTuple)
			PageGetItem(page, PageGetItemId(page, offno));

	if (ntup != NULL && ntup->type == HNSW_NEIGHBOR_TUPLE_TYPE &&
		ntup->count >= first + slots)
	{
		HnswNeighborData *links = &ntup->neighbors[first];
		bool		linked = false;
		bool		codes = lc == 0 &&
			HnswNeighborTupleHasCodes(ntup,
									  ItemIdGetLength(PageGetItemId(page, offno)),
									  st->m, st->codeM);
		ItemPointerData savedTids[2 * HNSW_MAX_M];
		uint8		savedCodes[2 * HNSW_MAX_M * HNSW_CODE_MAX_M];

		if (codes)
			HnswSaveCodes(ntup, st->m, st->codeM, savedTids, savedCodes);

		for (int i = 0; i < slots && !linked; i++)
			linked = ItemPointerEquals(&links[i].tid, &st->tid);

		if (linked)
			changed = false;
		else if (plan->nnew >= 0 && LinksUnchanged(links, slots, plan))
		{
			for (int i = 0; i < slots; i++)
			{
				if (i < plan->nnew)
					links[i] = plan->new[i];
				else
				{
					ItemPointerSetInvalid(&links[i].tid);
					links[i].unused = 0;
					links[i].distance = 0;
				}
			}
			changed = true;
		}
		else
			changed = AddOrReplaceFarthest(links, slots, &st->tid,
										   e->c.distance);
		if (changed && codes)
			HnswCarryCodes(ntup, st->m, st->codeM, savedTids, savedCodes,
						   &st->tid, st->code);
	}

	if (changed)
		GenericXLogFinish(state);
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Step 5: link every chosen neighbour back to the new element.  What
 * planning reads is freed after each link.
 */
static void
LinkNeighbors(InsertState *st)
{
	MemoryContext linkCtx = AllocSetContextCreate(CurrentMemoryContext,
												  "Hnsw insert link context",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldCtx = MemoryContextSwitchTo(linkCtx);

	for (int lc = 0; lc <= st->level; lc++)
	{
		ListCell   *cell;

		foreach(cell, st->neighbors[lc])
		{
			HnswSearchElement e = lfirst(cell);
			LinkPlan	plan;

			CHECK_FOR_INTERRUPTS();
			if (PlanLinks(st, e, lc, &plan))
				WriteLinks(st, e, lc, &plan);
			MemoryContextReset(linkCtx);
		}
	}

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(linkCtx);
}

/*
 * Step 6: make the new element the entry point when the graph is empty
 * or, unless onlyIfEmpty, when its level is above the entry point's;
 * checked under the metapage's exclusive lock.  Returns whether it did;
 * when not, st->entry and st->entryLevel are refreshed.
 */
static bool
UpdateEntryPoint(InsertState *st, bool onlyIfEmpty)
{
	Buffer		buf = ReadBuffer(st->index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	Page		page;
	HnswMetaPage meta;
	bool		empty;
	bool		set;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(st->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	meta = HnswPageGetMeta(page);

	empty = !BlockNumberIsValid(meta->entryBlkno);
	set = empty || (!onlyIfEmpty && st->level > meta->entryLevel);
	if (set)
	{
		meta->entryBlkno = ItemPointerGetBlockNumber(&st->tid);
		meta->entryOffno = ItemPointerGetOffsetNumber(&st->tid);
		meta->entryLevel = st->level;
		GenericXLogFinish(state);
	}
	else
	{
		ItemPointerSet(&st->entry, meta->entryBlkno, meta->entryOffno);
		st->entryLevel = meta->entryLevel;
		GenericXLogAbort(state);
	}
	UnlockReleaseBuffer(buf);
	return set;
}

/*
 * Fill in the neighbour tuple of the new element, already placed, with
 * the chosen neighbours (an element placed into a graph that was empty
 * when it looked, and was not by the time it could become the entry).
 */
static void
WriteOwnNeighbors(InsertState *st)
{
	Buffer		buf;
	GenericXLogState *state;
	Page		page;
	OffsetNumber offno = ItemPointerGetOffsetNumber(&st->neighbortid);
	HnswNeighborTuple ntup;

	buf = ReadBuffer(st->index, ItemPointerGetBlockNumber(&st->neighbortid));
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(st->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	ntup = (HnswNeighborTuple) PageGetItem(page, PageGetItemId(page, offno));
	Assert(ntup->type == HNSW_NEIGHBOR_TUPLE_TYPE);
	HnswFormNeighborTuple(ntup, st->level, st->m, st->codeM);
	FillNeighborTuple(st, ntup);
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Add one value (detoasted, normalised, not NULL) with its heap TID to the
 * graph: the steps of the file comment.  Allocates in the current memory
 * context.  The caller holds HNSW_UPDATE_LOCK.
 */
static void
AddElement(Relation index, HnswSupport *support, Datum value,
		   IndexTuple keys, ItemPointer heaptid)
{
	InsertState st;

	InitInsertState(&st, index, support, value, keys);

	if (!ItemPointerIsValid(&st.entry))
	{
		/* empty graph: place the element, then try to become the entry */
		PlaceElement(&st, heaptid);
		if (UpdateEntryPoint(&st, true))
			return;
		FindNeighbors(&st, &st.tid);
		WriteOwnNeighbors(&st);
	}
	else
	{
		FindNeighbors(&st, NULL);
		if (AddToDuplicate(&st, heaptid))
			return;
		PlaceElement(&st, heaptid);
	}

	LinkNeighbors(&st);
	if (st.level > st.entryLevel)
		UpdateEntryPoint(&st, false);
}

/*
 * AddElement under HNSW_UPDATE_LOCK in share mode, taken before any buffer
 * lock: VACUUM takes it exclusively to wait for the inserts in progress.
 * For inner product, first raise the metapage's maxNorm to the value's
 * norm (HnswSupport).
 * An ERROR releases it with the transaction.
 */
static void
InsertElement(Relation index, HnswSupport *support, Datum value,
			  IndexTuple keys, ItemPointer heaptid)
{
	LockPage(index, HNSW_UPDATE_LOCK, ShareLock);
	HnswUpdateMaxNorm(index, support, value);
	AddElement(index, support, value, keys, heaptid);
	support->normed = (Datum) 0;
	UnlockPage(index, HNSW_UPDATE_LOCK, ShareLock);
}

/*
 * Add one value (detoasted, normalised, not NULL) with its keys (filter
 * columns, AmFormFilterKeys; NULL for a one-column index) and its heap TID to
 * the graph.  Safe with concurrent inserts and scans; also used by the build
 * for rows it does not build in memory.  Works in a temporary memory
 * context of its own, deleted before returning.
 */
void
HnswInsertElement(Relation index, HnswSupport *support, Datum value,
				  IndexTuple keys, ItemPointer heaptid)
{
	MemoryContext tmpCtx;
	MemoryContext oldCtx;

	tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
								   "Hnsw insert temporary context",
								   ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(tmpCtx);
	InsertElement(index, support, value, keys, heaptid);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
}

/*
 * The aminsert callback: index one row's value, with the values of its
 * filter columns (NULLs among them included).  NULL vectors, and zero
 * vectors under cosine distance, are not indexed.
 */
bool
hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
		   IndexInfo *indexInfo)
{
	MemoryContext tmpCtx;
	MemoryContext oldCtx;
	HnswSupport support;
	Datum		value;

	if (isnull[0])
		return false;

	tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
								   "Hnsw insert temporary context",
								   ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(tmpCtx);

	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	HnswInitBuildSupport(&support, index);
	if (HnswNormalizeValue(&support, value, &value))
		InsertElement(index, &support, value,
					  AmFormFilterKeys(index, values, isnull), heap_tid);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
	MilvusStatCountInsert(index);
	return false;
}
