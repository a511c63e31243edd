/*-------------------------------------------------------------------------
 *
 * annoy.c
 *	  The annoy access method: handler, options, settings, cost, validation.
 *
 * See annoy.h for the page layout and the lock order.
 *
 * IDENTIFICATION
 *	  src/annoy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/amvalidate.h"
#include "commands/progress.h"
#include "optimizer/optimizer.h"
#include "utils/guc.h"
#include "utils/selfuncs.h"

#include "amcommon.h"
#include "annoy.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(annoyhandler);

int			annoy_search_k = ANNOY_DEFAULT_SEARCH_K;

static relopt_kind annoy_relopt_kind;

/*
 * annoy.search_k is -1 or positive: 0 would find nothing.
 */
static bool
SearchKCheckHook(int *newval, void **extra, GucSource source)
{
	if (*newval == 0)
	{
		GUC_check_errdetail("annoy.search_k must be -1 or a positive number.");
		return false;
	}
	return true;
}

/*
 * Register the reloption and the setting; called from _PG_init.
 */
void
AnnoyInit(void)
{
	annoy_relopt_kind = add_reloption_kind();
	add_int_reloption(annoy_relopt_kind, "n_trees",
					  "Number of trees in the forest",
					  ANNOY_DEFAULT_N_TREES, ANNOY_MIN_N_TREES,
					  ANNOY_MAX_N_TREES, AccessExclusiveLock);

	DefineCustomIntVariable("annoy.search_k",
							"Sets how many candidates an annoy index scan collects",
							"-1 collects n_trees x 100 (Annoy's n_trees x k for "
							"k = 100, since an index scan does not see LIMIT); "
							"a scan that needs more rows collects more.",
							&annoy_search_k, ANNOY_DEFAULT_SEARCH_K,
							-1, ANNOY_MAX_SEARCH_K,
							PGC_USERSET, 0, SearchKCheckHook, NULL, NULL);

	MarkGUCPrefixReserved("annoy");
}

/*
 * Parse and validate reloptions.
 */
static bytea *
annoyoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"n_trees", RELOPT_TYPE_INT, offsetof(AnnoyOptions, nTrees)},
	};

	return (bytea *) build_reloptions(reloptions, validate, annoy_relopt_kind,
									  sizeof(AnnoyOptions), tab,
									  lengthof(tab));
}

/*
 * The index's n_trees.
 */
int
AnnoyGetNTrees(Relation index)
{
	AnnoyOptions *opts = (AnnoyOptions *) index->rd_options;

	return opts ? opts->nTrees : ANNOY_DEFAULT_N_TREES;
}

/*
 * The cost of collecting and ranking c candidates: the descent of every
 * tree (about log2 of its leaves inner nodes, one page read apiece), the
 * leaves that hold the candidates, and one vector page and one distance per
 * candidate, as random page reads at the heap's share of the table's pages
 * (AmHeapPageShare: wide values live in TOAST, which the planner does not
 * charge other plans for).
 */
static Cost
CandidatesCost(double c, double nTrees, double tuples, double pages,
			   double pageShare)
{
	double		depth = Max(1.0, log2(tuples / ANNOY_MIN_LEAF + 1));
	double		pagesRead = Min(pages, nTrees * depth + c / ANNOY_MIN_LEAF + c);

	return pagesRead * random_page_cost * pageShare +
		(c + nTrees * depth) * cpu_operator_cost;
}

/*
 * Cost.  Before the first row comes back a scan collects search_k
 * candidates and ranks them: that is the startup cost.  A filter that the
 * index does not evaluate drops rows after their heap fetch, so to keep
 * LIMIT k rows the scan returns about k / s rows at the filter's
 * selectivity s (AmEstimateFilter), from as many candidates at least
 * (further rounds), each fetched from the heap; the total is set so that
 * the planner's interpolation for LIMIT k comes to the cost of those
 * (AmTotalCostForLimit).  Without a LIMIT the rows wanted are one round's.
 */
static void
annoycostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				  Cost *indexStartupCost, Cost *indexTotalCost,
				  Selectivity *indexSelectivity, double *indexCorrelation,
				  double *indexPages)
{
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	double		pages = Max(info->pages, 1);
	double		share;
	double		nTrees;
	double		searchK;
	double		needed;
	AmFilterEstimate est;
	Relation	index;

	if (AmCostWithoutOrderBy(path, indexStartupCost, indexTotalCost,
							 indexSelectivity, indexCorrelation, indexPages))
		return;

	index = index_open(info->indexoid, NoLock);
	nTrees = AnnoyGetNTrees(index);
	index_close(index, NoLock);
	searchK = annoy_search_k > 0 ? annoy_search_k : nTrees * ANNOY_DEFAULT_K;
	searchK = Min(searchK, tuples);
	share = AmHeapPageShare(root, info);

	*indexCorrelation = 0;
	*indexPages = pages;
	*indexStartupCost = CandidatesCost(searchK, nTrees, tuples, pages, share);

	AmEstimateFilter(root, path, searchK, &est);
	*indexSelectivity = est.condSel;
	needed = Min(Max(searchK, est.returned), tuples);
	*indexTotalCost = AmTotalCostForLimit(path, &est, *indexStartupCost,
										  CandidatesCost(needed, nTrees, tuples,
														 pages, share) +
										  est.returned * cpu_index_tuple_cost +
										  AmDroppedFetchCost(root, info, &est,
															 est.returned));
}

/*
 * Validate an operator class: one ordering operator (strategy 1) and its
 * distance function as support function 1.
 */
static bool
annoyvalidate(Oid opclassoid)
{
	return ValidateOrderingOpclass(opclassoid, ANNOY_DISTANCE_PROC, 0, NULL);
}

/*
 * Build-phase names for pg_stat_progress_create_index.
 */
static char *
annoybuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case ANNOY_PHASE_LOAD:
			return "loading tuples";
		case ANNOY_PHASE_TREES:
			return "building trees";
		case ANNOY_PHASE_INSERT:
			return "inserting tuples";
		default:
			return NULL;
	}
}

/*
 * The handler: what the access method can do and its callbacks.
 */
Datum
annoyhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = MakeOrderingAmRoutine(1);

	amroutine->ambuild = annoybuild;
	amroutine->ambuildempty = annoybuildempty;
	amroutine->aminsert = annoyinsert;
	amroutine->ambulkdelete = annoybulkdelete;
	amroutine->amvacuumcleanup = annoyvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = annoycostestimate;
	amroutine->amoptions = annoyoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = annoybuildphasename;
	amroutine->amvalidate = annoyvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = annoybeginscan;
	amroutine->amrescan = annoyrescan;
	amroutine->amgettuple = annoygettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = annoyendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
