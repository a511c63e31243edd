/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  The SQL side of the background worker: milvus_batch_search,
 *	  milvus_kmeans and milvus_worker_status.
 *
 * Rows are read here, in the calling backend, through SPI with a query
 * built from quoted identifiers, so the caller's privileges and row-level
 * security policies apply exactly as to a SELECT of their own (these
 * functions are not SECURITY DEFINER).  The vectors then go to the
 * background worker (worker.c) as one job, and the results come back as a
 * set of rows.
 *
 * Every allocation sized by the caller (queries times k, the rows read,
 * k centroids) is checked against milvus.worker_memory_limit before it is
 * made: the results at once, the rows each time their arrays grow.
 *
 * IDENTIFICATION
 *	  src/batch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "vector.h"
#include "worker.h"

#define BATCH_FETCH_ROWS		10000
#define KMEANS_MAX_K			65536
#define KMEANS_MAX_ITERATIONS	1000

PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_batch_search);
PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_kmeans);
PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_worker_status);

/* The non-NULL vectors of one column, in scan order. */
typedef struct BatchRows
{
	int64		n;
	int			dim;			/* -1 until the first row when not given */
	float	   *x;				/* n * dim */
	ItemPointerData *tids;		/* n, when asked for */
	int64		capacity;
} BatchRows;

/*
 * The shape of the job whose rows ReadRows reads, for AppendRow's memory
 * checks (set by SetRowBudget before each ReadRows).
 */
typedef struct RowBudget
{
	bool		knn;
	int64		nq;				/* k-NN queries */
	int			k;
	int64		max_rows;		/* -1 until the dimension is known */
} RowBudget;

static RowBudget budget;

/*
 * Describe the job the next ReadRows reads rows for.
 */
static void
SetRowBudget(bool knn, int64 nq, int k)
{
	budget.knn = knn;
	budget.nq = nq;
	budget.k = k;
	budget.max_rows = -1;
}

/*
 * Raise the memory limit's error for a job of n rows (worker.c words it).
 */
static void
RowsTooMany(int64 n, int dim)
{
	if (budget.knn)
		WorkerCheckKnnMemory(n, budget.nq, dim, budget.k);
	else
		WorkerCheckKmeansMemory(n, dim, budget.k);
	elog(ERROR, "batch job of %lld rows within the memory limit",
		 (long long) n);		/* not reached */
}

/*
 * Check k, a number of neighbours, at the SQL boundary.
 */
static inline void
CheckK(int k)
{
	if (k < 1 || k > WORKER_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", WORKER_MAX_K)));
}

/*
 * The metric named by the SQL argument (case-insensitive).
 */
static WorkerMetric
ParseMetric(const char *name)
{
	if (pg_strcasecmp(name, "l2") == 0)
		return WORKER_METRIC_L2;
	if (pg_strcasecmp(name, "ip") == 0)
		return WORKER_METRIC_IP;
	if (pg_strcasecmp(name, "cosine") == 0)
		return WORKER_METRIC_COSINE;
	if (pg_strcasecmp(name, "l1") == 0)
		return WORKER_METRIC_L1;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid metric \"%s\"", name),
			 errhint("Use l2, ip, cosine or l1.")));
	return WORKER_METRIC_L2;	/* keep the compiler quiet */
}

/*
 * Every vector of a job must have the same number of dimensions.
 */
static inline void
CheckDims(int want, int got)
{
	if (want != got)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different vector dimensions %d and %d", want, got)));
}

/*
 * The queries of a vector[] as one float array; *dim from the first.
 */
static float *
QueriesFromArray(ArrayType *array, int64 *nq, int *dim)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	float	   *x;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("queries must be a one-dimensional array")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign,
					  &elems, &nulls, &count);
	*nq = count;
	*dim = 0;
	if (count == 0)
		return NULL;
	for (int i = 0; i < count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("queries cannot contain NULL")));
	*dim = DatumGetVector(elems[0])->dim;
	x = palloc_extended(sizeof(float) * count * *dim, MCXT_ALLOC_HUGE);
	for (int i = 0; i < count; i++)
	{
		Vector		v = DatumGetVector(elems[i]);

		CheckDims(*dim, v->dim);
		memcpy(x + (Size) i * *dim, v->x, sizeof(float) * *dim);
	}
	return x;
}

/*
 * Check that col is a user column of type vectype in a table or
 * materialized view; return the SELECT that reads it, built from quoted
 * identifiers.
 */
static char *
BuildRowQuery(Oid relid, const char *col, Oid vectype, bool want_tids)
{
	char		relkind = get_rel_relkind(relid);
	char	   *relname = get_rel_name(relid);
	AttrNumber	attnum;
	const char *qcol = quote_identifier(col);

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table or materialized view", relname),
				 errhint("Search each partition of a partitioned table.")));
	attnum = get_attnum(relid, col);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						col, relname)));
	if (attnum < 0 || get_atttype(relid, attnum) != vectype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" is not of type vector",
						col, relname)));

	return psprintf("SELECT %s%s FROM %s WHERE %s IS NOT NULL",
					want_tids ? "ctid, " : "", qcol,
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   relname),
					qcol);
}

/*
 * Append one row; the arrays live in the caller's memory context.
 */
static void
AppendRow(BatchRows *rows, Vector v, ItemPointer tid)
{
	if (rows->dim < 0)
		rows->dim = v->dim;
	CheckDims(rows->dim, v->dim);
	if (rows->n == rows->capacity)
	{
		if (budget.max_rows < 0)
			budget.max_rows = WorkerMaxRows(budget.knn, budget.nq, rows->dim,
											budget.k);
		if (rows->n >= budget.max_rows)
			RowsTooMany(rows->n + 1, rows->dim);
		rows->capacity = rows->capacity == 0 ? 1024 : rows->capacity * 2;
		rows->capacity = Min(rows->capacity, budget.max_rows);
		rows->x = rows->x == NULL ?
			MemoryContextAllocHuge(CurrentMemoryContext,
								   sizeof(float) * rows->capacity * rows->dim) :
			repalloc_huge(rows->x, sizeof(float) * rows->capacity * rows->dim);
		if (tid != NULL)
			rows->tids = rows->tids == NULL ?
				MemoryContextAllocHuge(CurrentMemoryContext,
									   sizeof(ItemPointerData) * rows->capacity) :
				repalloc_huge(rows->tids, sizeof(ItemPointerData) * rows->capacity);
	}
	memcpy(rows->x + rows->n * rows->dim, v->x, sizeof(float) * rows->dim);
	if (tid != NULL)
		rows->tids[rows->n] = *tid;
	rows->n++;
}

/*
 * Read every non-NULL vector of the column through SPI, with the caller's
 * privileges, in batches; dim -1 takes the first row's.
 */
static void
ReadRows(Oid relid, const char *col, Oid vectype, int dim, bool want_tids,
		 BatchRows *rows)
{
	char	   *query = BuildRowQuery(relid, col, vectype, want_tids);
	MemoryContext caller = CurrentMemoryContext;
	SPIPlanPtr	plan;
	Portal		portal;

	memset(rows, 0, sizeof(BatchRows));
	rows->dim = dim;
	SPI_connect();
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		SPITupleTable *tuptable;
		MemoryContext spi;

		SPI_cursor_fetch(portal, true, BATCH_FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		tuptable = SPI_tuptable;
		spi = MemoryContextSwitchTo(caller);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = tuptable->vals[i];
			bool		isnull;
			Datum		tid = (Datum) 0;
			Datum		value;
			Vector		v;

			if (want_tids)
				tid = SPI_getbinval(tup, tuptable->tupdesc, 1, &isnull);
			value = SPI_getbinval(tup, tuptable->tupdesc, want_tids ? 2 : 1,
								  &isnull);
			v = DatumGetVector(value);
			AppendRow(rows, v, want_tids ? (ItemPointer) DatumGetPointer(tid) : NULL);
			if ((Pointer) v != DatumGetPointer(value))
				pfree(v);
		}
		MemoryContextSwitchTo(spi);
		SPI_freetuptable(tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

/*
 * milvus_batch_search(tbl, col, queries, k, metric): the k nearest rows of
 * each query, exactly, computed by the background worker.  Rows: query_no
 * (the query's position in the array, from 1), the row's ctid and the
 * distance, ordered by query_no, then distance (ties in scan order).
 */
Datum
milvus_batch_search(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Name		col = PG_GETARG_NAME(1);
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(2);
	int			k = PG_GETARG_INT32(3);
	WorkerMetric metric = ParseMetric(text_to_cstring(PG_GETARG_TEXT_PP(4)));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BatchRows	rows;
	float	   *queries;
	int64		nq;
	int			dim;
	double	   *distances;
	int64	   *labels;

	CheckK(k);
	/* the results alone, before anything is copied */
	WorkerCheckKnnMemory(0, ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array)),
						 1, k);
	queries = QueriesFromArray(array, &nq, &dim);
	InitMaterializedSRF(fcinfo, 0);
	if (nq == 0)
		return (Datum) 0;
	WorkerCheckKnnMemory(0, nq, dim, k);
	SetRowBudget(true, nq, k);
	ReadRows(relid, NameStr(*col), ARR_ELEMTYPE(array), dim, true, &rows);
	if (rows.n == 0)
		return (Datum) 0;

	distances = palloc_extended(sizeof(double) * nq * k, MCXT_ALLOC_HUGE);
	labels = palloc_extended(sizeof(int64) * nq * k, MCXT_ALLOC_HUGE);
	WorkerKnn(metric, rows.x, rows.n, queries, nq, dim, k, distances, labels);

	for (int64 q = 0; q < nq; q++)
		for (int j = 0; j < k; j++)
		{
			int64		label = labels[q * k + j];
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			if (label < 0)
				break;
			if (label >= rows.n)
				elog(ERROR, "batch search returned row %lld of %lld",
					 (long long) label, (long long) rows.n);
			values[0] = Int32GetDatum((int32) (q + 1));
			values[1] = PointerGetDatum(&rows.tids[label]);
			values[2] = Float8GetDatum(distances[q * k + j]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
	return (Datum) 0;
}

/*
 * milvus_kmeans(tbl, col, k, iterations): k centroids of the column's
 * vectors by Lloyd's k-means, trained by the background worker (on the GPU
 * when milvus.gpu_enabled and it has one).  The initial centroids are the
 * rows at positions i * n / k of the scan, so the result is deterministic
 * for a given table state.
 */
Datum
milvus_kmeans(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Name		col = PG_GETARG_NAME(1);
	int			k = PG_GETARG_INT32(2);
	int			iterations = PG_GETARG_INT32(3);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			vectype;
	BatchRows	rows;
	float	   *centroids;

	if (k < 1 || k > KMEANS_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k must be between 1 and %d", KMEANS_MAX_K)));
	if (iterations < 1 || iterations > KMEANS_MAX_ITERATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("iterations must be between 1 and %d",
						KMEANS_MAX_ITERATIONS)));
	if (get_call_result_type(fcinfo, &vectype, NULL) != TYPEFUNC_SCALAR)
		elog(ERROR, "milvus_kmeans must return a scalar type");
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	SetRowBudget(false, 0, k);
	ReadRows(relid, NameStr(*col), vectype, -1, false, &rows);
	if (rows.n < k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k-means needs at least %d rows, found %lld",
						k, (long long) rows.n)));

	centroids = palloc(sizeof(float) * k * rows.dim);
	for (int j = 0; j < k; j++)
		memcpy(centroids + (Size) j * rows.dim,
			   rows.x + (rows.n * j / k) * rows.dim,
			   sizeof(float) * rows.dim);
	WorkerKmeans(rows.x, rows.n, rows.dim, k, iterations, centroids, NULL);

	for (int j = 0; j < k; j++)
	{
		Vector		v = InitVector(rows.dim);
		Datum		value;
		bool		isnull = false;

		memcpy(v->x, centroids + (Size) j * rows.dim, sizeof(float) * rows.dim);
		value = PointerGetDatum(v);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 &value, &isnull);
	}
	return (Datum) 0;
}

/*
 * milvus_worker_status(): one row about the background worker (a set, as
 * the pg_stat_get_* functions behind PostgreSQL's statistics views).
 */
Datum
milvus_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WorkerStatusData st;
	Datum		values[13];
	bool		nulls[13];

	InitMaterializedSRF(fcinfo, 0);
	WorkerGetStatus(&st);
	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(st.device);
	values[1] = Int64GetDatum(st.device_memory);
	nulls[1] = st.device_memory < 0;
	values[2] = Int32GetDatum(st.threads);
	values[3] = Int64GetDatum(st.queued);
	values[4] = Int64GetDatum(st.running);
	values[5] = Int64GetDatum(st.finished);
	values[6] = Int64GetDatum(st.failed);
	values[7] = Int64GetDatum(st.cancelled);
	values[8] = Int64GetDatum(st.job_memory);
	values[9] = Int32GetDatum(st.pid);
	nulls[9] = st.pid == 0;
	values[10] = Int64GetDatum(st.restarts);
	values[11] = BoolGetDatum(st.preloaded);
	values[12] = Int64GetDatum(st.gpu_jobs);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
