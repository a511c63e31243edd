/*-------------------------------------------------------------------------
 *
 * annoybuild.c
 *	  Build an annoy index: collect the values, build the trees in memory,
 *	  write every page in one pass.
 *
 * Phases (reported in pg_stat_progress_create_index):
 *
 *	1. loading tuples: scan the heap; NULLs are skipped; each value's raw
 *	   element array and heap TID are collected in memory.
 *	2. building trees: the vector store pages are written (value i at
 *	   slot i % capacity of block 1 + i / capacity); then, one tree at a
 *	   time, the tree is built by recursive splitting (annoyutils.c) over
 *	   a permutation of the values, until every leaf holds at most
 *	   leafCapacity of them, and its pages are appended: its inner nodes
 *	   on split pages, then its leaves on leaf pages, so that every node's
 *	   block and slot are known from its number before anything is
 *	   written.  "tuples done" counts the values placed in trees so far.
 *	   At the end the metapage records the roots and every page is
 *	   WAL-logged at once with log_newpage_range().
 *
 * The values, their tree-space copies (unit vectors for angular trees,
 * floats for halfvec) and one tree's nodes must fit in
 * maintenance_work_mem.  When they would not, a NOTICE says so, the build
 * writes an empty forest and inserts every row through the insert path
 * (annoyinsert.c), which WAL-logs as it goes: phase 3, "inserting tuples".
 *
 * Trees are built with a pseudo-random generator of fixed seed, so the
 * same rows in the same order build the same index.
 *
 * IDENTIFICATION
 *	  src/annoybuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "utils/backend_progress.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "amcommon.h"
#include "annoy.h"
#include "stat.h"

/* the generator's seed: builds are reproducible */
#define ANNOY_BUILD_SEED	0x616E6E6F79ULL	/* "annoy" */

/* An inner node of the tree being built: children are node codes */
typedef struct BuildSplit
{
	float		offset;
	uint32		bit;
	int32		children[2];	/* >= 0: a split; < 0: leaf -code - 1 */
} BuildSplit;

/* A leaf of the tree being built: a range of the permutation */
typedef struct BuildLeaf
{
	int32		start;
	int32		count;
} BuildLeaf;

typedef struct AnnoyBuildState
{
	Relation	heap;
	Relation	index;
	AnnoyLayout layout;
	int			nTrees;
	bool		inMemory;		/* still collecting */
	Size		memoryLimit;	/* maintenance_work_mem, in bytes */

	char	   *values;			/* count x elemSize */
	ItemPointerData *tids;
	int64		count;
	int64		capacity;

	/* the trees' view of the values and the tree being built */
	float	   *treeValues;		/* count x dimensions, when a copy is needed */
	AnnoyPoint *points;			/* count */
	AnnoyPoint *scratch;		/* count: the points of one split */
	uint8	   *sides;			/* count */
	int32	   *ids;			/* count: the permutation */
	BuildSplit *splits;
	float	   *normals;		/* nsplits x dimensions */
	int32		nsplits;
	int32		splitsCap;
	BuildLeaf  *leaves;
	int32		nleaves;
	int32		leavesCap;
	float	   *normal;			/* a split being planned */
	pg_prng_state prng;

	ItemPointerData *roots;
	BlockNumber lastSplitPage;
	BlockNumber lastLeafPage;
	double		indtuples;
	MemoryContext tmpCtx;		/* per tuple */
} AnnoyBuildState;

/*
 * Whether trees need their own float copy of the values (the raw values
 * serve for Euclidean vector trees and Hamming trees).
 */
static bool
NeedsTreeCopy(const AnnoyLayout *layout)
{
	return layout->kind == ANNOY_SPLIT_ANGULAR ||
		layout->metric == ANNOY_HALFVEC_L2;
}

/*
 * Bytes the in-memory build needs for n values: the values, their TIDs,
 * the tree copy, the per-value arrays, and one tree's nodes (about 2n /
 * leafCapacity of them).
 */
static Size
InMemorySize(const AnnoyBuildState *state, int64 n)
{
	const AnnoyLayout *l = &state->layout;
	Size		perValue = l->elemSize + sizeof(ItemPointerData) +
		2 * sizeof(AnnoyPoint) + sizeof(int32) + 1 +
		(NeedsTreeCopy(l) ? sizeof(float) * l->dimensions : 0);
	Size		nodes = 2 * n / l->leafCapacity + 1;

	return n * perValue + nodes * (sizeof(BuildSplit) + sizeof(BuildLeaf) +
								   sizeof(float) * l->dimensions);
}

/*
 * The vector store position of collected value i.
 */
static void
VectorPosition(const AnnoyLayout *layout, int64 i, ItemPointer pos)
{
	ItemPointerSet(pos, ANNOY_HEAD_BLKNO + i / layout->vectorCapacity,
				   i % layout->vectorCapacity + 1);
}

/*
 * Write the vector store: the collected values in order, from block 1.
 */
static void
WriteVectorPages(AnnoyBuildState *state, ForkNumber forkNum)
{
	const AnnoyLayout *l = &state->layout;
	Page		page = palloc(BLCKSZ);

	for (int64 first = 0; first < state->count; first += l->vectorCapacity)
	{
		int			n = (int) Min(l->vectorCapacity, state->count - first);

		CHECK_FOR_INTERRUPTS();
		AnnoyInitPage(page, l, ANNOY_PAGE_VECTOR);
		memcpy(AnnoyVectorValue(page, l, 0),
			   state->values + first * l->elemSize, (Size) n * l->elemSize);
		memcpy(AnnoyVectorTids(page, l), &state->tids[first],
			   sizeof(ItemPointerData) * n);
		AnnoyPageGetOpaque(page)->nitems = n;
		ExtendIndexWithPage(state->index, forkNum, page);
	}
	pfree(page);
}

/*
 * Prepare the trees' view of the collected values.
 */
static void
PreparePoints(AnnoyBuildState *state)
{
	const AnnoyLayout *l = &state->layout;
	int64		n = Max(state->count, 1);

	state->points = palloc_extended(sizeof(AnnoyPoint) * n, MCXT_ALLOC_HUGE);
	state->scratch = palloc_extended(sizeof(AnnoyPoint) * n, MCXT_ALLOC_HUGE);
	state->sides = palloc_extended(n, MCXT_ALLOC_HUGE);
	state->ids = palloc_extended(sizeof(int32) * n, MCXT_ALLOC_HUGE);
	state->normal = palloc(sizeof(float) * Max(l->dimensions, 1));
	if (NeedsTreeCopy(l))
		state->treeValues = palloc_extended(sizeof(float) * l->dimensions * n,
											MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < state->count; i++)
	{
		const char *value = state->values + i * l->elemSize;

		state->points[i].f = NULL;
		state->points[i].b = (const uint8 *) value;
		if (l->kind == ANNOY_SPLIT_HAMMING)
			continue;
		if (state->treeValues != NULL)
		{
			float	   *f = state->treeValues + i * l->dimensions;

			AnnoyTreeValue(l, value, f);
			state->points[i].f = f;
		}
		else
			state->points[i].f = (const float *) value;
	}
}

/*
 * Add a node to the tree being built; returns its code.
 */
static int32
AddLeaf(AnnoyBuildState *state, int32 start, int32 count)
{
	if (state->nleaves == state->leavesCap)
	{
		state->leavesCap = Max(64, state->leavesCap * 2);
		state->leaves = state->leaves == NULL ?
			palloc(sizeof(BuildLeaf) * state->leavesCap) :
			repalloc_huge(state->leaves, sizeof(BuildLeaf) * state->leavesCap);
	}
	state->leaves[state->nleaves].start = start;
	state->leaves[state->nleaves].count = count;
	return -(state->nleaves++) - 1;
}

/*
 * Add an inner node with the planned hyperplane; returns its code.
 */
static int32
AddSplit(AnnoyBuildState *state, const AnnoySplitPlan *plan)
{
	int			dim = state->layout.dimensions;

	if (state->nsplits == state->splitsCap)
	{
		state->splitsCap = Max(64, state->splitsCap * 2);
		state->splits = state->splits == NULL ?
			palloc(sizeof(BuildSplit) * state->splitsCap) :
			repalloc_huge(state->splits, sizeof(BuildSplit) * state->splitsCap);
		state->normals = state->normals == NULL ?
			palloc_extended(sizeof(float) * dim * state->splitsCap + 1,
							MCXT_ALLOC_HUGE) :
			repalloc_huge(state->normals,
						  sizeof(float) * dim * state->splitsCap + 1);
	}
	state->splits[state->nsplits].offset = plan->offset;
	state->splits[state->nsplits].bit = plan->bit;
	if (state->layout.kind != ANNOY_SPLIT_HAMMING)
		memcpy(state->normals + (Size) state->nsplits * dim, plan->normal,
			   sizeof(float) * dim);
	return state->nsplits++;
}

/*
 * Build the subtree over ids[0..n-1] (a range of the permutation, which
 * it reorders); returns its node code.
 */
static int32
MakeTree(AnnoyBuildState *state, int32 *ids, int32 n)
{
	AnnoySplitPlan plan;
	int32		node;
	int32		lo = 0;
	int32		hi = n - 1;
	int32		child;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (n <= state->layout.leafCapacity)
		return AddLeaf(state, (int32) (ids - state->ids), n);

	for (int32 i = 0; i < n; i++)
		state->scratch[i] = state->points[ids[i]];
	plan.normal = state->normal;
	AnnoyPlanSplit(&state->layout, state->scratch, n, &state->prng, &plan,
				   state->sides);

	/* side 0 first: sides[] follows the scratch order, i.e. ids[] */
	while (lo <= hi)
	{
		if (state->sides[lo] == 0)
			lo++;
		else
		{
			int32		t = ids[lo];
			uint8		s = state->sides[lo];

			ids[lo] = ids[hi];
			state->sides[lo] = state->sides[hi];
			ids[hi] = t;
			state->sides[hi] = s;
			hi--;
		}
	}

	node = AddSplit(state, &plan);
	child = MakeTree(state, ids, lo);
	state->splits[node].children[0] = child;
	child = MakeTree(state, ids + lo, n - lo);
	state->splits[node].children[1] = child;
	return node;
}

/*
 * The block and slot of a node of the tree being written, whose split
 * pages start at splitStart and leaf pages at leafStart.
 */
static void
NodeRef(const AnnoyBuildState *state, int32 code, BlockNumber splitStart,
		BlockNumber leafStart, ItemPointer ref)
{
	const AnnoyLayout *l = &state->layout;

	if (code >= 0)
		ItemPointerSet(ref, splitStart + code / l->splitCapacity,
					   code % l->splitCapacity + 1);
	else
		ItemPointerSet(ref, leafStart + (-code - 1) / l->leavesPerPage,
					   (-code - 1) % l->leavesPerPage + 1);
}

/*
 * Append the pages of the tree just built: split pages, then leaf pages.
 * Returns the root's reference in root.
 */
static void
WriteTree(AnnoyBuildState *state, ForkNumber forkNum, int32 rootCode,
		  ItemPointer root)
{
	const AnnoyLayout *l = &state->layout;
	BlockNumber splitStart = RelationGetNumberOfBlocksInFork(state->index,
															 forkNum);
	BlockNumber nSplitPages = (state->nsplits + l->splitCapacity - 1) /
		l->splitCapacity;
	BlockNumber leafStart = splitStart + nSplitPages;
	Page		page = palloc(BLCKSZ);

	for (int32 i = 0; i < state->nsplits; i++)
	{
		AnnoySplit split;
		AnnoySplitPlan plan;

		if (i % l->splitCapacity == 0)
			AnnoyInitPage(page, l, ANNOY_PAGE_SPLIT);
		split = AnnoyPageSplit(page, l, i % l->splitCapacity);
		plan.normal = state->normals + (Size) i * l->dimensions;
		plan.offset = state->splits[i].offset;
		plan.bit = state->splits[i].bit;
		AnnoyWriteSplit(l, split, &plan);
		for (int c = 0; c < 2; c++)
			NodeRef(state, state->splits[i].children[c], splitStart,
					leafStart, &split->children[c]);
		AnnoyPageGetOpaque(page)->nitems++;
		if (i % l->splitCapacity == l->splitCapacity - 1 ||
			i == state->nsplits - 1)
			state->lastSplitPage = ExtendIndexWithPage(state->index, forkNum,
														page);
	}

	for (int32 i = 0; i < state->nleaves; i++)
	{
		AnnoyLeaf	leaf;
		BuildLeaf  *bl = &state->leaves[i];

		CHECK_FOR_INTERRUPTS();
		if (i % l->leavesPerPage == 0)
			AnnoyInitPage(page, l, ANNOY_PAGE_LEAF);
		leaf = AnnoyPageLeaf(page, l, i % l->leavesPerPage);
		AnnoyInitLeaf(leaf);
		leaf->nids = bl->count;
		for (int32 j = 0; j < bl->count; j++)
			VectorPosition(l, state->ids[bl->start + j], &leaf->ids[j]);
		AnnoyPageGetOpaque(page)->nitems++;
		if (i % l->leavesPerPage == l->leavesPerPage - 1 ||
			i == state->nleaves - 1)
			state->lastLeafPage = ExtendIndexWithPage(state->index, forkNum,
														page);
	}
	pfree(page);

	NodeRef(state, rootCode, splitStart, leafStart, root);
}

/*
 * Build every tree over the collected values and write all pages after
 * the metapage (written already); then record the roots in it.
 */
static void
BuildForest(AnnoyBuildState *state, ForkNumber forkNum)
{
	Buffer		buf;
	AnnoyMetaPage meta;
	BlockNumber vectorPages;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 ANNOY_PHASE_TREES);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
								 state->count * state->nTrees);
	WriteVectorPages(state, forkNum);
	vectorPages = RelationGetNumberOfBlocksInFork(state->index, forkNum) - 1;
	PreparePoints(state);
	pg_prng_seed(&state->prng, ANNOY_BUILD_SEED);
	state->lastSplitPage = state->lastLeafPage = InvalidBlockNumber;

	for (int t = 0; t < state->nTrees; t++)
	{
		int32		rootCode;

		for (int64 i = 0; i < state->count; i++)
			state->ids[i] = (int32) i;
		state->nsplits = state->nleaves = 0;
		rootCode = MakeTree(state, state->ids, (int32) state->count);
		WriteTree(state, forkNum, rootCode, &state->roots[t]);
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 state->count * (t + 1));
	}

	buf = ReadBufferExtended(state->index, forkNum, ANNOY_METAPAGE_BLKNO,
							 RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	meta = AnnoyPageGetMeta(BufferGetPage(buf));
	memcpy(meta->roots, state->roots, sizeof(ItemPointerData) * state->nTrees);
	meta->vectorInsertPage = vectorPages > 0 ? vectorPages : InvalidBlockNumber;
	meta->splitInsertPage = state->lastSplitPage;
	meta->leafInsertPage = state->lastLeafPage;
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
}

/*
 * Write the metapage of an index with no roots yet.
 */
static void
WriteMetaPage(AnnoyBuildState *state, ForkNumber forkNum)
{
	Page		page = palloc(BLCKSZ);

	AnnoyInitMetaPage(page, &state->layout, state->nTrees);
	ExtendIndexWithPage(state->index, forkNum, page);
	pfree(page);
}

/*
 * Give up the in-memory build: say so, write an empty forest, insert the
 * collected values through the insert path and the rest as they come.
 */
static void
SwitchToInserts(AnnoyBuildState *state)
{
	Size		needed = InMemorySize(state,
									  (int64) Max(state->heap->rd_rel->reltuples,
												  state->count + 1)) / (1024 * 1024) + 1;
	int64		collected = state->count;
	BlockNumber nblocks;

	ereport(NOTICE,
			(errmsg("annoy index no longer fits into maintenance_work_mem after " INT64_FORMAT " tuples",
					(int64) state->indtuples),
			 errdetail("Building will take significantly more time. Building in memory needs about %zu MB; maintenance_work_mem is %d MB.",
					   needed, maintenance_work_mem / 1024),
			 errhint("Increase maintenance_work_mem to speed up builds.")));

	state->count = 0;
	BuildForest(state, MAIN_FORKNUM);
	nblocks = RelationGetNumberOfBlocks(state->index);
	if (RelationNeedsWAL(state->index))
		log_newpage_range(state->index, MAIN_FORKNUM, 0, nblocks, true);
	state->inMemory = false;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 ANNOY_PHASE_INSERT);
	for (int64 i = 0; i < collected; i++)
	{
		CHECK_FOR_INTERRUPTS();
		AnnoyInsertValue(state->index,
						 state->values + i * state->layout.elemSize,
						 &state->tids[i]);
	}
	pfree(state->values);
	pfree(state->tids);
	state->values = NULL;
	state->tids = NULL;
}

/*
 * Append a value to the collection, growing it; or switch to inserts when
 * it would outgrow maintenance_work_mem.
 */
static void
CollectValue(AnnoyBuildState *state, const void *data, ItemPointer tid)
{
	Size		elemSize = state->layout.elemSize;

	if (InMemorySize(state, state->count + 1) > state->memoryLimit ||
		state->count >= PG_INT32_MAX / 2)
	{
		SwitchToInserts(state);
		AnnoyInsertValue(state->index, data, tid);
		return;
	}
	if (state->count == state->capacity)
	{
		int64		newcap = Max(1024, state->capacity * 2);

		state->values = state->values == NULL ?
			palloc_extended(elemSize * newcap, MCXT_ALLOC_HUGE) :
			repalloc_huge(state->values, elemSize * newcap);
		state->tids = state->tids == NULL ?
			palloc_extended(sizeof(ItemPointerData) * newcap, MCXT_ALLOC_HUGE) :
			repalloc_huge(state->tids, sizeof(ItemPointerData) * newcap);
		state->capacity = newcap;
	}
	memcpy(state->values + state->count * elemSize, data, elemSize);
	state->tids[state->count++] = *tid;
}

/*
 * Heap scan callback: one row.
 */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *arg)
{
	AnnoyBuildState *state = (AnnoyBuildState *) arg;
	MemoryContext oldCtx;
	const void *data;

	if (isnull[0])
		return;

	oldCtx = MemoryContextSwitchTo(state->tmpCtx);
	data = AnnoyValueData(state->layout.metric,
						  PointerGetDatum(PG_DETOAST_DATUM(values[0])),
						  state->layout.dimensions);
	MemoryContextSwitchTo(oldCtx);
	if (state->inMemory)
		CollectValue(state, data, tid);
	else
		AnnoyInsertValue(state->index, data, tid);
	MemoryContextReset(state->tmpCtx);

	state->indtuples++;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
								 (int64) state->indtuples);
}

/*
 * Set up a build state for the index.
 */
static void
InitBuildState(AnnoyBuildState *state, Relation heap, Relation index)
{
	AnnoyMetric metric = AnnoyGetMetric(index);

	memset(state, 0, sizeof(AnnoyBuildState));
	state->heap = heap;
	state->index = index;
	AnnoyComputeLayout(&state->layout, metric,
					   AnnoyGetDimensions(index, metric));
	state->nTrees = AnnoyGetNTrees(index);
	state->inMemory = true;
	state->memoryLimit = (Size) maintenance_work_mem * 1024;
	state->roots = palloc(sizeof(ItemPointerData) * state->nTrees);
	state->tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
										  "Annoy build temporary context",
										  ALLOCSET_DEFAULT_SIZES);
}

/*
 * ambuild: build a new index over the existing rows.
 */
IndexBuildResult *
annoybuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result;
	AnnoyBuildState state;
	MemoryContext buildCtx;
	MemoryContext oldCtx;
	double		reltuples;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));
	MilvusStatBuildStart(index);

	buildCtx = AllocSetContextCreate(CurrentMemoryContext,
									 "Annoy build context",
									 ALLOCSET_DEFAULT_SIZES);
	oldCtx = MemoryContextSwitchTo(buildCtx);
	InitBuildState(&state, heap, index);
	WriteMetaPage(&state, MAIN_FORKNUM);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE,
								 ANNOY_PHASE_LOAD);
	reltuples = table_index_build_scan(heap, index, indexInfo, true, true,
									   BuildCallback, &state, NULL);

	if (state.inMemory)
	{
		BuildForest(&state, MAIN_FORKNUM);
		if (RelationNeedsWAL(index))
			log_newpage_range(index, MAIN_FORKNUM, 0,
							  RelationGetNumberOfBlocks(index), true);
	}

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(buildCtx);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = reltuples;
	result->index_tuples = state.indtuples;
	MilvusStatBuildEnd(index, state.indtuples);
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index, an empty forest.
 */
void
annoybuildempty(Relation index)
{
	AnnoyBuildState state;

	InitBuildState(&state, NULL, index);
	WriteMetaPage(&state, INIT_FORKNUM);
	BuildForest(&state, INIT_FORKNUM);

	/* the init fork is always WAL-logged */
	log_newpage_range(index, INIT_FORKNUM, 0,
					  RelationGetNumberOfBlocksInFork(index, INIT_FORKNUM),
					  true);
	MemoryContextDelete(state.tmpCtx);
}
