/*-------------------------------------------------------------------------
 *
 * flat.c
 *	  The flat access method: handler, options, settings, cost, validation.
 *
 * See flat.h for the page layout and the lock order.
 *
 * IDENTIFICATION
 *	  src/flat.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "commands/progress.h"
#include "optimizer/optimizer.h"
#include "utils/catcache.h"
#include "utils/guc.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "flat.h"
#include "amcommon.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(flathandler);

int			flat_batch_size = FLAT_DEFAULT_BATCH_SIZE;

static relopt_kind flat_relopt_kind;

/*
 * Register the settings and the (empty) option kind; called from _PG_init.
 */
void
FlatInit(void)
{
	flat_relopt_kind = add_reloption_kind();

	DefineCustomIntVariable("flat.batch_size",
							"Sets how many entries the first pass of a flat index scan keeps",
							"A scan that needs more entries rescans the index "
							"for four times as many, up to work_mem.",
							&flat_batch_size, FLAT_DEFAULT_BATCH_SIZE,
							1, FLAT_MAX_BATCH_SIZE,
							PGC_USERSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("flat");
}

/*
 * Options: flat has none; any given is rejected as unrecognized.
 */
static bytea *
flatoptions(Datum reloptions, bool validate)
{
	return (bytea *) build_reloptions(reloptions, validate, flat_relopt_kind,
									  sizeof(StdRdOptions), NULL, 0);
}

/*
 * How many passes over the index a scan makes to return n entries: the
 * first keeps flat.batch_size, each further one four times as many.
 */
static double
EstimatePasses(double n)
{
	double		passes = 1;

	for (double k = flat_batch_size; k < n && passes < 32; k *= 4)
		passes++;
	return passes;
}

/*
 * Cost.  Before the first row comes back the scan reads every index page
 * in physical order and computes one distance per entry with a kernel:
 * that is the startup cost, priced as sequential page reads plus one
 * operator cost per entry (the executor's sequential scan pays a tuple
 * cost, the distance and a sort comparison per row on top of its pages).
 * Wide values that the table stores out of line (TOAST) make the index
 * larger than the table, yet a sequential scan reads those same bytes
 * through TOAST, which the planner does not charge it for; so the index's
 * pages are priced at the heap's share of the table's pages
 * (AmHeapPageShare), which keeps the comparison even.
 *
 * Further passes, needed when more rows than a batch are consumed, and the
 * heap fetches are the run cost.  A filter that the index does not
 * evaluate drops rows after their heap fetch, so to keep LIMIT k rows the
 * scan returns about k / s tuples at the filter's selectivity s
 * (AmEstimateFilter), each fetched from the heap at a random place; the
 * total is set so that the planner's interpolation for LIMIT k comes to
 * the cost of those.  So ORDER BY ... LIMIT uses the index, while a WHERE
 * clause that keeps few rows through another index stays cheaper on that
 * index.
 */
static void
flatcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	double		pages = Max(info->pages, 1);
	AmFilterEstimate est;

	if (AmCostWithoutOrderBy(path, indexStartupCost, indexTotalCost,
							 indexSelectivity, indexCorrelation, indexPages))
		return;

	*indexCorrelation = 0;
	*indexPages = pages;
	*indexSelectivity = 1.0;
	pages *= AmHeapPageShare(root, info);
	*indexStartupCost = pages * seq_page_cost + tuples * cpu_operator_cost;

	/* a pass skips the entries the search keys reject (flatscan.c) */
	AmEstimateFilter(root, path, flat_batch_size, &est);
	*indexSelectivity = est.condSel;
	*indexTotalCost = AmTotalCostForLimit(path, &est, *indexStartupCost,
										  *indexStartupCost *
										  EstimatePasses(est.returned) +
										  est.returned * cpu_index_tuple_cost +
										  AmDroppedFetchCost(root, info, &est,
															 est.returned));
}

/*
 * Cost of a scan with search keys (bit @>, <@, %; flatfilter.c).  Without
 * ORDER BY, the scan reads every index page once and tests every entry:
 * sequential page reads plus one operator cost per entry and key, none of
 * it before the first row of a plain index scan; the keys' selectivity is
 * their operators' estimate.  With ORDER BY, flatcostestimate prices them
 * as index conditions (AmEstimateFilter): every pass reads every entry,
 * and the keys cut the rows returned, and so the further passes.
 */
static void
flatkeyscostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
					 Cost *indexStartupCost, Cost *indexTotalCost,
					 Selectivity *indexSelectivity, double *indexCorrelation,
					 double *indexPages)
{
	IndexOptInfo *index = path->indexinfo;
	List	   *quals = get_quals_from_indexclauses(path->indexclauses);
	Selectivity keysSelectivity;
	double		pages = Max(index->pages, 1);

	flatcostestimate(root, path, loop_count, indexStartupCost, indexTotalCost,
					 indexSelectivity, indexCorrelation, indexPages);
	if (quals == NIL || path->indexorderbys != NIL)
		return;

	keysSelectivity = clauselist_selectivity(root, quals, index->rel->relid,
											 JOIN_INNER, NULL);
	*indexSelectivity = keysSelectivity;
	*indexStartupCost = 0;
	*indexTotalCost = pages * seq_page_cost +
		index->tuples * cpu_operator_cost * list_length(quals) +
		keysSelectivity * index->tuples * cpu_index_tuple_cost;
	*indexPages = pages;
}

/*
 * Validate an operator class: one ordering operator (strategy 1), its
 * distance function as support function 1, and on bit the search
 * operators of flatfilter.c.
 */
static bool
flatvalidate(Oid opclassoid)
{
	return ValidateOrderingOpclass(opclassoid, FLAT_DISTANCE_PROC, 0,
								   FlatSearchOperatorAllowed);
}

/*
 * Build-phase names for pg_stat_progress_create_index.
 */
static char *
flatbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case FLAT_PHASE_LOAD:
			return "loading tuples";
		default:
			return NULL;
	}
}

/*
 * The handler: what the access method can do and its callbacks.
 */
Datum
flathandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = MakeOrderingAmRoutine(1);

	amroutine->ambuild = flatbuild;
	amroutine->ambuildempty = flatbuildempty;
	amroutine->aminsert = flatinsert;
	amroutine->ambulkdelete = flatbulkdelete;
	amroutine->amvacuumcleanup = flatvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = flatkeyscostestimate;
	amroutine->amoptions = flatoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = flatbuildphasename;
	amroutine->amvalidate = flatvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = flatbeginscan;
	amroutine->amrescan = flatrescan;
	amroutine->amgettuple = flatgettuple;
	/* besides ordering, the bit operator classes take search keys */
	amroutine->amgetbitmap = flatgetbitmap;
	amroutine->amendscan = flatendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
