-- ivf with each quantizer: flat, sq8 and pq equal a sequential scan when
-- every list is probed and the re-rank covers the candidates; sizes
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT setseed(0.75);

CREATE FUNCTION ivf_same(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	a float8[];
	b float8[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	PERFORM set_config('enable_indexscan', 'on', true);
	EXECUTE 'SELECT array_agg(d) FROM (' || q || ') s' INTO a;
	PERFORM set_config('enable_seqscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'off', true);
	EXECUTE 'SELECT array_agg(d) FROM (' || q || ') s' INTO b;
	PERFORM set_config('enable_indexscan', 'on', true);
	IF a IS DISTINCT FROM b THEN
		RAISE NOTICE 'index % seqscan %', a, b;
	END IF;
	RETURN a IS NOT DISTINCT FROM b AND a IS NOT NULL;
END $$;

CREATE TABLE ivx (id int, v vector(16), h halfvec(16));
INSERT INTO ivx SELECT i, a::vector(16), a::halfvec(16) FROM (
	SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 16)) AS a
	FROM generate_series(1, 3000) i) s;
CREATE TABLE ivxq (v vector(16), h halfvec(16));
INSERT INTO ivxq SELECT a::vector(16), a::halfvec(16) FROM (
	SELECT ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 16)) AS a
	FROM generate_series(1, 5) i) s;
SET ivf.probes = 8;
SET ivf.rerank = 3000;

-- every quantizer and operator class: exact results with full probes and re-rank
CREATE FUNCTION ivf_all_same(qz text) RETURNS TABLE (opclass text, same boolean)
LANGUAGE plpgsql AS $$
DECLARE
	oc record;
BEGIN
	FOR oc IN SELECT * FROM (VALUES ('v', 'vector_l2_ops', '<->'),
		('v', 'vector_ip_ops', '<#>'), ('v', 'vector_cosine_ops', '<=>'),
		('h', 'halfvec_l2_ops', '<->'), ('h', 'halfvec_ip_ops', '<#>'),
		('h', 'halfvec_cosine_ops', '<=>')) x(col, name, op)
	LOOP
		EXECUTE format('CREATE INDEX ivx_idx ON ivx USING ivf (%s %s) WITH (lists = 8, quantizer = %L, pq_m = 8)',
					   oc.col, oc.name, qz);
		opclass := oc.name;
		SELECT bool_and(ivf_same(format('SELECT %s %s %L AS d FROM ivx ORDER BY %s %s %L LIMIT 20',
										oc.col, oc.op, CASE oc.col WHEN 'v' THEN q.v::text ELSE q.h::text END,
										oc.col, oc.op, CASE oc.col WHEN 'v' THEN q.v::text ELSE q.h::text END)))
			INTO same FROM ivxq q;
		IF EXISTS (SELECT FROM milvus_index_check('ivx_idx')) THEN
			same := false;
		END IF;
		RETURN NEXT;
		DROP INDEX ivx_idx;
	END LOOP;
END $$;
SELECT * FROM ivf_all_same('flat');
SELECT * FROM ivf_all_same('sq8');
SELECT * FROM ivf_all_same('pq');

-- the plan
CREATE INDEX ivx_sq8 ON ivx USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'sq8');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ivx ORDER BY v <-> (SELECT v FROM ivxq LIMIT 1) LIMIT 5;
RESET enable_seqscan;

-- without re-rank: every row still comes back, in approximate order
SET ivf.rerank = 0;
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM ivx ORDER BY v <-> (SELECT v FROM ivxq LIMIT 1)) s;
-- a re-rank of 10: the first 10 rows come back in true distance order
SET ivf.rerank = 10;
SELECT bool_and(d1 <= d2) AS ordered FROM (
	SELECT d AS d1, lead(d) OVER (ORDER BY n) AS d2 FROM (
		SELECT row_number() OVER () AS n, v <-> (SELECT v FROM ivxq LIMIT 1) AS d
		FROM ivx ORDER BY v <-> (SELECT v FROM ivxq LIMIT 1) LIMIT 10) s) t
	WHERE d2 IS NOT NULL;
RESET enable_seqscan;

-- inserts, deletes and VACUUM with codes
INSERT INTO ivx SELECT i, a::vector(16), a::halfvec(16) FROM (
	SELECT i, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 16)) AS a
	FROM generate_series(3001, 4000) i) s;
-- a row far outside the trained ranges still gets found
INSERT INTO ivx VALUES (9999, array_fill(5, ARRAY[16])::vector(16), NULL);
SET ivf.rerank = 100;
SELECT id FROM ivx ORDER BY v <-> array_fill(4.5, ARRAY[16])::vector(16) LIMIT 1;
DELETE FROM ivx WHERE id % 4 = 0;
VACUUM ivx;
SELECT * FROM milvus_index_check('ivx_sq8');
SET ivf.rerank = 4000;
SELECT bool_and(ivf_same(format('SELECT v <-> %L AS d FROM ivx ORDER BY v <-> %L LIMIT 20', v, v)))
	FROM ivxq;
-- deleted rows are not returned (the re-rank reads the heap)
SET enable_seqscan = off;
SELECT count(*) FILTER (WHERE id % 4 = 0) AS deleted, count(*) > 2900 AS most FROM
	(SELECT id FROM ivx ORDER BY v <-> (SELECT v FROM ivxq LIMIT 1)) s;
RESET enable_seqscan;

-- sizes: codes take a fraction of the exact values (at 16 dimensions the
-- 12 bytes of item pointer and heap TID per entry and the partly filled
-- last page of each list weigh much)
REINDEX INDEX ivx_sq8;
CREATE INDEX ivx_flat ON ivx USING ivf (v vector_l2_ops) WITH (lists = 8);
CREATE INDEX ivx_pq ON ivx USING ivf (v vector_l2_ops) WITH (lists = 8, quantizer = 'pq', pq_m = 4);
SELECT pg_relation_size('ivx_sq8') < 0.6 * pg_relation_size('ivx_flat') AS sq8_smaller,
	pg_relation_size('ivx_pq') < 0.8 * pg_relation_size('ivx_sq8') AS pq_smaller;

DROP TABLE ivx, ivxq;
DROP FUNCTION ivf_same, ivf_all_same;
