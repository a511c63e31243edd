-- ivf training through the background worker: with milvus.gpu_enabled on,
-- L2 k-means is a worker job (on the CPU here, where there is no GPU);
-- other metrics train in the backend.
SELECT preloaded FROM milvus_worker_status;

CREATE TABLE ivfw (id int PRIMARY KEY, v vector(3));
INSERT INTO ivfw
	SELECT i, ARRAY[sin(i), cos(i * 1.7), (i % 13) * 0.1]::vector
	FROM generate_series(1, 2000) i;

SELECT finished AS before FROM milvus_worker_status \gset
SET milvus.gpu_enabled = on;
CREATE INDEX ivfw_l2 ON ivfw USING ivfflat (v vector_l2_ops) WITH (lists = 20);
SELECT finished - :before AS worker_jobs FROM milvus_worker_status;

-- cosine trains spherical k-means in the backend: no worker job
SELECT finished AS before FROM milvus_worker_status \gset
CREATE INDEX ivfw_cos ON ivfw USING ivf (v vector_cosine_ops) WITH (lists = 20);
SELECT finished - :before AS worker_jobs FROM milvus_worker_status;
RESET milvus.gpu_enabled;

SELECT count(*) AS problems FROM milvus_index_check('ivfw_l2');

-- the worker-trained index answers exactly when every list is probed
SET ivfflat.probes = 20;
SET enable_seqscan = off;
SELECT array_agg(id) AS idx FROM (
	SELECT id FROM ivfw ORDER BY v <-> '[0.3,-0.2,0.5]' LIMIT 10) s \gset
RESET enable_seqscan;
SET enable_indexscan = off;
SELECT array_agg(id) = :'idx'::int[] AS equals_exact FROM (
	SELECT id FROM ivfw ORDER BY v <-> '[0.3,-0.2,0.5]' LIMIT 10) s;
RESET enable_indexscan;
RESET ivfflat.probes;


-- the index's counters in milvus_stat_indexes: one build, one search of
-- ten rows (the index query above), then one insert
INSERT INTO ivfw VALUES (2001, '[0,0,0]');
SELECT index_type, build_seconds IS NOT NULL AS built, searches,
	tuples_returned, inserts
FROM milvus_stat_indexes WHERE indexname = 'ivfw_l2';
DROP TABLE ivfw;
