-- flat: a build and a scan can be cancelled (statement_timeout)
\set VERBOSITY terse
SET client_min_messages = warning;

CREATE TABLE flat_c (id int, v vector(32));
INSERT INTO flat_c SELECT i, array_fill((i % 1000)::real, ARRAY[32])::vector
	FROM generate_series(1, 200000) i;

SET statement_timeout = '20ms';
CREATE INDEX flat_c_v ON flat_c USING flat (v vector_l2_ops);
RESET statement_timeout;
SELECT count(*) FROM pg_class WHERE relname = 'flat_c_v';

CREATE INDEX flat_c_v ON flat_c USING flat (v vector_l2_ops);
-- without LIMIT, one entry a pass at first: many passes over 200,000 entries
SET flat.batch_size = 1;
SET enable_seqscan = off;
SET statement_timeout = '20ms';
SELECT count(*) FROM (SELECT id FROM flat_c ORDER BY v <-> array_fill(3::real, ARRAY[32])::vector) s;
RESET statement_timeout;
RESET flat.batch_size;
SELECT count(*) FROM (SELECT id FROM flat_c ORDER BY v <-> array_fill(3::real, ARRAY[32])::vector LIMIT 5) s;
RESET enable_seqscan;
SELECT * FROM milvus_index_check('flat_c_v');
DROP TABLE flat_c;
