-- The planner chooses ivfflat and ivf at 1,536 dimensions as at 384: the
-- values are TOASTed in the heap, so a sequential scan's cost counts few
-- pages, while the index holds them inline (issue 16, item 10)
SELECT setseed(0.5);
CREATE TABLE ivc (id int, v vector(1536));
INSERT INTO ivc SELECT i, ARRAY(SELECT random() FROM generate_series(1, 1536) WHERE i > 0)
	FROM generate_series(1, 2000) i;
CREATE INDEX ivc_idx ON ivc USING ivfflat (v vector_l2_ops) WITH (lists = 5);
ANALYZE ivc;
SELECT relname, relpages > 1000 AS many_pages FROM pg_class
	WHERE relname IN ('ivc', 'ivc_idx') ORDER BY relname;
EXPLAIN (COSTS OFF)
SELECT id FROM ivc ORDER BY v <-> (SELECT v FROM ivc WHERE id = 1) LIMIT 10;
EXPLAIN (COSTS OFF)
SELECT id FROM ivc WHERE v <-> (SELECT v FROM ivc WHERE id = 1) < 1
	ORDER BY v <-> (SELECT v FROM ivc WHERE id = 1) LIMIT 10;
SELECT id FROM ivc ORDER BY v <-> (SELECT v FROM ivc WHERE id = 1) LIMIT 1;
DROP INDEX ivc_idx;
CREATE INDEX ivc_idx ON ivc USING ivf (v vector_l2_ops) WITH (lists = 5);
EXPLAIN (COSTS OFF)
SELECT id FROM ivc ORDER BY v <-> (SELECT v FROM ivc WHERE id = 1) LIMIT 10;
-- every list probed: a sequential scan is cheaper
SET ivf.probes = 5;
EXPLAIN (COSTS OFF)
SELECT id FROM ivc ORDER BY v <-> (SELECT v FROM ivc WHERE id = 1) LIMIT 10;
RESET ivf.probes;
DROP TABLE ivc;
