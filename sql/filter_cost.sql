-- The planner's choice for ORDER BY v <=> q LIMIT 10 with a filter that
-- the vector index does not evaluate (issue 19): to keep 10 rows at
-- selectivity s an iterative scan returns about 10 / s rows, so a filter
-- that keeps few rows makes the btree plus an exact sort cheaper, and one
-- that keeps many the vector index.  hnsw, ivfflat and flat in turn, at
-- 0.1 %, 1 %, 10 % and 50 % of 30,000 rows (random vectors; cat is
-- uncorrelated with them).
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.25);
CREATE TABLE fc (id int PRIMARY KEY, cat int, v vector(8), note text);
INSERT INTO fc SELECT i, (i * 7919) % 1000,
	ARRAY(SELECT random() - 0.5 FROM generate_series(1, 8) WHERE i > 0),
	repeat('x', 100)
FROM generate_series(1, 30000) i;
CREATE INDEX fc_cat ON fc (cat);
CREATE INDEX fc_v ON fc USING hnsw (v vector_cosine_ops);
ANALYZE fc;
\set q '\'[0.1,-0.2,0.3,-0.4,0.5,-0.1,0.2,-0.3]\''
SELECT s AS sel, count(*) FILTER (WHERE cat < s) AS rows_kept
FROM fc, (VALUES (1), (10), (100), (500)) f(s) GROUP BY s ORDER BY s;

-- hnsw, iterative: btree + sort at 0.1 % and 1 %, hnsw at 10 % and 50 %
SET hnsw.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 1 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 10 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 100 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 500 ORDER BY v <=> :q LIMIT 10;
-- every plan returns 10 rows
SELECT s AS sel, (SELECT count(*) FROM (SELECT id FROM fc WHERE cat < s
	ORDER BY v <=> :q LIMIT 10) r) AS rows
FROM (VALUES (1), (10), (100), (500)) f(s) ORDER BY s;
-- without the btree: a sequential scan and sort at 0.1 %, as the scan
-- would read up to hnsw.max_scan_tuples
BEGIN;
DROP INDEX fc_cat;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 1 ORDER BY v <=> :q LIMIT 10;
ROLLBACK;
-- without iterative scans the search returns ef_search rows at most, and
-- the filter costs it no more than that
SET hnsw.iterative_scan = off;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 100 ORDER BY v <=> :q LIMIT 10;
SET hnsw.iterative_scan = relaxed_order;

-- Prepared statements: with the default plan_cache_mode, PostgreSQL
-- tries a generic plan from the 6th execution and keeps it if it costs no
-- more than the custom plans did.  The generic plan cannot see $2, and its
-- hnsw scan is priced for a filter that keeps almost nothing: so after ten
-- executions at 1 % custom plans go on, each chosen for its own value
-- (priced at a third of the rows, the generic hnsw plan would look cheaper
-- than the btree plans at 1 % and be kept for every value).
PREPARE fq(vector, int) AS
	SELECT id FROM fc WHERE cat < $2 ORDER BY v <=> $1 LIMIT 10;
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
EXECUTE fq(:q, 10) \g /dev/null
-- the 11th and 12th: custom plans, btree at 0.1 %, hnsw at 50 %
-- (a generic plan would show $2 in place of the value)
EXPLAIN (COSTS OFF) EXECUTE fq(:q, 1);
EXPLAIN (COSTS OFF) EXECUTE fq(:q, 500);
SELECT generic_plans, custom_plans FROM pg_prepared_statements
WHERE name = 'fq';
-- a generic plan, when forced, is the exact one
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE fq(:q, 1);
RESET plan_cache_mode;
DEALLOCATE fq;
RESET hnsw.iterative_scan;

-- ivfflat, iterative
DROP INDEX fc_v;
CREATE INDEX fc_v ON fc USING ivfflat (v vector_cosine_ops) WITH (lists = 50);
ANALYZE fc;
SET ivfflat.iterative_scan = relaxed_order;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 1 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 10 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 100 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 500 ORDER BY v <=> :q LIMIT 10;
RESET ivfflat.iterative_scan;

-- flat
DROP INDEX fc_v;
CREATE INDEX fc_v ON fc USING flat (v vector_cosine_ops);
ANALYZE fc;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 1 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 10 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 100 ORDER BY v <=> :q LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fc WHERE cat < 500 ORDER BY v <=> :q LIMIT 10;

DROP TABLE fc;

-- index conditions (flat's search keys on bit) that compare with a
-- generic plan's parameter are priced as keeping almost nothing too
CREATE TABLE fcb (id int, v bit(12));
INSERT INTO fcb SELECT i, ((i * 1103) % 4096)::bit(12)
FROM generate_series(1, 600) i;
CREATE INDEX fcb_v ON fcb USING flat (v bit_jaccard_ops);
ANALYZE fcb;
SET plan_cache_mode = force_generic_plan;
PREPARE bq(bit) AS SELECT id FROM fcb WHERE v @> $1
	ORDER BY v <%> B'101010101010' LIMIT 1;
EXPLAIN (COSTS OFF) EXECUTE bq(B'001000000010');
EXECUTE bq(B'001000000010');
RESET plan_cache_mode;
DEALLOCATE bq;
DROP TABLE fcb;
RESET max_parallel_workers_per_gather;
