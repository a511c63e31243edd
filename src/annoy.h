/*-------------------------------------------------------------------------
 *
 * annoy.h
 *	  The annoy access method: page layout, lock order, shared API.
 *
 * An annoy index (Milvus's ANNOY, after Spotify's Annoy library) is a
 * forest of n_trees random-projection trees over the indexed values.  Each
 * inner node splits its points by a hyperplane found as Annoy finds it:
 * two points are sampled and refined by two-means iterations, and the
 * hyperplane lies between the two means (for bit strings, a sampled bit).
 * A leaf holds at most leafCapacity ids (Annoy's K: about the dimension
 * count, at most half a page).  A search walks all trees at once, from a
 * priority queue ordered by the margin of the query to each hyperplane,
 * and collects the ids of the leaves it reaches until it has search_k of
 * them; their exact distances then rank them.
 *
 * Pages
 * -----
 * Block 0 is the metapage (AnnoyMetaPageData): magic, on-disk version,
 * dimensions, metric, n_trees, the slot sizes, the pages where inserts
 * find free slots, and the root of every tree.  Every other block holds
 * fixed-size slots of one kind, like a flat index's data pages (no line
 * pointers; the special space says the kind, the slots in use and the
 * capacity):
 *
 *	- vector pages: the vector store.  Each indexed value is stored once,
 *	  as its raw element array, with its heap TID; a slot whose heap TID
 *	  is invalid is free (VACUUM frees slots, inserts reuse them).
 *	- split pages: inner nodes (AnnoySplitData): the hyperplane's unit
 *	  normal and offset (or the sampled bit) and the two children.
 *	- leaf pages: leaves (AnnoyLeafData): up to leafCapacity positions in
 *	  the vector store, and a redirect that is set when an insert split
 *	  the leaf: it then names the inner node that replaced it.
 *
 * A node is named by an ItemPointer: its block and its slot number plus 1;
 * the page's kind says whether it is an inner node or a leaf.  Leaves hold
 * vector store positions rather than values, so each value is stored once
 * (the index is about the table's size plus 6 bytes per value per tree,
 * plus the hyperplanes), and the scan reads each candidate's value once
 * however many trees found it, in block order.
 *
 * Build, insert, VACUUM
 * ---------------------
 * The build collects the values in memory, writes the vector store, then
 * builds the trees one at a time and writes each tree's pages, and
 * WAL-logs every page at once with log_newpage_range().  When the values
 * outgrow maintenance_work_mem it says so in a NOTICE, writes an empty
 * forest and inserts the rows one by one instead (annoybuild.c).  An
 * insert stores the value, then descends every tree by the hyperplanes and
 * appends the position to the leaf it reaches; a full leaf is split by a
 * new hyperplane computed from its values (annoyinsert.c).  VACUUM
 * finds the dead values in the vector store, removes their positions from
 * the leaves, then frees their slots (annoyvacuum.c).
 *
 * Lock order and what locks protect
 * ---------------------------------
 * A page's content lock protects its slots.  Pages never change kind, and
 * slots of split pages never change once written, so a descent holds one
 * page lock at a time, share on split pages; appending to a leaf, freeing
 * or filling a vector slot take the one page's lock exclusively.
 *
 * Splitting a leaf needs three pages at once (the leaf's page, the split
 * page that takes the new inner node and the leaf page that takes the two
 * new leaves): they are locked exclusively in ascending block order, and
 * nothing else ever holds two index page locks, so no deadlock can arise.
 * The metapage lock is taken only while no other page of the index is
 * locked, and protects the roots and the insert pages.
 *
 * Between VACUUM's removal of dead positions from the leaves and the
 * freeing of their slots, a split in flight could copy a dead position
 * into a new leaf that VACUUM had already passed.  So a split holds the
 * heavyweight page lock of the metapage in share mode (LockPage), and
 * VACUUM's leaf pass holds it exclusively: splits wait for the leaf pass,
 * appends do not (they only add positions that are live).
 *
 * IDENTIFICATION
 *	  src/annoy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_ANNOY_H
#define MILVUS_ANNOY_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/reloptions.h"
#include "common/pg_prng.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

/* On-disk identity */
#define ANNOY_MAGIC_NUMBER		0x4D56414E	/* "MVAN" */
#define ANNOY_VERSION			1
#define ANNOY_PAGE_ID			0xFF94
#define ANNOY_METAPAGE_BLKNO	0
#define ANNOY_HEAD_BLKNO		1

/* Page kinds (AnnoyPageOpaqueData.kind) */
#define ANNOY_PAGE_META			1
#define ANNOY_PAGE_VECTOR		2
#define ANNOY_PAGE_SPLIT		3
#define ANNOY_PAGE_LEAF			4

/* Largest indexable values: a hyperplane (floats) must fit on a page */
#define ANNOY_MAX_DIM			2000	/* vector and halfvec */
#define ANNOY_MAX_BIT_DIM		64000	/* bit */

/* Support function: the ordering operator's own distance function */
#define ANNOY_DISTANCE_PROC		1

/* Build phases in pg_stat_progress_create_index (1 is "initializing") */
#define ANNOY_PHASE_LOAD		2
#define ANNOY_PHASE_TREES		3
#define ANNOY_PHASE_INSERT		4

/* n_trees (Milvus's range and default) */
#define ANNOY_DEFAULT_N_TREES	8
#define ANNOY_MIN_N_TREES		1
#define ANNOY_MAX_N_TREES		1024

/* annoy.search_k: -1 is n_trees x ANNOY_DEFAULT_K */
#define ANNOY_DEFAULT_SEARCH_K	(-1)
#define ANNOY_DEFAULT_K			100
#define ANNOY_MAX_SEARCH_K		100000000

/*
 * Leaves hold at least this many ids (Annoy's K is about the dimensions),
 * and at most what lets two leaves share a page (678 ids)
 */
#define ANNOY_MIN_LEAF			32

/* Two-means refinement steps and split retries, as Annoy */
#define ANNOY_TWO_MEANS_STEPS	200
#define ANNOY_SPLIT_TRIES		3
#define ANNOY_MAX_IMBALANCE		0.95

/* What the operator class computes: the type and the distance */
typedef enum AnnoyMetric
{
	ANNOY_METRIC_INVALID = 0,
	ANNOY_VECTOR_L2,
	ANNOY_VECTOR_IP,
	ANNOY_VECTOR_COSINE,
	ANNOY_HALFVEC_L2,
	ANNOY_HALFVEC_IP,
	ANNOY_HALFVEC_COSINE,
	ANNOY_BIT_HAMMING
} AnnoyMetric;

/* How a metric's trees split: Annoy's Euclidean, Angular and Hamming */
typedef enum AnnoySplitKind
{
	ANNOY_SPLIT_EUCLIDEAN,
	ANNOY_SPLIT_ANGULAR,
	ANNOY_SPLIT_HAMMING
} AnnoySplitKind;

/* GUCs (annoy.c) */
extern int	annoy_search_k;

/* Options */
typedef struct AnnoyOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			nTrees;
} AnnoyOptions;

/* Metapage */
typedef struct AnnoyMetaPageData
{
	uint32		magicNumber;
	uint32		version;
	uint32		dimensions;
	uint16		metric;			/* AnnoyMetric */
	uint16		nTrees;
	uint32		elemSize;		/* bytes of one stored value */
	uint16		leafCapacity;	/* ids per leaf (Annoy's K) */
	uint16		unused;
	BlockNumber vectorInsertPage;	/* pages with free slots, or invalid */
	BlockNumber splitInsertPage;
	BlockNumber leafInsertPage;
	ItemPointerData roots[FLEXIBLE_ARRAY_MEMBER];	/* one per tree */
} AnnoyMetaPageData;

typedef AnnoyMetaPageData *AnnoyMetaPage;

#define ANNOY_META_SIZE(nTrees) \
	(offsetof(AnnoyMetaPageData, roots) + sizeof(ItemPointerData) * (nTrees))

/* Special space of every page */
typedef struct AnnoyPageOpaqueData
{
	uint16		nitems;			/* slots in use (vector pages: high-water) */
	uint16		capacity;		/* slots of this page */
	uint16		kind;			/* ANNOY_PAGE_* */
	uint16		page_id;		/* ANNOY_PAGE_ID, for tools */
} AnnoyPageOpaqueData;

typedef AnnoyPageOpaqueData *AnnoyPageOpaque;

#define AnnoyPageGetOpaque(page)	((AnnoyPageOpaque) PageGetSpecialPointer(page))
#define AnnoyPageGetMeta(page)	((AnnoyMetaPage) PageGetContents(page))

/* An inner node: children[1] is the side where the margin is positive */
typedef struct AnnoySplitData
{
	float4		offset;			/* Euclidean: the hyperplane's offset */
	uint32		bit;			/* Hamming: the sampled bit */
	ItemPointerData children[2];
	float4		normal[FLEXIBLE_ARRAY_MEMBER];	/* unit normal (not Hamming) */
} AnnoySplitData;

typedef AnnoySplitData *AnnoySplit;

/* A leaf: vector store positions, or a redirect to the node replacing it */
typedef struct AnnoyLeafData
{
	uint16		nids;
	uint16		unused;
	ItemPointerData redirect;	/* invalid unless split */
	ItemPointerData ids[FLEXIBLE_ARRAY_MEMBER];
} AnnoyLeafData;

typedef AnnoyLeafData *AnnoyLeaf;

/*
 * The shape of the index, derived from the metric and dimensions: slot
 * sizes and capacities of the three page kinds.
 */
typedef struct AnnoyLayout
{
	AnnoyMetric metric;
	AnnoySplitKind kind;
	int			dimensions;
	int			elemSize;		/* a stored value */
	int			vectorCapacity; /* values per vector page */
	int			tidsOffset;		/* of the heap TIDs on a vector page */
	int			splitSize;		/* an AnnoySplitData */
	int			splitCapacity;
	int			leafCapacity;	/* ids per leaf */
	int			leafSize;		/* an AnnoyLeafData */
	int			leavesPerPage;
} AnnoyLayout;

#define AnnoySlot(page, size, i) \
	((char *) PageGetContents(page) + (Size) (i) * (size))
#define AnnoyVectorValue(page, layout, i) \
	AnnoySlot(page, (layout)->elemSize, i)
#define AnnoyVectorTids(page, layout) \
	((ItemPointer) ((char *) PageGetContents(page) + (layout)->tidsOffset))
#define AnnoyPageSplit(page, layout, i) \
	((AnnoySplit) AnnoySlot(page, (layout)->splitSize, i))
#define AnnoyPageLeaf(page, layout, i) \
	((AnnoyLeaf) AnnoySlot(page, (layout)->leafSize, i))

/* Node names: block and slot + 1 */
#define AnnoyRefSlot(ref)	(ItemPointerGetOffsetNumberNoCheck(ref) - 1)

/*
 * A value as the trees see it: floats (unit length for the angular kind)
 * or the bytes of a bit string.
 */
typedef struct AnnoyPoint
{
	const float *f;
	const uint8 *b;
} AnnoyPoint;

/* A hyperplane being computed (normal has dimensions floats) */
typedef struct AnnoySplitPlan
{
	float	   *normal;
	float		offset;
	uint32		bit;
} AnnoySplitPlan;

/* annoy.c */
extern void AnnoyInit(void);
extern int	AnnoyGetNTrees(Relation index);

/* annoyutils.c */
extern AnnoyMetric AnnoyGetMetric(Relation index);
extern int	AnnoyGetDimensions(Relation index, AnnoyMetric metric);
extern void AnnoyComputeLayout(AnnoyLayout *layout, AnnoyMetric metric,
							   int dimensions);
extern const void *AnnoyValueData(AnnoyMetric metric, Datum value,
								  int dimensions);
extern void AnnoyTreeValue(const AnnoyLayout *layout, const void *data,
						   float *out);
extern void AnnoyInitPage(Page page, const AnnoyLayout *layout, int kind);
extern void AnnoyInitMetaPage(Page page, const AnnoyLayout *layout,
							  int nTrees);
extern AnnoyMetaPage AnnoyGetMeta(Relation index);
extern void AnnoyCheckMeta(Relation index, AnnoyMetaPage meta);
extern void AnnoyInitLeaf(AnnoyLeaf leaf);
extern double AnnoyMargin(const AnnoyLayout *layout, AnnoySplit split,
						  AnnoyPoint p);
extern int	AnnoySide(const AnnoyLayout *layout, AnnoySplit split,
					  AnnoyPoint p, pg_prng_state *prng);
extern void AnnoyPlanSplit(const AnnoyLayout *layout, const AnnoyPoint *points,
						   int n, pg_prng_state *prng, AnnoySplitPlan *plan,
						   uint8 *sides);
extern void AnnoyWriteSplit(const AnnoyLayout *layout, AnnoySplit split,
							const AnnoySplitPlan *plan);
extern double AnnoyDistance(const AnnoyLayout *layout, const void *query,
							const char *value);
extern BlockNumber AnnoyNewPage(Relation index, const AnnoyLayout *layout,
								int kind);
extern void AnnoySetInsertPage(Relation index, int kind, BlockNumber blkno);

/* annoyinsert.c */
extern void AnnoyInsertValue(Relation index, const void *data,
							 ItemPointer heaptid);

/* AM callbacks */
extern IndexBuildResult *annoybuild(Relation heap, Relation index,
									struct IndexInfo *indexInfo);
extern void annoybuildempty(Relation index);
extern bool annoyinsert(Relation index, Datum *values, bool *isnull,
						ItemPointer heap_tid, Relation heap,
						IndexUniqueCheck checkUnique, bool indexUnchanged,
						struct IndexInfo *indexInfo);
extern IndexBulkDeleteResult *annoybulkdelete(IndexVacuumInfo *info,
											  IndexBulkDeleteResult *stats,
											  IndexBulkDeleteCallback callback,
											  void *callback_state);
extern IndexBulkDeleteResult *annoyvacuumcleanup(IndexVacuumInfo *info,
												 IndexBulkDeleteResult *stats);
extern IndexScanDesc annoybeginscan(Relation index, int nkeys, int norderbys);
extern void annoyrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
						ScanKey orderbys, int norderbys);
extern bool annoygettuple(IndexScanDesc scan, ScanDirection dir);
extern void annoyendscan(IndexScanDesc scan);

#endif							/* MILVUS_ANNOY_H */
