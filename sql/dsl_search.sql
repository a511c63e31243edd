-- milvus_search: each clause kind, several queries, metrics, fields,
-- params, the generated SQL and its plan, privileges, injection attempts
SET client_min_messages = warning;

CREATE TABLE dsl_items (id integer PRIMARY KEY, "A" integer, "B" real,
	title text, flag boolean, embedding vector(3));
INSERT INTO dsl_items
SELECT i, i % 10, i * 1.5, 'item ' || i, i % 2 = 0,
	ARRAY[i, (i * 7) % 11, (i * 3) % 5]::real[]::vector
FROM generate_series(1, 100) i;

-- Without an index first: exact results, so every filter shows plainly.

-- only a vector clause
SELECT query_no, id, round(distance::numeric, 4) AS distance, fields
FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1]], "metric_type": "L2"}}}]}}');

-- the issue's example: term, range and vector, two query vectors, fields
SELECT query_no, id, round(distance::numeric, 4) AS distance, fields
FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"term": {"A": [1, 2, 5]}},
	{"range": {"B": {"GT": 1, "LT": 100}}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1], [50, 3, 0]],
		"metric_type": "L2", "params": {"nprobe": 10, "ef": 64}}}}]}}', true);

-- the same as the hand-written query, row for row
WITH m AS (
	SELECT id::integer, round(distance::numeric, 6) AS d
	FROM milvus_search('dsl_items', '{"bool": {"must": [
		{"term": {"A": [1, 2, 5]}}, {"range": {"B": {"GT": 1, "LT": 100}}},
		{"vector": {"embedding": {"topk": 7, "query": [[50, 3, 0]], "metric_type": "L2"}}}]}}')),
h AS (
	SELECT id, round((embedding <-> '[50,3,0]')::numeric, 6) AS d
	FROM dsl_items WHERE "A" = ANY ('{1,2,5}') AND "B" > 1 AND "B" < 100
	ORDER BY embedding <-> '[50,3,0]' LIMIT 7)
SELECT (SELECT count(*) FROM m) AS rows,
	(SELECT count(*) FROM (TABLE m EXCEPT TABLE h) x) +
	(SELECT count(*) FROM (TABLE h EXCEPT TABLE m) y) AS mismatches;

-- term in the {"values": [...]} form, on text and boolean columns
SELECT query_no, id, fields
FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"term": {"title": {"values": ["item 7", "item 8", "item 9"]}}},
	{"term": {"flag": [true]}},
	{"vector": {"embedding": {"topk": 5, "query": [[0, 0, 0]], "metric_type": "L2"}}}]}}', true);

-- every range operator
SELECT op, array_agg(id::integer ORDER BY id::integer) AS ids
FROM (VALUES ('GT'), ('GTE'), ('LT'), ('LTE'), ('EQ'), ('NE')) ops(op),
LATERAL milvus_search('dsl_items', jsonb_build_object('bool', jsonb_build_object(
	'must', jsonb_build_array(
		jsonb_build_object('range', jsonb_build_object('B', jsonb_build_object(op, 6))),
		'{"range": {"B": {"LTE": 9}}}'::jsonb,
		'{"vector": {"embedding": {"topk": 10, "query": [[0, 0, 0]], "metric_type": "L2"}}}'::jsonb))))
GROUP BY op ORDER BY op;

-- should: at least one; must_not: none
SELECT array_agg(id::integer ORDER BY id::integer) AS ids
FROM milvus_search('dsl_items', '{"bool": {
	"must": [{"vector": {"embedding": {"topk": 20, "query": [[0, 0, 0]], "metric_type": "L2"}}}],
	"should": [{"term": {"A": [3]}}, {"range": {"B": {"LT": 5}}}],
	"must_not": [{"term": {"id": [13, 23]}}]}}');

-- nested: bool inside must, and Milvus's bare {"must": [...]} form
SELECT array_agg(id::integer ORDER BY id::integer) AS ids
FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"bool": {"should": [{"term": {"A": [1]}},
						 {"must": [{"term": {"A": [2]}}, {"range": {"id": {"LT": 50}}}]}]}},
	{"must": [{"must_not": [{"term": {"id": [1]}}]},
			  {"vector": {"embedding": {"topk": 20, "query": [[0, 0, 0]], "metric_type": "L2"}}}]}]}}');

-- several query vectors: query_no numbers them in document order
SELECT query_no, array_agg(id::integer ORDER BY distance) AS ids
FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 2, "metric_type": "L2",
		"query": [[90, 0, 0], [5, 5, 5], [40, 1, 1], "[70,2,2]"]}}}]}}')
GROUP BY query_no ORDER BY query_no;

-- metrics over vector: IP gives the negative inner product, as <#> does
SELECT m.metric, s.query_no, s.id, round(s.distance::numeric, 4) AS distance
FROM (VALUES ('L2'), ('IP'), ('COSINE'), ('L1'), ('cosine')) m(metric),
LATERAL milvus_search('dsl_items', jsonb_build_object('bool', jsonb_build_object(
	'must', jsonb_build_array(jsonb_build_object('vector', jsonb_build_object(
		'embedding', jsonb_build_object('topk', 2, 'metric_type', m.metric,
			'query', '[[1.2, 9.7, 0.6]]'::jsonb))))))) s
ORDER BY m.metric, s.query_no, s.distance;

-- halfvec and sparsevec columns; a sparse query as an array or a string
CREATE TABLE dsl_half (id bigint PRIMARY KEY, h halfvec(2), s sparsevec(4));
INSERT INTO dsl_half VALUES
	(1, '[1,0]', '{1:1}/4'), (2, '[0,1]', '{2:1}/4'), (3, '[1,1]', '{1:1,4:2}/4');
SELECT id, round(distance::numeric, 4) AS distance FROM milvus_search('dsl_half',
	'{"bool": {"must": [{"vector": {"h": {"topk": 3, "query": [[1, 0.5]], "metric_type": "L2"}}}]}}');
SELECT query_no, id, round(distance::numeric, 4) AS distance FROM milvus_search('dsl_half',
	'{"bool": {"must": [{"vector": {"s": {"topk": 2, "metric_type": "IP",
		"query": [[1, 0, 0, 1], "{2:3}/4"]}}}]}}');

-- bit columns: Hamming, Jaccard and Tanimoto; 0/1 arrays or bit strings
CREATE TABLE dsl_bits (id text PRIMARY KEY, b bit(8));
INSERT INTO dsl_bits VALUES ('a', '10101010'), ('b', '11110000'), ('c', '00001111'),
	('d', '10100000');
SELECT m.metric, s.query_no, s.id, round(s.distance::numeric, 4) AS distance
FROM (VALUES ('HAMMING'), ('JACCARD'), ('TANIMOTO')) m(metric),
LATERAL milvus_search('dsl_bits', jsonb_build_object('bool', jsonb_build_object(
	'must', jsonb_build_array(jsonb_build_object('vector', jsonb_build_object(
		'b', jsonb_build_object('topk', 2, 'metric_type', m.metric,
			'query', '[[1, 0, 1, 0, 1, 0, 0, 0], "11110001"]'::jsonb))))))) s
ORDER BY m.metric, s.query_no, s.distance, s.id;
-- Tanimoto is -log2(1 - Jaccard): the same order, its own distance
SELECT id, round(distance::numeric, 4) = round(tanimoto_distance(b, '10101000')::numeric, 4) AS same
FROM milvus_search('dsl_bits', '{"bool": {"must": [{"vector": {"b": {"topk": 4,
	"query": ["10101000"], "metric_type": "TANIMOTO"}}}]}}') JOIN dsl_bits USING (id)
ORDER BY id;

-- a composite primary key: id is the row of its columns
CREATE TABLE dsl_pair (a integer, b text, v vector(2), PRIMARY KEY (a, b));
INSERT INTO dsl_pair VALUES (1, 'x', '[0,0]'), (1, 'y', '[1,1]'), (2, 'x', '[3,3]');
SELECT id, round(distance::numeric, 4) AS distance, fields FROM milvus_search('dsl_pair',
	'{"bool": {"must": [{"vector": {"v": {"topk": 2, "query": [[1, 1]], "metric_type": "L1"}}}]}}', true);

-- injection through values: they are parameters, never SQL
SELECT count(*) FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"term": {"title": ["x''); DROP TABLE dsl_items; --", "item 1'' OR ''1''=''1"]}},
	{"range": {"title": {"GT": "z'' OR true --"}}},
	{"vector": {"embedding": {"topk": 5, "query": [[0, 0, 0]], "metric_type": "L2"}}}]}}');
SELECT count(*) AS rows_still_there FROM dsl_items;
-- a column whose name needs quoting is found and quoted, not spliced
CREATE TABLE dsl_odd (id integer PRIMARY KEY, "we""ird; DROP TABLE dsl_items; --" integer,
	"Vec" vector(2));
INSERT INTO dsl_odd VALUES (1, 5, '[0,0]'), (2, 6, '[1,0]');
SELECT id, fields FROM milvus_search('dsl_odd', '{"bool": {"must": [
	{"term": {"we\"ird; DROP TABLE dsl_items; --": [6]}},
	{"vector": {"Vec": {"topk": 5, "query": [[0, 0]], "metric_type": "L2"}}}]}}', true);
SELECT count(*) AS rows_still_there FROM dsl_items;
SELECT milvus_search_sql('dsl_odd', '{"bool": {"must": [
	{"term": {"we\"ird; DROP TABLE dsl_items; --": [6]}},
	{"vector": {"Vec": {"topk": 5, "query": [[0, 0]], "metric_type": "L2"}}}]}}');

-- With the index: the generated SQL and its plan, like hand-written SQL
CREATE INDEX dsl_items_hnsw ON dsl_items USING hnsw (embedding vector_l2_ops);
ANALYZE dsl_items;
SET enable_seqscan = off;
SELECT milvus_search_sql('dsl_items', '{"bool": {"must": [
	{"term": {"A": [1, 2, 5]}},
	{"range": {"B": {"GT": 1, "LT": 100}}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1], [50, 3, 0]],
		"metric_type": "L2", "params": {"ef": 64}}}}]}}', true);
SELECT milvus_search_explain('dsl_items', '{"bool": {"must": [
	{"term": {"A": [1, 2, 5]}},
	{"range": {"B": {"GT": 1, "LT": 100}}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1], [50, 3, 0]],
		"metric_type": "L2", "params": {"ef": 64}}}}]}}', true);
-- the hand-written query for one vector has the same inner plan
EXPLAIN (COSTS OFF)
SELECT id, embedding <-> '[10,2,1]' AS distance FROM dsl_items
WHERE "A" = ANY ('{1,2,5}') AND "B" > 1 AND "B" < 100
ORDER BY embedding <-> '[10,2,1]' LIMIT 3;
-- the index answers as the exact search did
SELECT query_no, id, round(distance::numeric, 4) AS distance
FROM milvus_search('dsl_items', '{"bool": {"must": [
	{"term": {"A": [1, 2, 5]}},
	{"range": {"B": {"GT": 1, "LT": 100}}},
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1], [50, 3, 0]],
		"metric_type": "L2", "params": {"ef": 64}}}}]}}');
-- a metric the index does not serve still works, without the index
SELECT milvus_search_explain('dsl_items', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 3, "query": [[10, 2, 1]], "metric_type": "IP"}}}]}}');
RESET enable_seqscan;

-- params.ef sets hnsw.ef_search for the call only: a row security policy
-- that reads the setting sees 64 during the call, and after the call the
-- setting is back.  Row security applies to the caller, not a superuser.
CREATE ROLE regress_dsl_user;
CREATE TABLE dsl_guc (id integer PRIMARY KEY, v vector(2));
INSERT INTO dsl_guc VALUES (1, '[0,0]'), (2, '[1,1]');
ALTER TABLE dsl_guc ENABLE ROW LEVEL SECURITY;
CREATE POLICY dsl_guc_ef ON dsl_guc
	USING (current_setting('hnsw.ef_search') = '64' OR id = 1);
GRANT SELECT ON dsl_guc TO regress_dsl_user;
SET ROLE regress_dsl_user;
SET hnsw.ef_search = 50;
SELECT array_agg(id ORDER BY id) AS with_ef_64 FROM milvus_search('dsl_guc',
	'{"bool": {"must": [{"vector": {"v": {"topk": 5, "query": [[0, 0]], "metric_type": "L2", "params": {"ef": 64}}}}]}}');
SHOW hnsw.ef_search;
SELECT array_agg(id ORDER BY id) AS without_ef FROM milvus_search('dsl_guc',
	'{"bool": {"must": [{"vector": {"v": {"topk": 5, "query": [[0, 0]], "metric_type": "L2"}}}]}}');
-- an error inside the call restores it too
SELECT * FROM milvus_search('dsl_guc',
	'{"bool": {"must": [{"term": {"id": ["x"]}}, {"vector": {"v": {"topk": 5, "query": [[0, 0]], "metric_type": "L2", "params": {"ef": 64}}}}]}}');
SHOW hnsw.ef_search;
RESET hnsw.ef_search;
RESET ROLE;

-- the caller's privileges apply: no SELECT, no search
SET ROLE regress_dsl_user;
SELECT * FROM milvus_search('dsl_items',
	'{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[0, 0, 0]], "metric_type": "L2"}}}]}}');
RESET ROLE;
GRANT SELECT (id, embedding) ON dsl_items TO regress_dsl_user;
SET ROLE regress_dsl_user;
SELECT id FROM milvus_search('dsl_items',
	'{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[0, 0, 0]], "metric_type": "L2"}}}]}}');
-- fields reads every column, so it needs them all
SELECT id FROM milvus_search('dsl_items',
	'{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[0, 0, 0]], "metric_type": "L2"}}}]}}', true);
RESET ROLE;
REVOKE ALL ON dsl_items FROM regress_dsl_user;
REVOKE ALL ON dsl_guc FROM regress_dsl_user;
DROP ROLE regress_dsl_user;

-- NULL arguments: no rows
SELECT count(*) FROM milvus_search('dsl_items', NULL);

DROP TABLE dsl_items, dsl_half, dsl_bits, dsl_pair, dsl_odd, dsl_guc;
