/*-------------------------------------------------------------------------
 *
 * ivfscan.c
 *	  Index scans of the ivf access methods.
 *
 * The first call orders the lists by the distance of their centroids to
 * the query and probes the nearest "probes" lists: every tuple of those
 * lists gets a distance (exact for stored values; for codes, the sq8
 * asymmetric distance or the pq table look-ups), and the candidates are
 * sorted.  For codes, ivf.rerank candidates at a time (nearest first) are
 * then re-ranked with exact distances computed from the heap rows, read
 * with the scan's snapshot (a row the snapshot cannot see is dropped), so
 * the executor gets the first ivf.rerank rows in true distance order.
 *
 * With an iterative scan (relaxed_order, as pgvector 0.8 defines it), when
 * the candidates run out the scan probes the next "probes" lists, up to
 * max_probes lists in all; each batch is in distance order, batches are not
 * ordered against each other.
 *
 * Filter columns (amfilter.c): the scan keys on them are tested on each
 * list tuple before its distance is computed, so rows that fail them cost
 * no distance and no heap visit (nor a re-rank); an iterative scan keeps
 * probing lists until the executor has the rows it wants.
 *
 * A NULL query orders nothing (every distance is NULL): the scan returns
 * every row the index holds, probing every list, in no particular order,
 * as a sequential scan returns every row.
 *
 * IDENTIFICATION
 *	  src/ivfscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "amcommon.h"
#include "amfilter.h"
#include "distance.h"
#include "ivf.h"
#include "stat.h"
#include "vector.h"

typedef struct IvfCandidate
{
	float		distance;
	bool		missing;		/* re-rank found no visible row */
	ItemPointerData tid;
} IvfCandidate;

typedef struct IvfScanOpaqueData
{
	IvfInfo    *info;
	AmFilter	filter;			/* scan keys on filter columns, or NULL */
	FmgrInfo   *procinfo;
	Oid			collation;
	MemoryContext ctx;			/* reset by every rescan */

	/* settings, read at the first call */
	int			probes;
	int			probeLimit;		/* lists an iterative scan may probe */
	int			rerank;			/* 0: no re-rank (or exact values) */

	/* the query */
	bool		first;
	bool		done;
	bool		nullQuery;		/* ORDER BY ... <-> NULL */
	Datum		query;			/* detoasted */
	float	   *qx;				/* as floats (normalised for cosine) */
	float	   *table;			/* pq ADC table */
	bool		tableReady;		/* the inner product table is filled */

	/* the lists, nearest first */
	int		   *order;
	int			nextList;

	/* the current batch */
	IvfCandidate *cands;
	int64		ncands;
	int64		maxcands;
	int64		pos;
	int64		reranked;		/* cands[0 .. reranked) are re-ranked */

	/* heap access for re-ranking, created on first use */
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	IndexInfo  *indexInfo;
	EState	   *estate;
} IvfScanOpaqueData;

typedef IvfScanOpaqueData *IvfScanOpaque;

static float *ListDistances;	/* for CompareLists, set around qsort */

/*
 * Order candidates by distance, NaN last.
 */
static int
CompareCandidates(const void *a, const void *b)
{
	float		da = ((const IvfCandidate *) a)->distance;
	float		db = ((const IvfCandidate *) b)->distance;

	if (isnan(da))
		return isnan(db) ? 0 : 1;
	if (isnan(db))
		return -1;
	return (da > db) - (da < db);
}

/*
 * Order lists by their centroid's distance, then number.
 */
static int
CompareLists(const void *a, const void *b)
{
	int			la = *(const int *) a;
	int			lb = *(const int *) b;
	float		da = ListDistances[la];
	float		db = ListDistances[lb];

	if (da != db)
		return da < db ? -1 : 1;
	return (la > lb) - (la < lb);
}

/*
 * ambeginscan
 */
IndexScanDesc
ivfbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque so = palloc0(sizeof(IvfScanOpaqueData));

	so->info = IvfGetInfo(index);
	so->procinfo = index_getprocinfo(index, 1, IVF_DISTANCE_PROC);
	so->collation = index->rd_indcollation[0];
	so->ctx = AllocSetContextCreate(CurrentMemoryContext,
									"Ivf scan context", ALLOCSET_DEFAULT_SIZES);
	so->first = true;
	scan->opaque = so;
	return scan;
}

/*
 * amrescan
 */
void
ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys,
		  int norderbys)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MemoryContextReset(so->ctx);
	so->first = true;
	so->done = false;
	so->cands = NULL;
	so->table = NULL;
	so->tableReady = false;
	so->ncands = so->maxcands = so->pos = so->reranked = 0;
	MilvusStatScanStart(scan);

	AmRescanKeys(scan, keys, orderbys);
}

/*
 * The exact distance of the query to a value.
 */
static float
ExactDistance(IvfScanOpaque so, Datum value)
{
	if (so->info->type == IVF_TYPE_VECTOR &&
		(so->info->metric == IVF_METRIC_L2 || so->info->metric == IVF_METRIC_IP))
	{
		Vector		q = (Vector) DatumGetPointer(so->query);
		Vector		v = (Vector) DatumGetPointer(value);

		if (v->dim == q->dim)
			return so->info->metric == IVF_METRIC_L2 ?
				DistanceL2Squared(q->x, v->x, q->dim) :
				-DistanceInnerProduct(q->x, v->x, q->dim);
	}
	return (float) DatumGetFloat8(FunctionCall2Coll(so->procinfo,
													so->collation,
													so->query, value));
}

/*
 * Add a candidate to the batch.
 */
static inline void
AddCandidate(IvfScanOpaque so, float distance, ItemPointer tid)
{
	if (so->ncands == so->maxcands)
	{
		so->maxcands = Max(1024, so->maxcands * 2);
		so->cands = so->cands == NULL ?
			MemoryContextAllocHuge(so->ctx, sizeof(IvfCandidate) * so->maxcands) :
			repalloc_huge(so->cands, sizeof(IvfCandidate) * so->maxcands);
	}
	so->cands[so->ncands].distance = distance;
	so->cands[so->ncands].missing = false;
	so->cands[so->ncands].tid = *tid;
	so->ncands++;
}

/*
 * Prepare the per-list distance state: the pq table of the query's
 * residual to this list's centroid (L2), or the table once plus the
 * centroid's term (inner product).  Returns the term added to every code's
 * distance.
 */
static float
PrepareList(IvfScanOpaque so, int list)
{
	IvfInfo    *info = so->info;
	int			dim = info->dimensions;
	int			ksub = 1 << info->pqBits;
	const float *c = info->centroids + (Size) list * dim;

	if (info->quantizer != IVF_QUANTIZER_PQ)
		return 0;
	if (so->table == NULL)
		so->table = MemoryContextAlloc(so->ctx, sizeof(float) * info->pqM * ksub);
	if (IvfTrainsOnInnerProduct(info->metric))
	{
		if (!so->tableReady)
		{
			IvfPqTable(info->pqCodebooksT, dim, info->pqM, ksub, so->qx, true,
					   so->table);
			so->tableReady = true;
		}
		return -DistanceInnerProduct(so->qx, c, dim);
	}
	else
	{
		float	   *residual = palloc(sizeof(float) * dim);

		for (int i = 0; i < dim; i++)
			residual[i] = so->qx[i] - c[i];
		IvfPqTable(info->pqCodebooksT, dim, info->pqM, ksub, residual, false,
				   so->table);
		pfree(residual);
		return 0;
	}
}

/*
 * Read every tuple of one list into the batch with its distance.
 */
static void
ProbeList(IndexScanDesc scan, int list)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	IvfInfo    *info = so->info;
	bool		ip = IvfTrainsOnInnerProduct(info->metric);
	int			ksub = 1 << info->pqBits;
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		buf;
	Page		page;
	float		base;

	IvfCentroidLocation(info, list, &blkno, &offno);
	buf = ReadBuffer(scan->indexRelation, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	blkno = ((IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno)))->head;
	UnlockReleaseBuffer(buf);
	if (blkno == InvalidBlockNumber)
		return;
	base = so->nullQuery ? 0 : PrepareList(so, list);

	while (blkno != InvalidBlockNumber)
	{
		OffsetNumber maxoff;

		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(scan->indexRelation, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		maxoff = PageGetMaxOffsetNumber(page);
		for (OffsetNumber off = FirstOffsetNumber; off <= maxoff; off++)
		{
			IvfListTuple tup = (IvfListTuple) PageGetItem(page, PageGetItemId(page, off));
			float		d;

			/* rows that fail the filter cost no distance and no heap visit */
			if (so->filter != NULL &&
				!AmFilterMatch(so->filter, IvfListTupleKeys(info, tup)))
				continue;
			if (so->nullQuery)
				d = 0;
			else if (info->quantizer == IVF_QUANTIZER_FLAT)
				d = ExactDistance(so, PointerGetDatum(tup->data));
			else if (info->quantizer == IVF_QUANTIZER_SQ8)
				d = IvfSq8Distance(info->params, info->dimensions, so->qx,
								   (const uint8 *) tup->data, ip);
			else
				d = base + IvfPqDistance(so->table, info->pqM, ksub,
										 (const uint8 *) tup->data);
			AddCandidate(so, d, &tup->heaptid);
		}
		blkno = IvfPageGetOpaque(page)->nextblkno;
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Probe the next batch of lists; false when there is none left.
 */
static bool
NextBatch(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	int			limit = so->first ? so->probes :
		Min(so->nextList + so->probes, so->probeLimit);

	so->first = false;
	so->ncands = so->pos = so->reranked = 0;
	if (so->nextList >= limit)
		return false;
	for (; so->nextList < limit; so->nextList++)
		ProbeList(scan, so->order[so->nextList]);
	if (so->ncands > 1)
		qsort(so->cands, so->ncands, sizeof(IvfCandidate), CompareCandidates);
	return true;
}

/*
 * The heap row's value for the index column (or expression), through the
 * scan's snapshot; false when no row version is visible.
 */
static bool
FetchValue(IndexScanDesc scan, ItemPointer tid, Datum *value)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	bool		call_again = false;
	bool		all_dead = false;
	bool		isnull[INDEX_MAX_KEYS];
	Datum		values[INDEX_MAX_KEYS];
	ItemPointerData t = *tid;

	if (so->fetch == NULL)
	{
		MemoryContext oldCtx = MemoryContextSwitchTo(GetMemoryChunkContext(so));

		so->fetch = table_index_fetch_begin(scan->heapRelation);
		so->slot = table_slot_create(scan->heapRelation, NULL);
		so->indexInfo = BuildIndexInfo(scan->indexRelation);
		so->estate = CreateExecutorState();
		MemoryContextSwitchTo(oldCtx);
	}
	ResetPerTupleExprContext(so->estate);
	if (!table_index_fetch_tuple(so->fetch, &t, scan->xs_snapshot, so->slot,
								 &call_again, &all_dead))
		return false;
	GetPerTupleExprContext(so->estate)->ecxt_scantuple = so->slot;
	FormIndexDatum(so->indexInfo, so->slot, so->estate, values, isnull);
	if (isnull[0])
		return false;
	*value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	return true;
}

/*
 * Re-rank the next so->rerank candidates from so->pos with exact distances
 * from the heap, and sort them.
 */
static void
RerankNext(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	int64		end = Min(so->pos + so->rerank, so->ncands);

	for (int64 i = so->pos; i < end; i++)
	{
		Datum		value;

		CHECK_FOR_INTERRUPTS();
		if (FetchValue(scan, &so->cands[i].tid, &value))
			so->cands[i].distance = ExactDistance(so, value);
		else
			so->cands[i].missing = true;
	}
	qsort(so->cands + so->pos, end - so->pos, sizeof(IvfCandidate),
		  CompareCandidates);
	so->reranked = end;
}

/*
 * The first call: read the settings, order the lists (a NULL query probes
 * them all, in list order, without re-ranking).
 */
static void
StartScan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	IvfInfo    *info = so->info;
	ScanKey		key = &scan->orderByData[0];
	bool		ivfflat = IvfIsIvfflat(scan->indexRelation);
	int			maxProbes;
	bool		iterative;
	float	   *dists;

	if (scan->orderByData == NULL || scan->numberOfOrderBys < 1)
		elog(ERROR, "cannot scan ivf index without order");
	if (!IsMVCCSnapshot(scan->xs_snapshot))
		elog(ERROR, "non-MVCC snapshots are not supported with ivf");

	so->order = palloc(sizeof(int) * info->lists);
	so->nextList = 0;
	so->filter = AmFilterBegin(scan->indexRelation, scan->keyData,
							   scan->numberOfKeys);
	so->nullQuery = (key->sk_flags & SK_ISNULL) != 0;
	if (so->nullQuery)
	{
		so->probes = so->probeLimit = info->lists;
		so->rerank = 0;
		for (int i = 0; i < info->lists; i++)
			so->order[i] = i;
		return;
	}

	so->probes = Min(ivfflat ? ivfflat_probes : ivf_probes, info->lists);
	maxProbes = ivfflat ? ivfflat_max_probes : ivf_max_probes;
	iterative = (ivfflat ? ivfflat_iterative_scan : ivf_iterative_scan) !=
		IVF_ITERATIVE_SCAN_OFF;
	so->probeLimit = iterative ? Min(Max(maxProbes, so->probes), info->lists) :
		so->probes;
	so->rerank = info->quantizer == IVF_QUANTIZER_FLAT ? 0 : ivf_rerank;

	so->query = PointerGetDatum(PG_DETOAST_DATUM_COPY(key->sk_argument));
	so->qx = palloc(sizeof(float) * info->dimensions);
	/* a zero query under cosine stays zero: NaN distances, sorted last */
	(void) IvfValueToFloats(info->type, info->metric, so->query,
							info->dimensions, so->qx);

	dists = palloc(sizeof(float) * info->lists);
	for (int i = 0; i < info->lists; i++)
	{
		dists[i] = IvfCentroidDistance(info, so->qx, i);
		so->order[i] = i;
	}
	ListDistances = dists;
	qsort(so->order, info->lists, sizeof(int), CompareLists);
	ListDistances = NULL;
}

/*
 * amgettuple: the next heap TID in distance order.
 */
bool
ivfgettuple(IndexScanDesc scan, ScanDirection dir)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;
	MemoryContext oldCtx;
	bool		found = false;

	if (so->done)
		return false;
	oldCtx = MemoryContextSwitchTo(so->ctx);
	if (so->first)
	{
		pgstat_count_index_scan(scan->indexRelation);
		StartScan(scan);
		if (AmFilterNeverMatches(so->filter) || !NextBatch(scan))
			so->done = true;
	}

	while (!so->done)
	{
		IvfCandidate *c;

		if (so->pos >= so->ncands)
		{
			if (!NextBatch(scan))
				so->done = true;
			continue;
		}
		if (so->rerank > 0 && so->pos >= so->reranked)
			RerankNext(scan);
		c = &so->cands[so->pos++];
		if (c->missing)
			continue;
		scan->xs_heaptid = c->tid;
		MilvusStatScanTuple(scan);
		scan->xs_recheck = false;
		scan->xs_recheckorderby = false;
		found = true;
		break;
	}
	MemoryContextSwitchTo(oldCtx);
	return found;
}

/*
 * amendscan
 */
void
ivfendscan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MilvusStatScanEnd(scan);
	if (so->fetch != NULL)
	{
		table_index_fetch_end(so->fetch);
		ExecDropSingleTupleTableSlot(so->slot);
		FreeExecutorState(so->estate);
	}
	MemoryContextDelete(so->ctx);
	pfree(so);
	scan->opaque = NULL;
}
