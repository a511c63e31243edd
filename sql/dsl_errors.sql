-- milvus_search: every error names the path of the offending element
\set VERBOSITY terse
SET client_min_messages = warning;

CREATE TABLE dsl_err (id integer PRIMARY KEY, "A" integer, "B" real,
	title text, embedding vector(3), bits bit(4));
INSERT INTO dsl_err VALUES (1, 1, 1.5, 'one', '[1,2,3]', '1010');

-- a helper: the error of one document, or 'ok'
CREATE FUNCTION dsl_try(doc text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM milvus_search_sql('dsl_err', doc::jsonb);
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- the vector clause the documents below share
\set vec '{"vector": {"embedding": {"topk": 2, "query": [[1, 2, 3]], "metric_type": "L2"}}}'

-- the top level
SELECT dsl_try('[]');
SELECT dsl_try('"bool"');
SELECT dsl_try('{}');
SELECT dsl_try('{"boo": {}}');
SELECT dsl_try('{"bool": {}, "must": []}');

-- bool
SELECT dsl_try('{"bool": []}');
SELECT dsl_try('{"bool": {}}');
SELECT dsl_try('{"bool": {"mus": []}}');
SELECT dsl_try('{"bool": {"must": {}}}');
SELECT dsl_try('{"bool": {"must": []}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || '], "should": []}}');

-- clauses
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', 1]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"terms": {"A": [1]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": [1]}, "range": {"B": {"GT": 1}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"bool": {"should": [{"bogus": 1}]}}]}}');

-- term
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": [1]}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"C": [1]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"a": [1]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"embedding": [1]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": 1}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": []}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": [1, null]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": [1, [2]]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": {"vals": [1]}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": {"values": 1}}}]}}');

-- range
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"B": {"GG": 1, "LT": 100}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"B": {"gt": 1}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"B": {}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"B": 5}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"B": {"GT": [1]}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"B": {"GT": null}}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"Z": {"GT": 1}}}]}}');

-- vector
SELECT dsl_try('{"bool": {"must": [{"term": {"A": [1]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', ' || :'vec' || ']}}');
SELECT dsl_try('{"bool": {"must": [{"term": {"A": [1]}}], "should": [' || :'vec' || ']}}');
SELECT dsl_try('{"bool": {"must_not": [' || :'vec' || ']}}');
SELECT dsl_try('{"bool": {"must": [{"bool": {"should": [' || :'vec' || ']}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": []}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2"}, "bits": {}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"A": {"topk": 1, "query": [[1]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"nothere": {"topk": 1}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": []}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"query": [[1,2,3]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]]}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "top_k": 1}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 0, "query": [[1,2,3]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 16385, "query": [[1,2,3]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1.5, "query": [[1,2,3]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": "10", "query": [[1,2,3]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [1, 2, 3], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3], [1,2]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,"3"]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L3"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": 2}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "HAMMING"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"bits": {"topk": 1, "query": [[1,0,1,0]], "metric_type": "L2"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"bits": {"topk": 1, "query": [[1,0,2,0]], "metric_type": "HAMMING"}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": []}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": {"nlist": 5}}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": {"search_k": 0}}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": {"ef": 0}}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": {"ef": 1001}}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": {"nprobe": "x"}}}}]}}');
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "query": [[1,2,3]], "metric_type": "L2", "params": {"nprobe": 40000}}}}]}}');
-- 16385 query vectors
SELECT dsl_try('{"bool": {"must": [{"vector": {"embedding": {"topk": 1, "metric_type": "L2", "query": ['
	|| string_agg('[1,2,3]', ',') || ']}}}]}}')
FROM generate_series(1, 16385);

-- paths quote odd keys
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A\" = 1 OR true; --": [1]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"range": {"1st col": {"GT": 1}}}]}}');

-- nesting depth
SELECT left(dsl_try('{"bool": {"must": [' || :'vec' || ', '
	|| repeat('{"bool": {"must": [', 40) || '{"term": {"A": [1]}}'
	|| repeat(']}}', 40) || ']}}'), 100);
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', '
	|| repeat('{"bool": {"must": [', 30) || '{"term": {"A": [1]}}'
	|| repeat(']}}', 30) || ']}}');

-- values the column type rejects: the context names the path
\set VERBOSITY default
SELECT * FROM milvus_search('dsl_err', '{"bool": {"must": [{"term": {"A": [1, "two"]}},
	{"vector": {"embedding": {"topk": 1, "query": [[1, 2, 3]], "metric_type": "L2"}}}]}}');
SELECT * FROM milvus_search('dsl_err', '{"bool": {"must": [{"range": {"B": {"LT": "1e999"}}},
	{"vector": {"embedding": {"topk": 1, "query": [[1, 2, 3]], "metric_type": "L2"}}}]}}');
SELECT * FROM milvus_search('dsl_err', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 1, "query": ["[1,2]"], "metric_type": "L2"}}}]}}');
\set VERBOSITY terse

-- relations milvus_search cannot search
CREATE TABLE dsl_nopk (v vector(3));
SELECT * FROM milvus_search('dsl_nopk', '{"bool": {"must": [
	{"vector": {"v": {"topk": 1, "query": [[1, 2, 3]], "metric_type": "L2"}}}]}}');
CREATE VIEW dsl_view AS SELECT * FROM dsl_err;
SELECT * FROM milvus_search('dsl_view', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 1, "query": [[1, 2, 3]], "metric_type": "L2"}}}]}}');
SELECT * FROM milvus_search('dsl_err_pkey', '{"bool": {"must": [
	{"vector": {"embedding": {"topk": 1, "query": [[1, 2, 3]], "metric_type": "L2"}}}]}}');
SELECT * FROM milvus_search('no_such_table', '{}');

-- a dropped column is not a column
DROP VIEW dsl_view;
ALTER TABLE dsl_err DROP COLUMN title;
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"title": ["one"]}}]}}');
SELECT dsl_try('{"bool": {"must": [' || :'vec' || ', {"term": {"A": [1]}}]}}');

DROP TABLE dsl_err, dsl_nopk;
DROP FUNCTION dsl_try(text);
