-- annoy: the tree index access method over vector and halfvec
SET client_min_messages = warning;
\set VERBOSITY terse

-- run a k-NN query (returning a distance column d) with the index and
-- without it; true when the ordered distances are equal
CREATE FUNCTION annoy_same_as_exact(q text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	a float8[];
	b float8[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	PERFORM set_config('enable_indexscan', 'on', true);
	EXECUTE 'SELECT array_agg(d) FROM (' || q || ') s' INTO a;
	PERFORM set_config('enable_seqscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'off', true);
	EXECUTE 'SELECT array_agg(d) FROM (' || q || ') s' INTO b;
	PERFORM set_config('enable_indexscan', 'on', true);
	PERFORM set_config('enable_seqscan', 'off', true);
	RETURN a = b AND a IS NOT NULL;
END
$$;

SET enable_seqscan = off;
SELECT setseed(0.5);
CREATE TABLE av (id int PRIMARY KEY, v vector(3), h halfvec(3));
INSERT INTO av SELECT i, ARRAY[random(), random(), random()],
	ARRAY[random(), random(), random()] FROM generate_series(1, 1000) i;
INSERT INTO av VALUES (1001, NULL, NULL), (1002, '[0,0,0]', '[0,0,0]');
CREATE TABLE aq (q vector(3), hq halfvec(3));
INSERT INTO aq SELECT ARRAY[random(), random(), random()],
	ARRAY[random(), random(), random()] FROM generate_series(1, 10);

-- options and errors
CREATE INDEX ON av USING annoy (v vector_l2_ops) WITH (n_trees = 0);
CREATE INDEX ON av USING annoy (v vector_l2_ops) WITH (n_trees = 1025);
CREATE INDEX ON av USING annoy (v vector_l2_ops) WITH (n_trees = 'x');
CREATE INDEX ON av USING annoy (v vector_l2_ops) WITH (lists = 3);
CREATE INDEX ON av USING annoy (v vector_l1_ops);
SET annoy.search_k = 0;
SET annoy.search_k = -2;
SET annoy.foo = 1;
CREATE TABLE anodim (v vector);
CREATE INDEX ON anodim USING annoy (v vector_l2_ops);
CREATE TABLE abig (v vector(2001));
CREATE INDEX ON abig USING annoy (v vector_l2_ops);
CREATE TABLE asparse (v sparsevec(3));
CREATE INDEX ON asparse USING annoy (v);
DROP TABLE anodim, abig, asparse;
SELECT amvalidate(oc.oid), oc.opcname FROM pg_opclass oc
JOIN pg_am a ON a.oid = oc.opcmethod WHERE a.amname = 'annoy' ORDER BY 2;
SHOW annoy.search_k;

-- every operator class equals exact search when search_k covers every leaf
CREATE INDEX av_l2 ON av USING annoy (v vector_l2_ops) WITH (n_trees = 4);
EXPLAIN (COSTS OFF) SELECT id FROM av ORDER BY v <-> '[1,2,3]' LIMIT 5;
SELECT * FROM milvus_index_check('av_l2');
-- the planner: a filter that keeps few rows is cheaper through the btree
ANALYZE av;
EXPLAIN (COSTS OFF) SELECT id FROM av WHERE id < 20 ORDER BY v <-> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM av WHERE id > 20 ORDER BY v <-> '[1,2,3]' LIMIT 5;
SET annoy.search_k = 100000;
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT v <-> %L AS d FROM av ORDER BY v <-> %L LIMIT 10', q, q)))
FROM aq;
-- default search_k: LIMIT k still returns k rows, also through a filter
RESET annoy.search_k;
SELECT count(*) FROM (SELECT id FROM av ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 900) s;
SELECT count(*) FROM (SELECT id FROM av WHERE id % 10 = 0
	ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 60) s;
SELECT count(*) FROM (SELECT id FROM av ORDER BY v <-> NULL) s;
-- a small search_k: one round, then more rounds on demand
SET annoy.search_k = 5;
SELECT count(*) FROM (SELECT id FROM av ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 100) s;
SET annoy.search_k = 100000;

CREATE INDEX av_ip ON av USING annoy (v vector_ip_ops);
CREATE INDEX av_cos ON av USING annoy (v vector_cosine_ops) WITH (n_trees = 1);
CREATE INDEX ah_l2 ON av USING annoy (h halfvec_l2_ops);
CREATE INDEX ah_ip ON av USING annoy (h halfvec_ip_ops);
CREATE INDEX ah_cos ON av USING annoy (h halfvec_cosine_ops);
DROP INDEX av_l2;
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT v <#> %L AS d FROM av ORDER BY v <#> %L LIMIT 10', q, q)))
FROM aq;
DROP INDEX av_ip;
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT v <=> %L AS d FROM av WHERE v <> ''[0,0,0]'' ORDER BY v <=> %L LIMIT 10', q, q)))
FROM aq;
DROP INDEX av_cos;
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT h <-> %L AS d FROM av ORDER BY h <-> %L LIMIT 10', hq, hq)))
FROM aq;
DROP INDEX ah_l2;
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT h <#> %L AS d FROM av ORDER BY h <#> %L LIMIT 10', hq, hq)))
FROM aq;
DROP INDEX ah_ip;
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT h <=> %L AS d FROM av WHERE h <> ''[0,0,0]'' ORDER BY h <=> %L LIMIT 10', hq, hq)))
FROM aq;
SELECT * FROM milvus_index_check('ah_cos');
DROP INDEX ah_cos;

-- insert after build: leaves fill and split
CREATE INDEX av_l2 ON av USING annoy (v vector_l2_ops) WITH (n_trees = 3);
INSERT INTO av SELECT i, ARRAY[random(), random(), random()],
	ARRAY[random(), random(), random()] FROM generate_series(2001, 4000) i;
INSERT INTO av SELECT i, '[0.25,0.25,0.25]', NULL FROM generate_series(4001, 4100) i;
SELECT * FROM milvus_index_check('av_l2');
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT v <-> %L AS d FROM av ORDER BY v <-> %L LIMIT 10', q, q)))
FROM aq;
SELECT count(*) FROM (SELECT id FROM av ORDER BY v <-> '[0.25,0.25,0.25]' LIMIT 150) s
WHERE id > 4000;

-- delete and VACUUM, then inserts reuse the freed slots
DELETE FROM av WHERE id % 3 = 0 OR id > 4000;
VACUUM av;
SELECT * FROM milvus_index_check('av_l2');
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT v <-> %L AS d FROM av ORDER BY v <-> %L LIMIT 10', q, q)))
FROM aq;
SELECT pg_relation_size('av_l2') AS size_before \gset
INSERT INTO av SELECT i, ARRAY[random(), random(), random()], NULL
FROM generate_series(5001, 5300) i;
SELECT pg_relation_size('av_l2') = :size_before AS slots_reused;
SELECT * FROM milvus_index_check('av_l2');
SELECT count(*) FILTER (WHERE annoy_same_as_exact(format(
	'SELECT v <-> %L AS d FROM av ORDER BY v <-> %L LIMIT 10', q, q)))
FROM aq;

-- REINDEX, TRUNCATE, an empty table, an unlogged table
REINDEX INDEX av_l2;
SELECT * FROM milvus_index_check('av_l2');
CREATE TABLE aempty (v vector(3));
CREATE INDEX ON aempty USING annoy (v vector_l2_ops);
SELECT * FROM aempty ORDER BY v <-> '[1,1,1]' LIMIT 1;
INSERT INTO aempty VALUES ('[1,1,1]'), ('[2,2,2]');
SELECT * FROM aempty ORDER BY v <-> '[2,2,2]' LIMIT 1;
TRUNCATE aempty;
SELECT * FROM aempty ORDER BY v <-> '[1,1,1]' LIMIT 1;
CREATE UNLOGGED TABLE aunlogged (v vector(3));
CREATE INDEX aunlogged_v ON aunlogged USING annoy (v vector_l2_ops);
INSERT INTO aunlogged SELECT ARRAY[i, i, i] FROM generate_series(1, 100) i;
SELECT * FROM aunlogged ORDER BY v <-> '[50,50,50]' LIMIT 2;
SELECT * FROM milvus_index_check('aunlogged_v');
DROP TABLE aempty, aunlogged;

-- past maintenance_work_mem: a NOTICE, then inserts
SET client_min_messages = notice;
CREATE TABLE awide (id int, v vector(128));
INSERT INTO awide SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 128) WHERE i > 0)
FROM generate_series(1, 3000) i;
SET maintenance_work_mem = '1MB';
CREATE INDEX awide_v ON awide USING annoy (v vector_l2_ops) WITH (n_trees = 2);
RESET maintenance_work_mem;
SET client_min_messages = warning;
SELECT * FROM milvus_index_check('awide_v');
SELECT annoy_same_as_exact(format(
	'SELECT v <-> %L AS d FROM awide ORDER BY v <-> %L LIMIT 10', v, v))
FROM awide WHERE id IN (7, 77, 777) ORDER BY id;
DROP TABLE awide;

-- wide values: leaves of at most 678 ids (two to a page) fill and split
CREATE TABLE awide2 (id int, v vector(700));
INSERT INTO awide2 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 700) WHERE i > 0)
FROM generate_series(1, 100) i;
CREATE INDEX awide2_v ON awide2 USING annoy (v vector_l2_ops) WITH (n_trees = 2);
INSERT INTO awide2 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 700) WHERE i > 0)
FROM generate_series(101, 900) i;
SELECT * FROM milvus_index_check('awide2_v');
SELECT annoy_same_as_exact(format(
	'SELECT v <-> %L AS d FROM awide2 ORDER BY v <-> %L LIMIT 10', v, v))
FROM awide2 WHERE id IN (7, 777) ORDER BY id;
SELECT pg_relation_size('awide2_v') < 12 * 1024 * 1024 AS bounded;
DROP TABLE awide2;

-- a build and a scan can be cancelled (statement_timeout)
CREATE TABLE acancel (id int, v vector(32));
INSERT INTO acancel SELECT i, array_fill((i % 1000)::real, ARRAY[32])::vector
	FROM generate_series(1, 100000) i;
SET statement_timeout = '20ms';
CREATE INDEX acancel_v ON acancel USING annoy (v vector_l2_ops);
RESET statement_timeout;
SELECT count(*) FROM pg_class WHERE relname = 'acancel_v';
CREATE INDEX acancel_v ON acancel USING annoy (v vector_l2_ops) WITH (n_trees = 2);
SET annoy.search_k = 1;
SET statement_timeout = '20ms';
SELECT count(*) FROM (SELECT id FROM acancel ORDER BY v <-> array_fill(3::real, ARRAY[32])::vector) s;
RESET statement_timeout;
SELECT count(*) FROM (SELECT id FROM acancel ORDER BY v <-> array_fill(3::real, ARRAY[32])::vector LIMIT 5) s;
SET annoy.search_k = 100000;
DROP TABLE acancel;

-- collections (Milvus's ANNOY index type) and the DSL's search_k
SELECT milvus_create_collection('annoy_films', 3, 'L2', 'ANNOY', '{"n_trees": 4}');
INSERT INTO annoy_films (embedding)
SELECT ARRAY[i, i % 7, i % 5]::real[]::vector FROM generate_series(1, 300) i;
SELECT index_type, index_params, metric FROM milvus_collection_info('annoy_films');
SELECT milvus_create_collection('annoy_bad', 3, 'L2', 'ANNOY', '{"nlist": 4}');
SELECT milvus_create_collection('annoy_bad', 3, 'L1', 'ANNOY');
SELECT query_no, id, round(distance::numeric, 4) AS distance
FROM milvus_search('annoy_films', '{"bool": {"must": [{"vector": {"embedding":
	{"topk": 3, "query": [[10, 3, 0]], "metric_type": "L2",
	 "params": {"search_k": 1}}}}]}}');
SELECT query_no, id, round(distance::numeric, 4) AS distance
FROM milvus_search('annoy_films', '{"bool": {"must": [{"vector": {"embedding":
	{"topk": 2, "query": [[20, 6, 0]], "metric_type": "L2",
	 "params": {"search_k": -1}}}}]}}');
SELECT milvus_search_sql('annoy_films', '{"bool": {"must": [{"vector": {"embedding":
	{"topk": 1, "query": [[20, 6, 0]], "metric_type": "L2",
	 "params": {"search_k": 0}}}}]}}');
SELECT milvus_drop_collection('annoy_films');

DROP TABLE av, aq;
DROP FUNCTION annoy_same_as_exact(text);
RESET annoy.search_k;
RESET enable_seqscan;
