-- milvus_batch_search reads rows with the caller's privileges: no SELECT,
-- no rows; row-level security hides rows; not SECURITY DEFINER
\set VERBOSITY terse

CREATE ROLE regress_mv_reader;
CREATE ROLE regress_mv_nobody;
CREATE TABLE secret (id int, owner name, v vector(2));
INSERT INTO secret VALUES (1, 'regress_mv_reader', '[0,0]'), (2, 'someone', '[0,1]'),
	(3, 'regress_mv_reader', '[2,2]'), (4, 'someone', '[0,0]');
GRANT SELECT ON secret TO regress_mv_reader;
GRANT SELECT (id) ON secret TO regress_mv_nobody;
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON secret FOR SELECT USING (owner = current_user);

SELECT prosecdef FROM pg_proc WHERE proname = 'milvus_batch_search';

-- the owner sees every row
SELECT query_no, id, distance FROM milvus_batch_search('secret', 'v', ARRAY['[0,0]']::vector[], 10, 'l2');

-- without SELECT on the column: permission denied
SET ROLE regress_mv_nobody;
SELECT * FROM milvus_batch_search('secret', 'v', ARRAY['[0,0]']::vector[], 10, 'l2');
SELECT * FROM milvus_kmeans('secret', 'v', 1);
RESET ROLE;

-- row-level security: only the reader's own rows
SET ROLE regress_mv_reader;
SELECT query_no, id, distance FROM milvus_batch_search('secret', 'v', ARRAY['[0,0]']::vector[], 10, 'l2');
SELECT * FROM milvus_kmeans('secret', 'v', 1, 1);
RESET ROLE;

-- the worker status is readable by anyone
SET ROLE regress_mv_nobody;
SELECT preloaded FROM milvus_worker_status;
RESET ROLE;

DROP TABLE secret;
DROP ROLE regress_mv_reader;
DROP ROLE regress_mv_nobody;
