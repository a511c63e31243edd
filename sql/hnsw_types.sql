-- hnsw over halfvec, sparsevec and bit: every operator class against exact
\set VERBOSITY terse
SET client_min_messages = warning;

SELECT opc.opcname, amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE am.amname = 'hnsw' AND opc.opcintype IN ('halfvec'::regtype,
		'sparsevec'::regtype, 'bit'::regtype) ORDER BY 1;

CREATE TABLE hnsw_t (id int, h halfvec(4), s sparsevec(6), b bit(24));
INSERT INTO hnsw_t SELECT i,
	ARRAY[i % 7, i % 11, (i * 3) % 13, 1]::halfvec,
	ARRAY[i % 5, 0, i % 3, 0, (i * 7) % 9, 1]::vector::sparsevec,
	((i * 2654435761) % 16777216)::bit(24)
	FROM generate_series(1, 1000) i;
INSERT INTO hnsw_t VALUES (1001, NULL, NULL, NULL);

-- k nearest distances through the index equal the exact ones
CREATE FUNCTION hnsw_t_check(col text, op text, q text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE got float8[]; want float8[];
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL hnsw.ef_search = 400;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT %I %s %s AS d FROM hnsw_t ORDER BY %I %s %s LIMIT 10) s',
		col, op, q, col, op, q) INTO got;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT %I %s %s AS d FROM hnsw_t WHERE %I IS NOT NULL ORDER BY %I %s %s LIMIT 10) s',
		col, op, q, col, col, op, q) INTO want;
	RETURN got = want;
END $$;

CREATE INDEX hnsw_t_h_l2 ON hnsw_t USING hnsw (h halfvec_l2_ops);
CREATE INDEX hnsw_t_h_ip ON hnsw_t USING hnsw (h halfvec_ip_ops);
CREATE INDEX hnsw_t_h_cos ON hnsw_t USING hnsw (h halfvec_cosine_ops);
CREATE INDEX hnsw_t_h_l1 ON hnsw_t USING hnsw (h halfvec_l1_ops);
SELECT hnsw_t_check('h', '<->', '''[3,1,2,1]''::halfvec') AS h_l2,
	hnsw_t_check('h', '<#>', '''[3,1,2,1]''::halfvec') AS h_ip,
	hnsw_t_check('h', '<+>', '''[3,1,2,1]''::halfvec') AS h_l1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_t ORDER BY h <=> '[3,1,2,1]' LIMIT 3;
SELECT count(*) FROM (SELECT id FROM hnsw_t ORDER BY h <=> '[3,1,2,1]' LIMIT 5) s;
RESET enable_seqscan;

CREATE INDEX hnsw_t_s_l2 ON hnsw_t USING hnsw (s sparsevec_l2_ops);
CREATE INDEX hnsw_t_s_ip ON hnsw_t USING hnsw (s sparsevec_ip_ops);
CREATE INDEX hnsw_t_s_cos ON hnsw_t USING hnsw (s sparsevec_cosine_ops);
CREATE INDEX hnsw_t_s_l1 ON hnsw_t USING hnsw (s sparsevec_l1_ops);
SELECT hnsw_t_check('s', '<->', '''{1:3,3:1,6:1}/6''::sparsevec') AS s_l2,
	hnsw_t_check('s', '<#>', '''{1:3,3:1,6:1}/6''::sparsevec') AS s_ip,
	hnsw_t_check('s', '<+>', '''{1:3,3:1,6:1}/6''::sparsevec') AS s_l1;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_t ORDER BY s <-> '{1:3}/6' LIMIT 3;
RESET enable_seqscan;

CREATE INDEX hnsw_t_b_hamming ON hnsw_t USING hnsw (b bit_hamming_ops);
CREATE INDEX hnsw_t_b_jaccard ON hnsw_t USING hnsw (b bit_jaccard_ops);
SELECT hnsw_t_check('b', '<~>', 'B''101100111000101100111000''') AS b_hamming,
	hnsw_t_check('b', '<%>', 'B''101100111000101100111000''') AS b_jaccard;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hnsw_t ORDER BY b <~> B'101100111000101100111000' LIMIT 3;
RESET enable_seqscan;

SELECT count(*) FROM milvus_index_check('hnsw_t_h_l2');
SELECT count(*) FROM milvus_index_check('hnsw_t_s_cos');
SELECT count(*) FROM milvus_index_check('hnsw_t_b_jaccard');
DROP TABLE hnsw_t;
DROP FUNCTION hnsw_t_check;

-- dimension limits per type
CREATE TABLE hnsw_lim (h halfvec(4001), b bit(64001), bv varbit, s sparsevec);
CREATE INDEX ON hnsw_lim USING hnsw (h halfvec_l2_ops);
CREATE INDEX ON hnsw_lim USING hnsw (b bit_hamming_ops);
CREATE INDEX ON hnsw_lim USING hnsw (s sparsevec_l2_ops);
DROP TABLE hnsw_lim;
CREATE TABLE hnsw_lim (h halfvec(4000));
CREATE INDEX ON hnsw_lim USING hnsw (h halfvec_l2_ops);
INSERT INTO hnsw_lim SELECT array_fill(i::real, ARRAY[4000])::halfvec FROM generate_series(1, 20) i;
SET enable_seqscan = off;
SELECT h <-> array_fill(3::real, ARRAY[4000])::halfvec AS d FROM hnsw_lim
	ORDER BY h <-> array_fill(3::real, ARRAY[4000])::halfvec LIMIT 1;
DROP TABLE hnsw_lim;
