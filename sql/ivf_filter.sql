-- ivfflat and ivf with filter columns: WHERE clauses on the scalar columns
-- of a multicolumn index are index conditions, tested on each list tuple
\set VERBOSITY terse
SET client_min_messages = warning;

-- the filter operator classes are valid
SELECT opc.opcname, am.amname, amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE am.amname IN ('ivfflat', 'ivf')
	AND opc.opcintype NOT IN ('vector'::regtype, 'halfvec'::regtype,
							  'bit'::regtype)
	ORDER BY 2, 1;

CREATE TABLE vf (id int, v vector(4), cat int, big int8, label text,
	flag bool, tags int[], at timestamptz, score float4);
INSERT INTO vf SELECT i,
	ARRAY[sin(i), cos(i * 1.3), sin(i * 0.37), cos(i * 0.11)]::vector,
	i % 50, (i % 13)::int8, 'l' || (i % 20), i % 3 = 0,
	ARRAY[i % 5, i % 11], timestamptz '2024-01-01 00:00+00' + i * interval '1 hour',
	(i % 101) / 100.0
	FROM generate_series(1, 3000) i;
UPDATE vf SET cat = NULL, label = NULL, tags = NULL WHERE id % 97 = 0;
ANALYZE vf;

-- The k nearest rows that pass cond through index idx (whose plan must
-- show cond as an index condition), and exactly: 'ok' when equal.
CREATE FUNCTION vf_check(idx text, cond text, k int DEFAULT 10) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	q text := format('SELECT array_agg(id) FROM (SELECT id FROM vf WHERE %s '
					 'ORDER BY v <-> %L, id LIMIT %s) s',
					 cond, '[0.3,0.5,0.1,0.2]', k);
	qi text := format('SELECT array_agg(id) FROM (SELECT id FROM vf WHERE %s '
					  'ORDER BY v <-> %L LIMIT %s) s',
					  cond, '[0.3,0.5,0.1,0.2]', k);
	plan text := '';
	r record;
	got int[];
	want int[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	PERFORM set_config('enable_bitmapscan', 'off', true);
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || qi LOOP
		plan := plan || r."QUERY PLAN" || ' ';
	END LOOP;
	EXECUTE qi INTO got;
	PERFORM set_config('enable_seqscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'off', true);
	EXECUTE q INTO want;
	PERFORM set_config('enable_bitmapscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'on', true);
	IF plan NOT LIKE '%Index Scan using ' || idx || '%Index Cond%' THEN
		RETURN 'plan: ' || plan;
	END IF;
	IF got IS DISTINCT FROM want THEN
		RETURN format('got %s, want %s', got, want);
	END IF;
	RETURN 'ok (' || coalesce(cardinality(got), 0) || ' rows)';
END $$;

CREATE TABLE vf_conds (cond text);
INSERT INTO vf_conds VALUES
	('cat < 10'), ('cat = 7'), ('cat >= 45'), ('cat <> 0'), ('cat = 5::int8'),
	('big = 5'), ('big > 10::int2'), ('label = ''l3'''), ('label < ''l12'''),
	('tags && ''{1,3}'''), ('tags @> ''{2,7}'''), ('tags <@ ''{0,1,2,3}'''),
	('at >= ''2024-02-01 00:00+00'''), ('score < 0.2::float8'),
	('cat < 20 AND label = ''l3'' AND big <> 1'), ('cat = 999');

-- every list probed (and every candidate re-ranked): exact
SET ivfflat.probes = 10;
SET ivf.probes = 10;
SET ivf.rerank = 100000;
CREATE INDEX vf_ivfflat ON vf USING ivfflat (v vector_l2_ops, cat, big, label,
	flag, tags, at, score) WITH (lists = 10);
SELECT cond, vf_check('vf_ivfflat', cond) FROM vf_conds;
DROP INDEX vf_ivfflat;
CREATE INDEX vf_sq8 ON vf USING ivf (v vector_l2_ops, cat, big, label,
	flag, tags, at, score) WITH (lists = 10, quantizer = 'sq8');
SELECT cond, vf_check('vf_sq8', cond) FROM vf_conds;
DROP INDEX vf_sq8;
CREATE INDEX vf_pq ON vf USING ivf (v vector_l2_ops, cat, big, label,
	flag, tags, at, score) WITH (lists = 10, quantizer = 'pq', pq_m = 2);
SELECT cond, vf_check('vf_pq', cond) FROM vf_conds;

-- a boolean parameter is an index condition
PREPARE vf_flag(bool) AS SELECT array_agg(id) FROM (SELECT id FROM vf
	WHERE flag = $1 AND cat = 3 ORDER BY v <-> '[0.3,0.5,0.1,0.2]' LIMIT 5) s;
SET plan_cache_mode = force_generic_plan;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) EXECUTE vf_flag(false);
EXECUTE vf_flag(false);
RESET enable_seqscan;
SELECT array_agg(id) FROM (SELECT id FROM vf WHERE NOT flag AND cat = 3
	ORDER BY v <-> '[0.3,0.5,0.1,0.2]', id LIMIT 5) s;
-- a NULL run-time key matches nothing
PREPARE vf_cat(int) AS SELECT id FROM vf WHERE cat = $1
	ORDER BY v <-> '[0.3,0.5,0.1,0.2]' LIMIT 5;
SET enable_seqscan = off;
EXECUTE vf_cat(NULL);
RESET enable_seqscan;
RESET plan_cache_mode;
DEALLOCATE vf_flag;
DEALLOCATE vf_cat;

-- one probe with iterative scans: exactly k matching rows
RESET ivf.probes;
SET ivf.iterative_scan = relaxed_order;
SET enable_seqscan = off;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM vf WHERE cat = 7
	ORDER BY v <-> '[0.3,0.5,0.1,0.2]' LIMIT 30) s;
RESET enable_seqscan;
RESET ivf.iterative_scan;
SET ivf.probes = 10;

-- inserts, updates of the filter columns, deletes and VACUUM
INSERT INTO vf SELECT i,
	ARRAY[sin(i), cos(i * 1.3), sin(i * 0.37), cos(i * 0.11)]::vector,
	i % 50, (i % 13)::int8, 'l' || (i % 20), i % 3 = 0, ARRAY[i % 5, i % 11]
	FROM generate_series(3001, 3300) i;
UPDATE vf SET cat = cat + 1, label = 'u' || id, tags = '{42}'
	WHERE id % 10 = 0;
DELETE FROM vf WHERE id % 7 = 0;
SELECT cond, vf_check('vf_pq', cond) FROM (VALUES ('cat < 10'),
	('label = ''u30'''), ('tags && ''{42}''')) c(cond);
VACUUM vf;
SELECT cond, vf_check('vf_pq', cond) FROM (VALUES ('cat < 10'),
	('label = ''u30'''), ('tags && ''{42}''')) c(cond);
SELECT count(*) AS problems FROM milvus_index_check('vf_pq');
-- the check compares the stored values with the rows': an expression
-- that lies about being immutable makes them differ
CREATE FUNCTION vf_shift(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS
	$$ BEGIN RETURN $1 + current_setting('vf.shift')::int; END $$;
SET vf.shift = 0;
CREATE INDEX vf_shifted ON vf USING ivfflat (v vector_l2_ops, vf_shift(cat))
	WITH (lists = 4);
SELECT count(*) AS problems FROM milvus_index_check('vf_shifted');
SET vf.shift = 1;
SELECT problem, count(*) > 2000 AS many FROM milvus_index_check('vf_shifted')
	GROUP BY 1;
DROP INDEX vf_shifted;
DROP FUNCTION vf_shift;
RESET vf.shift;

-- errors
CREATE INDEX ON vf USING ivfflat (cat, v vector_l2_ops);
CREATE INDEX ON vf USING ivf (v vector_l2_ops, v vector_ip_ops);
CREATE TABLE vf_big (v vector(3), t text);
SELECT setseed(0.5);
INSERT INTO vf_big VALUES ('[1,2,3]', (SELECT string_agg(chr(33 +
	(random() * 90)::int), '') FROM generate_series(1, 8150)));
CREATE INDEX ON vf_big USING ivfflat (v vector_l2_ops, t) WITH (lists = 1);

RESET ivfflat.probes;
RESET ivf.probes;
RESET ivf.rerank;
DROP TABLE vf, vf_conds, vf_big;
DROP FUNCTION vf_check;
