-- hnsw over vector: options, operator classes, exactness, recall, filters
\set VERBOSITY terse
SET client_min_messages = warning;

-- options and their errors
CREATE TABLE hnsw_opts (id int, v vector(3));
CREATE INDEX ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (m = 1);
CREATE INDEX ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (m = 101);
CREATE INDEX ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (ef_construction = 3);
CREATE INDEX ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (ef_construction = 1001);
CREATE INDEX ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 31);
CREATE INDEX ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (lists = 3);
CREATE INDEX hnsw_opts_ok ON hnsw_opts USING hnsw (v vector_l2_ops) WITH (m = 2, ef_construction = 4);
SELECT reloptions FROM pg_class WHERE relname = 'hnsw_opts_ok';
SET hnsw.ef_search = 0;
SET hnsw.ef_search = 1001;
SET hnsw.iterative_scan = sideways;
SHOW hnsw.ef_search;
SHOW hnsw.iterative_scan;
DROP TABLE hnsw_opts;

-- dimensions
CREATE TABLE hnsw_dims (v vector);
CREATE INDEX ON hnsw_dims USING hnsw (v vector_l2_ops);
DROP TABLE hnsw_dims;
CREATE TABLE hnsw_dims (v vector(2001));
CREATE INDEX ON hnsw_dims USING hnsw (v vector_l2_ops);
DROP TABLE hnsw_dims;

-- every operator class is valid
SELECT opc.opcname, amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE am.amname = 'hnsw' AND opc.opcintype = 'vector'::regtype ORDER BY 1;

-- a small table: at a high ef_search the index returns exact results
CREATE TABLE hnsw_items (id int, category int, v vector(3));
INSERT INTO hnsw_items
	SELECT i, i % 10, ARRAY[i % 17, (i * 7) % 23, (i * 13) % 29]::vector
	FROM generate_series(1, 1000) i;
INSERT INTO hnsw_items VALUES (1001, 0, NULL), (1002, 0, '[0,0,0]');
CREATE INDEX hnsw_items_l2 ON hnsw_items USING hnsw (v vector_l2_ops);
ANALYZE hnsw_items;
SET hnsw.ef_search = 400;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_items ORDER BY v <-> '[3,1,2]' LIMIT 5;

CREATE FUNCTION hnsw_exact(q vector, k int, op text) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE r int[];
BEGIN
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM hnsw_items WHERE v IS NOT NULL ORDER BY v %s $1, id LIMIT $2) s', op)
		INTO r USING q, k;
	RETURN r;
END $$;
CREATE FUNCTION hnsw_dists(q vector, k int, op text) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE r float8[];
BEGIN
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s $1 AS d FROM hnsw_items ORDER BY v %s $1 LIMIT $2) s', op, op)
		INTO r USING q, k;
	RETURN r;
END $$;
CREATE FUNCTION hnsw_exact_dists(q vector, k int, op text) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE r float8[];
BEGIN
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s $1 AS d FROM hnsw_items WHERE v IS NOT NULL ORDER BY v %s $1 LIMIT $2) s', op, op)
		INTO r USING q, k;
	RETURN r;
END $$;

-- the index scan returns the exact k nearest distances (ids may differ on ties)
SELECT count(*) AS queries,
	count(*) FILTER (WHERE hnsw_dists(q, 10, '<->') = hnsw_exact_dists(q, 10, '<->')) AS exact
FROM (SELECT ARRAY[i % 5, i % 7, i % 11]::vector AS q FROM generate_series(1, 20) i) s;
SELECT id FROM hnsw_items ORDER BY v <-> '[16,22,28]' LIMIT 1;
SELECT count(*) FROM (SELECT id FROM hnsw_items ORDER BY v <-> '[1,1,1]' LIMIT 2000) s;

-- the other operator classes
CREATE INDEX hnsw_items_ip ON hnsw_items USING hnsw (v vector_ip_ops);
CREATE INDEX hnsw_items_cos ON hnsw_items USING hnsw (v vector_cosine_ops);
CREATE INDEX hnsw_items_l1 ON hnsw_items USING hnsw (v vector_l1_ops);
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_items ORDER BY v <#> '[3,1,2]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_items ORDER BY v <=> '[3,1,2]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_items ORDER BY v <+> '[3,1,2]' LIMIT 5;
SELECT count(*) FILTER (WHERE hnsw_dists(q, 10, '<#>') = hnsw_exact_dists(q, 10, '<#>')) AS ip_exact,
	count(*) FILTER (WHERE hnsw_dists(q, 10, '<+>') = hnsw_exact_dists(q, 10, '<+>')) AS l1_exact
FROM (SELECT ARRAY[i % 5 + 1, i % 7, i % 11]::vector AS q FROM generate_series(1, 20) i) s;
-- cosine: zero vectors are not indexed; a zero query is at distance 0 from
-- everything (as in pgvector), so it returns ef_search elements' rows;
-- values equal once normalised share an element (400 elements, 436 rows)
SELECT count(*) FILTER (WHERE abs((SELECT max(x) FROM unnest(hnsw_dists(q, 10, '<=>')) x) -
	(SELECT max(x) FROM unnest(hnsw_exact_dists(q, 10, '<=>') ) x)) < 1e-6) AS cos_exact
FROM (SELECT ARRAY[i % 5 + 1, i % 7, i % 11]::vector AS q FROM generate_series(1, 20) i) s;
SELECT count(*) FROM (SELECT id FROM hnsw_items ORDER BY v <=> '[0,0,0]' LIMIT 5) s;
SELECT count(*) FROM (SELECT id FROM hnsw_items ORDER BY v <=> '[1,1,1]' LIMIT 2000) s;
DROP INDEX hnsw_items_ip, hnsw_items_cos, hnsw_items_l1;

-- rows inserted after the build are found at once; deleted ones vanish
INSERT INTO hnsw_items VALUES (2000, 1, '[100,100,100]'), (2001, 1, '[100,100,101]');
SELECT id FROM hnsw_items ORDER BY v <-> '[100,100,100]' LIMIT 2;
DELETE FROM hnsw_items WHERE id = 2000;
SELECT id FROM hnsw_items ORDER BY v <-> '[100,100,100]' LIMIT 1;
VACUUM hnsw_items;
SELECT id FROM hnsw_items ORDER BY v <-> '[100,100,100]' LIMIT 1;
SELECT count(*) FROM (SELECT id FROM hnsw_items ORDER BY v <-> '[1,1,1]' LIMIT 2000) s;

-- filtered queries: iterative scans return k rows when k rows match
RESET hnsw.ef_search;
SET hnsw.ef_search = 10;
SET hnsw.iterative_scan = off;
SELECT count(*) <= 10 AS few FROM (SELECT id FROM hnsw_items WHERE category = 3 ORDER BY v <-> '[1,1,1]' LIMIT 10) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM hnsw_items WHERE category = 3 ORDER BY v <-> '[1,1,1]' LIMIT 10) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*) FROM (SELECT id FROM hnsw_items WHERE category = 3 ORDER BY v <-> '[1,1,1]' LIMIT 10) s;
SELECT bool_and(d1 <= d2) AS ordered FROM (
	SELECT d AS d1, lead(d) OVER (ORDER BY n) AS d2 FROM (
		SELECT v <-> '[1,1,1]' AS d, row_number() OVER () AS n FROM (
			SELECT v FROM hnsw_items WHERE category = 3 ORDER BY v <-> '[1,1,1]' LIMIT 50) s) t) u
	WHERE d2 IS NOT NULL;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;

-- a distance in WHERE cannot use the index
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_items WHERE v <-> '[3,1,2]' < 1;

-- REINDEX, TRUNCATE, an empty table, an unlogged table
REINDEX INDEX hnsw_items_l2;
SELECT id FROM hnsw_items ORDER BY v <-> '[100,100,101]' LIMIT 1;
TRUNCATE hnsw_items;
SELECT count(*) FROM (SELECT id FROM hnsw_items ORDER BY v <-> '[1,1,1]' LIMIT 5) s;
INSERT INTO hnsw_items VALUES (1, 1, '[1,2,3]'), (2, 1, '[4,5,6]');
SELECT id FROM hnsw_items ORDER BY v <-> '[4,5,6]' LIMIT 1;
DROP TABLE hnsw_items;
DROP FUNCTION hnsw_exact, hnsw_dists, hnsw_exact_dists;

CREATE UNLOGGED TABLE hnsw_unlogged (id int, v vector(2));
INSERT INTO hnsw_unlogged SELECT i, ARRAY[i, i]::vector FROM generate_series(1, 100) i;
CREATE INDEX ON hnsw_unlogged USING hnsw (v vector_l2_ops);
SELECT id FROM hnsw_unlogged ORDER BY v <-> '[50.2,50.2]' LIMIT 3;
DROP TABLE hnsw_unlogged;

-- a build that outgrows maintenance_work_mem falls back to inserts
CREATE TABLE hnsw_big (id int, v vector(64));
INSERT INTO hnsw_big SELECT i, array_fill(i::real, ARRAY[64])::vector FROM generate_series(1, 5000) i;
SET maintenance_work_mem = '1MB';
SET client_min_messages = notice;
CREATE INDEX ON hnsw_big USING hnsw (v vector_l2_ops);
SET client_min_messages = warning;
RESET maintenance_work_mem;
SELECT id FROM hnsw_big ORDER BY v <-> array_fill(2500.4::real, ARRAY[64])::vector LIMIT 3;

-- a build can be cancelled (here by statement_timeout, mid-way)
SET maintenance_work_mem = '1MB';
SET statement_timeout = '100ms';
CREATE INDEX hnsw_big_cancelled ON hnsw_big USING hnsw (v vector_l2_ops);
RESET statement_timeout;
RESET maintenance_work_mem;
SELECT count(*) FROM pg_class WHERE relname = 'hnsw_big_cancelled';

-- CREATE INDEX CONCURRENTLY
DROP INDEX hnsw_big_v_idx;
CREATE INDEX CONCURRENTLY hnsw_big_cic ON hnsw_big USING hnsw (v vector_l2_ops);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'hnsw_big_cic'::regclass;
SELECT id FROM hnsw_big ORDER BY v <-> array_fill(17.2::real, ARRAY[64])::vector LIMIT 2;
SELECT count(*) FROM milvus_index_check('hnsw_big_cic');
DROP TABLE hnsw_big;
