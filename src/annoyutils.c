/*-------------------------------------------------------------------------
 *
 * annoyutils.c
 *	  Page, value, split and distance helpers of the annoy access method.
 *
 * The splits follow Annoy's published algorithm (annoylib.h, Erik
 * Bernhardsson), reimplemented here: for Euclidean trees (l2) two points
 * are sampled and refined by ANNOY_TWO_MEANS_STEPS two-means steps, the
 * normal is the difference of the two means, normalised, and the
 * hyperplane passes through their midpoint; angular trees (cosine, and
 * inner product, see ARCHITECTURE.md) do the same on unit vectors with a
 * hyperplane through the origin; Hamming trees sample a bit that not all
 * points share.  A split that leaves more than ANNOY_MAX_IMBALANCE of the
 * points on one side is retried, then replaced by a random assignment, as
 * Annoy does.
 *
 * Distances are computed as the SQL operators compute them (the same
 * kernels and the same finishing step), so the order of the rows a scan
 * returns is that of their true distances.
 *
 * IDENTIFICATION
 *	  src/annoyutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "amcommon.h"
#include "annoy.h"
#include "distance.h"
#include "halfutils.h"
#include "halfvec.h"
#include "vector.h"
#include "vecutils.h"

/* The distance functions annoy supports, by type and function name */
static const AmMetricEntry AnnoyMetrics[] =
{
	{"vector", "l2_distance", ANNOY_VECTOR_L2},
	{"vector", "vector_negative_inner_product", ANNOY_VECTOR_IP},
	{"vector", "cosine_distance", ANNOY_VECTOR_COSINE},
	{"halfvec", "l2_distance", ANNOY_HALFVEC_L2},
	{"halfvec", "halfvec_negative_inner_product", ANNOY_HALFVEC_IP},
	{"halfvec", "cosine_distance", ANNOY_HALFVEC_COSINE},
	{"bit", "hamming_distance", ANNOY_BIT_HAMMING},
};

/*
 * The metric of the index's operator class, from the column type and the
 * name of its distance support function.
 */
AnnoyMetric
AnnoyGetMetric(Relation index)
{
	return (AnnoyMetric) AmLookupMetric(index, ANNOY_DISTANCE_PROC,
										AnnoyMetrics, lengthof(AnnoyMetrics),
										"annoy");
}

/*
 * The dimensions of the indexed column, from its typmod, within the
 * metric's limit.
 */
int
AnnoyGetDimensions(Relation index, AnnoyMetric metric)
{
	int			maxdim = metric == ANNOY_BIT_HAMMING ? ANNOY_MAX_BIT_DIM :
		ANNOY_MAX_DIM;

	return AmColumnDimensions(index, maxdim, "annoy");
}

/*
 * The shape of an index over values of the metric and dimensions.
 */
void
AnnoyComputeLayout(AnnoyLayout *layout, AnnoyMetric metric, int dimensions)
{
	int			usable = BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
		MAXALIGN(sizeof(AnnoyPageOpaqueData)) - 1;
	/* a split puts two new leaves on one page: two must fit */
	int			maxLeaf = (usable / 2 - (int) offsetof(AnnoyLeafData, ids)) /
		(int) sizeof(ItemPointerData);
	int			k;

	layout->metric = metric;
	layout->dimensions = dimensions;
	if (metric == ANNOY_BIT_HAMMING)
	{
		layout->kind = ANNOY_SPLIT_HAMMING;
		layout->elemSize = (dimensions + 7) / 8;
		layout->splitSize = offsetof(AnnoySplitData, normal);
		k = layout->elemSize / 4 + 2;
	}
	else
	{
		layout->kind = (metric == ANNOY_VECTOR_L2 || metric == ANNOY_HALFVEC_L2) ?
			ANNOY_SPLIT_EUCLIDEAN : ANNOY_SPLIT_ANGULAR;
		layout->elemSize = dimensions *
			(metric >= ANNOY_HALFVEC_L2 ? sizeof(uint16) : sizeof(float));
		layout->splitSize = offsetof(AnnoySplitData, normal) +
			dimensions * sizeof(float);
		k = dimensions + 2;
	}
	layout->vectorCapacity = Min(usable / (layout->elemSize +
										   (int) sizeof(ItemPointerData)),
								 PG_UINT16_MAX);
	layout->tidsOffset = SHORTALIGN(layout->vectorCapacity * layout->elemSize);
	layout->splitCapacity = usable / layout->splitSize;
	layout->leafCapacity = Min(Max(k, ANNOY_MIN_LEAF), maxLeaf);
	layout->leafSize = offsetof(AnnoyLeafData, ids) +
		layout->leafCapacity * sizeof(ItemPointerData);
	layout->leavesPerPage = usable / layout->leafSize;
}

/*
 * The raw element array of a (detoasted) value, after checking that it has
 * the index's dimensions.
 */
const void *
AnnoyValueData(AnnoyMetric metric, Datum value, int dimensions)
{
	return AmValueData(value,
					   metric == ANNOY_BIT_HAMMING ? AM_VALUE_BIT :
					   metric >= ANNOY_HALFVEC_L2 ? AM_VALUE_HALFVEC :
					   AM_VALUE_VECTOR, dimensions);
}

/*
 * A stored value (not a bit string) as the trees see it: dimensions
 * floats, of unit length for angular trees (a zero vector stays zero).
 */
void
AnnoyTreeValue(const AnnoyLayout *layout, const void *data, float *out)
{
	int			dim = layout->dimensions;
	double		norm = 0;

	if (layout->metric >= ANNOY_HALFVEC_L2)
	{
		for (int i = 0; i < dim; i++)
			out[i] = HalfToFloat4(((const uint16 *) data)[i]);
	}
	else
		memcpy(out, data, sizeof(float) * dim);
	if (layout->kind != ANNOY_SPLIT_ANGULAR)
		return;
	for (int i = 0; i < dim; i++)
		norm += (double) out[i] * out[i];
	if (norm > 0)
	{
		norm = sqrt(norm);
		for (int i = 0; i < dim; i++)
			out[i] = (float) (out[i] / norm);
	}
}

/*
 * Initialise an empty page of the given kind.  pd_lower covers every
 * slot, so that full-page images and generic WAL include them.
 */
void
AnnoyInitPage(Page page, const AnnoyLayout *layout, int kind)
{
	AnnoyPageOpaque opaque;
	int			capacity;
	Size		used;

	switch (kind)
	{
		case ANNOY_PAGE_VECTOR:
			capacity = layout->vectorCapacity;
			used = layout->tidsOffset + capacity * sizeof(ItemPointerData);
			break;
		case ANNOY_PAGE_SPLIT:
			capacity = layout->splitCapacity;
			used = (Size) capacity * layout->splitSize;
			break;
		case ANNOY_PAGE_LEAF:
			capacity = layout->leavesPerPage;
			used = (Size) capacity * layout->leafSize;
			break;
		default:
			elog(ERROR, "unexpected annoy page kind %d", kind);
	}
	PageInit(page, BLCKSZ, sizeof(AnnoyPageOpaqueData));
	((PageHeader) page)->pd_lower = MAXALIGN(SizeOfPageHeaderData) + used;
	Assert(((PageHeader) page)->pd_lower <= ((PageHeader) page)->pd_upper);
	opaque = AnnoyPageGetOpaque(page);
	opaque->nitems = 0;
	opaque->capacity = capacity;
	opaque->kind = kind;
	opaque->page_id = ANNOY_PAGE_ID;
}

/*
 * Initialise the metapage of an index; the roots are left invalid.
 */
void
AnnoyInitMetaPage(Page page, const AnnoyLayout *layout, int nTrees)
{
	AnnoyPageOpaque opaque;
	AnnoyMetaPage meta;

	PageInit(page, BLCKSZ, sizeof(AnnoyPageOpaqueData));
	opaque = AnnoyPageGetOpaque(page);
	opaque->nitems = 0;
	opaque->capacity = 0;
	opaque->kind = ANNOY_PAGE_META;
	opaque->page_id = ANNOY_PAGE_ID;

	meta = AnnoyPageGetMeta(page);
	meta->magicNumber = ANNOY_MAGIC_NUMBER;
	meta->version = ANNOY_VERSION;
	meta->dimensions = layout->dimensions;
	meta->metric = layout->metric;
	meta->nTrees = nTrees;
	meta->elemSize = layout->elemSize;
	meta->leafCapacity = layout->leafCapacity;
	meta->unused = 0;
	meta->vectorInsertPage = InvalidBlockNumber;
	meta->splitInsertPage = InvalidBlockNumber;
	meta->leafInsertPage = InvalidBlockNumber;
	for (int i = 0; i < nTrees; i++)
		ItemPointerSetInvalid(&meta->roots[i]);
	((PageHeader) page)->pd_lower =
		((char *) meta + ANNOY_META_SIZE(nTrees)) - (char *) page;
}

/*
 * Check a metapage's identity; ERROR when it is not ours or too new.
 */
void
AnnoyCheckMeta(Relation index, AnnoyMetaPage meta)
{
	if (meta->magicNumber != ANNOY_MAGIC_NUMBER)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an annoy index",
						RelationGetRelationName(index))));
	if (meta->version != ANNOY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("annoy index \"%s\" has on-disk version %u, expected %u",
						RelationGetRelationName(index), meta->version,
						ANNOY_VERSION),
				 errhint("REINDEX the index.")));
	if (meta->nTrees < ANNOY_MIN_N_TREES || meta->nTrees > ANNOY_MAX_N_TREES)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("annoy index \"%s\" has an invalid metapage",
						RelationGetRelationName(index))));
}

/*
 * A palloc'd copy of the metapage, made under a share lock held only for
 * the copy.
 */
AnnoyMetaPage
AnnoyGetMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, ANNOY_METAPAGE_BLKNO);
	AnnoyMetaPage meta = palloc(BLCKSZ);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(meta, AnnoyPageGetMeta(BufferGetPage(buf)),
		   BLCKSZ - MAXALIGN(SizeOfPageHeaderData));
	UnlockReleaseBuffer(buf);
	AnnoyCheckMeta(index, meta);
	return meta;
}

/*
 * An empty leaf.
 */
void
AnnoyInitLeaf(AnnoyLeaf leaf)
{
	leaf->nids = 0;
	leaf->unused = 0;
	ItemPointerSetInvalid(&leaf->redirect);
}

/*
 * Whether bit i of a bit string is set.
 */
static inline bool
BitIsSet(const uint8 *b, uint32 i)
{
	return (b[i / 8] & (0x80 >> (i % 8))) != 0;
}

/*
 * The margin of a point to a split: signed distance to the hyperplane
 * (Euclidean, angular), or the sampled bit, 0 or 1 (Hamming).
 */
double
AnnoyMargin(const AnnoyLayout *layout, AnnoySplit split, AnnoyPoint p)
{
	double		dot;

	if (layout->kind == ANNOY_SPLIT_HAMMING)
		return BitIsSet(p.b, split->bit) ? 1 : 0;
	dot = DistanceInnerProduct(split->normal, p.f, layout->dimensions);
	if (layout->kind == ANNOY_SPLIT_EUCLIDEAN)
		dot += split->offset;
	return dot;
}

/*
 * The side of a split a point belongs to (1: positive margin); a point on
 * the hyperplane goes to a random side, as in Annoy.
 */
int
AnnoySide(const AnnoyLayout *layout, AnnoySplit split, AnnoyPoint p,
		  pg_prng_state *prng)
{
	double		m = AnnoyMargin(layout, split, p);

	if (layout->kind == ANNOY_SPLIT_HAMMING)
		return m > 0 ? 1 : 0;
	if (m != 0)
		return m > 0 ? 1 : 0;
	return pg_prng_bool(prng) ? 1 : 0;
}

/*
 * The distance two-means uses between a mean and a point: squared L2, or
 * for angular trees 2 - 2 cos (points have unit length).
 */
static double
MeansDistance(const AnnoyLayout *layout, const float *mean, const float *p)
{
	int			dim = layout->dimensions;
	double		d = 0;
	double		norm = 0;

	if (layout->kind == ANNOY_SPLIT_EUCLIDEAN)
		return DistanceL2Squared(mean, p, dim);
	for (int i = 0; i < dim; i++)
	{
		d += (double) mean[i] * p[i];
		norm += (double) mean[i] * mean[i];
	}
	return norm > 0 ? 2 - 2 * d / sqrt(norm) : 2;
}

/*
 * Annoy's two_means: two sampled points, refined by moving the nearer
 * mean toward sampled points; the hyperplane between them into plan.
 */
static void
TwoMeans(const AnnoyLayout *layout, const AnnoyPoint *points, int n,
		 pg_prng_state *prng, AnnoySplitPlan *plan)
{
	int			dim = layout->dimensions;
	float	   *iv = palloc(sizeof(float) * dim);
	float	   *jv = palloc(sizeof(float) * dim);
	int			i = (int) pg_prng_uint64_range(prng, 0, n - 1);
	int			j = (int) pg_prng_uint64_range(prng, 0, n - 2);
	double		ic = 1;
	double		jc = 1;
	double		norm = 0;

	j += (j >= i);
	memcpy(iv, points[i].f, sizeof(float) * dim);
	memcpy(jv, points[j].f, sizeof(float) * dim);
	for (int step = 0; step < ANNOY_TWO_MEANS_STEPS; step++)
	{
		int			k = (int) pg_prng_uint64_range(prng, 0, n - 1);
		const float *p = points[k].f;
		double		di = ic * MeansDistance(layout, iv, p);
		double		dj = jc * MeansDistance(layout, jv, p);

		if (di < dj)
		{
			for (int z = 0; z < dim; z++)
				iv[z] = (float) ((iv[z] * ic + p[z]) / (ic + 1));
			ic++;
		}
		else if (dj < di)
		{
			for (int z = 0; z < dim; z++)
				jv[z] = (float) ((jv[z] * jc + p[z]) / (jc + 1));
			jc++;
		}
	}

	for (int z = 0; z < dim; z++)
	{
		plan->normal[z] = iv[z] - jv[z];
		norm += (double) plan->normal[z] * plan->normal[z];
	}
	if (norm > 0)
	{
		norm = sqrt(norm);
		for (int z = 0; z < dim; z++)
			plan->normal[z] = (float) (plan->normal[z] / norm);
	}
	plan->offset = 0;
	if (layout->kind == ANNOY_SPLIT_EUCLIDEAN)
	{
		double		a = 0;

		for (int z = 0; z < dim; z++)
			a -= (double) plan->normal[z] * (iv[z] + jv[z]) / 2;
		plan->offset = (float) a;
	}
	pfree(iv);
	pfree(jv);
}

/*
 * Annoy's Hamming split: a sampled bit that not all points share (20
 * random tries, then every bit in turn); any bit when all points are
 * equal.
 */
static void
SampleBit(const AnnoyLayout *layout, const AnnoyPoint *points, int n,
		  pg_prng_state *prng, AnnoySplitPlan *plan)
{
	uint32		dim = layout->dimensions;

	for (int attempt = 0; attempt < 20 + (int) dim; attempt++)
	{
		uint32		bit = attempt < 20 ?
			(uint32) pg_prng_uint64_range(prng, 0, dim - 1) :
			(uint32) (attempt - 20);
		int			ones = 0;

		for (int i = 0; i < n; i++)
			ones += BitIsSet(points[i].b, bit);
		plan->bit = bit;
		if (ones > 0 && ones < n)
			return;
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Plan the split of n points (n >= 2): the hyperplane or bit into plan,
 * each point's side into sides.  Too uneven a split is retried, then the
 * points are assigned sides at random, as Annoy does.
 */
void
AnnoyPlanSplit(const AnnoyLayout *layout, const AnnoyPoint *points, int n,
			   pg_prng_state *prng, AnnoySplitPlan *plan, uint8 *sides)
{
	AnnoySplit split = palloc0(layout->splitSize);

	for (int attempt = 0; attempt < ANNOY_SPLIT_TRIES; attempt++)
	{
		int			ones = 0;

		if (layout->kind == ANNOY_SPLIT_HAMMING)
			SampleBit(layout, points, n, prng, plan);
		else
			TwoMeans(layout, points, n, prng, plan);
		AnnoyWriteSplit(layout, split, plan);
		for (int i = 0; i < n; i++)
		{
			sides[i] = (uint8) AnnoySide(layout, split, points[i], prng);
			ones += sides[i];
		}
		if (Max(ones, n - ones) <= ANNOY_MAX_IMBALANCE * n)
		{
			pfree(split);
			return;
		}
	}

	/* no good hyperplane (equal points, say): random sides */
	for (int i = 0; i < n; i++)
		sides[i] = (uint8) (i % 2);
	for (int i = n - 1; i > 0; i--)
	{
		int			j = (int) pg_prng_uint64_range(prng, 0, i);
		uint8		t = sides[i];

		sides[i] = sides[j];
		sides[j] = t;
	}
	pfree(split);
}

/*
 * Fill a split slot's hyperplane from a plan; children are the caller's.
 */
void
AnnoyWriteSplit(const AnnoyLayout *layout, AnnoySplit split,
				const AnnoySplitPlan *plan)
{
	split->offset = plan->offset;
	split->bit = plan->bit;
	if (layout->kind != ANNOY_SPLIT_HAMMING)
		memcpy(split->normal, plan->normal,
			   sizeof(float) * layout->dimensions);
}

/*
 * The distance from a query (raw element array) to a stored value: what
 * the ordering operator returns for (value, query).
 */
double
AnnoyDistance(const AnnoyLayout *layout, const void *query, const char *value)
{
	int			dim = layout->dimensions;
	float		dot;
	float		norma;
	float		normb;

	switch (layout->metric)
	{
		case ANNOY_VECTOR_L2:
			return sqrt((double) DistanceL2Squared((const float *) value,
												   query, dim));
		case ANNOY_VECTOR_IP:
			return -(double) DistanceInnerProduct((const float *) value,
												  query, dim);
		case ANNOY_VECTOR_COSINE:
			DistanceCosineParts((const float *) value, query, dim,
								&dot, &norma, &normb);
			return CosineDistanceFromParts(dot, norma, normb);
		case ANNOY_HALFVEC_L2:
			return sqrt((double) DistanceHalfL2Squared((const uint16 *) value,
													   query, dim));
		case ANNOY_HALFVEC_IP:
			return -(double) DistanceHalfInnerProduct((const uint16 *) value,
													  query, dim);
		case ANNOY_HALFVEC_COSINE:
			DistanceHalfCosineParts((const uint16 *) value, query, dim,
									&dot, &norma, &normb);
			return CosineDistanceFromParts(dot, norma, normb);
		case ANNOY_BIT_HAMMING:
			return (double) DistanceBitHamming((const uint8 *) value, query,
											   layout->elemSize);
		default:
			elog(ERROR, "unexpected annoy metric %d", (int) layout->metric);
	}
	return 0;					/* keep compiler quiet */
}

/*
 * Extend the index by an empty page of the given kind, WAL-logged as a
 * full image; returns its block, unlocked.  The caller holds no buffer
 * lock of the index.
 */
BlockNumber
AnnoyNewPage(Relation index, const AnnoyLayout *layout, int kind)
{
	Buffer		buf = ExtendIndex(index, MAIN_FORKNUM);
	GenericXLogState *state;
	BlockNumber blkno;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	AnnoyInitPage(GenericXLogRegisterBuffer(state, buf,
											GENERIC_XLOG_FULL_IMAGE),
				  layout, kind);
	GenericXLogFinish(state);
	blkno = BufferGetBlockNumber(buf);
	UnlockReleaseBuffer(buf);
	return blkno;
}

/*
 * Record blkno as the insert page of a page kind.  The caller holds no
 * buffer lock of the index.
 */
void
AnnoySetInsertPage(Relation index, int kind, BlockNumber blkno)
{
	Buffer		buf = ReadBuffer(index, ANNOY_METAPAGE_BLKNO);
	GenericXLogState *state;
	AnnoyMetaPage meta;
	BlockNumber *field;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	state = GenericXLogStart(index);
	meta = AnnoyPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
	field = kind == ANNOY_PAGE_VECTOR ? &meta->vectorInsertPage :
		kind == ANNOY_PAGE_SPLIT ? &meta->splitInsertPage :
		&meta->leafInsertPage;
	if (*field != blkno)
	{
		*field = blkno;
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}
