/*-------------------------------------------------------------------------
 *
 * flatscan.c
 *	  Index scans of the flat access method: exact, in passes.
 *
 * The access method cannot see the query's LIMIT, yet must hand out heap
 * TIDs in exact distance order for as long as the executor asks.  So a
 * scan works in passes over the whole index:
 *
 *	1. read every data page in physical order (a bulk-read buffer ring
 *	   when the index is large next to shared_buffers; prefetching ahead
 *	   of pages that were not in shared buffers);
 *	   for each page, compute the distances of all its values with one
 *	   kernel loop under the page's share lock, and keep the k smallest
 *	   entries beyond the bound in a max-heap;
 *	2. sort them and hand them out one by one; each one returned becomes
 *	   the bound;
 *	3. when they run out and the pass was full (k entries), start another
 *	   pass with k four times larger (up to work_mem).
 *
 * Entries are totally ordered by (distance, heap TID), NaN after every
 * number as float8 sorts it, so the bound "beyond the last one returned"
 * skips exactly what was returned, ties included: every entry comes back
 * once, in the order a sequential scan with ORDER BY gives.  Rows inserted
 * between passes come back if they sort after the bound; they are not
 * visible to the scan's MVCC snapshot anyway.  VACUUM may move an entry
 * within its page between passes, which does not change its key.
 *
 * A NULL query makes every distance NULL: the scan returns every entry,
 * in TID order, with a NULL ordering value.
 *
 * Search keys (bit @>, <@, %; flatfilter.c) are tested on each page's
 * values under the same share lock: a pass skips entries that fail them.
 * A scan with keys and no ORDER BY makes one pass in page order and hands
 * out each page's matching TIDs (amgettuple), or adds them all to a
 * bitmap (amgetbitmap).
 *
 * Memory: the scan's context holds the query, the heap of k entries and a
 * page's distances; no allocation per entry or per page.
 *
 * IDENTIFICATION
 *	  src/flatscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relscan.h"
#include "executor/instrument.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "amcommon.h"
#include "flat.h"
#include "stat.h"

/* How many pages ahead to prefetch when reading through the ring */
#define FLAT_PREFETCH_DISTANCE	32

/* One index entry with its distance to the query */
typedef struct FlatCandidate
{
	double		distance;
	ItemPointerData tid;
} FlatCandidate;

typedef struct FlatScanOpaqueData
{
	MemoryContext ctx;			/* reset by rescan */
	bool		first;			/* no pass run yet */
	bool		nullQuery;		/* ORDER BY against NULL */
	bool		full;			/* the last pass filled its k entries */
	bool		ordered;		/* ORDER BY: passes; else page order */
	FlatQuery	query;
	FlatLayout	layout;
	FlatFilter *filter;			/* search keys; NULL when none */
	bool	   *match;			/* one page's results of the keys */
	BufferAccessStrategy bas;	/* NULL when reading through shared buffers */
	double	   *distances;		/* one page's distances */
	int			k;				/* entries the current pass keeps */
	int			maxK;			/* within work_mem */
	FlatCandidate *results;		/* the pass's entries, sorted */
	int			nresults;
	int			next;			/* next of results to return */
	bool		hasBound;
	FlatCandidate bound;		/* the last entry returned */
	/* scans without ORDER BY */
	BlockNumber nextBlock;		/* the next page to read */
	ItemPointerData *pageTids;	/* one page's matching heap TIDs */
	int			npageTids;
	int			nextPageTid;
} FlatScanOpaqueData;

typedef FlatScanOpaqueData *FlatScanOpaque;

/*
 * Order of distances as float8 sorts them: NaN after every number.
 */
static inline int
CompareDistances(double a, double b)
{
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return (a > b) - (a < b);
}

/*
 * The scan's total order: distance, then heap TID.
 */
static inline int
CompareCandidates(const FlatCandidate *a, const FlatCandidate *b)
{
	int			c = CompareDistances(a->distance, b->distance);

	return c != 0 ? c : ItemPointerCompare((ItemPointer) &a->tid,
										   (ItemPointer) &b->tid);
}

/*
 * qsort comparator over FlatCandidates: the scan's total order.
 */
static int
CompareCandidatesQsort(const void *a, const void *b)
{
	return CompareCandidates(a, b);
}

/*
 * Max-heap of entries in heap[0..n-1] (the farthest at the root): sift the
 * entry at i down.
 */
static void
SiftDown(FlatCandidate *heap, int n, int i)
{
	FlatCandidate c = heap[i];

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && CompareCandidates(&heap[child + 1], &heap[child]) > 0)
			child++;
		if (CompareCandidates(&heap[child], &c) <= 0)
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = c;
}

/*
 * Add an entry to the max-heap of at most k entries.
 */
static inline void
HeapOffer(FlatCandidate *heap, int *n, int k, const FlatCandidate *c)
{
	int			i;

	if (*n == k)
	{
		if (CompareCandidates(c, &heap[0]) >= 0)
			return;
		heap[0] = *c;
		SiftDown(heap, k, 0);
		return;
	}

	/* sift up */
	i = (*n)++;
	while (i > 0 && CompareCandidates(&heap[(i - 1) / 2], c) < 0)
	{
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = *c;
}

/*
 * Check a data page; false for a page to skip (one extended by an insert
 * that crashed before its WAL record).  The caller holds its share lock.
 */
static bool
CheckDataPage(FlatScanOpaque so, Page page)
{
	FlatPageOpaque opaque = FlatPageGetOpaque(page);

	if (PageIsNew(page))
		return false;
	if (opaque->page_id != FLAT_PAGE_ID ||
		opaque->capacity != so->layout.capacity ||
		opaque->nitems > so->layout.capacity)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("flat index page has invalid contents")));
	return true;
}

/*
 * Test a page's values against the search keys, into so->match.  The
 * caller holds the page's share lock.
 */
static void
FilterPage(FlatScanOpaque so, Page page)
{
	FlatFilterValues(so->filter, FlatPageValue(page, &so->layout, 0),
					 so->layout.elemSize, FlatPageGetOpaque(page)->nitems,
					 so->match);
}

/*
 * Offer one page's entries to the heap, skipping those not beyond the
 * bound and those the search keys reject.  The caller holds the page's
 * share lock.
 */
static void
ScanPage(FlatScanOpaque so, Page page, int *n)
{
	ItemPointer tids = FlatPageTids(page, &so->layout);
	double	   *distances = so->distances;
	int			nitems;

	if (!CheckDataPage(so, page))
		return;
	nitems = FlatPageGetOpaque(page)->nitems;
	if (so->filter != NULL)
		FilterPage(so, page);

	if (so->nullQuery)
		memset(distances, 0, sizeof(double) * nitems);
	else
		FlatComputeDistances(&so->query, FlatPageValue(page, &so->layout, 0),
							 so->layout.elemSize, nitems, distances);

	for (int i = 0; i < nitems; i++)
	{
		FlatCandidate c;

		if (so->filter != NULL && !so->match[i])
			continue;
		/* most entries lose to the heap's farthest: decide on distance */
		if (*n == so->k &&
			CompareDistances(distances[i], so->results[0].distance) > 0)
			continue;
		c.distance = distances[i];
		c.tid = tids[i];
		if (so->hasBound && CompareCandidates(&c, &so->bound) <= 0)
			continue;
		HeapOffer(so->results, n, so->k, &c);
	}
}

/*
 * Read data page blkno of nblocks for a scan and return it pinned and
 * share-locked.  *prefetched is how far prefetching has gone (start it at
 * FLAT_HEAD_BLKNO).
 */
static Buffer
ReadDataPage(IndexScanDesc scan, BlockNumber blkno, BlockNumber nblocks,
			 BlockNumber *prefetched)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	int64		reads = pgBufferUsage.shared_blks_read;
	Buffer		buf;

	CHECK_FOR_INTERRUPTS();
	buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, so->bas);

	/*
	 * A page read from outside shared buffers: prefetch the next ones.
	 * (Pages already in shared buffers would pay a second buffer table
	 * lookup each for nothing.)
	 */
	if (pgBufferUsage.shared_blks_read != reads)
	{
		BlockNumber end = Min(nblocks, blkno + 1 + FLAT_PREFETCH_DISTANCE);

		for (*prefetched = Max(*prefetched, blkno + 1); *prefetched < end;
			 (*prefetched)++)
			PrefetchBuffer(index, MAIN_FORKNUM, *prefetched);
	}
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	return buf;
}

/*
 * One pass over the index: collect the k nearest entries beyond the bound,
 * sorted, in so->results.
 */
static void
RunPass(IndexScanDesc scan)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	BlockNumber nblocks = RelationGetNumberOfBlocks(scan->indexRelation);
	BlockNumber prefetched = FLAT_HEAD_BLKNO;
	int			n = 0;

	for (BlockNumber blkno = FLAT_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadDataPage(scan, blkno, nblocks, &prefetched);

		ScanPage(so, BufferGetPage(buf), &n);
		UnlockReleaseBuffer(buf);
	}

	qsort(so->results, n, sizeof(FlatCandidate), CompareCandidatesQsort);
	so->nresults = n;
	so->next = 0;
	so->full = (n == so->k);
}

/*
 * What every scan does first: read the metapage, prepare the search keys,
 * choose the buffer strategy.  Fills *meta.  Runs in the scan's memory
 * context.
 */
static void
InitScan(IndexScanDesc scan, FlatMetaPageData *meta)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;

	pgstat_count_index_scan(index);

	/* heap TIDs are handed out without a pin: needs an MVCC snapshot */
	if (!IsMVCCSnapshot(scan->xs_snapshot))
		elog(ERROR, "non-MVCC snapshots are not supported with flat");

	FlatGetMeta(index, meta);
	FlatComputeLayout(&so->layout, meta->elemSize);
	so->filter = FlatPrepareFilter(scan, meta);
	if (so->filter != NULL)
		so->match = palloc(sizeof(bool) * so->layout.capacity);
	so->ordered = scan->orderByData != NULL && scan->numberOfOrderBys > 0;
	so->pageTids = palloc(sizeof(ItemPointerData) * so->layout.capacity);
	so->nextBlock = FLAT_HEAD_BLKNO;

	/* as a sequential scan does: a ring when large next to shared_buffers */
	so->bas = NULL;
	if (RelationGetNumberOfBlocks(index) > (BlockNumber) (NBuffers / 4))
		so->bas = GetAccessStrategy(BAS_BULKREAD);
}

/*
 * The first call: read the metapage and the query, size the first pass
 * (when the scan has ORDER BY).  Runs in the scan's memory context.
 */
static void
StartScan(IndexScanDesc scan)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	ScanKey		key;
	FlatMetaPageData meta;

	InitScan(scan, &meta);
	if (!so->ordered)
		return;

	key = &scan->orderByData[0];
	so->query.metric = meta.metric;
	so->query.dimensions = meta.dimensions;
	so->nullQuery = (key->sk_flags & SK_ISNULL) != 0;
	if (!so->nullQuery)
		so->query.data = FlatValueData(meta.metric,
									   PointerGetDatum(PG_DETOAST_DATUM(key->sk_argument)),
									   meta.dimensions);

	so->distances = palloc(sizeof(double) * so->layout.capacity);
	so->maxK = (int) Max((Size) flat_batch_size,
						 Min((Size) work_mem * 1024 / sizeof(FlatCandidate),
							 (Size) (INT_MAX / 4)));
	so->k = flat_batch_size;
	so->results = palloc(sizeof(FlatCandidate) * so->k);
	so->hasBound = false;
	RunPass(scan);
}

/*
 * Start a pass for four times as many entries, within work_mem.
 */
static void
NextPass(IndexScanDesc scan)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;

	if (so->k < so->maxK)
	{
		so->k = (int) Min((int64) so->k * 4, (int64) so->maxK);
		pfree(so->results);
		so->results = MemoryContextAllocHuge(so->ctx,
											 sizeof(FlatCandidate) * so->k);
	}
	RunPass(scan);
}

/*
 * Collect the heap TIDs of a page's entries that pass the search keys
 * (all of them when there are none) into so->pageTids; return how many.
 * The caller holds the page's share lock.
 */
static int
MatchPage(FlatScanOpaque so, Page page)
{
	ItemPointer tids = FlatPageTids(page, &so->layout);
	int			nitems;
	int			n = 0;

	if (!CheckDataPage(so, page))
		return 0;
	nitems = FlatPageGetOpaque(page)->nitems;
	if (so->filter != NULL)
		FilterPage(so, page);
	for (int i = 0; i < nitems; i++)
	{
		if (so->filter == NULL || so->match[i])
			so->pageTids[n++] = tids[i];
	}
	return n;
}

/*
 * A scan without ORDER BY: the next matching heap TID in page order, read
 * page by page; false when the index is exhausted.
 */
static bool
NextMatch(IndexScanDesc scan, ItemPointer tid)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	BlockNumber nblocks = RelationGetNumberOfBlocks(scan->indexRelation);
	BlockNumber prefetched = so->nextBlock;

	while (so->nextPageTid >= so->npageTids)
	{
		Buffer		buf;

		if (so->nextBlock >= nblocks || (so->filter && so->filter->empty))
			return false;
		buf = ReadDataPage(scan, so->nextBlock++, nblocks, &prefetched);
		so->npageTids = MatchPage(so, BufferGetPage(buf));
		so->nextPageTid = 0;
		UnlockReleaseBuffer(buf);
	}
	*tid = so->pageTids[so->nextPageTid++];
	return true;
}

/*
 * amgetbitmap: add every entry that passes the search keys to the bitmap,
 * in one read of the index.  Returns how many.
 */
int64
flatgetbitmap(IndexScanDesc scan, TIDBitmap *tbm)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	MemoryContext oldCtx = MemoryContextSwitchTo(so->ctx);
	FlatMetaPageData meta;
	BlockNumber nblocks;
	BlockNumber prefetched = FLAT_HEAD_BLKNO;
	int64		ntids = 0;

	InitScan(scan, &meta);
	nblocks = RelationGetNumberOfBlocks(scan->indexRelation);
	for (BlockNumber blkno = FLAT_HEAD_BLKNO;
		 blkno < nblocks && !(so->filter && so->filter->empty); blkno++)
	{
		Buffer		buf = ReadDataPage(scan, blkno, nblocks, &prefetched);
		int			n = MatchPage(so, BufferGetPage(buf));

		UnlockReleaseBuffer(buf);
		tbm_add_tuples(tbm, so->pageTids, n, false);
		ntids += n;
	}
	MemoryContextSwitchTo(oldCtx);
	return ntids;
}

/*
 * ambeginscan
 */
IndexScanDesc
flatbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	FlatScanOpaque so = palloc0(sizeof(FlatScanOpaqueData));

	so->ctx = AllocSetContextCreate(CurrentMemoryContext,
									"Flat scan context",
									ALLOCSET_DEFAULT_SIZES);
	so->first = true;
	scan->opaque = so;
	AmInitOrderByValues(scan, norderbys);
	return scan;
}

/*
 * amrescan: new query; the next gettuple starts over.
 */
void
flatrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		   int norderbys)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;

	if (so->bas != NULL)
		FreeAccessStrategy(so->bas);
	so->bas = NULL;
	MemoryContextReset(so->ctx);
	so->first = true;
	so->nresults = 0;
	so->next = 0;
	so->npageTids = 0;
	so->nextPageTid = 0;
	MilvusStatScanStart(scan);

	AmRescanKeys(scan, keys, orderbys);
}

/*
 * amgettuple: the next heap TID in distance order.
 */
bool
flatgettuple(IndexScanDesc scan, ScanDirection dir)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;
	MemoryContext oldCtx;
	FlatCandidate *c;

	/* the planner never asks an ordering operator scan to go backward */
	Assert(ScanDirectionIsForward(dir));

	oldCtx = MemoryContextSwitchTo(so->ctx);
	if (so->first)
	{
		StartScan(scan);
		so->first = false;
	}
	if (!so->ordered)
	{
		bool		found = NextMatch(scan, &scan->xs_heaptid);

		MemoryContextSwitchTo(oldCtx);
		if (found)
			MilvusStatScanTuple(scan);
		scan->xs_recheck = false;
		return found;
	}
	while (so->next >= so->nresults && so->full)
		NextPass(scan);
	MemoryContextSwitchTo(oldCtx);

	if (so->next >= so->nresults)
		return false;

	c = &so->results[so->next++];
	so->bound = *c;
	so->hasBound = true;
	scan->xs_heaptid = c->tid;
	MilvusStatScanTuple(scan);
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = Float8GetDatum(c->distance);
	scan->xs_orderbynulls[0] = so->nullQuery;
	return true;
}

/*
 * amendscan: free everything.
 */
void
flatendscan(IndexScanDesc scan)
{
	FlatScanOpaque so = (FlatScanOpaque) scan->opaque;

	MilvusStatScanEnd(scan);
	if (so->bas != NULL)
		FreeAccessStrategy(so->bas);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
