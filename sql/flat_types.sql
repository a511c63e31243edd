-- flat over halfvec and bit: every operator class against a sequential scan
\set VERBOSITY terse
SET client_min_messages = warning;

-- The index's order equals a sequential scan's, ORDER BY (distance, ctid),
-- as a whole or up to a limit; "ok" or what differs.  The index scan must
-- be the plan.
CREATE FUNCTION flat_same(tbl text, col text, op text, q text,
						  lim int DEFAULT NULL, filter text DEFAULT 'true')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	got int[]; want int[]; plan text := ''; line text; lim_clause text := '';
BEGIN
	IF lim IS NOT NULL THEN lim_clause := ' LIMIT ' || lim; END IF;
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_bitmapscan = off;
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %I WHERE %s ORDER BY %I %s %s%s',
		tbl, filter, col, op, q, lim_clause) LOOP
		plan := plan || line || ' ';
	END LOOP;
	IF plan NOT LIKE '%Index Scan using%' THEN RETURN 'no index scan: ' || plan; END IF;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE %s ORDER BY %I %s %s%s) s',
		tbl, filter, col, op, q, lim_clause) INTO got;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE %I IS NOT NULL AND %s ORDER BY %I %s %s, ctid%s) s',
		tbl, col, filter, col, op, q, lim_clause) INTO want;
	IF got IS NOT DISTINCT FROM want THEN RETURN 'ok'; END IF;
	RETURN format('%s rows, expected %s', coalesce(cardinality(got), 0), coalesce(cardinality(want), 0));
END $$;

CREATE TABLE flat_ty (id int, h halfvec(5), b bit(24), vb varbit(16));
INSERT INTO flat_ty SELECT i,
	ARRAY[i % 7, i % 11, (i * 3) % 13, 1, (i % 4) * 0.5]::halfvec,
	((i * 2654435761) % 16777216)::bit(24),
	((i * 40503) % 65536)::bit(16)::varbit
	FROM generate_series(1, 1500) i;
INSERT INTO flat_ty VALUES (0, NULL, NULL, NULL), (1501, '[0,0,0,0,0]', 0::bit(24), 0::bit(16));

CREATE INDEX flat_ty_h_l2 ON flat_ty USING flat (h halfvec_l2_ops);
CREATE INDEX flat_ty_h_ip ON flat_ty USING flat (h halfvec_ip_ops);
CREATE INDEX flat_ty_h_cos ON flat_ty USING flat (h halfvec_cosine_ops);
CREATE INDEX flat_ty_h_l1 ON flat_ty USING flat (h halfvec_l1_ops);
SELECT flat_same('flat_ty', 'h', '<->', '''[3,1,2,1,0.5]''::halfvec') AS h_l2,
	flat_same('flat_ty', 'h', '<#>', '''[3,1,2,1,0.5]''::halfvec') AS h_ip,
	flat_same('flat_ty', 'h', '<=>', '''[3,1,2,1,0.5]''::halfvec') AS h_cosine,
	flat_same('flat_ty', 'h', '<+>', '''[3,1,2,1,0.5]''::halfvec', 20) AS h_l1;
SET flat.batch_size = 2;
SELECT flat_same('flat_ty', 'h', '<->', '''[3,1,2,1,0.5]''::halfvec', 100, 'id % 5 = 1') AS h_filtered;
RESET flat.batch_size;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM flat_ty ORDER BY h <=> '[3,1,2,1,0.5]' LIMIT 3;
SELECT id, h <-> '[3,1,2,1,0.5]' AS d FROM flat_ty ORDER BY h <-> '[3,1,2,1,0.5]' LIMIT 3;
SELECT id FROM flat_ty ORDER BY h <-> '[3,1,2,1]' LIMIT 3;
RESET enable_seqscan;

CREATE INDEX flat_ty_b_hamming ON flat_ty USING flat (b bit_hamming_ops);
CREATE INDEX flat_ty_b_jaccard ON flat_ty USING flat (b bit_jaccard_ops);
SELECT flat_same('flat_ty', 'b', '<~>', 'B''101100111000101100111000''') AS b_hamming,
	flat_same('flat_ty', 'b', '<%>', 'B''101100111000101100111000''') AS b_jaccard,
	flat_same('flat_ty', 'b', '<%>', 'B''000000000000000000000000''', 10) AS b_jaccard_zero;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM flat_ty ORDER BY b <~> B'101100111000101100111000' LIMIT 3;
SELECT id FROM flat_ty ORDER BY b <~> B'1011' LIMIT 3;
RESET enable_seqscan;

-- bit varying: every value must have the index's length
CREATE INDEX flat_ty_vb ON flat_ty USING flat (vb bit_hamming_ops);
SELECT flat_same('flat_ty', 'vb', '<~>', 'B''1011001110001011''') AS vb_hamming;
INSERT INTO flat_ty (id, vb) VALUES (2000, B'101');

-- inserts, deletes, VACUUM on each
INSERT INTO flat_ty SELECT i, ARRAY[i % 3, 1, 2, i % 5, 0]::halfvec, (i * 7919)::bit(24), (i * 31)::bit(16)
	FROM generate_series(2001, 2600) i;
DELETE FROM flat_ty WHERE id % 4 = 0;
VACUUM flat_ty;
SELECT flat_same('flat_ty', 'h', '<->', '''[1,1,2,2,0]''::halfvec') AS h_after_vacuum,
	flat_same('flat_ty', 'b', '<%>', 'B''111100001111000011110000''') AS b_after_vacuum;
SELECT i.relname, count(c.problem) AS problems FROM pg_class i
	JOIN pg_index x ON x.indexrelid = i.oid
	LEFT JOIN LATERAL milvus_index_check(i.oid) c ON true
	WHERE x.indrelid = 'flat_ty'::regclass GROUP BY 1 ORDER BY 1;
DROP TABLE flat_ty;

-- dimension limits per type: the largest one page holds
CREATE TABLE flat_lim (h halfvec(4001), b bit(64001));
CREATE INDEX ON flat_lim USING flat (h halfvec_l2_ops);
CREATE INDEX ON flat_lim USING flat (b bit_hamming_ops);
DROP TABLE flat_lim;
CREATE TABLE flat_lim (id int, v vector(2000), h halfvec(4000), b bit(64000));
CREATE INDEX flat_lim_v ON flat_lim USING flat (v vector_l2_ops);
CREATE INDEX flat_lim_h ON flat_lim USING flat (h halfvec_l2_ops);
CREATE INDEX flat_lim_b ON flat_lim USING flat (b bit_hamming_ops);
INSERT INTO flat_lim SELECT i, array_fill(i::real, ARRAY[2000]), array_fill(i::real, ARRAY[4000]),
	repeat(CASE WHEN i % 2 = 0 THEN '1' ELSE '0' END, 64000)::bit(64000)
	FROM generate_series(1, 12) i;
SELECT flat_same('flat_lim', 'v', '<->', 'array_fill(3.4::real, ARRAY[2000])::vector') AS v_max,
	flat_same('flat_lim', 'h', '<->', 'array_fill(3.4::real, ARRAY[4000])::halfvec') AS h_max,
	flat_same('flat_lim', 'b', '<~>', 'repeat(''1'', 64000)::bit(64000)', 3) AS b_max;
SELECT pg_relation_size('flat_lim_v') / current_setting('block_size')::int AS v_blocks;
DROP TABLE flat_lim;
DROP FUNCTION flat_same;
