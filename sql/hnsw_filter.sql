-- hnsw with filter columns: WHERE clauses on the scalar columns of a
-- multicolumn index are index conditions, evaluated during the search
\set VERBOSITY terse
SET client_min_messages = warning;

-- the filter operator classes are valid
SELECT opc.opcname, opf.opfname, amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	JOIN pg_opfamily opf ON opf.oid = opc.opcfamily
	WHERE am.amname = 'hnsw'
	AND opc.opcintype NOT IN ('vector'::regtype, 'halfvec'::regtype,
							  'sparsevec'::regtype, 'bit'::regtype)
	ORDER BY 1;

CREATE TABLE hf (id int, v vector(3), cat int, small int2, big int8,
	label text, flag bool, tags int[], tags8 int8[], score float8,
	day date, at timestamptz, amount numeric, uid uuid);
INSERT INTO hf SELECT i,
	ARRAY[sin(i), cos(i * 1.3), sin(i * 0.37)]::vector,
	i % 50, (i % 7)::int2, (i % 13)::int8, 'l' || (i % 20), i % 3 = 0,
	ARRAY[i % 5, i % 11], ARRAY[i % 4]::int8[], (i % 101) / 100.0,
	date '2024-01-01' + i % 90, timestamptz '2024-01-01 00:00+00' + i * interval '1 hour',
	(i % 37) * 0.5, md5(i::text)::uuid
	FROM generate_series(1, 2000) i;
-- NULL filter values are indexed, and match no strict operator
UPDATE hf SET cat = NULL, label = NULL, tags = NULL WHERE id % 97 = 0;
-- a NULL vector is not indexed
INSERT INTO hf VALUES (0, NULL, 1, 1, 1, 'l1', true, '{1}', '{1}');
CREATE INDEX hf_idx ON hf USING hnsw
	(v vector_l2_ops, cat, small, big, label, flag, tags, tags8, score, day,
	 at, amount, uid)
	WITH (m = 8, ef_construction = 40);
ANALYZE hf;

-- The k nearest rows that pass cond, through the index (whose plan must
-- show cond as an index condition) and exactly (a sequential scan and a
-- sort): 'ok' when equal, else both.
CREATE FUNCTION hf_check(cond text, k int DEFAULT 10) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	q text := format('SELECT array_agg(id) FROM (SELECT id FROM hf WHERE %s '
					 'ORDER BY v <-> %L, id LIMIT %s) s',
					 cond, '[0.3,0.5,0.1]', k);
	qi text := format('SELECT array_agg(id) FROM (SELECT id FROM hf WHERE %s '
					  'ORDER BY v <-> %L LIMIT %s) s',
					  cond, '[0.3,0.5,0.1]', k);
	plan text := '';
	r record;
	got int[];
	want int[];
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true);
	PERFORM set_config('enable_bitmapscan', 'off', true);
	PERFORM set_config('enable_indexscan', 'on', true);
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || qi LOOP
		plan := plan || r."QUERY PLAN" || ' ';
	END LOOP;
	EXECUTE qi INTO got;
	PERFORM set_config('enable_seqscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'off', true);
	EXECUTE q INTO want;
	PERFORM set_config('enable_bitmapscan', 'on', true);
	PERFORM set_config('enable_indexscan', 'on', true);
	IF plan NOT LIKE '%Index Scan using hf_idx%Index Cond%' THEN
		RETURN 'plan: ' || plan;
	END IF;
	IF got IS DISTINCT FROM want THEN
		RETURN format('got %s, want %s', got, want);
	END IF;
	RETURN 'ok (' || coalesce(cardinality(got), 0) || ' rows)';
END $$;

CREATE TABLE hf_conds (cond text);
INSERT INTO hf_conds VALUES
	('cat < 10'), ('cat <= 3'), ('cat = 7'), ('cat >= 45'), ('cat > 48'),
	('cat <> 0'), ('cat = 5::int8'), ('cat < 2::int2'),
	('small = 3'), ('small < 2::int2'),
	('big = 5'), ('big > 10::int8'), ('big <= 1::int2'),
	('label = ''l3'''), ('label < ''l12'''), ('label >= ''l8'''),
	('label <> ''l1'''),
	('tags && ''{1,3}'''), ('tags @> ''{2,7}'''), ('tags <@ ''{0,1,2,3}'''),
	('tags = ''{4,4}'''), ('tags8 && ''{1}''::int8[]'),
	('score < 0.3'), ('score >= 0.9::float4'), ('day > ''2024-03-01'''),
	('at < ''2024-01-20 00:00+00'''), ('amount <= 10.5'),
	('uid = md5(''5'')::uuid'),
	('cat < 20 AND flag = true AND label = ''l3'''),
	('cat = 999');

-- the graph search alone, at a high ef_search: exact
SET hnsw.ef_search = 1000;
SET milvus.hnsw_filter_exact_fraction = 0;
SELECT cond, hf_check(cond) FROM hf_conds;
-- with iterative scans, failing elements count in the search's result set
-- and the scan resumes: exact too
SET hnsw.iterative_scan = strict_order;
SELECT cond, hf_check(cond) FROM hf_conds;
RESET hnsw.iterative_scan;
-- PostgreSQL turns flag = true into flag, which only btree matches, and
-- on PostgreSQL 15 an index path with = ANY (array) on a column after the
-- first is not ordered: these stay filters
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hf WHERE flag = true AND cat IN (4, 5)
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 5;
RESET enable_seqscan;
-- a boolean parameter is an index condition
PREPARE hf_flag(bool) AS SELECT array_agg(id) FROM (SELECT id FROM hf
	WHERE flag = $1 AND cat = 3 ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 10) s;
SET plan_cache_mode = force_generic_plan;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) EXECUTE hf_flag(false);
EXECUTE hf_flag(false);
RESET enable_seqscan;
SELECT array_agg(id) FROM (SELECT id FROM hf WHERE NOT flag AND cat = 3
	ORDER BY v <-> '[0.3,0.5,0.1]', id LIMIT 10) s;
RESET plan_cache_mode;
DEALLOCATE hf_flag;
-- the exact pass: few matches in the first 1000 reads (ef_search 10, about
-- 6 matching rows in 2000) and a low fraction make the scan switch to it
SET hnsw.ef_search = 10;
SET milvus.hnsw_filter_exact_fraction = 0.01;
SET client_min_messages = debug1;
SELECT cond, hf_check(cond) FROM (VALUES ('cat = 7 AND small = 3'),
	('big = 5 AND cat < 3'), ('label = ''l3'' AND small = 3'),
	('tags @> ''{2,7}'' AND big = 1'),
	('tags8 && ''{1}''::int8[] AND cat = 9 AND small > 3'),
	('label > ''l1'' AND cat = 9 AND big < 4')) c(cond);
SET client_min_messages = warning;
RESET milvus.hnsw_filter_exact_fraction;

-- a clause the index cannot evaluate stays a filter above the scan (on
-- this small table a sequential scan and sort is cheaper: the plan shape
-- is what is shown here)
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hf WHERE cat < 10 AND id > 5
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM hf WHERE cat IS NULL
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 5;
-- a prepared statement with a generic plan: a run-time index condition
SET plan_cache_mode = force_generic_plan;
PREPARE hf_q(int) AS SELECT id FROM hf WHERE cat < $1
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 10;
EXPLAIN (COSTS OFF) EXECUTE hf_q(2);
-- a NULL run-time key matches nothing
EXECUTE hf_q(NULL);
CREATE TEMP TABLE hf_got AS EXECUTE hf_q(2);
SELECT array_agg(id ORDER BY id) = (SELECT array_agg(id ORDER BY id) FROM
	(SELECT id FROM hf WHERE cat < 2 ORDER BY v <-> '[0.3,0.5,0.1]', id
	 LIMIT 10) s) AS same FROM hf_got;
DROP TABLE hf_got;
RESET enable_seqscan;
DEALLOCATE hf_q;
RESET plan_cache_mode;

-- iterative scans keep finding matches: exactly k rows, no duplicates
SET milvus.hnsw_filter_exact_fraction = 0;
SET hnsw.ef_search = 10;
SET enable_seqscan = off;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM hf WHERE cat = 3
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 30) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM hf WHERE cat = 3
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 30) s;
-- and with the exact pass after part of the rows came from the graph
SET milvus.hnsw_filter_exact_fraction = 0.5;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM hf WHERE cat < 5
	ORDER BY v <-> '[0.3,0.5,0.1]' LIMIT 200) s;
SELECT count(*) FROM hf WHERE cat < 5 AND v IS NOT NULL;
RESET hnsw.iterative_scan;
RESET enable_seqscan;
RESET milvus.hnsw_filter_exact_fraction;

-- inserts, updates of the filter columns, deletes and VACUUM
INSERT INTO hf SELECT i,
	ARRAY[sin(i), cos(i * 1.3), sin(i * 0.37)]::vector,
	i % 50, (i % 7)::int2, (i % 13)::int8, 'l' || (i % 20), i % 3 = 0,
	ARRAY[i % 5, i % 11], ARRAY[i % 4]::int8[]
	FROM generate_series(2001, 2300) i;
-- identical vectors with different filter values are distinct elements
INSERT INTO hf SELECT 3000 + i, '[0.3,0.5,0.1]', i, 1, 1, 'dup', i = 2,
	'{1}', '{1}' FROM generate_series(1, 3) i;
UPDATE hf SET cat = cat + 1, label = 'u' || id, tags = '{42}'
	WHERE id % 10 = 0;
DELETE FROM hf WHERE id % 7 = 0;
SET hnsw.ef_search = 1000;
SET milvus.hnsw_filter_exact_fraction = 0;
SELECT cond, hf_check(cond) FROM (VALUES ('cat < 10'), ('cat = 3'),
	('label = ''u30'''), ('label = ''dup'''), ('tags && ''{42}'''),
	('cat = 2 AND label = ''dup''')) c(cond);
VACUUM hf;
SELECT cond, hf_check(cond) FROM (VALUES ('cat < 10'), ('cat = 3'),
	('label = ''u30'''), ('label = ''dup'''), ('tags && ''{42}'''),
	('flag = true AND small = 2')) c(cond);
SELECT count(*) AS problems FROM milvus_index_check('hf_idx');
-- a REINDEX builds the same
REINDEX INDEX hf_idx;
SELECT cond, hf_check(cond) FROM (VALUES ('cat < 10'), ('label = ''dup''')) c(cond);
SELECT count(*) AS problems FROM milvus_index_check('hf_idx');

-- the on-disk build (a type hnswlib does not build) stores them too
CREATE TABLE hf_half (id int, h halfvec(2), cat int);
INSERT INTO hf_half SELECT i, ARRAY[i % 17, i % 5]::halfvec, i % 4
	FROM generate_series(1, 200) i;
CREATE INDEX ON hf_half USING hnsw (h halfvec_l2_ops, cat);
SET enable_seqscan = off;
SELECT array_agg(id) FROM (SELECT id FROM hf_half WHERE cat = 1
	ORDER BY h <-> '[3,3]' LIMIT 5) s;
RESET enable_seqscan;
SELECT array_agg(id) FROM (SELECT id FROM hf_half WHERE cat = 1
	ORDER BY h <-> '[3,3]', id LIMIT 5) s;
SELECT count(*) AS problems FROM milvus_index_check('hf_half_h_cat_idx');
-- the check compares the stored values with the rows': an expression
-- that lies about being immutable makes them differ
CREATE FUNCTION hf_shift(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS
	$$ BEGIN RETURN $1 + current_setting('hf.shift')::int; END $$;
SET hf.shift = 0;
CREATE INDEX hf_half_shift ON hf_half USING hnsw (h halfvec_l2_ops,
	hf_shift(cat));
SELECT count(*) AS problems FROM milvus_index_check('hf_half_shift');
SET hf.shift = 1;
SELECT problem, count(*) FROM milvus_index_check('hf_half_shift')
	GROUP BY 1;
DROP INDEX hf_half_shift;
DROP FUNCTION hf_shift;
RESET hf.shift;
RESET hnsw.ef_search;
RESET milvus.hnsw_filter_exact_fraction;

-- the DSL's term and range clauses become index conditions
CREATE TABLE hf_dsl (id integer PRIMARY KEY, "A" integer, "B" integer,
	embedding vector(3));
INSERT INTO hf_dsl SELECT i, i % 10, i, ARRAY[i % 13, i % 7, 1]
	FROM generate_series(1, 300) i;
CREATE INDEX ON hf_dsl USING hnsw (embedding vector_l2_ops, "A", "B");
ANALYZE hf_dsl;
SET enable_seqscan = off;
SELECT milvus_search_explain('hf_dsl', '{"bool": {"must": [
	{"term": {"A": [1, 2, 5]}},
	{"range": {"B": {"GT": 1, "LT": 100}}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1]],
		"metric_type": "L2", "params": {"ef": 64}}}}]}}');
SELECT id, round(distance::numeric, 4) AS distance
FROM milvus_search('hf_dsl', '{"bool": {"must": [
	{"term": {"A": [1, 2, 5]}},
	{"range": {"B": {"GT": 1, "LT": 100}}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1]],
		"metric_type": "L2"}}}]}}');
RESET enable_seqscan;
SELECT id, round((embedding <-> '[10,2,1]')::numeric, 4) AS distance
FROM hf_dsl WHERE "A" IN (1, 2, 5) AND "B" > 1 AND "B" < 100
ORDER BY 2, id LIMIT 3;
-- a term with one value is A = $n: an index condition too
SET enable_seqscan = off;
SELECT milvus_search_explain('hf_dsl', '{"bool": {"must": [
	{"term": {"A": [2]}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1]],
		"metric_type": "L2", "params": {"ef": 64}}}}]}}');
SELECT id, round(distance::numeric, 4) AS distance
FROM milvus_search('hf_dsl', '{"bool": {"must": [
	{"term": {"A": [2]}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1]],
		"metric_type": "L2"}}}]}}');
RESET enable_seqscan;
SELECT id, round((embedding <-> '[10,2,1]')::numeric, 4) AS distance
FROM hf_dsl WHERE "A" = 2 ORDER BY 2, id LIMIT 3;

-- errors
CREATE INDEX ON hf USING hnsw (cat, v vector_l2_ops);
CREATE INDEX ON hf USING hnsw (v vector_l2_ops, v vector_cosine_ops);
CREATE INDEX ON hf USING hnsw (v vector_l2_ops, cat, v vector_ip_ops);
ALTER TABLE hf ADD COLUMN f jsonb;
CREATE INDEX ON hf USING hnsw (v vector_l2_ops, f);
CREATE INDEX ON hf USING hnsw (v vector_l2_ops) INCLUDE (cat);
CREATE TABLE hf_big (v vector(3), t text);
INSERT INTO hf_big VALUES ('[1,2,3]', (SELECT string_agg(md5(i::text), '')
	FROM generate_series(1, 400) i));
CREATE INDEX ON hf_big USING hnsw (v vector_l2_ops, t);

DROP TABLE hf, hf_conds, hf_half, hf_dsl, hf_big;
DROP FUNCTION hf_check;
