-- issue 17, item 2: functions that read or lock a relation check the
-- caller's privilege first (42501); milvus_index_check is revoked from
-- PUBLIC, as amcheck's functions are
\set VERBOSITY terse

CREATE ROLE regress_priv_owner;
CREATE ROLE regress_priv_reader;
CREATE ROLE regress_priv_nobody;
CREATE ROLE regress_priv_column;
GRANT CREATE ON SCHEMA public TO regress_priv_owner;
SET ROLE regress_priv_owner;
CREATE TABLE priv_t (id int PRIMARY KEY, tag text, v vector(2));
INSERT INTO priv_t VALUES (1, 'a', '[1,1]'), (2, 'b', '[2,2]');
CREATE INDEX priv_t_hnsw ON priv_t USING hnsw (v vector_l2_ops);
GRANT SELECT ON priv_t TO regress_priv_reader;
GRANT SELECT (id, v) ON priv_t TO regress_priv_column;
RESET ROLE;

SELECT p.proacl IS NOT NULL AND NOT EXISTS (
	SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS not_public
FROM pg_proc p WHERE p.proname = 'milvus_index_check';

-- milvus_index_check: not executable by an ordinary role
SET ROLE regress_priv_nobody;
SELECT * FROM milvus_index_check('priv_t_hnsw');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT EXECUTE ON FUNCTION milvus_index_check(regclass)
	TO regress_priv_nobody, regress_priv_reader, regress_priv_owner;

-- granted the function, but no SELECT on the table: refused (before any
-- lock: test/t/080_security_locks.pl shows it with the table locked)
SET ROLE regress_priv_nobody;
SELECT * FROM milvus_index_check('priv_t_hnsw');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- with SELECT, or as the owner: checked
SET ROLE regress_priv_reader;
SELECT * FROM milvus_index_check('priv_t_hnsw');
RESET ROLE;
SET ROLE regress_priv_owner;
SELECT * FROM milvus_index_check('priv_t_hnsw');
RESET ROLE;
-- an OID that is no index, and none at all: the same messages as before
SET ROLE regress_priv_nobody;
SELECT * FROM milvus_index_check('priv_t');
SELECT * FROM milvus_index_check(0);
RESET ROLE;

-- milvus_search, milvus_search_sql, milvus_search_explain: SELECT first
-- (before the table's lock, as 080_security_locks.pl shows)
SET ROLE regress_priv_nobody;
SELECT * FROM milvus_search('priv_t',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}}]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT milvus_search_sql('priv_t',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}}]}}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM milvus_search_explain('priv_t',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}}]}}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- with SELECT on the table: searched
SET ROLE regress_priv_reader;
SELECT query_no, id, distance FROM milvus_search('priv_t',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}}]}}');
RESET ROLE;
-- with SELECT on some columns: past the check; the query itself then
-- needs the columns it reads (the primary key and the vector column here)
SET ROLE regress_priv_column;
SELECT query_no, id, distance FROM milvus_search('priv_t',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}}]}}');
SELECT query_no, id, distance FROM milvus_search('priv_t',
	'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}},{"term":{"tag":["a"]}}]}}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

DROP TABLE priv_t;
REVOKE EXECUTE ON FUNCTION milvus_index_check(regclass)
	FROM regress_priv_nobody, regress_priv_reader, regress_priv_owner;
REVOKE CREATE ON SCHEMA public FROM regress_priv_owner;
DROP ROLE regress_priv_owner, regress_priv_reader, regress_priv_nobody,
	regress_priv_column;
