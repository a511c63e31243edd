/*-------------------------------------------------------------------------
 *
 * ivf.c
 *	  The ivfflat and ivf access methods: handlers, options, settings, cost,
 *	  validation.
 *
 * See ivf.h for the page layout and the lock order.  ivfflat is
 * pgvector's: option lists, settings ivfflat.probes, ivfflat.iterative_scan
 * and ivfflat.max_probes.  ivf adds the quantizer (flat, sq8, pq with pq_m
 * and pq_bits) and the settings ivf.probes, ivf.rerank, ivf.iterative_scan
 * and ivf.max_probes.
 *
 * IDENTIFICATION
 *	  src/ivf.c
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
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"
#include "utils/syscache.h"

#include "ivf.h"
#include "amcommon.h"
#include "amfilter.h"
#include "buildthreads.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(ivfflathandler);
PGDLLEXPORT PG_FUNCTION_INFO_V1(ivfhandler);

int			ivfflat_probes = IVF_DEFAULT_PROBES;
int			ivfflat_iterative_scan = IVF_ITERATIVE_SCAN_OFF;
int			ivfflat_max_probes = IVF_MAX_PROBES;
int			ivf_probes = IVF_DEFAULT_PROBES;
int			ivf_rerank = IVF_DEFAULT_RERANK;
int			ivf_iterative_scan = IVF_ITERATIVE_SCAN_OFF;
int			ivf_max_probes = IVF_MAX_PROBES;
int			ivf_build_threads = -1;

static relopt_kind ivfflat_relopt_kind;
static relopt_kind ivf_relopt_kind;

static const struct config_enum_entry ivf_iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_SCAN_RELAXED, false},
	{NULL, 0, false}
};

static const char *const IvfQuantizerNames[] = {"flat", "sq8", "pq"};

/*
 * The quantizer named by an option value, or -1.
 */
static int
ParseQuantizer(const char *value)
{
	for (int i = 0; i < lengthof(IvfQuantizerNames); i++)
		if (value != NULL && pg_strcasecmp(value, IvfQuantizerNames[i]) == 0)
			return i;
	return -1;
}

/*
 * Validator of the quantizer option.
 */
static void
ValidateQuantizer(const char *value)
{
	if (value != NULL && ParseQuantizer(value) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for ivf option \"quantizer\": \"%s\"",
						value),
				 errdetail("Valid values are \"flat\", \"sq8\" and \"pq\".")));
}

/*
 * The name of a quantizer.
 */
const char *
IvfQuantizerName(IvfQuantizer q)
{
	return IvfQuantizerNames[q];
}

/*
 * Register the settings of one access method (prefix "ivfflat" or "ivf").
 */
static void
DefineScanSettings(const char *prefix, int *probes, int *iterative,
				   int *maxProbes)
{
	DefineCustomIntVariable(psprintf("%s.probes", prefix),
							"Sets the number of lists to probe",
							"More lists give better recall and slower queries.",
							probes, IVF_DEFAULT_PROBES, 1, IVF_MAX_PROBES,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable(psprintf("%s.iterative_scan", prefix),
							 "Sets the mode for iterative scans",
							 "With iterative scans, a query whose filter drops "
							 "rows keeps probing more lists.",
							 iterative, IVF_ITERATIVE_SCAN_OFF,
							 ivf_iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable(psprintf("%s.max_probes", prefix),
							"Sets the maximum number of lists an iterative scan probes",
							NULL, maxProbes, IVF_MAX_PROBES, 1, IVF_MAX_PROBES,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved(prefix);
}

/*
 * Register the reloptions and settings; called from _PG_init.
 */
void
IvfInit(void)
{
	ivfflat_relopt_kind = add_reloption_kind();
	add_int_reloption(ivfflat_relopt_kind, "lists", "Number of inverted lists",
					  IVF_DEFAULT_LISTS, IVF_MIN_LISTS, IVF_MAX_LISTS,
					  AccessExclusiveLock);

	ivf_relopt_kind = add_reloption_kind();
	add_int_reloption(ivf_relopt_kind, "lists", "Number of inverted lists",
					  IVF_DEFAULT_LISTS, IVF_MIN_LISTS, IVF_MAX_LISTS,
					  AccessExclusiveLock);
	add_string_reloption(ivf_relopt_kind, "quantizer",
						 "How list entries store vectors: flat, sq8 or pq",
						 "flat", ValidateQuantizer, AccessExclusiveLock);
	add_int_reloption(ivf_relopt_kind, "pq_m",
					  "Number of pq sub-quantizers (0: dimensions / 4)",
					  0, 0, IVF_MAX_PQ_M, AccessExclusiveLock);
	add_int_reloption(ivf_relopt_kind, "pq_bits",
					  "Bits per pq sub-quantizer code",
					  IVF_DEFAULT_PQ_BITS, IVF_MIN_PQ_BITS, IVF_MAX_PQ_BITS,
					  AccessExclusiveLock);

	DefineScanSettings("ivfflat", &ivfflat_probes, &ivfflat_iterative_scan,
					   &ivfflat_max_probes);

	DefineCustomIntVariable("ivf.rerank",
							"Sets how many candidates are re-ranked with exact distances",
							"0 returns candidates in the order of their approximate distances.",
							&ivf_rerank, IVF_DEFAULT_RERANK, 0, IVF_MAX_RERANK,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineScanSettings("ivf", &ivf_probes, &ivf_iterative_scan,
					   &ivf_max_probes);

	BuildThreadsInit();
	DefineCustomIntVariable("milvus.ivf_build_threads",
							"Sets the number of threads that train an ivf index",
							"-1 uses max_parallel_maintenance_workers + 1; at most milvus.max_build_threads.",
							&ivf_build_threads, -1, -1, BUILD_THREADS_LIMIT,
							PGC_USERSET, 0, BuildThreadsCheckHook, NULL, NULL);
}

/*
 * amoptions of ivfflat.
 */
static bytea *
ivfflatoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
	};

	return (bytea *) build_reloptions(reloptions, validate,
									  ivfflat_relopt_kind, sizeof(IvfOptions),
									  tab, lengthof(tab));
}

/*
 * amoptions of ivf.
 */
static bytea *
ivfoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
		{"quantizer", RELOPT_TYPE_STRING, offsetof(IvfOptions, quantizerOffset)},
		{"pq_m", RELOPT_TYPE_INT, offsetof(IvfOptions, pqM)},
		{"pq_bits", RELOPT_TYPE_INT, offsetof(IvfOptions, pqBits)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivf_relopt_kind,
									  sizeof(IvfOptions), tab, lengthof(tab));
}

/*
 * Whether the index is an ivfflat index (else ivf).
 */
bool
IvfIsIvfflat(Relation index)
{
	return index->rd_indam->amoptions == ivfflatoptions;
}

/*
 * The lists the index asks for.
 */
int
IvfGetLists(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return opts ? opts->lists : IVF_DEFAULT_LISTS;
}

/*
 * The quantizer the index asks for (flat for ivfflat).
 */
IvfQuantizer
IvfGetQuantizer(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;
	int			q;

	if (IvfIsIvfflat(index) || opts == NULL || opts->quantizerOffset == 0)
		return IVF_QUANTIZER_FLAT;
	q = ParseQuantizer((const char *) opts + opts->quantizerOffset);
	return q < 0 ? IVF_QUANTIZER_FLAT : (IvfQuantizer) q;
}

/*
 * The number of pq sub-quantizers: the option, or dimensions / 4.  It must
 * divide the dimensions.
 */
int
IvfGetPqM(Relation index, int dimensions)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;
	int			m = (opts && !IvfIsIvfflat(index)) ? opts->pqM : 0;

	if (m == 0)
		m = Max(dimensions / 4, 1);
	if (m > dimensions || dimensions % m != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pq_m must divide the number of dimensions (%d)",
						dimensions)));
	return m;
}

/*
 * The bits of a pq code.
 */
int
IvfGetPqBits(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return (opts && !IvfIsIvfflat(index)) ? opts->pqBits : IVF_DEFAULT_PQ_BITS;
}

/*
 * Cost.  A scan reads the probed lists whole before it returns the first
 * row: about probes / lists of the index, one distance per tuple (for a
 * quantized index, plus the re-ranked heap fetches).  That is the startup
 * cost.  Without ORDER BY the index is never used.
 *
 * A filter that the index does not evaluate drops rows after their heap
 * fetch, so to keep LIMIT k rows a scan returns about k / s tuples at the
 * filter's selectivity s (AmEstimateFilter), fetching each from the heap
 * at a random place; an iterative scan probes further lists until they
 * hold that many entries, up to max_probes lists.  That is the cost of the
 * first k rows; the total is set so that the planner's interpolation for
 * LIMIT k comes to it.
 *
 * A list is a chain of pages mostly laid out in order, so half of the page
 * reads are charged as sequential.  Large values are stored inline in the
 * index but TOASTed in the heap, whose sequential scan cost counts only
 * the main fork; when less than half the lists are probed, the probed
 * pages are charged at the heap's share of the table's pages
 * (AmHeapPageShare), so that the index is chosen at 1,536 dimensions as at
 * 384.  Probing half the lists or more reads about what a sequential scan
 * reads, and is left at its full price.
 */
static void
ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				Cost *indexStartupCost, Cost *indexTotalCost,
				Selectivity *indexSelectivity, double *indexCorrelation,
				double *indexPages)
{
	GenericCosts costs;
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	double		ratio;
	double		probed;
	double		startupPages;
	double		seqPageCost;
	Relation	index;
	int			lists;
	int			probes;
	int			maxProbes;
	bool		iterative;
	double		rerank = 0;
	Cost		startup;
	AmFilterEstimate est;

	if (AmCostWithoutOrderBy(path, indexStartupCost, indexTotalCost,
							 indexSelectivity, indexCorrelation, indexPages))
		return;

	index = index_open(info->indexoid, NoLock);
	lists = IvfGetLists(index);
	if (IvfIsIvfflat(index))
	{
		probes = ivfflat_probes;
		maxProbes = ivfflat_max_probes;
		iterative = ivfflat_iterative_scan != IVF_ITERATIVE_SCAN_OFF;
	}
	else
	{
		probes = ivf_probes;
		maxProbes = ivf_max_probes;
		iterative = ivf_iterative_scan != IVF_ITERATIVE_SCAN_OFF;
		if (IvfGetQuantizer(index) != IVF_QUANTIZER_FLAT)
			rerank = ivf_rerank;
	}
	index_close(index, NoLock);

	ratio = Min(1.0, (double) probes / lists);

	/* the whole index: every entry of a probed list is read */
	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = tuples;
	genericcostestimate(root, path, loop_count, &costs);
	get_tablespace_page_costs(info->reltablespace, NULL, &seqPageCost);
	costs.indexTotalCost -= 0.5 * costs.numIndexPages *
		(costs.spc_random_page_cost - seqPageCost);

	/* the probed lists */
	startup = costs.indexTotalCost * ratio;
	startupPages = costs.numIndexPages * ratio;
	if (ratio < 0.5)
		startup -= (1.0 - AmHeapPageShare(root, info)) *
			startupPages * 0.5 * (costs.spc_random_page_cost + seqPageCost);

	/* the lists probed to find the first LIMIT rows through the filter */
	AmEstimateFilter(root, path, Max(rerank, ratio * tuples), &est);
	probed = ratio;
	if (iterative)
		probed = Min(Max(ratio, est.scanned / tuples),
					 Max(ratio, Min(1.0, (double) maxProbes / lists)));

	*indexStartupCost = startup + rerank * (random_page_cost + cpu_tuple_cost);
	*indexTotalCost = AmTotalCostForLimit(path, &est, *indexStartupCost,
										  *indexStartupCost +
										  startup * (probed / ratio - 1.0) +
										  AmDroppedFetchCost(root, info, &est,
															 Min(est.returned,
																 probed * tuples)));
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}

/*
 * Validate an operator class: for a vector column, one ordering operator
 * (strategy 1) and the distance support function; for a filter column,
 * boolean search operators only.
 */
static bool
ivfvalidate(Oid opclassoid)
{
	if (AmIsFilterOpclass(opclassoid))
		return AmValidateFilterOpclass(opclassoid);
	return ValidateOrderingOpclass(opclassoid, IVF_DISTANCE_PROC, 0, NULL);
}

/*
 * Build-phase names for pg_stat_progress_create_index.
 */
static char *
ivfbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case IVF_PHASE_SAMPLE:
			return "sampling rows";
		case IVF_PHASE_TRAIN:
			return "training";
		case IVF_PHASE_LOAD:
			return "loading tuples";
		default:
			return NULL;
	}
}

/*
 * The routine both handlers share; amoptions differs.
 */
static IndexAmRoutine *
MakeRoutine(amoptions_function options)
{
	IndexAmRoutine *amroutine = MakeOrderingAmRoutine(1);

	/* filter columns after the vector (amfilter.c), not = ANY: see hnsw.c */
	amroutine->amcanmulticol = true;
	amroutine->ambuild = ivfbuild;
	amroutine->ambuildempty = ivfbuildempty;
	amroutine->aminsert = ivfinsert;
	amroutine->ambulkdelete = ivfbulkdelete;
	amroutine->amvacuumcleanup = ivfvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ivfcostestimate;
	amroutine->amoptions = options;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ivfbuildphasename;
	amroutine->amvalidate = ivfvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ivfbeginscan;
	amroutine->amrescan = ivfrescan;
	amroutine->amgettuple = ivfgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ivfendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;
	return amroutine;
}

/*
 * The ivfflat handler.
 */
Datum
ivfflathandler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(MakeRoutine(ivfflatoptions));
}

/*
 * The ivf handler.
 */
Datum
ivfhandler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(MakeRoutine(ivfoptions));
}
