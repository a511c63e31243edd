/*-------------------------------------------------------------------------
 *
 * hnswsearch.c
 *	  Graph search over the pages of an hnsw index, for scans and inserts.
 *
 * A search starts from the entry point, descends the levels above the
 * target level greedily (a layer search with ef = 1) and searches the
 * target level with a result set bounded by ef: the HNSW paper's
 * Algorithm 2.  Candidates are kept in two pairing heaps, the candidate
 * queue (nearest first) and the result set (farthest first).
 *
 * Pages are read one at a time, as hnsw.h's lock rules ask: an element is
 * read under a shared content lock, its distance to the query is computed
 * on the value in place, what the search needs (level, deleted flag, heap
 * TIDs, neighbour tuple TID, optionally a copy of the value) is copied out,
 * and the lock is released before the next page is read.  A neighbour list
 * is copied out the same way.  A search therefore never holds two buffer
 * locks, and never holds one while it waits for anything but that page.
 * Pages are pinned through a backend-local recent-buffer cache (below),
 * which skips the buffer mapping table on a hit, and which lets a search
 * prefetch the buffer headers, pages and tuples of a candidate's unvisited
 * neighbours before it reads them one by one.
 *
 * Visited set: a simplehash open-addressing table keyed by element TID,
 * created for about ef * 2m entries and growing as needed in the caller's
 * memory context; a layer search starts it afresh, a resumed search keeps
 * it.  Iterative scans bound it with hnsw.max_scan_tuples and the scan
 * memory limit (hnswscan.c), which count it.
 *
 * Deleted elements (hnswvacuum.c) route but are not results: a layer
 * search follows their links like any other's, but only live elements
 * enter the ef-bounded result set, so deleted ones cannot crowd live ones
 * out of it; as in hnswlib, the search does not stop before the result set
 * is full.  When it finds no live element at all, it returns the nearest
 * deleted one, so that a descent can go on from there.
 *
 * Filter (HnswSearchSetFilter): elements that fail a scan's filter carry
 * no heap TIDs; at level 0 they either route only, as deleted ones do, or
 * count in the result set, as the scan asks.  A budget of reads
 * (HnswSearchSetBudget) stops a level-0 search early, resumable: what it
 * left unexpanded goes to the discarded heap (a copy, for the results).
 *
 * Discarded heap: with HNSW_SEARCH_DISCARDED, what a level-0 search drops
 * (elements pushed out of the result set, and neighbours farther than all
 * of it) goes to a heap, nearest first, instead of being forgotten.
 * HnswSearchResume restarts the level-0 search from the nearest of them:
 * this is how pgvector's iterative scans produce their next batches.
 *
 * IDENTIFICATION
 *	  src/hnswsearch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "pgstat.h"
#include "storage/buf_internals.h"
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "hnsw.h"

/* The visited set: element TIDs, as block << 16 | offset */
typedef struct VisitedEntry
{
	uint64		key;
	char		status;			/* used by simplehash */
} VisitedEntry;

#define SH_PREFIX			visited
#define SH_ELEMENT_TYPE		VisitedEntry
#include "hnswtidset.h"

/* Initial size of the visited set: enough for a search, not a scan's worth */
#define HNSW_VISITED_MAX_INITIAL	16384

struct HnswSearchData
{
	Relation	index;
	HnswSupport *support;
	Datum		query;			/* detoasted, normalised */
	int			m;
	int			flags;			/* HNSW_SEARCH_* */
	visited_hash *visited;
	pairingheap *discarded;		/* nearest first; NULL without
								 * HNSW_SEARCH_DISCARDED */
	int64		tuples;			/* elements read */
	AmFilter	filter;			/* scan keys on filter columns, or NULL */
	bool		matchesOnly;	/* only matching elements are results */
	int64		matches;		/* live elements read that pass it */
	int64		maxTuples;		/* level 0 stops after this many reads ... */
	bool		budgetHit;		/* ... and says so here; 0: no limit */
	int			codeM;			/* HnswSearchSetCodes: code bytes, else 0 */
	int			codeMetric;		/* HNSW_CODE_* */
	float		codeBias;		/* the codebook's */
	float	   *codeTable;		/* the query's table */
	double		codeSlack;		/* milvus.hnsw_code_slack */
	uint8	   *codes;			/* room for a level-0 list's codes */
	float	   *estimates;		/* ... and their estimated distances */
};

#define CNodeElement(node) \
	pairingheap_container(HnswSearchElementData, c_node, node)
#define WNodeElement(node) \
	pairingheap_container(HnswSearchElementData, w_node, node)
#define CNodeConstElement(node) ((HnswSearchElement) \
	pairingheap_const_container(HnswSearchElementData, c_node, node))
#define WNodeConstElement(node) ((HnswSearchElement) \
	pairingheap_const_container(HnswSearchElementData, w_node, node))

/*
 * Recent-buffer cache: for each index, in the backend, the shared buffer
 * each block was last found in, so that reading it again can skip the
 * buffer mapping table (ReadRecentBuffer checks the buffer's tag under its
 * header lock, so a stale entry only costs a fallback to ReadBuffer), and
 * so that a search can prefetch an element's buffer header and page before
 * it pins them.  It is a hint, not a copy of the index: it holds buffer
 * numbers only.  It is direct-mapped by block number, a power of two in
 * size, grown as larger block numbers show up, bounded by shared_buffers
 * and by 2 MB (larger indexes share entries, which lowers the hit rate
 * only).  It lives in rd_amcache (rd_indexcxt), which a relcache flush
 * frees, so it is looked up afresh at each use.  Temporary indexes (local
 * buffers) are not cached.
 */
typedef struct HnswBufferCacheEntry
{
	BlockNumber blkno;
	Buffer		buf;			/* InvalidBuffer when unused */
} HnswBufferCacheEntry;

typedef struct HnswBufferCacheData
{
	uint32		size;			/* entries, a power of two */
	HnswBufferCacheEntry entries[FLEXIBLE_ARRAY_MEMBER];
} HnswBufferCacheData;

typedef HnswBufferCacheData *HnswBufferCache;

#define HNSW_BUFFER_CACHE_MIN	1024
#define HNSW_BUFFER_CACHE_MAX	(1 << 18)	/* 2 MB: blocks of a 2 GB index */

/*
 * The index's recent-buffer cache, (re)allocated with room for blkno when
 * it is missing or much smaller; NULL for a temporary index.
 */
static HnswBufferCache
GetBufferCache(Relation index, BlockNumber blkno)
{
	HnswBufferCache cache = (HnswBufferCache) index->rd_amcache;
	uint32		max = Min(HNSW_BUFFER_CACHE_MAX,
						  pg_nextpower2_32(Max(NBuffers, HNSW_BUFFER_CACHE_MIN)));
	uint32		size;

	if (likely(cache != NULL) &&
		(blkno < cache->size * 2 || cache->size >= max))
		return cache;
	if (RelationUsesLocalBuffers(index))
		return NULL;

	size = Min(max, pg_nextpower2_32(Max(blkno + 1, HNSW_BUFFER_CACHE_MIN)));
	if (cache != NULL)
		pfree(cache);
	cache = MemoryContextAllocZero(index->rd_indexcxt,
								   offsetof(HnswBufferCacheData, entries) +
								   size * sizeof(HnswBufferCacheEntry));
	cache->size = size;
	index->rd_amcache = cache;
	return cache;
}

/*
 * The buffer block blkno was last seen in, or InvalidBuffer: a hint only,
 * the buffer may hold another page by now.
 */
static inline Buffer
RecentBuffer(Relation index, BlockNumber blkno)
{
	HnswBufferCache cache = (HnswBufferCache) index->rd_amcache;
	HnswBufferCacheEntry *entry;

	if (cache == NULL)
		return InvalidBuffer;
	entry = &cache->entries[blkno & (cache->size - 1)];
	return entry->blkno == blkno ? entry->buf : InvalidBuffer;
}

/*
 * ReadBuffer through the recent-buffer cache: pin block blkno of the
 * index's main fork, and remember where it is.
 */
static Buffer
ReadBufferCached(Relation index, BlockNumber blkno)
{
	HnswBufferCache cache = GetBufferCache(index, blkno);
	HnswBufferCacheEntry *entry;
	Buffer		buf;

	if (cache == NULL)
		return ReadBuffer(index, blkno);

	entry = &cache->entries[blkno & (cache->size - 1)];
	if (entry->blkno == blkno && entry->buf != InvalidBuffer &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, entry->buf))
	{
		/* ReadBuffer's relation statistics, which ReadRecentBuffer skips */
		pgstat_count_buffer_read(index);
		pgstat_count_buffer_hit(index);
		return entry->buf;
	}

	buf = ReadBuffer(index, blkno);
	entry->blkno = blkno;
	entry->buf = buf;
	return buf;
}

/*
 * Prefetch what reading the element at tid touches first: its buffer
 * header and the start of its page (header and item pointers), when the
 * recent-buffer cache knows its buffer.  Nothing is pinned or read: a
 * stale hint costs a useless prefetch.
 */
static inline void
PrefetchElementPage(Relation index, ItemPointer tid)
{
	Buffer		buf = RecentBuffer(index, ItemPointerGetBlockNumber(tid));
	char	   *page;

	if (buf == InvalidBuffer)
		return;
	page = (char *) BufferGetBlock(buf);
	__builtin_prefetch(GetBufferDescriptor(buf - 1));
	__builtin_prefetch(page);
	__builtin_prefetch(page + offsetof(PageHeaderData, pd_linp) +
					   (ItemPointerGetOffsetNumber(tid) - 1) * sizeof(ItemIdData));
}

/*
 * How much of each element tuple a search prefetches: its first
 * HNSW_PREFETCH_LINES cache lines (the hardware prefetcher follows the
 * rest of the value).  Chosen by A/B runs on Fashion-MNIST: 8 lines were
 * no faster, 16 or the whole tuple slower.
 */
#define HNSW_PREFETCH_LINES		4

/*
 * Prefetch the element tuple at tid, as its item pointer says now, read
 * without a pin or lock (PrefetchElementPage fetched it).  Only a hint:
 * the read is checked for range, and whatever it finds is only prefetched.
 */
static inline void
PrefetchElementTuple(Relation index, ItemPointer tid)
{
	Buffer		buf = RecentBuffer(index, ItemPointerGetBlockNumber(tid));
	char	   *page;
	ItemIdData	itemid;
	int			lines;

	if (buf == InvalidBuffer)
		return;
	page = (char *) BufferGetBlock(buf);
	itemid = *(volatile ItemIdData *) (page + offsetof(PageHeaderData, pd_linp) +
									   (ItemPointerGetOffsetNumber(tid) - 1) * sizeof(ItemIdData));
	if (itemid.lp_flags != LP_NORMAL || itemid.lp_off + itemid.lp_len > BLCKSZ)
		return;
	lines = Min(HNSW_PREFETCH_LINES,
				(itemid.lp_len + PG_CACHE_LINE_SIZE - 1) / PG_CACHE_LINE_SIZE);
	for (int i = 0; i < lines; i++)
		__builtin_prefetch(page + itemid.lp_off + i * PG_CACHE_LINE_SIZE);
}

/*
 * Order two elements by distance, nearer first, ties by TID so that
 * results are deterministic: > 0 when a comes before b.
 */
static inline int
CompareElements(HnswSearchElement a, HnswSearchElement b)
{
	if (a->c.distance < b->c.distance)
		return 1;
	if (a->c.distance > b->c.distance)
		return -1;
	return -ItemPointerCompare(&a->c.element, &b->c.element);
}

/*
 * Pairing heap comparator on w_node, nearest at the top.  Callers use it
 * for their own heaps of search elements.
 */
int
HnswCompareNearest(const pairingheap_node *a, const pairingheap_node *b,
				   void *arg)
{
	return CompareElements(WNodeConstElement(a), WNodeConstElement(b));
}

/*
 * Comparators for a layer search: candidates nearest first on c_node,
 * results farthest first on w_node.
 */
static int
CompareNearestCandidates(const pairingheap_node *a,
						 const pairingheap_node *b, void *arg)
{
	return CompareElements(CNodeConstElement(a), CNodeConstElement(b));
}

static int
CompareFarthestResults(const pairingheap_node *a, const pairingheap_node *b,
					   void *arg)
{
	return -CompareElements(WNodeConstElement(a), WNodeConstElement(b));
}

/*
 * Begin a search for query (detoasted, normalised like the index's
 * values; (Datum) 0 for none: every element is then at distance 0) in an
 * index of this m.  ef sizes the visited set.  Everything
 * is allocated in CurrentMemoryContext, which the caller resets or
 * deletes when done.
 */
HnswSearch
HnswSearchBegin(Relation index, HnswSupport *support, Datum query, int m,
				int ef, int flags)
{
	HnswSearch	search = palloc0(sizeof(struct HnswSearchData));
	uint32		size = (uint32) Max(ef, 1) * 2 * m;

	search->index = index;
	search->support = support;
	search->query = query;
	search->m = m;
	search->flags = flags;
	search->visited = visited_create(CurrentMemoryContext,
									 Min(size, HNSW_VISITED_MAX_INITIAL),
									 NULL);
	if (flags & HNSW_SEARCH_DISCARDED)
		search->discarded = pairingheap_allocate(HnswCompareNearest, NULL);
	return search;
}

/*
 * Copy an element tuple out into a new search element.  The caller holds
 * a lock on its page.
 */
static HnswSearchElement
CopyElement(HnswSearch search, HnswElementTuple etup, ItemPointer tid,
			float distance, bool matches)
{
	HnswSearchElement e;
	int			n = 0;
	bool		heaptids = (search->flags & HNSW_SEARCH_HEAPTIDS) != 0 &&
		matches;

	if (heaptids && !etup->deleted)
	{
		for (int i = 0; i < HNSW_HEAPTIDS; i++)
			if (ItemPointerIsValid(&etup->heaptids[i]))
				n++;
	}

	e = palloc(offsetof(HnswSearchElementData, heaptids) +
			   n * sizeof(ItemPointerData));
	e->c.element = *tid;
	e->c.distance = distance;
	e->neighbortid = etup->neighbortid;
	e->level = etup->level;
	e->deleted = etup->deleted != 0;
	e->nheaptids = 0;
	e->nextheaptid = 0;
	e->matches = matches;
	e->value = NULL;

	if (n > 0)
	{
		for (int i = 0; i < HNSW_HEAPTIDS; i++)
			if (ItemPointerIsValid(&etup->heaptids[i]))
				e->heaptids[e->nheaptids++] = etup->heaptids[i];
	}

	if (search->flags & HNSW_SEARCH_VALUES)
	{
		Size		size = HnswValueSize(HnswElementTupleValue(etup));

		e->value = palloc(size);
		memcpy(e->value, etup->data, size);
	}
	return e;
}

/*
 * Read the element at tid under a shared lock and compute its distance to
 * the query on the value in place.  Return a copy of it, or NULL when tid
 * does not hold an element, when the distance is NaN, or when bound is
 * given and the distance is not below it (nothing is allocated then).
 * Counts one tuple read.  The caller holds no buffer lock.
 */
static HnswSearchElement
LoadElement(HnswSearch search, ItemPointer tid, const float *bound)
{
	Buffer		buf;
	Page		page;
	OffsetNumber offno = ItemPointerGetOffsetNumber(tid);
	HnswElementTuple etup = NULL;
	HnswSearchElement e = NULL;

	buf = ReadBufferCached(search->index, ItemPointerGetBlockNumber(tid));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);

	if (offno >= FirstOffsetNumber && offno <= PageGetMaxOffsetNumber(page))
	{
		ItemId		itemid = PageGetItemId(page, offno);

		if (ItemIdIsNormal(itemid))
			etup = (HnswElementTuple) PageGetItem(page, itemid);
		if (etup != NULL && etup->type != HNSW_ELEMENT_TUPLE_TYPE)
			etup = NULL;
	}

	if (etup != NULL)
	{
		float		distance;

		/* no query (a scan's NULL or zero cosine query): all at 0 */
		distance = search->query == (Datum) 0 ? 0 :
			(float) HnswDistance(search->support, search->query,
								 HnswElementTupleValue(etup));
		if (!isnan(distance) && (bound == NULL || distance < *bound))
		{
			bool		matches = true;

			if (search->filter != NULL)
			{
				matches = !etup->deleted &&
					AmFilterMatch(search->filter, HnswElementTupleKeys(etup));
				if (matches)
					search->matches++;
			}
			e = CopyElement(search, etup, tid, distance, matches);
		}
	}

	UnlockReleaseBuffer(buf);
	search->tuples++;
	return e;
}

/*
 * Read one element and compute its distance to the query, outside any
 * layer search: the visited set and the heaps are not touched.  Returns
 * NULL when tid holds no element.  The caller holds no buffer lock.
 */
HnswSearchElement
HnswSearchLoadElement(HnswSearch search, ItemPointer tid)
{
	return LoadElement(search, tid, NULL);
}

/*
 * Copy the valid neighbour TIDs of one level out of a neighbour tuple,
 * under a shared lock, into tids (room for HnswLevelSlots(level, m)), and
 * with codes (level 0, codeM > 0) their codes, in the same order, into
 * codes (room for 2m codes): HNSW_CODE_UNKNOWN where the tuple has none.
 * Return how many there are: none when the tuple is missing or has no
 * slots for that level.  The caller holds no buffer lock.
 */
static int
LoadNeighbors(Relation index, ItemPointer neighbortid, int level, int m,
			  ItemPointerData *tids, int codeM, uint8 *codes)
{
	Buffer		buf;
	Page		page;
	OffsetNumber offno = ItemPointerGetOffsetNumber(neighbortid);
	int			first = HnswLevelFirstSlot(level, m);
	int			slots = HnswLevelSlots(level, m);
	int			n = 0;

	if (!ItemPointerIsValid(neighbortid))
		return 0;

	buf = ReadBufferCached(index, ItemPointerGetBlockNumber(neighbortid));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);

	if (offno >= FirstOffsetNumber && offno <= PageGetMaxOffsetNumber(page))
	{
		ItemId		itemid = PageGetItemId(page, offno);
		HnswNeighborTuple ntup = NULL;

		if (ItemIdIsNormal(itemid))
			ntup = (HnswNeighborTuple) PageGetItem(page, itemid);
		if (ntup != NULL && ntup->type == HNSW_NEIGHBOR_TUPLE_TYPE &&
			ntup->count >= first + slots)
		{
			bool		hasCodes = codes != NULL &&
				HnswNeighborTupleHasCodes(ntup, ItemIdGetLength(itemid), m,
										  codeM);

			for (int i = 0; i < slots; i++)
			{
				ItemPointer tid = &ntup->neighbors[first + i].tid;

				if (!ItemPointerIsValid(tid))
					continue;
				if (hasCodes)
					memcpy(codes + n * codeM, HnswNeighborCode(ntup, i, codeM),
						   codeM);
				else if (codes != NULL)
					memset(codes + n * codeM, HNSW_CODE_UNKNOWN, codeM);
				tids[n++] = *tid;
			}
		}
	}

	UnlockReleaseBuffer(buf);
	return n;
}

/*
 * LoadNeighbors without codes, for inserts and VACUUM.
 */
int
HnswLoadNeighbors(Relation index, ItemPointer neighbortid, int level, int m,
				  ItemPointerData *tids)
{
	return LoadNeighbors(index, neighbortid, level, m, tids, 0, NULL);
}

/*
 * Add e to the result set W (of *wlen elements).  When W grows past ef,
 * its farthest element goes to the discarded heap, if kept.
 */
static void
AddResult(pairingheap *W, int *wlen, HnswSearchElement e, int ef,
		  pairingheap *discarded)
{
	pairingheap_add(W, &e->w_node);
	if (++(*wlen) > ef)
	{
		HnswSearchElement d = WNodeElement(pairingheap_remove_first(W));

		(*wlen)--;
		if (discarded != NULL)
			pairingheap_add(discarded, &d->w_node);
	}
}

/*
 * Whether an element only routes a layer search at level, never entering
 * its result set: a deleted one, and at level 0, when the filter asks for
 * it (HnswSearchSetFilter's matchesOnly), one that fails the search's
 * filter (it is still expanded, so that the search goes on through it
 * towards elements that pass).
 */
static inline bool
RouteOnly(HnswSearch search, HnswSearchElement e, int level)
{
	return e->deleted ||
		(level == 0 && search->matchesOnly && !e->matches);
}

/*
 * Put a search element into the layer search: into the candidate queue C,
 * and into the result set W unless it only routes; the nearest of those
 * is remembered in *nearestDeleted.
 */
static void
AddCandidate(HnswSearch search, HnswSearchElement e, int level, int ef,
			 pairingheap *C, pairingheap *W, int *wlen,
			 pairingheap *discarded, HnswSearchElement *nearestDeleted)
{
	pairingheap_add(C, &e->c_node);
	if (!RouteOnly(search, e, level))
		AddResult(W, wlen, e, ef, discarded);
	else if (*nearestDeleted == NULL || CompareElements(e, *nearestDeleted) > 0)
		*nearestDeleted = e;
}

/*
 * Whether a neighbour whose code estimates distance est can be left
 * unread: the result set is full and est is beyond its farthest element
 * (bound) by more than the slack.
 */
static inline bool
SkipByCode(HnswSearch search, float est, float bound)
{
	return est > bound + search->codeSlack * fabsf(bound);
}

/*
 * Set up a search to skip neighbours by their codes at level 0 (an index
 * with codes, cb non-NULL, a query; not for searches that keep what they
 * drop, which must read everything they drop): compute the query's table.
 */
void
HnswSearchSetCodes(HnswSearch search, const HnswCodebook *cb, double slack)
{
	if (cb == NULL || search->query == (Datum) 0 ||
		(search->flags & HNSW_SEARCH_DISCARDED))
		return;
	search->codeM = cb->codeM;
	search->codeMetric = cb->metric;
	search->codeBias = cb->bias;
	search->codeTable = HnswCodeTable(cb, search->query);
	search->codeSlack = slack;
	search->codes = palloc(2 * search->m * cb->codeM);
	search->estimates = palloc(sizeof(float) * 2 * search->m);
}

/*
 * Visit the unvisited neighbours of c at level, adding the ones that
 * qualify to the candidate queue C and, when live, to the result set W.
 * With codes, at level 0 and once W is full, a neighbour whose code puts
 * it beyond W's farthest element is not read: the bound only tightens,
 * so a later expansion would not read it either, and it stays visited.
 */
static void
ExpandCandidate(HnswSearch search, HnswSearchElement c, int level, int ef,
				pairingheap *C, pairingheap *W, int *wlen,
				pairingheap *discarded, ItemPointerData *tids,
				HnswSearchElement *nearestDeleted)
{
	bool		codes = level == 0 && search->codeM > 0;
	int			n = LoadNeighbors(search->index, &c->neighbortid, level,
								  search->m, tids, search->codeM,
								  codes ? search->codes : NULL);
	int			nu = 0;

	/* keep the unvisited ones, and prefetch their buffer headers and pages */
	for (int i = 0; i < n; i++)
	{
		bool		found;

		visited_insert(search->visited, HnswTidKey(&tids[i]), &found);
		if (found)
			continue;
		if (codes)
		{
			const uint8 *code = search->codes + i * search->codeM;

			search->estimates[nu] = HnswCodeKnown(code, search->codeM) ?
				HnswCodeDistance(search->codeTable, search->codeM,
								 search->codeMetric, search->codeBias, code) :
				-get_float4_infinity();
			if (*wlen >= ef &&
				SkipByCode(search, search->estimates[nu],
						   WNodeElement(pairingheap_first(W))->c.distance))
				continue;
		}
		tids[nu++] = tids[i];
		PrefetchElementPage(search->index, &tids[i]);
	}

	/*
	 * Then the start of all their tuples at once, so that they arrive
	 * while the first distances run: the first line pointer read waits for
	 * its page, the others are mostly there by then.  (This took 9-17% less
	 * backend time than prefetching each tuple two elements ahead.)
	 */
	for (int i = 0; i < nu; i++)
		PrefetchElementTuple(search->index, &tids[i]);

	for (int i = 0; i < nu; i++)
	{
		HnswSearchElement f;
		HnswSearchElement e;
		bool		full = *wlen >= ef;

		/* a full result set lets us skip farther elements unread */
		f = *wlen > 0 ? WNodeElement(pairingheap_first(W)) : NULL;
		if (codes && full && SkipByCode(search, search->estimates[i],
										f->c.distance))
			continue;
		e = LoadElement(search, &tids[i],
						(!full || discarded != NULL) ? NULL : &f->c.distance);
		if (e == NULL || e->level < level)
			continue;

		if (!full || CompareElements(e, f) > 0)
			AddCandidate(search, e, level, ef, C, W, wlen, discarded,
						 nearestDeleted);
		else if (discarded != NULL)
			pairingheap_add(discarded, &e->w_node);
	}
}

/*
 * A copy of a search element's header (no heap TIDs), in no heap.  It
 * fails any filter: with no heap TIDs, it only routes.
 */
static HnswSearchElement
CopySearchElement(HnswSearchElement e)
{
	HnswSearchElement copy = palloc(offsetof(HnswSearchElementData,
											 heaptids));

	memcpy(copy, e, offsetof(HnswSearchElementData, heaptids));
	copy->nheaptids = 0;
	copy->nextheaptid = 0;
	copy->matches = false;
	return copy;
}

/*
 * The layer search: from the entry points ep (search elements, already
 * read), find the ef nearest live elements at level.  Return them as a
 * list, nearest first; when there is none, a copy of the nearest deleted
 * element visited, if any.  With reset, the visited set starts afresh.
 * Deleted elements left unexpanded go to the discarded heap, if kept, so
 * that a resumed search can still route through them.
 */
static List *
SearchLayer(HnswSearch search, List *ep, int ef, int level, bool reset)
{
	pairingheap *C = pairingheap_allocate(CompareNearestCandidates, NULL);
	pairingheap *W = pairingheap_allocate(CompareFarthestResults, NULL);
	pairingheap *discarded = level == 0 ? search->discarded : NULL;
	HnswSearchElement nearestDeleted = NULL;
	ItemPointerData *tids;
	HnswSearchElement *result;
	int			wlen = 0;
	List	   *w = NIL;
	ListCell   *lc;

	if (reset)
		visited_reset(search->visited);

	foreach(lc, ep)
	{
		HnswSearchElement e = lfirst(lc);
		bool		found;

		visited_insert(search->visited, HnswTidKey(&e->c.element), &found);
		AddCandidate(search, e, level, ef, C, W, &wlen, discarded,
					 &nearestDeleted);
	}

	tids = palloc(sizeof(ItemPointerData) * HnswLevelSlots(level, search->m));
	while (!pairingheap_is_empty(C))
	{
		HnswSearchElement c = CNodeElement(pairingheap_first(C));

		if (wlen >= ef &&
			c->c.distance > WNodeElement(pairingheap_first(W))->c.distance)
			break;

		pairingheap_remove_first(C);
		CHECK_FOR_INTERRUPTS();
		ExpandCandidate(search, c, level, ef, C, W, &wlen, discarded, tids,
						&nearestDeleted);

		/* a filtered scan's budget: stop here, resumable */
		if (level == 0 && search->maxTuples > 0 &&
			search->tuples >= search->maxTuples)
		{
			search->budgetHit = true;
			break;
		}
	}

	/*
	 * Unexpanded candidates that only route go to the discarded heap, so
	 * that a resumed search can still route through them; live ones are in
	 * W or discarded already, except that when the budget stopped the
	 * search early, a copy of those in W goes there too, to be expanded.
	 */
	while (discarded != NULL && !pairingheap_is_empty(C))
	{
		HnswSearchElement c = CNodeElement(pairingheap_remove_first(C));

		if (RouteOnly(search, c, level))
			pairingheap_add(discarded, &c->w_node);
		else if (search->budgetHit)
			pairingheap_add(discarded, &CopySearchElement(c)->w_node);
	}

	/* W pops farthest first */
	result = palloc(sizeof(HnswSearchElement) * Max(wlen, 1));
	for (int i = wlen - 1; i >= 0; i--)
		result[i] = WNodeElement(pairingheap_remove_first(W));
	for (int i = 0; i < wlen; i++)
		w = lappend(w, result[i]);
	if (wlen == 0 && nearestDeleted != NULL)
		w = list_make1(CopySearchElement(nearestDeleted));

	pfree(result);
	pfree(tids);
	pairingheap_free(C);
	pairingheap_free(W);
	return w;
}

/*
 * Search one level from the entry points ep (search elements, as returned
 * by HnswSearchDescend or a previous HnswSearchLayer) for the ef nearest
 * elements; return them nearest first.  The elements of ep may appear in
 * the result.  The visited set starts afresh.
 */
List *
HnswSearchLayer(HnswSearch search, List *ep, int ef, int level)
{
	if (ep == NIL)
		return NIL;
	return SearchLayer(search, ep, ef, level, true);
}

/*
 * Read the entry point and descend greedily (ef = 1) from entryLevel down
 * to just above level.  Return the entry points for level: a list of one
 * search element, or NIL when the entry point cannot be read.
 */
List *
HnswSearchDescend(HnswSearch search, ItemPointer entry, int entryLevel,
				  int level)
{
	HnswSearchElement e;
	List	   *ep;
	bool		found;

	if (!ItemPointerIsValid(entry))
		return NIL;

	visited_reset(search->visited);
	visited_insert(search->visited, HnswTidKey(entry), &found);
	e = LoadElement(search, entry, NULL);
	if (e == NULL)
		return NIL;

	ep = list_make1(e);
	for (int lc = Min(entryLevel, e->level); lc > level; lc--)
		ep = HnswSearchLayer(search, ep, 1, lc);
	return ep;
}

/*
 * Resume a level-0 search begun with HNSW_SEARCH_DISCARDED: take the ef
 * nearest discarded elements as entry points and search again, keeping
 * the visited set, so that only elements not seen before are read.
 * Return the next batch nearest first, NIL when nothing is left.
 */
List *
HnswSearchResume(HnswSearch search, int ef)
{
	List	   *ep = NIL;

	Assert(search->discarded != NULL);
	while (list_length(ep) < ef && !pairingheap_is_empty(search->discarded))
	{
		pairingheap_node *node = pairingheap_remove_first(search->discarded);

		ep = lappend(ep, WNodeElement(node));
	}

	if (ep == NIL)
		return NIL;
	return SearchLayer(search, ep, ef, 0, false);
}

/*
 * The nearest discarded element, left in the heap; NULL when none (or
 * when the search keeps none).
 */
HnswSearchElement
HnswSearchFirstDiscarded(HnswSearch search)
{
	if (search->discarded == NULL || pairingheap_is_empty(search->discarded))
		return NULL;
	return WNodeElement(pairingheap_first(search->discarded));
}

/*
 * Remove and return the nearest discarded element; NULL when none.
 */
HnswSearchElement
HnswSearchPopDiscarded(HnswSearch search)
{
	if (search->discarded == NULL || pairingheap_is_empty(search->discarded))
		return NULL;
	return WNodeElement(pairingheap_remove_first(search->discarded));
}

/*
 * How many element tuples the search has read.
 */
int64
HnswSearchTuples(HnswSearch search)
{
	return search->tuples;
}

/*
 * Pin block blkno of the index through the recent-buffer cache (above),
 * for a scan's exact pass over every page, and prefetch the buffer header
 * and the start of block blkno + 1 if the cache knows where it is.
 */
Buffer
HnswReadBufferForPass(Relation index, BlockNumber blkno)
{
	Buffer		next = RecentBuffer(index, blkno + 1);

	if (next != InvalidBuffer)
	{
		__builtin_prefetch(GetBufferDescriptor(next - 1));
		__builtin_prefetch(BufferGetBlock(next));
	}
	return ReadBufferCached(index, blkno);
}

/*
 * Evaluate filter (AmFilterBegin; NULL for none) on every element read
 * from now on: elements that fail it carry no heap TIDs (matches false),
 * so that a scan never returns them.  With matchesOnly, at level 0 they
 * route the search but never enter its result set, which then holds ef
 * matching elements (the search goes on until it has them); without, they
 * count in the result set like any element, and the search stops as an
 * unfiltered one does (an iterative scan then resumes for more).
 */
void
HnswSearchSetFilter(HnswSearch search, AmFilter filter, bool matchesOnly)
{
	search->filter = filter;
	search->matchesOnly = filter != NULL && matchesOnly;
}

/*
 * Stop level-0 layer searches once the search has read maxTuples elements
 * in all (0: no limit), leaving them resumable (HNSW_SEARCH_DISCARDED):
 * HnswSearchBudgetHit then says so, until the next call.
 */
void
HnswSearchSetBudget(HnswSearch search, int64 maxTuples)
{
	search->maxTuples = maxTuples;
	search->budgetHit = false;
}

/*
 * Whether a layer search stopped because of the budget.
 */
bool
HnswSearchBudgetHit(HnswSearch search)
{
	return search->budgetHit;
}

/*
 * How many live elements read so far passed the filter.
 */
int64
HnswSearchMatches(HnswSearch search)
{
	return search->matches;
}
