-- ivfflat over vector: each operator class equals a sequential scan when
-- every list is probed; inserts, deletes, VACUUM, TRUNCATE, REINDEX
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT setseed(0.5);

-- The distances a query returns with the index and with a sequential scan
-- (the index returns rows in true distance order, so the two must match).
CREATE FUNCTION ivf_same(q text) RETURNS boolean LANGUAGE plpgsql AS $$
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
	IF a IS DISTINCT FROM b THEN
		RAISE NOTICE 'index % seqscan %', a, b;
	END IF;
	RETURN a IS NOT DISTINCT FROM b AND a IS NOT NULL;
END $$;

CREATE TABLE ivt (id int, v vector(8));
INSERT INTO ivt SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 8))::vector(8)
	FROM generate_series(1, 2000) i;
INSERT INTO ivt VALUES (0, NULL);
CREATE TABLE ivq (id int, v vector(8));
INSERT INTO ivq SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 8))::vector(8)
	FROM generate_series(1, 5) i;

CREATE INDEX ivt_l2 ON ivt USING ivfflat (v vector_l2_ops) WITH (lists = 20);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivt ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10;
SET ivfflat.probes = 20;
SELECT bool_and(ivf_same(format('SELECT v <-> %L AS d FROM ivt ORDER BY v <-> %L LIMIT 20', v, v)))
	FROM ivq;
-- one probe: rows of the nearest list only, still in distance order
SET ivfflat.probes = 1;
SELECT count(*) BETWEEN 1 AND 1999 AS some_rows FROM
	(SELECT id FROM ivt ORDER BY v <-> '[0,0,0,0,0,0,0,0]') s;
SELECT bool_and(d1 <= d2) AS ordered FROM (
	SELECT d AS d1, lead(d) OVER (ORDER BY n) AS d2 FROM (
		SELECT row_number() OVER () AS n, v <-> '[0.1,0,0,0,0,0,0,0.2]' AS d
		FROM ivt ORDER BY v <-> '[0.1,0,0,0,0,0,0,0.2]') s) t WHERE d2 IS NOT NULL;
SET ivfflat.probes = 20;

-- inner product and cosine
CREATE INDEX ivt_ip ON ivt USING ivfflat (v vector_ip_ops) WITH (lists = 20);
SELECT bool_and(ivf_same(format('SELECT v <#> %L AS d FROM ivt ORDER BY v <#> %L LIMIT 20', v, v)))
	FROM ivq;
CREATE INDEX ivt_cos ON ivt USING ivfflat (v vector_cosine_ops) WITH (lists = 20);
SELECT bool_and(ivf_same(format('SELECT v <=> %L AS d FROM ivt ORDER BY v <=> %L LIMIT 20', v, v)))
	FROM ivq;
SELECT * FROM milvus_index_check('ivt_l2');
SELECT * FROM milvus_index_check('ivt_ip');
SELECT * FROM milvus_index_check('ivt_cos');
DROP INDEX ivt_ip, ivt_cos;

-- inserts after the build go to their nearest list at once
INSERT INTO ivt SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 8))::vector(8)
	FROM generate_series(2001, 4000) i;
INSERT INTO ivt VALUES (5000, '[9,9,9,9,9,9,9,9]');
SET ivfflat.probes = 1;
SELECT id FROM ivt ORDER BY v <-> '[9,9,9,9,9,9,9,8]' LIMIT 1;
SET ivfflat.probes = 20;
SELECT bool_and(ivf_same(format('SELECT v <-> %L AS d FROM ivt ORDER BY v <-> %L LIMIT 50', v, v)))
	FROM ivq;
SELECT * FROM milvus_index_check('ivt_l2');

-- delete and VACUUM: the dead rows leave the lists
DELETE FROM ivt WHERE id % 3 = 0;
VACUUM ivt;
SELECT * FROM milvus_index_check('ivt_l2');
SELECT count(*) FROM (SELECT id FROM ivt ORDER BY v <-> '[0,0,0,0,0,0,0,0]') s;
SELECT count(*) FROM ivt WHERE v IS NOT NULL;
SELECT bool_and(ivf_same(format('SELECT v <-> %L AS d FROM ivt ORDER BY v <-> %L LIMIT 50', v, v)))
	FROM ivq;
-- the freed space is used again
INSERT INTO ivt SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 8))::vector(8)
	FROM generate_series(6001, 7000) i;
SELECT * FROM milvus_index_check('ivt_l2');

-- REINDEX, TRUNCATE
REINDEX INDEX ivt_l2;
SELECT * FROM milvus_index_check('ivt_l2');
SELECT bool_and(ivf_same(format('SELECT v <-> %L AS d FROM ivt ORDER BY v <-> %L LIMIT 50', v, v)))
	FROM ivq;
TRUNCATE ivt;
SELECT count(*) FROM (SELECT id FROM ivt ORDER BY v <-> '[0,0,0,0,0,0,0,0]') s;
INSERT INTO ivt VALUES (1, '[1,1,1,1,1,1,1,1]'), (2, '[2,2,2,2,2,2,2,2]');
SELECT id FROM ivt ORDER BY v <-> '[2,2,2,2,2,2,2,1]';
SELECT * FROM milvus_index_check('ivt_l2');
-- wrong dimensions
INSERT INTO ivt VALUES (3, '[1,2,3]');
SELECT id FROM ivt ORDER BY v <-> '[1,2,3]' LIMIT 1;

-- an unlogged table
CREATE UNLOGGED TABLE ivu (id int, v vector(3));
INSERT INTO ivu SELECT i, ARRAY[i, i % 7, i % 11]::vector(3) FROM generate_series(1, 500) i;
CREATE INDEX ivu_idx ON ivu USING ivfflat (v vector_l2_ops) WITH (lists = 5);
SET ivfflat.probes = 5;
SELECT id FROM ivu ORDER BY v <-> '[100,2,1]' LIMIT 3;
SELECT * FROM milvus_index_check('ivu_idx');

-- an expression index
CREATE TABLE ive (id int, a real[]);
INSERT INTO ive SELECT i, ARRAY[i % 13, i % 17, i] FROM generate_series(1, 300) i;
CREATE INDEX ive_idx ON ive USING ivfflat ((a::vector(3)) vector_l2_ops) WITH (lists = 3);
SET ivfflat.probes = 3;
EXPLAIN (COSTS OFF) SELECT id FROM ive ORDER BY a::vector(3) <-> '[1,1,1]' LIMIT 3;
SELECT id FROM ive ORDER BY a::vector(3) <-> '[1,1,1]' LIMIT 3;

DROP TABLE ivt, ivq, ivu, ive;
DROP FUNCTION ivf_same;
