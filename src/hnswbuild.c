/*-------------------------------------------------------------------------
 *
 * hnswbuild.c
 *	  Build an hnsw index: collect, build the graph with hnswlib, write pages.
 *
 * Phases (reported in pg_stat_progress_create_index):
 *
 *	1. loading tuples: scan the heap; NULLs and, for cosine, zero vectors
 *	   are skipped; values are normalised for cosine and collected as a
 *	   float array with their heap TIDs; a value equal to one collected
 *	   before joins its element (up to HNSW_HEAPTIDS heap TIDs), found
 *	   through a hash set of the collected values.
 *	2. building graph: hnswlib builds the graph in memory with several
 *	   threads (milvus.hnsw_build_threads, by default
 *	   max_parallel_maintenance_workers + 1), in batches so that a cancel
 *	   is noticed between them.  No library thread touches PostgreSQL.
 *	3. writing pages: hnswlib's level-0 lists are copied out, filled by
 *	   inner product for inner product builds (FillLevel0) and repaired so
 *	   that every element is reachable; each element's position is planned
 *	   first, so that links can be written as TIDs in one sequential pass
 *	   over new pages; then every page is WAL-logged at once with
 *	   log_newpage_range().
 *
 * The in-memory path needs the vectors plus hnswlib's graph to fit in
 * maintenance_work_mem, and an operator class whose distance hnswlib can
 * compute (vector with L2, inner product, cosine or L1).  Otherwise the
 * build inserts the rows one by one through the on-disk insert path
 * (hnswinsert.c), which WAL-logs as it goes; pgvector's NOTICE says when
 * the graph outgrew maintenance_work_mem, for these builds too.
 *
 * IDENTIFICATION
 *	  src/hnswbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "common/hashfn.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/backend_progress.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "distance.h"
#include "amcommon.h"
#include "buildthreads.h"
#include "hnsw.h"
#include "stat.h"
#include "hnswlib_shim.h"
#include "ivfquant.h"
#include "shimerror.h"
#include "vector.h"

/* Room for tuples on an empty data page, line pointers included */
#define HNSW_BUILD_PAGE_CAPACITY \
	(BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - \
	 MAXALIGN(sizeof(HnswPageOpaqueData)))

/* vectors handed to hnswlib per call, between interrupt checks */
#define HNSW_BUILD_BATCH	1024

/* elements encoded or filled per parallel call, between interrupt checks */
#define HNSW_BUILD_STEP		16384

/* which distance hnswlib computes; HNSW_GRAPH_NONE: insert on disk */
typedef enum HnswGraphMetric
{
	HNSW_GRAPH_NONE = -1,
	HNSW_GRAPH_L2 = MV_HNSWLIB_L2,
	HNSW_GRAPH_IP = MV_HNSWLIB_IP,
	HNSW_GRAPH_L1 = MV_HNSWLIB_L1
} HnswGraphMetric;

typedef struct HnswBuildState
{
	Relation	heap;
	Relation	index;
	HnswSupport support;
	int			dimensions;
	int			m;
	int			efConstruction;
	HnswGraphMetric metric;
	bool		augment;		/* inner product: MIPS-to-L2 transform */
	int			stride;			/* floats per collected vector: dimensions,
								 * plus the transform's coordinate */
	float8		maxNorm;		/* the transform's M, of the collection */

	bool		inMemory;		/* still collecting for hnswlib */
	Size		memoryLimit;	/* maintenance_work_mem, in bytes */
	float	   *vectors;		/* count x stride */
	ItemPointerData *tids;		/* each vector's first heap TID */
	bool		hasKeys;		/* the index has filter columns */
	IndexTuple *keys;			/* each vector's keys, when hasKeys */
	Size		keyBytes;		/* their total size */
	int64		count;
	int64		capacity;
	struct dupset_hash *dups;	/* collected vectors by value */
	struct HnswExtraTid *extras;	/* further heap TIDs of duplicates */
	int64		nextras;
	int64		extrasCapacity;
	int			nthreads;		/* milvus.hnsw_build_threads, clamped */
	int			codeM;			/* neighbour codes: bytes, or 0 */
	int			codeMetric;		/* HNSW_CODE_* */
	float	   *codebooks;		/* the trained quantizer */
	float		codeBias;		/* L2: its mean squared error */
	uint8	   *codes;			/* count x codeM: each vector's code */

	double		reltuples;		/* heap tuples scanned (all, not only the
								 * ones a partial index keeps) */
	double		indtuples;		/* values indexed */
	Size		graphBytes;		/* on-disk builds: graph size so far ... */
	bool		noticed;		/* ... and whether it outgrew the limit */
	MemoryContext tmpCtx;		/* per tuple */
} HnswBuildState;

/*
 * A heap TID of a row whose value equals an earlier collected vector's:
 * that element (elem) holds it, up to HNSW_HEAPTIDS in all, as inserts
 * group them (pgvector does the same).
 */
typedef struct HnswExtraTid
{
	int64		elem;
	ItemPointerData tid;
} HnswExtraTid;

/*
 * The set of collected vectors by value, to find exact duplicates: keyed by
 * a vector's index in state->vectors, hashed and compared on its bytes.
 * Each value maps to its latest element, the only one that may have room.
 */
typedef struct DupEntry
{
	int64		elem;			/* index of the vector */
	uint32		hash;
	uint8		ntids;			/* heap TIDs the element holds */
	char		status;			/* used by simplehash */
} DupEntry;

static uint32 DupHash(struct dupset_hash *tb, int64 elem);
static bool DupEqual(struct dupset_hash *tb, int64 a, int64 b);

#define SH_PREFIX			dupset
#define SH_ELEMENT_TYPE		DupEntry
#define SH_KEY_TYPE			int64
#define SH_KEY				elem
#define SH_HASH_KEY(tb, k)	DupHash(tb, k)
#define SH_EQUAL(tb, a, b)	DupEqual(tb, a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* bytes per vector the duplicate set takes, at its worst fill */
#define HNSW_DUP_BYTES		(2 * sizeof(DupEntry))

/* where a planned element and its neighbour tuple go */
typedef struct HnswPlacement
{
	BlockNumber elementBlkno;
	OffsetNumber elementOffno;
	BlockNumber neighborBlkno;
	OffsetNumber neighborOffno;
} HnswPlacement;

/*
 * The dimension count fixed by the column's typmod, checked against the
 * access method's limit.
 */
static int
GetDimensions(Relation index)
{
	int			dimensions = TupleDescAttr(index->rd_att, 0)->atttypmod;
	int			maxdim = HnswMaxDimensions(index);

	/* bit's operator classes accept varbit, whose length may vary */
	if (TupleDescAttr(index->rd_att, 0)->atttypid == VARBITOID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("type not supported for hnsw index")));

	/* sparsevec: limited by non-zero elements, checked per value */
	if (maxdim < 0)
		return dimensions;

	return AmColumnDimensions(index, maxdim, "hnsw");
}

/*
 * The metric hnswlib should use, from the column type and the operator
 * class's distance function; HNSW_GRAPH_NONE when hnswlib cannot compute
 * it (the build then inserts on disk).  Inner product on values that are
 * not normalised is built with L2 on the augmented vectors (HnswSupport's
 * transform: state->augment).
 */
static HnswGraphMetric
GetGraphMetric(Relation index, HnswSupport *support)
{
	Oid			typid = TupleDescAttr(index->rd_att, 0)->atttypid;
	Oid			procid = index_getprocid(index, 1, HNSW_DISTANCE_PROC);
	char	   *procname = get_func_name(procid);

	if (procname == NULL || typid != ExtensionTypeOid("vector", procid))
		return HNSW_GRAPH_NONE;
	if (strcmp(procname, "vector_l2_squared_distance") == 0)
		return HNSW_GRAPH_L2;
	if (strcmp(procname, "vector_negative_inner_product") == 0)
		return support->l2 != NULL ? HNSW_GRAPH_L2 : HNSW_GRAPH_IP;
	if (strcmp(procname, "l1_distance") == 0)
		return HNSW_GRAPH_L1;
	return HNSW_GRAPH_NONE;
}

/*
 * The duplicate set's hash and equality: on the bytes of the collected
 * vectors' values (not the transform's coordinate), as inserts compare.
 */
static uint32
DupHash(struct dupset_hash *tb, int64 elem)
{
	HnswBuildState *state = (HnswBuildState *) tb->private_data;

	return hash_bytes((const unsigned char *) (state->vectors + elem * state->stride),
					  sizeof(float) * state->dimensions);
}

static bool
DupEqual(struct dupset_hash *tb, int64 a, int64 b)
{
	HnswBuildState *state = (HnswBuildState *) tb->private_data;

	return memcmp(state->vectors + a * state->stride,
				  state->vectors + b * state->stride,
				  sizeof(float) * state->dimensions) == 0;
}

/*
 * Memory the in-memory build needs for n vectors (and the extra heap TIDs
 * collected so far): our copy and its duplicate set, plus hnswlib's.
 */
static Size
InMemorySize(HnswBuildState *state, int64 n)
{
	return (Size) n * (state->stride * sizeof(float) + sizeof(ItemPointerData) +
					   HNSW_DUP_BYTES +
					   (state->hasKeys ? sizeof(IndexTuple) : 0)) +
		state->keyBytes +
		(Size) state->extrasCapacity * sizeof(HnswExtraTid) +
		mv_hnswlib_graph_memory_estimate(state->stride, state->m, n);
}

/*
 * Create the metapage of an empty index, WAL-logged when the index needs
 * WAL (the insert path logs its changes against it).
 */
static void
CreateMetaPage(Relation index, ForkNumber forkNum, int dimensions, int m,
			   int efConstruction)
{
	Buffer		buf = ExtendIndex(index, forkNum);
	Page		page;

	Assert(BufferGetBlockNumber(buf) == HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	HnswInitPage(buf, page);
	HnswInitMetaPage(page, dimensions, m, efConstruction);
	MarkBufferDirty(buf);
	if (RelationNeedsWAL(index) || forkNum == INIT_FORKNUM)
		log_newpage_buffer(buf, true);
	UnlockReleaseBuffer(buf);
}

/*
 * Log how many threads build the graph (pgvector logs its parallel
 * workers): hnswlib's for the in-memory build, 1 for on-disk inserts.
 */
static void
LogBuildThreads(int nthreads)
{
	ereport(DEBUG1,
			(errmsg_plural("hnsw build using %d thread",
						   "hnsw build using %d threads",
						   nthreads, nthreads)));
}

/*
 * Free the duplicate set, once collecting is over.
 */
static void
FreeDuplicateSet(HnswBuildState *state)
{
	if (state->dups)
		dupset_destroy(state->dups);
	state->dups = NULL;
}

/*
 * Free the collection: vectors, heap TIDs, duplicate set.
 */
static void
FreeCollection(HnswBuildState *state)
{
	FreeDuplicateSet(state);
	if (state->vectors)
		pfree(state->vectors);
	if (state->tids)
		pfree(state->tids);
	if (state->keys)
	{
		for (int64 i = 0; i < state->count; i++)
			pfree(state->keys[i]);
		pfree(state->keys);
	}
	if (state->extras)
		pfree(state->extras);
	state->vectors = NULL;
	state->tids = NULL;
	state->keys = NULL;
	state->keyBytes = 0;
	state->extras = NULL;
	state->count = state->capacity = 0;
	state->nextras = state->extrasCapacity = 0;
}

/*
 * Leave the in-memory path: insert what was collected on disk (each vector
 * with its first heap TID, then the duplicates' further ones, which the
 * inserts group again), and free it.
 */
static void
SwitchToInserts(HnswBuildState *state)
{
	MemoryContext oldCtx = MemoryContextSwitchTo(state->tmpCtx);

	for (int64 i = 0; i < state->count + state->nextras; i++)
	{
		Vector		vec = InitVector(state->dimensions);
		int64		elem = i < state->count ? i :
			state->extras[i - state->count].elem;
		ItemPointer tid = i < state->count ? &state->tids[i] :
			&state->extras[i - state->count].tid;

		CHECK_FOR_INTERRUPTS();
		memcpy(vec->x, state->vectors + elem * state->stride,
			   sizeof(float) * state->dimensions);
		HnswInsertElement(state->index, &state->support,
						  PointerGetDatum(vec),
						  state->hasKeys ? state->keys[elem] : NULL, tid);
		MemoryContextReset(state->tmpCtx);
	}
	MemoryContextSwitchTo(oldCtx);

	FreeCollection(state);
	state->inMemory = false;
	LogBuildThreads(1);
}

/*
 * Say that the in-memory build does not fit, with what it needs for the
 * expected number of tuples, and continue with on-disk inserts.  The
 * primary message, detail and hint are pgvector's (with the count 0 when
 * the table's size says so before any tuple is read); the second sentence
 * of the detail is ours.
 */
static void
GiveUpInMemory(HnswBuildState *state, double expected)
{
	Size		needed = InMemorySize(state, (int64) expected) / (1024 * 1024) + 1;

	ereport(NOTICE,
			(errmsg("hnsw graph no longer fits into maintenance_work_mem after " INT64_FORMAT " tuples",
					(int64) state->indtuples),
			 errdetail("Building will take significantly more time. Building in memory needs about %zu MB; maintenance_work_mem is %d MB.",
					   needed, maintenance_work_mem / 1024),
			 errhint("Increase maintenance_work_mem to speed up builds.")));
	SwitchToInserts(state);
}

/*
 * Builds that always insert on disk (types and distances hnswlib does not
 * compute): count the bytes of the graph they write, and once it outgrows
 * maintenance_work_mem, where pgvector's in-memory build would give up,
 * give pgvector's notice once, with a hint of ours, since more memory
 * would not help here.
 */
static void
CountOnDiskGraph(HnswBuildState *state, Datum value)
{
	if (state->noticed)
		return;
	state->graphBytes += HNSW_ELEMENT_TUPLE_SIZE(HnswValueSize(value)) +
		HNSW_NEIGHBOR_TUPLE_SIZE(0, state->m, 0);
	if (state->graphBytes <= state->memoryLimit)
		return;

	state->noticed = true;
	ereport(NOTICE,
			(errmsg("hnsw graph no longer fits into maintenance_work_mem after " INT64_FORMAT " tuples",
					(int64) state->indtuples),
			 errdetail("Building will take significantly more time."),
			 errhint("This build inserts into the index on disk whatever maintenance_work_mem is; only vector columns with the L2, inner product, cosine or L1 distance build in memory.")));
}

/*
 * Make room in the collection for one more vector.
 */
static void
GrowCollection(HnswBuildState *state)
{
	if (state->count == state->capacity)
	{
		int64		newcap = Max(1024, state->capacity * 2);

		if (state->vectors == NULL)
		{
			state->vectors = palloc_extended(sizeof(float) * state->stride * newcap,
											 MCXT_ALLOC_HUGE);
			state->tids = palloc_extended(sizeof(ItemPointerData) * newcap,
										  MCXT_ALLOC_HUGE);
			if (state->hasKeys)
				state->keys = palloc_extended(sizeof(IndexTuple) * newcap,
											  MCXT_ALLOC_HUGE);
		}
		else
		{
			state->vectors = repalloc_huge(state->vectors,
										   sizeof(float) * state->stride * newcap);
			state->tids = repalloc_huge(state->tids,
										sizeof(ItemPointerData) * newcap);
			if (state->hasKeys)
				state->keys = repalloc_huge(state->keys,
											sizeof(IndexTuple) * newcap);
		}
		state->capacity = newcap;
	}
}

/*
 * The vector just copied to the end of the collection (not yet counted):
 * when it equals a collected one that has room for another heap TID, give
 * that one tid and return true; else record it as the latest of its value
 * and return false (the caller then counts it).
 */
static bool
AddDuplicate(HnswBuildState *state, ItemPointer tid)
{
	bool		found;
	DupEntry   *e;

	/* rows with filter columns are not grouped: their keys may differ */
	if (state->dups == NULL)
		return false;
	e = dupset_insert(state->dups, state->count, &found);
	if (!found || e->ntids >= HNSW_HEAPTIDS)
	{
		/* same value, same hash: the entry may take the new key */
		e->elem = state->count;
		e->ntids = 1;
		return false;
	}

	if (state->nextras == state->extrasCapacity)
	{
		int64		newcap = Max(64, state->extrasCapacity * 2);

		if (state->extras == NULL)
			state->extras = palloc_extended(sizeof(HnswExtraTid) * newcap,
											MCXT_ALLOC_HUGE);
		else
			state->extras = repalloc_huge(state->extras,
										  sizeof(HnswExtraTid) * newcap);
		state->extrasCapacity = newcap;
	}
	state->extras[state->nextras].elem = e->elem;
	state->extras[state->nextras].tid = *tid;
	state->nextras++;
	e->ntids++;
	return true;
}

/*
 * Append a normalised vector with its keys (AmFormFilterKeys, allocated in the
 * build's context, or NULL) to the in-memory collection, or give up the
 * in-memory path when it would outgrow maintenance_work_mem.
 */
static void
CollectVector(HnswBuildState *state, Vector vec, IndexTuple keys,
			  ItemPointer tid)
{
	Size		etupSize = HnswElementTupleSize(PointerGetDatum(vec), keys);

	if (etupSize + sizeof(ItemIdData) > HNSW_BUILD_PAGE_CAPACITY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row size %zu exceeds hnsw maximum %zu for index \"%s\"",
						etupSize,
						(Size) (HNSW_BUILD_PAGE_CAPACITY - sizeof(ItemIdData)),
						RelationGetRelationName(state->index)),
				 errhint("Values with fewer dimensions or non-zero elements, or shorter filter column values, can be indexed.")));

	if (InMemorySize(state, state->count + 1) > state->memoryLimit)
	{
		/* vec lives in tmpCtx, which SwitchToInserts resets: copy it */
		Vector		copy = palloc(VARSIZE(vec));

		memcpy(copy, vec, VARSIZE(vec));
		GiveUpInMemory(state, Max(state->heap->rd_rel->reltuples,
								  (double) state->count + 1));
		HnswInsertElement(state->index, &state->support,
						  PointerGetDatum(copy), keys, tid);
		pfree(copy);
		if (keys != NULL)
			pfree(keys);
		return;
	}

	GrowCollection(state);
	memcpy(state->vectors + state->count * state->stride, vec->x,
		   sizeof(float) * state->dimensions);
	if (AddDuplicate(state, tid))
		return;
	state->tids[state->count] = *tid;
	if (state->hasKeys)
	{
		state->keys[state->count] = keys;
		state->keyBytes += IndexTupleSize(keys);
	}
	state->count++;
}

/*
 * Heap scan callback: one row.
 */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *arg)
{
	HnswBuildState *state = (HnswBuildState *) arg;
	MemoryContext oldCtx;
	Datum		value;

	if (isnull[0])
		return;

	oldCtx = MemoryContextSwitchTo(state->tmpCtx);
	value = PointerGetDatum(PG_DETOAST_DATUM(values[0]));
	if (HnswNormalizeValue(&state->support, value, &value))
	{
		MemoryContextSwitchTo(oldCtx);
		if (state->inMemory)
			CollectVector(state, DatumGetVector(value),
						  AmFormFilterKeys(index, values, isnull), tid);
		else
		{
			if (state->metric == HNSW_GRAPH_NONE)
				CountOnDiskGraph(state, value);
			MemoryContextSwitchTo(state->tmpCtx);
			HnswInsertElement(index, &state->support, value,
							  AmFormFilterKeys(index, values, isnull), tid);
			MemoryContextSwitchTo(oldCtx);
		}
		state->indtuples++;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE,
									 (int64) state->indtuples);
	}
	MemoryContextSwitchTo(oldCtx);
	MemoryContextReset(state->tmpCtx);
}

/*
 * Memory context callback: free the hnswlib graph if an error unwinds the
 * build.
 */
static void
FreeGraphCallback(void *arg)
{
	MvHnswlibGraph **graph = (MvHnswlibGraph **) arg;

	mv_hnswlib_graph_free(*graph);
	*graph = NULL;
}

/*
 * Distance between collected vectors a and b, as hnswlib computes it for
 * this metric (augmented vectors for the transform).
 */
static float
GraphDistance(HnswBuildState *state, int64 a, int64 b)
{
	const float *x = state->vectors + a * state->stride;
	const float *y = state->vectors + b * state->stride;

	switch (state->metric)
	{
		case HNSW_GRAPH_L2:
			return DistanceL2Squared(x, y, state->stride);
		case HNSW_GRAPH_IP:
			return -DistanceInnerProduct(x, y, state->dimensions);
		case HNSW_GRAPH_L1:
			return DistanceL1(x, y, state->dimensions);
		default:
			elog(ERROR, "unexpected hnsw graph metric %d", (int) state->metric);
	}
	return 0;					/* keep compiler quiet */
}

/*
 * Plan where every element and neighbour tuple goes, filling data pages
 * from HNSW_HEAD_BLKNO in label order exactly as WritePages will add them.
 * Returns the number of blocks including the metapage.
 */
static BlockNumber
PlanPages(HnswBuildState *state, MvHnswlibGraph *graph, HnswPlacement *plan,
		  uint8 *levels)
{
	Size		empty = HNSW_BUILD_PAGE_CAPACITY;
	Size		vsize = HNSW_ELEMENT_TUPLE_SIZE(VECTOR_SIZE(state->dimensions));
	BlockNumber blkno = HNSW_HEAD_BLKNO;
	OffsetNumber offno = FirstOffsetNumber;
	Size		freespace = empty;

	for (int64 i = 0; i < state->count; i++)
	{
		int			level;
		Size		nsize;
		Size		eneed = vsize + sizeof(ItemIdData);
		Size		nneed;

		if (state->hasKeys)
			eneed += MAXALIGN(IndexTupleSize(state->keys[i]));

		ShimCheck(mv_hnswlib_graph_node_level(graph, i, &level), "hnswlib",
				  "read hnsw graph");
		levels[i] = (uint8) level;
		nsize = HNSW_NEIGHBOR_TUPLE_SIZE(level, state->m, state->codeM);

		/*
		 * XXX: hnswlib draws levels without our cap; a neighbour tuple too
		 * big for a page (level > 4 at m = 100, with odds near 1e-10) fails
		 * the build here rather than being truncated.
		 */
		if (nsize + sizeof(ItemIdData) > empty)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("hnsw graph level %d is too high for m = %d", level,
							state->m),
					 errhint("Build the index again, or with a smaller m.")));
		nneed = nsize + sizeof(ItemIdData);

		/* start a new page unless at least the element fits */
		if (freespace < eneed ||
			(freespace < eneed + nneed && eneed + nneed <= empty))
		{
			blkno++;
			offno = FirstOffsetNumber;
			freespace = empty;
		}
		plan[i].elementBlkno = blkno;
		plan[i].elementOffno = offno++;
		freespace -= eneed;

		if (freespace < nneed)
		{
			blkno++;
			offno = FirstOffsetNumber;
			freespace = empty;
		}
		plan[i].neighborBlkno = blkno;
		plan[i].neighborOffno = offno++;
		freespace -= nneed;
	}
	return blkno + 1;
}

/*
 * Move the write position to block blkno: finish the current page (link
 * it to the next, mark dirty, release) and extend the index by a new one.
 */
static void
AdvancePage(Relation index, Buffer *buf, BlockNumber blkno)
{
	Page		page;

	if (BufferIsValid(*buf))
	{
		HnswPageGetOpaque(BufferGetPage(*buf))->nextblkno = blkno;
		MarkBufferDirty(*buf);
		UnlockReleaseBuffer(*buf);
	}
	*buf = ExtendIndex(index, MAIN_FORKNUM);
	if (BufferGetBlockNumber(*buf) != blkno)
		elog(ERROR, "hnsw build expected block %u, got %u", blkno,
			 BufferGetBlockNumber(*buf));
	LockBuffer(*buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(*buf);
	HnswInitPage(*buf, page);
}

/*
 * Add a tuple at the planned offset of the current page.
 */
static void
AddPlannedTuple(Relation index, Buffer buf, Item tuple, Size size,
				OffsetNumber planned)
{
	if (PageAddItem(BufferGetPage(buf), tuple, size, InvalidOffsetNumber,
					false, false) != planned)
		elog(ERROR, "failed to add tuple to hnsw index \"%s\" at planned offset",
			 RelationGetRelationName(index));
}

/*
 * hnswlib's level-0 lists, copied so that the build can add links: slot j
 * of node i is adj[i * 2m + j], count[i] of them in use.
 */
typedef struct Level0Lists
{
	int			slots;			/* 2m */
	int64	   *adj;
	int		   *count;
} Level0Lists;

/*
 * Copy every node's level-0 list out of hnswlib.
 */
static void
LoadLevel0(HnswBuildState *state, MvHnswlibGraph *graph, Level0Lists *l0)
{
	l0->slots = 2 * state->m;
	l0->adj = palloc_extended(sizeof(int64) * l0->slots * state->count,
							  MCXT_ALLOC_HUGE);
	l0->count = palloc_extended(sizeof(int) * state->count, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < state->count; i++)
		ShimCheck(mv_hnswlib_graph_neighbors(graph, i, 0,
											 l0->adj + i * l0->slots,
											 l0->slots, &l0->count[i]),
				  "hnswlib", "read hnsw graph");
}

/* links of each neighbour FillLevel0Node looks at: the first m / 2 (of 2m) */
#define HNSW_FILL_PER_NEIGHBOR(l0)	((l0)->slots / 4)

/*
 * The set of nodes a fill has looked at: open addressing on node + 1 in a
 * table of size entries (a power of two, at least twice the candidates:
 * 2m links and HNSW_FILL_PER_NEIGHBOR of each of their lists; at most
 * HNSW_FILL_SEEN_MAX).
 * Adds node; returns whether it was there.
 */
#define HNSW_FILL_SEEN_MAX	65536

static inline bool
FillSeen(int64 *seen, uint32 size, int64 node)
{
	uint32		h = (uint32) (((uint64) (node + 1) *
							   UINT64CONST(0x9E3779B97F4A7C15)) >> 40) & (size - 1);

	while (seen[h] != 0)
	{
		if (seen[h] == node + 1)
			return true;
		h = (h + 1) & (size - 1);
	}
	seen[h] = node + 1;
	return false;
}

/*
 * Choose the fill of node u's free level-0 slots: the neighbours'
 * neighbours nearest to it (of largest inner product under the transform,
 * else by graph distance), into best (room for the free slots), returning
 * how many.  The choice is kept sorted best first (bestd), each candidate
 * inserted when better than its last.  Reads the lists only.
 */
static int
FillLevel0Node(HnswBuildState *state, Level0Lists *l0, int64 u,
			   int64 *best, float *bestd)
{
	int64	   *list = l0->adj + u * l0->slots;
	int			own = l0->count[u];
	int			k = l0->slots - own;
	int			n = 0;
	int64		seen[HNSW_FILL_SEEN_MAX];	/* node + 1, open addressing */
	uint32		size = pg_nextpower2_32(2 * (own + 1) *
										(HNSW_FILL_PER_NEIGHBOR(l0) + 1));

	/* each candidate once: u, its links, then every one looked at */
	memset(seen, 0, sizeof(int64) * size);
	FillSeen(seen, size, u);
	for (int j = 0; j < own; j++)
		FillSeen(seen, size, list[j]);

	for (int j = 0; j < own; j++)
	{
		int64		v = list[j];

		for (int c = 0; c < Min(l0->count[v], HNSW_FILL_PER_NEIGHBOR(l0)); c++)
		{
			int64		w = l0->adj[v * l0->slots + c];
			float		d;
			int			pos;

			if (FillSeen(seen, size, w))
				continue;
			d = state->augment ?
				-DistanceInnerProduct(state->vectors + u * state->stride,
									  state->vectors + w * state->stride,
									  state->dimensions) :
				GraphDistance(state, u, w);
			if (n == k && d >= bestd[n - 1])
				continue;
			pos = n < k ? n++ : n - 1;
			while (pos > 0 && bestd[pos - 1] > d)
			{
				best[pos] = best[pos - 1];
				bestd[pos] = bestd[pos - 1];
				pos--;
			}
			best[pos] = w;
			bestd[pos] = d;
		}
	}
	return n;
}

/* what the threads of FillLevel0 share: one step of nodes */
typedef struct FillJob
{
	HnswBuildState *state;
	Level0Lists *l0;
	int64		offset;			/* the first node of this step */
	int64	   *fill;			/* HNSW_BUILD_STEP x slots chosen nodes */
	int		   *nfill;			/* how many for each node of the step */
} FillJob;

static void
FillRange(void *arg, int64_t begin, int64_t end)
{
	FillJob    *job = (FillJob *) arg;
	Level0Lists *l0 = job->l0;
	float		bestd[2 * HNSW_MAX_M];

	for (int64_t i = begin; i < end; i++)
	{
		int64		u = job->offset + i;

		job->nfill[i] = 0;
		if (l0->count[u] < l0->slots && l0->count[u] > 0)
			job->nfill[i] = FillLevel0Node(job->state, l0, u,
										   job->fill + i * l0->slots, bestd);
	}
}

/*
 * Builds with codes: fill the free level-0 slots of every node with its
 * neighbours' nearest neighbours by graph distance.  A fuller list raises
 * recall at a given ef_search (GloVe 100k: 0.933 against 0.919 at 40,
 * 0.989 against 0.986 at 160), which without codes costs as many more
 * element reads (no gain at equal recall, BENCHMARKS.md); with codes the
 * extra neighbours are mostly scored from their codes and left unread, so
 * the reads per query stayed within 3%.
 *
 * Inner product builds: fill the free level-0 slots of every node with
 * the neighbours' neighbours of largest inner product with it.  hnswlib
 * links a new node to m nodes (of the 2m slots) and keeps only what its
 * heuristic selects, so many lists are far from full.  The links of the
 * transform keep every element reachable, but on skewed data (issue 16:
 * components 2 * random() * random()) a search by inner product then
 * misses results: top-20 recall 0.96 at the default ef_search.  Filling
 * by transform distance gave 0.97-0.986; filling by inner product, the
 * order a query follows, gives 0.998-1.0, as a graph built on inner
 * product alone (pgvector's) does, without leaving elements unreachable.
 */
static void
FillLevel0(HnswBuildState *state, Level0Lists *l0)
{
	FillJob		job;

	job.state = state;
	job.l0 = l0;
	job.fill = palloc(sizeof(int64) * HNSW_BUILD_STEP * l0->slots);
	job.nfill = palloc(sizeof(int) * HNSW_BUILD_STEP);

	/*
	 * A step's nodes choose in parallel, reading the lists as the earlier
	 * steps left them, then their choices are appended: the same graph
	 * for any number of threads.
	 */
	for (job.offset = 0; job.offset < state->count;
		 job.offset += HNSW_BUILD_STEP)
	{
		int64		n = Min(HNSW_BUILD_STEP, state->count - job.offset);

		CHECK_FOR_INTERRUPTS();
		ShimCheck(mv_hnswlib_parallel_for(n, 64, FillRange, &job,
										  state->nthreads),
				  "hnswlib", "fill hnsw level-0 lists");
		for (int64 i = 0; i < n; i++)
		{
			int64		u = job.offset + i;

			for (int j = 0; j < job.nfill[i]; j++)
				l0->adj[u * l0->slots + l0->count[u]++] =
					job.fill[i * l0->slots + j];
		}
	}
	pfree(job.fill);
	pfree(job.nfill);
}

/*
 * Mark everything reachable from node start (already marked) through
 * level-0 links, breadth first, counting in indegree the links that come
 * from reached nodes.  Level 0 only: a search follows only those links in
 * its last layer, so a node that only upper-level links reach is no
 * better than unreachable (hnswcheck.c checks the same).
 */
static void
MarkReachable(Level0Lists *l0, bool *reached, int *indegree, int64 *queue,
			  int64 start)
{
	int64		head = 0;
	int64		tail = 0;

	queue[tail++] = start;
	while (head < tail)
	{
		int64		u = queue[head++];

		for (int j = 0; j < l0->count[u]; j++)
		{
			int64		v = l0->adj[u * l0->slots + j];

			indegree[v]++;
			if (!reached[v])
			{
				reached[v] = true;
				queue[tail++] = v;
			}
		}
	}
}

/*
 * Link node u from the reached node v at level 0: into a free slot, else in
 * place of v's farthest link whose target keeps another incoming link from
 * a reached node (*evicted is then set: that link may have been the only
 * way to its target after all).  Returns false when v has no such slot.
 * The caller then marks what u reaches.
 */
static bool
LinkFrom(HnswBuildState *state, Level0Lists *l0, int *indegree, int64 entry,
		 int64 v, int64 u, bool *evicted)
{
	int64	   *list = l0->adj + v * l0->slots;
	int			victim = -1;
	float		farthest = 0;

	if (l0->count[v] < l0->slots)
	{
		list[l0->count[v]++] = u;
		return true;
	}
	for (int j = 0; j < l0->count[v]; j++)
	{
		float		d = GraphDistance(state, v, list[j]);

		/* distances may be negative (inner product): no sentinel */
		if (indegree[list[j]] > 1 && list[j] != entry &&
			(victim < 0 || d > farthest))
		{
			farthest = d;
			victim = j;
		}
	}
	if (victim < 0)
		return false;
	indegree[list[victim]]--;
	list[victim] = u;
	*evicted = true;
	return true;
}

/*
 * Link u from the nearest reached node that has room for it (a free slot
 * or a link it can give up); false when there is none.
 */
static bool
LinkFromNearestReached(HnswBuildState *state, Level0Lists *l0, int *indegree,
					   int64 entry, bool *reached, int64 u, bool *evicted)
{
	int64		best = -1;
	float		bestd = 0;

	for (int64 v = 0; v < state->count; v++)
	{
		float		d;

		if (!reached[v] || v == u)
			continue;
		d = GraphDistance(state, u, v);
		if (best >= 0 && d >= bestd)
			continue;
		if (l0->count[v] < l0->slots)
		{
			best = v;
			bestd = d;
			continue;
		}
		for (int j = 0; j < l0->count[v]; j++)
		{
			int64		w = l0->adj[v * l0->slots + j];

			if (indegree[w] > 1 && w != entry)
			{
				best = v;
				bestd = d;
				break;
			}
		}
	}
	return best >= 0 && LinkFrom(state, l0, indegree, entry, best, u, evicted);
}

/* rounds of RepairReachability: more are needed only after evictions */
#define HNSW_BUILD_REPAIR_ROUNDS	10

/*
 * hnswlib's neighbour selection can leave a node with no incoming link, so
 * that no search reaches it.  Give each such node a link from its nearest
 * reachable level-0 neighbour, until every node is reachable from the
 * entry point or no further link can be placed.  Links into free slots
 * only add paths, so the marks stay exact; a link given up for another
 * (LinkFrom) can strand its target after all (its other incoming links
 * may come only through it), so after one, the next round marks again
 * from scratch.
 */
static void
RepairReachability(HnswBuildState *state, Level0Lists *l0, int64 entry)
{
	bool	   *reached = palloc_extended(state->count, MCXT_ALLOC_HUGE);
	int64	   *queue = palloc_extended(sizeof(int64) * state->count,
										MCXT_ALLOC_HUGE);
	int		   *indegree = palloc_extended(sizeof(int) * state->count,
										   MCXT_ALLOC_HUGE);
	bool		evicted = true;

	for (int round = 0; evicted && round < HNSW_BUILD_REPAIR_ROUNDS; round++)
	{
		bool		progress = true;

		memset(reached, 0, state->count);
		memset(indegree, 0, sizeof(int) * state->count);
		reached[entry] = true;
		MarkReachable(l0, reached, indegree, queue, entry);
		evicted = false;

		while (progress)
		{
			progress = false;
			for (int64 u = 0; u < state->count; u++)
			{
				int64	   *list = l0->adj + u * l0->slots;
				bool		tried[HNSW_MAX_M * 2] = {false};

				if (reached[u])
					continue;
				CHECK_FOR_INTERRUPTS();

				/* try u's reachable neighbours, nearest first */
				for (;;)
				{
					int			best = -1;
					float		bestd = 0;

					for (int j = 0; j < l0->count[u]; j++)
					{
						float		d;

						if (tried[j] || !reached[list[j]])
							continue;
						d = GraphDistance(state, u, list[j]);
						if (best < 0 || d < bestd)
						{
							best = j;
							bestd = d;
						}
					}
					if (best < 0)
					{
						/* none of its own neighbours takes it: the nearest
						 * reachable node that can, by brute force (rare) */
						if (LinkFromNearestReached(state, l0, indegree, entry,
												   reached, u, &evicted))
						{
							reached[u] = true;
							MarkReachable(l0, reached, indegree, queue, u);
							progress = true;
						}
						break;
					}
					tried[best] = true;
					if (LinkFrom(state, l0, indegree, entry, list[best], u,
								 &evicted))
					{
						reached[u] = true;
						MarkReachable(l0, reached, indegree, queue, u);
						progress = true;
						break;
					}
				}
			}
		}
	}

	pfree(reached);
	pfree(queue);
	pfree(indegree);
}

/*
 * Form element i's neighbour tuple: level 0 from the repaired copy, the
 * upper levels from hnswlib, TIDs from the plan, distances recomputed by
 * our kernels.
 */
static void
FormPlannedNeighbors(HnswBuildState *state, MvHnswlibGraph *graph,
					 HnswPlacement *plan, Level0Lists *l0, int64 i, int level,
					 HnswNeighborTuple ntup, int64 *labels)
{
	HnswFormNeighborTuple(ntup, level, state->m, state->codeM);
	for (int lc = 0; lc <= level; lc++)
	{
		int			first = HnswLevelFirstSlot(lc, state->m);
		int			count;
		int64	   *list = labels;

		if (lc == 0)
		{
			list = l0->adj + i * l0->slots;
			count = l0->count[i];
		}
		else
			ShimCheck(mv_hnswlib_graph_neighbors(graph, i, lc, labels,
												 HnswLevelSlots(lc, state->m),
												 &count),
					  "hnswlib", "read hnsw graph");
		for (int j = 0; j < count; j++)
		{
			HnswNeighborData *slot = &ntup->neighbors[first + j];

			ItemPointerSet(&slot->tid, plan[list[j]].elementBlkno,
						   plan[list[j]].elementOffno);
			slot->distance = GraphDistance(state, i, list[j]);
			if (lc == 0 && state->codeM > 0)
				memcpy(HnswNeighborCode(ntup, j, state->codeM),
					   state->codes + list[j] * state->codeM, state->codeM);
		}
	}
}

/*
 * qsort comparator of extra heap TIDs: by element, then heap order.
 */
static int
CompareExtraTids(const void *a, const void *b)
{
	const HnswExtraTid *x = (const HnswExtraTid *) a;
	const HnswExtraTid *y = (const HnswExtraTid *) b;

	if (x->elem != y->elem)
		return x->elem < y->elem ? -1 : 1;
	return ItemPointerCompare(unconstify(ItemPointerData *, &x->tid),
							  unconstify(ItemPointerData *, &y->tid));
}

/* what the threads of TrainCodes' encoding share */
typedef struct EncodeJob
{
	HnswBuildState *state;
	int			codeM;
	float	   *codebooksT;		/* the codebooks, transposed */
	int64		offset;			/* the first vector of this call */
} EncodeJob;

static void
EncodeRange(void *arg, int64_t begin, int64_t end)
{
	EncodeJob  *job = (EncodeJob *) arg;
	HnswBuildState *state = job->state;

	for (int64_t i = job->offset + begin; i < job->offset + end; i++)
		HnswEncode(job->codebooksT, state->dimensions, job->codeM,
				   state->vectors + i * state->stride,
				   state->codes + i * job->codeM);
}

/*
 * Whether the level-1 neighbour tuple with codes of codeM bytes still fits
 * on an empty page.
 */
static bool
CodesFitPage(int m, int codeM)
{
	return HNSW_NEIGHBOR_TUPLE_SIZE(1, m, codeM) + sizeof(ItemIdData) <=
		HNSW_BUILD_PAGE_CAPACITY;
}

/*
 * Neighbour codes (hnswcodes.c), when the operator class and the number
 * of dimensions allow them and there are enough values to train on: train
 * the quantizer on the collected vectors and encode each.
 */
static void
TrainCodes(HnswBuildState *state)
{
	instr_time	t0,
				t1;
	int			option = HnswGetCodesOption(state->index);
	int			codeM = option >= 0 ? option :
		HnswCodeSubspaces(state->dimensions);
	int			metric = HnswCodeMetric(&state->support);

	if (codeM == 0 || metric == HNSW_CODE_NONE ||
		state->count < HNSW_CODE_MIN_ROWS)
		return;

	/*
	 * Inner product only when asked for: its estimate is the inner product
	 * with the value's reconstruction, which k-means shrinks, so the
	 * similarity of near neighbours is underestimated and a search skips
	 * them (on unit GloVe vectors, which cosine now estimates from squared
	 * L2 instead, recall@10 at ef_search 40 fell from 0.92 to 0.68).
	 */
	if (option < 0 && metric == HNSW_CODE_IP)
		return;

	if (!CodesFitPage(state->m, codeM))
		return;

	state->codebooks = palloc(sizeof(float) * HNSW_CODE_KSUB *
							  state->dimensions);
	INSTR_TIME_SET_CURRENT(t0);
	HnswTrainCodebooks(state->vectors, state->count, state->stride,
					   state->dimensions, codeM, state->codebooks,
					   state->nthreads);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	elog(DEBUG2, "hnsw build: training %.0f ms", INSTR_TIME_GET_MILLISEC(t1));
	state->codes = palloc_extended((Size) state->count * codeM,
								   MCXT_ALLOC_HUGE);
	{
		EncodeJob	job;

		job.state = state;
		job.codeM = codeM;
		job.codebooksT = palloc(sizeof(float) * HNSW_CODE_KSUB *
								state->dimensions);
		IvfPqTransposeCodebooks(state->codebooks, state->dimensions, codeM,
								HNSW_CODE_KSUB, job.codebooksT);
		for (job.offset = 0; job.offset < state->count;
			 job.offset += HNSW_BUILD_STEP)
		{
			CHECK_FOR_INTERRUPTS();
			ShimCheck(mv_hnswlib_parallel_for(Min(HNSW_BUILD_STEP,
												  state->count - job.offset),
											  256, EncodeRange, &job,
											  state->nthreads),
					  "hnswlib", "encode hnsw codes");
		}
		pfree(job.codebooksT);
	}
	if (metric == HNSW_CODE_L2)
		state->codeBias = HnswCodeBias(state->codebooks, state->dimensions,
									   codeM, state->vectors,
									   Min(state->count, HNSW_CODE_TRAIN_ROWS),
									   state->stride, state->codes);
	state->codeM = codeM;
	state->codeMetric = metric;
}

/*
 * Write the graph into new pages following the plan, then the codebook
 * pages, then the entry point and the codebook's place into the metapage.
 */
static void
WritePages(HnswBuildState *state, MvHnswlibGraph *graph)
{
	HnswPlacement *plan = palloc_extended(sizeof(HnswPlacement) * state->count,
										  MCXT_ALLOC_HUGE);
	uint8	   *levels = palloc_extended(state->count, MCXT_ALLOC_HUGE);
	HnswElementTuple etup = palloc0(BLCKSZ);
	HnswNeighborTuple ntup = palloc0(HNSW_NEIGHBOR_TUPLE_SIZE(HNSW_MAX_LEVEL,
															  state->m,
															  state->codeM));
	int64	   *labels = palloc(sizeof(int64) * 2 * state->m);
	Vector		vec = InitVector(state->dimensions);
	Buffer		buf = InvalidBuffer;
	BlockNumber nblocks;
	int64		entry;
	int			entryLevel;
	int64		extra = 0;
	uint32		codebookPages = 0;
	Level0Lists l0;
	instr_time	t0,
				t1,
				t2,
				t3,
				t4;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_WRITE);
	INSTR_TIME_SET_CURRENT(t0);
	TrainCodes(state);
	INSTR_TIME_SET_CURRENT(t1);
	nblocks = PlanPages(state, graph, plan, levels);
	ShimCheck(mv_hnswlib_graph_entry_point(graph, &entry, &entryLevel),
			  "hnswlib", "read hnsw graph");
	LoadLevel0(state, graph, &l0);
	INSTR_TIME_SET_CURRENT(t2);
	if (state->augment || state->codeM > 0)
		FillLevel0(state, &l0);
	INSTR_TIME_SET_CURRENT(t3);
	if (entry >= 0)
		RepairReachability(state, &l0, entry);
	INSTR_TIME_SET_CURRENT(t4);
	INSTR_TIME_SUBTRACT(t4, t3);
	INSTR_TIME_SUBTRACT(t3, t2);
	INSTR_TIME_SUBTRACT(t2, t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	elog(DEBUG2, "hnsw build: codes %.0f ms, plan %.0f ms, fill %.0f ms, reachability %.0f ms",
		 INSTR_TIME_GET_MILLISEC(t1), INSTR_TIME_GET_MILLISEC(t2),
		 INSTR_TIME_GET_MILLISEC(t3), INSTR_TIME_GET_MILLISEC(t4));
	if (state->nextras > 0)
		qsort(state->extras, state->nextras, sizeof(HnswExtraTid),
			  CompareExtraTids);

	for (int64 i = 0; i < state->count; i++)
	{
		Size		nsize = HNSW_NEIGHBOR_TUPLE_SIZE(levels[i], state->m,
													 state->codeM);
		IndexTuple	keys = state->hasKeys ? state->keys[i] : NULL;
		Size		esize = HnswElementTupleSize(PointerGetDatum(vec), keys);

		CHECK_FOR_INTERRUPTS();
		memcpy(vec->x, state->vectors + i * state->stride,
			   sizeof(float) * state->dimensions);
		memset(etup, 0, esize);
		HnswFormElementTuple(etup, PointerGetDatum(vec), keys, levels[i],
							 &state->tids[i]);
		for (; extra < state->nextras && state->extras[extra].elem == i; extra++)
			HnswElementAddHeapTid(etup, &state->extras[extra].tid);
		ItemPointerSet(&etup->neighbortid, plan[i].neighborBlkno,
					   plan[i].neighborOffno);
		FormPlannedNeighbors(state, graph, plan, &l0, i, levels[i], ntup,
							 labels);

		if (!BufferIsValid(buf) || BufferGetBlockNumber(buf) != plan[i].elementBlkno)
			AdvancePage(state->index, &buf, plan[i].elementBlkno);
		AddPlannedTuple(state->index, buf, (Item) etup, esize,
						plan[i].elementOffno);
		if (BufferGetBlockNumber(buf) != plan[i].neighborBlkno)
			AdvancePage(state->index, &buf, plan[i].neighborBlkno);
		AddPlannedTuple(state->index, buf, (Item) ntup, nsize,
						plan[i].neighborOffno);
	}
	if (BufferIsValid(buf))
	{
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	if (state->codeM > 0)
		codebookPages = HnswWriteCodebookPages(state->index, nblocks,
											   state->codebooks,
											   (Size) HNSW_CODE_KSUB *
											   state->dimensions);

	/* the entry point, the insert page and the codebook */
	buf = ReadBuffer(state->index, HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	{
		HnswMetaPage meta = HnswPageGetMeta(BufferGetPage(buf));

		if (entry >= 0)
		{
			meta->entryBlkno = plan[entry].elementBlkno;
			meta->entryOffno = plan[entry].elementOffno;
			meta->entryLevel = (int16) entryLevel;
		}
		meta->insertPage = nblocks - 1;
		meta->maxNorm = state->maxNorm;
		if (state->codeM > 0)
		{
			meta->codeM = (uint16) state->codeM;
			meta->codeMetric = (uint8) state->codeMetric;
			meta->codebookBlkno = nblocks;
			meta->codebookPages = codebookPages;
			meta->codeBias = state->codeBias;
		}
	}
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	if (RelationNeedsWAL(state->index))
		log_newpage_range(state->index, MAIN_FORKNUM, 0,
						  nblocks + codebookPages, true);
}

/*
 * The transform: M from the collected vectors' finite norms (as the type's
 * inner product computes them, like HnswSquaredNorm), then each vector's
 * extra coordinate h = sqrt(M^2 - |x|^2).
 */
static void
AugmentVectors(HnswBuildState *state)
{
	double		max2 = 0;

	for (int64 i = 0; i < state->count; i++)
	{
		float	   *x = state->vectors + i * state->stride;
		double		n = DistanceInnerProduct(x, x, state->dimensions);

		if (isfinite(n) && n > max2)
			max2 = n;
	}
	state->maxNorm = sqrt(max2);
	if (state->maxNorm * state->maxNorm < max2)
		state->maxNorm = nextafter(state->maxNorm, get_float8_infinity());

	for (int64 i = 0; i < state->count; i++)
	{
		float	   *x = state->vectors + i * state->stride;
		double		n = DistanceInnerProduct(x, x, state->dimensions);

		CHECK_FOR_INTERRUPTS();
		x[state->dimensions] = (float) HnswAugmentHeight(n, state->maxNorm);
	}
}

/*
 * Build the graph of the collected vectors with hnswlib and write it.
 */
static void
BuildGraph(HnswBuildState *state)
{
	/* the holder outlives this frame: the reset callback reads it */
	MvHnswlibGraph **graph = palloc0(sizeof(MvHnswlibGraph *));
	MemoryContextCallback *cb = palloc(sizeof(MemoryContextCallback));
	int			nthreads = BuildThreadsCount("milvus.hnsw_build_threads",
												 hnsw_build_threads);

	state->nthreads = nthreads;

	LogBuildThreads(nthreads);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_GRAPH);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, state->count);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);

	if (state->augment)
		AugmentVectors(state);
	ShimCheck(mv_hnswlib_graph_create(graph, state->stride,
									  (MvHnswlibMetric) state->metric,
									  state->m, state->efConstruction,
									  state->count, 42),
			  "hnswlib", "create hnsw graph");
	cb->func = FreeGraphCallback;
	cb->arg = graph;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	for (int64 i = 0; i < state->count; i += HNSW_BUILD_BATCH)
	{
		int64		n = Min(HNSW_BUILD_BATCH, state->count - i);

		CHECK_FOR_INTERRUPTS();
		ShimCheck(mv_hnswlib_graph_add(*graph,
									   state->vectors + i * state->stride,
									   i, n, nthreads),
				  "hnswlib", "build hnsw graph");
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, i + n);
	}

	WritePages(state, *graph);
	mv_hnswlib_graph_free(*graph);
	*graph = NULL;
}

/*
 * Check the codes option against the index (whatever the number of rows,
 * which decides only whether the build trains codes): the operator class
 * must be one codes serve, the codes must divide the dimensions, and the
 * level-1 neighbour tuple with them must fit on a page.
 */
static void
CheckCodesOption(HnswBuildState *state)
{
	int			codes = HnswGetCodesOption(state->index);

	if (codes <= 0)
		return;
	if (HnswCodeMetric(&state->support) == HNSW_CODE_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hnsw codes need a vector column with vector_l2_ops, vector_ip_ops or vector_cosine_ops")));
	if (state->dimensions % codes != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("codes = %d does not divide the %d dimensions of the column",
						codes, state->dimensions)));
	if (!CodesFitPage(state->m, codes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("codes = %d is too large for m = %d", codes, state->m),
				 errhint("Use fewer code bytes or a smaller m.")));
}

/*
 * Set up the build state.
 */
static void
InitBuildState(HnswBuildState *state, Relation heap, Relation index)
{
	memset(state, 0, sizeof(HnswBuildState));
	state->heap = heap;
	state->index = index;
	HnswInitBuildSupport(&state->support, index);
	state->dimensions = GetDimensions(index);
	state->m = HnswGetM(index);
	state->efConstruction = HnswGetEfConstruction(index);
	state->metric = GetGraphMetric(index, &state->support);
	state->augment = state->support.l2 != NULL &&
		state->metric == HNSW_GRAPH_L2;
	state->stride = state->dimensions + (state->augment ? 1 : 0);
	state->inMemory = state->metric != HNSW_GRAPH_NONE;
	state->hasKeys = IndexRelationGetNumberOfKeyAttributes(index) > 1;
	state->memoryLimit = (Size) maintenance_work_mem * 1024;
	state->tmpCtx = AllocSetContextCreate(CurrentMemoryContext,
										  "Hnsw build temporary context",
										  ALLOCSET_DEFAULT_SIZES);
	if (state->inMemory && !state->hasKeys)
		state->dups = dupset_create(CurrentMemoryContext, 1024, state);
	CheckCodesOption(state);
}

/*
 * ambuild: build a new index over the existing rows.
 */
IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc(sizeof(IndexBuildResult));
	HnswBuildState state;
	MemoryContext buildCtx = AllocSetContextCreate(CurrentMemoryContext,
												   "Hnsw build graph context",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldCtx = MemoryContextSwitchTo(buildCtx);

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data",
			 RelationGetRelationName(index));
	AmCheckFilterColumns(index, HNSW_DISTANCE_PROC);
	MilvusStatBuildStart(index);

	InitBuildState(&state, heap, index);
	CreateMetaPage(index, MAIN_FORKNUM, state.dimensions, state.m,
				   state.efConstruction);

	/* on-disk inserts run in this backend alone */
	if (!state.inMemory)
		LogBuildThreads(1);

	/*
	 * When the table's size is known and too large, say so up front (not
	 * for a partial index, which may keep few of the rows).
	 */
	if (state.inMemory && indexInfo->ii_Predicate == NIL &&
		heap->rd_rel->reltuples > 0 &&
		InMemorySize(&state, (int64) heap->rd_rel->reltuples) > state.memoryLimit)
		GiveUpInMemory(&state, heap->rd_rel->reltuples);

	/*
	 * The scan's count of heap tuples, not the callback's: with a partial
	 * index the callback sees only the rows the predicate keeps, and the
	 * count becomes the table's pg_class.reltuples.
	 */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
	state.reltuples = table_index_build_scan(heap, index, indexInfo, true,
											 true, BuildCallback, &state,
											 NULL);

	FreeDuplicateSet(&state);
	if (state.inMemory && state.count > 0)
		BuildGraph(&state);

	result->heap_tuples = state.reltuples;
	result->index_tuples = state.indtuples;
	MilvusStatBuildEnd(index, state.indtuples);

	MemoryContextSwitchTo(oldCtx);
	MemoryContextDelete(buildCtx);
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index, an empty metapage.
 */
void
hnswbuildempty(Relation index)
{
	AmCheckFilterColumns(index, HNSW_DISTANCE_PROC);
	CreateMetaPage(index, INIT_FORKNUM, GetDimensions(index), HnswGetM(index),
				   HnswGetEfConstruction(index));
}
