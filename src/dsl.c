/*-------------------------------------------------------------------------
 *
 * dsl.c
 *	  milvus_search(regclass, jsonb): Milvus's boolean DSL over a table,
 *	  and milvus_search_sql / milvus_search_explain to show what it runs.
 *
 * Each call describes the table from the catalog (columns, the primary
 * key, the partition key), compiles the document (dslcompile.c), converts
 * the parameters with the column types' input functions, sets the search
 * settings the document's params name for the duration of the call, and
 * runs the one query through SPI.  The query runs with the caller's
 * privileges and row security: these functions are not SECURITY DEFINER.
 * The caller needs SELECT on the table (or on one of its columns) before
 * the table is even locked, so that no role can hold a lock on a table it
 * may not read.
 *
 * IDENTIFICATION
 *	  src/dsl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "dsl.h"

PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_search);
PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_search_sql);
PGDLLEXPORT PG_FUNCTION_INFO_V1(milvus_search_explain);

/* The parameters of a compiled query, converted for SPI. */
typedef struct DslArgs
{
	Oid		   *types;
	Datum	   *values;
	char	   *nulls;
} DslArgs;

/*
 * The kind of vector a type holds: our types live in the extension's
 * schema, bit is PostgreSQL's.
 */
static DslVectorKind
VectorKind(Oid typid, Oid extnsp)
{
	static const struct
	{
		const char *name;
		DslVectorKind kind;
	}			types[] =
	{
		{"vector", DSL_VECTOR}, {"halfvec", DSL_HALFVEC},
		{"sparsevec", DSL_SPARSEVEC}
	};

	if (typid == BITOID)
		return DSL_BIT;
	for (int i = 0; i < lengthof(types); i++)
	{
		if (typid == GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
									 CStringGetDatum(types[i].name),
									 ObjectIdGetDatum(extnsp)))
			return types[i].kind;
	}
	return DSL_NOT_VECTOR;
}

/*
 * The quoted schema of a type's comparison operators: that of the equality
 * operator of its default btree operator class, pg_catalog when it has
 * none (the query then fails as it would with an unqualified name).
 */
static const char *
ComparisonSchema(Oid typid)
{
	TypeCacheEntry *tce = lookup_type_cache(typid, TYPECACHE_EQ_OPR);
	Oid			nsp = PG_CATALOG_NAMESPACE;

	if (OidIsValid(tce->eq_opr))
	{
		HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(tce->eq_opr));

		if (HeapTupleIsValid(tup))
		{
			nsp = ((Form_pg_operator) GETSTRUCT(tup))->oprnamespace;
			ReleaseSysCache(tup);
		}
	}
	return quote_identifier(get_namespace_name(nsp));
}

/*
 * Fail with 42501 unless the current user may SELECT from the table, or
 * from one of its columns.  Runs before the table is locked: the check
 * reads only the catalog, so a role without the privilege never holds a
 * lock on the table.
 */
static void
CheckSelectPrivilege(Oid relid)
{
	Oid			userid = GetUserId();

	if (pg_class_aclcheck(relid, userid, ACL_SELECT) == ACLCHECK_OK ||
		pg_attribute_aclcheck_all(relid, userid, ACL_SELECT,
								  ACLMASK_ANY) == ACLCHECK_OK)
		return;
	aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(get_rel_relkind(relid)),
				   get_rel_name(relid));
}

/*
 * The columns of the primary key that identify a row: all of them but
 * those of the partition key, which a partitioned table's primary key must
 * include (all of them if nothing else is left).  Returns their count and
 * fills ids with attribute numbers.
 */
static int
IdAttributes(Relation rel, AttrNumber *ids)
{
	Oid			pkoid = RelationGetPrimaryKeyIndex(rel);
	Relation	pk;
	PartitionKey partkey = NULL;
	int			n = 0;
	int			nkeys;

	if (!OidIsValid(pkoid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" has no primary key",
						RelationGetRelationName(rel)),
				 errhint("milvus_search returns each row's primary key; add one with ALTER TABLE ... ADD PRIMARY KEY.")));
	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		partkey = RelationGetPartitionKey(rel);
	pk = index_open(pkoid, AccessShareLock);
	nkeys = pk->rd_index->indnkeyatts;
	for (int i = 0; i < nkeys; i++)
	{
		AttrNumber	attno = pk->rd_index->indkey.values[i];
		bool		inpartkey = false;

		for (int j = 0; partkey != NULL && j < partkey->partnatts; j++)
			inpartkey = inpartkey || partkey->partattrs[j] == attno;
		if (!inpartkey)
			ids[n++] = attno;
	}
	if (n == 0)
	{
		for (int i = 0; i < nkeys; i++)
			ids[n++] = pk->rd_index->indkey.values[i];
	}
	index_close(pk, AccessShareLock);
	return n;
}

/*
 * Describe a table for the compiler, once the caller's SELECT privilege
 * is checked.  The table stays locked (AccessShareLock) until the end of
 * the transaction.
 */
static DslTable *
DescribeTable(Oid relid, Oid extnsp)
{
	Relation	rel;
	TupleDesc	desc;
	DslTable   *t = palloc0(sizeof(DslTable));
	DslColumn  *cols;
	int		   *colno;
	AttrNumber	ids[INDEX_MAX_KEYS];
	int		   *idcols;
	int			nids;

	CheckSelectPrivilege(relid);
	rel = relation_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	cols = palloc0(sizeof(DslColumn) * desc->natts);
	colno = palloc(sizeof(int) * (desc->natts + 1));

	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", RelationGetRelationName(rel))));
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		colno[att->attnum] = t->ncolumns;
		cols[t->ncolumns].name = pstrdup(NameStr(att->attname));
		cols[t->ncolumns].typid = att->atttypid;
		cols[t->ncolumns].typmod = att->atttypmod;
		cols[t->ncolumns].kind = VectorKind(att->atttypid, extnsp);
		cols[t->ncolumns].cmpschema =
			cols[t->ncolumns].kind == DSL_NOT_VECTOR ?
			ComparisonSchema(att->atttypid) : NULL;
		t->ncolumns++;
	}
	nids = IdAttributes(rel, ids);
	idcols = palloc(sizeof(int) * nids);
	for (int i = 0; i < nids; i++)
		idcols[i] = colno[ids[i]];
	t->columns = cols;
	t->nidcolumns = nids;
	t->idcolumns = idcols;
	t->qualname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
											 RelationGetRelationName(rel));
	t->opschema = quote_identifier(get_namespace_name(extnsp));
	relation_close(rel, NoLock);
	return t;
}

/*
 * Compile the document of a call: fcinfo's arguments are the table, the
 * document and (for milvus_search and milvus_search_explain) whether to
 * return fields.  Our operators live where the called function does.
 */
static DslPlan *
CompileCall(FunctionCallInfo fcinfo)
{
	Oid			relid = PG_GETARG_OID(0);
	Jsonb	   *dsl = PG_GETARG_JSONB_P(1);
	bool		with_fields = PG_NARGS() > 2 && PG_GETARG_BOOL(2);
	Oid			extnsp = get_func_namespace(fcinfo->flinfo->fn_oid);

	return DslCompile(dsl, DescribeTable(relid, extnsp), with_fields);
}

/*
 * Error context: which value of the document failed to convert.
 */
static void
ParamErrorCallback(void *arg)
{
	DslParam   *p = (DslParam *) arg;

	errcontext("search DSL value at %s, read as type %s",
			   p->path, format_type_be(p->elemtype));
}

/*
 * Convert one parameter to a datum of its type (or an array of it).
 */
static Datum
ConvertParam(DslParam *p, Oid *type)
{
	ErrorContextCallback errcb;
	Oid			infunc;
	Oid			ioparam;
	Datum	   *elems = palloc(sizeof(Datum) * p->nvalues);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	errcb.callback = ParamErrorCallback;
	errcb.arg = p;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	getTypeInputInfo(p->elemtype, &infunc, &ioparam);
	for (int i = 0; i < p->nvalues; i++)
	{
		CHECK_FOR_INTERRUPTS();
		elems[i] = OidInputFunctionCall(infunc, p->values[i], ioparam,
										p->typmod);
	}
	*type = p->elemtype;
	if (p->isarray)
	{
		*type = get_array_type(p->elemtype);
		if (!OidIsValid(*type))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("type %s has no array type",
							format_type_be(p->elemtype))));
		get_typlenbyvalalign(p->elemtype, &typlen, &typbyval, &typalign);
		elems[0] = PointerGetDatum(construct_array(elems, p->nvalues,
												   p->elemtype, typlen,
												   typbyval, typalign));
	}
	error_context_stack = errcb.previous;
	return elems[0];
}

/*
 * Convert every parameter of a plan.
 */
static DslArgs
ConvertParams(DslPlan *plan)
{
	DslArgs		args;

	args.types = palloc(sizeof(Oid) * plan->nparams);
	args.values = palloc(sizeof(Datum) * plan->nparams);
	args.nulls = palloc(plan->nparams);
	for (int i = 0; i < plan->nparams; i++)
	{
		args.values[i] = ConvertParam(&plan->params[i], &args.types[i]);
		args.nulls[i] = ' ';
	}
	return args;
}

/*
 * Set a search setting for the rest of the current GUC nest level, if
 * the index type it belongs to exists.
 */
static void
SetSearchSetting(const char *name, int value)
{
	char		buf[32];

	if (GetConfigOption(name, true, false) == NULL)
		return;
	snprintf(buf, sizeof(buf), "%d", value);
	(void) set_config_option(name, buf,
							 superuser() ? PGC_SUSET : PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Open a GUC nest level and set the settings the document's params name:
 * ef is hnsw.ef_search, nprobe the probes of the IVF indexes, search_k
 * annoy.search_k.  The caller
 * closes the level with AtEOXact_GUC(true, level); an error closes it too.
 */
static int
ApplySearchSettings(DslPlan *plan)
{
	int			level = NewGUCNestLevel();

	if (plan->ef > 0)
		SetSearchSetting("hnsw.ef_search", plan->ef);
	if (plan->nprobe > 0)
	{
		SetSearchSetting("ivfflat.probes", plan->nprobe);
		SetSearchSetting("ivf.probes", plan->nprobe);
	}
	if (plan->searchK != 0)
		SetSearchSetting("annoy.search_k", plan->searchK);
	return level;
}

/*
 * Run sql (the plan's query, or a statement around it) with the plan's
 * parameters and settings, and copy every row into the function's result.
 */
static void
RunIntoResult(FunctionCallInfo fcinfo, DslPlan *plan, const char *sql)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			level = ApplySearchSettings(plan);
	DslArgs		args = ConvertParams(plan);
	Datum		values[4];
	bool		nulls[4];
	int			ret;

	SPI_connect();
	ret = SPI_execute_with_args(sql, plan->nparams, args.types, args.values,
								args.nulls, false, 0);
	if (ret != SPI_OK_SELECT && ret != SPI_OK_UTILITY)
		elog(ERROR, "search query failed: %s", SPI_result_code_string(ret));
	if (SPI_tuptable->tupdesc->natts != rsinfo->setDesc->natts ||
		SPI_tuptable->tupdesc->natts > lengthof(values))
		elog(ERROR, "search query returned %d columns, expected %d",
			 SPI_tuptable->tupdesc->natts, rsinfo->setDesc->natts);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		CHECK_FOR_INTERRUPTS();
		heap_deform_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
						  values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	AtEOXact_GUC(true, level);
}

/*
 * milvus_search(collection regclass, dsl jsonb, with_fields boolean)
 *	RETURNS TABLE (query_no integer, id text, distance float8, fields jsonb)
 */
Datum
milvus_search(PG_FUNCTION_ARGS)
{
	DslPlan    *plan = CompileCall(fcinfo);

	InitMaterializedSRF(fcinfo, 0);
	RunIntoResult(fcinfo, plan, plan->sql);
	return (Datum) 0;
}

/*
 * milvus_search_explain(collection regclass, dsl jsonb, with_fields boolean)
 *	RETURNS SETOF text: EXPLAIN (COSTS OFF) of the query milvus_search runs,
 *	with the same parameters and settings.
 */
Datum
milvus_search_explain(PG_FUNCTION_ARGS)
{
	DslPlan    *plan = CompileCall(fcinfo);

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	RunIntoResult(fcinfo, plan, psprintf("EXPLAIN (COSTS OFF) %s", plan->sql));
	return (Datum) 0;
}

/*
 * milvus_search_sql(collection regclass, dsl jsonb, with_fields boolean)
 *	RETURNS text: the query, after a comment line per parameter saying its
 *	type and where in the document its value comes from.
 */
Datum
milvus_search_sql(PG_FUNCTION_ARGS)
{
	DslPlan    *plan = CompileCall(fcinfo);
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < plan->nparams; i++)
	{
		DslParam   *p = &plan->params[i];
		Oid			type = p->isarray ? get_array_type(p->elemtype) : p->elemtype;

		appendStringInfo(&buf, "-- $%d %s: %s\n", i + 1,
						 format_type_be(OidIsValid(type) ? type : p->elemtype),
						 p->path);
	}
	appendStringInfoString(&buf, plan->sql);
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
