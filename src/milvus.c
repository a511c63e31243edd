/*-------------------------------------------------------------------------
 *
 * milvus.c
 *	  Module start-up: the magic block and _PG_init.
 *
 * _PG_init runs once per backend when the library is loaded.  It picks the
 * distance kernels for this CPU; later modules (index access methods,
 * settings, the background worker) register themselves from here too.
 *
 * IDENTIFICATION
 *	  src/milvus.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

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
	HnswInit();
	FlatInit();
	IvfInit();
	StatInit();
	MetricsInit();
	WorkerInit();

	/* every milvus.* setting is defined: placeholders are mistakes */
	MarkGUCPrefixReserved("milvus");
}
