-- ---------------------------------------------------------------------------
-- milvus_search: Milvus's boolean search DSL over a table
-- ---------------------------------------------------------------------------

-- One row per (query vector, hit), ordered by query_no, distance.  Runs one
-- parameterised query with the caller's privileges, once it has checked
-- SELECT on the table.  The query qualifies every function, operator and
-- type it names, so these C functions need no SET search_path (README:
-- "Security").
CREATE FUNCTION milvus_search(collection regclass, dsl jsonb,
		with_fields boolean DEFAULT false)
	RETURNS TABLE (query_no integer, id text, distance float8, fields jsonb)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- The query milvus_search runs, with a comment line per parameter.
CREATE FUNCTION milvus_search_sql(collection regclass, dsl jsonb,
		with_fields boolean DEFAULT false)
	RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- EXPLAIN (COSTS OFF) of that query, with its parameters and settings.
CREATE FUNCTION milvus_search_explain(collection regclass, dsl jsonb,
		with_fields boolean DEFAULT false)
	RETURNS SETOF text
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
