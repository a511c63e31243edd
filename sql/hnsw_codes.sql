-- hnsw neighbour codes: a build over enough rows keeps a code of each
-- level-0 neighbour beside its link, and a scan reads only the neighbours
-- whose codes could put them in its result set
SET client_min_messages = warning;
SET enable_seqscan = off;
SELECT setseed(0.25);

CREATE TABLE codes_t (id int PRIMARY KEY, v vector(64));
INSERT INTO codes_t
	SELECT i, (SELECT array_agg(random()::real) FROM generate_series(1, 64) WHERE i > 0)::vector
	FROM generate_series(1, 3000) i;
CREATE TABLE codes_q AS SELECT id, v FROM codes_t WHERE id % 60 = 0;
UPDATE codes_q SET v = v + (SELECT array_agg(0.05::real) FROM generate_series(1, 64))::vector;

-- index blocks an ORDER BY ... LIMIT 10 scan of every query reads, from
-- EXPLAIN (ANALYZE, BUFFERS) of each
CREATE FUNCTION codes_blocks(tab text, op text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	q record;
	plan json;
	total bigint := 0;
BEGIN
	FOR q IN SELECT v FROM codes_q LOOP
		EXECUTE format('EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id FROM %I ORDER BY v %s %L LIMIT 10',
					   tab, op, q.v) INTO plan;
		total := total + (plan->0->'Plan'->'Plans'->0->>'Shared Hit Blocks')::bigint +
			(plan->0->'Plan'->'Plans'->0->>'Shared Read Blocks')::bigint;
	END LOOP;
	RETURN total;
END $$;

-- recall@10 of the index scan against the exact order
CREATE FUNCTION codes_recall(tab text, op text) RETURNS float LANGUAGE plpgsql AS $$
DECLARE
	q record;
	hits bigint := 0;
	n bigint := 0;
	h bigint;
BEGIN
	FOR q IN SELECT v FROM codes_q LOOP
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		EXECUTE format('CREATE TEMP TABLE codes_exact AS SELECT id FROM %I ORDER BY v %s %L LIMIT 10',
					   tab, op, q.v);
		SET LOCAL enable_indexscan = on;
		SET LOCAL enable_seqscan = off;
		EXECUTE format('SELECT count(*) FROM (SELECT id FROM %I ORDER BY v %s %L LIMIT 10) s WHERE id IN (SELECT id FROM codes_exact)',
					   tab, op, q.v) INTO h;
		DROP TABLE codes_exact;
		hits := hits + h;
		n := n + 10;
	END LOOP;
	RETURN hits::float / n;
END $$;

-- L2: the build chose 16 code bytes (64 = 16 x 4 dimensions)
CREATE INDEX codes_l2 ON codes_t USING hnsw (v vector_l2_ops);
SELECT * FROM milvus_index_check('codes_l2');
SET hnsw.ef_search = 60;
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_t', '<->') AS off_blocks \gset
SELECT codes_recall('codes_t', '<->') AS off_recall \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_t', '<->') AS on_blocks \gset
SELECT codes_recall('codes_t', '<->') AS on_recall \gset
SELECT :on_blocks < 0.7 * :off_blocks AS codes_read_less,
	:off_recall >= 0.85 AS off_recall_ok,
	:on_recall >= :off_recall - 0.05 AS codes_keep_recall;

-- a slack reads more, and no more than without codes
SET milvus.hnsw_code_slack = 0.5;
SELECT codes_blocks('codes_t', '<->') AS slack_blocks \gset
SELECT :slack_blocks > :on_blocks AND :slack_blocks <= :off_blocks AS slack_reads_between;
RESET milvus.hnsw_code_slack;

-- iterative scans keep what they drop, so they read every neighbour
SET hnsw.iterative_scan = relaxed_order;
SELECT codes_blocks('codes_t', '<->') = :off_blocks AS iterative_reads_all;
RESET hnsw.iterative_scan;

-- inserts after the build: the new links carry codes, the check agrees
-- (after a VACUUM, which links any element an insert left unreachable)
INSERT INTO codes_t
	SELECT i, (SELECT array_agg(random()::real) FROM generate_series(1, 64) WHERE i > 0)::vector
	FROM generate_series(3001, 4000) i;
VACUUM codes_t;
SELECT * FROM milvus_index_check('codes_l2');
SELECT count(*) AS inserted_rows_not_found FROM codes_t a WHERE a.id > 3000 AND NOT EXISTS (
	SELECT 1 FROM (SELECT b.id FROM codes_t b ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id);

-- deletes and VACUUM: repaired lists keep their codes or mark them unknown
DELETE FROM codes_t WHERE id % 5 IN (1, 3);
VACUUM codes_t;
SELECT * FROM milvus_index_check('codes_l2');
SELECT count(*) AS rows_not_found FROM codes_t a WHERE NOT EXISTS (
	SELECT 1 FROM (SELECT b.id FROM codes_t b ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id);
SELECT codes_recall('codes_t', '<->') >= 0.8 AS recall_after_vacuum;
DROP INDEX codes_l2;

-- cosine and inner product
CREATE INDEX codes_cos ON codes_t USING hnsw (v vector_cosine_ops);
SELECT * FROM milvus_index_check('codes_cos');
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_t', '<=>') AS off_blocks \gset
SELECT codes_recall('codes_t', '<=>') AS off_recall \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_t', '<=>') < :off_blocks AS cosine_codes_read_less,
	codes_recall('codes_t', '<=>') >= :off_recall - 0.05 AS cosine_codes_keep_recall;
DROP INDEX codes_cos;
-- inner product: no codes unless asked for (see README)
CREATE INDEX codes_ip ON codes_t USING hnsw (v vector_ip_ops);
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_t', '<#>') AS off_blocks \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_t', '<#>') = :off_blocks AS ip_default_no_codes;
DROP INDEX codes_ip;
CREATE INDEX codes_ip ON codes_t USING hnsw (v vector_ip_ops) WITH (codes = 16);
SELECT * FROM milvus_index_check('codes_ip');
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_t', '<#>') AS off_blocks \gset
SELECT codes_recall('codes_t', '<#>') AS off_recall \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_t', '<#>') <= :off_blocks AS ip_codes_read_no_more,
	codes_recall('codes_t', '<#>') >= :off_recall - 0.05 AS ip_codes_keep_recall;
DROP INDEX codes_ip;

-- codes = 0: no codes, so the setting changes nothing
CREATE INDEX codes_none ON codes_t USING hnsw (v vector_l2_ops) WITH (codes = 0);
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_t', '<->') AS off_blocks \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_t', '<->') = :off_blocks AS no_codes_same_reads;
DROP INDEX codes_none;

-- an explicit code size; one that does not divide the dimensions
CREATE INDEX codes_8 ON codes_t USING hnsw (v vector_l2_ops) WITH (codes = 8);
SELECT * FROM milvus_index_check('codes_8');
SELECT codes_blocks('codes_t', '<->') < :off_blocks AS codes_8_read_less;
DROP INDEX codes_8;
CREATE INDEX codes_bad ON codes_t USING hnsw (v vector_l2_ops) WITH (codes = 7);
CREATE INDEX codes_bad ON codes_t USING hnsw (v vector_l2_ops) WITH (codes = 65);
CREATE INDEX codes_bad ON codes_t USING hnsw (v vector_l1_ops) WITH (codes = 8);
CREATE INDEX codes_bad ON codes_t USING hnsw ((v::halfvec(64)) halfvec_l2_ops) WITH (codes = 8);
CREATE INDEX codes_bad ON codes_t USING hnsw (v vector_l2_ops) WITH (m = 100, ef_construction = 200, codes = 64);

-- too few rows to train on: no codes (REINDEX once the table is loaded)
CREATE TABLE codes_small (id int, v vector(64));
INSERT INTO codes_small SELECT id, v FROM codes_t ORDER BY id LIMIT 200;
CREATE INDEX codes_small_l2 ON codes_small USING hnsw (v vector_l2_ops);
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_small', '<->') AS off_blocks \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_small', '<->') = :off_blocks AS small_no_codes;
INSERT INTO codes_small SELECT id, v FROM codes_t ORDER BY id OFFSET 200 LIMIT 800;
REINDEX INDEX codes_small_l2;
SELECT * FROM milvus_index_check('codes_small_l2');
SET milvus.hnsw_codes = off;
SELECT codes_blocks('codes_small', '<->') AS off_blocks \gset
SET milvus.hnsw_codes = on;
SELECT codes_blocks('codes_small', '<->') < :off_blocks AS reindexed_codes_read_less;

DROP TABLE codes_t, codes_q, codes_small;
DROP FUNCTION codes_blocks(text, text), codes_recall(text, text);
