-- ivfflat and ivf as pgvector 0.8.6 behaves (issue 16)
SELECT setseed(0.5);

-- 1. an ordered scan by a NULL query returns every row the index holds,
--    for every type and operator class, with one list or several
CREATE FUNCTION ivp_null_count(am text, opc text, typ text, op text,
							   vals text[], opts text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format('CREATE TABLE ivp_n (val %s)', typ);
	EXECUTE format('INSERT INTO ivp_n SELECT unnest(%L::%s[])', vals, typ);
	EXECUTE format('CREATE INDEX ivp_n_idx ON ivp_n USING %s (val %s) WITH (%s)',
				   am, opc, opts);
	PERFORM set_config('enable_seqscan', 'off', true);
	EXECUTE format('SELECT count(*) FROM (SELECT * FROM ivp_n ORDER BY val %s (SELECT NULL::%s)) s',
				   op, typ) INTO n;
	PERFORM set_config('enable_seqscan', 'on', true);
	DROP TABLE ivp_n;
	RETURN format('%s %s %s: %s rows', am, opc, opts, n);
END $$;

SET client_min_messages = warning;
SELECT ivp_null_count(am, opc, typ, op, vals::text[], opts)
	FROM (VALUES ('vector_l2_ops', 'vector(3)', '<->'),
				 ('vector_ip_ops', 'vector(3)', '<#>'),
				 ('vector_cosine_ops', 'vector(3)', '<=>'),
				 ('halfvec_l2_ops', 'halfvec(3)', '<->'),
				 ('halfvec_ip_ops', 'halfvec(3)', '<#>'),
				 ('halfvec_cosine_ops', 'halfvec(3)', '<=>')) o(opc, typ, op),
		 (VALUES ('{"[0,0,0]","[1,2,3]","[1,1,1]",NULL,"[1,2,4]"}')) v(vals),
		 (VALUES ('ivfflat', 'lists = 1'), ('ivfflat', 'lists = 3'),
				 ('ivf', 'lists = 1'), ('ivf', 'lists = 3'),
				 ('ivf', 'lists = 3, quantizer = sq8')) a(am, opts)
	ORDER BY am, opc, opts;
SELECT ivp_null_count('ivfflat', opc, 'bit(3)', op,
					  '{000,110,111,NULL,101}', opts)
	FROM (VALUES ('bit_hamming_ops', '<~>'), ('bit_jaccard_ops', '<%>')) o(opc, op),
		 (VALUES ('lists = 1'), ('lists = 3')) a(opts)
	ORDER BY opc, opts;
RESET client_min_messages;

-- 2. a zero query under cosine returns the rows the index holds (zero
--    vectors are not indexed: 3 of the 4 non-NULL rows)
CREATE TABLE ivp (val vector(3));
INSERT INTO ivp VALUES ('[0,0,0]'), ('[1,2,3]'), ('[1,1,1]'), (NULL), ('[1,2,4]');
CREATE TABLE ivph (val halfvec(3));
INSERT INTO ivph SELECT val FROM ivp;
CREATE INDEX ivp_cos ON ivp USING ivfflat (val vector_cosine_ops) WITH (lists = 1);
CREATE INDEX ivph_cos ON ivph USING ivfflat (val halfvec_cosine_ops) WITH (lists = 1);
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT * FROM ivp ORDER BY val <=> '[0,0,0]') s;
SELECT count(*) FROM (SELECT * FROM ivph ORDER BY val <=> '[0,0,0]') s;

-- 3. ivfflat and ivf cosine do not index zero vectors, built or inserted
SELECT * FROM ivp ORDER BY val <=> '[3,3,3]';
INSERT INTO ivp VALUES ('[0,0,0]');
SELECT * FROM ivp ORDER BY val <=> '[3,3,3]';
SELECT * FROM milvus_index_check('ivp_cos');
DROP INDEX ivp_cos;
CREATE INDEX ivp_cos ON ivp USING ivf (val vector_cosine_ops) WITH (lists = 1);
SELECT * FROM ivp ORDER BY val <=> '[3,3,3]';
INSERT INTO ivp VALUES ('[0,0,0]');
SELECT * FROM ivp ORDER BY val <=> '[3,3,3]';
DROP INDEX ivp_cos;
CREATE INDEX ivp_cos ON ivp USING ivf (val vector_cosine_ops)
	WITH (lists = 1, quantizer = sq8);
SELECT * FROM ivp ORDER BY val <=> '[3,3,3]';
-- L2 indexes them
CREATE INDEX ivp_l2 ON ivp USING ivfflat (val vector_l2_ops) WITH (lists = 1);
SELECT count(*) FROM (SELECT * FROM ivp ORDER BY val <-> '[3,3,3]') s;
RESET enable_seqscan;
DROP TABLE ivp, ivph;

-- 5. space freed by VACUUM is reused: the size stays the same over
--    DELETE, VACUUM and INSERT cycles
CREATE TABLE ivp_churn (id int, v vector(16));
CREATE FUNCTION ivp_fill() RETURNS void LANGUAGE sql AS $$
	SELECT setseed(0.25);
	INSERT INTO ivp_churn SELECT i, ARRAY(SELECT random() FROM generate_series(1, 16) WHERE i > 0)
		FROM generate_series(1, 3000) i;
$$;
SELECT ivp_fill();
CREATE INDEX ivp_churn_idx ON ivp_churn USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE TEMP TABLE ivp_sizes (cycle int, bytes bigint);
INSERT INTO ivp_sizes VALUES (0, pg_relation_size('ivp_churn_idx'));
DELETE FROM ivp_churn;
VACUUM ivp_churn;
SELECT ivp_fill();
INSERT INTO ivp_sizes VALUES (1, pg_relation_size('ivp_churn_idx'));
DELETE FROM ivp_churn;
VACUUM ivp_churn;
SELECT ivp_fill();
INSERT INTO ivp_sizes VALUES (2, pg_relation_size('ivp_churn_idx'));
DELETE FROM ivp_churn;
VACUUM ivp_churn;
SELECT ivp_fill();
INSERT INTO ivp_sizes VALUES (3, pg_relation_size('ivp_churn_idx'));
SELECT cycle, bytes = (SELECT bytes FROM ivp_sizes WHERE cycle = 0) AS same_size
	FROM ivp_sizes ORDER BY cycle;
SELECT * FROM milvus_index_check('ivp_churn_idx');
SET enable_seqscan = off;
SET ivfflat.probes = 10;
SELECT count(*) FROM (SELECT * FROM ivp_churn ORDER BY v <-> (SELECT v FROM ivp_churn WHERE id = 1)) s;
RESET ivfflat.probes;
RESET enable_seqscan;
DROP TABLE ivp_churn;
DROP FUNCTION ivp_fill;

-- 6 and 15. built on fewer rows than lists: the lists asked for (random
--    centroids for those k-means had no rows for), and pgvector's NOTICE;
--    also for lists = 1 on an empty table and after TRUNCATE
CREATE TABLE ivp_few (v vector(3));
CREATE INDEX ivp_few_idx ON ivp_few USING ivfflat (v vector_l2_ops) WITH (lists = 100);
INSERT INTO ivp_few SELECT ARRAY[random(), random(), random()] FROM generate_series(1, 1000);
SET enable_seqscan = off;
SELECT count(*) < 50 AS few_scanned FROM (SELECT * FROM ivp_few ORDER BY v <-> '[0.5,0.5,0.5]') s;
SET ivfflat.probes = 100;
SELECT count(*) FROM (SELECT * FROM ivp_few ORDER BY v <-> '[0.5,0.5,0.5]') s;
RESET ivfflat.probes;
RESET enable_seqscan;
SELECT * FROM milvus_index_check('ivp_few_idx');
DROP INDEX ivp_few_idx;
CREATE INDEX ivp_few_idx ON ivp_few USING ivf (v vector_l2_ops) WITH (lists = 2000);
DROP INDEX ivp_few_idx;
TRUNCATE ivp_few;
CREATE INDEX ivp_few_idx ON ivp_few USING ivfflat (v vector_l2_ops) WITH (lists = 1);
INSERT INTO ivp_few VALUES ('[1,2,3]');
TRUNCATE ivp_few;
DROP TABLE ivp_few;

-- 9. a partial index leaves the table's row count alone
CREATE TABLE ivp_part (c int, v vector(3));
INSERT INTO ivp_part SELECT i % 50, ARRAY[i, i % 7, 1] FROM generate_series(1, 1000) i;
CREATE INDEX ivp_part_a ON ivp_part USING ivfflat (v vector_l2_ops) WITH (lists = 2) WHERE c = 26;
SELECT reltuples FROM pg_class WHERE relname = 'ivp_part';
CREATE INDEX ivp_part_b ON ivp_part USING ivf (v vector_l2_ops) WITH (lists = 2) WHERE c = 26;
SELECT reltuples FROM pg_class WHERE relname = 'ivp_part';
SELECT reltuples FROM pg_class WHERE relname IN ('ivp_part_a', 'ivp_part_b');
DROP TABLE ivp_part;

-- 12 and 15. dimension limits: 2,000 for vector, 4,000 for halfvec,
--    64,000 for bit
\set VERBOSITY terse
CREATE TABLE ivp_dim (v vector(2001));
CREATE INDEX ON ivp_dim USING ivfflat (v vector_l2_ops);
CREATE INDEX ON ivp_dim USING ivf (v vector_l2_ops);
DROP TABLE ivp_dim;
CREATE TABLE ivp_dim (v halfvec(4001));
CREATE INDEX ON ivp_dim USING ivfflat (v halfvec_l2_ops);
DROP TABLE ivp_dim;
CREATE TABLE ivp_dim (v bit(64001));
CREATE INDEX ON ivp_dim USING ivfflat (v bit_hamming_ops);
DROP TABLE ivp_dim;
\set VERBOSITY default
CREATE TABLE ivp_dim (id int, v halfvec(4000));
INSERT INTO ivp_dim SELECT i, array_fill(i::real, ARRAY[4000]) FROM generate_series(1, 3) i;
CREATE INDEX ivp_dim_idx ON ivp_dim USING ivfflat (v halfvec_l2_ops) WITH (lists = 2);
INSERT INTO ivp_dim SELECT 4, array_fill(4::real, ARRAY[4000]);
SET enable_seqscan = off;
SET ivfflat.probes = 2;
SELECT id FROM ivp_dim ORDER BY v <-> array_fill(3.9::real, ARRAY[4000])::halfvec LIMIT 2;
SELECT * FROM milvus_index_check('ivp_dim_idx');
DROP TABLE ivp_dim;
CREATE TABLE ivp_dim (id int, v bit(64000));
INSERT INTO ivp_dim SELECT i, (repeat('1', i * 1000) || repeat('0', 64000 - i * 1000))::bit(64000)
	FROM generate_series(1, 3) i;
CREATE INDEX ivp_dim_idx ON ivp_dim USING ivfflat (v bit_hamming_ops) WITH (lists = 2);
INSERT INTO ivp_dim SELECT 4, (repeat('1', 4000) || repeat('0', 60000))::bit(64000);
SELECT id FROM ivp_dim ORDER BY v <~> (repeat('1', 3900) || repeat('0', 60100))::bit(64000) LIMIT 2;
SELECT * FROM milvus_index_check('ivp_dim_idx');
RESET ivfflat.probes;
RESET enable_seqscan;
DROP TABLE ivp_dim;

-- 13. memory: refused when the lists cannot fit in maintenance_work_mem,
--     accepted when they can
SET maintenance_work_mem = '1MB';
CREATE TABLE ivp_mem (v vector(2000));
INSERT INTO ivp_mem SELECT array_fill(i::real, ARRAY[2000]) FROM generate_series(1, 10) i;
-- 10 rows, 100 lists of 2,000 dimensions: fits
CREATE INDEX ivp_mem_idx ON ivp_mem USING ivfflat (v vector_l2_ops) WITH (lists = 100);
DROP INDEX ivp_mem_idx;
INSERT INTO ivp_mem SELECT array_fill(i::real, ARRAY[2000]) FROM generate_series(11, 200) i;
-- 200 rows: one sampled row per list does not fit
CREATE INDEX ivp_mem_idx ON ivp_mem USING ivfflat (v vector_l2_ops) WITH (lists = 100);
-- fewer lists: a sub-sample fits
CREATE INDEX ivp_mem_idx ON ivp_mem USING ivfflat (v vector_l2_ops) WITH (lists = 10);
SELECT * FROM milvus_index_check('ivp_mem_idx');
-- the centroids alone do not fit
CREATE INDEX ON ivp_mem USING ivf (v vector_l2_ops) WITH (lists = 200);
RESET maintenance_work_mem;
DROP TABLE ivp_mem;

-- 14. a varbit column is refused
CREATE TABLE ivp_varbit (v varbit(3));
CREATE INDEX ON ivp_varbit USING ivfflat (v bit_hamming_ops);
DROP TABLE ivp_varbit;

-- 15. a build logs at DEBUG1 how many threads it uses
CREATE TABLE ivp_dbg (v vector(3));
INSERT INTO ivp_dbg VALUES ('[1,2,3]'), ('[3,2,1]');
SET client_min_messages = debug1;
CREATE INDEX ivp_dbg_idx ON ivp_dbg USING ivfflat (v vector_l2_ops) WITH (lists = 1);
RESET client_min_messages;
DROP TABLE ivp_dbg;

DROP FUNCTION ivp_null_count;
