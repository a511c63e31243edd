/*-------------------------------------------------------------------------
 *
 * annoyscan.c
 *	  Index scans of the annoy access method.
 *
 * As Annoy's get_nns_by_vector: a priority queue holds nodes of every tree,
 * each with the smallest margin seen on the way to it (the roots start at
 * +infinity); the node with the largest priority is expanded: an inner
 * node pushes its children, the one on the query's side with the smaller
 * of its priority and the margin, the other with the smaller of its
 * priority and minus the margin (Hamming trees: the priority minus one on
 * the side the query's bit does not choose); a leaf adds its positions to
 * the candidates, each position once however many trees hold it.  When
 * annoy.search_k candidates are collected (-1: n_trees x 100), their
 * values are read from the vector store in block order, their exact
 * distances computed, and the rows are returned in distance order.
 *
 * The access method does not see LIMIT.  When the executor asks for more
 * rows than a round found (a WHERE clause dropped rows, or LIMIT is larger
 * than search_k), the scan resumes from the same queue for twice as many
 * candidates, until every leaf has been visited: ORDER BY ... LIMIT k
 * returns k rows whenever the table has k.  Each round is in distance
 * order; rounds are not ordered against each other (relaxed order, as
 * pgvector's iterative scans): wrap the query in ORDER BY again where that
 * matters.  With search_k at least the number of values, the first round
 * holds every row and the scan is exact.
 *
 * A NULL query makes every distance NULL: the scan returns every row, in
 * no particular order, with a NULL ordering value.
 *
 * Memory: the scan's context holds the queue, the set of positions
 * collected and one round's candidates.  A round is at most what work_mem
 * holds of candidates (XXX: the set of positions seen grows with every
 * round of a scan that is run to exhaustion, past work_mem on large
 * indexes).
 *
 * IDENTIFICATION
 *	  src/annoyscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/relscan.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "amcommon.h"
#include "annoy.h"
#include "stat.h"

/* A node waiting in the queue */
typedef struct QueueItem
{
	double		priority;
	ItemPointerData ref;
} QueueItem;

/* A row found: its exact distance and heap TID */
typedef struct ScanResult
{
	double		distance;
	ItemPointerData tid;
} ScanResult;

typedef struct AnnoyScanOpaqueData
{
	MemoryContext ctx;			/* reset by rescan */
	bool		first;			/* not started yet */
	bool		nullQuery;		/* ORDER BY against NULL */
	AnnoyLayout layout;
	const void *query;			/* raw element array */
	AnnoyPoint point;			/* as the trees see it */
	QueueItem  *queue;			/* max-heap by priority */
	int			nqueue;
	int			queueCap;
	HTAB	   *seen;			/* positions collected */
	ItemPointerData *cands;		/* this round's new positions */
	int64		ncands;
	int64		candsCap;
	int64		batch;			/* candidates per round */
	int64		maxBatch;		/* within work_mem */
	ScanResult *results;		/* this round's rows, sorted */
	int64		nresults;
	int64		next;
} AnnoyScanOpaqueData;

typedef AnnoyScanOpaqueData *AnnoyScanOpaque;

/*
 * Add a node to the queue.
 */
static void
QueuePush(AnnoyScanOpaque so, double priority, ItemPointer ref)
{
	int			i;

	if (so->nqueue == so->queueCap)
	{
		so->queueCap *= 2;
		so->queue = repalloc_huge(so->queue, sizeof(QueueItem) * so->queueCap);
	}
	i = so->nqueue++;
	while (i > 0 && so->queue[(i - 1) / 2].priority < priority)
	{
		so->queue[i] = so->queue[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	so->queue[i].priority = priority;
	so->queue[i].ref = *ref;
}

/*
 * Take the node of largest priority off the queue (which is not empty).
 */
static QueueItem
QueuePop(AnnoyScanOpaque so)
{
	QueueItem	top = so->queue[0];
	QueueItem	last = so->queue[--so->nqueue];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= so->nqueue)
			break;
		if (child + 1 < so->nqueue &&
			so->queue[child + 1].priority > so->queue[child].priority)
			child++;
		if (so->queue[child].priority <= last.priority)
			break;
		so->queue[i] = so->queue[child];
		i = child;
	}
	if (so->nqueue > 0)
		so->queue[i] = last;
	return top;
}

/*
 * Push the children of an inner node reached with priority d.
 */
static void
ExpandSplit(AnnoyScanOpaque so, AnnoySplit split, double d)
{
	double		m;

	if (so->nullQuery)
	{
		QueuePush(so, d, &split->children[0]);
		QueuePush(so, d, &split->children[1]);
		return;
	}
	m = AnnoyMargin(&so->layout, split, so->point);
	if (so->layout.kind == ANNOY_SPLIT_HAMMING)
	{
		QueuePush(so, d - (m != 1), &split->children[1]);
		QueuePush(so, d - (m != 0), &split->children[0]);
		return;
	}
	if (isnan(m))
		m = 0;
	QueuePush(so, Min(d, m), &split->children[1]);
	QueuePush(so, Min(d, -m), &split->children[0]);
}

/*
 * Add a leaf's positions not collected before to the candidates.
 */
static void
CollectLeaf(AnnoyScanOpaque so, AnnoyLeaf leaf)
{
	for (int i = 0; i < leaf->nids; i++)
	{
		bool		found;

		hash_search(so->seen, &leaf->ids[i], HASH_ENTER, &found);
		if (found)
			continue;
		if (so->ncands == so->candsCap)
		{
			so->candsCap *= 2;
			so->cands = repalloc_huge(so->cands,
									  sizeof(ItemPointerData) * so->candsCap);
		}
		so->cands[so->ncands++] = leaf->ids[i];
	}
}

/*
 * Expand nodes until target candidates are collected or every leaf has
 * been visited.
 */
static void
Collect(IndexScanDesc scan, int64 target)
{
	AnnoyScanOpaque so = (AnnoyScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;

	while (so->nqueue > 0 && so->ncands < target)
	{
		QueueItem	item = QueuePop(so);
		Buffer		buf;
		Page		page;
		AnnoyPageOpaque opaque;
		int			slot = AnnoyRefSlot(&item.ref);

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, ItemPointerGetBlockNumber(&item.ref));
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		opaque = AnnoyPageGetOpaque(page);
		if (PageIsNew(page) || opaque->page_id != ANNOY_PAGE_ID ||
			slot < 0 || slot >= opaque->nitems ||
			(opaque->kind != ANNOY_PAGE_SPLIT && opaque->kind != ANNOY_PAGE_LEAF))
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("annoy index \"%s\" has an invalid node reference (%u,%u)",
							RelationGetRelationName(index),
							ItemPointerGetBlockNumber(&item.ref), slot + 1)));
		if (opaque->kind == ANNOY_PAGE_SPLIT)
			ExpandSplit(so, AnnoyPageSplit(page, &so->layout, slot),
						item.priority);
		else
		{
			AnnoyLeaf	leaf = AnnoyPageLeaf(page, &so->layout, slot);

			if (ItemPointerIsValid(&leaf->redirect))
				QueuePush(so, item.priority, &leaf->redirect);
			else
				CollectLeaf(so, leaf);
		}
		UnlockReleaseBuffer(buf);
	}
}

/*
 * qsort comparator over positions: block, then slot.
 */
static int
ComparePositions(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/*
 * qsort comparator over results: distance (NaN last), then heap TID.
 */
static int
CompareResults(const void *a, const void *b)
{
	const ScanResult *ra = a;
	const ScanResult *rb = b;

	if (isnan(ra->distance) || isnan(rb->distance))
	{
		if (isnan(ra->distance) != isnan(rb->distance))
			return isnan(ra->distance) ? 1 : -1;
	}
	else if (ra->distance != rb->distance)
		return ra->distance < rb->distance ? -1 : 1;
	return ItemPointerCompare((ItemPointer) &ra->tid, (ItemPointer) &rb->tid);
}

/*
 * Compute the candidates' distances, reading each vector page once, and
 * sort them into results.  Free slots (VACUUM freed them after the leaf
 * was read) are skipped.
 */
static void
Rank(IndexScanDesc scan)
{
	AnnoyScanOpaque so = (AnnoyScanOpaque) scan->opaque;
	const AnnoyLayout *l = &so->layout;
	Buffer		buf = InvalidBuffer;

	qsort(so->cands, so->ncands, sizeof(ItemPointerData), ComparePositions);
	if (so->results != NULL)
		pfree(so->results);
	so->results = MemoryContextAllocHuge(so->ctx,
										 sizeof(ScanResult) * Max(so->ncands, 1));
	so->nresults = so->next = 0;
	for (int64 i = 0; i < so->ncands; i++)
	{
		BlockNumber blkno = ItemPointerGetBlockNumber(&so->cands[i]);
		int			slot = AnnoyRefSlot(&so->cands[i]);
		Page		page;
		ItemPointer tid;

		if (buf == InvalidBuffer || BufferGetBlockNumber(buf) != blkno)
		{
			if (buf != InvalidBuffer)
				UnlockReleaseBuffer(buf);
			CHECK_FOR_INTERRUPTS();
			buf = ReadBuffer(scan->indexRelation, blkno);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
		}
		page = BufferGetPage(buf);
		if (PageIsNew(page) || AnnoyPageGetOpaque(page)->kind != ANNOY_PAGE_VECTOR ||
			slot < 0 || slot >= AnnoyPageGetOpaque(page)->nitems)
			continue;
		tid = &AnnoyVectorTids(page, l)[slot];
		if (!ItemPointerIsValid(tid))
			continue;
		so->results[so->nresults].tid = *tid;
		so->results[so->nresults].distance = so->nullQuery ? 0 :
			AnnoyDistance(l, so->query, AnnoyVectorValue(page, l, slot));
		so->nresults++;
	}
	if (buf != InvalidBuffer)
		UnlockReleaseBuffer(buf);
	so->ncands = 0;
	qsort(so->results, so->nresults, sizeof(ScanResult), CompareResults);
}

/*
 * The first call: read the metapage and the query, queue the roots.
 * Runs in the scan's memory context.
 */
static void
StartScan(IndexScanDesc scan)
{
	AnnoyScanOpaque so = (AnnoyScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	ScanKey		key = &scan->orderByData[0];
	AnnoyMetaPage meta;
	HASHCTL		ctl;
	double		start;

	pgstat_count_index_scan(index);
	if (scan->orderByData == NULL || scan->numberOfOrderBys < 1)
		elog(ERROR, "cannot scan annoy index without order");
	/* heap TIDs are handed out without a pin: needs an MVCC snapshot */
	if (!IsMVCCSnapshot(scan->xs_snapshot))
		elog(ERROR, "non-MVCC snapshots are not supported with annoy");

	meta = AnnoyGetMeta(index);
	AnnoyComputeLayout(&so->layout, meta->metric, meta->dimensions);
	so->nullQuery = (key->sk_flags & SK_ISNULL) != 0;
	if (!so->nullQuery)
	{
		so->query = AnnoyValueData(meta->metric,
								   PointerGetDatum(PG_DETOAST_DATUM(key->sk_argument)),
								   meta->dimensions);
		so->point.b = so->query;
		so->point.f = NULL;
		if (so->layout.kind != ANNOY_SPLIT_HAMMING)
		{
			float	   *f = palloc(sizeof(float) * so->layout.dimensions);

			AnnoyTreeValue(&so->layout, so->query, f);
			so->point.f = f;
		}
	}

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ItemPointerData);
	ctl.entrysize = sizeof(ItemPointerData);
	ctl.hcxt = so->ctx;
	so->seen = hash_create("Annoy scan positions", 1024, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	so->maxBatch = Max((int64) work_mem * 1024 /
					   (int64) (sizeof(ScanResult) + 2 * sizeof(ItemPointerData)),
					   1024);
	so->batch = annoy_search_k > 0 ? annoy_search_k :
		(int64) meta->nTrees * ANNOY_DEFAULT_K;
	so->batch = Min(so->batch, so->maxBatch);
	if (so->nullQuery)
		so->batch = PG_INT64_MAX;
	so->candsCap = 1024;
	so->cands = palloc(sizeof(ItemPointerData) * so->candsCap);
	so->queueCap = Max(64, meta->nTrees * 2);
	so->queue = palloc(sizeof(QueueItem) * so->queueCap);
	start = so->layout.kind == ANNOY_SPLIT_HAMMING ? (double) PG_INT32_MAX :
		DBL_MAX;
	for (int t = 0; t < meta->nTrees; t++)
		QueuePush(so, start, &meta->roots[t]);
	pfree(meta);
}

/*
 * ambeginscan
 */
IndexScanDesc
annoybeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	AnnoyScanOpaque so = palloc0(sizeof(AnnoyScanOpaqueData));

	so->ctx = AllocSetContextCreate(CurrentMemoryContext,
									"Annoy scan context",
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
annoyrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
			int norderbys)
{
	AnnoyScanOpaque so = (AnnoyScanOpaque) scan->opaque;

	MemoryContextReset(so->ctx);
	so->first = true;
	so->results = NULL;
	so->nresults = so->next = 0;
	so->nqueue = 0;
	so->ncands = 0;
	MilvusStatScanStart(scan);

	AmRescanKeys(scan, keys, orderbys);
}

/*
 * amgettuple: the next heap TID, in distance order within a round.
 */
bool
annoygettuple(IndexScanDesc scan, ScanDirection dir)
{
	AnnoyScanOpaque so = (AnnoyScanOpaque) scan->opaque;
	MemoryContext oldCtx;
	ScanResult *r;

	/* the planner never asks an ordering operator scan to go backward */
	Assert(ScanDirectionIsForward(dir));

	oldCtx = MemoryContextSwitchTo(so->ctx);
	if (so->first)
	{
		StartScan(scan);
		so->first = false;
	}
	while (so->next >= so->nresults && so->nqueue > 0)
	{
		Collect(scan, so->batch);
		Rank(scan);
		if (so->batch < so->maxBatch)
			so->batch = Min(so->batch * 2, so->maxBatch);
	}
	MemoryContextSwitchTo(oldCtx);

	if (so->next >= so->nresults)
		return false;

	r = &so->results[so->next++];
	scan->xs_heaptid = r->tid;
	MilvusStatScanTuple(scan);
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = Float8GetDatum(r->distance);
	scan->xs_orderbynulls[0] = so->nullQuery;
	return true;
}

/*
 * amendscan: free everything.
 */
void
annoyendscan(IndexScanDesc scan)
{
	AnnoyScanOpaque so = (AnnoyScanOpaque) scan->opaque;

	MilvusStatScanEnd(scan);
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
