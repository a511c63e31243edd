-- flat as pgvector users expect (issue 16): a NULL query, a zero query
-- under cosine, a partial index
-- 1. an ordered scan by a NULL query returns every row the index holds
--    (every non-NULL row: flat is exact and indexes zero vectors too), for
--    every type and operator class
CREATE FUNCTION flp_null_count(opc text, typ text, op text, vals text[])
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format('CREATE TABLE flp_n (val %s)', typ);
	EXECUTE format('INSERT INTO flp_n SELECT unnest(%L::%s[])', vals, typ);
	EXECUTE format('CREATE INDEX flp_n_idx ON flp_n USING flat (val %s)', opc);
	PERFORM set_config('enable_seqscan', 'off', true);
	EXECUTE format('SELECT count(*) FROM (SELECT * FROM flp_n ORDER BY val %s (SELECT NULL::%s)) s',
				   op, typ) INTO n;
	PERFORM set_config('enable_seqscan', 'on', true);
	DROP TABLE flp_n;
	RETURN format('%s: %s rows', opc, n);
END $$;
SELECT flp_null_count(opc, typ, op, vals::text[])
	FROM (VALUES ('vector_l2_ops', 'vector(3)', '<->'),
				 ('vector_ip_ops', 'vector(3)', '<#>'),
				 ('vector_cosine_ops', 'vector(3)', '<=>'),
				 ('vector_l1_ops', 'vector(3)', '<+>'),
				 ('halfvec_l2_ops', 'halfvec(3)', '<->'),
				 ('halfvec_ip_ops', 'halfvec(3)', '<#>'),
				 ('halfvec_cosine_ops', 'halfvec(3)', '<=>'),
				 ('halfvec_l1_ops', 'halfvec(3)', '<+>')) o(opc, typ, op),
		 (VALUES ('{"[0,0,0]","[1,2,3]","[1,1,1]",NULL,"[1,2,4]"}')) v(vals)
	ORDER BY opc;
SELECT flp_null_count(opc, 'bit(3)', op, '{000,110,111,NULL,101}')
	FROM (VALUES ('bit_hamming_ops', '<~>'), ('bit_jaccard_ops', '<%>')) o(opc, op)
	ORDER BY opc;
DROP FUNCTION flp_null_count;

-- 2. a zero query under cosine: every row, as a sequential scan (NaN
--    distances sort last)
CREATE TABLE flp (val vector(3));
INSERT INTO flp VALUES ('[0,0,0]'), ('[1,2,3]'), ('[1,1,1]'), (NULL), ('[1,2,4]');
CREATE TABLE flph (val halfvec(3));
INSERT INTO flph SELECT val FROM flp;
CREATE INDEX ON flp USING flat (val vector_cosine_ops);
CREATE INDEX ON flph USING flat (val halfvec_cosine_ops);
SET enable_seqscan = off;
SELECT val, val <=> '[0,0,0]' AS d FROM flp ORDER BY val <=> '[0,0,0]';
SELECT count(*) FROM (SELECT * FROM flph ORDER BY val <=> '[0,0,0]') s;
SELECT val FROM flp ORDER BY val <=> '[3,3,3]';
RESET enable_seqscan;
SELECT val, val <=> '[0,0,0]' AS d FROM flp ORDER BY val <=> '[0,0,0]';
DROP TABLE flp, flph;

-- 9. a partial index leaves the table's row count alone
CREATE TABLE flp_part (c int, v vector(3));
INSERT INTO flp_part SELECT i % 50, ARRAY[i, i % 7, 1] FROM generate_series(1, 1000) i;
CREATE INDEX flp_part_a ON flp_part USING flat (v vector_l2_ops) WHERE c = 26;
SELECT relname, reltuples FROM pg_class WHERE relname IN ('flp_part', 'flp_part_a')
	ORDER BY relname;
DROP TABLE flp_part;
