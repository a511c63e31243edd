/*-------------------------------------------------------------------------
 *
 * ivf.h
 *	  The ivfflat and ivf access methods: page layout, lock order, shared
 *	  API.
 *
 * Both access methods are one implementation.  An index partitions the
 * vectors into "lists" around k-means centroids; a search probes the lists
 * whose centroids are nearest to the query.  ivfflat stores every value
 * exactly (pgvector's ivfflat); ivf stores either exact values (quantizer
 * flat) or codes: sq8 (one byte per dimension over the per-dimension range
 * of the training sample) or pq (product quantization of the residual to
 * the list's centroid, one byte per sub-quantizer), re-ranked with exact
 * distances read from the heap (ivf.rerank).
 *
 * Vectors as floats
 * -----------------
 * Training, assignment to lists and the codes work on float vectors: a
 * vector as it is, a halfvec widened, a bit string as 0/1 per bit.  For
 * cosine the floats are normalised; IP trains spherical k-means with inner
 * product assignment, as Faiss does for METRIC_INNER_PRODUCT.  Exact
 * distances always come from the operator class's distance function.
 *
 * Pages
 * -----
 * Block 0 is the metapage (IvfMetaPageData): magic, version, dimensions,
 * the number of lists and the quantizer actually built (see "little data"
 * below), where the parameters and the centroid tuples are.  Then:
 *
 *	- parameter pages: floats in order, one item of up to
 *	  IVF_PARAM_FLOATS_PER_PAGE per page: first the quantizer's (sq8: the
 *	  minimum of each dimension, then its range; pq: the codebooks,
 *	  sub-quantizer by sub-quantizer), then the centroids' vectors, list
 *	  by list (so a centroid may span pages: halfvec up to 4,000 and bit
 *	  up to 64,000 dimensions);
 *	- centroid pages: one IvfCentroidTupleData per list, in list order,
 *	  with the first block of the list's page chain and its insert page;
 *	- list pages: IvfListTupleData items (heap TID and either the value's
 *	  varlena or its code), chained through the opaque's nextblkno.  An
 *	  exact value must fit in one item: that sets the dimension limits.
 *
 * A list without rows has no pages (head and insert page invalid).  For
 * cosine, zero vectors are not indexed (their distance is undefined), as
 * pgvector does; NULLs never are.
 *
 * Little data: a build over fewer rows than lists still has the lists
 * asked for; k-means finds as many centroids as there are sampled rows,
 * the others are random (as pgvector's), and a NOTICE says recall will be
 * low.  A build of a quantized index over too few rows to train its
 * quantizer stores exact values instead (the metapage's quantizer is then
 * flat), with a NOTICE.  Nothing else ever changes the metapage after the
 * build.
 *
 * Lock order and what locks protect
 * ---------------------------------
 * The metapage, parameter pages and the centroids' vectors never change
 * after the build; readers take a share lock only to copy them (cached per
 * backend, see IvfGetInfo).  A centroid tuple's head and insert page
 * change when an insert adds a page to the list, and VACUUM moves the
 * insert page back to the first page with room.  Pages are never freed or
 * unlinked, and a list's pages are in chain order by block number (they
 * only come from extending the relation).  Lock order: list pages before
 * centroid pages.
 *
 *	- An inserter reads the insert page under a share lock on the centroid
 *	  page, releases it, then locks that page exclusively.  If it is full
 *	  and has a successor, it moves on (releasing, then locking the next);
 *	  else, still holding the full last page, it extends the relation,
 *	  links the new page and, last, locks the centroid page exclusively to
 *	  record the new insert page (unless VACUUM moved it below the page the
 *	  inserter started from meanwhile), all in one generic WAL record.  A
 *	  list without pages gets its first one under the centroid page's
 *	  exclusive lock alone (the new page is not reachable by anyone else
 *	  yet).
 *	- Scans read the head under a share lock on the centroid page, release
 *	  it, then walk the chain one page at a time under share locks.
 *	- VACUUM walks each chain the same way and deletes dead items under the
 *	  page's exclusive lock; then, under the centroid page's exclusive lock,
 *	  moves the insert page back to the first page that has room for a
 *	  tuple, so that inserts reuse the space freed (any page of the chain
 *	  is a correct insert page: inserts only walk forward).
 *
 * IDENTIFICATION
 *	  src/ivf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_IVF_H
#define MILVUS_IVF_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "access/reloptions.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "ivfquant.h"

/* On-disk identity */
#define IVF_MAGIC_NUMBER		0x4D564956	/* "MVIV" */
#define IVF_VERSION				2
#define IVF_PAGE_ID				0xFF92
#define IVF_METAPAGE_BLKNO		0

/* Page types (in the opaque) */
#define IVF_PAGE_META			1
#define IVF_PAGE_PARAM			2
#define IVF_PAGE_CENTROID		3
#define IVF_PAGE_LIST			4

/* Options and settings */
#define IVF_DEFAULT_LISTS		100
#define IVF_MIN_LISTS			1
#define IVF_MAX_LISTS			32768
#define IVF_DEFAULT_PROBES		1
#define IVF_MAX_PROBES			IVF_MAX_LISTS
#define IVF_DEFAULT_RERANK		100
#define IVF_MAX_RERANK			100000
#define IVF_DEFAULT_PQ_BITS		8
#define IVF_MIN_PQ_BITS			4
#define IVF_MAX_PQ_BITS			8
#define IVF_MAX_PQ_M			1024

/* Largest indexable values: an exact value must fit in a list page */
#define IVF_MAX_DIM				2000
#define IVF_MAX_HALFVEC_DIM		4000
#define IVF_MAX_BIT_DIM			64000

/* k-means: sample rows per list, iterations, seed */
#define IVF_SAMPLE_PER_LIST		64
#define IVF_MIN_SAMPLE			10000
#define IVF_KMEANS_ITERATIONS	10
#define IVF_KMEANS_SEED			1234
/* rows a pq sub-quantizer trains on, at most */
#define IVF_PQ_SAMPLE			65536

#define IVF_PARAM_FLOATS_PER_PAGE	1536

/* Support function: the exact distance (smaller is closer) */
#define IVF_DISTANCE_PROC		1

/* Build phases in pg_stat_progress_create_index (1 is "initializing") */
#define IVF_PHASE_SAMPLE		2
#define IVF_PHASE_TRAIN			3
#define IVF_PHASE_LOAD			4

typedef enum IvfQuantizer
{
	IVF_QUANTIZER_FLAT = 0,
	IVF_QUANTIZER_SQ8,
	IVF_QUANTIZER_PQ
} IvfQuantizer;

typedef enum IvfMetric
{
	IVF_METRIC_L2 = 0,
	IVF_METRIC_IP,
	IVF_METRIC_COSINE,
	IVF_METRIC_HAMMING,
	IVF_METRIC_JACCARD
} IvfMetric;

typedef enum IvfType
{
	IVF_TYPE_VECTOR = 0,
	IVF_TYPE_HALFVEC,
	IVF_TYPE_BIT
} IvfType;

typedef enum IvfIterativeScan
{
	IVF_ITERATIVE_SCAN_OFF = 0,
	IVF_ITERATIVE_SCAN_RELAXED
} IvfIterativeScan;

/* Reloptions of both access methods (ivfflat has lists only) */
typedef struct IvfOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			lists;
	int			quantizerOffset;	/* offset of the quantizer name */
	int			pqM;			/* 0: dimensions / 4 */
	int			pqBits;
} IvfOptions;

/* Page opaque */
typedef struct IvfPageOpaqueData
{
	BlockNumber nextblkno;
	uint16		pagetype;
	uint16		page_id;
} IvfPageOpaqueData;

typedef IvfPageOpaqueData *IvfPageOpaque;

#define IvfPageGetOpaque(page)	((IvfPageOpaque) PageGetSpecialPointer(page))

/* The metapage */
typedef struct IvfMetaPageData
{
	uint32		magicNumber;
	uint32		version;
	uint64		buildId;		/* tells builds in one relfilenode apart */
	int32		dimensions;
	int32		lists;			/* lists built (may be fewer than asked) */
	int32		quantizer;		/* IvfQuantizer built */
	int32		pqM;
	int32		pqBits;
	int32		codeSize;		/* bytes of a code; 0 for exact values */
	BlockNumber paramStart;
	int32		paramFloats;
	BlockNumber centroidStart;
	int32		centroidsPerPage;
} IvfMetaPageData;

typedef IvfMetaPageData *IvfMetaPage;

#define IvfPageGetMeta(page)	((IvfMetaPage) PageGetContents(page))

/*
 * A list's page chain: its first page and the page inserts start from (the
 * first page that may have room; see "Lock order" above).  The list's
 * centroid vector is on the parameter pages.
 */
typedef struct IvfCentroidTupleData
{
	BlockNumber head;
	BlockNumber insertPage;
} IvfCentroidTupleData;

typedef IvfCentroidTupleData *IvfCentroidTuple;

#define IVF_CENTROID_TUPLE_SIZE	MAXALIGN(sizeof(IvfCentroidTupleData))

/*
 * A list item: the heap TID, then the value's varlena or the code.  An
 * index with filter columns (amfilter.c) stores the row's filter values
 * after them, MAXALIGNed, as an index tuple of the index's descriptor with
 * the vector attribute NULL, and sets IVF_LIST_HAS_KEYS; the items of a
 * one-column index keep the layout of before (flags 0).
 */
typedef struct IvfListTupleData
{
	ItemPointerData heaptid;
	uint16		flags;			/* IVF_LIST_HAS_KEYS, else 0 */
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* 8-byte aligned in a page */
} IvfListTupleData;

typedef IvfListTupleData *IvfListTuple;

#define IVF_LIST_TUPLE_HEADER	offsetof(IvfListTupleData, data)
#define IVF_LIST_HAS_KEYS		0x0001

/*
 * What an open index needs: the operator class's metric, the type, the
 * metapage, the centroids and the quantizer's parameters.  Read once per
 * backend and build (see IvfGetInfo), never changed: callers may keep the
 * pointer for the rest of the statement.
 */
typedef struct IvfInfo
{
	IvfType		type;
	IvfMetric	metric;
	int			dimensions;
	int			lists;
	IvfQuantizer quantizer;
	int			pqM;
	int			pqBits;
	int			codeSize;
	BlockNumber centroidStart;
	int			centroidsPerPage;
	float	   *centroids;		/* lists * dimensions */
	float	   *params;			/* sq8: min, range; pq: codebooks */
	float	   *pqCodebooksT;	/* pq: the codebooks transposed for
								 * IvfPqTable, else NULL */
} IvfInfo;

/* Settings */
extern int	ivfflat_probes;
extern int	ivfflat_iterative_scan;
extern int	ivfflat_max_probes;
extern int	ivf_probes;
extern int	ivf_rerank;
extern int	ivf_iterative_scan;
extern int	ivf_max_probes;
extern int	ivf_build_threads;

/* ivf.c */
extern void IvfInit(void);
extern bool IvfIsIvfflat(Relation index);
extern int	IvfGetLists(Relation index);
extern IvfQuantizer IvfGetQuantizer(Relation index);
extern int	IvfGetPqM(Relation index, int dimensions);
extern int	IvfGetPqBits(Relation index);
extern const char *IvfQuantizerName(IvfQuantizer q);

/* ivfutils.c */
extern IvfType IvfGetType(Relation index);
extern IvfMetric IvfGetMetric(Relation index);
extern int	IvfGetDimensions(Relation index);
extern bool IvfValueToFloats(IvfType type, IvfMetric metric, Datum value,
							 int dim, float *out);
extern int	IvfMaxDimensions(IvfType type);
extern bool IvfTrainsOnInnerProduct(IvfMetric metric);
extern int	IvfNearestList(const IvfInfo *info, const float *x);
extern float IvfCentroidDistance(const IvfInfo *info, const float *x,
								 int list);
extern void IvfInitPage(Page page, uint16 pagetype);
extern uint64 IvfNewBuildId(void);
extern IvfInfo *IvfGetInfo(Relation index);
extern void IvfCentroidLocation(const IvfInfo *info, int list,
								BlockNumber *blkno, OffsetNumber *offno);
extern Size IvfListTupleSize(const IvfInfo *info, Datum value,
							 IndexTuple keys);
extern void IvfFormListTuple(const IvfInfo *info, IvfListTuple tup,
							 Datum value, IndexTuple keys, const float *x,
							 int list, ItemPointer heaptid);
extern IndexTuple IvfListTupleKeys(const IvfInfo *info, IvfListTuple tup);
extern void IvfCheckListTupleSize(Relation index, Size size);

/* ivfkmeans.c */
extern void IvfTrainKmeans(const float *x, int64 n, int dim, int k,
						   bool innerProduct, bool spherical, uint64 seed,
						   float *centroids);
extern void IvfAssignLists(const float *centroids, int k, int dim,
						   bool innerProduct, const float *x, int64 n,
						   int64 *labels);

/* the callbacks */
extern IndexBuildResult *ivfbuild(Relation heap, Relation index,
								  IndexInfo *indexInfo);
extern void ivfbuildempty(Relation index);
extern bool ivfinsert(Relation index, Datum *values, bool *isnull,
					  ItemPointer heap_tid, Relation heap,
					  IndexUniqueCheck checkUnique, bool indexUnchanged,
					  IndexInfo *indexInfo);
extern IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info,
											IndexBulkDeleteResult *stats,
											IndexBulkDeleteCallback callback,
											void *callback_state);
extern IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info,
											   IndexBulkDeleteResult *stats);
extern IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys);
extern void ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					  ScanKey orderbys, int norderbys);
extern bool ivfgettuple(IndexScanDesc scan, ScanDirection dir);
extern void ivfendscan(IndexScanDesc scan);

#endif							/* MILVUS_IVF_H */
