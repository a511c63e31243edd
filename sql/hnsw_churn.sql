-- hnsw under update churn: VACUUM repairs the graph around deleted rows and
-- frees their elements for reuse, so recall and size hold round after round.
-- Autovacuum is off on the tables so that the VACUUMs that run, and so the
-- graph checked, are the same every run.  (One full run on a loaded machine
-- reported one milvus_index_check problem in round 3; five runs alone did
-- not: XXX not yet explained.)
\set VERBOSITY terse
SET client_min_messages = warning;
SET enable_seqscan = off;

-- most rows deleted, at a small m: the few left are still all found
CREATE TABLE churn_small (id int, v vector(3)) WITH (autovacuum_enabled = false);
INSERT INTO churn_small
	SELECT i, ARRAY[i % 7, i % 11, i % 13]::vector FROM generate_series(1, 300) i;
CREATE INDEX churn_small_hnsw ON churn_small USING hnsw (v vector_l2_ops)
	WITH (m = 4, ef_construction = 16);
SELECT pg_relation_size('churn_small_hnsw') AS small_size \gset
DELETE FROM churn_small WHERE id <= 250;
VACUUM churn_small;
SELECT count(*) FROM milvus_index_check('churn_small_hnsw');
SELECT count(*) FROM (SELECT id FROM churn_small ORDER BY v <-> '[1,1,1]' LIMIT 10) s;
SET hnsw.ef_search = 100;
SELECT count(*) FROM (SELECT id FROM churn_small ORDER BY v <-> '[1,1,1]' LIMIT 400) s;
RESET hnsw.ef_search;

-- every row deleted: the graph is empty, then fills again in freed slots
DELETE FROM churn_small;
VACUUM churn_small;
SELECT count(*) FROM milvus_index_check('churn_small_hnsw');
SELECT count(*) FROM (SELECT id FROM churn_small ORDER BY v <-> '[1,1,1]' LIMIT 10) s;
INSERT INTO churn_small
	SELECT i, ARRAY[i % 7, i % 11, i % 13]::vector FROM generate_series(301, 600) i;
SELECT count(*) FROM milvus_index_check('churn_small_hnsw');
SET hnsw.ef_search = 100;
SELECT id FROM churn_small ORDER BY v <-> '[6,2,9]' LIMIT 1;
SELECT count(*) FROM (SELECT id FROM churn_small ORDER BY v <-> '[1,1,1]' LIMIT 400) s;
RESET hnsw.ef_search;
SELECT pg_relation_size('churn_small_hnsw') <= 1.5 * :small_size AS small_size_ok;
DROP TABLE churn_small;

-- the real SIFT sample (10,000 x 128, 100 queries)
\getenv abs_srcdir PG_ABS_SRCDIR
\set conv 'perl ' :abs_srcdir '/scripts/vecs2copy.pl ' :abs_srcdir '/data/siftsmall/siftsmall_'
\set base :conv 'base.fvecs'
\set query :conv 'query.fvecs'
\set gtd :conv 'groundtruth_dist.fvecs'

CREATE TABLE churn_base (id int, v vector(128)) WITH (autovacuum_enabled = false);
CREATE TABLE churn_query (id int, v vector(128));
CREATE TABLE churn_gtd (id int, d vector);
COPY churn_base FROM PROGRAM :'base';
COPY churn_query FROM PROGRAM :'query';
COPY churn_gtd FROM PROGRAM :'gtd';

-- recall@10: a hit is a result within the true 10th distance (ties); each
-- round puts the same vectors back, so the ground truth holds throughout
CREATE FUNCTION churn_recall() RETURNS numeric LANGUAGE sql AS $$
	SELECT round(avg(hits) / 10, 2) FROM (
		SELECT (SELECT count(*) FROM (
					SELECT b.v <-> q.v AS d FROM churn_base b
					ORDER BY b.v <-> q.v LIMIT 10) r
				WHERE r.d <= (t.d::real[])[10] * (1 + 1e-6)) AS hits
		FROM churn_query q JOIN churn_gtd t USING (id)) s
$$;

CREATE INDEX churn_hnsw ON churn_base USING hnsw (v vector_l2_ops);
SELECT churn_recall() >= 0.95 AS recall_ok;
SELECT pg_relation_size('churn_hnsw') AS size0 \gset

-- a round: delete 30% of the rows (chosen by the vector's SIFT id, another
-- 30% each round), VACUUM, put them back under new ids, VACUUM
\set round 1
CREATE TABLE churn_moved AS SELECT id % 10000 AS src, v FROM churn_base
	WHERE (id % 10000 * 7 + :round * 3) % 10 < 3;
DELETE FROM churn_base WHERE (id % 10000 * 7 + :round * 3) % 10 < 3;
VACUUM churn_base;
SELECT count(*) FROM milvus_index_check('churn_hnsw');
INSERT INTO churn_base SELECT src + :round * 10000, v FROM churn_moved;
DROP TABLE churn_moved;
VACUUM churn_base;
SELECT count(*) AS rows, churn_recall() >= 0.95 AS recall_ok,
	(SELECT count(*) FROM milvus_index_check('churn_hnsw')) AS problems,
	pg_relation_size('churn_hnsw') <= 1.1 * :size0 AS size_ok
FROM churn_base;

\set round 2
CREATE TABLE churn_moved AS SELECT id % 10000 AS src, v FROM churn_base
	WHERE (id % 10000 * 7 + :round * 3) % 10 < 3;
DELETE FROM churn_base WHERE (id % 10000 * 7 + :round * 3) % 10 < 3;
VACUUM churn_base;
SELECT count(*) FROM milvus_index_check('churn_hnsw');
INSERT INTO churn_base SELECT src + :round * 10000, v FROM churn_moved;
DROP TABLE churn_moved;
VACUUM churn_base;
SELECT count(*) AS rows, churn_recall() >= 0.95 AS recall_ok,
	(SELECT count(*) FROM milvus_index_check('churn_hnsw')) AS problems,
	pg_relation_size('churn_hnsw') <= 1.1 * :size0 AS size_ok
FROM churn_base;

\set round 3
CREATE TABLE churn_moved AS SELECT id % 10000 AS src, v FROM churn_base
	WHERE (id % 10000 * 7 + :round * 3) % 10 < 3;
DELETE FROM churn_base WHERE (id % 10000 * 7 + :round * 3) % 10 < 3;
VACUUM churn_base;
SELECT count(*) FROM milvus_index_check('churn_hnsw');
INSERT INTO churn_base SELECT src + :round * 10000, v FROM churn_moved;
DROP TABLE churn_moved;
VACUUM churn_base;
SELECT count(*) AS rows, churn_recall() >= 0.95 AS recall_ok,
	(SELECT count(*) FROM milvus_index_check('churn_hnsw')) AS problems,
	pg_relation_size('churn_hnsw') <= 1.1 * :size0 AS size_ok
FROM churn_base;

-- a higher ef_search still reaches nearly everything
SET hnsw.ef_search = 200;
SELECT churn_recall() >= 0.99 AS recall_ef200_ok;
-- and a search for a row's own value finds it (distance 0), but for a few:
-- 2 to 29 of the 10,000 rows here in 17 runs.  HNSW does not promise all:
-- a row whose own insert search ended in the wrong region is linked only
-- there.  With the links to freed elements only dropped, not repaired,
-- 38 to 226 were missed in four runs (recall@10 still met its bounds
-- above), so this catches most runs of such a repair, not every one.
SELECT count(*) <= 50 AS selfmiss_ok FROM churn_base a
WHERE (SELECT b.v <-> a.v FROM churn_base b ORDER BY b.v <-> a.v LIMIT 1) > 0;
RESET hnsw.ef_search;

DROP TABLE churn_base, churn_query, churn_gtd;
DROP FUNCTION churn_recall;
