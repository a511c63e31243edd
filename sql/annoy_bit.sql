-- annoy over bit strings: Hamming trees (bit sampling)
SET client_min_messages = warning;
\set VERBOSITY terse

CREATE FUNCTION annoy_bit_same_as_exact(q text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	a float8[];
	b float8[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
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
SELECT setseed(0.25);
CREATE TABLE ab (id int PRIMARY KEY, b bit(64));
INSERT INTO ab SELECT i, (random() * 9223372036854775807)::bigint::bit(64)
FROM generate_series(1, 1500) i;
INSERT INTO ab VALUES (1501, NULL), (1502, repeat('0', 64)::bit(64));
CREATE TABLE abq (q bit(64));
INSERT INTO abq SELECT (random() * 9223372036854775807)::bigint::bit(64)
FROM generate_series(1, 10);

CREATE INDEX ab_b ON ab USING annoy (b bit_hamming_ops) WITH (n_trees = 5);
EXPLAIN (COSTS OFF) SELECT id FROM ab ORDER BY b <~> repeat('1', 64)::bit(64) LIMIT 5;
SELECT * FROM milvus_index_check('ab_b');
SELECT * FROM ab ORDER BY b <~> '101'::bit(3) LIMIT 1;

SET annoy.search_k = 100000;
SELECT count(*) FILTER (WHERE annoy_bit_same_as_exact(format(
	'SELECT b <~> %L AS d FROM ab ORDER BY b <~> %L LIMIT 10', q, q)))
FROM abq;
RESET annoy.search_k;
SELECT count(*) FROM (SELECT id FROM ab ORDER BY b <~> repeat('1', 64)::bit(64) LIMIT 1000) s;

-- inserts split leaves, equal values included; delete and VACUUM
INSERT INTO ab SELECT i, (random() * 9223372036854775807)::bigint::bit(64)
FROM generate_series(2001, 3500) i;
INSERT INTO ab SELECT i, repeat('10', 32)::bit(64) FROM generate_series(3501, 3600) i;
SELECT * FROM milvus_index_check('ab_b');
SET annoy.search_k = 100000;
SELECT count(*) FILTER (WHERE annoy_bit_same_as_exact(format(
	'SELECT b <~> %L AS d FROM ab ORDER BY b <~> %L LIMIT 10', q, q)))
FROM abq;
DELETE FROM ab WHERE id % 2 = 0;
VACUUM ab;
SELECT * FROM milvus_index_check('ab_b');
SELECT count(*) FILTER (WHERE annoy_bit_same_as_exact(format(
	'SELECT b <~> %L AS d FROM ab ORDER BY b <~> %L LIMIT 10', q, q)))
FROM abq;
SELECT count(*) FROM (SELECT id FROM ab ORDER BY b <~> repeat('10', 32)::bit(64) LIMIT 50) s
WHERE id > 3500;

DROP TABLE ab, abq;
DROP FUNCTION annoy_bit_same_as_exact(text);
RESET annoy.search_k;
RESET enable_seqscan;
