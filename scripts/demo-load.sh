#!/usr/bin/env bash
# scripts/demo-load.sh: load the shipped SIFT sample into the database that
# the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE) names, run
# nearest-neighbour queries and print their recall against the ground truth.
# Used by "make demo" and by the TAP test test/t/001_demo.pl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${MV_SAMPLE_DIR:-$here/../data/siftsmall}
conv="perl \"$here/vecs2copy.pl\""

psql -X -q -v ON_ERROR_STOP=1 <<SQL
\\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS milvus;
DROP TABLE IF EXISTS sift_base, sift_query, sift_truth;
CREATE TABLE sift_base (id integer PRIMARY KEY, embedding vector(128));
CREATE TABLE sift_query (id integer PRIMARY KEY, embedding vector(128));
CREATE TABLE sift_truth (id integer PRIMARY KEY, ids integer[], dists real[]);
CREATE TEMP TABLE truth_ids (id integer, ids integer[]);
CREATE TEMP TABLE truth_dists (id integer, dists vector);
\\copy sift_base FROM PROGRAM '$conv "$data/siftsmall_base.fvecs"'
\\copy sift_query FROM PROGRAM '$conv "$data/siftsmall_query.fvecs"'
\\copy truth_ids FROM PROGRAM '$conv "$data/siftsmall_groundtruth.ivecs"'
\\copy truth_dists FROM PROGRAM '$conv "$data/siftsmall_groundtruth_dist.fvecs"'
INSERT INTO sift_truth SELECT id, ids, dists::real[] FROM truth_ids JOIN truth_dists USING (id);
ANALYZE sift_base, sift_query, sift_truth;

\\echo
\\echo 'Loaded the SIFT sample (texmex ANN_SIFT10K):'
SELECT (SELECT count(*) FROM sift_base) AS base_vectors,
       (SELECT count(*) FROM sift_query) AS queries,
       (SELECT vector_dims(embedding) FROM sift_base LIMIT 1) AS dimensions;

\\echo 'The 10 nearest neighbours of the first three queries, next to the ground truth:'
\\echo '  SELECT id FROM sift_base ORDER BY embedding <-> (query) LIMIT 10'
SELECT q.id AS query,
       (SELECT array_agg(id) FROM (SELECT b.id FROM sift_base b
          ORDER BY b.embedding <-> q.embedding, b.id LIMIT 10) r) AS result_ids,
       t.ids[1:10] AS true_ids
FROM sift_query q JOIN sift_truth t USING (id)
WHERE q.id < 3 ORDER BY q.id;

\\echo 'Distances of the nearest neighbours of query 0 (<-> is Euclidean distance):'
SELECT b.id, round((b.embedding <-> q.embedding)::numeric, 3) AS l2_distance
FROM sift_base b, sift_query q WHERE q.id = 0
ORDER BY b.embedding <-> q.embedding, b.id LIMIT 5;

\\echo 'Recall@10 of exact search over all queries (a result counts when its'
\\echo 'distance is at most that of the true 10th neighbour, as real data has ties):'
SELECT 'recall@10 = ' || to_char(avg(hits) / 10, 'FM0.000') ||
       ' over ' || count(*) || ' queries' AS recall
FROM (SELECT (SELECT count(*)
              FROM (SELECT b.id, b.embedding <-> q.embedding AS d
                    FROM sift_base b
                    ORDER BY b.embedding <-> q.embedding LIMIT 10) r
              WHERE r.id = ANY (t.ids[1:10]) OR r.d <= t.dists[10] * (1 + 1e-6)) AS hits
      FROM sift_query q JOIN sift_truth t USING (id)) s;

\\echo
\\echo 'Building an hnsw index (m = 16, ef_construction = 64):'
\\echo '  CREATE INDEX ON sift_base USING hnsw (embedding vector_l2_ops)'
\\timing on
CREATE INDEX sift_base_hnsw ON sift_base USING hnsw (embedding vector_l2_ops);
\\timing off
SET enable_seqscan = off;
\\echo 'The same queries through the index (EXPLAIN shows the index scan):'
EXPLAIN (COSTS OFF) SELECT id FROM sift_base
ORDER BY embedding <-> (SELECT embedding FROM sift_query WHERE id = 0) LIMIT 10;
\\echo 'Recall@10 of the hnsw index at the default hnsw.ef_search = 40:'
SELECT 'hnsw recall@10 = ' || to_char(avg(hits) / 10, 'FM0.000') ||
       ' over ' || count(*) || ' queries' AS recall
FROM (SELECT (SELECT count(*)
              FROM (SELECT b.id, b.embedding <-> q.embedding AS d
                    FROM sift_base b
                    ORDER BY b.embedding <-> q.embedding LIMIT 10) r
              WHERE r.id = ANY (t.ids[1:10]) OR r.d <= t.dists[10] * (1 + 1e-6)) AS hits
      FROM sift_query q JOIN sift_truth t USING (id)) s;
SET hnsw.ef_search = 100;
SELECT 'hnsw recall@10 = ' || to_char(avg(hits) / 10, 'FM0.000') ||
       ' at hnsw.ef_search = 100' AS recall
FROM (SELECT (SELECT count(*)
              FROM (SELECT b.id, b.embedding <-> q.embedding AS d
                    FROM sift_base b
                    ORDER BY b.embedding <-> q.embedding LIMIT 10) r
              WHERE r.id = ANY (t.ids[1:10]) OR r.d <= t.dists[10] * (1 + 1e-6)) AS hits
      FROM sift_query q JOIN sift_truth t USING (id)) s;
SQL
