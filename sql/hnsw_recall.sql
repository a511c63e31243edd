-- hnsw recall@10 on the real SIFT sample (10,000 x 128, 100 queries)
\set VERBOSITY terse
SET client_min_messages = warning;
\getenv abs_srcdir PG_ABS_SRCDIR
\set conv 'perl ' :abs_srcdir '/scripts/vecs2copy.pl ' :abs_srcdir '/data/siftsmall/siftsmall_'
\set base :conv 'base.fvecs'
\set query :conv 'query.fvecs'
\set gt :conv 'groundtruth.ivecs'
\set gtd :conv 'groundtruth_dist.fvecs'

CREATE TABLE sift_base (id int, v vector(128));
CREATE TABLE sift_query (id int, v vector(128));
CREATE TABLE sift_gt (id int, ids int[]);
CREATE TABLE sift_gtd (id int, d vector);
COPY sift_base FROM PROGRAM :'base';
COPY sift_query FROM PROGRAM :'query';
COPY sift_gt FROM PROGRAM :'gt';
COPY sift_gtd FROM PROGRAM :'gtd';
SELECT count(*) FROM sift_base;

-- recall@10: a hit is a result within the true 10th distance (ties)
CREATE FUNCTION sift_recall() RETURNS numeric LANGUAGE sql AS $$
	SELECT round(avg(hits) / 10, 2) FROM (
		SELECT (SELECT count(*) FROM (
					SELECT b.v <-> q.v AS d FROM sift_base b
					ORDER BY b.v <-> q.v LIMIT 10) r
				WHERE r.d <= (t.d::real[])[10] * (1 + 1e-6)) AS hits
		FROM sift_query q JOIN sift_gtd t USING (id)) s
$$;

CREATE INDEX sift_hnsw ON sift_base USING hnsw (v vector_l2_ops);
ANALYZE sift_base;

-- the planner: the index for ORDER BY ... LIMIT k, but not when a selective
-- btree filter (0.1% of the rows) plus an exact sort is cheaper
CREATE INDEX sift_id ON sift_base (id);
EXPLAIN (COSTS OFF) SELECT id FROM sift_base ORDER BY v <-> (SELECT v FROM sift_query LIMIT 1) LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM sift_base WHERE id < 10 ORDER BY v <-> (SELECT v FROM sift_query LIMIT 1) LIMIT 10;
DROP INDEX sift_id;

SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sift_base ORDER BY v <-> (SELECT v FROM sift_query LIMIT 1) LIMIT 10;
SELECT sift_recall() >= 0.95 AS recall_default_ok;
SET hnsw.ef_search = 200;
SELECT sift_recall() >= 0.99 AS recall_ef200_ok;
RESET hnsw.ef_search;

-- the same graph built by inserts (the on-disk path)
DROP INDEX sift_hnsw;
TRUNCATE sift_base;
CREATE INDEX sift_hnsw ON sift_base USING hnsw (v vector_l2_ops);
COPY sift_base FROM PROGRAM :'base';
SELECT sift_recall() >= 0.95 AS recall_inserted_ok;

DROP TABLE sift_base, sift_query, sift_gt, sift_gtd;
DROP FUNCTION sift_recall;
