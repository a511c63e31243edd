/*-------------------------------------------------------------------------
 *
 * ivfbuild.c
 *	  ambuild and ambuildempty of the ivf access methods.
 *
 * A build has three phases, reported in pg_stat_progress_create_index:
 *
 *	1. sampling rows: one heap scan keeps a uniform sample (reservoir,
 *	   fixed seed) of up to max(lists * IVF_SAMPLE_PER_LIST, IVF_MIN_SAMPLE)
 *	   rows as floats, within maintenance_work_mem (see "Memory");
 *	2. training: k-means centroids on the sample (IvfTrainKmeans, through
 *	   Faiss; random centroids for the lists beyond the sampled rows), then
 *	   the quantizer: sq8 ranges, or pq codebooks by k-means per sub-space
 *	   on the sample's residuals; the metapage, parameter and centroid
 *	   pages are written;
 *	3. loading tuples: a second heap scan assigns rows to lists in batches
 *	   (through Faiss) and appends their tuples to the lists' page chains.
 *
 * Pages are written without WAL and logged at the end with
 * log_newpage_range() when the index needs WAL.  With too little data the
 * index gets random centroids, or exact values instead of codes (see
 * ivf.h).
 *
 * Memory: the centroids (lists x dimensions floats) must fit in
 * maintenance_work_mem, and the sample takes at most half of what is left
 * (the other half is Faiss's working memory), so the sample shrinks as the
 * lists or the dimensions grow.  A build is refused ("memory required is
 * N MB") only when the table has more rows than the sample can hold and
 * the sample cannot hold one row per list; a small table, or a large one
 * sub-sampled, is accepted.  The load phase assigns rows in batches sized
 * to an eighth of maintenance_work_mem.
 *
 * IDENTIFICATION
 *	  src/ivfbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "amfilter.h"
#include "ivf.h"
#include "stat.h"

#define IVF_LOAD_BATCH	1024

typedef struct IvfBuildState
{
	Relation	heap;
	Relation	index;
	IvfInfo		info;			/* what the index becomes */
	int			askedLists;
	IvfQuantizer askedQuantizer;
	double		indtuples;

	/* phase 1: the sample */
	float	   *sample;
	int64		sampleSize;		/* capacity */
	int64		nsample;
	int64		seen;
	pg_prng_state prng;
	float	   *scratch;		/* one value as floats */

	/* phase 3: the batch and the lists' chains */
	float	   *batch;
	Datum	   *values;
	IndexTuple *keys;			/* filter values of the batch, or NULLs */
	ItemPointerData *tids;
	int64	   *labels;
	int			nbatch;
	int			batchSize;		/* rows per batch */
	BlockNumber *heads;
	BlockNumber *tails;
	MemoryContext tmpCtx;
} IvfBuildState;

/*
 * The memory a build of the asked lists needs at least: the centroids and
 * one sampled row per list, twice (see "Memory" above).
 */
static Size
MinimumMemory(int lists, int dim)
{
	return (Size) lists * dim * sizeof(float) +
		(Size) lists * dim * sizeof(float) * 2;
}

/*
 * Refuse the build: its lists do not fit in maintenance_work_mem.
 */
static void
RefuseMemory(IvfBuildState *state)
{
	Size		required = MinimumMemory(state->askedLists,
										 state->info.dimensions);

	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("memory required is %zu MB, maintenance_work_mem is %d MB",
					required / (1024 * 1024) + 1, maintenance_work_mem / 1024),
			 errhint("Increase maintenance_work_mem or decrease lists.")));
}

/*
 * Phase 1: keep a uniform sample of the rows (Algorithm R, fixed seed).
 */
static void
SampleCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *arg)
{
	IvfBuildState *state = (IvfBuildState *) arg;
	int			dim = state->info.dimensions;
	int64		slot;
	MemoryContext oldCtx;

	if (isnull[0])
		return;
	oldCtx = MemoryContextSwitchTo(state->tmpCtx);
	if (!IvfValueToFloats(state->info.type, state->info.metric, values[0],
						  dim, state->scratch))
	{
		/* not indexed (zero vector, cosine) */
		MemoryContextSwitchTo(oldCtx);
		MemoryContextReset(state->tmpCtx);
		return;
	}
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(state->tmpCtx);

	state->seen++;
	if (state->nsample < state->sampleSize)
		slot = state->nsample++;
	else
	{
		if (state->sampleSize < state->askedLists)
			RefuseMemory(state);
		slot = (int64) pg_prng_uint64_range(&state->prng, 0, state->seen - 1);
		if (slot >= state->sampleSize)
			return;
	}
	memcpy(state->sample + slot * dim, state->scratch, sizeof(float) * dim);
}

/*
 * Write one page of the index being built; returns its buffer, locked.
 */
static Buffer
NewBuildPage(IvfBuildState *state, ForkNumber forkNum, uint16 pagetype)
{
	Buffer		buf = ExtendIndex(state->index, forkNum);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	IvfInitPage(BufferGetPage(buf), pagetype);
	return buf;
}

/*
 * Write the floats of the parameter pages: the quantizer's n floats, then
 * the centroids' vectors.  Returns the first block, or InvalidBlockNumber
 * when there are none.
 */
static BlockNumber
WriteParams(IvfBuildState *state, ForkNumber forkNum, int64 n)
{
	IvfInfo    *info = &state->info;
	int64		total = n + (int64) info->lists * info->dimensions;
	BlockNumber start = InvalidBlockNumber;
	Buffer		prev = InvalidBuffer;

	for (int64 i = 0; i < total; i += IVF_PARAM_FLOATS_PER_PAGE)
	{
		int			k = (int) Min(IVF_PARAM_FLOATS_PER_PAGE, total - i);
		Buffer		buf = NewBuildPage(state, forkNum, IVF_PAGE_PARAM);
		float	   *item = palloc(sizeof(float) * k);

		for (int j = 0; j < k; j++)
			item[j] = i + j < n ? info->params[i + j] :
				info->centroids[i + j - n];
		if (PageAddItem(BufferGetPage(buf), (Item) item, sizeof(float) * k,
						InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
			elog(ERROR, "failed to add parameter item to ivf index");
		pfree(item);
		if (BufferIsValid(prev))
		{
			IvfPageGetOpaque(BufferGetPage(prev))->nextblkno = BufferGetBlockNumber(buf);
			MarkBufferDirty(prev);
			UnlockReleaseBuffer(prev);
		}
		else
			start = BufferGetBlockNumber(buf);
		prev = buf;
	}
	if (BufferIsValid(prev))
	{
		MarkBufferDirty(prev);
		UnlockReleaseBuffer(prev);
	}
	return start;
}

/*
 * Write the metapage, the parameter pages and the centroid pages (lists
 * empty) of state->info.
 */
static void
WriteStructure(IvfBuildState *state, ForkNumber forkNum, int paramFloats)
{
	IvfInfo    *info = &state->info;
	Buffer		metabuf = NewBuildPage(state, forkNum, IVF_PAGE_META);
	IvfMetaPage meta = IvfPageGetMeta(BufferGetPage(metabuf));
	IvfCentroidTupleData ctup;
	Buffer		buf = InvalidBuffer;

	meta->paramStart = WriteParams(state, forkNum, paramFloats);

	/* centroid pages */
	info->centroidsPerPage = (BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
							  MAXALIGN(sizeof(IvfPageOpaqueData))) /
		(IVF_CENTROID_TUPLE_SIZE + sizeof(ItemIdData));
	ctup.head = InvalidBlockNumber;
	ctup.insertPage = InvalidBlockNumber;
	for (int list = 0; list < info->lists; list++)
	{
		if (list % info->centroidsPerPage == 0)
		{
			if (BufferIsValid(buf))
			{
				MarkBufferDirty(buf);
				UnlockReleaseBuffer(buf);
			}
			buf = NewBuildPage(state, forkNum, IVF_PAGE_CENTROID);
			if (list == 0)
				info->centroidStart = BufferGetBlockNumber(buf);
		}
		if (PageAddItem(BufferGetPage(buf), (Item) &ctup,
						IVF_CENTROID_TUPLE_SIZE, InvalidOffsetNumber, false,
						false) == InvalidOffsetNumber)
			elog(ERROR, "failed to add centroid to ivf index");
	}
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	meta->magicNumber = IVF_MAGIC_NUMBER;
	meta->version = IVF_VERSION;
	meta->buildId = IvfNewBuildId();
	meta->dimensions = info->dimensions;
	meta->lists = info->lists;
	meta->quantizer = info->quantizer;
	meta->pqM = info->pqM;
	meta->pqBits = info->pqBits;
	meta->codeSize = info->codeSize;
	meta->paramFloats = paramFloats;
	meta->centroidStart = info->centroidStart;
	meta->centroidsPerPage = info->centroidsPerPage;
	((PageHeader) BufferGetPage(metabuf))->pd_lower =
		((char *) meta + sizeof(IvfMetaPageData)) - (char *) BufferGetPage(metabuf);
	MarkBufferDirty(metabuf);
	UnlockReleaseBuffer(metabuf);
}

/*
 * Train the pq codebooks on the sample's residuals to their centroids, one
 * sub-space at a time (see IvfPqTrainSubspace).
 */
static void
TrainPq(IvfBuildState *state, int64 n)
{
	IvfInfo    *info = &state->info;
	int			dim = info->dimensions;
	int			dsub = dim / info->pqM;
	int			ksub = 1 << info->pqBits;
	int64	   *labels = palloc(sizeof(int64) * n);
	float	   *residuals = MemoryContextAllocHuge(CurrentMemoryContext,
												   sizeof(float) * n * dim);
	int		   *work = palloc(sizeof(int) * n);
	float	   *fwork = palloc(sizeof(float) * ksub * (dsub + 2));

	IvfAssignLists(info->centroids, info->lists, dim,
				   IvfTrainsOnInnerProduct(info->metric), state->sample, n,
				   labels);
	for (int64 i = 0; i < n; i++)
		for (int d = 0; d < dim; d++)
			residuals[i * dim + d] = state->sample[i * dim + d] -
				info->centroids[labels[i] * dim + d];

	for (int j = 0; j < info->pqM; j++)
	{
		CHECK_FOR_INTERRUPTS();
		IvfPqTrainSubspace(residuals + j * dsub, n, dim, dsub, ksub,
						   IVF_KMEANS_ITERATIONS, IVF_KMEANS_SEED + j,
						   info->params + (Size) j * ksub * dsub, work, fwork);
	}
	pfree(labels);
	pfree(residuals);
	pfree(work);
	pfree(fwork);
}

/*
 * Random centroids for the lists from "from" on, which k-means had no rows
 * for (fixed seed): each component uniform in [0, 1) as pgvector's (bits:
 * 0 or 1), normalised for the metrics that train spherical k-means.
 */
static void
RandomCentroids(IvfInfo *info, int from)
{
	int			dim = info->dimensions;
	pg_prng_state prng;

	pg_prng_seed(&prng, IVF_KMEANS_SEED);
	for (int list = from; list < info->lists; list++)
	{
		float	   *c = info->centroids + (Size) list * dim;
		double		norm = 0;

		for (int i = 0; i < dim; i++)
		{
			if (info->type == IVF_TYPE_BIT)
				c[i] = (float) (pg_prng_uint32(&prng) & 1);
			else
				c[i] = (float) pg_prng_double(&prng);
			norm += (double) c[i] * c[i];
		}
		if ((info->metric == IVF_METRIC_IP ||
			 info->metric == IVF_METRIC_COSINE) && norm > 0)
			for (int i = 0; i < dim; i++)
				c[i] /= sqrt(norm);
	}
}

/*
 * Phase 2: decide the lists and quantizer the data allows, train them and
 * write the structure.
 */
static void
Train(IvfBuildState *state)
{
	IvfInfo    *info = &state->info;
	int			dim = info->dimensions;
	int			paramFloats = 0;
	int			trained;
	const char *am = IvfIsIvfflat(state->index) ? "ivfflat" : "ivf";

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_TRAIN);

	info->lists = state->askedLists;
	info->quantizer = state->askedQuantizer;
	if ((info->quantizer == IVF_QUANTIZER_SQ8 && state->nsample == 0) ||
		(info->quantizer == IVF_QUANTIZER_PQ &&
		 state->nsample < (1 << info->pqBits)))
	{
		ereport(NOTICE,
				(errmsg("%s index created with too little data to train quantizer \"%s\"",
						am, IvfQuantizerName(info->quantizer)),
				 errdetail("The index stores exact values."),
				 errhint("REINDEX the index once the table has more data.")));
		info->quantizer = IVF_QUANTIZER_FLAT;
	}
	if (state->nsample < info->lists)
		ereport(NOTICE,
				(errmsg("%s index created with little data", am),
				 errdetail("This will cause low recall."),
				 errhint("Drop the index until the table has more data.")));

	info->centroids = MemoryContextAllocHuge(CurrentMemoryContext,
											 sizeof(float) * info->lists * dim);
	trained = (int) Min((int64) info->lists, state->nsample);
	if (trained > 0)
		IvfTrainKmeans(state->sample, state->nsample, dim, trained,
					   IvfTrainsOnInnerProduct(info->metric),
					   info->metric == IVF_METRIC_IP ||
					   info->metric == IVF_METRIC_COSINE,
					   IVF_KMEANS_SEED, info->centroids);
	RandomCentroids(info, trained);

	if (info->quantizer == IVF_QUANTIZER_SQ8)
	{
		info->codeSize = dim;
		paramFloats = 2 * dim;
		info->params = palloc(sizeof(float) * paramFloats);
		IvfSq8Train(state->sample, state->nsample, dim, info->params);
	}
	else if (info->quantizer == IVF_QUANTIZER_PQ)
	{
		info->codeSize = info->pqM;
		paramFloats = (1 << info->pqBits) * dim;
		info->params = palloc(sizeof(float) * paramFloats);
		TrainPq(state, Min(state->nsample, IVF_PQ_SAMPLE));
	}
	else
		info->codeSize = 0;

	WriteStructure(state, MAIN_FORKNUM, paramFloats);
	pfree(state->sample);
	state->sample = NULL;
}

/*
 * Append a tuple to a list's chain during the build (no WAL, no other
 * backend can see the index yet).
 */
static void
BuildAppend(IvfBuildState *state, int list, IvfListTuple tup, Size size)
{
	Buffer		buf;
	Buffer		newbuf;

	if (state->tails[list] != InvalidBlockNumber)
	{
		buf = ReadBuffer(state->index, state->tails[list]);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (PageAddItem(BufferGetPage(buf), (Item) tup, size,
						InvalidOffsetNumber, false, false) != InvalidOffsetNumber)
		{
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
			return;
		}
	}
	else
		buf = InvalidBuffer;

	newbuf = NewBuildPage(state, MAIN_FORKNUM, IVF_PAGE_LIST);
	if (PageAddItem(BufferGetPage(newbuf), (Item) tup, size,
					InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add list tuple to ivf index");
	if (BufferIsValid(buf))
	{
		IvfPageGetOpaque(BufferGetPage(buf))->nextblkno = BufferGetBlockNumber(newbuf);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	else
		state->heads[list] = BufferGetBlockNumber(newbuf);
	state->tails[list] = BufferGetBlockNumber(newbuf);
	MarkBufferDirty(newbuf);
	UnlockReleaseBuffer(newbuf);
}

/*
 * Assign the batch to lists and append its tuples.
 */
static void
FlushBatch(IvfBuildState *state)
{
	IvfInfo    *info = &state->info;
	int			dim = info->dimensions;
	MemoryContext oldCtx = MemoryContextSwitchTo(state->tmpCtx);

	CHECK_FOR_INTERRUPTS();
	if (info->lists > 1)
		IvfAssignLists(info->centroids, info->lists, dim,
					   IvfTrainsOnInnerProduct(info->metric), state->batch,
					   state->nbatch, state->labels);
	else
		memset(state->labels, 0, sizeof(int64) * state->nbatch);

	for (int i = 0; i < state->nbatch; i++)
	{
		Size		size = IvfListTupleSize(info, state->values[i],
											state->keys[i]);
		IvfListTuple tup = palloc0(size);

		IvfFormListTuple(info, tup, state->values[i], state->keys[i],
						 state->batch + i * dim, (int) state->labels[i],
						 &state->tids[i]);
		BuildAppend(state, (int) state->labels[i], tup, size);
		pfree(tup);
	}
	state->indtuples += state->nbatch;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
								 (int64) state->indtuples);
	state->nbatch = 0;
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(state->tmpCtx);
}

/*
 * Phase 3: collect rows into the batch.
 */
static void
LoadCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			 bool tupleIsAlive, void *arg)
{
	IvfBuildState *state = (IvfBuildState *) arg;
	MemoryContext oldCtx;
	Datum		value;

	if (isnull[0])
		return;
	oldCtx = MemoryContextSwitchTo(state->tmpCtx);
	value = PointerGetDatum(PG_DETOAST_DATUM_COPY(values[0]));
	if (!IvfValueToFloats(state->info.type, state->info.metric, value,
						  state->info.dimensions,
						  state->batch + state->nbatch * state->info.dimensions))
	{
		/* not indexed (zero vector, cosine); freed with the batch */
		MemoryContextSwitchTo(oldCtx);
		return;
	}
	state->keys[state->nbatch] = AmFormFilterKeys(index, values, isnull);
	if (state->keys[state->nbatch] != NULL)
		IvfCheckListTupleSize(index,
							  IvfListTupleSize(&state->info, value,
											   state->keys[state->nbatch]));
	MemoryContextSwitchTo(oldCtx);
	state->values[state->nbatch] = value;
	state->tids[state->nbatch] = *tid;
	if (++state->nbatch == state->batchSize)
		FlushBatch(state);
}

/*
 * Record the lists' chains in the centroid tuples.
 */
static void
WriteChains(IvfBuildState *state)
{
	IvfInfo    *info = &state->info;

	for (int list = 0; list < info->lists; list++)
	{
		BlockNumber blkno;
		OffsetNumber offno;
		Buffer		buf;
		Page		page;
		IvfCentroidTuple ctup;

		if (state->heads[list] == InvalidBlockNumber)
			continue;
		IvfCentroidLocation(info, list, &blkno, &offno);
		buf = ReadBuffer(state->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		page = BufferGetPage(buf);
		ctup = (IvfCentroidTuple) PageGetItem(page, PageGetItemId(page, offno));
		ctup->head = state->heads[list];
		ctup->insertPage = state->tails[list];
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Set up the build state from the index's options and operator class.
 */
static void
InitBuildState(IvfBuildState *state, Relation heap, Relation index)
{
	int			dim;
	Size		memoryLimit = (Size) maintenance_work_mem * 1024;
	Size		centroidBytes;

	memset(state, 0, sizeof(IvfBuildState));
	state->heap = heap;
	state->index = index;
	state->info.type = IvfGetType(index);
	state->info.metric = IvfGetMetric(index);
	dim = state->info.dimensions = IvfGetDimensions(index);
	state->askedLists = IvfGetLists(index);
	state->askedQuantizer = IvfGetQuantizer(index);
	if (state->askedQuantizer != IVF_QUANTIZER_FLAT &&
		state->info.type == IVF_TYPE_BIT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("quantizer \"%s\" is not supported for bit",
						IvfQuantizerName(state->askedQuantizer))));
	if (state->askedQuantizer == IVF_QUANTIZER_PQ)
	{
		state->info.pqM = IvfGetPqM(index, dim);
		state->info.pqBits = IvfGetPqBits(index);
	}

	/* see "Memory" above */
	centroidBytes = (Size) state->askedLists * dim * sizeof(float);
	if (centroidBytes > memoryLimit)
		RefuseMemory(state);
	state->sampleSize = Max((int64) state->askedLists * IVF_SAMPLE_PER_LIST,
							IVF_MIN_SAMPLE);
	state->sampleSize = Min(state->sampleSize,
							(int64) ((memoryLimit - centroidBytes) / 2 /
									 (sizeof(float) * dim)));
	state->sample = MemoryContextAllocHuge(CurrentMemoryContext,
										   sizeof(float) * Max(state->sampleSize, 1) * dim);
	state->scratch = palloc(sizeof(float) * dim);
	pg_prng_seed(&state->prng, IVF_KMEANS_SEED);

	state->batchSize = (int) Max(1, Min((Size) IVF_LOAD_BATCH,
										memoryLimit / 8 / (sizeof(float) * dim * 2)));
	state->batch = MemoryContextAllocHuge(CurrentMemoryContext,
										  sizeof(float) * state->batchSize * dim);
	state->values = palloc(sizeof(Datum) * state->batchSize);
	state->keys = palloc(sizeof(IndexTuple) * state->batchSize);
	state->tids = palloc(sizeof(ItemPointerData) * state->batchSize);
	state->labels = palloc(sizeof(int64) * state->batchSize);
	state->tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
										  "Ivf build temporary context",
										  ALLOCSET_DEFAULT_SIZES);
}

/*
 * ambuild: sample, train, load.
 */
IndexBuildResult *
ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc(sizeof(IndexBuildResult));
	IvfBuildState state;
	double		reltuples;
	MemoryContext buildCtx = AllocSetContextCreate(CurrentMemoryContext,
												   "Ivf build context",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldCtx = MemoryContextSwitchTo(buildCtx);

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));
	AmCheckFilterColumns(index, IVF_DISTANCE_PROC);

	InitBuildState(&state, heap, index);
	MilvusStatBuildStart(index);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_SAMPLE);
	table_index_build_scan(heap, index, indexInfo, true, true, SampleCallback,
						   &state, NULL);
	Train(&state);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_LOAD);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, state.seen);
	state.heads = palloc(sizeof(BlockNumber) * state.info.lists);
	state.tails = palloc(sizeof(BlockNumber) * state.info.lists);
	for (int i = 0; i < state.info.lists; i++)
		state.heads[i] = state.tails[i] = InvalidBlockNumber;
	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   LoadCallback, &state, NULL);
	if (state.nbatch > 0)
		FlushBatch(&state);
	WriteChains(&state);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(index), true);

	/* all rows scanned, not those a partial index's predicate keeps */
	result->heap_tuples = reltuples;
	result->index_tuples = state.indtuples;
	MilvusStatBuildEnd(index, state.indtuples);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(buildCtx);
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index, what a build over an
 * empty table gives: the lists asked for, random centroids, exact values.
 */
void
ivfbuildempty(Relation index)
{
	IvfBuildState state;

	AmCheckFilterColumns(index, IVF_DISTANCE_PROC);
	memset(&state, 0, sizeof(state));
	state.index = index;
	state.info.type = IvfGetType(index);
	state.info.metric = IvfGetMetric(index);
	state.info.dimensions = IvfGetDimensions(index);
	state.info.lists = IvfGetLists(index);
	state.info.quantizer = IVF_QUANTIZER_FLAT;
	state.info.centroids = MemoryContextAllocHuge(CurrentMemoryContext,
												  sizeof(float) * state.info.lists *
												  state.info.dimensions);
	RandomCentroids(&state.info, 0);
	WriteStructure(&state, INIT_FORKNUM, 0);
	log_newpage_range(index, INIT_FORKNUM, 0,
					  RelationGetNumberOfBlocksInFork(index, INIT_FORKNUM), true);
}
