/*-------------------------------------------------------------------------
 *
 * hnswcheck.c
 *	  HnswCheckIndex: milvus_index_check(regclass) for hnsw indexes.
 *
 * The check reads the whole index and reports, one row per problem:
 *
 *	- bad metapage or tuple types, neighbour tuples with the wrong number
 *	  of slots for their element's level;
 *	- dangling neighbour links: a link to a TID that is not an element, or
 *	  at a level above the linked element's own level;
 *	- unreachable elements: live elements that no path of level-0 links
 *	  from the entry point reaches (a search, which ends at level 0 and
 *	  follows only its links there, could never return them: a link at an
 *	  upper level only makes an element a possible starting point);
 *	- entries whose heap TID does not exist in the table: past its end or
 *	  on an unused line pointer (a dead line pointer still awaiting index
 *	  vacuuming counts as existing).  This reads heap pages directly, so
 *	  the table must use the heap access method.
 *	- neighbour codes (hnsw.h): the codebook pages the metapage names must
 *	  hold the codebook, and each level-0 link's code must be the code of
 *	  the linked element's value, or HNSW_CODE_UNKNOWN;
 *	- filter columns (multicolumn indexes): the values an element stores
 *	  must be those of each of its heap rows, computed again from the row
 *	  as an insert would (index expressions included).  Rows whose line
 *	  pointer is no longer a tuple (pruned) are not compared.
 *
 It reports nothing for a sound index.  indexcheck.c holds the locks (no
 * VACUUM meanwhile; inserts and queries go on); links added by a concurrent
 * insert can be reported as dangling if the check reads them half-way, so
 * run it on a quiet index for a definite answer.
 *
 * IDENTIFICATION
 *	  src/hnswcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "hnsw.h"
#include "indexcheck.h"

/* what the check remembers of each element */
typedef struct CheckElement
{
	ItemPointerData tid;		/* hash key: the element tuple */
	ItemPointerData neighbortid;
	int			level;
	bool		deleted;
	bool		reached;
	uint8		code[HNSW_CODE_MAX_M];	/* of its value, with codes */
} CheckElement;

typedef struct CheckState
{
	Relation	index;
	Relation	heap;
	int			m;
	const HnswCodebook *codebook;	/* NULL: no codes (or a bad codebook) */
	int			codeM;
	HTAB	   *elements;
	IndexCheckOutput *out;
} CheckState;

/*
 * Pass 1: remember every element tuple; check tuple types.
 */
static void
CollectElements(CheckState *cs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(cs->index);

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		for (OffsetNumber off = FirstOffsetNumber;
			 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
		{
			HnswElementTuple etup = (HnswElementTuple)
			PageGetItem(page, PageGetItemId(page, off));
			ItemPointerData tid;
			CheckElement *e;

			if (etup->type == HNSW_NEIGHBOR_TUPLE_TYPE)
				continue;
			if (etup->type != HNSW_ELEMENT_TUPLE_TYPE)
			{
				IndexCheckReport(cs->out, "bad tuple type", "(%u,%u) has type %d",
					   blkno, off, etup->type);
				continue;
			}
			ItemPointerSet(&tid, blkno, off);
			e = hash_search(cs->elements, &tid, HASH_ENTER, NULL);
			e->neighbortid = etup->neighbortid;
			e->level = etup->level;
			e->deleted = etup->deleted != 0;
			e->reached = false;
			if (cs->codebook != NULL)
				HnswEncodeValue(cs->codebook, HnswElementTupleValue(etup),
								e->code);
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Read an element's neighbour tuple into slots (palloc'd); returns the
 * number of slots, or -1 after reporting a problem.
 */
static int
ReadNeighbors(CheckState *cs, CheckElement *e, HnswNeighborData **slots,
			  uint8 **codes)
{
	BlockNumber blkno = ItemPointerGetBlockNumber(&e->neighbortid);
	OffsetNumber off = ItemPointerGetOffsetNumber(&e->neighbortid);
	Buffer		buf;
	Page		page;
	HnswNeighborTuple ntup;
	int			count = -1;

	if (!ItemPointerIsValid(&e->neighbortid) ||
		blkno >= RelationGetNumberOfBlocks(cs->index))
	{
		IndexCheckReport(cs->out, "missing neighbour tuple", "element (%u,%u)",
			   ItemPointerGetBlockNumber(&e->tid),
			   ItemPointerGetOffsetNumber(&e->tid));
		return -1;
	}

	buf = ReadBuffer(cs->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	if (off > PageGetMaxOffsetNumber(page))
		IndexCheckReport(cs->out, "missing neighbour tuple", "element (%u,%u)",
			   ItemPointerGetBlockNumber(&e->tid),
			   ItemPointerGetOffsetNumber(&e->tid));
	else
	{
		Size		len = ItemIdGetLength(PageGetItemId(page, off));

		ntup = (HnswNeighborTuple) PageGetItem(page, PageGetItemId(page, off));
		if (ntup->type != HNSW_NEIGHBOR_TUPLE_TYPE ||
			ntup->count != HNSW_NEIGHBOR_SLOTS(e->level, cs->m) ||
			len < HNSW_NEIGHBOR_TUPLE_SIZE(e->level, cs->m, cs->codeM))
			IndexCheckReport(cs->out, "bad neighbour tuple",
				   "element (%u,%u) at level %d: type %d, %d slots, %zu bytes",
				   ItemPointerGetBlockNumber(&e->tid),
				   ItemPointerGetOffsetNumber(&e->tid), e->level,
				   ntup->type, ntup->count, len);
		else
		{
			count = ntup->count;
			*slots = palloc(sizeof(HnswNeighborData) * count);
			memcpy(*slots, ntup->neighbors, sizeof(HnswNeighborData) * count);
			if (codes != NULL && cs->codeM > 0)
			{
				*codes = palloc(2 * cs->m * cs->codeM);
				memcpy(*codes, HnswNeighborCode(ntup, 0, cs->codeM),
					   2 * cs->m * cs->codeM);
			}
		}
	}
	UnlockReleaseBuffer(buf);
	return count;
}

/*
 * Pass 2: every link must name an element whose level reaches the link's.
 */
static void
CheckLinks(CheckState *cs)
{
	HASH_SEQ_STATUS seq;
	CheckElement *e;

	hash_seq_init(&seq, cs->elements);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		HnswNeighborData *slots;
		uint8	   *codes = NULL;

		CHECK_FOR_INTERRUPTS();
		if (ReadNeighbors(cs, e, &slots, &codes) < 0)
			continue;
		for (int lc = 0; lc <= e->level; lc++)
		{
			int			first = HnswLevelFirstSlot(lc, cs->m);

			for (int i = 0; i < HnswLevelSlots(lc, cs->m); i++)
			{
				ItemPointer tid = &slots[first + i].tid;
				CheckElement *target;

				if (!ItemPointerIsValid(tid))
					continue;
				target = hash_search(cs->elements, tid, HASH_FIND, NULL);
				if (target == NULL || target->level < lc)
					IndexCheckReport(cs->out, "dangling neighbour link",
						   "element (%u,%u) links at level %d to (%u,%u)",
						   ItemPointerGetBlockNumber(&e->tid),
						   ItemPointerGetOffsetNumber(&e->tid), lc,
						   ItemPointerGetBlockNumber(tid),
						   ItemPointerGetOffsetNumber(tid));
				else if (lc == 0 && codes != NULL && cs->codebook != NULL &&
						 HnswCodeKnown(codes + i * cs->codeM, cs->codeM) &&
						 memcmp(codes + i * cs->codeM, target->code,
								cs->codeM) != 0)
					IndexCheckReport(cs->out, "wrong neighbour code",
						   "element (%u,%u) links to (%u,%u)",
						   ItemPointerGetBlockNumber(&e->tid),
						   ItemPointerGetOffsetNumber(&e->tid),
						   ItemPointerGetBlockNumber(tid),
						   ItemPointerGetOffsetNumber(tid));
			}
		}
		pfree(slots);
		if (codes != NULL)
			pfree(codes);
	}
}

/*
 * Pass 3: walk the level-0 links from the entry point, as a search's last
 * layer does; report live elements that were not reached.
 */
static void
CheckReachable(CheckState *cs)
{
	ItemPointerData entry;
	List	   *queue = NIL;
	HASH_SEQ_STATUS seq;
	CheckElement *e;

	HnswGetMetaPageInfo(cs->index, NULL, &entry, NULL, NULL, NULL);
	if (ItemPointerIsValid(&entry))
	{
		e = hash_search(cs->elements, &entry, HASH_FIND, NULL);
		if (e == NULL)
			IndexCheckReport(cs->out, "bad entry point", "(%u,%u) is not an element",
				   ItemPointerGetBlockNumber(&entry),
				   ItemPointerGetOffsetNumber(&entry));
		else
		{
			e->reached = true;
			queue = lappend(queue, e);
		}
	}

	while (queue != NIL)
	{
		HnswNeighborData *slots;
		int			count;

		CHECK_FOR_INTERRUPTS();
		e = linitial(queue);
		queue = list_delete_first(queue);
		count = ReadNeighbors(cs, e, &slots, NULL);
		for (int i = 0; i < Min(count, HnswLevelSlots(0, cs->m)); i++)
		{
			CheckElement *target;

			if (!ItemPointerIsValid(&slots[i].tid))
				continue;
			target = hash_search(cs->elements, &slots[i].tid, HASH_FIND, NULL);
			if (target != NULL && !target->reached)
			{
				target->reached = true;
				queue = lappend(queue, target);
			}
		}
		if (count >= 0)
			pfree(slots);
	}

	hash_seq_init(&seq, cs->elements);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (!e->reached && !e->deleted)
			IndexCheckReport(cs->out, "unreachable element", "(%u,%u) at level %d",
				   ItemPointerGetBlockNumber(&e->tid),
				   ItemPointerGetOffsetNumber(&e->tid), e->level);
	}
}

/*
 * Pass 4: every heap TID of every element must exist in the table.
 */
static void
CheckHeapTids(CheckState *cs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(cs->index);
	BlockNumber heapblocks = RelationGetNumberOfBlocks(cs->heap);

	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(cs->index, blkno);
		Page		page;
		List	   *tids = NIL;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		for (OffsetNumber off = FirstOffsetNumber;
			 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
		{
			HnswElementTuple etup = (HnswElementTuple)
			PageGetItem(page, PageGetItemId(page, off));

			if (etup->type != HNSW_ELEMENT_TUPLE_TYPE)
				continue;
			for (int i = 0; i < HNSW_HEAPTIDS; i++)
			{
				if (ItemPointerIsValid(&etup->heaptids[i]))
				{
					ItemPointer copy = palloc(sizeof(ItemPointerData));

					*copy = etup->heaptids[i];
					tids = lappend(tids, copy);
				}
			}
		}
		UnlockReleaseBuffer(buf);

		/* look the TIDs up with no index buffer locked */
		foreach(lc, tids)
		{
			ItemPointer tid = lfirst(lc);

			IndexCheckHeapTid(cs->out, cs->heap, &heapblocks, tid,
							  "in block %u", blkno);
		}
		list_free_deep(tids);
	}
}

/* an element's heap TID and its stored keys, copied out */
typedef struct CheckKeys
{
	ItemPointerData heaptid;
	IndexTuple	keys;
} CheckKeys;

/*
 * Copy out the (heap TID, keys) pairs of the live elements of one page.
 */
static List *
CollectKeys(CheckState *cs, BlockNumber blkno)
{
	Buffer		buf = ReadBuffer(cs->index, blkno);
	Page		page;
	List	   *result = NIL;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
	{
		HnswElementTuple etup = (HnswElementTuple)
		PageGetItem(page, PageGetItemId(page, off));
		IndexTuple	keys;

		if (etup->type != HNSW_ELEMENT_TUPLE_TYPE || etup->deleted)
			continue;
		keys = HnswElementTupleKeys(etup);
		for (int i = 0; i < HNSW_HEAPTIDS; i++)
		{
			CheckKeys  *ck;

			if (!ItemPointerIsValid(&etup->heaptids[i]))
				continue;
			ck = palloc(sizeof(CheckKeys));
			ck->heaptid = etup->heaptids[i];
			ck->keys = NULL;
			if (keys != NULL)
			{
				ck->keys = palloc(IndexTupleSize(keys));
				memcpy(ck->keys, keys, IndexTupleSize(keys));
			}
			result = lappend(result, ck);
		}
	}
	UnlockReleaseBuffer(buf);
	return result;
}

/*
 * Pass 5 (multicolumn indexes): the stored filter column values of every
 * element must be its heap rows' (AmFilterCheckRow).
 */
static void
CheckKeyValues(CheckState *cs)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(cs->index);
	AmFilterCheck fc = AmFilterCheckBegin(cs->heap, cs->index);

	if (fc == NULL)
		return;
	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		List	   *pairs;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		pairs = CollectKeys(cs, blkno);

		/* read the rows with no index buffer locked */
		foreach(lc, pairs)
		{
			CheckKeys  *ck = lfirst(lc);
			int			attno = AmFilterCheckRow(fc, &ck->heaptid, ck->keys);

			if (attno > 0)
				IndexCheckReport(cs->out, "wrong filter column value",
								 "heap TID (%u,%u), index column %d",
								 ItemPointerGetBlockNumber(&ck->heaptid),
								 ItemPointerGetOffsetNumber(&ck->heaptid),
								 attno);
			if (ck->keys != NULL)
				pfree(ck->keys);
		}
		list_free_deep(pairs);
	}
	AmFilterCheckEnd(fc);
}

/*
 * Pass 0: the metapage's code parameters and the codebook pages they name,
 * read without erroring out (HnswGetCodebook would).  Returns whether the
 * codebook can be read; reports what is wrong otherwise.  Sets cs->codeM
 * from the metapage, so that neighbour tuples are checked for room for
 * their codes even when the codebook is bad.
 */
static bool
CheckCodebook(CheckState *cs)
{
	Buffer		buf = ReadBuffer(cs->index, HNSW_METAPAGE_BLKNO);
	HnswMetaPage meta;
	int			codeM;
	int			metric;
	int			dimensions;
	BlockNumber blkno;
	uint32		npages;
	float		bias;
	Size		floats = 0;
	BlockNumber nblocks = RelationGetNumberOfBlocks(cs->index);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = HnswPageGetMeta(BufferGetPage(buf));
	codeM = HnswMetaCodeM(meta);
	metric = meta->codeMetric;
	dimensions = meta->dimensions;
	blkno = meta->codebookBlkno;
	npages = meta->codebookPages;
	bias = meta->codeBias;
	UnlockReleaseBuffer(buf);

	if (codeM == 0)
		return true;
	cs->codeM = Min(codeM, HNSW_CODE_MAX_M);
	if (!HnswCodeParamsValid(codeM, metric, dimensions, bias))
	{
		IndexCheckReport(cs->out, "bad codebook",
						 "metapage: %d code bytes, metric %d, %d dimensions, bias %g",
						 codeM, metric, dimensions, bias);
		return false;
	}
	for (uint32 i = 0; i < npages; i++)
	{
		const float *data;
		int			n;

		if (blkno + i >= nblocks)
			break;
		buf = ReadBuffer(cs->index, blkno + i);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		n = HnswCodebookPageFloats(BufferGetPage(buf), &data);
		if (n >= 0)
			floats += n;
		else
			IndexCheckReport(cs->out, "bad codebook", "block %u is not a codebook page",
							 blkno + i);
		UnlockReleaseBuffer(buf);
	}
	if (floats != (Size) HNSW_CODE_KSUB * dimensions)
	{
		IndexCheckReport(cs->out, "bad codebook",
						 "%zu floats on %u pages from block %u, expected %zu",
						 floats, npages, blkno,
						 (Size) HNSW_CODE_KSUB * dimensions);
		return false;
	}
	return true;
}

/*
 * milvus_index_check for an hnsw index.
 */
void
HnswCheckIndex(Relation heap, Relation index, IndexCheckOutput *out)
{
	CheckState	cs;
	HASHCTL		ctl;

	memset(&cs, 0, sizeof(cs));
	cs.heap = heap;
	cs.index = index;
	cs.out = out;
	HnswGetMetaPageInfo(cs.index, &cs.m, NULL, NULL, NULL, NULL);
	if (CheckCodebook(&cs))
	{
		cs.codebook = HnswGetCodebook(cs.index);
		cs.codeM = cs.codebook != NULL ? cs.codebook->codeM : 0;
	}

	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(CheckElement);
	ctl.hcxt = CurrentMemoryContext;
	cs.elements = hash_create("hnsw check elements", 1024, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	CollectElements(&cs);
	CheckLinks(&cs);
	CheckReachable(&cs);
	CheckHeapTids(&cs);
	CheckKeyValues(&cs);
}
