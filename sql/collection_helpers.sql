-- collections and partitions: milvus_create_collection, milvus_create_partition,
-- milvus_collection_info, milvus_drop_collection
\set VERBOSITY terse
SET client_min_messages = warning;

-- the columns and indexes of a table, for showing what a helper made
CREATE FUNCTION coll_shape(rel regclass) RETURNS TABLE (item text) LANGUAGE sql AS $$
	SELECT format('column %s %s%s', quote_ident(attname),
				  format_type(atttypid, atttypmod),
				  CASE WHEN attnotnull THEN ' not null' ELSE '' END)
	FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
	UNION ALL
	SELECT 'partition ' || c.oid::regclass || ' ' || pg_get_expr(c.relpartbound, c.oid)
	FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = rel
	UNION ALL
	SELECT 'partitioned by ' || pg_get_partkeydef(rel) WHERE pg_get_partkeydef(rel) IS NOT NULL
	UNION ALL
	SELECT 'index ' || regexp_replace(pg_get_indexdef(indexrelid), ' ON .* USING ', ' USING ')
	FROM pg_index WHERE indrelid = rel
	ORDER BY 1
$$;

-- a collection with fields (object form) and HNSW params
SELECT milvus_create_collection('films', 4, 'L2', 'HNSW',
	'{"M": 8, "efConstruction": 32}',
	'{"year": "INT32", "rating": "FLOAT", "title": "VARCHAR", "tags": "text[]"}');
SELECT * FROM coll_shape('films');

-- partitions
SELECT milvus_create_partition('films', '2020s');
SELECT milvus_create_partition('films', 'Old Films');
SELECT * FROM coll_shape('films');
INSERT INTO films (embedding, year, rating, title, partition_tag) VALUES
	('[1,0,0,0]', 2021, 7.5, 'a', '2020s'),
	('[0,1,0,0]', 1950, 8.0, 'b', 'Old Films'),
	('[0,0,1,0]', 1999, 6.0, 'c', '_default'),
	('[1,1,0,0]', 2023, 9.0, 'd', '2020s'),
	('[1,1,1,1]', 2005, 5.0, 'e', 'elsewhere');
SELECT tableoid::regclass AS partition, id, title FROM films ORDER BY id;

-- milvus_collection_info
SELECT row_count, partitions, index, index_type, index_params, metric,
	size_bytes > 0 AS has_size
FROM milvus_collection_info('films');

-- searching one partition: a term on partition_tag prunes the others
SELECT query_no, id, round(distance::numeric, 4) AS distance, fields ->> 'title' AS title
FROM milvus_search('films', '{"bool": {"must": [{"term": {"partition_tag": ["2020s"]}},
	{"vector": {"embedding": {"topk": 10, "query": [[1, 1, 0, 0]], "metric_type": "L2"}}}]}}', true);
-- the whole collection
SELECT query_no, id, round(distance::numeric, 4) AS distance
FROM milvus_search('films', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 3, "query": [[1, 1, 0, 0]], "metric_type": "L2"}}}]}}');

-- partition errors
SELECT milvus_create_partition('films', '2020s');
SELECT milvus_create_partition('films', '_default');
SELECT milvus_create_partition('films', '');
SELECT milvus_create_partition('films', repeat('x', 60));
CREATE TABLE plain_table (id int);
SELECT milvus_create_partition('plain_table', 'a');
-- a new partition for a tag the default partition holds already
SELECT milvus_create_partition('films', 'elsewhere');

-- the fields array form keeps the order; a bit collection for Tanimoto
SELECT milvus_create_collection('fingerprints', 16, 'tanimoto', 'hnsw', '{}',
	'[{"name": "smiles", "type": "STRING"}, {"name": "weight", "type": "DOUBLE"},
	  {"name": "active", "type": "BOOL"}, {"name": "n", "type": "INT64"}]');
SELECT * FROM coll_shape('fingerprints');
INSERT INTO fingerprints (embedding, smiles) VALUES
	('1111000011110000', 'C'), ('1111000000000000', 'CC'), ('0000111100001111', 'O');
SELECT id, round(distance::numeric, 4) AS distance FROM milvus_search('fingerprints',
	'{"bool": {"must": [{"vector": {"embedding": {"topk": 3, "query": ["1111000011100000"],
	"metric_type": "TANIMOTO"}}}]}}');
SELECT row_count, index_type, metric FROM milvus_collection_info('fingerprints');

-- no index
SELECT milvus_create_collection('plain', 2, 'IP', 'NONE');
SELECT * FROM coll_shape('plain');
SELECT row_count, partitions, index, index_type, index_params, metric
FROM milvus_collection_info('plain');
SELECT milvus_create_collection('cosine_coll', 2, 'COSINE', NULL);
SELECT milvus_create_collection('l1_coll', 2, 'L1');
SELECT index, index_type, metric FROM milvus_collection_info('l1_coll');

-- the other index types map onto their access methods where those exist;
-- where one is not installed the helper says so
DO $$
DECLARE
	t record;
	def text;
BEGIN
	FOR t IN SELECT * FROM (VALUES
		('FLAT', 'flat', '{}', 'USING flat'),
		('IVF_FLAT', 'ivfflat', '{"nlist": 4}', 'lists=''4'''),
		('IVF_SQ8', 'ivf', '{"nlist": 4}', 'quantizer=sq8'),
		('IVF_PQ', 'ivf', '{"nlist": 4, "m": 2, "nbits": 4}', 'pq_m=''2''')) v(it, am, params, expect)
	LOOP
		BEGIN
			PERFORM milvus_create_collection('idx_' || lower(t.it), 4, 'L2', t.it, t.params::jsonb);
			SELECT pg_get_indexdef(indexrelid) INTO def FROM pg_index
			WHERE indrelid = ('idx_' || lower(t.it))::regclass AND NOT indisprimary;
			IF position(t.expect IN def) = 0 THEN
				RAISE EXCEPTION 'index type % made %', t.it, def;
			END IF;
			PERFORM milvus_drop_collection(('idx_' || lower(t.it))::regclass);
		EXCEPTION WHEN feature_not_supported THEN
			IF EXISTS (SELECT FROM pg_am WHERE amname = t.am) THEN
				RAISE;
			END IF;
		END;
	END LOOP;
END
$$;

-- errors
SELECT milvus_create_collection('bad', 4, 'L3');
SELECT milvus_create_collection('bad', 4, 'L2', 'NSG');
SELECT milvus_create_collection('bad', 0);
SELECT milvus_create_collection('bad', 4, 'L2', 'HNSW', '{"nlist": 4}');
SELECT milvus_create_collection('bad', 4, 'L2', 'HNSW', '{"M": "8"}');
SELECT milvus_create_collection('bad', 4, 'L2', 'HNSW', '{"M": 1}');
SELECT milvus_create_collection('bad', 4, 'L2', 'HNSW', '{}', '"x"');
SELECT milvus_create_collection('bad', 4, 'L2', 'HNSW', '{}', '[{"name": "a"}]');
SELECT milvus_create_collection('bad', 4, 'L2', 'HNSW', '{}', '{"a": "no_such_type"}');
SELECT milvus_create_collection('films', 4);
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'bad%';

-- injection attempts: names are quoted, types must be types
SELECT milvus_create_collection('x"; DROP TABLE films; --', 2, 'L2', 'HNSW', '{}',
	'{"a\"; DROP TABLE films; --": "INT32"}');
SELECT * FROM coll_shape('"x""; DROP TABLE films; --"');
SELECT milvus_create_partition('"x""; DROP TABLE films; --"', $$'); DROP TABLE films; --$$);
SELECT * FROM coll_shape('"x""; DROP TABLE films; --"');
SELECT milvus_create_collection('y', 2, 'L2', 'HNSW', '{}', '{"a": "int); DROP TABLE films; --"}');
SELECT milvus_create_collection('y', 2, 'L2', 'HNSW', '{"M": "8); DROP TABLE films; --"}');
SELECT count(*) AS films_still_there FROM films;
SELECT milvus_drop_collection('"x""; DROP TABLE films; --"');

-- a term on partition_tag prunes the other partitions.  On a partition
-- this small the query written by hand reads it through the primary key
-- and sorts; the DSL's, whose query vector is a parameter of the nested
-- loop, is costed cheaper through the partition's hnsw index
INSERT INTO films (embedding, title, partition_tag)
SELECT ARRAY[i % 17, i % 13, i % 11, i % 7]::real[]::vector, 'gen', '2020s'
FROM generate_series(1, 300) i;
ANALYZE films;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT milvus_search_explain('films', '{"bool": {"must": [{"term": {"partition_tag": ["2020s"]}},
	{"vector": {"embedding": {"topk": 10, "query": [[1, 1, 0, 0]], "metric_type": "L2"}}}]}}');
EXPLAIN (COSTS OFF) SELECT id FROM films WHERE partition_tag = ANY ('{2020s}')
ORDER BY embedding <-> '[1,1,0,0]' LIMIT 10;
-- the whole collection: each partition's hnsw index, merged
SELECT milvus_search_explain('films', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 10, "query": [[1, 1, 0, 0]], "metric_type": "L2"}}}]}}');
RESET enable_seqscan;
RESET enable_bitmapscan;

-- the caller's privileges apply
CREATE ROLE regress_coll_user;
SET ROLE regress_coll_user;
SELECT milvus_drop_collection('films');
SELECT * FROM milvus_collection_info('films');
RESET ROLE;
DROP ROLE regress_coll_user;

-- drop
SELECT milvus_drop_collection('films');
SELECT count(*) AS left_over FROM pg_class WHERE relname LIKE 'films%';
CREATE VIEW plain_view AS SELECT 1;
SELECT milvus_drop_collection('plain_view');
SELECT milvus_drop_collection('fingerprints');
SELECT milvus_drop_collection('plain');
SELECT milvus_drop_collection('cosine_coll');
SELECT milvus_drop_collection('l1_coll');
DROP VIEW plain_view;
DROP TABLE plain_table;

-- the extension outside the search path: the helpers and milvus_search
-- qualify its types, operators and operator classes, and create in the
-- caller's current schema.  It cannot move (not relocatable: its functions
-- name its schema).
CREATE SCHEMA coll_ext;
ALTER EXTENSION milvus SET SCHEMA coll_ext;
DROP SCHEMA coll_ext;
CREATE SCHEMA coll_other;
SET search_path = coll_other;
SELECT public.milvus_create_collection('moved', 3, 'COSINE', 'HNSW', '{"M": 4}',
	'{"n": "INT32"}');
SELECT * FROM public.coll_shape('moved');
SELECT public.milvus_create_partition('moved', 'p');
INSERT INTO moved (embedding, n, partition_tag) VALUES
	('[1,0,0]', 1, 'p'), ('[0,1,0]', 2, '_default'), ('[1,1,0]', 3, 'p');
SELECT query_no, id, round(distance::numeric, 4) AS distance, fields
FROM public.milvus_search('moved', '{"bool": {"must": [{"range": {"n": {"GTE": 2}}},
	{"vector": {"embedding": {"topk": 2, "query": [[1, 0.1, 0]], "metric_type": "COSINE"}}}]}}', true);
SELECT public.milvus_search_sql('moved', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 2, "query": [[1, 0.1, 0]], "metric_type": "COSINE"}}}]}}');
SELECT row_count, partitions, index_type, index_params, metric
FROM public.milvus_collection_info('moved');
SELECT public.milvus_drop_collection('moved');
RESET search_path;
DROP SCHEMA coll_other;
DROP FUNCTION coll_shape(regclass);
