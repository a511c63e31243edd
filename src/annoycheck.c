/*-------------------------------------------------------------------------
 *
 * annoycheck.c
 *	  AnnoyCheckIndex: milvus_index_check for annoy indexes.
 *
 * Checks the metapage (identity, metric, layout, roots, insert pages), the
 * vector store (each page's identity and counts; each live slot's heap
 * TID valid and present in the table, its value finite, no heap TID
 * stored twice), then walks every tree from its root: each node reference
 * names a slot in use of a split or leaf page, redirects lead to inner
 * nodes, leaves hold at most leafCapacity positions, each naming a live
 * slot, and every live value is reached exactly once per tree.
 * indexcheck.c holds the locks; inserts may run meanwhile, and one caught
 * between storing its value and adding it to the trees is reported as not
 * reached (run the check again to confirm).
 *
 * IDENTIFICATION
 *	  src/annoycheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "annoy.h"
#include "indexcheck.h"

/* A live value of the vector store, with its visits in the current tree */
typedef struct CheckEntry
{
	ItemPointerData pos;		/* the hash key */
	ItemPointerData tid;
	int			tree;			/* the last tree that reached it */
	int			visits;			/* in that tree */
} CheckEntry;

typedef struct CheckState
{
	Relation	heap;
	Relation	index;
	IndexCheckOutput *out;
	AnnoyMetaPage meta;
	AnnoyLayout layout;
	BlockNumber nblocks;
	BlockNumber heapBlocks;
	HTAB	   *values;			/* CheckEntry by position */
} CheckState;

/*
 * Check the metapage; false when the rest cannot be read with it.
 */
static bool
CheckMeta(CheckState *cs)
{
	Buffer		buf = ReadBuffer(cs->index, ANNOY_METAPAGE_BLKNO);
	AnnoyMetaPage meta = palloc(BLCKSZ);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(meta, AnnoyPageGetMeta(BufferGetPage(buf)),
		   BLCKSZ - MAXALIGN(SizeOfPageHeaderData));
	UnlockReleaseBuffer(buf);
	cs->meta = meta;

	if (meta->magicNumber != ANNOY_MAGIC_NUMBER || meta->version != ANNOY_VERSION ||
		meta->nTrees < ANNOY_MIN_N_TREES || meta->nTrees > ANNOY_MAX_N_TREES)
	{
		IndexCheckReport(cs->out, "bad metapage", "magic %08x version %u trees %u",
						 meta->magicNumber, meta->version, meta->nTrees);
		return false;
	}
	if (meta->metric <= ANNOY_METRIC_INVALID || meta->metric > ANNOY_BIT_HAMMING ||
		meta->metric != AnnoyGetMetric(cs->index))
	{
		IndexCheckReport(cs->out, "bad metapage", "metric %u", meta->metric);
		return false;
	}
	AnnoyComputeLayout(&cs->layout, meta->metric, meta->dimensions);
	if (meta->elemSize != cs->layout.elemSize ||
		meta->leafCapacity != cs->layout.leafCapacity)
	{
		IndexCheckReport(cs->out, "bad metapage",
						 "element size %u leaf capacity %u for %u dimensions",
						 meta->elemSize, meta->leafCapacity, meta->dimensions);
		return false;
	}
	return true;
}

/*
 * Whether a stored value is finite (bit strings always are).
 */
static bool
ValueIsFinite(const AnnoyLayout *l, const char *value)
{
	return l->metric == ANNOY_BIT_HAMMING ||
		AmElementsFinite(value, l->dimensions, l->metric >= ANNOY_HALFVEC_L2);
}

/*
 * Check one vector page's live slots and enter them in cs->values.
 */
static void
CheckVectorPage(CheckState *cs, BlockNumber blkno, Page page)
{
	AnnoyPageOpaque opaque = AnnoyPageGetOpaque(page);
	ItemPointer tids = AnnoyVectorTids(page, &cs->layout);

	if (opaque->capacity != cs->layout.vectorCapacity ||
		opaque->nitems > opaque->capacity)
	{
		IndexCheckReport(cs->out, "bad page", "block %u: capacity %u, %u items",
						 blkno, opaque->capacity, opaque->nitems);
		return;
	}
	for (int i = 0; i < opaque->nitems; i++)
	{
		ItemPointer tid = &tids[i];
		ItemPointerData pos;
		CheckEntry *e;

		if (!ItemPointerIsValid(tid))
			continue;
		IndexCheckHeapTid(cs->out, cs->heap, &cs->heapBlocks, tid,
						  "in block %u slot %d", blkno, i);
		if (!ValueIsFinite(&cs->layout, AnnoyVectorValue(page, &cs->layout, i)))
			IndexCheckReport(cs->out, "bad value",
							 "block %u slot %d: not finite", blkno, i);
		ItemPointerSet(&pos, blkno, i + 1);
		e = hash_search(cs->values, &pos, HASH_ENTER, NULL);
		e->tid = *tid;
		e->tree = -1;
		e->visits = 0;
	}
}

/*
 * Read every page: check its identity, and the vector store's slots.
 */
static void
CheckPages(CheckState *cs)
{
	for (BlockNumber blkno = ANNOY_HEAD_BLKNO; blkno < cs->nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;
		AnnoyPageOpaque opaque;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = AnnoyPageGetOpaque(page);
		/* a page extended by an insert that crashed: never referenced */
		if (PageIsNew(page))
			;
		else if (opaque->page_id != ANNOY_PAGE_ID ||
				 opaque->kind < ANNOY_PAGE_VECTOR || opaque->kind > ANNOY_PAGE_LEAF)
			IndexCheckReport(cs->out, "bad page", "block %u: page id %04x, kind %u",
							 blkno, opaque->page_id, opaque->kind);
		else if (opaque->kind == ANNOY_PAGE_VECTOR)
			CheckVectorPage(cs, blkno, page);
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Count one visit of a leaf's position in tree t.
 */
static void
VisitPosition(CheckState *cs, int t, ItemPointer ref, ItemPointer pos)
{
	CheckEntry *e = hash_search(cs->values, pos, HASH_FIND, NULL);

	if (e == NULL)
	{
		IndexCheckReport(cs->out, "bad leaf entry",
						 "tree %d leaf (%u,%u): position (%u,%u) holds no value",
						 t, ItemPointerGetBlockNumberNoCheck(ref),
						 ItemPointerGetOffsetNumberNoCheck(ref),
						 ItemPointerGetBlockNumberNoCheck(pos),
						 ItemPointerGetOffsetNumberNoCheck(pos));
		return;
	}
	if (e->tree != t)
	{
		e->tree = t;
		e->visits = 0;
	}
	if (++e->visits == 2)
		IndexCheckReport(cs->out, "duplicate leaf entry",
						 "tree %d: heap tid (%u,%u) in two leaves", t,
						 ItemPointerGetBlockNumberNoCheck(&e->tid),
						 ItemPointerGetOffsetNumberNoCheck(&e->tid));
}

/*
 * Check the node ref of tree t, reached at depth; push its children on
 * the stack.  False when ref is not a node.
 */
static bool
CheckNode(CheckState *cs, int t, ItemPointer ref, List **stack, bool mustSplit)
{
	BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(ref);
	int			slot = AnnoyRefSlot(ref);
	Buffer		buf;
	Page		page;
	AnnoyPageOpaque opaque;
	bool		ok;
	ItemPointerData redirect;

	ItemPointerSetInvalid(&redirect);
	if (blkno < ANNOY_HEAD_BLKNO || blkno >= cs->nblocks)
		return false;
	buf = ReadBuffer(cs->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	opaque = AnnoyPageGetOpaque(page);
	ok = !PageIsNew(page) && opaque->page_id == ANNOY_PAGE_ID &&
		slot >= 0 && slot < opaque->nitems &&
		(opaque->kind == ANNOY_PAGE_SPLIT ||
		 (opaque->kind == ANNOY_PAGE_LEAF && !mustSplit));
	if (ok && opaque->kind == ANNOY_PAGE_SPLIT)
	{
		AnnoySplit split = AnnoyPageSplit(page, &cs->layout, slot);

		for (int c = 0; c < 2; c++)
		{
			ItemPointer child = palloc(sizeof(ItemPointerData));

			*child = split->children[c];
			*stack = lappend(*stack, child);
		}
	}
	else if (ok)
	{
		AnnoyLeaf	leaf = AnnoyPageLeaf(page, &cs->layout, slot);

		if (ItemPointerIsValid(&leaf->redirect))
			redirect = leaf->redirect;
		else if (leaf->nids > cs->layout.leafCapacity)
			IndexCheckReport(cs->out, "bad leaf", "tree %d leaf (%u,%d): %u ids",
							 t, blkno, slot + 1, leaf->nids);
		else
			for (int i = 0; i < leaf->nids; i++)
				VisitPosition(cs, t, ref, &leaf->ids[i]);
	}
	UnlockReleaseBuffer(buf);

	/* a split leaf: its inner node, with no page locked */
	if (ok && ItemPointerIsValid(&redirect))
		ok = CheckNode(cs, t, &redirect, stack, true);
	return ok;
}

/*
 * Walk tree t; report values it does not reach.
 */
static void
CheckTree(CheckState *cs, int t)
{
	List	   *stack = NIL;
	int64		nodes = 0;
	HASH_SEQ_STATUS seq;
	CheckEntry *e;
	ItemPointer root = palloc(sizeof(ItemPointerData));

	*root = cs->meta->roots[t];
	stack = lappend(stack, root);
	while (stack != NIL)
	{
		ItemPointer ref = llast(stack);

		CHECK_FOR_INTERRUPTS();
		stack = list_delete_last(stack);
		if (++nodes > (int64) cs->nblocks * MaxHeapTuplesPerPage * 4)
		{
			IndexCheckReport(cs->out, "bad tree", "tree %d has a cycle", t);
			return;
		}
		if (!CheckNode(cs, t, ref, &stack, false))
			IndexCheckReport(cs->out, "bad node reference",
							 "tree %d: (%u,%u)", t,
							 ItemPointerGetBlockNumberNoCheck(ref),
							 ItemPointerGetOffsetNumberNoCheck(ref));
		pfree(ref);
	}

	hash_seq_init(&seq, cs->values);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->tree != t)
			IndexCheckReport(cs->out, "value not in tree",
							 "tree %d: heap tid (%u,%u) not reached", t,
							 ItemPointerGetBlockNumberNoCheck(&e->tid),
							 ItemPointerGetOffsetNumberNoCheck(&e->tid));
	}
}

/*
 * Report heap TIDs stored twice in the vector store.
 */
static void
CheckDuplicateTids(CheckState *cs)
{
	HASHCTL		ctl;
	HTAB	   *tids;
	HASH_SEQ_STATUS seq;
	CheckEntry *e;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(ItemPointerData);
	ctl.hcxt = CurrentMemoryContext;
	tids = hash_create("Annoy check heap tids", 1024, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	hash_seq_init(&seq, cs->values);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		bool		found;

		hash_search(tids, &e->tid, HASH_ENTER, &found);
		if (found)
			IndexCheckReport(cs->out, "duplicate heap tid", "(%u,%u) indexed twice",
							 ItemPointerGetBlockNumberNoCheck(&e->tid),
							 ItemPointerGetOffsetNumberNoCheck(&e->tid));
	}
	hash_destroy(tids);
}

/*
 * The annoy check: see the file header.
 */
void
AnnoyCheckIndex(Relation heap, Relation index, IndexCheckOutput *out)
{
	CheckState	cs;
	HASHCTL		ctl;

	cs.heap = heap;
	cs.index = index;
	cs.out = out;
	if (!CheckMeta(&cs))
		return;
	cs.nblocks = RelationGetNumberOfBlocks(index);
	cs.heapBlocks = RelationGetNumberOfBlocks(heap);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(CheckEntry);
	ctl.hcxt = CurrentMemoryContext;
	cs.values = hash_create("Annoy check values", 1024, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	CheckPages(&cs);
	CheckDuplicateTids(&cs);
	for (int t = 0; t < cs.meta->nTrees; t++)
		CheckTree(&cs, t);
	hash_destroy(cs.values);
}
