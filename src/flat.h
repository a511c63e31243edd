/*-------------------------------------------------------------------------
 *
 * flat.h
 *	  The flat index access method: page layout, lock order, shared API.
 *
 * A flat index (Milvus's FLAT) is exact: it keeps every non-NULL value of
 * the column, densely packed in index pages, and a scan computes the
 * distance from the query to all of them with the kernels of distance.h,
 * keeping the nearest in a bounded heap.  Nothing is approximated, so the
 * rows come back exactly as a sequential scan with ORDER BY would return
 * them; the gain is that the scan runs a kernel loop over contiguous
 * arrays instead of the executor's per-row work.
 *
 * Pages
 * -----
 * Block 0 is the metapage (FlatMetaPageData): magic, on-disk version,
 * dimensions, the metric (which type and distance function the operator
 * class computes), the size of one stored value, how many fit on a page,
 * and the page inserts go to first.  Every other block is a data page,
 * without line pointers:
 *
 *		page header | capacity values, elemSize bytes each |
 *		capacity heap TIDs (6 bytes each) | special space (FlatPageOpaque)
 *
 * The opaque area holds the number of slots in use (nitems); slots
 * 0..nitems-1 are live, in no particular order.  The value of slot i is the
 * raw element array of the datum (float4s for vector, binary16 bit patterns
 * for halfvec, the bytes of a bit string), so the kernels run over them in
 * place.  pd_lower points past the TID array, so the whole layout counts as
 * used space for full-page images and generic WAL.  128-dimensional vectors
 * fit 15 to a page (7,770 of 8,160 usable bytes).
 *
 * Build, insert, VACUUM
 * ---------------------
 * The build fills pages in memory from the heap scan and writes them in
 * order, then WAL-logs them all at once with log_newpage_range().  An
 * insert appends to the metapage's insert page, else to a page the free
 * space map offers, else to a new page (generic WAL for each).  VACUUM
 * removes dead slots by moving the page's last slot into the hole, and
 * records pages with room in the free space map.
 *
 * Scans
 * -----
 * The access method does not see LIMIT, so a scan works in passes
 * (flatscan.c): each pass reads every data page and keeps the k nearest
 * entries beyond the last one returned, ordered by (distance, heap TID),
 * then hands them out in order; when they run out and the pass was full, a
 * new pass with k four times larger starts after the last one returned.
 * k starts at flat.batch_size and is capped by work_mem.
 *
 * The bit operator classes also have boolean search operators (@>, <@,
 * and the Tanimoto threshold %; flatfilter.c).  A scan with such keys
 * and no ORDER BY reads every data page once and returns the matching
 * entries, as a bitmap (amgetbitmap) or one by one in page order; with
 * ORDER BY, the passes keep only matching entries.
 *
 * Lock order and what locks protect
 * ---------------------------------
 * A backend holds at most one buffer content lock of the index at a time.
 * The metapage lock protects the insert page; readers take it shared and
 * copy the metapage out.  A data page's lock protects its slots and nitems:
 * scans compute the distances of one page's values under its share lock;
 * inserts and VACUUM change a page under its exclusive lock.  An inserter
 * that extends the index takes the relation extension lock, locks the new
 * page, releases the extension lock, fills and releases the page, then
 * locks the metapage to record it as the insert page.
 *
 * IDENTIFICATION
 *	  src/flat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_FLAT_H
#define MILVUS_FLAT_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/reloptions.h"
#include "access/relscan.h"
#include "catalog/pg_amop.h"
#include "nodes/execnodes.h"
#include "nodes/tidbitmap.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

/* On-disk identity */
#define FLAT_MAGIC_NUMBER		0x4D56464C	/* "MVFL" */
#define FLAT_VERSION			1
#define FLAT_PAGE_ID			0xFF93
#define FLAT_METAPAGE_BLKNO		0
#define FLAT_HEAD_BLKNO			1

/* Largest indexable values: one must fit on a page */
#define FLAT_MAX_DIM			2000	/* vector */
#define FLAT_MAX_HALFVEC_DIM	4000	/* halfvec */
#define FLAT_MAX_BIT_DIM		64000	/* bit */

/* Support function: the ordering operator's own distance function */
#define FLAT_DISTANCE_PROC		1

/* Search strategies of the bit operator classes (flatfilter.c) */
#define FLAT_CONTAINS_STRATEGY	2	/* indexed @> query */
#define FLAT_CONTAINED_STRATEGY	3	/* indexed <@ query */
#define FLAT_TANIMOTO_STRATEGY	4	/* indexed % query */

/* Build phase in pg_stat_progress_create_index (1 is "initializing") */
#define FLAT_PHASE_LOAD			2

/* flat.batch_size */
#define FLAT_DEFAULT_BATCH_SIZE	100
#define FLAT_MAX_BATCH_SIZE		1000000

/* What the operator class computes: the type and the distance */
typedef enum FlatMetric
{
	FLAT_METRIC_INVALID = 0,
	FLAT_VECTOR_L2,
	FLAT_VECTOR_IP,
	FLAT_VECTOR_COSINE,
	FLAT_VECTOR_L1,
	FLAT_HALFVEC_L2,
	FLAT_HALFVEC_IP,
	FLAT_HALFVEC_COSINE,
	FLAT_HALFVEC_L1,
	FLAT_BIT_HAMMING,
	FLAT_BIT_JACCARD
} FlatMetric;

/* GUCs (flat.c) */
extern int	flat_batch_size;

/* Metapage */
typedef struct FlatMetaPageData
{
	uint32		magicNumber;
	uint32		version;
	uint32		dimensions;
	uint16		metric;			/* FlatMetric */
	uint16		capacity;		/* slots per data page */
	uint32		elemSize;		/* bytes of one stored value */
	BlockNumber insertPage;		/* where inserts go first; invalid if none */
} FlatMetaPageData;

typedef FlatMetaPageData *FlatMetaPage;

/* Special space of every page */
typedef struct FlatPageOpaqueData
{
	uint16		nitems;			/* slots in use (0 on the metapage) */
	uint16		capacity;		/* slots of this page (0 on the metapage) */
	uint16		unused;
	uint16		page_id;		/* FLAT_PAGE_ID, for tools */
} FlatPageOpaqueData;

typedef FlatPageOpaqueData *FlatPageOpaque;

#define FlatPageGetOpaque(page)	((FlatPageOpaque) PageGetSpecialPointer(page))
#define FlatPageGetMeta(page)	((FlatMetaPage) PageGetContents(page))

/*
 * The shape of a data page, derived from elemSize alone: the values start
 * at the page contents, the TIDs at tidsOffset from there.
 */
typedef struct FlatLayout
{
	int			elemSize;
	int			capacity;
	int			tidsOffset;
} FlatLayout;

#define FlatPageValue(page, layout, i) \
	((char *) PageGetContents(page) + (Size) (i) * (layout)->elemSize)
#define FlatPageTids(page, layout) \
	((ItemPointer) ((char *) PageGetContents(page) + (layout)->tidsOffset))

/*
 * A query prepared for a scan: the metric and its raw element array
 * (pointing into a detoasted datum the scan keeps).
 */
typedef struct FlatQuery
{
	FlatMetric	metric;
	int			dimensions;
	const void *data;
} FlatQuery;

/*
 * A scan's search keys, prepared (flatfilter.c): each key's strategy and
 * query bits (in a detoasted datum the scan keeps); empty when a key is
 * NULL, so nothing matches.
 */
typedef struct FlatFilterKey
{
	StrategyNumber strategy;
	const uint8 *data;
} FlatFilterKey;

typedef struct FlatFilter
{
	int			nkeys;
	bool		empty;
	int			nbytes;			/* bytes of one value */
	double		threshold;		/* milvus.tanimoto_threshold at scan start */
	FlatFilterKey *keys;
} FlatFilter;

/* flat.c */
extern void FlatInit(void);

/* flatfilter.c */
extern FlatFilter *FlatPrepareFilter(IndexScanDesc scan,
									 const FlatMetaPageData *meta);
extern void FlatFilterValues(const FlatFilter *filter, const char *values,
							 int elemSize, int n, bool *match);
extern bool FlatSearchOperatorAllowed(Form_pg_amop oprform);

/* flatutils.c */
extern FlatMetric FlatGetMetric(Relation index);
extern int	FlatMaxDimensions(FlatMetric metric);
extern int	FlatElemSize(FlatMetric metric, int dimensions);
extern void FlatComputeLayout(FlatLayout *layout, int elemSize);
extern const void *FlatValueData(FlatMetric metric, Datum value, int dimensions);
extern void FlatInitPage(Page page, const FlatLayout *layout);
extern void FlatInitMetaPage(Page page, FlatMetric metric, int dimensions,
							 const FlatLayout *layout);
extern void FlatGetMeta(Relation index, FlatMetaPageData *meta);
extern void FlatCheckMeta(Relation index, FlatMetaPage meta);
extern void FlatPageAddItem(Page page, const FlatLayout *layout,
							const void *data, ItemPointer heaptid);
extern void FlatComputeDistances(const FlatQuery *query, const char *values,
								 int elemSize, int n, double *distances);

/* AM callbacks */
extern IndexBuildResult *flatbuild(Relation heap, Relation index,
								   struct IndexInfo *indexInfo);
extern void flatbuildempty(Relation index);
extern bool flatinsert(Relation index, Datum *values, bool *isnull,
					   ItemPointer heap_tid, Relation heap,
					   IndexUniqueCheck checkUnique, bool indexUnchanged,
					   struct IndexInfo *indexInfo);
extern IndexBulkDeleteResult *flatbulkdelete(IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *flatvacuumcleanup(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);
extern IndexScanDesc flatbeginscan(Relation index, int nkeys, int norderbys);
extern void flatrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					   ScanKey orderbys, int norderbys);
extern bool flatgettuple(IndexScanDesc scan, ScanDirection dir);
extern int64 flatgetbitmap(IndexScanDesc scan, TIDBitmap *tbm);
extern void flatendscan(IndexScanDesc scan);

#endif							/* MILVUS_FLAT_H */
