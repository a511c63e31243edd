-- ---------------------------------------------------------------------------
-- the background worker: batch search, k-means, status
-- ---------------------------------------------------------------------------

-- the k nearest rows of each query, exactly, computed by the background
-- worker (on the GPU where there is one); rows are read with the caller's
-- privileges
CREATE FUNCTION milvus_batch_search(tbl regclass, col name, queries vector[],
		k int, metric text DEFAULT 'l2')
	RETURNS TABLE (query_no int, id tid, distance float8)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- k centroids of a column by Lloyd's k-means, trained by the worker
CREATE FUNCTION milvus_kmeans(tbl regclass, col name, k int,
		iterations int DEFAULT 10)
	RETURNS SETOF vector
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

-- one row about the worker (a set, as the pg_stat_get_* functions)
CREATE FUNCTION milvus_worker_status(OUT device text, OUT device_memory bigint,
		OUT threads int, OUT queued bigint, OUT running bigint,
		OUT finished bigint, OUT failed bigint, OUT cancelled bigint,
		OUT job_memory bigint, OUT worker_pid int, OUT restarts bigint,
		OUT preloaded bool, OUT gpu_jobs bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;

CREATE VIEW milvus_worker_status AS
	SELECT * FROM @extschema@.milvus_worker_status();
GRANT SELECT ON milvus_worker_status TO PUBLIC;
