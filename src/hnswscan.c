/*-------------------------------------------------------------------------
 *
 * hnswscan.c
 *	  Index scans of the hnsw access method: ORDER BY v <op> query.
 *
 * The first call of hnswgettuple searches the graph (hnswsearch.c): from
 * the entry point in the metapage, greedily down to level 1, then level 0
 * with ef = hnsw.ef_search.  The elements found go to a heap of pending
 * results, nearest first, and their heap TIDs are returned in that order,
 * deleted elements skipped.
 *
 * Iterative scans (hnsw.iterative_scan), as pgvector 0.8 defines them:
 *
 *	- off: the first ef_search elements only.
 *	- relaxed_order: once the pending results are exhausted, the level-0
 *	  search resumes from the elements it discarded (those pushed out of
 *	  its bounded result set, and the neighbours it found too far), ef_search
 *	  of them at a time, keeping its visited set, and each new batch is
 *	  returned in order.  A later batch may hold elements nearer than the
 *	  end of an earlier one.
 *	- strict_order: a pending result is returned only while no discarded
 *	  element is nearer; otherwise the search resumes first, so results
 *	  come out in distance order.  A result nearer than one already
 *	  returned (found late, far along the graph) is skipped, as pgvector
 *	  does, so the order is strict.
 *
 * The search stops resuming after hnsw.max_scan_tuples element reads, or
 * once the scan's memory context holds work_mem * hnsw.scan_mem_multiplier;
 * then, as in pgvector, the elements already read and discarded are still
 * returned in distance order (no more pages are read), and the scan ends.
 *
 * Filtered scans (scan keys on filter columns, amfilter.c): the search
 * evaluates them on every element it reads; elements that fail are never
 * returned (no heap visit) but route the search.  With iterative scans
 * they count in the ef-bounded result set like any element, so batches
 * end as unfiltered ones do and the scan resumes for more; without, the
 * search insists on ef_search matching results.  The level-0 search stops
 * at budgets of reads (HNSW_FILTER_PROBE, then doubling) to check the
 * match rate: when finding ef_search more matches would still take reads
 * of milvus.hnsw_filter_exact_fraction of the index (ShouldGoExact), the
 * scan switches to an exact pass over every page (StartExact): filter
 * first, a distance for the matches only, sorted, and returned without
 * the heap TIDs already returned.
 *
 * Everything lives in a memory context created in hnswbeginscan, reset in
 * hnswrescan and deleted in hnswendscan; its size is what the memory limit
 * measures.  Heap TIDs are copied out of the index, so no buffer pin is
 * held between calls; hence only MVCC snapshots are supported.
 *
 * IDENTIFICATION
 *	  src/hnswscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/float.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "amcommon.h"
#include "hnsw.h"
#include "stat.h"

typedef struct HnswScanOpaqueData
{
	MemoryContext ctx;			/* "Hnsw scan context" */
	HnswSupport support;
	Size		maxMemory;		/* work_mem * hnsw.scan_mem_multiplier */

	/* state of one scan, reset by hnswrescan */
	Datum		query;			/* GetScanQuery's */
	bool		first;			/* no search yet */
	bool		done;			/* nothing more to return */
	bool		limited;		/* reached a limit: read no more pages */
	int			mode;			/* hnsw.iterative_scan at the first call */
	int			efSearch;		/* hnsw.ef_search at the first call */
	HnswSearch	search;
	pairingheap *pending;		/* results not yet returned, nearest first */
	HnswSearchElement current;	/* the element whose heap TIDs we return */
	float		previous;		/* distance last returned (strict_order) */

	/* filtered scans (scan keys on filter columns) */
	AmFilter	filter;			/* NULL without scan keys */
	double		exactFraction;	/* milvus.hnsw_filter_exact_fraction */
	int64		budget;			/* reads at the next check of the match rate */
	int64		nreturned;		/* heap TIDs returned */
	HTAB	   *returned;		/* which, until the exact pass */
	bool		exact;			/* switched to the exact pass */
	HnswSearchElement *exactItems;	/* its results, nearest first */
	int			nexact;
	int			nextExact;
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

/*
 * A filtered search checks its match rate first after this many element
 * reads (or 2 ef_search, if more), then each time it has read twice as
 * many.
 */
#define HNSW_FILTER_PROBE		1000

static void ContinueFiltered(IndexScanDesc scan);

/*
 * Prepare an index scan.
 */
IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = palloc0(sizeof(HnswScanOpaqueData));
	double		maxMemory;

	/* small blocks, so that the memory limit is measured finely */
	so->ctx = AllocSetContextCreate(CurrentMemoryContext,
									"Hnsw scan context",
									0, 8 * 1024, 256 * 1024);
	HnswInitSupport(&so->support, index);

	maxMemory = (double) work_mem * 1024.0 * hnsw_scan_mem_multiplier;
	so->maxMemory = (Size) Min(maxMemory, (double) MaxAllocHugeSize);
	so->first = true;

	scan->opaque = so;
	return scan;
}

/*
 * Start or restart a scan, with new keys and ordering values.
 */
void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		   int norderbys)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	MemoryContextReset(so->ctx);
	so->first = true;
	so->done = false;
	so->limited = false;
	so->search = NULL;
	so->pending = NULL;
	so->current = NULL;
	so->filter = NULL;
	so->budget = 0;
	so->nreturned = 0;
	so->returned = NULL;
	so->exact = false;
	so->exactItems = NULL;
	so->nexact = so->nextExact = 0;
	MilvusStatScanStart(scan);

	AmRescanKeys(scan, keys, orderbys);
}

/*
 * Put a batch of search results (nearest first) into the pending heap.
 */
static void
AddPending(HnswScanOpaque so, List *batch)
{
	ListCell   *lc;

	foreach(lc, batch)
		pairingheap_add(so->pending,
						&((HnswSearchElement) lfirst(lc))->w_node);
	list_free(batch);
}

/*
 * The query: the ORDER BY argument, detoasted and normalised.  As in
 * pgvector, a NULL query, and under cosine distance a zero one (which has
 * no direction), is (Datum) 0: every element is then at distance 0 from
 * it, so the scan returns the elements the search reaches (ef_search of
 * them, or every one with iterative scans), in no particular order.
 */
static Datum
GetScanQuery(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	ScanKey		key = &scan->orderByData[0];
	Datum		query;

	if (key->sk_flags & SK_ISNULL)
		return (Datum) 0;

	query = PointerGetDatum(PG_DETOAST_DATUM(key->sk_argument));
	if (!HnswNormalizeValue(&so->support, query, &query))
		return (Datum) 0;
	return query;
}

/*
 * The first call: read the settings, search the graph, fill the pending
 * heap with the first batch.  Runs in the scan's memory context.
 */
static void
StartScan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	Datum		query;
	int			m;
	int			codeM;
	ItemPointerData entry;
	int			entryLevel;
	List	   *ep;

	pgstat_count_index_scan(index);

	if (scan->orderByData == NULL || scan->numberOfOrderBys < 1)
		elog(ERROR, "cannot scan hnsw index without order");

	/* heap TIDs are copied out without a pin: needs an MVCC snapshot */
	if (!IsMVCCSnapshot(scan->xs_snapshot))
		elog(ERROR, "non-MVCC snapshots are not supported with hnsw");

	so->mode = hnsw_iterative_scan;
	so->efSearch = hnsw_ef_search;
	so->exactFraction = hnsw_filter_exact_fraction;
	so->previous = -get_float4_infinity();
	so->pending = pairingheap_allocate(HnswCompareNearest, NULL);

	query = GetScanQuery(scan);
	so->query = query;
	so->filter = AmFilterBegin(index, scan->keyData, scan->numberOfKeys);
	HnswGetMetaPageInfo(index, &m, &entry, &entryLevel, NULL, &codeM);
	if (!ItemPointerIsValid(&entry) || AmFilterNeverMatches(so->filter))
	{
		so->done = true;
		return;
	}

	so->search = HnswSearchBegin(index, &so->support, query, m, so->efSearch,
								 HNSW_SEARCH_HEAPTIDS |
								 (so->mode != HNSW_ITERATIVE_SCAN_OFF ||
								  so->filter != NULL ?
								  HNSW_SEARCH_DISCARDED : 0));
	if (hnsw_codes && codeM > 0 && so->mode == HNSW_ITERATIVE_SCAN_OFF &&
		so->filter == NULL)
		HnswSearchSetCodes(so->search, HnswGetCodebook(index),
						   hnsw_code_slack);
	if (so->filter != NULL)
	{
		HnswSearchSetFilter(so->search, so->filter,
							so->mode == HNSW_ITERATIVE_SCAN_OFF);
		so->budget = Max(HNSW_FILTER_PROBE, 2 * (int64) so->efSearch);
		HnswSearchSetBudget(so->search, so->budget);
	}
	ep = HnswSearchDescend(so->search, &entry, entryLevel, 0);
	AddPending(so, HnswSearchLayer(so->search, ep, so->efSearch, 0));
	ContinueFiltered(scan);
}

/*
 * Whether an iterative scan must stop reading pages.
 */
static bool
ScanLimitReached(HnswScanOpaque so)
{
	return HnswSearchTuples(so->search) >= hnsw_max_scan_tuples ||
		MemoryContextMemAllocated(so->ctx, false) >= so->maxMemory;
}

/*
 * An estimate of the number of elements in the index, at least its number
 * of pages.
 */
static double
IndexElements(Relation index)
{
	return Max((double) index->rd_rel->reltuples,
			   (double) RelationGetNumberOfBlocks(index));
}

/*
 * Whether a filtered scan should leave the graph for the exact pass, at a
 * check of its match rate: when the reads it would still take at the rate
 * seen so far (matches per read) to find ef_search more matches than it
 * returned reach milvus.hnsw_filter_exact_fraction of the index's
 * elements.  The exact pass reads each page once, tests the filter on
 * every element and computes a distance only for the matches; the graph
 * search reads one element and one neighbour list at a time and computes
 * a distance for every element it reads, matching or not.  On
 * Fashion-MNIST (784 dimensions, two elements a page) the exact pass over
 * all elements took about as long as a graph search reading a quarter of
 * them (README, "Filter columns"), hence the default 0.25.
 */
static bool
ShouldGoExact(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	double		reads = (double) HnswSearchTuples(so->search);
	double		matches = (double) HnswSearchMatches(so->search);
	double		want = (double) so->nreturned + so->efSearch;
	double		remaining;

	if (so->exactFraction <= 0)
		return false;
	remaining = reads * want / Max(matches, 1.0) - reads;
	return remaining >= so->exactFraction * IndexElements(scan->indexRelation);
}

/*
 * Remember a heap TID a filtered scan returned, so that the exact pass, if
 * it comes, does not return it again.
 */
static void
RememberReturned(HnswScanOpaque so, ItemPointer heaptid)
{
	bool		found;

	if (so->returned == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(ItemPointerData);
		ctl.entrysize = sizeof(ItemPointerData);
		ctl.hcxt = so->ctx;
		so->returned = hash_create("hnsw scan returned TIDs", 256, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	hash_search(so->returned, heaptid, HASH_ENTER, &found);
}

/*
 * Copy out an element of the exact pass that passes the filter: its
 * distance to the query and the heap TIDs not returned yet; NULL when none
 * is left or the distance is NaN.  The caller holds a lock on its page.
 */
static HnswSearchElement
ExactElement(HnswScanOpaque so, HnswElementTuple etup, ItemPointer tid)
{
	HnswSearchElement e;
	float		distance;

	distance = so->query == (Datum) 0 ? 0 :
		(float) HnswDistance(&so->support, so->query,
							 HnswElementTupleValue(etup));
	if (isnan(distance))
		return NULL;

	e = palloc0(offsetof(HnswSearchElementData, heaptids) +
				HNSW_HEAPTIDS * sizeof(ItemPointerData));
	e->c.element = *tid;
	e->c.distance = distance;
	e->level = etup->level;
	e->matches = true;
	for (int i = 0; i < HNSW_HEAPTIDS; i++)
	{
		bool		found = false;

		if (!ItemPointerIsValid(&etup->heaptids[i]))
			continue;
		if (so->returned != NULL)
			hash_search(so->returned, &etup->heaptids[i], HASH_FIND, &found);
		if (!found)
			e->heaptids[e->nheaptids++] = etup->heaptids[i];
	}
	if (e->nheaptids == 0)
	{
		pfree(e);
		return NULL;
	}
	return e;
}

/*
 * qsort comparator of the exact pass's results: nearest first, ties by
 * element TID.
 */
static int
CompareExact(const void *a, const void *b)
{
	HnswSearchElement x = *(HnswSearchElement const *) a;
	HnswSearchElement y = *(HnswSearchElement const *) b;

	if (x->c.distance != y->c.distance)
		return x->c.distance < y->c.distance ? -1 : 1;
	return ItemPointerCompare(&x->c.element, &y->c.element);
}

/*
 * The exact pass of a filtered scan: read every data page once, under a
 * shared lock, test the filter on each live element and compute the
 * distance of those that pass; sort them, and from now on return them in
 * that order, without the heap TIDs already returned.  Bounded by the size
 * of the index.
 */
static void
StartExact(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	int			capacity = 256;

	ereport(DEBUG1,
			(errmsg("hnsw index scan switched to an exact pass"),
			 errdetail("The graph search read " INT64_FORMAT " tuples, " INT64_FORMAT " of which matched the filter.",
					   HnswSearchTuples(so->search),
					   HnswSearchMatches(so->search))));

	so->exact = true;
	so->exactItems = palloc(sizeof(HnswSearchElement) * capacity);
	for (BlockNumber blkno = HNSW_HEAD_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf = HnswReadBufferForPass(index, blkno);
		Page		page;

		CHECK_FOR_INTERRUPTS();
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		for (OffsetNumber off = FirstOffsetNumber;
			 off <= HnswPageMaxTupleOffset(page); off = OffsetNumberNext(off))
		{
			ItemId		itemid = PageGetItemId(page, off);
			HnswElementTuple etup;
			HnswSearchElement e;
			ItemPointerData tid;

			if (!ItemIdIsNormal(itemid))
				continue;
			etup = (HnswElementTuple) PageGetItem(page, itemid);
			if (etup->type != HNSW_ELEMENT_TUPLE_TYPE || etup->deleted ||
				!AmFilterMatch(so->filter, HnswElementTupleKeys(etup)))
				continue;
			ItemPointerSet(&tid, blkno, off);
			if ((e = ExactElement(so, etup, &tid)) == NULL)
				continue;
			if (so->nexact == capacity)
			{
				capacity *= 2;
				so->exactItems = repalloc_huge(so->exactItems,
											   sizeof(HnswSearchElement) * capacity);
			}
			so->exactItems[so->nexact++] = e;
		}
		UnlockReleaseBuffer(buf);
	}
	qsort(so->exactItems, so->nexact, sizeof(HnswSearchElement), CompareExact);
}

/*
 * After a filtered search returned: while its budget stopped it early,
 * check the match rate, and either switch to the exact pass, or stop
 * (iterative scans past their limits), or resume with twice the budget.
 */
static void
ContinueFiltered(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	while (so->filter != NULL && HnswSearchBudgetHit(so->search))
	{
		if (ShouldGoExact(scan))
		{
			StartExact(scan);
			return;
		}
		if (so->mode != HNSW_ITERATIVE_SCAN_OFF && ScanLimitReached(so))
		{
			HnswSearchSetBudget(so->search, 0);
			return;
		}
		so->budget *= 2;
		HnswSearchSetBudget(so->search, so->budget);
		AddPending(so, HnswSearchResume(so->search, so->efSearch));
	}
}

/*
 * The next element to return, nearest first as the mode allows, resuming
 * the search when needed; NULL at the end of the scan.
 */
static HnswSearchElement
NextElement(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	for (;;)
	{
		HnswSearchElement p = NULL;
		HnswSearchElement d = NULL;

		if (so->exact)
			return so->nextExact < so->nexact ?
				so->exactItems[so->nextExact++] : NULL;

		/* without iterative scans, a filtered search kept what it dropped */
		if (so->mode != HNSW_ITERATIVE_SCAN_OFF || so->limited)
			d = HnswSearchFirstDiscarded(so->search);

		if (!pairingheap_is_empty(so->pending))
			p = HnswSearchElementFromWNode(pairingheap_first(so->pending));

		if (p != NULL &&
			(d == NULL || so->mode != HNSW_ITERATIVE_SCAN_STRICT ||
			 HnswCompareNearest(&p->w_node, &d->w_node, NULL) >= 0))
		{
			pairingheap_remove_first(so->pending);
			return p;
		}

		/* nothing pending, or (strict_order) a discarded element is nearer */
		if (d == NULL)
			return NULL;

		if (!so->limited && ScanLimitReached(so))
		{
			so->limited = true;
			ereport(DEBUG1,
					(errmsg("hnsw index scan stopped searching after " INT64_FORMAT " tuples",
							HnswSearchTuples(so->search)),
					 errhint("Increase hnsw.max_scan_tuples or hnsw.scan_mem_multiplier to scan more tuples.")));
		}
		if (so->limited)
			return HnswSearchPopDiscarded(so->search);

		AddPending(so, HnswSearchResume(so->search, so->efSearch));
		ContinueFiltered(scan);
	}
}

/*
 * Set *heaptid to the next heap TID to return; false at the end.
 */
static bool
NextHeapTid(IndexScanDesc scan, ItemPointer heaptid)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	for (;;)
	{
		HnswSearchElement e = so->current;

		if (e != NULL)
		{
			if (e->nextheaptid < e->nheaptids)
			{
				*heaptid = e->heaptids[e->nextheaptid++];
				return true;
			}
			pfree(e);
			so->current = NULL;
		}

		if (so->done || (e = NextElement(scan)) == NULL)
		{
			so->done = true;
			return false;
		}

		if (e->deleted || !e->matches || e->nheaptids == 0 ||
			(so->mode == HNSW_ITERATIVE_SCAN_STRICT &&
			 e->c.distance < so->previous))
		{
			pfree(e);
			continue;
		}

		so->previous = e->c.distance;
		so->current = e;
	}
}

/*
 * Return the next heap TID of the scan, in distance order.
 */
bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;
	MemoryContext oldCtx = MemoryContextSwitchTo(so->ctx);
	ItemPointerData heaptid;
	bool		found;

	/* the planner never asks an ordering operator scan to go backward */
	Assert(ScanDirectionIsForward(dir));

	if (so->first)
	{
		StartScan(scan);
		so->first = false;
	}
	found = NextHeapTid(scan, &heaptid);
	if (found && so->filter != NULL && !so->exact && so->exactFraction > 0)
		RememberReturned(so, &heaptid);
	if (found)
		so->nreturned++;
	MemoryContextSwitchTo(oldCtx);

	if (!found)
		return false;

	scan->xs_heaptid = heaptid;
	MilvusStatScanTuple(scan);
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	return true;
}

/*
 * End a scan and free everything.
 */
void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	MilvusStatScanEnd(scan);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
