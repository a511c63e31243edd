/*-------------------------------------------------------------------------
 *
 * amcommon.c
 *	  What our access methods share: their IndexAmRoutine capabilities,
 *	  page extension, the parts of their cost estimates they share,
 *	  ValidateOrderingOpclass, their amvalidate, ExtensionTypeOid, the
 *	  indexed type by OID, the metric and dimensions of the indexed column,
 *	  the copy of new keys on amrescan, and the checks of an indexed or
 *	  stored value.
 *
 * IDENTIFICATION
 *	  src/amcommon.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"
#include "utils/syscache.h"
#include "utils/varbit.h"

#include "amcommon.h"
#include "halfutils.h"
#include "halfvec.h"
#include "vector.h"

IndexAmRoutine *
MakeOrderingAmRoutine(uint16 amsupport)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = amsupport;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;
	return amroutine;
}

Buffer
ExtendIndex(Relation index, ForkNumber forkNum)
{
	Buffer		buf;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, forkNum, P_NEW, RBM_NORMAL, NULL);
	UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

BlockNumber
ExtendIndexWithPage(Relation index, ForkNumber forkNum, Page page)
{
	Buffer		buf = ExtendIndex(index, forkNum);
	BlockNumber blkno;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	memcpy(BufferGetPage(buf), page, BLCKSZ);
	MarkBufferDirty(buf);
	blkno = BufferGetBlockNumber(buf);
	UnlockReleaseBuffer(buf);
	return blkno;
}

bool
AmCostWithoutOrderBy(IndexPath *path, Cost *indexStartupCost,
					 Cost *indexTotalCost, Selectivity *indexSelectivity,
					 double *indexCorrelation, double *indexPages)
{
	if (path->indexorderbys != NIL)
		return false;
	*indexStartupCost = DBL_MAX;
	*indexTotalCost = DBL_MAX;
	*indexSelectivity = 0;
	*indexCorrelation = 0;
	*indexPages = 0;
	return true;
}

/*
 * Vectors over about 2 kB live in TOAST, and a sequential scan computing
 * a distance for every row reads them all there, but its cost counts the
 * heap pages only (and no detoasting).
 */
double
AmHeapPageShare(PlannerInfo *root, IndexOptInfo *info)
{
	RangeTblEntry *rte = planner_rt_fetch(info->rel->relid, root);
	Relation	heap;
	Oid			toastOid;
	BlockNumber toastPages = 0;
	double		heapPages = Max(info->rel->pages, 1);

	heap = table_open(rte->relid, NoLock);
	toastOid = heap->rd_rel->reltoastrelid;
	table_close(heap, NoLock);

	if (OidIsValid(toastOid))
	{
		Relation	toast = table_open(toastOid, AccessShareLock);

		toastPages = RelationGetNumberOfBlocks(toast);
		table_close(toast, AccessShareLock);
	}
	return heapPages / (heapPages + toastPages);
}

/*
 * Whether an expression holds a parameter whose value the planner does
 * not know: a generic plan of a prepared statement sees $n as such.  A
 * custom plan sees the values, as constants.
 */
static bool
ContainsExternParam(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXTERN)
		return true;
	return expression_tree_walker(node, ContainsExternParam, context);
}

/*
 * The quals of path's relation that the index does not evaluate: those the
 * executor checks on each heap row the scan returns.
 */
static List *
FilterQuals(IndexPath *path)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, path->indexinfo->indrestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (rinfo->pseudoconstant ||
			is_redundant_with_indexclauses(rinfo, path->indexclauses))
			continue;
		result = lappend(result, rinfo);
	}
	return result;
}

/*
 * A scan in distance order returns index tuples that pass its index
 * conditions (condSel of the entries) and the executor keeps those whose
 * heap rows pass the filter (filterSel).  To keep limit rows it returns
 * about limit / filterSel tuples and reaches limit / (filterSel * condSel)
 * entries, at most every entry.  When fewer rows than limit match, it
 * returns every tuple that passes its conditions.
 *
 * When the filter compares with a parameter of a generic plan, its
 * selectivity is a default (one third for an inequality) that says nothing
 * of the values to come; a scan that finds few matches reads far more
 * than that default suggests, up to its own limits, while the plans that
 * read the matching rows through another index stay cheap.  So the filter
 * is then assumed to keep almost nothing: the generic plan is priced at the
 * worst case the scan can meet, and PostgreSQL keeps planning each
 * execution with the parameters' values (choose_custom_plan), unless the
 * exact plan is the generic plan's best.  Index conditions on a parameter
 * likewise: the scan may have to reach every entry.
 */
void
AmEstimateFilter(PlannerInfo *root, IndexPath *path, double defaultLimit,
				 AmFilterEstimate *est)
{
	IndexOptInfo *info = path->indexinfo;
	double		tuples = Max(info->tuples, 1);
	List	   *filter = FilterQuals(path);
	List	   *conds = get_quals_from_indexclauses(path->indexclauses);
	double		matching;

	est->filterSel = clauselist_selectivity(root, filter, info->rel->relid,
											JOIN_INNER, NULL);
	est->condSel = clauselist_selectivity(root, conds, info->rel->relid,
										  JOIN_INNER, NULL);
	est->unknownSel = ContainsExternParam((Node *) get_actual_clauses(filter),
										  NULL);
	if (est->unknownSel)
		est->filterSel = Min(est->filterSel, 1.0 / tuples);
	if (ContainsExternParam((Node *) get_actual_clauses(conds), NULL))
		est->condSel = Min(est->condSel, 1.0 / tuples);

	est->limit = Max(defaultLimit, 1);
	if (root->limit_tuples > 0 &&
		bms_membership(root->all_baserels) == BMS_SINGLETON)
		est->limit = root->limit_tuples;

	matching = tuples * est->condSel * est->filterSel;
	if (matching <= est->limit)
	{
		est->returned = tuples * est->condSel;
		est->scanned = tuples;
	}
	else
	{
		est->returned = est->limit / est->filterSel;
		est->scanned = Min(est->returned / Max(est->condSel, 1e-10), tuples);
	}
	est->returned = Max(est->returned, 1);
}

/*
 * The planner prices the heap fetches of every ordered index scan (a
 * btree's too) for the rows it returns, spread over the scan; what it
 * cannot know is the rows the filter drops.  Those are priced as it prices
 * a scan's heap fetches: random page reads of the pages they are on
 * (index_pages_fetched, Mackert and Lohman's estimate).
 */
Cost
AmDroppedFetchCost(PlannerInfo *root, IndexOptInfo *info,
				   const AmFilterEstimate *est, double fetched)
{
	double		randomPageCost;
	double		kept = Min(est->limit, fetched);

	if (fetched <= kept)
		return 0;
	get_tablespace_page_costs(info->rel->reltablespace, &randomPageCost,
							  NULL);
	return (index_pages_fetched(fetched, info->rel->pages, info->pages, root) -
			index_pages_fetched(kept, info->rel->pages, info->pages, root)) *
		randomPageCost;
}

/*
 * The planner adds to the index's cost the heap fetches and the filter of
 * the rows it expects, spread evenly over the scan.  When the limit is
 * not below the rows the scan returns, limitCost is the whole scan.
 */
Cost
AmTotalCostForLimit(IndexPath *path, const AmFilterEstimate *est,
					Cost startup, Cost limitCost)
{
	double		rows = Max(path->indexinfo->rel->rows, 1);

	if (est->limit >= rows)
		return limitCost;
	return startup + Max(limitCost - startup, 0) * rows / est->limit;
}

bool
ValidateOrderingOpclass(Oid opclassoid, int distanceProc, uint32 optionalProcs,
						AmSearchOperatorCheck searchAllowed)
{
	bool		result = true;
	HeapTuple	classtup;
	Form_pg_opclass classform;
	char	   *opclassname;
	char	   *amname;
	CatCList   *proclist;
	CatCList   *oprlist;
	bool		hasdistance = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opclassname = NameStr(classform->opcname);
	amname = get_am_name(classform->opcmethod);

	proclist = SearchSysCacheList1(AMPROCNUM,
								   ObjectIdGetDatum(classform->opcfamily));
	for (int i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);
		int			procnum = procform->amprocnum;

		if (procnum == distanceProc)
			hasdistance = true;
		else if (procnum <= 0 || procnum >= 32 ||
				 (optionalProcs & ((uint32) 1 << procnum)) == 0)
		{
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" contains invalid support function number %d",
							amname, opclassname, procnum)));
			result = false;
		}
	}
	if (!hasdistance)
	{
		ereport(INFO,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s operator class \"%s\" is missing its distance support function",
						amname, opclassname)));
		result = false;
	}

	oprlist = SearchSysCacheList1(AMOPSTRATEGY,
								  ObjectIdGetDatum(classform->opcfamily));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amoppurpose == AMOP_ORDER ? oprform->amopstrategy == 1 :
			searchAllowed != NULL && searchAllowed(oprform))
			continue;
		if (searchAllowed == NULL)
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" contains an operator that is not an ordering operator with strategy 1",
							amname, opclassname)));
		else
			ereport(INFO,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s operator class \"%s\" contains an operator with an invalid strategy or type",
							amname, opclassname)));
		result = false;
	}

	ReleaseCatCacheList(oprlist);
	ReleaseCatCacheList(proclist);
	ReleaseSysCache(classtup);
	return result;
}

Oid
ExtensionTypeOid(const char *typname, Oid procid)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						   CStringGetDatum(typname),
						   ObjectIdGetDatum(get_func_namespace(procid)));
}

/*
 * The name an AmMetricEntry knows the type typid (a base type) by:
 * "vector" or "halfvec" when it is the extension's type of that name
 * (procid is the extension's distance function), "bit" for bit and
 * varbit; else NULL.
 */
static const char *
IndexedTypeName(Oid typid, Oid procid)
{
	if (typid == BITOID || typid == VARBITOID)
		return "bit";
	if (typid == ExtensionTypeOid("vector", procid))
		return "vector";
	if (typid == ExtensionTypeOid("halfvec", procid))
		return "halfvec";
	return NULL;
}

int
AmLookupMetric(Relation index, uint16 distanceProc,
			   const AmMetricEntry *metrics, int nmetrics,
			   const char *amname)
{
	Oid			typid = getBaseType(TupleDescAttr(index->rd_att, 0)->atttypid);
	Oid			procid = index_getprocid(index, 1, distanceProc);
	const char *typname = IndexedTypeName(typid, procid);
	char	   *procname = get_func_name(procid);

	for (int i = 0; typname != NULL && procname != NULL && i < nmetrics; i++)
	{
		if (strcmp(typname, metrics[i].typname) == 0 &&
			strcmp(procname, metrics[i].procname) == 0)
			return metrics[i].metric;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s index does not support distance function \"%s\" on type %s",
					amname, procname ? procname : "?",
					format_type_be(typid))));
	return 0;					/* keep compiler quiet */
}

int
AmColumnDimensions(Relation index, int maxdim, const char *amname)
{
	int			dimensions = TupleDescAttr(index->rd_att, 0)->atttypmod;

	if (dimensions < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column with its dimension count, as in vector(3) or bit(64).")));
	if (dimensions > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %d dimensions for %s index",
						maxdim, amname)));
	return dimensions;
}

void
AmRescanKeys(IndexScanDesc scan, ScanKey keys, ScanKey orderbys)
{
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys,
				scan->numberOfOrderBys * sizeof(ScanKeyData));
}

void
AmInitOrderByValues(IndexScanDesc scan, int norderbys)
{
	scan->xs_orderbyvals = palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = palloc(sizeof(bool) * Max(norderbys, 1));
	memset(scan->xs_orderbynulls, true, sizeof(bool) * Max(norderbys, 1));
}

bool
AmElementsFinite(const char *value, int nelems, bool half)
{
	for (int i = 0; i < nelems; i++)
	{
		float		f;

		if (half)
		{
			uint16		h;

			memcpy(&h, value + i * sizeof(uint16), sizeof(uint16));
			f = HalfToFloat4(h);
		}
		else
			memcpy(&f, value + i * sizeof(float), sizeof(float));
		if (!isfinite(f))
			return false;
	}
	return true;
}

const void *
AmValueData(Datum value, AmValueKind kind, int dimensions)
{
	int			dim;
	const void *data;

	if (kind == AM_VALUE_BIT)
	{
		VarBit	   *v = (VarBit *) DatumGetPointer(value);

		dim = VARBITLEN(v);
		data = VARBITS(v);
		if (dim != dimensions)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("different bit lengths %u and %u",
							dim, dimensions)));
		return data;
	}
	if (kind == AM_VALUE_HALFVEC)
	{
		HalfVector	v = (HalfVector) DatumGetPointer(value);

		dim = v->dim;
		data = v->x;
	}
	else
	{
		Vector		v = (Vector) DatumGetPointer(value);

		dim = v->dim;
		data = v->x;
	}
	if (dim != dimensions)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d",
						dim, dimensions)));
	return data;
}
