/*-------------------------------------------------------------------------
 *
 * hnsw.h
 *	  The hnsw index access method: page layout, lock order, shared API.
 *
 * An hnsw index is a Hierarchical Navigable Small World graph stored in
 * ordinary PostgreSQL pages, read through shared buffers and WAL-logged
 * with generic WAL, so it survives a crash and replays on a standby.
 *
 * Pages
 * -----
 * Block 0 is the metapage (HnswMetaPageData): magic, on-disk version,
 * dimensions, m, ef_construction, the entry point (the element at the top
 * level), the page new elements go to, and for inner product the largest
 * norm indexed so far (maxNorm, see HnswSupport).  Every other block is
 * a data page holding two kinds of tuples:
 *
 *	- an element tuple (HnswElementTupleData): the indexed value, its level,
 *	  up to HNSW_HEAPTIDS heap TIDs (rows with the identical value share one
 *	  element), a deleted flag, and the TID of its neighbour tuple;
 *	- a neighbour tuple (HnswNeighborTupleData): for each level 0..level of
 *	  its element, a fixed number of slots (2m at level 0, m above), each
 *	  the TID of a neighbouring element and its distance to this element
 *	  as graph construction measures it (HnswSupport: for inner product
 *	  the squared L2 distance of the augmented values, with the maxNorm
 *	  of the time the link was made).
 *	  Unused slots hold an invalid TID.  In an index with neighbour codes
 *	  (below) the 2m level-0 slots are followed by one code each.
 *
 * Neighbour codes (on-disk version 3)
 * -----------------------------------
 * A build of a vector index (L2, inner product or cosine) over at least
 * HNSW_CODE_MIN_ROWS rows, of at least HNSW_CODE_MIN_DIM dimensions, trains
 * a product quantizer (hnswcodes.c): codeM sub-quantizers of 256 entries
 * over dim / codeM dimensions each.  Its codebooks go on codebook pages
 * after the data pages (flag HNSW_PAGE_CODEBOOK, one item of floats each,
 * never changed after the build); the metapage says where.  Each level-0
 * slot of a neighbour tuple then has a codeM-byte code of the value of the
 * element it links to, so that a search scores every neighbour from the
 * list it read and reads only those whose estimated distance could put
 * them in its result set.  A code is a hint: HNSW_CODE_UNKNOWN (all bytes
 * 0xff; no encoding produces it) means "read it", and a writer that moves
 * links carries their codes along by TID (HnswCarryCodes).  Version 2
 * indexes (no codes) are read as version 3 indexes with codeM 0.
 *
 * An element and its neighbour tuple go on the same page when both fit,
 * else the neighbour tuple goes on the next page.  Graph links are element
 * TIDs (block, offset); elements never move while the index exists, but
 * the TID of an element VACUUM freed may be reused by a new one.
 *
 * Storing each link's distance lets an inserter decide whether a new
 * element displaces a neighbour's farthest link while holding the lock on
 * that neighbour's page alone, without reading any other page.
 *
 * Build
 * -----
 * hnswbuild.c scans the heap and collects the values in memory; when they
 * fit in maintenance_work_mem, hnswlib builds the graph with several
 * threads (through hnswlib_shim), and the pages are written in one pass
 * without WAL, then logged with log_newpage_range().  When they do not
 * fit, a NOTICE says how much memory was needed and the build inserts the
 * rows one by one through the on-disk insert path.
 *
 * Lock order and what locks protect
 * ---------------------------------
 * A backend holds at most one buffer content lock of the index at a time.
 * An inserter that adds a page holds the relation extension lock while it
 * locks, one after the other, the new page, the previous last page (to
 * link it) and the metapage (to record the new insert page); nobody waits
 * for the extension lock while holding a content lock, so this cannot
 * deadlock (btree does the same).  Concretely:
 *
 *	- The metapage lock protects the entry point and the insert page.
 *	  Readers take it shared, copy what they need, and release it before
 *	  touching any data page.  An inserter that raises the entry point
 *	  takes it exclusively again at the very end, alone.
 *	- A data page's lock protects the tuples on it.  Scans and inserters
 *	  read an element (its value, level, heap TIDs, deleted flag) or a
 *	  neighbour list under a shared lock and copy it out; distances to the
 *	  query are computed on the copy or within that one lock.
 *	- An inserter adds its element and neighbour tuples to one page under
 *	  an exclusive lock, then updates each chosen neighbour's list under an
 *	  exclusive lock on that neighbour's page alone, one page at a time.
 *	- VACUUM marks elements whose heap TIDs are all dead as deleted under
 *	  the page's exclusive lock, then repairs the lists that pointed at
 *	  them page by page, then marks them free, and inserts reuse their
 *	  slots (hnswvacuum.c).  Scans traverse deleted elements but never
 *	  return them, nor count them toward ef.
 *	- The heavyweight page lock HNSW_UPDATE_LOCK (no buffer behind it) is
 *	  held in share mode by every insert from start to end; VACUUM takes
 *	  it exclusively, holding nothing else, to wait for the inserts in
 *	  progress.  Nobody waits for it while holding a buffer lock.
 *
 * No lock is ever held across a shim call, a memory allocation that can
 * fail with ERROR in a way that leaves a page half-changed, or a long
 * distance loop over other pages.
 *
 * IDENTIFICATION
 *	  src/hnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_HNSW_H
#define MILVUS_HNSW_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "access/skey.h"
#include "access/reloptions.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"

#include "amfilter.h"

/* On-disk identity */
#define HNSW_MAGIC_NUMBER		0x4D564857	/* "MVHW" */
#define HNSW_VERSION			3	/* 3: neighbour codes */
#define HNSW_MIN_VERSION		2	/* 2: maxNorm in the metapage */
#define HNSW_PAGE_ID			0xFF91
#define HNSW_METAPAGE_BLKNO		0
#define HNSW_HEAD_BLKNO			1

/* Heavyweight page lock: inserts hold it shared, VACUUM waits on it */
#define HNSW_UPDATE_LOCK		0

/*
 * Most free space the free space map records for a page with a freed
 * element: below GetFreeIndexPage()'s half page, which means a wholly
 * free page.
 */
#define HNSW_FSM_MAX_SPACE		(BLCKSZ / 2 - 1)

/* Options and settings */
#define HNSW_DEFAULT_M				16
#define HNSW_MIN_M					2
#define HNSW_MAX_M					100
#define HNSW_DEFAULT_EF_CONSTRUCTION	64
#define HNSW_MIN_EF_CONSTRUCTION	4
#define HNSW_MAX_EF_CONSTRUCTION	1000
#define HNSW_DEFAULT_EF_SEARCH		40
#define HNSW_MIN_EF_SEARCH			1
#define HNSW_MAX_EF_SEARCH			1000
#define HNSW_MAX_LEVEL				16
#define HNSW_HEAPTIDS				10

/* Largest indexable values: an element tuple must fit on one page */
#define HNSW_MAX_DIM				2000	/* vector */
#define HNSW_MAX_HALFVEC_DIM		4000	/* halfvec */
#define HNSW_MAX_BIT_DIM			64000	/* bit */
#define HNSW_MAX_NNZ				1000	/* sparsevec non-zero elements */

/* Support functions of the operator classes */
#define HNSW_DISTANCE_PROC		1	/* distance (smaller is closer) */
#define HNSW_NORM_PROC			2	/* optional: norm, for cosine ... */
#define HNSW_NORMALIZE_PROC		3	/* ... with the normalising function */

/* Tuple types */
#define HNSW_ELEMENT_TUPLE_TYPE	1
#define HNSW_NEIGHBOR_TUPLE_TYPE	2

/* Neighbour codes (hnswcodes.c) */
#define HNSW_CODE_KSUB			256 /* entries per sub-quantizer */
#define HNSW_CODE_MIN_ROWS		256 /* fewer distinct values: no codes */
#define HNSW_CODE_MIN_DIM		32	/* fewer dimensions: no codes */
#define HNSW_CODE_AUTO_MAX_DIM	256 /* more: no codes unless asked for */
#define HNSW_CODE_AUTO_M		20	/* most code bytes the build chooses */
#define HNSW_CODE_MAX_M			64	/* most code bytes (option codes) */
#define HNSW_CODE_TRAIN_ROWS	4096	/* rows the quantizer trains on */
#define HNSW_CODE_UNKNOWN		0xff	/* every byte: no code, read it */

/* HnswMetaPageData.codeMetric: the distance a code estimates */
#define HNSW_CODE_NONE			0
#define HNSW_CODE_L2			1	/* squared L2 */
#define HNSW_CODE_IP			2	/* negative inner product */
#define HNSW_CODE_COSINE		3	/* negative inner product of unit
									 * vectors, from their squared L2 */

/* Build phases in pg_stat_progress_create_index (1 is "initializing") */
#define HNSW_PHASE_LOAD			2
#define HNSW_PHASE_GRAPH		3
#define HNSW_PHASE_WRITE		4

/* hnsw.iterative_scan */
typedef enum HnswIterativeScanMode
{
	HNSW_ITERATIVE_SCAN_OFF,
	HNSW_ITERATIVE_SCAN_RELAXED,
	HNSW_ITERATIVE_SCAN_STRICT
} HnswIterativeScanMode;

/* GUCs (hnsw.c) */
extern int	hnsw_ef_search;
extern int	hnsw_iterative_scan;
extern int	hnsw_max_scan_tuples;
extern double hnsw_scan_mem_multiplier;
extern int	hnsw_build_threads;
extern double hnsw_filter_exact_fraction;
extern bool hnsw_codes;
extern double hnsw_code_slack;

/* Reloptions */
typedef struct HnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			m;				/* number of connections per layer */
	int			efConstruction; /* size of the build candidate list */
	int			codes;			/* code bytes, 0 none, -1 the build's
								 * choice (HnswCodeSubspaces) */
} HnswOptions;

/* Metapage */
typedef struct HnswMetaPageData
{
	uint32		magicNumber;
	uint32		version;
	uint32		dimensions;
	uint16		m;
	uint16		efConstruction;
	BlockNumber entryBlkno;		/* InvalidBlockNumber when empty */
	OffsetNumber entryOffno;
	int16		entryLevel;
	BlockNumber insertPage;		/* last data page, where inserts go */
	float8		maxNorm;		/* inner product: largest norm so far (M) */
	/* version 3: neighbour codes (all 0 in a version 2 metapage) */
	uint16		codeM;			/* code bytes; 0: no codes */
	uint8		codeMetric;		/* HNSW_CODE_* */
	uint8		unused;
	BlockNumber codebookBlkno;	/* first codebook page */
	uint32		codebookPages;
	uint64		buildId;		/* tells builds in one relfilenode apart */
	float4		codeBias;		/* L2: mean squared quantization error */
	uint32		unused2;
} HnswMetaPageData;

typedef HnswMetaPageData *HnswMetaPage;

/* the code bytes of a metapage: 0 before version 3 */
#define HnswMetaCodeM(meta)	((meta)->version >= 3 ? (int) (meta)->codeM : 0)

/* Special space of every page */
typedef struct HnswPageOpaqueData
{
	BlockNumber nextblkno;		/* next data page, InvalidBlockNumber at end */
	uint16		flags;			/* HNSW_PAGE_CODEBOOK, else 0 */
	uint16		page_id;		/* HNSW_PAGE_ID, for tools */
} HnswPageOpaqueData;

typedef HnswPageOpaqueData *HnswPageOpaque;

#define HNSW_PAGE_CODEBOOK		0x0001	/* codebook floats, not tuples */

#define HnswPageGetOpaque(page)	((HnswPageOpaque) PageGetSpecialPointer(page))

/*
 * The last offset of a page's tuples, for loops over the data pages: none
 * on a codebook page, whose one item is not a tuple.
 */
#define HnswPageMaxTupleOffset(page) \
	((HnswPageGetOpaque(page)->flags & HNSW_PAGE_CODEBOOK) ? \
	 InvalidOffsetNumber : PageGetMaxOffsetNumber(page))
#define HnswPageGetMeta(page)	((HnswMetaPage) PageGetContents(page))

/* Element tuple: header, then the indexed value (a varlena) */
typedef struct HnswElementTupleData
{
	uint8		type;			/* HNSW_ELEMENT_TUPLE_TYPE */
	uint8		level;
	uint8		deleted;		/* all heap TIDs dead; set by VACUUM */
	uint8		flags;			/* HNSW_ELEMENT_HAS_KEYS, else 0 */
	ItemPointerData heaptids[HNSW_HEAPTIDS];	/* unused slots invalid */
	ItemPointerData neighbortid;	/* this element's neighbour tuple */
	uint16		unused2;
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* the value, 8-byte aligned */
} HnswElementTupleData;

typedef HnswElementTupleData *HnswElementTuple;

/* Values of HnswElementTupleData.deleted other than 0 (hnswvacuum.c) */
#define HNSW_ELEMENT_DELETED	1	/* no heap TIDs; links may point here */
#define HNSW_ELEMENT_FREE		2	/* unlinked; its slots may be reused */

#define HNSW_ELEMENT_TUPLE_SIZE(valuesize) \
	MAXALIGN(offsetof(HnswElementTupleData, data) + (valuesize))
#define HnswElementTupleValue(etup)	PointerGetDatum((etup)->data)

/*
 * Filter columns.  An index with more than one column (the vector, then
 * scalar columns with the filter operator classes) stores the scalar
 * values of each element after its value, MAXALIGNed, as an index tuple
 * of the index's descriptor whose first attribute is NULL (amfilter.c),
 * and sets HNSW_ELEMENT_HAS_KEYS.  Elements of one-column indexes have no
 * keys and the layout of before (flags 0).
 */
#define HNSW_ELEMENT_HAS_KEYS	0x01
#define HnswElementTupleKeys(etup) \
	(((etup)->flags & HNSW_ELEMENT_HAS_KEYS) ? \
	 (IndexTuple) ((char *) (etup) + \
				   HNSW_ELEMENT_TUPLE_SIZE(VARSIZE_ANY((etup)->data))) : \
	 (IndexTuple) NULL)

/* One link of a neighbour list */
typedef struct HnswNeighborData
{
	ItemPointerData tid;		/* neighbour element; invalid when unused */
	uint16		unused;
	float		distance;		/* from the owning element to it */
} HnswNeighborData;

/*
 * Neighbour tuple: (level + 2) * m slots, level 0 first with 2m, then
 * with codes 2m codes of codeM bytes, one per level-0 slot.
 */
typedef struct HnswNeighborTupleData
{
	uint8		type;			/* HNSW_NEIGHBOR_TUPLE_TYPE */
	uint8		unused;
	uint16		count;			/* number of slots */
	HnswNeighborData neighbors[FLEXIBLE_ARRAY_MEMBER];
} HnswNeighborTupleData;

typedef HnswNeighborTupleData *HnswNeighborTuple;

#define HNSW_NEIGHBOR_SLOTS(level, m)	(((level) + 2) * (m))
#define HNSW_NEIGHBOR_TUPLE_SIZE(level, m, codeM) \
	MAXALIGN(offsetof(HnswNeighborTupleData, neighbors) + \
			 sizeof(HnswNeighborData) * HNSW_NEIGHBOR_SLOTS(level, m) + \
			 2 * (m) * (codeM))
/* the code of level-0 slot i */
#define HnswNeighborCode(ntup, i, codeM) \
	((uint8 *) &(ntup)->neighbors[(ntup)->count] + (i) * (codeM))
/* whether a neighbour tuple (of item length len) has room for its codes */
#define HnswNeighborTupleHasCodes(ntup, len, m, codeM) \
	((codeM) > 0 && (len) >= offsetof(HnswNeighborTupleData, neighbors) + \
	 sizeof(HnswNeighborData) * (ntup)->count + 2 * (m) * (codeM))

/* Slots of one level: level 0 has 2m starting at 0, level l has m */
#define HnswLevelFirstSlot(level, m)	((level) == 0 ? 0 : (m) * ((level) + 1))
#define HnswLevelSlots(level, m)		((level) == 0 ? 2 * (m) : (m))

/*
 * What a distance computation needs: the support functions, the collation,
 * and whether values are normalised first (cosine).
 *
 * Graph construction (build, insert, VACUUM's repair) measures with
 * HnswInitBuildSupport's: for inner product on values that are not
 * normalised, the MIPS-to-L2 transform (Bachrach et al. 2014).  Under
 * inner product a value is not its own nearest neighbour, so HNSW's
 * neighbour heuristic keeps links to the largest values only and drops
 * every link to the small ones, which no search then reaches.  Instead a
 * value x is measured as the augmented x' = (x, h(x)), h(x) =
 * sqrt(M^2 - |x|^2), with M = maxNorm, the largest norm indexed so far
 * (metapage): construction distances are squared L2 between augmented
 * values, a metric, and for a query q' = (q, 0), |q' - x'|^2 = M^2 + |q|^2
 * - 2 q.x orders as inner product does, so a search ordered by the support
 * function walks a metric graph.  h is computed on the fly from the
 * current M: an insert with a larger norm raises M (HnswUpdateMaxNorm),
 * which shifts every later construction distance but rewrites nothing;
 * links made before keep the distances of the smaller M (they only
 * route).  A norm that overflows (|x|^2 not finite) gets h = 0 and leaves
 * M alone.  Queries still order by the support function.
 */
typedef struct HnswSupport
{
	FmgrInfo   *distance;		/* HNSW_DISTANCE_PROC */
	FmgrInfo   *norm;			/* HNSW_NORM_PROC or NULL */
	FmgrInfo   *normalize;		/* HNSW_NORMALIZE_PROC, set with norm */
	Oid			collation;
	bool		construct;		/* HnswInitBuildSupport: NaN counts as inf */
	bool		checkNnz;		/* HnswInitBuildSupport on sparsevec: check
								 * HNSW_MAX_NNZ */
	PGFunction	l2;				/* MIPS-to-L2 transform: the type's squared
								 * L2, or NULL */
	float8		maxNorm;		/* M of the transform */
	Datum		normed;			/* the value being inserted, or 0 ... */
	float8		normedNorm;		/* ... and its HnswSquaredNorm */
} HnswSupport;

/* hnswcodes.c: neighbour codes (see "Neighbour codes" above) */
typedef struct HnswCodebook
{
	int			dimensions;
	int			codeM;			/* sub-quantizers, code bytes */
	int			metric;			/* HNSW_CODE_L2, _IP or _COSINE */
	float		bias;			/* L2: mean squared quantization error */
	float	   *codebooks;		/* codeM * HNSW_CODE_KSUB * dim / codeM */
	float	   *codebooksT;		/* the same, transposed for tables */
} HnswCodebook;

extern int	HnswCodeSubspaces(int dimensions);
extern int	HnswCodeMetric(HnswSupport *support);
extern bool HnswCodeParamsValid(int codeM, int metric, int dimensions,
								float bias);
extern int	HnswCodebookPageFloats(Page page, const float **floats);
extern void HnswTrainCodebooks(const float *x, int64 n, int stride,
							   int dimensions, int codeM, float *codebooks,
							   int nthreads);
extern void HnswEncode(const float *codebooksT, int dimensions, int codeM,
					   const float *x, uint8 *code);
extern bool HnswCodeKnown(const uint8 *code, int codeM);
extern uint64 HnswNewBuildId(void);
extern uint32 HnswWriteCodebookPages(Relation index, BlockNumber blkno,
									 const float *codebooks, Size nfloats);
extern const HnswCodebook *HnswGetCodebook(Relation index);
extern void HnswEncodeValue(const HnswCodebook *cb, Datum value, uint8 *code);
extern float *HnswCodeTable(const HnswCodebook *cb, Datum query);
extern float HnswCodeDistance(const float *table, int codeM, int metric,
							  float bias, const uint8 *code);
extern float HnswCodeBias(const float *codebooks, int dimensions, int codeM,
						  const float *x, int64 n, int stride,
						  const uint8 *codes);
extern void HnswSaveCodes(HnswNeighborTuple ntup, int m, int codeM,
						  ItemPointerData *tids, uint8 *codes);
extern void HnswCarryCodes(HnswNeighborTuple ntup, int m, int codeM,
						   const ItemPointerData *tids, const uint8 *codes,
						   ItemPointer knownTid, const uint8 *knownCode);

/* hnsw.c */
extern void HnswInit(void);
extern int	HnswGetM(Relation index);
extern int	HnswGetEfConstruction(Relation index);
extern int	HnswGetCodesOption(Relation index);
extern int	HnswMaxDimensions(Relation index);

/* hnswutils.c */
extern void HnswInitSupport(HnswSupport *support, Relation index);
extern void HnswInitBuildSupport(HnswSupport *support, Relation index);
extern void HnswUpdateMaxNorm(Relation index, HnswSupport *support, Datum value);
extern double HnswSquaredNorm(HnswSupport *support, Datum value);
extern double HnswAugmentHeight(double squaredNorm, double maxNorm);
extern bool HnswNormalizeValue(HnswSupport *support, Datum value, Datum *result);
extern double HnswDistance(HnswSupport *support, Datum a, Datum b);
extern int	HnswRandomLevel(int m);
extern void HnswInitPage(Buffer buf, Page page);
extern void HnswInitMetaPage(Page page, int dimensions, int m, int efConstruction);
extern void HnswGetMetaPageInfo(Relation index, int *m, ItemPointer entry,
								int *entryLevel, BlockNumber *insertPage,
								int *codeM);
extern void HnswCheckMetaPage(Relation index, Page page);
extern Size HnswValueSize(Datum value);
extern Size HnswElementTupleSize(Datum value, IndexTuple keys);
extern void HnswFormElementTuple(HnswElementTuple etup, Datum value,
								 IndexTuple keys, int level,
								 ItemPointer heaptid);
extern void HnswFormNeighborTuple(HnswNeighborTuple ntup, int level, int m,
								  int codeM);
extern bool HnswElementAddHeapTid(HnswElementTuple etup, ItemPointer heaptid);

/*
 * An element's TID as one integer, block << 16 | offset: the key of the
 * TID sets of searches (hnswsearch.c) and VACUUM (hnswvacuum.h).
 */
static inline uint64
HnswTidKey(ItemPointer tid)
{
	return ((uint64) ItemPointerGetBlockNumber(tid) << 16) |
		ItemPointerGetOffsetNumber(tid);
}

/*
 * Hash an HnswTidKey for simplehash: the finaliser of 64-bit MurmurHash3,
 * which mixes the block and offset bits in a few multiplies.
 */
static inline uint32
HnswTidKeyHash(uint64 key)
{
	key ^= key >> 33;
	key *= UINT64CONST(0xff51afd7ed558ccd);
	key ^= key >> 33;
	key *= UINT64CONST(0xc4ceb9fe1a85ec53);
	key ^= key >> 33;
	return (uint32) key;
}

/* hnswsearch.c: graph search over the pages (used by scans and inserts) */
typedef struct HnswCandidate
{
	ItemPointerData element;	/* element tuple */
	float		distance;		/* to the query */
} HnswCandidate;

/* ---- begin: hnswsearch.c, hnswscan.c, hnswinsert.c ---- */
#include "lib/pairingheap.h"

/*
 * An element as a search copied it out of its page, with its distance to
 * the query.  It starts with an HnswCandidate, so a list of them reads as
 * candidates.  heaptids holds the nheaptids valid heap TIDs when the search
 * was begun with HNSW_SEARCH_HEAPTIDS (none for a deleted element); value
 * is a palloc'd copy of the indexed value with HNSW_SEARCH_VALUES, else
 * NULL.
 */
typedef struct HnswSearchElementData
{
	HnswCandidate c;			/* element tuple TID, distance to the query */
	pairingheap_node c_node;	/* in a layer search's candidate queue */
	pairingheap_node w_node;	/* in its result set, the discarded heap, or
								 * a caller's heap (HnswCompareNearest) */
	ItemPointerData neighbortid;	/* the element's neighbour tuple */
	uint8		level;
	bool		deleted;
	uint8		nheaptids;
	uint8		nextheaptid;	/* free for the caller (scans) */
	bool		matches;		/* passes the search's filter (or none) */
	Pointer		value;
	ItemPointerData heaptids[FLEXIBLE_ARRAY_MEMBER];
} HnswSearchElementData;

typedef HnswSearchElementData *HnswSearchElement;

#define HnswSearchElementFromWNode(node) \
	pairingheap_container(HnswSearchElementData, w_node, node)

/* A search in progress: query, visited set, discarded heap (hnswsearch.c) */
typedef struct HnswSearchData *HnswSearch;

/* Flags of HnswSearchBegin */
#define HNSW_SEARCH_HEAPTIDS	0x01	/* copy heap TIDs (scans) */
#define HNSW_SEARCH_VALUES		0x02	/* copy values (inserts) */
#define HNSW_SEARCH_DISCARDED	0x04	/* keep what level 0 drops, to resume */

/* hnswsearch.c */
extern HnswSearch HnswSearchBegin(Relation index, HnswSupport *support,
								  Datum query, int m, int ef, int flags);
extern List *HnswSearchDescend(HnswSearch search, ItemPointer entry,
							   int entryLevel, int level);
extern List *HnswSearchLayer(HnswSearch search, List *ep, int ef, int level);
extern HnswSearchElement HnswSearchLoadElement(HnswSearch search,
											   ItemPointer tid);
extern List *HnswSearchResume(HnswSearch search, int ef);
extern HnswSearchElement HnswSearchFirstDiscarded(HnswSearch search);
extern HnswSearchElement HnswSearchPopDiscarded(HnswSearch search);
extern int64 HnswSearchTuples(HnswSearch search);
extern void HnswSearchSetFilter(HnswSearch search, AmFilter filter,
								bool matchesOnly);
extern void HnswSearchSetBudget(HnswSearch search, int64 maxTuples);
extern bool HnswSearchBudgetHit(HnswSearch search);
extern Buffer HnswReadBufferForPass(Relation index, BlockNumber blkno);
extern int64 HnswSearchMatches(HnswSearch search);
extern int	HnswLoadNeighbors(Relation index, ItemPointer neighbortid,
							  int level, int m, ItemPointerData *tids);
extern void HnswSearchSetCodes(HnswSearch search, const HnswCodebook *cb,
							   double slack);
extern int	HnswCompareNearest(const pairingheap_node *a,
							   const pairingheap_node *b, void *arg);

/* hnswutils.c: the order pruned candidates fill free slots (inserts) */
extern List *HnswOrderFill(HnswSupport *support, List *pruned, Datum base);

/* ---- end: hnswsearch.c, hnswscan.c, hnswinsert.c ---- */

/* hnswinsert.c: add one (normalised, detoasted) value to the graph */
extern void HnswInsertElement(Relation index, HnswSupport *support,
							  Datum value, IndexTuple keys,
							  ItemPointer heaptid);

/*
 * hnswutils.c: reuse of the elements VACUUM freed (hnswvacuum.c records the
 * space, hnswinsert.c reuses it)
 */
extern Size HnswFreeSlotSpace(Page page, BlockNumber blkno);
extern bool HnswReuseFreeSlot(Page page, BlockNumber blkno,
							  HnswElementTuple etup, Size etupSize,
							  HnswNeighborTuple ntup, Size ntupSize,
							  ItemPointer tid);

/* AM callbacks */
extern IndexBuildResult *hnswbuild(Relation heap, Relation index,
								   struct IndexInfo *indexInfo);
extern void hnswbuildempty(Relation index);
extern bool hnswinsert(Relation index, Datum *values, bool *isnull,
					   ItemPointer heap_tid, Relation heap,
					   IndexUniqueCheck checkUnique, bool indexUnchanged,
					   struct IndexInfo *indexInfo);
extern IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);
extern IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
extern void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					   ScanKey orderbys, int norderbys);
extern bool hnswgettuple(IndexScanDesc scan, ScanDirection dir);
extern void hnswendscan(IndexScanDesc scan);

#endif							/* MILVUS_HNSW_H */
