-- iterative scans: a selective filter still gets k rows
\set VERBOSITY terse
SET client_min_messages = warning;
SELECT setseed(0.125);

CREATE TABLE ivi (id int, cat int, v vector(8));
INSERT INTO ivi SELECT i, i % 100, ARRAY(SELECT random() - 0.5 + i * 0 FROM generate_series(1, 8))::vector(8)
	FROM generate_series(1, 5000) i;
CREATE INDEX ivi_flat ON ivi USING ivfflat (v vector_l2_ops) WITH (lists = 50);
SET enable_seqscan = off;

-- 1% of the rows pass the filter: one probe finds about one of them
SELECT count(*) < 10 AS too_few FROM
	(SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10) s;
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) FROM
	(SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10) s;
-- max_probes bounds the lists probed in all
SET ivfflat.max_probes = 2;
SELECT count(*) < 10 AS bounded FROM
	(SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10) s;
RESET ivfflat.max_probes;
-- with every list probed, the whole filtered table comes back
SELECT count(*) FROM (SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]') s;
RESET ivfflat.iterative_scan;
DROP INDEX ivi_flat;

-- the same with ivf and codes
CREATE INDEX ivi_pq ON ivi USING ivf (v vector_l2_ops) WITH (lists = 50, quantizer = 'pq', pq_m = 4);
SELECT count(*) < 10 AS too_few FROM
	(SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10) s;
SET ivf.iterative_scan = relaxed_order;
SELECT count(*) FROM
	(SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 10) s;
SELECT count(*) FROM (SELECT id FROM ivi WHERE cat = 7 ORDER BY v <-> '[0,0,0,0,0,0,0,0]') s;
SELECT * FROM milvus_index_check('ivi_pq');

DROP TABLE ivi;
