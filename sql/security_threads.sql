-- issue 17, item 7: the build thread counts are capped by
-- milvus.max_build_threads, which only a superuser sets
\set VERBOSITY terse

SELECT name, setting, context, min_val, max_val FROM pg_settings
WHERE name IN ('milvus.max_build_threads', 'milvus.hnsw_build_threads',
			   'milvus.ivf_build_threads')
ORDER BY name;

CREATE ROLE regress_threads;
GRANT CREATE ON SCHEMA public TO regress_threads;

SET ROLE regress_threads;
CREATE TABLE threads_t (id int, v vector(2));
INSERT INTO threads_t SELECT i, ARRAY[i, i % 7] FROM generate_series(1, 50) i;
-- an ordinary role cannot get 64 threads, nor raise the cap
\set VERBOSITY default
SET milvus.hnsw_build_threads = 64;
\set VERBOSITY terse
SET milvus.ivf_build_threads = 64;
SET milvus.hnsw_build_threads = 5;
SET milvus.max_build_threads = 64;
ALTER ROLE regress_threads SET milvus.hnsw_build_threads = 64;
-- up to the cap is fine
SET milvus.hnsw_build_threads = 4;
SET milvus.ivf_build_threads = 4;
SHOW milvus.hnsw_build_threads;
-- -1 means max_parallel_maintenance_workers + 1, which any role may set:
-- the build is clamped to the cap (DEBUG1 says how many threads)
RESET milvus.hnsw_build_threads;
SET max_parallel_maintenance_workers = 63;
SET client_min_messages = debug1;
CREATE INDEX threads_hnsw ON threads_t USING hnsw (v vector_l2_ops);
RESET client_min_messages;
RESET max_parallel_maintenance_workers;
RESET ROLE;

-- a superuser may raise the cap, for itself or for a role
SET milvus.max_build_threads = 8;
SET milvus.hnsw_build_threads = 8;
SHOW milvus.hnsw_build_threads;
-- a cap lowered below a count already set: the build clamps, and says so
SET milvus.max_build_threads = 2;
SET client_min_messages = debug1;
REINDEX INDEX threads_hnsw;
RESET client_min_messages;
RESET milvus.hnsw_build_threads;
RESET milvus.max_build_threads;

DROP TABLE threads_t;
REVOKE CREATE ON SCHEMA public FROM regress_threads;
DROP ROLE regress_threads;
