-- milvus_stat_indexes counts the searches, returned rows and inserts of
-- each index (the regression cluster preloads milvus, so counters are kept)
SET enable_seqscan = off;
SET enable_bitmapscan = off;
CREATE TABLE stat_h (id int, v vector(3));
CREATE TABLE stat_f (id int, v vector(3));
INSERT INTO stat_h SELECT i, ARRAY[i, i % 7, i % 5]::vector FROM generate_series(1, 50) i;
INSERT INTO stat_f SELECT * FROM stat_h;
CREATE INDEX stat_h_idx ON stat_h USING hnsw (v vector_l2_ops) WITH (m = 8);
CREATE INDEX stat_f_idx ON stat_f USING flat (v vector_l2_ops);

-- a fresh build: no search yet, a build time, no vacuum
SELECT indexname, tablename, index_type, parameters, tuples, searches,
	tuples_returned, inserts, last_vacuum, build_seconds > 0 AS built,
	size_bytes = pg_relation_size(indexrelid) AS size_ok
FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%' ORDER BY indexname;

-- 5 searches of 3 rows on each index
SELECT count(*) FROM (SELECT id FROM stat_h ORDER BY v <-> '[1, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_h ORDER BY v <-> '[2, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_h ORDER BY v <-> '[3, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_h ORDER BY v <-> '[4, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_h ORDER BY v <-> '[5, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_f ORDER BY v <-> '[1, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_f ORDER BY v <-> '[2, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_f ORDER BY v <-> '[3, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_f ORDER BY v <-> '[4, 1, 1]' LIMIT 3) s;
SELECT count(*) FROM (SELECT id FROM stat_f ORDER BY v <-> '[5, 1, 1]' LIMIT 3) s;

-- a nested loop: one search (a rescan) per outer row, 4 of 2 rows each
EXPLAIN (COSTS OFF)
SELECT q.n, s.id FROM (VALUES (1, '[1,2,3]'::vector), (2, '[4,5,6]'),
	(3, '[7,8,9]'), (4, '[1,0,0]')) q(n, v)
	CROSS JOIN LATERAL (SELECT id FROM stat_h ORDER BY stat_h.v <-> q.v LIMIT 2) s;
SELECT count(*) FROM (VALUES (1, '[1,2,3]'::vector), (2, '[4,5,6]'),
	(3, '[7,8,9]'), (4, '[1,0,0]')) q(n, v)
	CROSS JOIN LATERAL (SELECT id FROM stat_h ORDER BY stat_h.v <-> q.v LIMIT 2) s;

-- 7 inserts, and a NULL that no index stores (not counted)
INSERT INTO stat_h SELECT i, ARRAY[i, 0, 0]::vector FROM generate_series(101, 107) i;
INSERT INTO stat_f SELECT i, ARRAY[i, 0, 0]::vector FROM generate_series(101, 107) i;
INSERT INTO stat_h VALUES (200, NULL);
INSERT INTO stat_f VALUES (200, NULL);

SELECT indexname, searches, tuples_returned, inserts,
	search_seconds > 0 AS timed
FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%' ORDER BY indexname;

-- the Prometheus text has the same counts
SELECT milvus_metrics() LIKE format(
	'%%milvus_search_requests_total{database="%s",schema="public",table="stat_h",index="stat_h_idx",index_type="hnsw"} 9%s%%',
	current_database(), E'\n') AS hnsw_searches,
	milvus_metrics() LIKE format(
	'%%milvus_insert_requests_total{database="%s",schema="public",table="stat_f",index="stat_f_idx",index_type="flat"} 7%s%%',
	current_database(), E'\n') AS flat_inserts,
	milvus_metrics() LIKE format(
	'%%milvus_search_duration_seconds_count{database="%s",schema="public",table="stat_h",index="stat_h_idx",index_type="hnsw"} 9%s%%',
	current_database(), E'\n') AS hnsw_histogram,
	milvus_metrics() LIKE format(
	'%%milvus_index_rows{database="%s",schema="public",table="stat_h",index="stat_h_idx",index_type="hnsw"} 57%s%%',
	current_database(), E'\n') AS hnsw_rows;

-- vacuum records its time and the live rows
DELETE FROM stat_h WHERE id > 100;
VACUUM stat_h;
SELECT indexname, last_vacuum IS NOT NULL AS vacuumed, tuples
FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%' ORDER BY indexname;
SELECT milvus_metrics() LIKE format(
	'%%milvus_index_rows{database="%s",schema="public",table="stat_h",index="stat_h_idx",index_type="hnsw"} 50%s%%',
	current_database(), E'\n') AS rows_after_vacuum;

-- reset one index, then all
SELECT milvus_stat_reset('stat_h_idx');
SELECT indexname, searches, tuples_returned, inserts
FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%' ORDER BY indexname;
SELECT milvus_stat_reset();
SELECT indexname, searches, tuples_returned, inserts, search_seconds,
	last_vacuum IS NOT NULL AS vacuumed, build_seconds > 0 AS built
FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%' ORDER BY indexname;

-- everyone reads the view; reset and the endpoint's text are not public
CREATE ROLE regress_stat_user;
SET ROLE regress_stat_user;
SELECT count(*) FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%';
SELECT milvus_stat_reset();
SELECT milvus_metrics() IS NOT NULL;
RESET ROLE;
DROP ROLE regress_stat_user;

-- a dropped index's counters go with it
SELECT 'stat_f_idx'::regclass::oid AS dropped_oid \gset
DROP INDEX stat_f_idx;
SELECT count(*) FROM milvus_stat_index_counters() WHERE indexrelid = :dropped_oid;

-- the view lists only this extension's access methods
CREATE INDEX stat_h_btree ON stat_h (id);
SELECT indexname FROM milvus_stat_indexes WHERE tablename LIKE 'stat\_%' ORDER BY indexname;

DROP TABLE stat_h, stat_f;
RESET enable_seqscan;
RESET enable_bitmapscan;
