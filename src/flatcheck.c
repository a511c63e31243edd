/*-------------------------------------------------------------------------
 *
 * flatcheck.c
 *	  FlatCheckIndex: milvus_index_check for flat indexes.
 *
 * Checks the metapage (identity, metric, layout, insert page), then every
 * data page: its identity and capacity, nitems within it, each heap TID
 * valid and present in the table, each stored vector finite, and no heap
 * TID indexed twice.  indexcheck.c holds the locks (see there).
 *
 * IDENTIFICATION
 *	  src/flatcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "flat.h"
#include "indexcheck.h"

/*
 * Check the metapage; false when the data pages cannot be read with it.
 */
static bool
CheckMeta(Relation index, IndexCheckOutput *out, FlatMetaPageData *meta)
{
	Buffer		buf = ReadBuffer(index, FLAT_METAPAGE_BLKNO);
	FlatLayout	layout;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	*meta = *FlatPageGetMeta(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);

	if (meta->magicNumber != FLAT_MAGIC_NUMBER || meta->version != FLAT_VERSION)
	{
		IndexCheckReport(out, "bad metapage", "magic %08x version %u",
						 meta->magicNumber, meta->version);
		return false;
	}
	if (meta->metric <= FLAT_METRIC_INVALID || meta->metric > FLAT_BIT_JACCARD ||
		meta->metric != FlatGetMetric(index))
	{
		IndexCheckReport(out, "bad metapage", "metric %u", meta->metric);
		return false;
	}
	FlatComputeLayout(&layout, FlatElemSize(meta->metric, meta->dimensions));
	if (meta->elemSize != layout.elemSize || meta->capacity != layout.capacity)
	{
		IndexCheckReport(out, "bad metapage",
						 "element size %u capacity %u for %u dimensions",
						 meta->elemSize, meta->capacity, meta->dimensions);
		return false;
	}
	if (meta->insertPage != InvalidBlockNumber &&
		(meta->insertPage < FLAT_HEAD_BLKNO ||
		 meta->insertPage >= RelationGetNumberOfBlocks(index)))
		IndexCheckReport(out, "bad insert page", "insert page %u of %u blocks",
						 meta->insertPage, RelationGetNumberOfBlocks(index));
	return true;
}

/*
 * Whether a stored value is finite (bit strings always are).
 */
static bool
ValueIsFinite(FlatMetric metric, const char *value, int dimensions)
{
	return metric >= FLAT_BIT_HAMMING ||
		AmElementsFinite(value, dimensions, metric >= FLAT_HALFVEC_L2);
}

/*
 * Check one data page's slots; collect its heap TIDs into tids.
 */
static void
CheckPage(Relation heap, BlockNumber *heapBlocks, BlockNumber blkno, Page page,
		  const FlatMetaPageData *meta, const FlatLayout *layout,
		  IndexCheckOutput *out, ItemPointer tids, int64 *ntids)
{
	FlatPageOpaque opaque = FlatPageGetOpaque(page);
	ItemPointer pageTids = FlatPageTids(page, layout);

	/* a page extended by an insert that crashed: empty, reused later */
	if (PageIsNew(page))
		return;
	if (opaque->page_id != FLAT_PAGE_ID || opaque->capacity != layout->capacity ||
		opaque->nitems > layout->capacity)
	{
		IndexCheckReport(out, "bad page",
						 "block %u: page id %04x, capacity %u, %u items",
						 blkno, opaque->page_id, opaque->capacity,
						 opaque->nitems);
		return;
	}
	for (int i = 0; i < opaque->nitems; i++)
	{
		ItemPointer tid = &pageTids[i];

		IndexCheckHeapTid(out, heap, heapBlocks, tid, "in block %u slot %d",
						  blkno, i);
		if (!ValueIsFinite(meta->metric, FlatPageValue(page, layout, i),
						   meta->dimensions))
			IndexCheckReport(out, "bad value",
							 "block %u slot %d: not finite", blkno, i);
		tids[(*ntids)++] = *tid;
	}
}

/*
 * qsort comparator over heap TIDs.
 */
static int
CompareTids(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/*
 * The flat check: see the file header.
 */
void
FlatCheckIndex(Relation heap, Relation index, IndexCheckOutput *out)
{
	FlatMetaPageData meta;
	FlatLayout	layout;
	BlockNumber nblocks;
	BlockNumber heapBlocks = RelationGetNumberOfBlocks(heap);
	ItemPointer tids;
	int64		ntids = 0;

	if (!CheckMeta(index, out, &meta))
		return;
	FlatComputeLayout(&layout, meta.elemSize);
	nblocks = RelationGetNumberOfBlocks(index);
	tids = MemoryContextAllocHuge(CurrentMemoryContext,
								  sizeof(ItemPointerData) * layout.capacity *
								  (Size) Max(nblocks, 1));

	for (BlockNumber blkno = FLAT_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBuffer(index, blkno);

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		CheckPage(heap, &heapBlocks, blkno, BufferGetPage(buf), &meta, &layout,
				  out, tids, &ntids);
		UnlockReleaseBuffer(buf);
	}

	qsort(tids, ntids, sizeof(ItemPointerData), CompareTids);
	for (int64 i = 1; i < ntids; i++)
	{
		if (ItemPointerCompare(&tids[i - 1], &tids[i]) == 0)
			IndexCheckReport(out, "duplicate heap tid", "(%u,%u) indexed twice",
							 ItemPointerGetBlockNumberNoCheck(&tids[i]),
							 ItemPointerGetOffsetNumberNoCheck(&tids[i]));
	}
	pfree(tids);
}
