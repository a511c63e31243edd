-- issue 17, item 1: no object of a schema on a privileged caller's
-- search_path stands in for what the extension calls.  regress_mallory
-- plants an "=" on varchar and look-alikes of the built-ins the helpers
-- call in a schema a superuser has on its search_path; each says whom it
-- ran as, and makes regress_mallory a superuser when it runs as one.  No
-- "ran as" NOTICE may appear from the extension's functions.
\set VERBOSITY terse

CREATE ROLE regress_mallory;
CREATE SCHEMA shared;
GRANT USAGE, CREATE ON SCHEMA shared TO regress_mallory;

SET ROLE regress_mallory;
CREATE FUNCTION shared.trap() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'ran as %', current_user;
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		EXECUTE 'ALTER ROLE regress_mallory SUPERUSER';
	END IF;
END $$;
CREATE FUNCTION shared.eq(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN $1::text OPERATOR(pg_catalog.=) $2::text; END $$;
CREATE FUNCTION shared.gt(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN $1::text OPERATOR(pg_catalog.>) $2::text; END $$;
CREATE OPERATOR shared.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = shared.eq);
CREATE OPERATOR shared.> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = shared.gt);
CREATE FUNCTION shared.cardinality(text[]) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN 0; END $$;
CREATE FUNCTION shared.array_to_string(text[], text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN ''; END $$;
CREATE FUNCTION shared.array_append(text[], text) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN $1; END $$;
CREATE FUNCTION shared.upper(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN $1; END $$;
CREATE FUNCTION shared.format(text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN $1; END $$;
CREATE FUNCTION shared.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); END $$;
CREATE FUNCTION shared.array_length(text[], integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN 1; END $$;
CREATE FUNCTION shared.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN 'object'; END $$;
CREATE FUNCTION shared.current_schema() RETURNS name LANGUAGE plpgsql AS $$
BEGIN PERFORM shared.trap(); RETURN 'shared'; END $$;
-- the traps are live: unqualified names on this search_path reach them
SET search_path = public, shared;
SELECT 'a'::varchar = 'a'::varchar AS trapped_eq;
SELECT cardinality('{a}'::text[]) AS trapped_cardinality;
RESET search_path;
RESET ROLE;

-- a superuser with the shared schema on its search_path
SET search_path = public, shared;
CREATE TABLE docs (id int PRIMARY KEY, tag varchar, v vector(2));
INSERT INTO docs VALUES (1, 'a', '[1,1]'), (2, 'b', '[1,2]'), (3, 'a', '[5,5]');

-- milvus_search with a term and a range clause on the varchar column
SELECT query_no, id, distance FROM milvus_search('docs',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}},{"term":{"tag":["a"]}}]}}');
SELECT query_no, id, distance FROM milvus_search('docs',
	'{"bool":{"must":[{"vector":{"v":{"topk":2,"query":[[1,1]],"metric_type":"L2"}}},{"range":{"tag":{"GT":"a","EQ":"b"}}}]}}');
SELECT count(*) FROM milvus_search_explain('docs',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}},{"term":{"tag":["a"]}}]}}');
-- the query text qualifies every operator and function it names
SELECT milvus_search_sql('docs',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}},{"term":{"tag":["a"]}},{"range":{"tag":{"GT":"a"}}}]}}', true);

-- the collection helpers (cardinality, array_append, array_to_string, upper,
-- jsonb_typeof, format), created in the caller's current schema (public,
-- not the trap's current_schema())
SELECT milvus_create_collection('coll', 2, 'L2', 'IVF_PQ', '{"nlist": 1, "m": 1}',
	'[{"name": "tag", "type": "varchar"}, {"name": "tags", "type": "text[]"}]');
SELECT milvus_create_partition('coll', 'p');
SELECT row_count, partitions, index_type, metric FROM milvus_collection_info('coll');
SELECT milvus_drop_collection('coll');

-- the sharding helpers that need no shard server
SELECT milvus_create_shard_tables('shard_t', 2, 2, index_method => 'hnsw');
CREATE TABLE sharded (id bigint NOT NULL, embedding vector(2)) PARTITION BY HASH (id);
CREATE TABLE sharded_p0 PARTITION OF sharded FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE sharded_p1 PARTITION OF sharded FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO sharded VALUES (1, '[1,1]'), (2, '[2,2]'), (3, '[3,3]');
SELECT partition, remainder, modulus, server FROM milvus_shards('sharded');
SELECT milvus_sharded_query('sharded', '[1,1]', 2);
SELECT id FROM milvus_sharded_search(NULL::sharded, '[1,1]'::vector, 2);

-- the index builds do not depend on search_path either (pg_restore and
-- autovacuum run with an empty one)
SET search_path = pg_catalog;
CREATE INDEX ON public.docs USING flat (v public.vector_l2_ops);
CREATE INDEX ON public.docs USING hnsw (v public.vector_l2_ops);
SET search_path = public, shared;

-- nothing escalated
RESET search_path;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_mallory';

-- every SQL and PL/pgSQL function of the extension pins search_path
SELECT p.oid::regprocedure, p.proconfig
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'milvus'
JOIN pg_language l ON l.oid = p.prolang
WHERE d.deptype = 'e' AND l.lanname NOT IN ('c', 'internal')
  AND p.proconfig IS DISTINCT FROM '{"search_path=pg_catalog, pg_temp"}'
ORDER BY 1;
SELECT count(*) > 0 AS has_sql_functions
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'milvus'
JOIN pg_language l ON l.oid = p.prolang
WHERE d.deptype = 'e' AND l.lanname IN ('sql', 'plpgsql');

-- the functions name the extension's schema, so it cannot move
CREATE SCHEMA elsewhere;
ALTER EXTENSION milvus SET SCHEMA elsewhere;
DROP SCHEMA elsewhere;

DROP TABLE docs, sharded, shard_t_p0, shard_t_p1;
DROP SCHEMA shared CASCADE;
DROP ROLE regress_mallory;
