-- flat over vector: options and errors, exact order for every operator
-- class, inserts, VACUUM, filters, the planner's choice
\set VERBOSITY terse
SET client_min_messages = warning;

SELECT opc.opcname, amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE am.amname = 'flat' ORDER BY 1;

-- The index's order equals a sequential scan's, ORDER BY (distance, ctid),
-- as a whole or up to a limit; "ok" or what differs.  The index scan must
-- be the plan.
CREATE FUNCTION flat_same(tbl text, col text, op text, q text,
						  lim int DEFAULT NULL, filter text DEFAULT 'true')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	got int[]; want int[]; plan text := ''; line text; lim_clause text := '';
BEGIN
	IF lim IS NOT NULL THEN lim_clause := ' LIMIT ' || lim; END IF;
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_bitmapscan = off;
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %I WHERE %s ORDER BY %I %s %s%s',
		tbl, filter, col, op, q, lim_clause) LOOP
		plan := plan || line || ' ';
	END LOOP;
	IF plan NOT LIKE '%Index Scan using%' THEN RETURN 'no index scan: ' || plan; END IF;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE %s ORDER BY %I %s %s%s) s',
		tbl, filter, col, op, q, lim_clause) INTO got;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE %I IS NOT NULL AND %s ORDER BY %I %s %s, ctid%s) s',
		tbl, col, filter, col, op, q, lim_clause) INTO want;
	IF got IS NOT DISTINCT FROM want THEN RETURN 'ok'; END IF;
	RETURN format('%s rows, expected %s', coalesce(cardinality(got), 0), coalesce(cardinality(want), 0));
END $$;

-- errors
CREATE TABLE flat_err (id int, v vector(3), u vector, w vector(2001), s sparsevec(3));
CREATE INDEX ON flat_err USING flat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX ON flat_err USING flat (u vector_l2_ops);
CREATE INDEX ON flat_err USING flat (w vector_l2_ops);
CREATE INDEX ON flat_err USING flat (v vector_l2_ops, u vector_l2_ops);
CREATE INDEX ON flat_err USING flat (s);
CREATE INDEX ON flat_err USING flat (id);
CREATE INDEX flat_err_v ON flat_err USING flat (v);
INSERT INTO flat_err VALUES (1, '[1,2,3]');
SET enable_seqscan = off;
SELECT id FROM flat_err ORDER BY v <-> '[1,2]' LIMIT 1;
SELECT id FROM flat_err WHERE v <-> '[1,2,3]' < 1;
RESET enable_seqscan;
DROP TABLE flat_err;

-- data: small integers, so float32 sums are exact and ties are many
CREATE TABLE flat_t (id int PRIMARY KEY, v vector(4));
INSERT INTO flat_t SELECT i, ARRAY[i % 7, i % 11, (i * 3) % 13, i % 5]::vector
	FROM generate_series(1, 3000) i;
INSERT INTO flat_t VALUES (0, NULL), (3001, '[0,0,0,0]');
CREATE INDEX flat_t_l2 ON flat_t USING flat (v vector_l2_ops);
SELECT * FROM milvus_index_check('flat_t_l2');

-- every non-NULL row, in the sequential scan's order, with passes of
-- the default size, of one entry, and of three
SELECT flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''') AS full_default,
	flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''', 10) AS limit_10,
	flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''', 250) AS limit_250;
SET flat.batch_size = 1;
SELECT flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''', 40) AS batch_1;
SET flat.batch_size = 3;
SELECT flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''') AS batch_3_full;
RESET flat.batch_size;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM flat_t ORDER BY v <-> '[3,1,2,4]') s;
SELECT id, v <-> '[3,1,2,4]' AS d FROM flat_t ORDER BY v <-> '[3,1,2,4]' LIMIT 4;
-- ordering by a NULL constant is no ordering: the planner drops it
EXPLAIN (COSTS OFF) SELECT id FROM flat_t ORDER BY v <-> NULL;
RESET enable_seqscan;

-- the other operator classes; cosine against the zero vector row and query
CREATE INDEX flat_t_ip ON flat_t USING flat (v vector_ip_ops);
CREATE INDEX flat_t_cos ON flat_t USING flat (v vector_cosine_ops);
CREATE INDEX flat_t_l1 ON flat_t USING flat (v vector_l1_ops);
SELECT flat_same('flat_t', 'v', '<#>', '''[3,1,2,4]''') AS ip,
	flat_same('flat_t', 'v', '<=>', '''[3,1,2,4]''') AS cosine,
	flat_same('flat_t', 'v', '<+>', '''[3,1,2,4]''') AS l1,
	flat_same('flat_t', 'v', '<=>', '''[0,0,0,0]''', 5) AS cosine_zero_query;
SET enable_seqscan = off;
-- the zero vector's cosine distance is NaN, which sorts last
SELECT id, v, d FROM (SELECT id, v, v <=> '[3,1,2,4]' AS d, row_number() OVER () AS rn
	FROM (SELECT * FROM flat_t ORDER BY v <=> '[3,1,2,4]') o) s
	WHERE rn = 3001;
RESET enable_seqscan;
DROP INDEX flat_t_ip, flat_t_cos, flat_t_l1;

-- filtered queries return every matching row: the scan goes on past a pass
SET flat.batch_size = 5;
SELECT flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''', 50, 'id % 97 = 3') AS filtered_50,
	flat_same('flat_t', 'v', '<->', '''[3,1,2,4]''', NULL, 'id % 97 = 3') AS filtered_all;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM flat_t WHERE id % 97 = 3
	ORDER BY v <-> '[3,1,2,4]' LIMIT 50) s;
RESET enable_seqscan;
RESET flat.batch_size;

-- inserts after the build, deletes and VACUUM
INSERT INTO flat_t SELECT i, ARRAY[i % 3, i % 4, i % 5, i % 6]::vector
	FROM generate_series(3002, 4000) i;
SELECT flat_same('flat_t', 'v', '<->', '''[1,2,3,4]''') AS after_insert;
DELETE FROM flat_t WHERE id % 3 = 0;
SELECT flat_same('flat_t', 'v', '<->', '''[1,2,3,4]''', 30) AS after_delete;
VACUUM flat_t;
SELECT * FROM milvus_index_check('flat_t_l2');
SELECT flat_same('flat_t', 'v', '<->', '''[1,2,3,4]''') AS after_vacuum;
-- inserts reuse the room VACUUM made: the index does not grow
SELECT pg_relation_size('flat_t_l2') AS before \gset
INSERT INTO flat_t SELECT i, ARRAY[i % 2, 1, 1, 1]::vector FROM generate_series(4001, 4500) i;
SELECT pg_relation_size('flat_t_l2') = :before AS same_size;
SELECT flat_same('flat_t', 'v', '<->', '''[1,2,3,4]''') AS after_reuse;
SELECT * FROM milvus_index_check('flat_t_l2');
-- every row deleted
DELETE FROM flat_t;
VACUUM flat_t;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM flat_t ORDER BY v <-> '[1,2,3,4]') s;
RESET enable_seqscan;
SELECT * FROM milvus_index_check('flat_t_l2');

-- the planner: the index for ORDER BY ... LIMIT over a large enough table,
-- not without ORDER BY, and not where a selective btree condition is cheaper
INSERT INTO flat_t SELECT i, ARRAY[i % 7, i % 11, (i * 3) % 13, i % 5]::vector
	FROM generate_series(1, 20000) i;
ANALYZE flat_t;
EXPLAIN (COSTS OFF) SELECT id FROM flat_t ORDER BY v <-> '[3,1,2,4]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM flat_t WHERE id BETWEEN 100 AND 120
	ORDER BY v <-> '[3,1,2,4]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT count(*) FROM flat_t;

-- TRUNCATE, REINDEX, an empty table, an unlogged table
TRUNCATE flat_t;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM flat_t ORDER BY v <-> '[3,1,2,4]') s;
INSERT INTO flat_t VALUES (1, '[1,1,1,1]'), (2, '[2,2,2,2]');
SELECT id FROM flat_t ORDER BY v <-> '[2,2,2,2]';
REINDEX INDEX flat_t_l2;
SELECT id FROM flat_t ORDER BY v <-> '[2,2,2,2]';
RESET enable_seqscan;
SELECT * FROM milvus_index_check('flat_t_l2');
-- CREATE INDEX CONCURRENTLY validates through ambulkdelete's callback
INSERT INTO flat_t SELECT i, ARRAY[i % 7, i % 11, (i * 3) % 13, i % 5]::vector
	FROM generate_series(3, 500) i;
CREATE INDEX CONCURRENTLY flat_t_cic ON flat_t USING flat (v vector_l1_ops);
REINDEX INDEX CONCURRENTLY flat_t_l2;
SELECT indexrelid::regclass, indisvalid FROM pg_index
	WHERE indrelid = 'flat_t'::regclass ORDER BY indexrelid::regclass::text COLLATE "C";
SELECT * FROM milvus_index_check('flat_t_cic');
SELECT flat_same('flat_t', 'v', '<+>', '''[3,1,2,4]''') AS concurrently_built;
CREATE UNLOGGED TABLE flat_u (id int, v vector(2));
CREATE INDEX ON flat_u USING flat (v vector_l2_ops);
INSERT INTO flat_u SELECT i, ARRAY[i, -i]::vector FROM generate_series(1, 100) i;
SELECT flat_same('flat_u', 'v', '<->', '''[5,-5]''') AS unlogged;
DROP TABLE flat_t, flat_u;

-- wide vectors live in TOAST: the table has few pages, the index one value
-- a page, and the index is still chosen for ORDER BY ... LIMIT
CREATE TABLE flat_w (id int, v vector(1536));
INSERT INTO flat_w SELECT i, array_fill((i % 100)::real, ARRAY[1536]) FROM generate_series(1, 3000) i;
CREATE INDEX flat_w_v ON flat_w USING flat (v vector_l2_ops);
ANALYZE flat_w;
SELECT relpages < 100 AS table_small, (SELECT relpages FROM pg_class WHERE relname = 'flat_w_v') > 3000 AS index_large
	FROM pg_class WHERE relname = 'flat_w';
CREATE FUNCTION flat_plan(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		plan := plan || regexp_replace(line, '''\[[^'']*\]''', '''[...]''') || E'\n';
	END LOOP;
	RETURN plan;
END $$;
SELECT flat_plan('SELECT id FROM flat_w ORDER BY v <-> array_fill(3::real, ARRAY[1536])::vector LIMIT 10');
SELECT flat_same('flat_w', 'v', '<->', 'array_fill(3.5::real, ARRAY[1536])::vector', 10) AS wide;
DROP TABLE flat_w;
DROP FUNCTION flat_plan, flat_same;
