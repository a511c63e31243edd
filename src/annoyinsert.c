/*-------------------------------------------------------------------------
 *
 * annoyinsert.c
 *	  aminsert of the annoy access method: store the value, then add its
 *	  position to one leaf of every tree, splitting full leaves.
 *
 * 1. The value and its heap TID go to a free slot of the vector store:
 *	  the metapage's vector insert page, else a page the free space map
 *	  offers (VACUUM records pages it freed slots on), else a new page.
 * 2. For each tree, the insert descends from the root, choosing at each
 *	  inner node the side of the hyperplane the value lies on (as the
 *	  build placed values), following the redirect of a leaf that was
 *	  split, and appends the position to the leaf it reaches.
 * 3. A full leaf is split: its positions are copied, their values read,
 *	  and a hyperplane planned over them and the new value, with no page
 *	  locked (AnnoyPlanSplit).  Then the leaf's page, a split page with a
 *	  free slot and a leaf page with two are locked in ascending block
 *	  order; if the leaf is unchanged, one generic WAL record writes the
 *	  new inner node, the two new leaves, and the redirect of the old leaf
 *	  to the inner node.  If it changed meanwhile (another insert split
 *	  it, VACUUM removed positions), the descent resumes from it.
 *
 * Each page change is one generic WAL record.  See annoy.h for the lock
 * order, and for the heavyweight lock a split holds against VACUUM.
 *
 * IDENTIFICATION
 *	  src/annoyinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/freespace.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "annoy.h"
#include "stat.h"

/*
 * A new page always has room, and others take it only while this insert
 * waits for a lock: more attempts than this mean a bug, not contention.
 */
#define ANNOY_MAX_ATTEMPTS	1000

/* What an insert carries down the trees */
typedef struct InsertState
{
	Relation	index;
	AnnoyLayout layout;
	AnnoyMetaPage meta;
	const void *data;			/* the raw value */
	AnnoyPoint point;			/* as the trees see it */
	ItemPointerData pos;		/* its vector store slot */
	pg_prng_state prng;
} InsertState;

/*
 * Put the value in a free slot of vector page blkno, if it has one; true
 * when stored, with the slot's position in pos.
 */
static bool
TryStoreOnPage(InsertState *is, BlockNumber blkno, ItemPointer heaptid)
{
	const AnnoyLayout *l = &is->layout;
	Buffer		buf = ReadBuffer(is->index, blkno);
	GenericXLogState *state;
	Page		page;
	AnnoyPageOpaque opaque;
	ItemPointer tids;
	int			slot = -1;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(is->index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	opaque = AnnoyPageGetOpaque(page);
	if (!PageIsNew(page) && opaque->page_id == ANNOY_PAGE_ID &&
		opaque->kind == ANNOY_PAGE_VECTOR && opaque->capacity == l->vectorCapacity)
	{
		tids = AnnoyVectorTids(page, l);
		for (int i = 0; i < opaque->nitems && slot < 0; i++)
		{
			if (!ItemPointerIsValid(&tids[i]))
				slot = i;
		}
		if (slot < 0 && opaque->nitems < opaque->capacity)
			slot = opaque->nitems++;
	}
	if (slot >= 0)
	{
		memcpy(AnnoyVectorValue(page, l, slot), is->data, l->elemSize);
		tids[slot] = *heaptid;
		GenericXLogFinish(state);
		ItemPointerSet(&is->pos, blkno, slot + 1);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
	return slot >= 0;
}

/*
 * Step 1: store the value: insert page, free space map, new page.
 */
static void
StoreValue(InsertState *is, ItemPointer heaptid)
{
	BlockNumber blkno = is->meta->vectorInsertPage;
	BlockNumber nblocks;
	Size		need = is->layout.elemSize + sizeof(ItemPointerData);

	if (blkno != InvalidBlockNumber && TryStoreOnPage(is, blkno, heaptid))
		return;

	nblocks = RelationGetNumberOfBlocks(is->index);
	while ((blkno = GetPageWithFreeSpace(is->index, need)) != InvalidBlockNumber)
	{
		if (blkno >= ANNOY_HEAD_BLKNO && blkno < nblocks &&
			TryStoreOnPage(is, blkno, heaptid))
			return;
		/* full (or not a vector page): forget it */
		RecordPageWithFreeSpace(is->index, blkno, 0);
	}

	for (int attempt = 0;; attempt++)
	{
		CHECK_FOR_INTERRUPTS();
		if (attempt >= ANNOY_MAX_ATTEMPTS)
			elog(ERROR, "could not find room for a value in annoy index \"%s\"",
				 RelationGetRelationName(is->index));
		blkno = AnnoyNewPage(is->index, &is->layout, ANNOY_PAGE_VECTOR);
		AnnoySetInsertPage(is->index, ANNOY_PAGE_VECTOR, blkno);
		if (TryStoreOnPage(is, blkno, heaptid))
			return;
	}
}

/*
 * Check that ref names a slot in use on a page of the expected kind.
 */
static void
CheckNodePage(Relation index, Page page, ItemPointer ref)
{
	AnnoyPageOpaque opaque = AnnoyPageGetOpaque(page);

	if (PageIsNew(page) || opaque->page_id != ANNOY_PAGE_ID ||
		(opaque->kind != ANNOY_PAGE_SPLIT && opaque->kind != ANNOY_PAGE_LEAF) ||
		AnnoyRefSlot(ref) < 0 || AnnoyRefSlot(ref) >= opaque->nitems)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("annoy index \"%s\" has an invalid node reference (%u,%u)",
						RelationGetRelationName(index),
						ItemPointerGetBlockNumberNoCheck(ref),
						ItemPointerGetOffsetNumberNoCheck(ref))));
}

/*
 * Copy the value at a vector store position into out.
 */
static void
ReadValue(Relation index, const AnnoyLayout *layout, ItemPointer pos,
		  char *out)
{
	Buffer		buf = ReadBuffer(index, ItemPointerGetBlockNumber(pos));
	Page		page;
	int			slot = AnnoyRefSlot(pos);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (PageIsNew(page) || AnnoyPageGetOpaque(page)->kind != ANNOY_PAGE_VECTOR ||
		slot < 0 || slot >= AnnoyPageGetOpaque(page)->nitems)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("annoy index \"%s\" has an invalid value position (%u,%u)",
						RelationGetRelationName(index),
						ItemPointerGetBlockNumberNoCheck(pos),
						ItemPointerGetOffsetNumberNoCheck(pos))));
	memcpy(out, AnnoyVectorValue(page, layout, slot), layout->elemSize);
	UnlockReleaseBuffer(buf);
}

/*
 * A page of the kind with room for need more slots: the metapage's insert
 * page for the kind, else a new one, which becomes it.  The caller holds
 * no buffer lock of the index; the answer may be stale by the time the
 * caller locks the page, which it checks.
 */
static BlockNumber
FindPageWithRoom(InsertState *is, int kind, int need)
{
	AnnoyMetaPage meta = AnnoyGetMeta(is->index);
	BlockNumber blkno = kind == ANNOY_PAGE_SPLIT ? meta->splitInsertPage :
		meta->leafInsertPage;

	pfree(meta);
	if (blkno != InvalidBlockNumber)
	{
		Buffer		buf = ReadBuffer(is->index, blkno);
		AnnoyPageOpaque opaque;
		bool		room;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		opaque = AnnoyPageGetOpaque(BufferGetPage(buf));
		room = !PageIsNew(BufferGetPage(buf)) && opaque->kind == kind &&
			opaque->nitems + need <= opaque->capacity;
		UnlockReleaseBuffer(buf);
		if (room)
			return blkno;
	}
	blkno = AnnoyNewPage(is->index, &is->layout, kind);
	AnnoySetInsertPage(is->index, kind, blkno);
	return blkno;
}

/*
 * The planned split of a full leaf: its positions, the hyperplane, and
 * each position's side (the new value last).
 */
typedef struct LeafSplit
{
	int			n;				/* positions of the leaf, plus the new one */
	ItemPointerData *ids;
	AnnoySplitPlan plan;
	uint8	   *sides;
} LeafSplit;

/*
 * Plan the split of the leaf whose n - 1 positions are in ls->ids: read
 * their values and plan a hyperplane over them and the new value.  No
 * page lock is held.
 */
static void
PlanLeafSplit(InsertState *is, LeafSplit *ls)
{
	const AnnoyLayout *l = &is->layout;
	int			n = ls->n;
	char	   *values = palloc((Size) n * l->elemSize);
	float	   *floats = NULL;
	AnnoyPoint *points = palloc(sizeof(AnnoyPoint) * n);

	if (l->kind != ANNOY_SPLIT_HAMMING)
		floats = palloc(sizeof(float) * l->dimensions * n);
	for (int i = 0; i < n - 1; i++)
	{
		char	   *value = values + (Size) i * l->elemSize;

		ReadValue(is->index, l, &ls->ids[i], value);
		points[i].b = (const uint8 *) value;
		points[i].f = NULL;
		if (floats != NULL)
		{
			AnnoyTreeValue(l, value, floats + (Size) i * l->dimensions);
			points[i].f = floats + (Size) i * l->dimensions;
		}
	}
	points[n - 1] = is->point;

	ls->plan.normal = palloc(sizeof(float) * Max(l->dimensions, 1));
	ls->sides = palloc(n);
	AnnoyPlanSplit(l, points, n, &is->prng, &ls->plan, ls->sides);
}

/*
 * Lock the distinct blocks of blknos[0..n-1] exclusively, in ascending
 * order, into bufs (InvalidBuffer for a repeated block).
 */
static void
LockAscending(Relation index, BlockNumber *blknos, Buffer *bufs, int n)
{
	for (int i = 0; i < n; i++)
		bufs[i] = InvalidBuffer;
	for (;;)
	{
		int			next = -1;

		for (int i = 0; i < n; i++)
		{
			bool		dup = false;

			for (int j = 0; j < n; j++)
				dup |= (j != i && blknos[j] == blknos[i] &&
						(bufs[j] != InvalidBuffer || j < i));
			if (bufs[i] == InvalidBuffer && !dup &&
				(next < 0 || blknos[i] < blknos[next]))
				next = i;
		}
		if (next < 0)
			return;
		bufs[next] = ReadBuffer(index, blknos[next]);
		LockBuffer(bufs[next], BUFFER_LOCK_EXCLUSIVE);
	}
}

/*
 * The buffer that holds block blkno among the locked ones.
 */
static Buffer
LockedBuffer(BlockNumber *blknos, Buffer *bufs, int n, BlockNumber blkno)
{
	for (int i = 0; i < n; i++)
	{
		if (blknos[i] == blkno && bufs[i] != InvalidBuffer)
			return bufs[i];
	}
	elog(ERROR, "annoy block %u is not locked", blkno);
	return InvalidBuffer;		/* keep compiler quiet */
}

/*
 * With the pages locked: true when the leaf still holds what was copied
 * and the target pages have room.  *changed says the leaf changed.
 */
static bool
TargetsReady(InsertState *is, ItemPointer ref, LeafSplit *ls, Page leafPage,
			 Page splitPage, Page newLeafPage, bool *changed)
{
	AnnoyLeaf	leaf = AnnoyPageLeaf(leafPage, &is->layout, AnnoyRefSlot(ref));
	AnnoyPageOpaque so = AnnoyPageGetOpaque(splitPage);
	AnnoyPageOpaque lo = AnnoyPageGetOpaque(newLeafPage);

	*changed = ItemPointerIsValid(&leaf->redirect) || leaf->nids != ls->n - 1 ||
		memcmp(leaf->ids, ls->ids, sizeof(ItemPointerData) * (ls->n - 1)) != 0;
	if (*changed)
		return false;
	return !PageIsNew(splitPage) && so->kind == ANNOY_PAGE_SPLIT &&
		so->nitems < so->capacity &&
		!PageIsNew(newLeafPage) && lo->kind == ANNOY_PAGE_LEAF &&
		lo->nitems + 2 <= lo->capacity;
}

/*
 * Write the planned split, in one generic WAL record: the inner node on
 * the split page, the two leaves on the new leaf page, the redirect on the
 * old leaf.  The caller holds the three pages' exclusive locks.
 */
static void
WriteLeafSplit(InsertState *is, ItemPointer ref, LeafSplit *ls,
			   BlockNumber *blknos, Buffer *bufs)
{
	const AnnoyLayout *l = &is->layout;
	GenericXLogState *state = GenericXLogStart(is->index);
	Page		pages[3];
	AnnoySplit split;
	AnnoyLeaf	leaves[2];
	AnnoyLeaf	old;
	int			splitSlot;
	int			leafSlot;

	for (int i = 0; i < 3; i++)
	{
		pages[i] = NULL;
		for (int j = 0; j < i; j++)
			if (blknos[j] == blknos[i])
				pages[i] = pages[j];
		if (pages[i] == NULL)
			pages[i] = GenericXLogRegisterBuffer(state,
												 LockedBuffer(blknos, bufs, 3,
															  blknos[i]), 0);
	}

	splitSlot = AnnoyPageGetOpaque(pages[1])->nitems++;
	leafSlot = AnnoyPageGetOpaque(pages[2])->nitems;
	AnnoyPageGetOpaque(pages[2])->nitems += 2;
	split = AnnoyPageSplit(pages[1], l, splitSlot);
	AnnoyWriteSplit(l, split, &ls->plan);
	for (int c = 0; c < 2; c++)
	{
		leaves[c] = AnnoyPageLeaf(pages[2], l, leafSlot + c);
		AnnoyInitLeaf(leaves[c]);
		ItemPointerSet(&split->children[c], blknos[2], leafSlot + c + 1);
	}
	for (int i = 0; i < ls->n; i++)
	{
		AnnoyLeaf	leaf = leaves[ls->sides[i]];

		leaf->ids[leaf->nids++] = i < ls->n - 1 ? ls->ids[i] : is->pos;
	}

	old = AnnoyPageLeaf(pages[0], l, AnnoyRefSlot(ref));
	ItemPointerSet(&old->redirect, blknos[1], splitSlot + 1);
	memset(old->ids, 0, sizeof(ItemPointerData) * old->nids);
	old->nids = 0;
	GenericXLogFinish(state);
}

/*
 * Step 3: split the full leaf ref, whose positions ls->ids holds (copied
 * under its lock), adding the new value.  False when the leaf changed
 * meanwhile: the caller looks at it again.
 */
static bool
SplitLeaf(InsertState *is, ItemPointer ref, LeafSplit *ls)
{
	bool		changed = false;
	bool		done = false;

	PlanLeafSplit(is, ls);
	for (int attempt = 0; !done && !changed; attempt++)
	{
		BlockNumber blknos[3];
		Buffer		bufs[3];

		/* others may take the room found, but not this often */
		CHECK_FOR_INTERRUPTS();
		if (attempt >= ANNOY_MAX_ATTEMPTS)
			elog(ERROR, "could not find room to split a leaf of annoy index \"%s\"",
				 RelationGetRelationName(is->index));
		blknos[0] = ItemPointerGetBlockNumber(ref);
		blknos[1] = FindPageWithRoom(is, ANNOY_PAGE_SPLIT, 1);
		blknos[2] = FindPageWithRoom(is, ANNOY_PAGE_LEAF, 2);
		LockAscending(is->index, blknos, bufs, 3);
		done = TargetsReady(is, ref, ls,
							BufferGetPage(LockedBuffer(blknos, bufs, 3, blknos[0])),
							BufferGetPage(LockedBuffer(blknos, bufs, 3, blknos[1])),
							BufferGetPage(LockedBuffer(blknos, bufs, 3, blknos[2])),
							&changed);
		if (done)
			WriteLeafSplit(is, ref, ls, blknos, bufs);
		for (int i = 0; i < 3; i++)
		{
			if (bufs[i] != InvalidBuffer)
				UnlockReleaseBuffer(bufs[i]);
		}
	}
	return done;
}

/*
 * Step 3's first part: under the split lock, copy the positions of the
 * leaf ref if it is still full and not split, and split it.  False when
 * the caller must look at the leaf again.
 */
static bool
TrySplit(InsertState *is, ItemPointer ref)
{
	LeafSplit	ls;
	Buffer		buf;
	AnnoyLeaf	leaf;
	bool		full;

	LockPage(is->index, ANNOY_METAPAGE_BLKNO, ShareLock);
	buf = ReadBuffer(is->index, ItemPointerGetBlockNumber(ref));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	leaf = AnnoyPageLeaf(BufferGetPage(buf), &is->layout, AnnoyRefSlot(ref));
	full = !ItemPointerIsValid(&leaf->redirect) &&
		leaf->nids >= is->layout.leafCapacity;
	if (full)
	{
		ls.n = leaf->nids + 1;
		ls.ids = palloc(sizeof(ItemPointerData) * leaf->nids);
		memcpy(ls.ids, leaf->ids, sizeof(ItemPointerData) * leaf->nids);
	}
	UnlockReleaseBuffer(buf);
	full = full && SplitLeaf(is, ref, &ls);
	UnlockPage(is->index, ANNOY_METAPAGE_BLKNO, ShareLock);
	return full;
}

/*
 * Append the position to the leaf ref if it has room; false when it is
 * full.  Follows a redirect into *ref (true, nothing appended, *moved).
 */
static bool
TryAppend(InsertState *is, ItemPointer ref, bool *moved)
{
	Buffer		buf = ReadBuffer(is->index, ItemPointerGetBlockNumber(ref));
	GenericXLogState *state;
	AnnoyLeaf	leaf;
	bool		appended = false;

	*moved = false;
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	CheckNodePage(is->index, BufferGetPage(buf), ref);
	leaf = AnnoyPageLeaf(BufferGetPage(buf), &is->layout, AnnoyRefSlot(ref));
	if (ItemPointerIsValid(&leaf->redirect))
	{
		*ref = leaf->redirect;
		*moved = true;
	}
	else if (leaf->nids < is->layout.leafCapacity)
	{
		state = GenericXLogStart(is->index);
		leaf = AnnoyPageLeaf(GenericXLogRegisterBuffer(state, buf, 0),
							 &is->layout, AnnoyRefSlot(ref));
		leaf->ids[leaf->nids++] = is->pos;
		GenericXLogFinish(state);
		appended = true;
	}
	UnlockReleaseBuffer(buf);
	return appended || *moved;
}

/*
 * Step 2: descend one tree from ref and add the position to a leaf.
 */
static void
InsertIntoTree(InsertState *is, ItemPointerData ref)
{
	for (;;)
	{
		Buffer		buf;
		Page		page;
		bool		moved;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(is->index, ItemPointerGetBlockNumber(&ref));
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		CheckNodePage(is->index, page, &ref);
		if (AnnoyPageGetOpaque(page)->kind == ANNOY_PAGE_SPLIT)
		{
			AnnoySplit split = AnnoyPageSplit(page, &is->layout,
											  AnnoyRefSlot(&ref));

			ref = split->children[AnnoySide(&is->layout, split, is->point,
											&is->prng)];
			UnlockReleaseBuffer(buf);
			continue;
		}
		UnlockReleaseBuffer(buf);

		/* a leaf: append, or follow its redirect, or split it */
		if (TryAppend(is, &ref, &moved))
		{
			if (moved)
				continue;
			return;
		}
		if (TrySplit(is, &ref))
			return;
	}
}

/*
 * Insert a value (raw element array, dimensions already checked) with its
 * heap TID: store it, then add it to every tree.  Used by aminsert and by
 * builds that do not fit in memory.  Allocates in a temporary context.
 */
void
AnnoyInsertValue(Relation index, const void *data, ItemPointer heaptid)
{
	MemoryContext tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
												 "Annoy insert temporary context",
												 ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldCtx = MemoryContextSwitchTo(tmpCtx);
	InsertState is;
	float	   *f = NULL;

	is.index = index;
	is.meta = AnnoyGetMeta(index);
	AnnoyComputeLayout(&is.layout, is.meta->metric, is.meta->dimensions);
	is.data = data;
	is.point.b = data;
	if (is.layout.kind != ANNOY_SPLIT_HAMMING)
	{
		f = palloc(sizeof(float) * is.layout.dimensions);
		AnnoyTreeValue(&is.layout, data, f);
	}
	is.point.f = f;
	pg_prng_seed(&is.prng, hash_bytes_extended((const unsigned char *) heaptid,
											   sizeof(ItemPointerData), 0));

	StoreValue(&is, heaptid);
	for (int t = 0; t < is.meta->nTrees; t++)
		InsertIntoTree(&is, is.meta->roots[t]);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
}

/*
 * aminsert: add one row's value, unless it is NULL.
 */
bool
annoyinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
			Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
			IndexInfo *indexInfo)
{
	MemoryContext tmpCtx;
	MemoryContext oldCtx;
	AnnoyMetric metric;
	Datum		value;

	if (isnull[0])
		return false;

	tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
								   "Annoy insert value context",
								   ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(tmpCtx);
	metric = AnnoyGetMetric(index);
	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	AnnoyInsertValue(index,
					 AnnoyValueData(metric, value,
									AnnoyGetDimensions(index, metric)),
					 heap_tid);
	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(tmpCtx);
	MilvusStatCountInsert(index);
	return false;
}
