-- milvus_batch_search: the background worker's exact search must return
-- what ORDER BY v <op> q LIMIT k returns, for every metric
\set VERBOSITY terse

-- a small hand-checked case
CREATE TABLE small (id int, v vector(2));
INSERT INTO small VALUES (1, '[0,0]'), (2, '[3,4]'), (3, '[1,1]'), (4, NULL);
SELECT * FROM milvus_batch_search('small', 'v', ARRAY['[0,0]', '[3,3]']::vector[], 2, 'l2');
SELECT * FROM milvus_batch_search('small', 'v', ARRAY['[1,0]']::vector[], 5, 'ip');
SELECT * FROM milvus_batch_search('small', 'v', ARRAY['[1,0]']::vector[], 5, 'L1');

-- random rows, a duplicate row (a tie), a zero vector (cosine NaN), NULL
CREATE TABLE items (id int PRIMARY KEY, v vector(6));
SELECT setseed(0.25);
INSERT INTO items SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 6) WHERE i > 0)::vector
	FROM generate_series(1, 800) i;
INSERT INTO items SELECT 801, v FROM items WHERE id = 17;
INSERT INTO items VALUES (802, '[0,0,0,0,0,0]'), (803, NULL);
CREATE TABLE queries (qno int, q vector(6));
INSERT INTO queries SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 6) WHERE i > 0)::vector
	FROM generate_series(1, 9) i;
INSERT INTO queries SELECT 10, v FROM items WHERE id = 17;

-- rows and mismatches of batch search against exact search, ranked
CREATE FUNCTION compare_batch(metric text, op text, k int)
RETURNS TABLE (result_rows bigint, mismatches bigint) LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE format($q$
		WITH b AS (
			SELECT query_no, row_number() OVER (PARTITION BY query_no ORDER BY distance, id) AS r,
				id, distance
			FROM milvus_batch_search('items', 'v',
				(SELECT array_agg(q ORDER BY qno) FROM queries), %s, %L)),
		e AS (
			SELECT qno AS query_no, row_number() OVER (PARTITION BY qno ORDER BY d, tid) AS r,
				tid AS id, d AS distance
			FROM queries, LATERAL (SELECT items.ctid AS tid, v %s q AS d FROM items
				WHERE v IS NOT NULL ORDER BY v %s q, items.ctid LIMIT %s) x)
		SELECT count(*), count(*) FILTER (WHERE b.id IS DISTINCT FROM e.id
			OR b.distance IS DISTINCT FROM e.distance)
		FROM b FULL JOIN e USING (query_no, r)$q$, k, metric, op, op, k);
END $$;

SELECT 'l2' AS metric, * FROM compare_batch('l2', '<->', 10)
UNION ALL SELECT 'ip', * FROM compare_batch('ip', '<#>', 10)
UNION ALL SELECT 'cosine', * FROM compare_batch('cosine', '<=>', 10)
UNION ALL SELECT 'l1', * FROM compare_batch('l1', '<+>', 10)
UNION ALL SELECT 'l2 k=1', * FROM compare_batch('l2', '<->', 1)
UNION ALL SELECT 'cosine k=1024', * FROM compare_batch('cosine', '<=>', 1024);

-- the duplicate of row 17 ties with it at distance 0; the zero vector's
-- cosine distance is NaN and sorts last
SELECT query_no, distance, id IN (SELECT ctid FROM items WHERE id IN (17, 801)) AS tie
	FROM milvus_batch_search('items', 'v', ARRAY[(SELECT v FROM items WHERE id = 17)], 2, 'l2');
SELECT distance, id = (SELECT ctid FROM items WHERE id = 802) AS zero_vector
	FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 1024, 'cosine')
	OFFSET 800;

-- results come ordered by query_no, then distance
SELECT count(*) AS out_of_order FROM (
	SELECT query_no, distance,
		lag(query_no) OVER () AS pq, lag(distance) OVER () AS pd
	FROM milvus_batch_search('items', 'v', (SELECT array_agg(q ORDER BY qno) FROM queries), 50, 'l2')) s
	WHERE pq > query_no OR (pq = query_no AND pd > distance);

-- empty inputs give no rows; NULL arguments too (strict)
SELECT count(*) FROM milvus_batch_search('items', 'v', '{}'::vector[], 3, 'l2');
CREATE TABLE empty_items (v vector(6));
SELECT count(*) FROM milvus_batch_search('empty_items', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
SELECT count(*) FROM milvus_batch_search('items', 'v', NULL, 3, 'l2');

-- errors
SELECT * FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'hamming');
SELECT * FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 0, 'l2');
SELECT * FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 1025, 'l2');
SELECT * FROM milvus_batch_search('items', 'id', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('items', 'ctid', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('items', 'nope', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0]']::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0,0,0,0]', '[1,0]']::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('items', 'v', ARRAY['[1,0,0,0,0,0]', NULL]::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('items', 'v', ARRAY[['[1,0,0,0,0,0]'], ['[1,0,0,0,0,0]']]::vector[], 3, 'l2');
CREATE VIEW items_view AS SELECT * FROM items;
SELECT * FROM milvus_batch_search('items_view', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
-- rows of another dimension in an unconstrained column
CREATE TABLE mixed (v vector);
INSERT INTO mixed VALUES ('[1,2]'), ('[1,2,3]');
SELECT * FROM milvus_batch_search('mixed', 'v', ARRAY['[1,2]']::vector[], 3, 'l2');

-- names are quoted identifiers: odd names work, injection attempts are
-- just names that do not exist
CREATE TABLE "odd ""table""; x" ("my col" vector(2), "v; DROP TABLE items" int);
INSERT INTO "odd ""table""; x" VALUES ('[1,1]', 1), ('[5,5]', 2);
SELECT * FROM milvus_batch_search('"odd ""table""; x"', 'my col', ARRAY['[0,0]']::vector[], 1, 'l2');
SELECT * FROM milvus_batch_search('items', 'v FROM items; DROP TABLE items; --', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
SELECT * FROM milvus_batch_search('"odd ""table""; x"', 'v; DROP TABLE items', ARRAY['[0,0]']::vector[], 1, 'l2');
SELECT * FROM milvus_batch_search('items; DROP TABLE items', 'v', ARRAY['[1,0,0,0,0,0]']::vector[], 3, 'l2');
SELECT count(*) FROM items;

-- k-means through the worker: three separated clusters give their means
CREATE TABLE clusters (v vector(2));
INSERT INTO clusters SELECT ARRAY[c[1] + ((i % 7) - 3) / 10.0, c[2] + ((i % 5) - 2) / 10.0]::vector
	FROM (VALUES (ARRAY[0, 0]), (ARRAY[10, 0]), (ARRAY[0, 10])) cs(c), generate_series(1, 35) i;
SELECT (SELECT array_agg(round(x::numeric, 3)) FROM unnest(c::real[]) x) AS centroid
	FROM milvus_kmeans('clusters', 'v', 3) c ORDER BY 1;
SELECT count(*) FROM milvus_kmeans('clusters', 'v', 7, 3);
SELECT * FROM milvus_kmeans('clusters', 'v', 106);
SELECT * FROM milvus_kmeans('clusters', 'v', 0);
SELECT * FROM milvus_kmeans('clusters', 'v', 2, 0);

-- the status view: the preloaded worker ran the jobs above on the CPU
SELECT device, preloaded, worker_pid IS NOT NULL AS worker_running,
	finished >= 10 AS finished_jobs, queued, running, job_memory
	FROM milvus_worker_status;
