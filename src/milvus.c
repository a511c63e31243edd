/*-------------------------------------------------------------------------
 *
 * milvus.c
 *	  Module start-up: the magic block and _PG_init.
 *
 * _PG_init runs once per backend when the library is loaded, and each
 * part registers itself from here:
 *
 *	- the distance kernels: the widest this CPU supports (DistanceInit);
 *	- hnsw: reloptions m, ef_construction; settings hnsw.* and
 *	  milvus.hnsw_build_threads (HnswInit);
 *	- flat: its reloption kind; setting flat.batch_size (FlatInit);
 *	- ivfflat and ivf: reloptions lists, quantizer, pq_m, pq_bits; settings
 *	  ivfflat.*, ivf.* and milvus.ivf_build_threads (IvfInit);
 *	- annoy: reloption n_trees; setting annoy.search_k (AnnoyInit);
 *	- monitoring: the per-index counters' shared memory and the hook that
 *	  forgets a dropped index (StatInit), settings milvus.metrics_* and the
 *	  "milvus metrics" background worker (MetricsInit);
 *	- the worker: settings milvus.worker_*, milvus.gpu_*, its job queue in
 *	  shared memory and the "milvus worker" background worker (WorkerInit);
 *	- the reserved prefixes hnsw, flat, ivfflat, ivf and milvus, so that a
 *	  misspelt setting is an error, not a placeholder.
 *
 * Shared memory and background workers exist only when milvus is in
 * shared_preload_libraries; the settings and reloptions always.
 *
 * IDENTIFICATION
 *	  src/milvus.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "annoy.h"
#include "bitvec.h"
#include "distance.h"
#include "flat.h"
#include "hnsw.h"
#include "ivf.h"
#include "metrics.h"
#include "stat.h"
#include "worker.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

/*
 * Library load hook: choose the widest distance kernels the CPU supports,
 * register the index access methods' options and settings.
 */
void
_PG_init(void)
{
	DistanceInit(DISTANCE_IMPL_AVX512);
	BitvecInit();
	HnswInit();
	FlatInit();
	IvfInit();
	AnnoyInit();
	StatInit();
	MetricsInit();
	WorkerInit();

	/* every milvus.* setting is defined: placeholders are mistakes */
	MarkGUCPrefixReserved("milvus");
}
