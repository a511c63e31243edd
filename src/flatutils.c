/*-------------------------------------------------------------------------
 *
 * flatutils.c
 *	  Page, value and distance helpers of the flat access method.
 *
 * Distances are computed exactly as the SQL operators compute them (the
 * same kernels, arguments in the same order, the same finishing step in
 * double precision), so an index scan orders rows bit for bit as a
 * sequential scan with ORDER BY does.
 *
 * IDENTIFICATION
 *	  src/flatutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "amcommon.h"
#include "distance.h"
#include "flat.h"
#include "halfvec.h"
#include "vector.h"
#include "vecutils.h"

/* The distance functions flat supports, by type and function name */
static const AmMetricEntry FlatMetrics[] =
{
	{"vector", "l2_distance", FLAT_VECTOR_L2},
	{"vector", "vector_negative_inner_product", FLAT_VECTOR_IP},
	{"vector", "cosine_distance", FLAT_VECTOR_COSINE},
	{"vector", "l1_distance", FLAT_VECTOR_L1},
	{"halfvec", "l2_distance", FLAT_HALFVEC_L2},
	{"halfvec", "halfvec_negative_inner_product", FLAT_HALFVEC_IP},
	{"halfvec", "cosine_distance", FLAT_HALFVEC_COSINE},
	{"halfvec", "l1_distance", FLAT_HALFVEC_L1},
	{"bit", "hamming_distance", FLAT_BIT_HAMMING},
	{"bit", "jaccard_distance", FLAT_BIT_JACCARD},
};

/*
 * The metric of the index's operator class, from the column type and the
 * name of its distance support function.
 */
FlatMetric
FlatGetMetric(Relation index)
{
	return (FlatMetric) AmLookupMetric(index, FLAT_DISTANCE_PROC,
									   FlatMetrics, lengthof(FlatMetrics),
									   "flat");
}

/*
 * The most dimensions an indexed value may have for the metric's type.
 */
int
FlatMaxDimensions(FlatMetric metric)
{
	if (metric >= FLAT_BIT_HAMMING)
		return FLAT_MAX_BIT_DIM;
	if (metric >= FLAT_HALFVEC_L2)
		return FLAT_MAX_HALFVEC_DIM;
	return FLAT_MAX_DIM;
}

/*
 * Bytes of one stored value.
 */
int
FlatElemSize(FlatMetric metric, int dimensions)
{
	if (metric >= FLAT_BIT_HAMMING)
		return (dimensions + 7) / 8;
	if (metric >= FLAT_HALFVEC_L2)
		return dimensions * sizeof(uint16);
	return dimensions * sizeof(float);
}

/*
 * The data page layout for values of elemSize bytes: as many slots as the
 * page holds, values first, then the TIDs (2-byte aligned).
 */
void
FlatComputeLayout(FlatLayout *layout, int elemSize)
{
	int			usable = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(FlatPageOpaqueData)) - 1;
	int			capacity = usable / (elemSize + (int) sizeof(ItemPointerData));

	layout->elemSize = elemSize;
	layout->capacity = Min(capacity, PG_UINT16_MAX);
	layout->tidsOffset = SHORTALIGN(layout->capacity * elemSize);
}

/*
 * The raw element array of a (detoasted) value, after checking that it has
 * the index's dimensions.
 */
const void *
FlatValueData(FlatMetric metric, Datum value, int dimensions)
{
	return AmValueData(value,
					   metric >= FLAT_BIT_HAMMING ? AM_VALUE_BIT :
					   metric >= FLAT_HALFVEC_L2 ? AM_VALUE_HALFVEC :
					   AM_VALUE_VECTOR, dimensions);
}

/*
 * Initialise an empty data page.  pd_lower covers the whole slot layout,
 * so that full-page images and generic WAL include every slot.
 */
void
FlatInitPage(Page page, const FlatLayout *layout)
{
	FlatPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(FlatPageOpaqueData));
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) +
		layout->tidsOffset + layout->capacity * sizeof(ItemPointerData);
	Assert(((PageHeader) page)->pd_lower <= ((PageHeader) page)->pd_upper);
	opaque = FlatPageGetOpaque(page);
	opaque->nitems = 0;
	opaque->capacity = layout->capacity;
	opaque->unused = 0;
	opaque->page_id = FLAT_PAGE_ID;
}

/*
 * Initialise the metapage of an empty index.
 */
void
FlatInitMetaPage(Page page, FlatMetric metric, int dimensions,
				 const FlatLayout *layout)
{
	FlatPageOpaque opaque;
	FlatMetaPage meta;

	PageInit(page, BLCKSZ, sizeof(FlatPageOpaqueData));
	opaque = FlatPageGetOpaque(page);
	opaque->nitems = 0;
	opaque->capacity = 0;
	opaque->unused = 0;
	opaque->page_id = FLAT_PAGE_ID;

	meta = FlatPageGetMeta(page);
	meta->magicNumber = FLAT_MAGIC_NUMBER;
	meta->version = FLAT_VERSION;
	meta->dimensions = dimensions;
	meta->metric = metric;
	meta->capacity = layout->capacity;
	meta->elemSize = layout->elemSize;
	meta->insertPage = InvalidBlockNumber;
	((PageHeader) page)->pd_lower =
		((char *) meta + sizeof(FlatMetaPageData)) - (char *) page;
}

/*
 * Check a metapage's identity; ERROR when it is not ours or too new.
 */
void
FlatCheckMeta(Relation index, FlatMetaPage meta)
{
	if (meta->magicNumber != FLAT_MAGIC_NUMBER)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not a flat index",
						RelationGetRelationName(index))));
	if (meta->version != FLAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("flat index \"%s\" has on-disk version %u, expected %u",
						RelationGetRelationName(index), meta->version,
						FLAT_VERSION),
				 errhint("REINDEX the index.")));
}

/*
 * Copy the metapage out, under a share lock held only for the copy.
 */
void
FlatGetMeta(Relation index, FlatMetaPageData *meta)
{
	Buffer		buf = ReadBuffer(index, FLAT_METAPAGE_BLKNO);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	*meta = *FlatPageGetMeta(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);
	FlatCheckMeta(index, meta);
}

/*
 * Append one value and its heap TID to a page with a free slot.
 */
void
FlatPageAddItem(Page page, const FlatLayout *layout, const void *data,
				ItemPointer heaptid)
{
	FlatPageOpaque opaque = FlatPageGetOpaque(page);
	int			i = opaque->nitems;

	Assert(i < layout->capacity);
	memcpy(FlatPageValue(page, layout, i), data, layout->elemSize);
	FlatPageTids(page, layout)[i] = *heaptid;
	opaque->nitems = i + 1;
}

/*
 * Jaccard distance from the kernel's counts, as jaccard_distance() does.
 */
static inline double
JaccardFromParts(uint64_t ab, uint64_t aa, uint64_t bb)
{
	if (ab == 0)
		return 1.0;
	return 1.0 - (double) ab / (double) (aa + bb - ab);
}

/*
 * The distances from the query to n stored values: distances[i] is what
 * the ordering operator returns for (value i, query).  One loop per
 * metric, over values elemSize bytes apart.
 */
void
FlatComputeDistances(const FlatQuery *query, const char *values,
					 int elemSize, int n, double *distances)
{
	int			dim = query->dimensions;
	const float *qf = query->data;
	const uint16 *qh = query->data;
	const uint8 *qb = query->data;
	float		dot;
	float		norma;
	float		normb;
	uint64_t	ab;
	uint64_t	aa;
	uint64_t	bb;

#define VALUE(type)	((const type *) (values + (Size) i * elemSize))
	switch (query->metric)
	{
		case FLAT_VECTOR_L2:
			for (int i = 0; i < n; i++)
				distances[i] = sqrt((double) DistanceL2Squared(VALUE(float), qf, dim));
			break;
		case FLAT_VECTOR_IP:
			for (int i = 0; i < n; i++)
				distances[i] = -(double) DistanceInnerProduct(VALUE(float), qf, dim);
			break;
		case FLAT_VECTOR_COSINE:
			for (int i = 0; i < n; i++)
			{
				DistanceCosineParts(VALUE(float), qf, dim, &dot, &norma, &normb);
				distances[i] = CosineDistanceFromParts(dot, norma, normb);
			}
			break;
		case FLAT_VECTOR_L1:
			for (int i = 0; i < n; i++)
				distances[i] = (double) DistanceL1(VALUE(float), qf, dim);
			break;
		case FLAT_HALFVEC_L2:
			for (int i = 0; i < n; i++)
				distances[i] = sqrt((double) DistanceHalfL2Squared(VALUE(uint16), qh, dim));
			break;
		case FLAT_HALFVEC_IP:
			for (int i = 0; i < n; i++)
				distances[i] = -(double) DistanceHalfInnerProduct(VALUE(uint16), qh, dim);
			break;
		case FLAT_HALFVEC_COSINE:
			for (int i = 0; i < n; i++)
			{
				DistanceHalfCosineParts(VALUE(uint16), qh, dim, &dot, &norma, &normb);
				distances[i] = CosineDistanceFromParts(dot, norma, normb);
			}
			break;
		case FLAT_HALFVEC_L1:
			for (int i = 0; i < n; i++)
				distances[i] = (double) DistanceHalfL1(VALUE(uint16), qh, dim);
			break;
		case FLAT_BIT_HAMMING:
			for (int i = 0; i < n; i++)
				distances[i] = (double) DistanceBitHamming(VALUE(uint8), qb, elemSize);
			break;
		case FLAT_BIT_JACCARD:
			for (int i = 0; i < n; i++)
			{
				DistanceBitJaccardParts(VALUE(uint8), qb, elemSize, &ab, &aa, &bb);
				distances[i] = JaccardFromParts(ab, aa, bb);
			}
			break;
		default:
			elog(ERROR, "unexpected flat metric %d", (int) query->metric);
	}
#undef VALUE
}
