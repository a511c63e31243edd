/*-------------------------------------------------------------------------
 *
 * flatbuild.c
 *	  Build a flat index: one heap scan that fills the pages in order.
 *
 * The metapage is block 0.  The heap scan's callback copies each non-NULL
 * value and its TID into an in-memory data page; a full page is written
 * through shared buffers as the next block.  At the end the last page is
 * written, the metapage records it as the insert page, and every page is
 * WAL-logged at once with log_newpage_range() when the index needs WAL.
 * Memory stays at one page, whatever the table's size.  Progress: the
 * "loading tuples" phase, with the heap blocks and the tuples done.
 *
 * IDENTIFICATION
 *	  src/flatbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/backend_progress.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "flat.h"
#include "stat.h"

typedef struct FlatBuildState
{
	Relation	index;
	FlatMetric	metric;
	int			dimensions;
	FlatLayout	layout;
	Page		page;			/* the data page being filled */
	double		indtuples;
	MemoryContext tmpCtx;		/* reset after each tuple */
} FlatBuildState;

/*
 * The dimensions of the indexed column, from its typmod, within the
 * metric's limit.
 */
static int
GetDimensions(Relation index, FlatMetric metric)
{
	return AmColumnDimensions(index, FlatMaxDimensions(metric), "flat");
}

/*
 * Write the in-memory data page, if it holds anything, and start afresh.
 */
static void
FlushPage(FlatBuildState *state)
{
	if (FlatPageGetOpaque(state->page)->nitems == 0)
		return;
	ExtendIndexWithPage(state->index, MAIN_FORKNUM, state->page);
	FlatInitPage(state->page, &state->layout);
}

/*
 * Heap scan callback: add one row's value to the current page.
 */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *arg)
{
	FlatBuildState *state = (FlatBuildState *) arg;
	MemoryContext oldCtx;
	Datum		value;

	/* NULLs are not indexed */
	if (isnull[0])
		return;

	oldCtx = MemoryContextSwitchTo(state->tmpCtx);
	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	if (FlatPageGetOpaque(state->page)->nitems >= state->layout.capacity)
		FlushPage(state);
	FlatPageAddItem(state->page, &state->layout,
					FlatValueData(state->metric, value, state->dimensions),
					tid);
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(state->tmpCtx);

	state->indtuples++;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
								 (int64) state->indtuples);
}

/*
 * Write the metapage of an index whose data pages end at lastPage.
 */
static void
WriteMetaPage(Relation index, ForkNumber forkNum, FlatMetric metric,
			  int dimensions, const FlatLayout *layout, BlockNumber lastPage)
{
	Page		page = palloc(BLCKSZ);

	FlatInitMetaPage(page, metric, dimensions, layout);
	FlatPageGetMeta(page)->insertPage = lastPage;
	ExtendIndexWithPage(index, forkNum, page);
	pfree(page);
}

/*
 * ambuild: build a new index over the existing rows.
 */
IndexBuildResult *
flatbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	FlatBuildState state;
	double		reltuples;
	BlockNumber nblocks;
	Buffer		buf;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));
	MilvusStatBuildStart(index);

	state.index = index;
	state.metric = FlatGetMetric(index);
	state.dimensions = GetDimensions(index, state.metric);
	FlatComputeLayout(&state.layout, FlatElemSize(state.metric,
												  state.dimensions));
	state.page = palloc(BLCKSZ);
	FlatInitPage(state.page, &state.layout);
	state.indtuples = 0;
	state.tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
										 "Flat build temporary context",
										 ALLOCSET_DEFAULT_SIZES);

	/* block 0: the metapage, filled in at the end */
	WriteMetaPage(index, MAIN_FORKNUM, state.metric, state.dimensions,
				  &state.layout, InvalidBlockNumber);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FLAT_PHASE_LOAD);
	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   BuildCallback, &state, NULL);
	FlushPage(&state);

	nblocks = RelationGetNumberOfBlocks(index);
	buf = ReadBuffer(index, FLAT_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	FlatPageGetMeta(BufferGetPage(buf))->insertPage =
		nblocks > FLAT_HEAD_BLKNO ? nblocks - 1 : InvalidBlockNumber;
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, nblocks, true);

	MemoryContextDelete(state.tmpCtx);
	pfree(state.page);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = reltuples;
	result->index_tuples = state.indtuples;
	MilvusStatBuildEnd(index, state.indtuples);
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index, an empty metapage.
 */
void
flatbuildempty(Relation index)
{
	FlatMetric	metric = FlatGetMetric(index);
	int			dimensions = GetDimensions(index, metric);
	FlatLayout	layout;
	Buffer		buf;

	FlatComputeLayout(&layout, FlatElemSize(metric, dimensions));
	WriteMetaPage(index, INIT_FORKNUM, metric, dimensions, &layout,
				  InvalidBlockNumber);

	/* the init fork is always WAL-logged */
	buf = ReadBufferExtended(index, INIT_FORKNUM, FLAT_METAPAGE_BLKNO,
							 RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	log_newpage_buffer(buf, true);
	UnlockReleaseBuffer(buf);
}
