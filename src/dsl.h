/*-------------------------------------------------------------------------
 *
 * dsl.h
 *	  The Milvus boolean search DSL: a compiler from a jsonb document to
 *	  one parameterised SQL query over a table.
 *
 * The compiler (dslcompile.c) is a pure function of the document and a
 * description of the table (DslTable): it reads no catalog, runs no SQL
 * and converts no value, so it can be driven by a fuzzer with a made-up
 * table.  It produces the SQL text and, for every $n, the parameter's
 * element type and the text form of its value(s), with the document path
 * each came from.  dsl.c describes the table from the catalog, converts
 * the parameters with the column types' input functions, applies the
 * search settings for the duration of the call and runs the query through
 * SPI with the caller's privileges.  The query qualifies every function,
 * type and operator it names (OPERATOR(schema.op)), so that it means the
 * same on any search_path: nothing on the caller's path can stand in for
 * them.
 *
 * The query, for every DSL document (several query vectors or one):
 *
 *	SELECT mv_q.n::int4 AS query_no, mv_s.id, mv_s.distance, mv_s.fields
 *	FROM pg_catalog.unnest($1) WITH ORDINALITY AS mv_q(v, n)
 *	CROSS JOIN LATERAL (
 *		SELECT <id> AS id, <distance> AS distance, <fields> AS fields
 *		FROM <table> AS mv_t
 *		WHERE <filter>
 *		ORDER BY <vector column> <operator> mv_q.v
 *		LIMIT $2) AS mv_s
 *	ORDER BY mv_q.n, mv_s.distance, mv_s.id
 *
 * The inner query is what one writes by hand for one vector, so the planner
 * picks the vector index for its ORDER BY and applies the filter as usual;
 * the nested loop rescans that index once per query vector.
 *
 * IDENTIFICATION
 *	  src/dsl.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef DSL_H
#define DSL_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* The most query vectors and the largest topk, as in Milvus. */
#define DSL_MAX_QUERIES		16384
#define DSL_MAX_TOPK		16384
/* How deep bool clauses may nest. */
#define DSL_MAX_DEPTH		32

/* What kind of vector a column holds, if any. */
typedef enum DslVectorKind
{
	DSL_NOT_VECTOR,
	DSL_VECTOR,
	DSL_HALFVEC,
	DSL_SPARSEVEC,
	DSL_BIT
} DslVectorKind;

/* One column of the table. */
typedef struct DslColumn
{
	const char *name;			/* attname, unquoted */
	Oid			typid;
	int32		typmod;
	DslVectorKind kind;
	const char *cmpschema;		/* quoted schema of the type's comparison
								 * operators (term, range) */
} DslColumn;

/* The table a document is compiled against. */
typedef struct DslTable
{
	const char *qualname;		/* schema-qualified, quoted */
	const char *opschema;		/* quoted schema of our operators */
	int			ncolumns;
	const DslColumn *columns;
	int			nidcolumns;		/* the columns whose values identify a row */
	const int  *idcolumns;		/* indexes into columns */
} DslTable;

/* One $n of the query: a value or an array of values of one type. */
typedef struct DslParam
{
	Oid			elemtype;
	int32		typmod;
	bool		isarray;
	int			nvalues;		/* 1 unless isarray */
	char	  **values;			/* text forms, for the type's input function */
	char	   *path;			/* where in the document the value was */
} DslParam;

/* The compiled query and the settings to apply while it runs. */
typedef struct DslPlan
{
	char	   *sql;
	int			nparams;
	DslParam   *params;			/* params[i] is $(i + 1) */
	int			nqueries;		/* query vectors */
	int			topk;
	int			ef;				/* hnsw.ef_search, or -1 */
	int			nprobe;			/* ivfflat.probes / ivf.probes, or -1 */
	int			searchK;		/* annoy.search_k, or 0 */
} DslPlan;

extern DslPlan *DslCompile(Jsonb *dsl, const DslTable *table,
						   bool with_fields);

#endif							/* DSL_H */
