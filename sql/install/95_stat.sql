-- ---------------------------------------------------------------------------
-- monitoring: per-index counters, milvus_stat_indexes, the Prometheus text
-- ---------------------------------------------------------------------------

-- the counters of this database's indexes (empty unless milvus is in
-- shared_preload_libraries); milvus_stat_indexes joins them to the catalogs
CREATE FUNCTION milvus_stat_index_counters(OUT indexrelid oid,
		OUT searches bigint, OUT tuples_returned bigint, OUT inserts bigint,
		OUT search_seconds float8, OUT last_vacuum timestamptz,
		OUT build_seconds float8)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- one row per index of this extension's access methods (a view's names are
-- resolved once, here: the calls are qualified, and the one comparison
-- without an exact pg_catalog operator too)
CREATE VIEW milvus_stat_indexes AS
SELECT i.oid AS indexrelid,
	n.nspname AS schemaname,
	t.relname AS tablename,
	i.relname AS indexname,
	am.amname AS index_type,
	i.reloptions AS parameters,
	pg_catalog.pg_relation_size(i.oid) AS size_bytes,
	CASE WHEN i.reltuples OPERATOR(pg_catalog.>=) 0
		THEN i.reltuples::bigint END AS tuples,
	coalesce(c.searches, 0) AS searches,
	coalesce(c.tuples_returned, 0) AS tuples_returned,
	coalesce(c.inserts, 0) AS inserts,
	coalesce(c.search_seconds, 0) AS search_seconds,
	c.last_vacuum,
	c.build_seconds
FROM pg_index x
	JOIN pg_class i ON i.oid = x.indexrelid
	JOIN pg_class t ON t.oid = x.indrelid
	JOIN pg_namespace n ON n.oid = i.relnamespace
	JOIN pg_am am ON am.oid = i.relam
	LEFT JOIN @extschema@.milvus_stat_index_counters() c ON c.indexrelid = i.oid
WHERE am.oid IN (SELECT d.objid FROM pg_depend d JOIN pg_extension e
		ON e.oid = d.refobjid
	WHERE d.classid = 'pg_am'::regclass
		AND d.refclassid = 'pg_extension'::regclass
		AND d.deptype = 'e' AND e.extname = 'milvus');
GRANT SELECT ON milvus_stat_indexes TO PUBLIC;

-- zero the counters of one index, or of every index of this database
-- (superusers, and whom they grant it to, as pg_stat_reset)
CREATE FUNCTION milvus_stat_reset(index regclass DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C;
REVOKE ALL ON FUNCTION milvus_stat_reset(regclass) FROM PUBLIC;

-- the Prometheus text the metrics endpoint serves (every database's
-- indexes: pg_monitor, as the endpoint's other readers)
CREATE FUNCTION milvus_metrics() RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION milvus_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION milvus_metrics() TO pg_monitor;
