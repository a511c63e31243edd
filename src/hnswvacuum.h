/*-------------------------------------------------------------------------
 *
 * hnswvacuum.h
 *	  What the passes of hnsw's VACUUM share: the state of one bulkdelete
 *	  pass and the set of elements it reclaims.  Private to hnswvacuum.c
 *	  (passes 1 and 3, the callbacks) and hnswrepair.c (passes 2a, 2, 2b).
 *
 * IDENTIFICATION
 *	  src/hnswvacuum.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_HNSWVACUUM_H
#define MILVUS_HNSWVACUUM_H

#include "access/genam.h"

#include "hnsw.h"

/* An element this VACUUM reclaims, keyed by HnswTidKey */
typedef struct DeletedEntry
{
	uint64		key;
	ItemPointerData neighbortid;	/* its neighbour tuple */
	char		status;			/* used by simplehash */
} DeletedEntry;

#define SH_PREFIX			deleted
#define SH_ELEMENT_TYPE		DeletedEntry
#include "hnswtidset.h"

typedef struct HnswVacuumState
{
	Relation	index;
	IndexBulkDeleteResult *stats;
	IndexBulkDeleteCallback callback;	/* NULL: count only */
	void	   *callback_state;
	BufferAccessStrategy strategy;
	HnswSupport support;
	int			m;
	int			efConstruction;
	const HnswCodebook *codebook;	/* NULL: the index has no codes */
	int			codeM;			/* code bytes, or 0 */
	deleted_hash *deleted;		/* the elements this VACUUM reclaims */
	uint32		maxDeleted;		/* how many fit in maintenance_work_mem */
	ItemPointerData highest;	/* pass 1: a live element at the highest */
	int			highestLevel;	/* level, for a new entry point */
	uint8	   *reached;		/* passes 2a, 2b: bitmap of reached elements */
	uint8	   *multi;			/* ... linked from two of them */
	BlockNumber reachedBlocks;	/* pages they cover */
	ItemPointerData *stack;		/* passes 2a, 2b: elements to walk from */
	Size		nstack;
	Size		stackSize;		/* allocated */
	Size		maxStack;		/* what maintenance_work_mem allows */
	MemoryContext pageCtx;		/* reset after each page */
	MemoryContext elemCtx;		/* reset after each element */
	int64		nrepaired;		/* lists rewritten */
	int64		nsearched;		/* lists that needed a search's candidates */
	int64		nrelinked;		/* live elements linked anew in 2a and 2b */
	int64		nfreed;			/* elements freed */
} HnswVacuumState;

/*
 * The hash entry of an element this VACUUM reclaims, or NULL.
 */
static inline DeletedEntry *
Reclaimed(HnswVacuumState *vs, ItemPointer tid)
{
	return deleted_lookup(vs->deleted, HnswTidKey(tid));
}

/* hnswrepair.c */
extern int64 HnswRelinkUnreached(HnswVacuumState *vs);
extern void HnswReplaceEntryPoint(HnswVacuumState *vs);
extern void HnswRepairGraph(HnswVacuumState *vs);

#endif							/* MILVUS_HNSWVACUUM_H */
