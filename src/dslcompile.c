/*-------------------------------------------------------------------------
 *
 * dslcompile.c
 *	  Compile a Milvus boolean DSL document into one parameterised query.
 *
 * The grammar (every array non-empty, every key checked):
 *
 *	document := {"bool": bool}
 *	bool	 := {"must": [clause, ...], "should": [...], "must_not": [...]}
 *	clause	 := {"bool": bool} | bool | {"term": term} | {"range": range}
 *				| {"vector": vector}
 *	term	 := {field: [value, ...] | {"values": [value, ...]}, ...}
 *	range	 := {field: {"GT" | "GTE" | "LT" | "LTE" | "EQ" | "NE": value}, ...}
 *	vector	 := {field: {"topk": n, "query": [vec, ...], "metric_type": m,
 *						 "params": {"nprobe": n, "ef": n, "search_k": n}}}
 *
 * must is AND, should is OR (at least one), must_not is NOT (none); the
 * three parts of one bool are ANDed.  Exactly one vector clause is
 * required, reachable from the top through must only.  A query vector is
 * an array of numbers (dense; 0/1 for bit columns) or a string in the
 * column type's text form.
 *
 * Identifiers reach the SQL only after they were found among the table's
 * columns, and then through quote_identifier; every value becomes a
 * parameter.  Every function, type and operator is schema-qualified: the
 * comparisons of term and range with the schema of the column type's
 * operators (DslColumn.cmpschema), the distances with ours, the rest with
 * pg_catalog.  Errors name the path of the offending element, such as
 * bool.must[2].range.B (array positions count from 0).
 *
 * Nothing here reads the catalog or runs SQL (see dsl.h).
 *
 * IDENTIFICATION
 *	  src/dslcompile.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "catalog/pg_type_d.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include "dsl.h"

/* Limits of the search settings the params map onto. */
#define DSL_MAX_EF		1000	/* hnsw.ef_search */
#define DSL_MAX_NPROBE	32768	/* ivfflat.probes, ivf.probes: lists */
#define DSL_MAX_SEARCH_K 100000000	/* annoy.search_k */

/* One key and value of a JSON object. */
typedef struct DslPair
{
	char	   *key;
	JsonbValue	value;
} DslPair;

/* A metric_type and the SQL it maps to. */
typedef struct DslMetric
{
	const char *name;
	bool		binary;			/* for bit columns, else for the others */
	const char *op;				/* ORDER BY operator */
	const char *func;			/* distance function, if not the operator */
} DslMetric;

/* Jaccard order is Tanimoto order, so Tanimoto orders by <%>. */
static const DslMetric DslMetrics[] =
{
	{"L2", false, "<->", NULL},
	{"IP", false, "<#>", NULL},
	{"COSINE", false, "<=>", NULL},
	{"L1", false, "<+>", NULL},
	{"HAMMING", true, "<~>", NULL},
	{"JACCARD", true, "<%>", NULL},
	{"TANIMOTO", true, "<%>", "tanimoto_distance"},
};

/* Compiler state. */
typedef struct DslState
{
	const DslTable *table;
	StringInfoData path;		/* of the element being compiled */
	int			depth;			/* of nested clauses */
	int			nparams;
	int			maxparams;
	DslParam   *params;
	bool		have_vector;
	const DslColumn *vcolumn;
	const DslMetric *metric;
	int			nqueries;
	int			topk;
	char	   *topk_path;
	int			ef;
	int			nprobe;
	int			searchK;		/* 0: not given */
} DslState;

static char *CompileBool(DslState *st, const JsonbValue *obj, bool vector_ok);

/* ---- paths ---------------------------------------------------------- */

/*
 * The path for messages.
 */
static const char *
PathText(DslState *st)
{
	return st->path.len > 0 ? st->path.data : "top level";
}

/*
 * Append an object key to the path: bare when it is a plain name, else
 * as a JSON string.  Returns the length to pop back to.
 */
static int
PathPushKey(DslState *st, const char *key)
{
	int			len = st->path.len;
	bool		plain = (key[0] != '\0' && !isdigit((unsigned char) key[0]));

	for (const char *c = key; *c && plain; c++)
		plain = (isalnum((unsigned char) *c) || *c == '_');
	if (len > 0)
		appendStringInfoChar(&st->path, '.');
	if (plain)
		appendStringInfoString(&st->path, key);
	else
		escape_json(&st->path, key);
	return len;
}

/*
 * Append an array position to the path.
 */
static int
PathPushIndex(DslState *st, int i)
{
	int			len = st->path.len;

	appendStringInfo(&st->path, "[%d]", i);
	return len;
}

static void
PathPop(DslState *st, int len)
{
	st->path.len = len;
	st->path.data[len] = '\0';
}

/* ---- JSON access ---------------------------------------------------- */

static bool
IsObject(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static bool
IsArray(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data) &&
		!JsonContainerIsScalar(v->val.binary.data);
}

/*
 * Fail: the element at the current path is not what the grammar wants.
 */
static void
pg_attribute_noreturn()
Expected(DslState *st, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("search DSL expects %s at %s", what, PathText(st))));
}

/*
 * The entries of a non-empty object, in jsonb's key order.  Fails with
 * "expects <what>" when v is anything else.
 */
static int
ObjectEntries(DslState *st, const JsonbValue *v, const char *what,
			  DslPair **pairs)
{
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;
	int			n = 0;

	if (!IsObject(v) || JsonContainerSize(v->val.binary.data) == 0)
		Expected(st, what);
	*pairs = palloc(sizeof(DslPair) * JsonContainerSize(v->val.binary.data));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
			(*pairs)[n].key = pnstrdup(jv.val.string.val, jv.val.string.len);
		else if (tok == WJB_VALUE)
			(*pairs)[n++].value = jv;
	}
	return n;
}

/*
 * The elements of a non-empty array.
 */
static int
ArrayElements(DslState *st, const JsonbValue *v, const char *what,
			  JsonbValue **elems)
{
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;
	int			n = 0;

	if (!IsArray(v) || JsonContainerSize(v->val.binary.data) == 0)
		Expected(st, what);
	*elems = palloc(sizeof(JsonbValue) * JsonContainerSize(v->val.binary.data));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM)
			(*elems)[n++] = jv;
	}
	return n;
}

/*
 * The text of a number.
 */
static char *
NumberText(const JsonbValue *v)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out,
											   NumericGetDatum(v->val.numeric)));
}

/*
 * The text form of a scalar value for a parameter: a string, a number or
 * a boolean.
 */
static char *
ScalarText(DslState *st, const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return NumberText(v);
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			Expected(st, "a string, number or boolean");
	}
}

/*
 * An integer in [min, max].
 */
static int
IntegerValue(DslState *st, const JsonbValue *v, int min, int max)
{
	char	   *text;
	char	   *end;
	long		n;

	if (v->type != jbvNumeric)
		Expected(st, "an integer");
	text = NumberText(v);
	errno = 0;
	n = strtol(text, &end, 10);
	if (*end != '\0' || errno != 0 || n < min || n > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("search DSL expects an integer between %d and %d at %s, not %s",
						min, max, PathText(st), text)));
	return (int) n;
}

/* ---- parameters and columns ----------------------------------------- */

/*
 * Add a parameter with room for nvalues values; returns its number ($n).
 * Filter values take the column's type but not its typmod: rounding 1.005
 * to numeric(10,2) would change what GT means.
 */
static int
AddParam(DslState *st, Oid elemtype, int32 typmod, bool isarray, int nvalues)
{
	DslParam   *p;

	if (st->nparams == st->maxparams)
	{
		st->maxparams *= 2;
		st->params = repalloc(st->params, sizeof(DslParam) * st->maxparams);
	}
	p = &st->params[st->nparams];
	p->elemtype = elemtype;
	p->typmod = typmod;
	p->isarray = isarray;
	p->nvalues = nvalues;
	p->values = palloc0(sizeof(char *) * Max(nvalues, 1));
	p->path = pstrdup(PathText(st));
	return ++st->nparams;
}

/*
 * The column named by a DSL field (the last key of the current path).
 */
static const DslColumn *
FindColumn(DslState *st, const char *name)
{
	for (int i = 0; i < st->table->ncolumns; i++)
	{
		if (strcmp(st->table->columns[i].name, name) == 0)
			return &st->table->columns[i];
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of relation %s does not exist at %s",
					name, st->table->qualname, PathText(st))));
}

/*
 * A column that term and range may filter on: any but a vector column.
 */
static const DslColumn *
FilterColumn(DslState *st, const char *name)
{
	const DslColumn *col = FindColumn(st, name);

	if (col->kind != DSL_NOT_VECTOR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot filter on vector column \"%s\" at %s",
						name, PathText(st)),
				 errhint("Search a vector column with a vector clause.")));
	return col;
}

/*
 * Join conditions with " AND " or " OR "; NULL when there is none.
 */
static char *
JoinConditions(List *conds, const char *joiner)
{
	StringInfoData buf;
	ListCell   *lc;

	if (conds == NIL)
		return NULL;
	if (list_length(conds) == 1)
		return linitial(conds);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	foreach(lc, conds)
	{
		if (lc != list_head(conds))
			appendStringInfoString(&buf, joiner);
		appendStringInfoString(&buf, lfirst(lc));
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* ---- term and range ------------------------------------------------- */

/*
 * {"A": [1, 2, 5]} or {"A": {"values": [1, 2, 5]}}: A = ANY ($n).  One
 * value compiles to A = $n, which an index with A as a filter column
 * evaluates during its search (PostgreSQL 15 keeps no index order for
 * = ANY on a second key column, so that stays a filter above the scan).
 */
static char *
CompileTerm(DslState *st, const JsonbValue *obj)
{
	DslPair    *fields;
	int			nfields = ObjectEntries(st, obj, "an object of fields", &fields);
	List	   *conds = NIL;

	for (int i = 0; i < nfields; i++)
	{
		int			l1 = PathPushKey(st, fields[i].key);
		const DslColumn *col = FilterColumn(st, fields[i].key);
		const JsonbValue *list = &fields[i].value;
		JsonbValue *elems;
		int			nelems;
		int			l2 = st->path.len;
		int			param;
		DslParam   *p;

		if (IsObject(list))
		{
			DslPair    *inner;

			if (ObjectEntries(st, list, "an array of values", &inner) != 1 ||
				strcmp(inner[0].key, "values") != 0)
				Expected(st, "an array of values or {\"values\": [...]}");
			PathPushKey(st, "values");
			list = &inner[0].value;
		}
		nelems = ArrayElements(st, list, "a non-empty array of values", &elems);
		param = AddParam(st, col->typid, -1, nelems > 1, nelems);
		p = &st->params[param - 1];
		for (int j = 0; j < nelems; j++)
		{
			int			l3 = PathPushIndex(st, j);

			p->values[j] = ScalarText(st, &elems[j]);
			PathPop(st, l3);
		}
		conds = lappend(conds, psprintf(nelems > 1 ?
										"(mv_t.%s OPERATOR(%s.=) ANY ($%d))" :
										"(mv_t.%s OPERATOR(%s.=) $%d)",
										quote_identifier(col->name),
										col->cmpschema, param));
		PathPop(st, l2);
		PathPop(st, l1);
	}
	return JoinConditions(conds, " AND ");
}

/*
 * The SQL operator of a range operator name.
 */
static const char *
RangeOperator(DslState *st, const char *name)
{
	static const char *const ops[][2] = {
		{"GT", ">"}, {"GTE", ">="}, {"LT", "<"}, {"LTE", "<="},
		{"EQ", "="}, {"NE", "<>"}
	};

	for (int i = 0; i < lengthof(ops); i++)
	{
		if (strcmp(ops[i][0], name) == 0)
			return ops[i][1];
	}
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("unknown range operator at %s", PathText(st)),
			 errhint("Use GT, GTE, LT, LTE, EQ or NE.")));
}

/*
 * {"B": {"GT": 1, "LT": 100}}: B > $n AND B < $m.
 */
static char *
CompileRange(DslState *st, const JsonbValue *obj)
{
	DslPair    *fields;
	int			nfields = ObjectEntries(st, obj, "an object of fields", &fields);
	List	   *conds = NIL;

	for (int i = 0; i < nfields; i++)
	{
		int			l1 = PathPushKey(st, fields[i].key);
		const DslColumn *col = FilterColumn(st, fields[i].key);
		DslPair    *ops;
		int			nops = ObjectEntries(st, &fields[i].value,
										 "an object of range operators", &ops);

		for (int j = 0; j < nops; j++)
		{
			int			l2 = PathPushKey(st, ops[j].key);
			const char *op = RangeOperator(st, ops[j].key);
			int			param = AddParam(st, col->typid, -1, false, 1);

			st->params[param - 1].values[0] = ScalarText(st, &ops[j].value);
			conds = lappend(conds, psprintf("(mv_t.%s OPERATOR(%s.%s) $%d)",
											quote_identifier(col->name),
											col->cmpschema, op, param));
			PathPop(st, l2);
		}
		PathPop(st, l1);
	}
	return JoinConditions(conds, " AND ");
}

/* ---- vector --------------------------------------------------------- */

/*
 * The text form of one query vector for the vector column's type.
 */
static char *
QueryText(DslState *st, const DslColumn *col, const JsonbValue *v)
{
	StringInfoData buf;
	JsonbValue *elems;
	int			n;

	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	n = ArrayElements(st, v, "a vector: a non-empty array of numbers or a string",
					  &elems);
	if (col->typmod > 0 && n != col->typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("query vector has %d dimensions, column \"%s\" has %d, at %s",
						n, col->name, col->typmod, PathText(st))));
	initStringInfo(&buf);
	appendStringInfoString(&buf, col->kind == DSL_SPARSEVEC ? "{" :
						   col->kind == DSL_BIT ? "" : "[");
	for (int i = 0; i < n; i++)
	{
		int			len = PathPushIndex(st, i);
		char	   *num;

		if (elems[i].type != jbvNumeric)
			Expected(st, "a number");
		num = NumberText(&elems[i]);
		if (col->kind == DSL_BIT)
		{
			if (strcmp(num, "0") != 0 && strcmp(num, "1") != 0)
				Expected(st, "0 or 1");
			appendStringInfoString(&buf, num);
		}
		else if (col->kind == DSL_SPARSEVEC)
			appendStringInfo(&buf, "%s%d:%s", i > 0 ? "," : "", i + 1, num);
		else
			appendStringInfo(&buf, "%s%s", i > 0 ? "," : "", num);
		PathPop(st, len);
	}
	if (col->kind == DSL_SPARSEVEC)
		appendStringInfo(&buf, "}/%d", n);
	else if (col->kind != DSL_BIT)
		appendStringInfoChar(&buf, ']');
	return buf.data;
}

/*
 * "query": the query vectors, into parameter $1.
 */
static void
CompileQueries(DslState *st, const DslColumn *col, const JsonbValue *v)
{
	JsonbValue *elems;
	int			n = ArrayElements(st, v, "a non-empty array of query vectors",
								  &elems);
	DslParam   *p = &st->params[0];

	if (n > DSL_MAX_QUERIES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("search DSL has %d query vectors at %s, the limit is %d",
						n, PathText(st), DSL_MAX_QUERIES)));
	p->elemtype = col->typid;
	p->typmod = col->typmod;
	p->isarray = true;
	p->nvalues = n;
	p->values = palloc(sizeof(char *) * n);
	p->path = pstrdup(PathText(st));
	for (int i = 0; i < n; i++)
	{
		int			len = PathPushIndex(st, i);

		CHECK_FOR_INTERRUPTS();
		p->values[i] = QueryText(st, col, &elems[i]);
		PathPop(st, len);
	}
	st->nqueries = n;
}

/*
 * "metric_type": one that suits the column's type.
 */
static void
CompileMetric(DslState *st, const DslColumn *col, const JsonbValue *v)
{
	char	   *name;

	if (v->type != jbvString)
		Expected(st, "a metric type string");
	name = pnstrdup(v->val.string.val, v->val.string.len);
	for (int i = 0; i < lengthof(DslMetrics); i++)
	{
		if (pg_strcasecmp(DslMetrics[i].name, name) != 0)
			continue;
		if (DslMetrics[i].binary != (col->kind == DSL_BIT))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("metric type %s does not apply to column \"%s\" at %s",
							DslMetrics[i].name, col->name, PathText(st)),
					 errhint("Bit columns take HAMMING, JACCARD or TANIMOTO; the others L2, IP, COSINE or L1.")));
		st->metric = &DslMetrics[i];
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown metric type at %s", PathText(st)),
			 errhint("Use L2, IP, COSINE, L1, HAMMING, JACCARD or TANIMOTO.")));
}

/*
 * "params": {"nprobe": n, "ef": n, "search_k": n}; search_k is -1 (the
 * default, n_trees x 100) or positive, as annoy.search_k.
 */
static void
CompileSearchParams(DslState *st, const JsonbValue *v)
{
	DslPair    *pairs;
	int			n = ObjectEntries(st, v, "an object of search parameters", &pairs);

	for (int i = 0; i < n; i++)
	{
		int			len = PathPushKey(st, pairs[i].key);

		if (strcmp(pairs[i].key, "nprobe") == 0)
			st->nprobe = IntegerValue(st, &pairs[i].value, 1, DSL_MAX_NPROBE);
		else if (strcmp(pairs[i].key, "ef") == 0)
			st->ef = IntegerValue(st, &pairs[i].value, 1, DSL_MAX_EF);
		else if (strcmp(pairs[i].key, "search_k") == 0)
		{
			st->searchK = IntegerValue(st, &pairs[i].value, -1,
									   DSL_MAX_SEARCH_K);
			if (st->searchK == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("search DSL expects -1 or a positive search_k at %s, not 0",
								PathText(st))));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown search parameter at %s", PathText(st)),
					 errhint("Use nprobe, ef or search_k.")));
		PathPop(st, len);
	}
}

/*
 * The body of a vector clause: {"topk": ..., "query": ..., ...}.
 */
static void
CompileVectorSpec(DslState *st, const DslColumn *col, const JsonbValue *v)
{
	DslPair    *pairs;
	int			n = ObjectEntries(st, v, "an object with topk, query and metric_type",
								  &pairs);
	bool		have_topk = false;
	bool		have_query = false;

	for (int i = 0; i < n; i++)
	{
		int			len = PathPushKey(st, pairs[i].key);
		const char *key = pairs[i].key;

		if (strcmp(key, "topk") == 0)
		{
			st->topk = IntegerValue(st, &pairs[i].value, 1, DSL_MAX_TOPK);
			st->topk_path = pstrdup(PathText(st));
			have_topk = true;
		}
		else if (strcmp(key, "query") == 0)
		{
			CompileQueries(st, col, &pairs[i].value);
			have_query = true;
		}
		else if (strcmp(key, "metric_type") == 0)
			CompileMetric(st, col, &pairs[i].value);
		else if (strcmp(key, "params") == 0)
			CompileSearchParams(st, &pairs[i].value);
		else
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("unknown key in vector clause at %s", PathText(st)),
					 errhint("Use topk, query, metric_type or params.")));
		PathPop(st, len);
	}
	if (!have_topk || !have_query || st->metric == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("vector clause lacks \"%s\" at %s",
						!have_topk ? "topk" : !have_query ? "query" : "metric_type",
						PathText(st))));
}

/*
 * {"embedding": {...}}: the one vector clause.  It adds no condition.
 */
static void
CompileVector(DslState *st, const JsonbValue *obj, bool vector_ok)
{
	DslPair    *fields;
	const DslColumn *col;
	int			len;

	if (!vector_ok)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("vector clause outside must at %s", PathText(st)),
				 errhint("A vector clause belongs in must, under no should or must_not.")));
	if (st->have_vector)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("second vector clause at %s", PathText(st)),
				 errhint("A search has exactly one vector clause.")));
	if (ObjectEntries(st, obj, "an object with one vector field", &fields) != 1)
		Expected(st, "an object with one vector field");
	len = PathPushKey(st, fields[0].key);
	col = FindColumn(st, fields[0].key);
	if (col->kind == DSL_NOT_VECTOR)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" is not a vector column at %s",
						col->name, PathText(st)),
				 errhint("Vector clauses search columns of type vector, halfvec, sparsevec or bit.")));
	CompileVectorSpec(st, col, &fields[0].value);
	st->have_vector = true;
	st->vcolumn = col;
	PathPop(st, len);
}

/* ---- bool and clauses ----------------------------------------------- */

/*
 * Is this key one of bool's?
 */
static bool
IsBoolKey(const char *key)
{
	return strcmp(key, "must") == 0 || strcmp(key, "should") == 0 ||
		strcmp(key, "must_not") == 0;
}

/*
 * One clause; NULL when it adds no condition (the vector clause).
 */
static char *
CompileClause(DslState *st, const JsonbValue *v, bool vector_ok)
{
	DslPair    *pairs;
	int			n;
	bool		allbool = true;
	char	   *sql = NULL;
	int			len;

	check_stack_depth();
	if (++st->depth > DSL_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("search DSL nests deeper than %d clauses at %s",
						DSL_MAX_DEPTH, PathText(st))));
	n = ObjectEntries(st, v, "a clause object", &pairs);
	for (int i = 0; i < n; i++)
		allbool = allbool && IsBoolKey(pairs[i].key);
	if (allbool)
	{
		/* Milvus also writes {"must": [...]} for {"bool": {"must": [...]}} */
		sql = CompileBool(st, v, vector_ok);
		st->depth--;
		return sql;
	}
	if (n != 1)
		Expected(st, "a clause with one key: bool, term, range or vector");
	len = PathPushKey(st, pairs[0].key);
	if (strcmp(pairs[0].key, "term") == 0)
		sql = CompileTerm(st, &pairs[0].value);
	else if (strcmp(pairs[0].key, "range") == 0)
		sql = CompileRange(st, &pairs[0].value);
	else if (strcmp(pairs[0].key, "vector") == 0)
		CompileVector(st, &pairs[0].value, vector_ok);
	else if (strcmp(pairs[0].key, "bool") == 0)
		sql = CompileBool(st, &pairs[0].value, vector_ok);
	else
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("unknown clause at %s", PathText(st)),
				 errhint("Use bool, must, should, must_not, term, range or vector.")));
	PathPop(st, len);
	st->depth--;
	return sql;
}

/*
 * The clauses of must, should or must_not, joined; NULL when none adds a
 * condition.
 */
static char *
CompileClauseList(DslState *st, const JsonbValue *v, bool vector_ok,
				  const char *joiner)
{
	JsonbValue *elems;
	int			n = ArrayElements(st, v, "a non-empty array of clauses", &elems);
	List	   *conds = NIL;

	for (int i = 0; i < n; i++)
	{
		int			len = PathPushIndex(st, i);
		char	   *sql = CompileClause(st, &elems[i], vector_ok);

		if (sql != NULL)
			conds = lappend(conds, sql);
		PathPop(st, len);
	}
	return JoinConditions(conds, joiner);
}

/*
 * {"must": [...], "should": [...], "must_not": [...]}; NULL when it adds
 * no condition.
 */
static char *
CompileBool(DslState *st, const JsonbValue *obj, bool vector_ok)
{
	DslPair    *pairs;
	int			n = ObjectEntries(st, obj, "an object with must, should or must_not",
								  &pairs);
	List	   *conds = NIL;

	for (int i = 0; i < n; i++)
	{
		int			len = PathPushKey(st, pairs[i].key);
		const JsonbValue *v = &pairs[i].value;
		char	   *sql;

		if (strcmp(pairs[i].key, "must") == 0)
			sql = CompileClauseList(st, v, vector_ok, " AND ");
		else if (strcmp(pairs[i].key, "should") == 0)
			sql = CompileClauseList(st, v, false, " OR ");
		else if (strcmp(pairs[i].key, "must_not") == 0)
			sql = psprintf("(NOT %s)",
						   CompileClauseList(st, v, false, " OR "));
		else
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("unknown key in bool clause at %s", PathText(st)),
					 errhint("Use must, should or must_not.")));
		if (sql != NULL)
			conds = lappend(conds, sql);
		PathPop(st, len);
	}
	return JoinConditions(conds, " AND ");
}

/* ---- the query ------------------------------------------------------ */

/*
 * The SQL of the inner query's select list, FROM, WHERE, ORDER BY.
 */
static void
AppendInnerQuery(DslState *st, StringInfo sql, const char *filter,
				 int fields_param)
{
	const DslTable *t = st->table;
	const char *vcol = quote_identifier(st->vcolumn->name);
	const char *op = st->metric->op;

	appendStringInfoString(sql, "    SELECT ");
	if (t->nidcolumns == 1)
		appendStringInfo(sql, "mv_t.%s::pg_catalog.text",
						 quote_identifier(t->columns[t->idcolumns[0]].name));
	else
	{
		appendStringInfoString(sql, "ROW(");
		for (int i = 0; i < t->nidcolumns; i++)
			appendStringInfo(sql, "%smv_t.%s", i > 0 ? ", " : "",
							 quote_identifier(t->columns[t->idcolumns[i]].name));
		appendStringInfoString(sql, ")::pg_catalog.text");
	}
	appendStringInfoString(sql, " AS id,\n           ");
	if (st->metric->func)
		appendStringInfo(sql, "%s.%s(mv_t.%s, mv_q.v)", t->opschema,
						 st->metric->func, vcol);
	else
		appendStringInfo(sql, "(mv_t.%s OPERATOR(%s.%s) mv_q.v)", vcol,
						 t->opschema, op);
	appendStringInfoString(sql, " AS distance,\n           ");
	if (fields_param > 0)
		appendStringInfo(sql, "(pg_catalog.to_jsonb(mv_t.*) OPERATOR(pg_catalog.-) $%d)",
						 fields_param);
	else
		appendStringInfoString(sql, "NULL::pg_catalog.jsonb");
	appendStringInfo(sql, " AS fields\n    FROM %s AS mv_t\n", t->qualname);
	if (filter)
		appendStringInfo(sql, "    WHERE %s\n", filter);
	appendStringInfo(sql, "    ORDER BY mv_t.%s OPERATOR(%s.%s) mv_q.v\n",
					 vcol, t->opschema, op);
	appendStringInfoString(sql, "    LIMIT $2");
}

/*
 * The parameter of the columns that fields leaves out: the id columns and
 * the vector column searched.
 */
static int
AddFieldsParam(DslState *st)
{
	const DslTable *t = st->table;
	int			param = AddParam(st, TEXTOID, -1, true, t->nidcolumns + 1);
	DslParam   *p = &st->params[param - 1];

	for (int i = 0; i < t->nidcolumns; i++)
		p->values[i] = pstrdup(t->columns[t->idcolumns[i]].name);
	p->values[t->nidcolumns] = pstrdup(st->vcolumn->name);
	p->path = pstrdup("the columns fields leaves out");
	return param;
}

/*
 * Compile a DSL document against a table.  Everything returned is
 * palloc'd in the current memory context.
 */
DslPlan *
DslCompile(Jsonb *dsl, const DslTable *table, bool with_fields)
{
	DslState	st = {0};
	JsonbValue	root;
	DslPair    *pairs;
	char	   *filter;
	int			fields_param = 0;
	StringInfoData sql;
	DslPlan    *plan;

	Assert(table->nidcolumns > 0);
	st.table = table;
	initStringInfo(&st.path);
	st.ef = st.nprobe = -1;
	st.maxparams = 8;
	st.params = palloc0(sizeof(DslParam) * st.maxparams);
	st.nparams = 2;				/* $1 the query vectors, $2 topk */

	root.type = jbvBinary;
	root.val.binary.data = &dsl->root;
	root.val.binary.len = VARSIZE(dsl) - VARHDRSZ;
	if (ObjectEntries(&st, &root, "an object {\"bool\": ...}", &pairs) != 1 ||
		strcmp(pairs[0].key, "bool") != 0)
		Expected(&st, "an object {\"bool\": ...}");
	PathPushKey(&st, "bool");
	filter = CompileBool(&st, &pairs[0].value, true);
	if (!st.have_vector)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("search DSL has no vector clause at %s", PathText(&st)),
				 errhint("Add {\"vector\": {column: {\"topk\": ..., \"query\": ..., \"metric_type\": ...}}} to must.")));

	st.params[1].elemtype = INT4OID;
	st.params[1].typmod = -1;
	st.params[1].nvalues = 1;
	st.params[1].values = palloc(sizeof(char *));
	st.params[1].values[0] = psprintf("%d", st.topk);
	st.params[1].path = st.topk_path;
	if (with_fields)
		fields_param = AddFieldsParam(&st);

	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "SELECT mv_q.n::pg_catalog.int4 AS query_no, mv_s.id, mv_s.distance, mv_s.fields\n"
						   "FROM pg_catalog.unnest($1) WITH ORDINALITY AS mv_q(v, n)\n"
						   "CROSS JOIN LATERAL (\n");
	AppendInnerQuery(&st, &sql, filter, fields_param);
	appendStringInfoString(&sql, ") AS mv_s\n"
						   "ORDER BY mv_q.n, mv_s.distance, mv_s.id");

	plan = palloc0(sizeof(DslPlan));
	plan->sql = sql.data;
	plan->nparams = st.nparams;
	plan->params = st.params;
	plan->nqueries = st.nqueries;
	plan->topk = st.topk;
	plan->ef = st.ef;
	plan->nprobe = st.nprobe;
	plan->searchK = st.searchK;
	return plan;
}
