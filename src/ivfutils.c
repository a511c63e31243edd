/*-------------------------------------------------------------------------
 *
 * ivfutils.c
 *	  Helpers of the ivf access methods: the operator class's metric and
 *	  type, values as floats, the cached metapage and centroids, pages and
 *	  list tuples.
 *
 * IDENTIFICATION
 *	  src/ivfutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "storage/lmgr.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "amcommon.h"
#include "distance.h"
#include "halfutils.h"
#include "halfvec.h"
#include "ivf.h"
#include "vector.h"

/*
 * The indexed type.  The column's own type counts (or its domain's base
 * type): a varbit column would match the bit operator classes, but its
 * values have no fixed length.
 */
IvfType
IvfGetType(Relation index)
{
	Oid			typid = getBaseType(TupleDescAttr(index->rd_att, 0)->atttypid);
	Oid			procid = index_getprocid(index, 1, IVF_DISTANCE_PROC);

	if (typid == BITOID)
		return IVF_TYPE_BIT;
	if (typid == ExtensionTypeOid("halfvec", procid))
		return IVF_TYPE_HALFVEC;
	if (typid != ExtensionTypeOid("vector", procid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("type not supported for %s index",
						IvfIsIvfflat(index) ? "ivfflat" : "ivf")));
	return IVF_TYPE_VECTOR;
}

/*
 * The metric, from the operator class's ordering operator: <-> L2, <#>
 * negative inner product, <=> cosine, <~> Hamming, <%> Jaccard.
 */
IvfMetric
IvfGetMetric(Relation index)
{
	Oid			typid = index->rd_opcintype[0];
	Oid			opno = get_opfamily_member(index->rd_opfamily[0], typid,
										   typid, 1);
	char	   *name = OidIsValid(opno) ? get_opname(opno) : NULL;

	if (name == NULL)
		elog(ERROR, "ivf operator class has no ordering operator");
	if (strcmp(name, "<->") == 0)
		return IVF_METRIC_L2;
	if (strcmp(name, "<#>") == 0)
		return IVF_METRIC_IP;
	if (strcmp(name, "<=>") == 0)
		return IVF_METRIC_COSINE;
	if (strcmp(name, "<~>") == 0)
		return IVF_METRIC_HAMMING;
	if (strcmp(name, "<%>") == 0)
		return IVF_METRIC_JACCARD;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("operator %s is not supported by ivf indexes", name)));
	return IVF_METRIC_L2;		/* keep compiler quiet */
}

/*
 * The most dimensions a type may have in an index: its exact value must
 * fit in a list tuple.
 */
int
IvfMaxDimensions(IvfType type)
{
	if (type == IVF_TYPE_HALFVEC)
		return IVF_MAX_HALFVEC_DIM;
	if (type == IVF_TYPE_BIT)
		return IVF_MAX_BIT_DIM;
	return IVF_MAX_DIM;
}

/*
 * The dimensions, from the column's type modifier.
 */
int
IvfGetDimensions(Relation index)
{
	int			dim = TupleDescAttr(index->rd_att, 0)->atttypmod;
	int			maxDim = IvfMaxDimensions(IvfGetType(index));

	if (dim < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions")));
	if (dim > maxDim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for %s index",
						maxDim, IvfIsIvfflat(index) ? "ivfflat" : "ivf")));
	return dim;
}

/*
 * Whether k-means and the lists use inner product (else squared L2).
 */
bool
IvfTrainsOnInnerProduct(IvfMetric metric)
{
	return metric == IVF_METRIC_IP;
}

/*
 * A value as dim floats into out: widened, bits as 0/1, and normalised
 * for cosine.  Returns false for a value the index must not hold: a zero
 * vector under cosine (which stays zero in out).
 */
bool
IvfValueToFloats(IvfType type, IvfMetric metric, Datum value, int dim,
				 float *out)
{
	int			n;

	if (type == IVF_TYPE_VECTOR)
	{
		Vector		v = DatumGetVector(value);

		n = v->dim;
		if (n == dim)
			memcpy(out, v->x, sizeof(float) * dim);
	}
	else if (type == IVF_TYPE_HALFVEC)
	{
		HalfVector	v = DatumGetHalfVector(value);

		n = v->dim;
		for (int i = 0; i < dim && n == dim; i++)
			out[i] = HalfToFloat4(v->x[i]);
	}
	else
	{
		VarBit	   *v = DatumGetVarBitP(value);

		n = VARBITLEN(v);
		for (int i = 0; i < dim && n == dim; i++)
			out[i] = (VARBITS(v)[i / 8] >> (7 - i % 8)) & 1;
	}
	if (n != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", dim, n)));

	if (metric == IVF_METRIC_COSINE)
	{
		float		norm = sqrtf(DistanceInnerProduct(out, out, dim));

		if (!(norm > 0))
			return false;
		for (int i = 0; i < dim; i++)
			out[i] /= norm;
	}
	return true;
}

/*
 * The distance of a float vector to a centroid as the lists order them:
 * squared L2, or the negative inner product.
 */
float
IvfCentroidDistance(const IvfInfo *info, const float *x, int list)
{
	const float *c = info->centroids + (Size) list * info->dimensions;

	if (IvfTrainsOnInnerProduct(info->metric))
		return -DistanceInnerProduct(x, c, info->dimensions);
	return DistanceL2Squared(x, c, info->dimensions);
}

/*
 * The list whose centroid is nearest to x.
 */
int
IvfNearestList(const IvfInfo *info, const float *x)
{
	int			best = 0;
	float		bestDistance = INFINITY;

	for (int i = 0; i < info->lists; i++)
	{
		float		d = IvfCentroidDistance(info, x, i);

		if (d < bestDistance)
		{
			bestDistance = d;
			best = i;
		}
	}
	return best;
}

/*
 * Initialise an empty page of the given type.
 */
void
IvfInitPage(Page page, uint16 pagetype)
{
	IvfPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(IvfPageOpaqueData));
	opaque = IvfPageGetOpaque(page);
	opaque->nextblkno = InvalidBlockNumber;
	opaque->pagetype = pagetype;
	opaque->page_id = IVF_PAGE_ID;
}

/*
 * Where a list's centroid tuple is.
 */
void
IvfCentroidLocation(const IvfInfo *info, int list, BlockNumber *blkno,
					OffsetNumber *offno)
{
	*blkno = info->centroidStart + list / info->centroidsPerPage;
	*offno = FirstOffsetNumber + list % info->centroidsPerPage;
}

/*
 * A new build's identity: the time and a random number.
 */
uint64
IvfNewBuildId(void)
{
	return (uint64) GetCurrentTimestamp() ^
		pg_prng_uint64(&pg_global_prng_state);
}

/*
 * Read the metapage's build identity, checking the magic and version.
 */
static uint64
ReadBuildId(Relation index)
{
	Buffer		buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	IvfMetaPage meta;
	uint64		buildId;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = IvfPageGetMeta(BufferGetPage(buf));
	if (meta->magicNumber != IVF_MAGIC_NUMBER)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an ivf index",
						RelationGetRelationName(index))));
	if (meta->version != IVF_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ivf index \"%s\" has on-disk version %u, expected %d",
						RelationGetRelationName(index), meta->version,
						IVF_VERSION),
				 errhint("REINDEX the index.")));
	buildId = meta->buildId;
	UnlockReleaseBuffer(buf);
	return buildId;
}

/*
 * Read the metapage, the quantizer's parameters and the centroids into
 * info, allocating in the current memory context.
 */
static void
ReadInfo(Relation index, IvfInfo *info)
{
	Buffer		buf;
	Page		page;
	IvfMetaPage meta;
	BlockNumber blkno;
	int64		nparams;
	int64		ncentroids;
	float	   *all;

	buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	meta = IvfPageGetMeta(page);
	info->dimensions = meta->dimensions;
	info->lists = meta->lists;
	info->quantizer = (IvfQuantizer) meta->quantizer;
	info->pqM = meta->pqM;
	info->pqBits = meta->pqBits;
	info->codeSize = meta->codeSize;
	info->centroidStart = meta->centroidStart;
	info->centroidsPerPage = meta->centroidsPerPage;
	ncentroids = (int64) info->lists * info->dimensions;
	blkno = meta->paramStart;
	nparams = meta->paramFloats;
	UnlockReleaseBuffer(buf);

	/* parameter pages: the quantizer's floats, then the centroids */
	all = MemoryContextAllocHuge(CurrentMemoryContext,
								 sizeof(float) * Max(nparams + ncentroids, 1));
	for (int64 i = 0; i < nparams + ncentroids;)
	{
		Size		sz;

		if (blkno == InvalidBlockNumber)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("ivf index \"%s\" has too few parameter pages",
							RelationGetRelationName(index))));
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		sz = ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber));
		memcpy(all + i,
			   PageGetItem(page, PageGetItemId(page, FirstOffsetNumber)), sz);
		i += sz / sizeof(float);
		blkno = IvfPageGetOpaque(page)->nextblkno;
		UnlockReleaseBuffer(buf);
	}
	info->params = all;
	info->centroids = all + nparams;

	if (info->quantizer == IVF_QUANTIZER_PQ)
	{
		info->pqCodebooksT = palloc(sizeof(float) * Max(nparams, 1));
		IvfPqTransposeCodebooks(info->params, info->dimensions, info->pqM,
								1 << info->pqBits, info->pqCodebooksT);
	}
}

/*
 * The backend's cache of index descriptions, keyed by relfilenode.  It is
 * not the relcache's rd_amcache: PostgreSQL frees that on any relcache
 * invalidation of the index, even while a scan uses it (a VACUUM or
 * ANALYZE elsewhere, processed when the re-rank opens the TOAST table, say).
 * What the cache holds never changes for a build, and each build writes a
 * new build identity in the metapage, which every lookup reads (one share
 * lock): a reused relfilenode, or an unlogged index reset to its init fork,
 * cannot return another build's centroids.
 *
 * XXX entries of dropped indexes stay until the backend exits.
 */
typedef struct IvfInfoCacheEntry
{
	RelFileNode key;
	uint64		buildId;
	MemoryContext cxt;			/* holds info and its arrays */
	IvfInfo    *info;
} IvfInfoCacheEntry;

static HTAB *IvfInfoCache = NULL;

/*
 * The description of an open index (see above).  The pointer stays valid
 * for the rest of the statement at least.
 */
IvfInfo *
IvfGetInfo(Relation index)
{
	uint64		buildId = ReadBuildId(index);
	IvfInfoCacheEntry *entry;
	MemoryContext cxt;
	MemoryContext oldCtx;
	IvfInfo    *info;
	bool		found;

	if (IvfInfoCache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(RelFileNode);
		ctl.entrysize = sizeof(IvfInfoCacheEntry);
		ctl.hcxt = TopMemoryContext;
		IvfInfoCache = hash_create("Ivf index cache", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(IvfInfoCache, &index->rd_node, HASH_FIND, NULL);
	if (entry != NULL && entry->buildId == buildId)
		return entry->info;

	/* load into a new context; only a complete load enters the cache */
	cxt = AllocSetContextCreate(TopMemoryContext, "Ivf index cache entry",
								ALLOCSET_SMALL_SIZES);
	oldCtx = CurrentMemoryContext;
	PG_TRY();
	{
		MemoryContextSwitchTo(cxt);
		info = palloc0(sizeof(IvfInfo));
		info->type = IvfGetType(index);
		info->metric = IvfGetMetric(index);
		ReadInfo(index, info);
		MemoryContextSwitchTo(oldCtx);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldCtx);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();

	entry = hash_search(IvfInfoCache, &index->rd_node, HASH_ENTER, &found);
	if (found)
		MemoryContextDelete(entry->cxt);
	entry->buildId = buildId;
	entry->cxt = cxt;
	entry->info = info;
	return info;
}

/*
 * Size of the data of a list tuple: the value's varlena or the code.
 */
static Size
ListDataSize(const IvfInfo *info, Pointer data)
{
	if (info->quantizer == IVF_QUANTIZER_FLAT)
		return VARSIZE_ANY(data);
	return info->codeSize;
}

/*
 * Size of the list tuple of a value (detoasted) with these filter values
 * (AmFormFilterKeys; NULL for a one-column index).
 */
Size
IvfListTupleSize(const IvfInfo *info, Datum value, IndexTuple keys)
{
	Size		size = MAXALIGN(IVF_LIST_TUPLE_HEADER +
								ListDataSize(info, DatumGetPointer(value)));

	if (keys != NULL)
		size += MAXALIGN(IndexTupleSize(keys));
	return size;
}

/*
 * Fill a list tuple (of IvfListTupleSize bytes, zeroed): the heap TID,
 * either the value (detoasted by the caller) or the code of its floats x
 * in the given list, and the filter values, if any.
 */
void
IvfFormListTuple(const IvfInfo *info, IvfListTuple tup, Datum value,
				 IndexTuple keys, const float *x, int list,
				 ItemPointer heaptid)
{
	tup->heaptid = *heaptid;
	tup->flags = keys != NULL ? IVF_LIST_HAS_KEYS : 0;
	if (info->quantizer == IVF_QUANTIZER_FLAT)
		memcpy(tup->data, DatumGetPointer(value),
			   VARSIZE_ANY(DatumGetPointer(value)));
	else if (info->quantizer == IVF_QUANTIZER_SQ8)
		IvfSq8Encode(info->params, info->dimensions, x, (uint8 *) tup->data);
	else
	{
		float	   *residual = palloc(sizeof(float) * info->dimensions);
		const float *c = info->centroids + (Size) list * info->dimensions;

		for (int i = 0; i < info->dimensions; i++)
			residual[i] = x[i] - c[i];
		IvfPqEncode(info->params, info->dimensions, info->pqM,
					1 << info->pqBits, residual, (uint8 *) tup->data);
		pfree(residual);
	}
	if (keys != NULL)
		memcpy((char *) tup + MAXALIGN(IVF_LIST_TUPLE_HEADER +
									   ListDataSize(info, DatumGetPointer(value))),
			   keys, IndexTupleSize(keys));
}

/*
 * The filter values a list tuple stores, in place; NULL when it has none.
 */
IndexTuple
IvfListTupleKeys(const IvfInfo *info, IvfListTuple tup)
{
	if (!(tup->flags & IVF_LIST_HAS_KEYS))
		return NULL;
	return (IndexTuple) ((char *) tup +
						 MAXALIGN(IVF_LIST_TUPLE_HEADER +
								  ListDataSize(info, tup->data)));
}

/*
 * ERROR when a list tuple of this size cannot fit on a page (with filter
 * values: the vector's dimensions alone are checked when the column is).
 */
void
IvfCheckListTupleSize(Relation index, Size size)
{
	Size		max = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(IvfPageOpaqueData)) - sizeof(ItemIdData);

	if (size > max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row size %zu exceeds ivf maximum %zu for index \"%s\"",
						size, max, RelationGetRelationName(index)),
				 errhint("Values with fewer dimensions, or shorter filter column values, can be indexed.")));
}
