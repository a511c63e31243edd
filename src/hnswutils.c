/*-------------------------------------------------------------------------
 *
 * hnswutils.c
 *	  Page and tuple helpers of the hnsw access method, its distances, and
 *	  the reuse of elements VACUUM freed (shared by hnswvacuum.c and
 *	  hnswinsert.c, so that neither calls the other).
 *
 * See hnsw.h for the page layout and the lock order.
 *
 * IDENTIFICATION
 *	  src/hnswutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/genam.h"
#include "access/generic_xlog.h"
#include "common/pg_prng.h"
#include "storage/lmgr.h"
#include "utils/float.h"
#include "utils/rel.h"

#include "hnsw.h"
#include "sparsevec.h"

/*
 * Look up the operator class's support functions for the first column.
 * The FmgrInfos live in the index's relcache entry.
 */
void
HnswInitSupport(HnswSupport *support, Relation index)
{
	support->distance = index_getprocinfo(index, 1, HNSW_DISTANCE_PROC);
	support->norm = NULL;
	support->normalize = NULL;
	if (OidIsValid(index_getprocid(index, 1, HNSW_NORM_PROC)) &&
		OidIsValid(index_getprocid(index, 1, HNSW_NORMALIZE_PROC)))
	{
		support->norm = index_getprocinfo(index, 1, HNSW_NORM_PROC);
		support->normalize = index_getprocinfo(index, 1, HNSW_NORMALIZE_PROC);
	}
	support->collation = index->rd_indcollation[0];
	support->construct = false;
	support->checkNnz = false;
	support->l2 = NULL;
	support->maxNorm = 0;
	support->normed = (Datum) 0;
	support->normedNorm = 0;
}

/* the types' distance functions (vector.c, halfvec.c, sparsevec.c) */
extern PGDLLEXPORT Datum vector_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum halfvec_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum halfvec_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum sparsevec_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum sparsevec_l2_squared_distance(PG_FUNCTION_ARGS);

/*
 * HnswInitSupport for graph construction (see HnswSupport): inner product
 * on values that are not normalised is measured through the MIPS-to-L2
 * transform.  maxNorm starts at 0: HnswUpdateMaxNorm reads it from the
 * metapage (the build starts before there is one).
 */
void
HnswInitBuildSupport(HnswSupport *support, Relation index)
{
	PGFunction	fn;

	HnswInitSupport(support, index);
	support->construct = true;
	support->checkNnz = HnswMaxDimensions(index) < 0;	/* sparsevec */
	if (support->norm != NULL)
		return;					/* cosine: unit vectors, -ip orders as L2 */

	fn = support->distance->fn_addr;
	if (fn == vector_negative_inner_product)
		support->l2 = vector_l2_squared_distance;
	else if (fn == halfvec_negative_inner_product)
		support->l2 = halfvec_l2_squared_distance;
	else if (fn == sparsevec_negative_inner_product)
		support->l2 = sparsevec_l2_squared_distance;
}

/*
 * For operator classes that normalise (cosine), set *result to the value
 * scaled to unit norm and return true; return false for a zero value,
 * which has no direction and is not indexed.  Other classes pass the
 * value through.  A value to index (HnswInitBuildSupport's support: build
 * and insert) is first checked against the limits of the type: a
 * sparsevec may have at most HNSW_MAX_NNZ non-zero elements, as in
 * pgvector.
 */
bool
HnswNormalizeValue(HnswSupport *support, Datum value, Datum *result)
{
	if (support->checkNnz &&
		((SparseVector) DatumGetPointer(value))->nnz > HNSW_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements for hnsw index",
						HNSW_MAX_NNZ)));

	if (support->norm == NULL)
	{
		*result = value;
		return true;
	}

	if (DatumGetFloat8(FunctionCall1Coll(support->norm, support->collation,
										 value)) <= 0)
		return false;

	*result = FunctionCall1Coll(support->normalize, support->collation, value);
	return true;
}

/*
 * HnswSquaredNorm, from the cache when value is the one being inserted
 * (HnswUpdateMaxNorm sets it; InsertElement clears it).
 */
static double
NormOf(HnswSupport *support, Datum value)
{
	if (value == support->normed)
		return support->normedNorm;
	return HnswSquaredNorm(support, value);
}

/*
 * Distance between two values of the indexed type, through the support
 * function, or as graph construction measures it (HnswSupport): there a
 * NaN (inner product's inf - inf) counts as +inf, so that comparisons
 * still order it and the element still gets links.
 */
double
HnswDistance(HnswSupport *support, Datum a, Datum b)
{
	double		d;

	if (support->l2 != NULL)
	{
		d = DatumGetFloat8(DirectFunctionCall2Coll(support->l2,
												   support->collation, a, b));
		if (!isnan(d) && a != b)
		{
			double		ha = HnswAugmentHeight(NormOf(support, a),
											   support->maxNorm);
			double		hb = HnswAugmentHeight(NormOf(support, b),
											   support->maxNorm);

			d += (ha - hb) * (ha - hb);
		}
	}
	else
		d = DatumGetFloat8(FunctionCall2Coll(support->distance,
											 support->collation, a, b));
	if (support->construct && isnan(d))
		d = get_float8_infinity();
	return d;
}

/*
 * |x|^2 of a value, through the inner product support function (the
 * transform's support only), as the type computes it: may be +inf.
 */
double
HnswSquaredNorm(HnswSupport *support, Datum value)
{
	return -DatumGetFloat8(FunctionCall2Coll(support->distance,
											 support->collation,
											 value, value));
}

/*
 * The transform's extra coordinate h = sqrt(M^2 - |x|^2): 0 for a norm at
 * or above M (rounding) and for one that overflowed, which M never counts.
 */
double
HnswAugmentHeight(double squaredNorm, double maxNorm)
{
	double		m2 = maxNorm * maxNorm;

	if (!isfinite(squaredNorm) || !(squaredNorm < m2))
		return 0;
	return sqrt(m2 - squaredNorm);
}

/*
 * Read the transform's M from the metapage into support, first raising it
 * to value's norm when that is larger and finite (value may be 0: read
 * only).  Caches value's norm in support until the caller clears
 * support->normed (value must not be freed before).  The raise is WAL-logged under the metapage's exclusive lock,
 * taken alone like UpdateEntryPoint's.  Nothing for other supports.
 */
void
HnswUpdateMaxNorm(Relation index, HnswSupport *support, Datum value)
{
	double		n = 0;
	Buffer		buf;
	HnswMetaPage meta;

	if (support->l2 == NULL)
		return;
	if (value != (Datum) 0)
	{
		n = HnswSquaredNorm(support, value);
		support->normed = value;
		support->normedNorm = n;
	}
	if (!isfinite(n) || n < 0)
		n = 0;

	buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	HnswCheckMetaPage(index, BufferGetPage(buf));
	meta = HnswPageGetMeta(BufferGetPage(buf));
	support->maxNorm = meta->maxNorm;
	if (n > support->maxNorm * support->maxNorm)
	{
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		meta = HnswPageGetMeta(BufferGetPage(buf));
		if (n > meta->maxNorm * meta->maxNorm)
		{
			GenericXLogState *state = GenericXLogStart(index);
			Page		page = GenericXLogRegisterBuffer(state, buf, 0);
			double		m = sqrt(n);

			/* M^2 must not round below n, or the next insert raises again */
			if (m * m < n)
				m = nextafter(m, get_float8_infinity());
			HnswPageGetMeta(page)->maxNorm = m;
			GenericXLogFinish(state);
		}
		support->maxNorm = HnswPageGetMeta(BufferGetPage(buf))->maxNorm;
	}
	UnlockReleaseBuffer(buf);
}

/*
 * Draw a level for a new element: floor(-ln(U) / ln(m)), the HNSW paper's
 * distribution with mL = 1 / ln(m), capped below HNSW_MAX_LEVEL.
 */
int
HnswRandomLevel(int m)
{
	double		u = pg_prng_double(&pg_global_prng_state);
	double		level;

	/* pg_prng_double is in [0, 1); avoid log(0) */
	if (u <= 0)
		u = DBL_MIN;
	level = floor(-log(u) / log((double) m));
	return (int) Min(level, HNSW_MAX_LEVEL - 1);
}

/*
 * Initialise an empty data page (or the metapage, before its contents).
 */
void
HnswInitPage(Buffer buf, Page page)
{
	HnswPageOpaque opaque;

	PageInit(page, BufferGetPageSize(buf), sizeof(HnswPageOpaqueData));
	opaque = HnswPageGetOpaque(page);
	opaque->nextblkno = InvalidBlockNumber;
	opaque->flags = 0;
	opaque->page_id = HNSW_PAGE_ID;
}

/*
 * Fill an initialised metapage for an empty index.
 */
void
HnswInitMetaPage(Page page, int dimensions, int m, int efConstruction)
{
	HnswMetaPage meta = HnswPageGetMeta(page);

	meta->magicNumber = HNSW_MAGIC_NUMBER;
	meta->version = HNSW_VERSION;
	meta->dimensions = dimensions;
	meta->m = m;
	meta->efConstruction = efConstruction;
	meta->entryBlkno = InvalidBlockNumber;
	meta->entryOffno = InvalidOffsetNumber;
	meta->entryLevel = -1;
	meta->insertPage = InvalidBlockNumber;
	meta->maxNorm = 0;
	meta->codeM = 0;
	meta->codeMetric = HNSW_CODE_NONE;
	meta->unused = 0;
	meta->codebookBlkno = InvalidBlockNumber;
	meta->codebookPages = 0;
	meta->buildId = HnswNewBuildId();
	meta->codeBias = 0;
	meta->unused2 = 0;

	/* so that generic WAL and page images keep the metadata */
	((PageHeader) page)->pd_lower =
		((char *) meta + sizeof(HnswMetaPageData)) - (char *) page;
}

/*
 * Check the metapage's magic number and on-disk version.
 */
void
HnswCheckMetaPage(Relation index, Page page)
{
	HnswMetaPage meta = HnswPageGetMeta(page);

	if (meta->magicNumber != HNSW_MAGIC_NUMBER)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an hnsw index",
						RelationGetRelationName(index))));

	if (meta->version < HNSW_MIN_VERSION || meta->version > HNSW_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has on-disk version %u, expected %u to %u",
						RelationGetRelationName(index), meta->version,
						HNSW_MIN_VERSION, HNSW_VERSION),
				 errhint("REINDEX the index.")));
}

/*
 * Read m, the entry point, the insert page and the code bytes (0 for an
 * index without codes) from the metapage, under a shared lock released
 * before returning.  entry is invalid for an empty graph.  Any output
 * pointer may be NULL.
 */
void
HnswGetMetaPageInfo(Relation index, int *m, ItemPointer entry,
					int *entryLevel, BlockNumber *insertPage, int *codeM)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	Page		page;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	HnswCheckMetaPage(index, page);
	meta = HnswPageGetMeta(page);

	if (m)
		*m = meta->m;
	if (entry)
	{
		if (BlockNumberIsValid(meta->entryBlkno))
			ItemPointerSet(entry, meta->entryBlkno, meta->entryOffno);
		else
			ItemPointerSetInvalid(entry);
	}
	if (entryLevel)
		*entryLevel = meta->entryLevel;
	if (insertPage)
		*insertPage = meta->insertPage;
	if (codeM)
		*codeM = HnswMetaCodeM(meta);

	UnlockReleaseBuffer(buf);
}

/*
 * Size of a detoasted value of the indexed type.
 */
Size
HnswValueSize(Datum value)
{
	return VARSIZE_ANY(DatumGetPointer(value));
}

/*
 * Size of the element tuple of a value (detoasted) with these keys
 * (AmFormFilterKeys; NULL for a one-column index).
 */
Size
HnswElementTupleSize(Datum value, IndexTuple keys)
{
	Size		size = HNSW_ELEMENT_TUPLE_SIZE(HnswValueSize(value));

	if (keys != NULL)
		size += MAXALIGN(IndexTupleSize(keys));
	return size;
}

/*
 * Fill an element tuple (of HnswElementTupleSize(value, keys) bytes,
 * zeroed by the caller) for a new element with one heap TID.  The value
 * must be detoasted, with a 4-byte header; keys are copied after it.
 */
void
HnswFormElementTuple(HnswElementTuple etup, Datum value, IndexTuple keys,
					 int level, ItemPointer heaptid)
{
	etup->type = HNSW_ELEMENT_TUPLE_TYPE;
	etup->level = (uint8) level;
	etup->deleted = 0;
	etup->flags = keys != NULL ? HNSW_ELEMENT_HAS_KEYS : 0;
	for (int i = 0; i < HNSW_HEAPTIDS; i++)
		ItemPointerSetInvalid(&etup->heaptids[i]);
	if (heaptid)
		etup->heaptids[0] = *heaptid;
	ItemPointerSetInvalid(&etup->neighbortid);
	memcpy(etup->data, DatumGetPointer(value), HnswValueSize(value));
	if (keys != NULL)
		memcpy((char *) etup + HNSW_ELEMENT_TUPLE_SIZE(HnswValueSize(value)),
			   keys, IndexTupleSize(keys));
}

/*
 * Fill a neighbour tuple (of HNSW_NEIGHBOR_TUPLE_SIZE(level, m, codeM)
 * bytes) with empty slots and unknown codes.
 */
void
HnswFormNeighborTuple(HnswNeighborTuple ntup, int level, int m, int codeM)
{
	int			slots = HNSW_NEIGHBOR_SLOTS(level, m);

	ntup->type = HNSW_NEIGHBOR_TUPLE_TYPE;
	ntup->unused = 0;
	ntup->count = (uint16) slots;
	for (int i = 0; i < slots; i++)
	{
		ItemPointerSetInvalid(&ntup->neighbors[i].tid);
		ntup->neighbors[i].unused = 0;
		ntup->neighbors[i].distance = 0;
	}
	memset(HnswNeighborCode(ntup, 0, codeM), HNSW_CODE_UNKNOWN,
		   (Size) 2 * m * codeM);
}

/*
 * Add a heap TID to an element (a row with an identical value); false when
 * its slots are full.
 */
bool
HnswElementAddHeapTid(HnswElementTuple etup, ItemPointer heaptid)
{
	for (int i = 0; i < HNSW_HEAPTIDS; i++)
	{
		if (!ItemPointerIsValid(&etup->heaptids[i]))
		{
			etup->heaptids[i] = *heaptid;
			return true;
		}
	}
	return false;
}

/* an element to order by its inner product with a base value */
typedef struct HnswFillItem
{
	double		distance;
	HnswSearchElement e;
} HnswFillItem;

/*
 * qsort comparator of fill items: smallest distance first, then by
 * element TID.
 */
static int
CompareFillItems(const void *a, const void *b)
{
	const HnswFillItem *x = (const HnswFillItem *) a;
	const HnswFillItem *y = (const HnswFillItem *) b;

	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return ItemPointerCompare(&x->e->c.element, &y->e->c.element);
}

/*
 * The order in which pruned candidates (search elements with values,
 * nearest to base first) fill free slots: as they are, except under the
 * MIPS-to-L2 transform, where those of largest inner product with base
 * come first.  The transform's links keep every element reachable; links
 * by inner product are the ones a query follows, and on skewed data they
 * lift top-20 recall from 0.977 to 0.99 and above (hnswbuild.c's
 * FillLevel0 does the same for the in-memory build).  Returns the list,
 * reordered in place.
 */
List *
HnswOrderFill(HnswSupport *support, List *pruned, Datum base)
{
	int			n = list_length(pruned);
	HnswFillItem *items;
	ListCell   *lc;
	int			i = 0;

	if (support->l2 == NULL || n < 2)
		return pruned;

	items = palloc(sizeof(HnswFillItem) * n);
	foreach(lc, pruned)
	{
		HnswSearchElement e = lfirst(lc);

		items[i].e = e;
		items[i].distance = DatumGetFloat8(FunctionCall2Coll(support->distance,
															 support->collation,
															 base,
															 PointerGetDatum(e->value)));
		if (isnan(items[i].distance))
			items[i].distance = get_float8_infinity();
		i++;
	}
	qsort(items, n, sizeof(HnswFillItem), CompareFillItems);
	i = 0;
	foreach(lc, pruned)
		lfirst(lc) = items[i++].e;
	pfree(items);
	return pruned;
}

/* ---- reuse of the elements VACUUM freed ---------------------------------- */

/*
 * Whether a page is an initialised hnsw data page (the free space map may
 * be stale after a crash).
 */
static bool
IsDataPage(Page page)
{
	return !PageIsNew(page) &&
		PageGetSpecialSize(page) == MAXALIGN(sizeof(HnswPageOpaqueData)) &&
		HnswPageGetOpaque(page)->page_id == HNSW_PAGE_ID &&
		(HnswPageGetOpaque(page)->flags & HNSW_PAGE_CODEBOOK) == 0;
}

/*
 * If the tuple at off of a data page is a free element whose neighbour
 * tuple is on the same page, return the room the two take (MAXALIGNed)
 * and set *noff to the neighbour tuple's offset; else return 0.
 */
static Size
FreePairRoom(Page page, BlockNumber blkno, OffsetNumber off,
			 OffsetNumber *noff)
{
	ItemId		eid = PageGetItemId(page, off);
	ItemId		nid;
	HnswElementTuple etup;

	if (!ItemIdIsNormal(eid))
		return 0;
	etup = (HnswElementTuple) PageGetItem(page, eid);
	if (etup->type != HNSW_ELEMENT_TUPLE_TYPE ||
		etup->deleted != HNSW_ELEMENT_FREE ||
		ItemPointerGetBlockNumberNoCheck(&etup->neighbortid) != blkno)
		return 0;

	*noff = ItemPointerGetOffsetNumberNoCheck(&etup->neighbortid);
	if (*noff < FirstOffsetNumber || *noff > PageGetMaxOffsetNumber(page))
		return 0;
	nid = PageGetItemId(page, *noff);
	if (!ItemIdIsNormal(nid) ||
		((HnswNeighborTuple) PageGetItem(page, nid))->type !=
		HNSW_NEIGHBOR_TUPLE_TYPE)
		return 0;
	return MAXALIGN(ItemIdGetLength(eid)) + MAXALIGN(ItemIdGetLength(nid));
}

/*
 * What the free space map records for a page (whose lock the caller
 * holds): the room of its largest free element with its neighbour tuple,
 * plus the page's free space, so that an element and neighbour tuple that
 * take up to that much fit (HnswReuseFreeSlot); 0 when it has no free
 * element to reuse.  The map rounds down to steps of BLCKSZ / 256 bytes,
 * so this rounds up: a request may rarely find a page a little too full.
 * At most HNSW_FSM_MAX_SPACE.
 */
Size
HnswFreeSlotSpace(Page page, BlockNumber blkno)
{
	Size		best = 0;

	if (!IsDataPage(page))
		return 0;
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		OffsetNumber noff;

		best = Max(best, FreePairRoom(page, blkno, off, &noff));
	}
	if (best == 0)
		return 0;
	return Min(best + PageGetExactFreeSpace(page) + BLCKSZ / 256 - 1,
			   HNSW_FSM_MAX_SPACE);
}

/*
 * Put an element tuple and its neighbour tuple in place of a free element
 * and its neighbour tuple on a data page (registered for generic WAL, of
 * block blkno) when they fit there, keeping the line pointers: set etup's
 * neighbour TID and *tid to the element's TID.  Returns false when no free
 * element on the page has room.
 */
bool
HnswReuseFreeSlot(Page page, BlockNumber blkno, HnswElementTuple etup,
				  Size etupSize, HnswNeighborTuple ntup, Size ntupSize,
				  ItemPointer tid)
{
	Size		need = MAXALIGN(etupSize) + MAXALIGN(ntupSize);

	if (!IsDataPage(page))
		return false;
	for (OffsetNumber off = FirstOffsetNumber;
		 off <= PageGetMaxOffsetNumber(page); off = OffsetNumberNext(off))
	{
		OffsetNumber noff;
		Size		room = FreePairRoom(page, blkno, off, &noff);
		bool		ok;

		if (room == 0 || need > room + PageGetExactFreeSpace(page))
			continue;

		/* overwrite the tuple that does not grow first: the other fits */
		ItemPointerSet(&etup->neighbortid, blkno, noff);
		if (MAXALIGN(etupSize) <=
			MAXALIGN(ItemIdGetLength(PageGetItemId(page, off))))
			ok = PageIndexTupleOverwrite(page, off, (Item) etup, etupSize) &&
				PageIndexTupleOverwrite(page, noff, (Item) ntup, ntupSize);
		else
			ok = PageIndexTupleOverwrite(page, noff, (Item) ntup, ntupSize) &&
				PageIndexTupleOverwrite(page, off, (Item) etup, etupSize);
		if (!ok)
			elog(ERROR, "could not reuse a free element in block %u of index",
				 blkno);
		ItemPointerSet(tid, blkno, off);
		return true;
	}
	return false;
}
