-- ivfflat over halfvec and bit: each operator class equals a sequential
-- scan when every list is probed
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT setseed(0.25);

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

-- halfvec
CREATE TABLE ivh (id int, v halfvec(6));
INSERT INTO ivh SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 6))::halfvec(6)
	FROM generate_series(1, 1500) i;
CREATE TABLE ivhq (v halfvec(6));
INSERT INTO ivhq SELECT ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 6))::halfvec(6)
	FROM generate_series(1, 5) i;
SET ivfflat.probes = 10;
CREATE INDEX ivh_l2 ON ivh USING ivfflat (v halfvec_l2_ops) WITH (lists = 10);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivh ORDER BY v <-> '[0,0,0,0,0,0]' LIMIT 5;
RESET enable_seqscan;
SELECT bool_and(ivf_same(format('SELECT v <-> %L AS d FROM ivh ORDER BY v <-> %L LIMIT 20', v, v)))
	FROM ivhq;
DROP INDEX ivh_l2;
CREATE INDEX ivh_ip ON ivh USING ivfflat (v halfvec_ip_ops) WITH (lists = 10);
SELECT bool_and(ivf_same(format('SELECT v <#> %L AS d FROM ivh ORDER BY v <#> %L LIMIT 20', v, v)))
	FROM ivhq;
DROP INDEX ivh_ip;
CREATE INDEX ivh_cos ON ivh USING ivfflat (v halfvec_cosine_ops) WITH (lists = 10);
SELECT bool_and(ivf_same(format('SELECT v <=> %L AS d FROM ivh ORDER BY v <=> %L LIMIT 20', v, v)))
	FROM ivhq;
SELECT * FROM milvus_index_check('ivh_cos');
INSERT INTO ivh SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 6))::halfvec(6)
	FROM generate_series(1501, 2000) i;
SELECT bool_and(ivf_same(format('SELECT v <=> %L AS d FROM ivh ORDER BY v <=> %L LIMIT 20', v, v)))
	FROM ivhq;
SELECT * FROM milvus_index_check('ivh_cos');

-- bit: Hamming and Jaccard (distances tie often: compare distances)
CREATE TABLE ivb (id int, v bit(64));
INSERT INTO ivb SELECT i, (floor(random() * 4294967296)::bigint << 32 |
	floor(random() * 4294967296)::bigint)::bit(64) FROM generate_series(1, 1500) i;
CREATE TABLE ivbq (v bit(64));
INSERT INTO ivbq SELECT (floor(random() * 4294967296)::bigint << 32 |
	floor(random() * 4294967296)::bigint)::bit(64) FROM generate_series(1, 5) i;
CREATE INDEX ivb_ham ON ivb USING ivfflat (v bit_hamming_ops) WITH (lists = 10);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivb ORDER BY v <~> (SELECT v FROM ivbq LIMIT 1) LIMIT 5;
RESET enable_seqscan;
SELECT bool_and(ivf_same(format('SELECT v <~> %L AS d FROM ivb ORDER BY v <~> %L LIMIT 20', v, v)))
	FROM ivbq;
DROP INDEX ivb_ham;
CREATE INDEX ivb_jac ON ivb USING ivfflat (v bit_jaccard_ops) WITH (lists = 10);
SELECT bool_and(ivf_same(format('SELECT v <%%> %L AS d FROM ivb ORDER BY v <%%> %L LIMIT 20', v, v)))
	FROM ivbq;
SELECT * FROM milvus_index_check('ivb_jac');
-- wrong length
INSERT INTO ivb VALUES (0, B'101');

DROP TABLE ivh, ivhq, ivb, ivbq;
DROP FUNCTION ivf_same;
