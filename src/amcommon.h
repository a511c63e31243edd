/*-------------------------------------------------------------------------
 *
 * amcommon.h
 *	  What our ordering-only access methods (hnsw, flat, ivfflat, ivf)
 *	  share: their capabilities, page extension, the operator class
 *	  check, the lookup of the extension's types, the indexed column's
 *	  metric and dimensions, and the copy of new keys on amrescan.
 *
 * IDENTIFICATION
 *	  src/amcommon.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef AMCOMMON_H
#define AMCOMMON_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/relscan.h"
#include "catalog/pg_amop.h"
#include "common/relpath.h"
#include "nodes/pathnodes.h"
#include "storage/buf.h"
#include "storage/bufpage.h"
#include "utils/relcache.h"

/*
 * A new IndexAmRoutine with the capabilities all our access methods have:
 * ordering operators only (no search keys, no NULLs, one column), no
 * backward, parallel or index-only scans; amsupport support functions.
 * The caller sets the callbacks.
 */
extern IndexAmRoutine *MakeOrderingAmRoutine(uint16 amsupport);

/*
 * Extend the index's fork by one page and return its buffer, pinned, not
 * locked.
 */
extern Buffer ExtendIndex(Relation index, ForkNumber forkNum);

/*
 * Extend the index's fork by one block holding a copy of page (already
 * initialised), without WAL, and return its number; the caller logs the
 * range afterwards (log_newpage_range), as a bulk build does.
 */
extern BlockNumber ExtendIndexWithPage(Relation index, ForkNumber forkNum,
									   Page page);

/*
 * The cost of a path without ORDER BY, which our indexes cannot answer:
 * when path has no ORDER BY, set the amcostestimate outputs so that the
 * planner never chooses it and return true; otherwise return false and
 * set nothing.
 */
extern bool AmCostWithoutOrderBy(IndexPath *path, Cost *indexStartupCost,
								 Cost *indexTotalCost,
								 Selectivity *indexSelectivity,
								 double *indexCorrelation,
								 double *indexPages);

/*
 * The share of the table's pages that the planner charges its scans of
 * the heap for: heap pages / (heap pages + TOAST pages), 1 when the table
 * has no TOAST pages.  Index pages that hold the vectors inline are priced
 * at this share so that index and heap scans are compared like for like.
 */
extern double AmHeapPageShare(PlannerInfo *root, IndexOptInfo *info);

/*
 * What a scan in distance order must read to return the rows a query
 * wants, when quals drop some of the rows it finds: AmEstimateFilter fills
 * it in, the cost functions price it.
 */
typedef struct AmFilterEstimate
{
	double		limit;			/* rows wanted: the LIMIT, or a default */
	Selectivity filterSel;		/* quals the executor checks on heap rows */
	Selectivity condSel;		/* index conditions on key columns */
	bool		unknownSel;		/* filterSel depends on unbound parameters */
	double		returned;		/* index tuples returned: heap fetches */
	double		scanned;		/* index entries reached in distance order */
} AmFilterEstimate;

/*
 * Estimate, for path, the selectivity of the quals the index does not
 * evaluate and of its index conditions, the rows wanted (root's LIMIT when
 * the query scans one relation, else defaultLimit), and the index tuples a
 * scan must return and the entries it must reach to find them.
 */
extern void AmEstimateFilter(PlannerInfo *root, IndexPath *path,
							 double defaultLimit, AmFilterEstimate *est);

/*
 * The cost of the heap fetches of the rows a filter drops: fetched heap
 * tuples in random order (index scan order) beyond the limit rows est
 * wants, whose fetches the planner adds itself, priced by the pages they
 * are on.
 */
extern Cost AmDroppedFetchCost(PlannerInfo *root, IndexOptInfo *info,
							   const AmFilterEstimate *est, double fetched);

/*
 * The total cost to report so that the planner's interpolation for LIMIT
 * (startup + (total - startup) * limit / rows) comes to limitCost, the
 * cost of the rows est wants.
 */
extern Cost AmTotalCostForLimit(IndexPath *path, const AmFilterEstimate *est,
								Cost startup, Cost limitCost);

/* Whether an access method accepts a (non-ordering) search operator */
typedef bool (*AmSearchOperatorCheck) (Form_pg_amop oprform);

/*
 * amvalidate for hnsw, flat, ivfflat, ivf and annoy: the operator class
 * needs the distance support function (number distanceProc) and may have
 * the support functions whose numbers are set in optionalProcs (bit n for
 * number n); every operator must be an ordering operator with strategy 1,
 * or a search operator searchAllowed accepts (NULL: none is).  Problems
 * are reported as INFO naming the operator class's access method (from the
 * catalog: ivfflat and ivf share one amvalidate), as PostgreSQL's own
 * checks do.
 */
extern bool ValidateOrderingOpclass(Oid opclassoid, int distanceProc,
									uint32 optionalProcs,
									AmSearchOperatorCheck searchAllowed);

/*
 * The OID of the extension's type typname ("vector", "halfvec"), found in
 * the schema of procid, one of the extension's functions (an operator
 * class's support function); InvalidOid when that schema has no such type.
 * An indexed column's type compared with it is the extension's own, not
 * another type of the same name.
 */
extern Oid	ExtensionTypeOid(const char *typname, Oid procid);

/*
 * One distance function an access method supports: the name of the type
 * it is declared on ("vector", "halfvec" or "bit"), the function's name,
 * and the access method's metric (a value of its own enum) for the pair.
 */
typedef struct AmMetricEntry
{
	const char *typname;
	const char *procname;
	int			metric;
} AmMetricEntry;

/*
 * The metric of the index's operator class, from the column type and the
 * name of its distance support function (number distanceProc), looked up
 * in the nmetrics entries of metrics; an error naming amname ("flat",
 * "annoy") when there is none.
 */
extern int	AmLookupMetric(Relation index, uint16 distanceProc,
						   const AmMetricEntry *metrics, int nmetrics,
						   const char *amname);

/*
 * The dimensions of the index's column, from its typmod: an error when it
 * has none or more than maxdim, naming amname ("hnsw", "flat", "annoy").
 */
extern int	AmColumnDimensions(Relation index, int maxdim, const char *amname);

/*
 * The part of amrescan all our access methods share: copy the new search
 * keys and ordering keys, where given, into the scan descriptor.
 */
extern void AmRescanKeys(IndexScanDesc scan, ScanKey keys, ScanKey orderbys);

/*
 * The ordering values an amgettuple that recomputes distances reports:
 * room for norderbys values (at least one), all NULL, in the current
 * memory context.
 */
extern void AmInitOrderByValues(IndexScanDesc scan, int norderbys);

/*
 * Whether the nelems elements of a stored value (read unaligned) are all
 * finite: halfvec elements when half is true, else vector elements.
 */
extern bool AmElementsFinite(const char *value, int nelems, bool half);

/* The element type of an indexed value, for AmValueData */
typedef enum AmValueKind
{
	AM_VALUE_VECTOR,
	AM_VALUE_HALFVEC,
	AM_VALUE_BIT
} AmValueKind;

/*
 * The raw element array of a (detoasted) value of the kind, after checking
 * that it has dimensions elements (bits for AM_VALUE_BIT).
 */
extern const void *AmValueData(Datum value, AmValueKind kind,
							   int dimensions);

#endif							/* AMCOMMON_H */
