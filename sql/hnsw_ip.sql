-- hnsw inner product over vectors that are not normalised: every element
-- reachable (milvus_index_check reports nothing, an unlimited ordered scan
-- returns every row), built in memory, inserted row by row, for vector,
-- halfvec and sparsevec; and a value whose inner products overflow.
\set VERBOSITY terse
SET client_min_messages = warning;

-- 296 values in [0, 1)^3 with norms from about 0.1 to 1.7, no randomness
CREATE TABLE hnsw_ip_t (id int, v vector(3));
INSERT INTO hnsw_ip_t SELECT i,
	ARRAY[(i * 37 % 101) / 101.0, (i * 61 % 103) / 103.0, (i * 17 % 97) / 97.0]::vector
	FROM generate_series(1, 296) i;

-- rows an unlimited scan through the index returns, ordered by <#> to q
CREATE FUNCTION hnsw_ip_scanned(tab text, q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL hnsw.ef_search = 1000;
	SET LOCAL hnsw.iterative_scan = relaxed_order;
	EXECUTE format('SELECT count(*) FROM (SELECT id FROM %I ORDER BY v <#> %L) s', tab, q)
		INTO n;
	RETURN n;
END $$;

-- in-memory build (one thread: hnswlib's graph is then reproducible)
SET milvus.hnsw_build_threads = 1;
CREATE INDEX hnsw_ip_build ON hnsw_ip_t USING hnsw (v vector_ip_ops);
SELECT count(*) AS build_problems FROM milvus_index_check('hnsw_ip_build');
SELECT hnsw_ip_scanned('hnsw_ip_t', '[0.3,0.2,0.9]') AS build_scanned,
	hnsw_ip_scanned('hnsw_ip_t', '[-1,-1,-1]') AS build_scanned_neg;
RESET milvus.hnsw_build_threads;

-- row by row: vector, halfvec, sparsevec
CREATE TABLE hnsw_ip_v (id int, v vector(3));
CREATE INDEX hnsw_ip_v_idx ON hnsw_ip_v USING hnsw (v vector_ip_ops);
INSERT INTO hnsw_ip_v SELECT * FROM hnsw_ip_t;
CREATE TABLE hnsw_ip_h (id int, v halfvec(3));
CREATE INDEX hnsw_ip_h_idx ON hnsw_ip_h USING hnsw (v halfvec_ip_ops);
INSERT INTO hnsw_ip_h SELECT id, v::halfvec FROM hnsw_ip_t;
CREATE TABLE hnsw_ip_s (id int, v sparsevec(3));
CREATE INDEX hnsw_ip_s_idx ON hnsw_ip_s USING hnsw (v sparsevec_ip_ops);
INSERT INTO hnsw_ip_s SELECT id, v::sparsevec FROM hnsw_ip_t;
SELECT (SELECT count(*) FROM milvus_index_check('hnsw_ip_v_idx')) AS vector_problems,
	(SELECT count(*) FROM milvus_index_check('hnsw_ip_h_idx')) AS halfvec_problems,
	(SELECT count(*) FROM milvus_index_check('hnsw_ip_s_idx')) AS sparsevec_problems;
SELECT hnsw_ip_scanned('hnsw_ip_v', '[0.3,0.2,0.9]') AS vector_scanned,
	hnsw_ip_scanned('hnsw_ip_h', '[0.3,0.2,0.9]') AS halfvec_scanned,
	hnsw_ip_scanned('hnsw_ip_s', '{1:0.3,2:0.2,3:0.9}/3') AS sparsevec_scanned;

-- VACUUM's repair measures like the inserts: still every row reachable
DELETE FROM hnsw_ip_v WHERE id % 3 = 0;
VACUUM hnsw_ip_v;
SELECT count(*) AS vacuum_problems FROM milvus_index_check('hnsw_ip_v_idx');
SELECT hnsw_ip_scanned('hnsw_ip_v', '[0.3,0.2,0.9]') AS vacuum_scanned;

-- inner products that overflow to inf - inf = NaN: the rows still get links,
-- even one whose distance to every other is NaN
CREATE TABLE hnsw_ip_x (id int, v vector(3));
CREATE INDEX hnsw_ip_x_idx ON hnsw_ip_x USING hnsw (v vector_ip_ops);
INSERT INTO hnsw_ip_x SELECT i, ARRAY[3e38, 3e38, i]::vector
	FROM generate_series(1, 20) i;
INSERT INTO hnsw_ip_x VALUES (21, '[3e38,-3e38,0]');
SELECT count(*) FILTER (WHERE d = 'NaN') AS nan_distances, count(*) AS others
	FROM (SELECT v <#> '[3e38,-3e38,0]' AS d FROM hnsw_ip_x WHERE id <> 21) s;
SELECT count(*) AS overflow_problems FROM milvus_index_check('hnsw_ip_x_idx');
SELECT hnsw_ip_scanned('hnsw_ip_x', '[1,1,1]') AS overflow_scanned;
INSERT INTO hnsw_ip_x SELECT * FROM hnsw_ip_t WHERE id <= 50;
INSERT INTO hnsw_ip_x VALUES (1001, '[3e38,-3e38,1]'), (1002, '[-3e38,3e38,1]');
SELECT count(*) AS overflow_mixed_problems FROM milvus_index_check('hnsw_ip_x_idx');
SELECT hnsw_ip_scanned('hnsw_ip_x', '[0.3,0.2,0.9]') AS overflow_mixed_scanned;
SET milvus.hnsw_build_threads = 1;
REINDEX INDEX hnsw_ip_x_idx;
RESET milvus.hnsw_build_threads;
SELECT count(*) AS overflow_build_problems FROM milvus_index_check('hnsw_ip_x_idx');
SELECT hnsw_ip_scanned('hnsw_ip_x', '[0.3,0.2,0.9]') AS overflow_build_scanned;

-- norms far beyond those built on: the first raises the index's largest
-- norm (the transform's M), every row stays reachable; and far below
INSERT INTO hnsw_ip_t SELECT 1000 + id, v * '[50,50,50]' FROM hnsw_ip_t WHERE id <= 100;
INSERT INTO hnsw_ip_t SELECT 2000 + id, v * '[0.01,0.01,0.01]' FROM hnsw_ip_t WHERE id <= 100;
SELECT count(*) AS grown_problems FROM milvus_index_check('hnsw_ip_build');
SELECT hnsw_ip_scanned('hnsw_ip_t', '[0.3,0.2,0.9]') AS grown_scanned,
	hnsw_ip_scanned('hnsw_ip_t', '[-1,-1,-1]') AS grown_scanned_neg;

DROP TABLE hnsw_ip_t, hnsw_ip_v, hnsw_ip_h, hnsw_ip_s, hnsw_ip_x;
DROP FUNCTION hnsw_ip_scanned;
