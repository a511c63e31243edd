/*-------------------------------------------------------------------------
 *
 * hnswlib_shim.h
 *	  C interface over hnswlib: build an HNSW graph in memory with several
 *	  threads, then read it back node by node.
 *
 * The hnsw access method uses this to build an index: it collects vectors
 * in batches, adds each batch with mv_hnswlib_graph_add() (checking for
 * interrupts between batches), then walks the graph with
 * mv_hnswlib_graph_entry_point(), _node_level() and _neighbors() to write
 * its pages.  Nodes are named by caller-chosen labels (say, the position of
 * the heap tuple in the build's array); hnswlib's internal ids never leave
 * the shim.
 *
 * Distances are those of src/distance.h, captured when the graph is created
 * (so DistanceInit() must have run first, as _PG_init does):
 *
 *	MV_HNSWLIB_L2	squared Euclidean distance, DistanceL2Squared
 *	MV_HNSWLIB_IP	negative inner product, -DistanceInnerProduct (the value
 *					of pgvector's <#> operator, not hnswlib's 1 - ip; the
 *					order of neighbours is the same either way)
 *	MV_HNSWLIB_L1	taxicab distance, DistanceL1
 *
 * so the graph is built with the very distances the scans will compute.
 * Cosine distance is L2 over normalised vectors, or IP over them; the
 * caller normalises.  Vectors must be finite (the SQL types check).
 *
 * As in pgvector, m is the number of neighbours kept on the upper levels
 * and 2 * m on level 0.
 *
 * Threads: mv_hnswlib_graph_add() starts nthreads - 1 threads per call and
 * joins them before it returns (the calling thread does its share), so no
 * library thread is alive while the caller runs PostgreSQL code.  The
 * threads have every signal blocked, so signals still reach the backend's
 * main thread.  Starting a thread costs tens of microseconds, nothing
 * beside a batch of a thousand insertions.
 *
 * One call at a time per graph: no function here may run concurrently with
 * another on the same graph, except mv_hnswlib_graph_search(), which may
 * run concurrently with itself and the other read-only calls.
 *
 * Every function is noexcept and returns an MvStatus (or a plain value);
 * see shim.h for mv_shim_last_error().  This header is plain C and never
 * includes postgres.h.
 *
 * IDENTIFICATION
 *	  src/hnswlib_shim.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_HNSWLIB_SHIM_H
#define MILVUS_HNSWLIB_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "shim.h"

#ifdef __cplusplus
extern "C"
{
#endif

/* limits checked by mv_hnswlib_graph_create() */
#define MV_HNSWLIB_MIN_M			2
#define MV_HNSWLIB_MAX_M			10000	/* hnswlib caps M there (and prints) */
#define MV_HNSWLIB_MAX_DIM			(1 << 24)
#define MV_HNSWLIB_MAX_ELEMENTS		INT32_MAX	/* internal ids are 32-bit */

typedef struct MvHnswlibGraph MvHnswlibGraph;

typedef enum MvHnswlibMetric
{
	MV_HNSWLIB_L2 = 0,
	MV_HNSWLIB_IP,
	MV_HNSWLIB_L1
} MvHnswlibMetric;

/*
 * Create an empty graph for up to max_elements vectors of dim floats.
 * ef_construction is the candidate list size during insertion (hnswlib
 * raises it to m if smaller).  seed drives the random levels: a graph built
 * from the same vectors in the same order with one thread is the same every
 * time.  All of hnswlib's memory (see mv_hnswlib_graph_memory_estimate) is
 * allocated here with malloc, outside any memory context.
 *
 * On success *out must later go to mv_hnswlib_graph_free(); on error *out
 * is NULL.
 */
extern MvStatus mv_hnswlib_graph_create(MvHnswlibGraph **out, int dim,
										MvHnswlibMetric metric, int m,
										int ef_construction,
										int64_t max_elements,
										uint64_t seed) MV_NOEXCEPT;

/*
 * Add n vectors (row-major, dim floats each; copied) with the labels
 * first_label .. first_label + n - 1, which must be non-negative and not in
 * the graph yet (else MV_ERR_INVALID and nothing is added).  nthreads <= 1
 * inserts in the calling thread, in label order; more threads insert
 * concurrently, in an order that varies from run to run.
 *
 * Adding past max_elements fails inside hnswlib (MV_ERR_LIB).  After any
 * error other than MV_ERR_INVALID, some of the batch may be in the graph,
 * one node possibly half inserted (a failed allocation), so the graph is
 * marked broken: mv_hnswlib_graph_count() still answers, free works, and
 * every other call returns MV_ERR_INVALID.
 */
extern MvStatus mv_hnswlib_graph_add(MvHnswlibGraph *g, const float *vectors,
									 int64_t first_label, int64_t n,
									 int nthreads) MV_NOEXCEPT;

/*
 * Call fn(arg, begin, end) over [0, n) in chunks of chunk, from the calling
 * thread and nthreads - 1 more (threads as above: joined before this
 * returns, every signal blocked).  fn is plain C work on the caller's
 * arrays: it must not call PostgreSQL (no palloc, no ereport) nor touch
 * what another chunk writes.
 */
typedef void (*MvParallelFn) (void *arg, int64_t begin, int64_t end);

extern MvStatus mv_hnswlib_parallel_for(int64_t n, int64_t chunk,
										MvParallelFn fn, void *arg,
										int nthreads) MV_NOEXCEPT;

/* Number of vectors in the graph (0 for NULL). */
extern int64_t mv_hnswlib_graph_count(const MvHnswlibGraph *g) MV_NOEXCEPT;

/*
 * The entry point: its label and level (the top level of the graph), or
 * label -1 and level -1 for an empty graph.
 */
extern MvStatus mv_hnswlib_graph_entry_point(const MvHnswlibGraph *g,
											 int64_t *label,
											 int *level) MV_NOEXCEPT;

/* The top level of a node: it has neighbour lists on levels 0 .. *level. */
extern MvStatus mv_hnswlib_graph_node_level(const MvHnswlibGraph *g,
											int64_t label,
											int *level) MV_NOEXCEPT;

/*
 * The neighbours of a node on one level, as labels, into out_labels: at most
 * 2 * m on level 0 and m above.  *count is set to the length of the list;
 * if that exceeds capacity, nothing is copied and MV_ERR_INVALID returned.
 */
extern MvStatus mv_hnswlib_graph_neighbors(const MvHnswlibGraph *g,
										   int64_t label, int level,
										   int64_t *out_labels, int capacity,
										   int *count) MV_NOEXCEPT;

/*
 * The k nearest labels to query (dim floats), nearest first, searching with
 * a candidate list of max(ef, k).  distances may be NULL; it gets the
 * metric's values as above.  *count is the number found (< k when the
 * graph holds fewer).  For tests and benchmarks.
 */
extern MvStatus mv_hnswlib_graph_search(const MvHnswlibGraph *g,
										const float *query, int k, int ef,
										int64_t *labels, float *distances,
										int *count) MV_NOEXCEPT;

/*
 * Bytes hnswlib will allocate for a graph of n vectors of dim floats built
 * with m, so the caller can compare with maintenance_work_mem before
 * building.  This counts the copy of every vector hnswlib keeps, the
 * neighbour lists, hnswlib's per-node locks and label map, and one visited
 * list; each further thread in mv_hnswlib_graph_add adds 2 * n bytes.
 * Returns 0 for arguments create would reject, SIZE_MAX if it overflows.
 */
extern size_t mv_hnswlib_graph_memory_estimate(int dim, int m,
											   int64_t n) MV_NOEXCEPT;

/* Free a graph and everything it holds.  NULL is fine. */
extern void mv_hnswlib_graph_free(MvHnswlibGraph *g) MV_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif							/* MILVUS_HNSWLIB_SHIM_H */
