-- hnsw: behaviour that matches pgvector 0.8.6 (issue 16)
\set VERBOSITY terse
SET client_min_messages = warning;
SET enable_seqscan = off;

-- a NULL query returns every row the index holds (every element is at
-- distance 0 from it), for every type and operator class
CREATE TABLE hnsw_null (v vector(3), h halfvec(3), s sparsevec(3), b bit(3));
INSERT INTO hnsw_null VALUES
	('[0,0,0]', '[0,0,0]', '{}/3', '000'),
	('[1,2,3]', '[1,2,3]', '{1:1,2:2,3:3}/3', '111'),
	('[1,1,1]', '[1,1,1]', '{1:1,2:1,3:1}/3', '101'),
	(NULL, NULL, NULL, NULL),
	('[1,2,4]', '[1,2,4]', '{1:1,2:2,3:4}/3', '110');
CREATE FUNCTION hnsw_null_count(col text, opc text, op text, q text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
	EXECUTE format('CREATE INDEX hnsw_null_idx ON hnsw_null USING hnsw (%I %s)', col, opc);
	EXECUTE format('SELECT count(*) FROM (SELECT * FROM hnsw_null ORDER BY %I %s %s) s', col, op, q)
		INTO n;
	DROP INDEX hnsw_null_idx;
	RETURN n;
END $$;
SELECT opc, hnsw_null_count(col, opc, op, q) AS null_query
FROM (VALUES
	('v', 'vector_l2_ops', '<->', '(SELECT NULL::vector)'),
	('v', 'vector_ip_ops', '<#>', '(SELECT NULL::vector)'),
	('v', 'vector_cosine_ops', '<=>', '(SELECT NULL::vector)'),
	('v', 'vector_l1_ops', '<+>', '(SELECT NULL::vector)'),
	('h', 'halfvec_l2_ops', '<->', '(SELECT NULL::halfvec)'),
	('h', 'halfvec_ip_ops', '<#>', '(SELECT NULL::halfvec)'),
	('h', 'halfvec_cosine_ops', '<=>', '(SELECT NULL::halfvec)'),
	('h', 'halfvec_l1_ops', '<+>', '(SELECT NULL::halfvec)'),
	('s', 'sparsevec_l2_ops', '<->', '(SELECT NULL::sparsevec)'),
	('s', 'sparsevec_ip_ops', '<#>', '(SELECT NULL::sparsevec)'),
	('s', 'sparsevec_cosine_ops', '<=>', '(SELECT NULL::sparsevec)'),
	('s', 'sparsevec_l1_ops', '<+>', '(SELECT NULL::sparsevec)'),
	('b', 'bit_hamming_ops', '<~>', '(SELECT NULL::bit(3))'),
	('b', 'bit_jaccard_ops', '<%>', '(SELECT NULL::bit(3))')) t(col, opc, op, q);

-- cosine: a zero query returns every row indexed (zero values are not)
SELECT opc, hnsw_null_count(col, opc, '<=>', q) AS zero_query
FROM (VALUES
	('v', 'vector_cosine_ops', '''[0,0,0]''::vector'),
	('h', 'halfvec_cosine_ops', '''[0,0,0]''::halfvec'),
	('s', 'sparsevec_cosine_ops', '''{}/3''::sparsevec')) t(col, opc, q);

-- the plan is an index scan
CREATE INDEX hnsw_null_l2 ON hnsw_null USING hnsw (v vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT * FROM hnsw_null ORDER BY v <-> (SELECT NULL::vector);
-- iterative scans also return every row, once
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*), count(DISTINCT v) FROM (SELECT * FROM hnsw_null ORDER BY v <-> (SELECT NULL::vector)) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*), count(DISTINCT v) FROM (SELECT * FROM hnsw_null ORDER BY v <-> (SELECT NULL::vector)) s;
RESET hnsw.iterative_scan;
DROP TABLE hnsw_null;
DROP FUNCTION hnsw_null_count;

-- a larger table: without iterative scans, ef_search rows; with them, all
CREATE TABLE hnsw_null_big (id int, v vector(2));
INSERT INTO hnsw_null_big SELECT i, ARRAY[i % 37, i / 37]::vector FROM generate_series(1, 500) i;
CREATE INDEX ON hnsw_null_big USING hnsw (v vector_l2_ops);
SET hnsw.ef_search = 10;
SELECT count(*) FROM (SELECT * FROM hnsw_null_big ORDER BY v <-> (SELECT NULL::vector)) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*), count(DISTINCT id) FROM (SELECT * FROM hnsw_null_big ORDER BY v <-> (SELECT NULL::vector)) s;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;
DROP TABLE hnsw_null_big;

-- the build groups exact duplicates: one element holds up to 10 heap
-- TIDs, so ef_search = 1 returns one element's 10 rows (vector builds in
-- memory, halfvec inserts on disk; both group)
CREATE TABLE hnsw_dup (id int, v vector(3), h halfvec(3));
INSERT INTO hnsw_dup SELECT i, '[1,1,1]', '[1,1,1]' FROM generate_series(1, 20) i;
INSERT INTO hnsw_dup SELECT i, ARRAY[i, 0, 0], ARRAY[i, 0, 0] FROM generate_series(21, 25) i;
CREATE INDEX hnsw_dup_v ON hnsw_dup USING hnsw (v vector_l2_ops);
CREATE INDEX hnsw_dup_h ON hnsw_dup USING hnsw (h halfvec_l2_ops);
SET hnsw.ef_search = 1;
SELECT count(*) FROM (SELECT * FROM hnsw_dup ORDER BY v <-> '[1,1,1]') s;
SELECT count(*) FROM (SELECT * FROM hnsw_dup ORDER BY h <-> '[1,1,1]') s;
RESET hnsw.ef_search;
-- every row is still found once
SET hnsw.ef_search = 100;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM hnsw_dup ORDER BY v <-> '[1,1,1]') s;
RESET hnsw.ef_search;
SELECT * FROM milvus_index_check('hnsw_dup_v');
DROP TABLE hnsw_dup;

-- a partial index build leaves the table's reltuples alone
CREATE TABLE hnsw_part (c int, v vector(2));
INSERT INTO hnsw_part SELECT i % 50, ARRAY[i, i % 7] FROM generate_series(1, 10000) i;
ANALYZE hnsw_part;
SELECT reltuples FROM pg_class WHERE relname = 'hnsw_part';
CREATE INDEX hnsw_part_idx ON hnsw_part USING hnsw (v vector_l2_ops) WHERE c = 26;
SELECT reltuples FROM pg_class WHERE relname = 'hnsw_part';
SELECT reltuples FROM pg_class WHERE relname = 'hnsw_part_idx';
CREATE INDEX hnsw_part_idx2 ON hnsw_part USING hnsw (v vector_l2_ops) WHERE c < 0;
SELECT reltuples FROM pg_class WHERE relname = 'hnsw_part';
DROP TABLE hnsw_part;

-- varbit is not supported (its length may vary)
CREATE TABLE hnsw_varbit (b varbit(3));
CREATE INDEX ON hnsw_varbit USING hnsw (b bit_hamming_ops);
DROP TABLE hnsw_varbit;

-- sparsevec: at most 1,000 non-zero elements, at build and at insert
CREATE TABLE hnsw_nnz (s sparsevec(2000));
CREATE FUNCTION hnsw_nnz_value(n int) RETURNS sparsevec LANGUAGE sql AS
$$ SELECT ('{' || string_agg(i || ':1', ',') || '}/2000')::sparsevec
	FROM generate_series(1, n) i $$;
INSERT INTO hnsw_nnz VALUES (hnsw_nnz_value(1000)), (hnsw_nnz_value(1001));
CREATE INDEX hnsw_nnz_idx ON hnsw_nnz USING hnsw (s sparsevec_l2_ops);
DELETE FROM hnsw_nnz WHERE s = hnsw_nnz_value(1001);
CREATE INDEX hnsw_nnz_idx ON hnsw_nnz USING hnsw (s sparsevec_l2_ops);
INSERT INTO hnsw_nnz VALUES (hnsw_nnz_value(1000));
INSERT INTO hnsw_nnz VALUES (hnsw_nnz_value(1001));
SELECT count(*) FROM (SELECT * FROM hnsw_nnz ORDER BY s <-> hnsw_nnz_value(1)) s;
-- a query may have more
SELECT count(*) FROM (SELECT * FROM hnsw_nnz ORDER BY s <-> hnsw_nnz_value(1500)) s;
DROP TABLE hnsw_nnz;
DROP FUNCTION hnsw_nnz_value;

-- a build whose graph outgrows maintenance_work_mem says so, with
-- pgvector's message, for every type (halfvec, bit and sparsevec always
-- insert on disk: their hint says more memory would not help)
CREATE TABLE hnsw_mem (id int, v vector(64), h halfvec(64), b bit(512), s sparsevec(64))
	WITH (autovacuum_enabled = false);
INSERT INTO hnsw_mem SELECT i, array_fill(i::real, ARRAY[64]), array_fill(i::real, ARRAY[64]),
	(SELECT string_agg(CASE WHEN (i * 7 + j) % 3 = 0 THEN '1' ELSE '0' END, '') FROM generate_series(1, 512) j)::bit(512),
	array_fill(i::real, ARRAY[64])::vector::sparsevec
	FROM generate_series(1, 3000) i;
SET client_min_messages = notice;
\set VERBOSITY default
SET maintenance_work_mem = '4MB';
CREATE INDEX ON hnsw_mem USING hnsw (v vector_l2_ops);
SET maintenance_work_mem = '1MB';
CREATE INDEX ON hnsw_mem USING hnsw (h halfvec_l2_ops);
CREATE INDEX ON hnsw_mem USING hnsw (b bit_hamming_ops);
CREATE INDEX ON hnsw_mem USING hnsw (s sparsevec_l2_ops);
-- once the table's size is known, before the first tuple
ANALYZE hnsw_mem;
CREATE INDEX ON hnsw_mem USING hnsw (v vector_l2_ops);
\set VERBOSITY terse
-- a build logs how many threads it uses
RESET maintenance_work_mem;
SET milvus.hnsw_build_threads = 2;
SET client_min_messages = debug1;
CREATE INDEX hnsw_mem_small ON hnsw_mem USING hnsw (v vector_l2_ops) WHERE id < 100;
CREATE INDEX hnsw_mem_small_h ON hnsw_mem USING hnsw (h halfvec_l2_ops) WHERE id < 100;
SET client_min_messages = warning;
RESET milvus.hnsw_build_threads;
SELECT count(*) FROM (SELECT * FROM hnsw_mem ORDER BY v <-> array_fill(7::real, ARRAY[64])::vector LIMIT 5) s;
DROP TABLE hnsw_mem;
