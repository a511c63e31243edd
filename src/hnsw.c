/*-------------------------------------------------------------------------
 *
 * hnsw.c
 *	  The hnsw access method: handler, options, settings, cost, validation.
 *
 * See hnsw.h for the page layout and the lock order.
 *
 * IDENTIFICATION
 *	  src/hnsw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "storage/bufmgr.h"
#include "utils/spccache.h"
#include "utils/catcache.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "hnsw.h"
#include "amcommon.h"
#include "amfilter.h"
#include "buildthreads.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(hnswhandler);

int			hnsw_ef_search = HNSW_DEFAULT_EF_SEARCH;
int			hnsw_iterative_scan = HNSW_ITERATIVE_SCAN_OFF;
int			hnsw_max_scan_tuples = 20000;
double		hnsw_scan_mem_multiplier = 1;
int			hnsw_build_threads = -1;
double		hnsw_filter_exact_fraction = 0.25;
bool		hnsw_codes = true;
double		hnsw_code_slack = 0;

static relopt_kind hnsw_relopt_kind;

static const struct config_enum_entry hnsw_iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_SCAN_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_SCAN_STRICT, false},
	{NULL, 0, false}
};

/*
 * Register the reloptions and settings; called from _PG_init.
 */
void
HnswInit(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	add_int_reloption(hnsw_relopt_kind, "m",
					  "Maximum number of connections per node",
					  HNSW_DEFAULT_M, HNSW_MIN_M, HNSW_MAX_M,
					  AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Size of the dynamic candidate list for construction",
					  HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION,
					  HNSW_MAX_EF_CONSTRUCTION, AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "codes",
					  "Bytes of the code kept beside each level-0 link (0: none, -1: chosen by the build)",
					  -1, -1, HNSW_CODE_MAX_M, AccessExclusiveLock);

	DefineCustomIntVariable("hnsw.ef_search",
							"Sets the size of the dynamic candidate list for search",
							"Larger values give better recall and slower queries.",
							&hnsw_ef_search, HNSW_DEFAULT_EF_SEARCH,
							HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Sets the mode for iterative scans",
							 "With iterative scans, a query whose filter drops "
							 "rows keeps searching the index for more.",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_SCAN_OFF,
							 hnsw_iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Sets the maximum number of tuples to visit for iterative scans",
							NULL, &hnsw_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Sets the multiple of work_mem to use for iterative scans",
							 NULL, &hnsw_scan_mem_multiplier, 1, 1, 1000,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	MarkGUCPrefixReserved("hnsw");

	DefineCustomRealVariable("milvus.hnsw_filter_exact_fraction",
							 "Sets the share of an hnsw index a filtered scan may still have to read in the graph before it reads the whole index exactly instead",
							 "When a scan with conditions on filter columns would still need to read this fraction of the index's elements at the match rate it sees, it reads every page once instead and returns the matching rows in exact order; 0 never does.",
							 &hnsw_filter_exact_fraction, 0.25, 0, 1,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomBoolVariable("milvus.hnsw_codes",
							 "Lets hnsw scans skip neighbours by their codes",
							 "A scan estimates each neighbour's distance from the code beside its link and reads only those that could enter its result set; off reads every neighbour, as an index without codes.",
							 &hnsw_codes, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomRealVariable("milvus.hnsw_code_slack",
							 "Sets how far beyond the result set a neighbour's estimated distance may be for an hnsw scan to still read it",
							 "A neighbour is read when its code's estimated distance is at most the farthest result's distance plus this fraction of its magnitude; larger values read more and lose less recall at a given ef_search.",
							 &hnsw_code_slack, 0, 0, 10,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	BuildThreadsInit();
	DefineCustomIntVariable("milvus.hnsw_build_threads",
							"Sets the number of threads that build an hnsw graph",
							"-1 uses max_parallel_maintenance_workers + 1; at most milvus.max_build_threads.",
							&hnsw_build_threads, -1, -1, BUILD_THREADS_LIMIT,
							PGC_USERSET, 0, BuildThreadsCheckHook, NULL, NULL);
}

/*
 * Parse and validate reloptions.
 */
static bytea *
hnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(HnswOptions, efConstruction)},
		{"codes", RELOPT_TYPE_INT, offsetof(HnswOptions, codes)},
	};
	HnswOptions *opts;

	opts = (HnswOptions *) build_reloptions(reloptions, validate,
											hnsw_relopt_kind,
											sizeof(HnswOptions),
											tab, lengthof(tab));

	if (validate && opts != NULL && opts->efConstruction < 2 * opts->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be greater than or equal to 2 * m")));

	return (bytea *) opts;
}

/*
 * The index's m.
 */
int
HnswGetM(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->m : HNSW_DEFAULT_M;
}

/*
 * The index's codes option: -1 (the default) lets the build choose.
 */
int
HnswGetCodesOption(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->codes : -1;
}

/*
 * The index's ef_construction.
 */
int
HnswGetEfConstruction(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->efConstruction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

/*
 * The most dimensions the indexed type may have, so that an element tuple
 * fits on a page: 2,000 for vector, 4,000 for halfvec, 64,000 bits for bit.
 * sparsevec is limited by its number of non-zero elements instead, which
 * the insert path checks; it returns -1 (no dimension limit, and no typmod
 * needed).
 */
int
HnswMaxDimensions(Relation index)
{
	Oid			typid = TupleDescAttr(index->rd_att, 0)->atttypid;
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	int			result = HNSW_MAX_DIM;

	if (HeapTupleIsValid(tup))
	{
		const char *typname = NameStr(((Form_pg_type) GETSTRUCT(tup))->typname);

		if (strcmp(typname, "halfvec") == 0)
			result = HNSW_MAX_HALFVEC_DIM;
		else if (strcmp(typname, "bit") == 0 || strcmp(typname, "varbit") == 0)
			result = HNSW_MAX_BIT_DIM;
		else if (strcmp(typname, "sparsevec") == 0)
			result = -1;
		ReleaseSysCache(tup);
	}
	return result;
}

/*
 * How many elements a search reads before its first result, fitted to the
 * work measured per query (BENCHMARKS.md, "Work per query": about 4 per
 * unit of ef_search at m = 16, plus a fixed part for filling the result
 * set and the descent, which grows with the number of levels): m / 4 per
 * unit of ef_search plus 5m per level, at least ef_search, at most the
 * whole index.
 */
static double
EstimateVisited(double tuples, int m, int efSearch)
{
	double		levels = Max(log(tuples) / log((double) m), 1.0);
	double		visited = efSearch * m / 4.0 + 5.0 * m * levels;

	return Min(tuples, Max(visited, (double) efSearch));
}

/*
 * How many elements a scan reads to reach scanned entries in distance
 * order, returned of them passing its index conditions: the first
 * search's, then m / 4 per further entry that passes (the same rate as
 * per unit of ef_search), and m per entry the conditions reject, at most
 * hnsw.max_scan_tuples (after which the scan returns what it has read, and
 * ends) and the whole index.  A rejected element still routes the search,
 * so it is expanded (up to 2m neighbours read) without adding a result:
 * on GloVe-100k, conditions keeping 1 % and 2 % of the rows took 3.5
 * times what the m / 4 rate predicts (BENCHMARKS.md, "Filtered search"),
 * and m per rejected entry fits both.  Without iterative scans and with no
 * condition, the first search's only.
 */
static double
EstimateReads(double tuples, int m, double visited, double scanned,
			  double returned)
{
	double		reads = visited;
	double		rejected = Max(scanned - returned, 0.0);
	double		passed = scanned - rejected;

	if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF && rejected <= 0)
		return visited;
	if (passed > hnsw_ef_search)
		reads += (passed - hnsw_ef_search) * m / 4.0;
	reads += rejected * m;
	return Min(reads, Max(Min(tuples, (double) hnsw_max_scan_tuples),
						  visited));
}

/*
 * Cost.  A search reads EstimateVisited elements before the first tuple
 * comes back: that is the startup cost, priced by genericcostestimate as
 * an index scan over that many index tuples plus one distance each.
 *
 * A filter that the index does not evaluate drops rows after their heap
 * fetch, so to keep LIMIT k rows an iterative scan returns about k / s
 * tuples at the filter's selectivity s (AmEstimateFilter), reading more
 * elements for each (EstimateReads), and fetches each from the heap at a
 * random place.  That is the cost of the first k rows; the total is set so
 * that the planner's interpolation for LIMIT k comes to it.  So ORDER BY
 * ... LIMIT uses the index when the filter keeps most rows, and a filter
 * that keeps few (whose matches the scan must read most of the graph to
 * find) makes a btree plus an exact sort cheaper.  Index conditions on key
 * columns are checked during the search: they make it read more elements,
 * not fetch more heap tuples.
 *
 * When the vectors live in TOAST, the other plans' costs leave out reading
 * them (AmHeapPageShare); to compare like with like, the index pages read
 * are charged at the same share, which is what reading only the part of
 * each row the heap holds would cost.  Without this a sequential scan and
 * sort, which detoasts every row, looks cheaper than a search that reads
 * a few hundred pages (BENCHMARKS.md: 150 ms against 2 ms).
 */
static void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	double		visited;
	double		reads;
	double		fetched;
	double		pagesFetched;
	double		randomPageCost;
	AmFilterEstimate est;
	Relation	index;
	int			m;

	if (AmCostWithoutOrderBy(path, indexStartupCost, indexTotalCost,
							 indexSelectivity, indexCorrelation, indexPages))
		return;

	index = index_open(info->indexoid, NoLock);
	m = HnswGetM(index);
	index_close(index, NoLock);

	visited = EstimateVisited(tuples, m, hnsw_ef_search);

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = visited;
	genericcostestimate(root, path, loop_count, &costs);

	/* the page part of genericcostestimate's cost, computed as it does */
	get_tablespace_page_costs(info->reltablespace, &randomPageCost, NULL);
	pagesFetched = costs.numIndexPages;
	if (loop_count > 1)
		pagesFetched = index_pages_fetched(costs.numIndexPages * loop_count,
										   info->pages, info->pages,
										   root) / loop_count;

	*indexStartupCost = costs.indexTotalCost + visited * cpu_operator_cost -
		(1.0 - AmHeapPageShare(root, info)) * pagesFetched * randomPageCost;

	/* the first LIMIT rows through the filter */
	AmEstimateFilter(root, path, hnsw_ef_search, &est);
	reads = EstimateReads(tuples, m, visited, est.scanned, est.returned);
	fetched = Min(est.returned, hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF ?
				  hnsw_ef_search : reads);
	*indexTotalCost = AmTotalCostForLimit(path, &est, *indexStartupCost,
										  *indexStartupCost * reads / visited +
										  AmDroppedFetchCost(root, info, &est,
															 fetched));
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}

/*
 * Validate an operator class: for a vector column, one ordering operator
 * (strategy 1) and the distance support function, optionally the norm
 * function; for a filter column, boolean search operators only.
 */
static bool
hnswvalidate(Oid opclassoid)
{
	if (AmIsFilterOpclass(opclassoid))
		return AmValidateFilterOpclass(opclassoid);
	return ValidateOrderingOpclass(opclassoid, HNSW_DISTANCE_PROC,
								   (1 << HNSW_NORM_PROC) |
								   (1 << HNSW_NORMALIZE_PROC), NULL);
}

/*
 * Build-phase names for pg_stat_progress_create_index.
 */
static char *
hnswbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case HNSW_PHASE_LOAD:
			return "loading tuples";
		case HNSW_PHASE_GRAPH:
			return "building graph";
		case HNSW_PHASE_WRITE:
			return "writing pages";
		default:
			return NULL;
	}
}

/*
 * The handler: what the access method can do and its callbacks.
 */
Datum
hnswhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = MakeOrderingAmRoutine(3);

	/*
	 * Filter columns after the vector (amfilter.c): their WHERE clauses
	 * are index conditions the scan evaluates.  Not = ANY (array): on a
	 * column after the first, PostgreSQL 15 gives up the index order for
	 * it, so that such a path could not serve ORDER BY anyway.
	 */
	amroutine->amcanmulticol = true;
	amroutine->ambuild = hnswbuild;
	amroutine->ambuildempty = hnswbuildempty;
	amroutine->aminsert = hnswinsert;
	amroutine->ambulkdelete = hnswbulkdelete;
	amroutine->amvacuumcleanup = hnswvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = hnswcostestimate;
	amroutine->amoptions = hnswoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = hnswbuildphasename;
	amroutine->amvalidate = hnswvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = hnswbeginscan;
	amroutine->amrescan = hnswrescan;
	amroutine->amgettuple = hnswgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = hnswendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
