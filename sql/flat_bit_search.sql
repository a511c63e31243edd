-- flat over bit: the boolean search operators @>, <@ and the Tanimoto
-- threshold %, as index keys, against a sequential scan
\set VERBOSITY terse
SET client_min_messages = warning;

-- the operators
SELECT tanimoto_similarity(B'1100', B'1010') AS one_third,
       tanimoto_similarity(B'1111', B'1111') AS identical,
       tanimoto_similarity(B'0000', B'0000') AS both_empty,
       tanimoto_similarity(B'1100', B'1010') = 1 / 3::float8 AS exact_third;
SHOW milvus.tanimoto_threshold;
SELECT B'1100' % B'1110' AS two_thirds, B'1100' % B'1010' AS one_third,
       B'0000' % B'0000' AS both_empty;
SET milvus.tanimoto_threshold = 0.3;
SELECT B'1100' % B'1010' AS one_third_at_0_3;
SET milvus.tanimoto_threshold = 0.0;
SELECT B'0000' % B'0000' AS both_empty_at_0;
-- at least, not more than: equality passes
SET milvus.tanimoto_threshold = 0.5;
SELECT B'1100' % B'1000' AS exactly_half;
SET milvus.tanimoto_threshold = 1.5;
\echo :LAST_ERROR_SQLSTATE
RESET milvus.tanimoto_threshold;

-- NULLs: strict
SELECT tanimoto_similarity(NULL, B'1') IS NULL AS sim_null,
       (B'1' % NULL) IS NULL AS match_null,
       (NULL::bit @> B'1') IS NULL AS contains_null,
       (B'1' <@ NULL) IS NULL AS contained_null;

-- lengths must match
SELECT tanimoto_similarity(B'111', B'11');
\echo :LAST_ERROR_SQLSTATE
SELECT B'111' % B'11';
\echo :LAST_ERROR_SQLSTATE

-- a table of 12-bit values, with NULLs
CREATE TABLE fb (id int, v bit(12));
INSERT INTO fb SELECT i, ((i * 1103) % 4096)::bit(12) FROM generate_series(1, 600) i;
INSERT INTO fb VALUES (601, NULL), (602, B'000000000000'), (603, B'111111111111');

-- the index answers an empty table
CREATE TABLE fb_empty (id int, v bit(12));
CREATE INDEX ON fb_empty USING flat (v bit_jaccard_ops);
SET enable_seqscan = off;
SELECT count(*) FROM fb_empty WHERE v @> B'000000000001';
RESET enable_seqscan;
DROP TABLE fb_empty;

CREATE INDEX fb_v_idx ON fb USING flat (v bit_jaccard_ops);
ANALYZE fb;

-- "ok" when the index scan (bitmap or plain, as kind says) returns the
-- rows a sequential scan returns, and is the plan
CREATE FUNCTION fb_same(qual text, kind text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	got int[]; want int[]; plan text := ''; line text;
BEGIN
	SET LOCAL enable_seqscan = off;
	IF kind = 'bitmap' THEN SET LOCAL enable_indexscan = off;
	ELSE SET LOCAL enable_bitmapscan = off; END IF;
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) SELECT id FROM fb WHERE ' || qual LOOP
		plan := plan || line || ' ';
	END LOOP;
	IF plan NOT LIKE '%Index Scan%fb_v_idx%' THEN RETURN 'no index scan: ' || plan; END IF;
	EXECUTE 'SELECT array_agg(id ORDER BY id) FROM fb WHERE ' || qual INTO got;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_bitmapscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE 'SELECT array_agg(id ORDER BY id) FROM fb WHERE ' || qual INTO want;
	IF got IS NOT DISTINCT FROM want THEN
		RETURN 'ok ' || coalesce(cardinality(got), 0);
	END IF;
	RETURN format('%s rows, expected %s', coalesce(cardinality(got), 0), coalesce(cardinality(want), 0));
END $$;

SELECT q, k, fb_same(q, k) FROM (VALUES
	('v @> B''000000000011'''), ('v @> B''101000000000'''),
	('v @> B''000000000000'''), ('v @> B''111111111111'''),
	('v <@ B''000011111111'''), ('v <@ B''111111111111'''),
	('B''100000000001'' <@ v'), ('v @> B''000000000001'' AND v <@ B''011111111111'''),
	('v % B''101010101010''')) q (q),
	(VALUES ('bitmap'), ('plain')) k (k)
	ORDER BY 1, 2;

SET milvus.tanimoto_threshold = 0.25;
SELECT fb_same('v % B''101010101010''', 'bitmap') AS at_0_25;
RESET milvus.tanimoto_threshold;

-- the plans, without enable_* settings
EXPLAIN (COSTS OFF) SELECT id FROM fb WHERE v @> B'000000000011';

-- ordered and filtered: the keys cut the passes, order is exact
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM fb
	WHERE v @> B'001000000010' ORDER BY v <%> B'101010101010' LIMIT 5;
SELECT id, v, round((v <%> B'101010101010')::numeric, 4) AS d FROM fb
	WHERE v @> B'001000000010' ORDER BY v <%> B'101010101010' LIMIT 5;
RESET enable_seqscan;
SELECT id, v, round((v <%> B'101010101010')::numeric, 4) AS d FROM fb
	WHERE v @> B'001000000010' ORDER BY v <%> B'101010101010', ctid LIMIT 5;

-- NULL query: nothing matches; wrong length: the operator's error
SET enable_seqscan = off;
SELECT count(*) FROM fb WHERE v @> NULL::bit;
SELECT count(*) FROM fb WHERE v @> (SELECT NULL::bit);
SELECT count(*) FROM fb WHERE v @> B'1111';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM fb WHERE v % B'1111';
\echo :LAST_ERROR_SQLSTATE

-- inserts, VACUUM, REINDEX keep the index in step
INSERT INTO fb SELECT i, ((i * 977) % 4096)::bit(12) FROM generate_series(604, 900) i;
SELECT fb_same('v @> B''000000000011''', 'bitmap') AS after_insert;
DELETE FROM fb WHERE id % 3 = 0;
VACUUM fb;
SELECT fb_same('v @> B''000000000011''', 'plain') AS after_vacuum;
REINDEX INDEX fb_v_idx;
SELECT fb_same('v <@ B''011111111111''', 'bitmap') AS after_reindex;
RESET enable_seqscan;

-- the hamming operator class has the same keys
DROP INDEX fb_v_idx;
CREATE INDEX fb_v_idx ON fb USING flat (v bit_hamming_ops);
SELECT fb_same('v @> B''000000000011''', 'bitmap') AS hamming_ops;

-- the operator classes validate; a search operator on another type does not
SELECT opcname, amvalidate(oid) FROM pg_opclass
	WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'flat')
	AND opcintype = 'bit'::regtype ORDER BY 1;
CREATE FUNCTION vec_contains(vector, vector) RETURNS bool
	AS 'SELECT true' LANGUAGE sql IMMUTABLE;
CREATE OPERATOR @@@ (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vec_contains);
CREATE OPERATOR CLASS bad_vector_ops FOR TYPE vector USING flat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	OPERATOR 2 @@@ (vector, vector),
	FUNCTION 1 l2_distance(vector, vector);
SET client_min_messages = info;
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'bad_vector_ops';
RESET client_min_messages;
DROP OPERATOR CLASS bad_vector_ops USING flat;
DROP OPERATOR @@@ (vector, vector);
DROP FUNCTION vec_contains(vector, vector);

DROP FUNCTION fb_same(text, text);
DROP TABLE fb;
