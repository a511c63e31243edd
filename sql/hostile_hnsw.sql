-- hostile input to the hnsw index: options and settings out of range,
-- columns and operator classes it cannot serve, queries across dimensions,
-- and extreme values that are accepted (a distance may be infinite) going
-- through build, insert, search and VACUUM with the check left clean.
CREATE FUNCTION hostile_try(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN left(SQLSTATE || ': ' || SQLERRM, 90);
END
$$;
CREATE TABLE hh_vec (id int, v vector(3));
CREATE TABLE hh_free (id int, v vector);
CREATE TABLE hh_wide (id int, v vector(16000));
INSERT INTO hh_vec VALUES (1, '[1,2,3]'), (2, '[3,2,1]');
CREATE INDEX hh_vec_idx ON hh_vec USING hnsw (v vector_l2_ops);
CREATE TABLE hh_cases (id serial, label text, query text);

-- index options
INSERT INTO hh_cases (label, query) VALUES
('m = 1', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 1)$$),
('m = 0', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 0)$$),
('m = -1', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = -1)$$),
('m = 101', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 101)$$),
('m = 2^31', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 2147483648)$$),
('m = abc', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 'abc')$$),
('m empty', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = '')$$),
('m twice', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 4, m = 8)$$),
('ef_construction = 3', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (ef_construction = 3)$$),
('ef_construction = 1001', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (ef_construction = 1001)$$),
('ef_construction < 2 m', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 32, ef_construction = 63)$$),
('unknown option', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (lists = 10)$$),
('ivfflat option', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) WITH (probes = 1)$$),
('ALTER m = 1000', $$ALTER INDEX hh_vec_idx SET (m = 1000)$$),
('ALTER ef_construction = 1', $$ALTER INDEX hh_vec_idx SET (ef_construction = 1)$$),
('ALTER ef_construction < 2 m', $$ALTER INDEX hh_vec_idx SET (ef_construction = 4)$$);

-- settings
INSERT INTO hh_cases (label, query) VALUES
('ef_search = 0', $$SET hnsw.ef_search = 0$$),
('ef_search = 1001', $$SET hnsw.ef_search = 1001$$),
('ef_search = -1', $$SET hnsw.ef_search = -1$$),
('ef_search = abc', $$SET hnsw.ef_search = 'abc'$$),
('ef_search = 2^31', $$SET hnsw.ef_search = 2147483648$$),
('iterative_scan = bogus', $$SET hnsw.iterative_scan = bogus$$),
('max_scan_tuples = 0', $$SET hnsw.max_scan_tuples = 0$$),
('scan_mem_multiplier = 0', $$SET hnsw.scan_mem_multiplier = 0$$),
('scan_mem_multiplier = NaN', $$SET hnsw.scan_mem_multiplier = 'NaN'$$),
('build_threads = 65', $$SET milvus.hnsw_build_threads = 65$$),
('build_threads = -2', $$SET milvus.hnsw_build_threads = -2$$),
('unknown hnsw setting', $$SET hnsw.no_such_setting = 1$$);

-- columns, operator classes, index shapes
INSERT INTO hh_cases (label, query) VALUES
('no dimensions', $$CREATE INDEX ON hh_free USING hnsw (v vector_l2_ops)$$),
('16000 dimensions', $$CREATE INDEX ON hh_wide USING hnsw (v vector_l2_ops)$$),
('halfvec opclass on vector', $$CREATE INDEX ON hh_vec USING hnsw (v halfvec_l2_ops)$$),
('no opclass on int', $$CREATE INDEX ON hh_vec USING hnsw (id)$$),
('two columns', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops, v vector_ip_ops)$$),
('unique', $$CREATE UNIQUE INDEX ON hh_vec USING hnsw (v vector_l2_ops)$$),
('include', $$CREATE INDEX ON hh_vec USING hnsw (v vector_l2_ops) INCLUDE (id)$$),
('unknown opclass', $$CREATE INDEX ON hh_vec USING hnsw (v vector_nope_ops)$$);

-- data and queries against an index
INSERT INTO hh_cases (label, query) VALUES
('insert wrong dimensions', $$INSERT INTO hh_vec VALUES (3, '[1,2]')$$),
('insert NaN', $$INSERT INTO hh_vec VALUES (3, '[1,2,NaN]')$$),
('query with fewer dimensions', $$SET enable_seqscan = off; SELECT id FROM hh_vec ORDER BY v <-> '[1,2]' LIMIT 1$$),
('query with more dimensions', $$SET enable_seqscan = off; SELECT id FROM hh_vec ORDER BY v <-> '[1,2,3,4]' LIMIT 1$$),
('query with NaN', $$SET enable_seqscan = off; SELECT id FROM hh_vec ORDER BY v <-> '[1,2,NaN]' LIMIT 1$$),
('check a table, not an index', $$SELECT * FROM milvus_index_check('hh_vec')$$),
('check a btree', $$CREATE INDEX hh_vec_btree ON hh_vec (id); SELECT * FROM milvus_index_check('hh_vec_btree')$$),
('check oid 0', $$SELECT * FROM milvus_index_check(0::regclass)$$),
('check an unused oid', $$SELECT * FROM milvus_index_check(2147483647::oid::regclass)$$);

SELECT label, hostile_try(query) AS result FROM hh_cases ORDER BY id;

-- every case failed, and the server is still up
SELECT count(*) AS cases,
	count(*) FILTER (WHERE hostile_try(query) = 'no error') AS accepted
FROM hh_cases;

-- the index is still there with its options, intact
SELECT reloptions FROM pg_class WHERE relname = 'hh_vec_idx';
SELECT count(*) AS problems FROM milvus_index_check('hh_vec_idx');

-- accepted oddities: an integer option given as 1.5 rounds (PostgreSQL's
-- reloption parser), the check of NULL is NULL (strict)
CREATE INDEX hh_vec_m15 ON hh_vec USING hnsw (v vector_l2_ops) WITH (m = 1.5);
SELECT reloptions FROM pg_class WHERE relname = 'hh_vec_m15';
SELECT count(*) FROM milvus_index_check(NULL::regclass);

-- extreme accepted values: the largest finite floats, denormals, zero
-- vectors; l2 distances overflow to infinity, the graph copes.  Zero
-- vectors are not indexed for cosine, which has no direction for them, as
-- in pgvector; a zero query is at distance 0 from every indexed row and
-- returns them all (6 rows), as in pgvector.
-- XXX not tested here: inner product over such values gives NaN (inf - inf)
-- and an element inserted with only NaN distances is left unreachable.
CREATE TABLE hh_edge (id int, v vector(2));
INSERT INTO hh_edge VALUES
	(1, '[3.4028235e38,3.4028235e38]'), (2, '[-3.4028235e38,-3.4028235e38]'),
	(3, '[1e-45,-1e-45]'), (4, '[0,0]'), (5, '[1,1]'), (6, '[-3.4028235e38,3.4028235e38]');
CREATE INDEX hh_edge_l2 ON hh_edge USING hnsw (v vector_l2_ops);
CREATE INDEX hh_edge_cos ON hh_edge USING hnsw (v vector_cosine_ops);
INSERT INTO hh_edge VALUES (7, '[3.4028235e38,-3.4028235e38]'), (8, '[0,0]');
SET enable_seqscan = off;
SELECT count(*) AS l2_rows FROM (SELECT id FROM hh_edge ORDER BY v <-> '[3e38,3e38]' LIMIT 8) s;
SELECT count(*) AS cosine_rows FROM (SELECT id FROM hh_edge ORDER BY v <=> '[1,0]' LIMIT 8) s;
SELECT count(*) AS zero_query_rows FROM (SELECT id FROM hh_edge ORDER BY v <=> '[0,0]' LIMIT 8) s;
RESET enable_seqscan;
DELETE FROM hh_edge WHERE id IN (1, 4);
VACUUM hh_edge;
SET enable_seqscan = off;
SELECT count(*) AS l2_rows_after_vacuum FROM (SELECT id FROM hh_edge ORDER BY v <-> '[0,0]' LIMIT 8) s;
RESET enable_seqscan;
SELECT (SELECT count(*) FROM milvus_index_check('hh_edge_l2')) +
	(SELECT count(*) FROM milvus_index_check('hh_edge_cos')) AS problems;

DROP TABLE hh_cases, hh_vec, hh_free, hh_wide, hh_edge;
DROP FUNCTION hostile_try(text);
