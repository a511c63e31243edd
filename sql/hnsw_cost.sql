-- The planner's choice with vectors stored in TOAST (over about 2 kB).
-- A sequential scan's cost counts the heap pages only, not the TOAST pages
-- it reads to compute every row's distance; the index is costed like for
-- like, so ORDER BY ... LIMIT uses it, while a selective btree filter plus
-- an exact sort is still cheaper.
SET hnsw.ef_search = 40;
CREATE TABLE hnsw_toast (id int PRIMARY KEY, v vector(600));
INSERT INTO hnsw_toast
SELECT i, (SELECT array_agg(sin(i * 7.1 + j * 0.37)) FROM generate_series(1, 600) j)::vector(600)
FROM generate_series(1, 2000) i;
CREATE INDEX hnsw_toast_v ON hnsw_toast USING hnsw (v vector_l2_ops);
VACUUM ANALYZE hnsw_toast;
-- the vectors are in TOAST: the heap is a few pages, the TOAST table large
SELECT pg_relation_size('hnsw_toast') < 40 * 8192 AS small_heap,
       pg_relation_size(reltoastrelid) > 200 * 8192 AS large_toast
FROM pg_class WHERE relname = 'hnsw_toast';
-- the index for the nearest rows
EXPLAIN (COSTS OFF)
SELECT id FROM hnsw_toast ORDER BY v <-> (SELECT v FROM hnsw_toast WHERE id = 1) LIMIT 10;
-- the btree and an exact sort when a filter keeps 0.1% of the rows
EXPLAIN (COSTS OFF)
SELECT id FROM hnsw_toast WHERE id < 3
ORDER BY v <-> (SELECT v FROM hnsw_toast WHERE id = 1) LIMIT 10;
-- both answer the same as an exact search
SET enable_indexscan = off;
CREATE TEMP TABLE hnsw_toast_exact AS
SELECT id FROM hnsw_toast ORDER BY v <-> (SELECT v FROM hnsw_toast WHERE id = 1) LIMIT 10;
RESET enable_indexscan;
SET hnsw.ef_search = 200;
SELECT count(*) AS same FROM (
  SELECT id FROM hnsw_toast ORDER BY v <-> (SELECT v FROM hnsw_toast WHERE id = 1) LIMIT 10
) s JOIN hnsw_toast_exact USING (id);
DROP TABLE hnsw_toast;
RESET hnsw.ef_search;
