-- batch jobs are bounded: milvus.worker_memory_limit refuses a job before
-- anything it sizes is allocated, with an error naming the limit and the
-- request; both limits are settings only a superuser can change
\set VERBOSITY terse

SHOW milvus.worker_memory_limit;
SHOW milvus.worker_timeout;
SELECT name, context, unit FROM pg_settings
	WHERE name IN ('milvus.worker_memory_limit', 'milvus.worker_timeout')
	ORDER BY name;

-- issue 17: 500,000 queries with k = 1024 over one row ask for about
-- 16 GB (the results twice); refused at once, the backend stays small
CREATE TEMP TABLE one (v vector(1));
INSERT INTO one VALUES ('[1]');
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
\set VERBOSITY default
SELECT count(*) FROM milvus_batch_search('one', 'v',
	(SELECT array_agg('[1]'::vector) FROM generate_series(1, 500000)), 1024);
\set VERBOSITY terse
SELECT clock_timestamp() - t < interval '30 s' AS at_once FROM t0;
SELECT sum(total_bytes) < 256 * 1024 * 1024 AS backend_small
	FROM pg_backend_memory_contexts;

-- the same queries with k = 1 fit
SELECT count(*) FROM milvus_batch_search('one', 'v',
	(SELECT array_agg('[1]'::vector) FROM generate_series(1, 500000)), 1);

-- rows count too: refused while they are read, not after
CREATE TABLE many (id int, v vector(8));
INSERT INTO many SELECT i, array_fill(i::real, ARRAY[8])::vector
	FROM generate_series(1, 40000) i;
SET milvus.worker_memory_limit = '2MB';
\set VERBOSITY default
SELECT count(*) FROM milvus_kmeans('many', 'v', 4, 1);
SELECT count(*) FROM milvus_batch_search('many', 'v', ARRAY['[1,1,1,1,1,1,1,1]']::vector[], 10);
\set VERBOSITY terse
SELECT count(*) FROM milvus_batch_search('many', 'v',
	(SELECT array_agg(v) FROM many WHERE id <= 20000), 10);
-- a smaller table fits within the same limit
CREATE TABLE few AS SELECT * FROM many WHERE id <= 10000;
SELECT count(*) FROM milvus_batch_search('few', 'v', ARRAY['[1,1,1,1,1,1,1,1]']::vector[], 10);
SELECT count(*) FROM milvus_kmeans('few', 'v', 4, 1);
RESET milvus.worker_memory_limit;
SELECT count(*) FROM milvus_kmeans('many', 'v', 4, 1);

-- an ordinary role can neither raise nor lift either limit
CREATE ROLE regress_mv_limits;
GRANT SELECT ON many TO regress_mv_limits;
SET ROLE regress_mv_limits;
SET milvus.worker_memory_limit = '100GB';
SET milvus.worker_timeout = 0;
SELECT count(*) FROM milvus_batch_search('many', 'v',
	(SELECT array_agg('[1,1,1,1,1,1,1,1]'::vector) FROM generate_series(1, 100000)), 1024);
RESET ROLE;

DROP TABLE many, few;
DROP ROLE regress_mv_limits;
