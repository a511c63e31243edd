-- comparison operators and the btree operator class
\set VERBOSITY terse

SELECT '[1,2,3]'::vector < '[1,2,4]', '[1,2,3]'::vector <= '[1,2,3]',
       '[1,2,3]'::vector = '[1,2,3]', '[1,2,3]'::vector <> '[1,2,3]',
       '[1,2,3]'::vector >= '[1,2,4]', '[1,2,3]'::vector > '[1,2]';
SELECT '[1,2]'::vector < '[1,2,3]' AS shorter_first, '[2]'::vector > '[1,9,9]' AS element_first;
SELECT vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,3]', '[1,2]'), vector_cmp('[1,2]', '[1,2]');
SELECT '[0]'::vector = '[-0]' AS signed_zero_equal;

CREATE TABLE vector_btree (id int, v vector);
INSERT INTO vector_btree VALUES (1, '[1,2,3]'), (2, '[1,2]'), (3, '[0,9]'),
	(4, '[1,2,3]'), (5, NULL), (6, '[-1]'), (7, '[1,2,2.5]');

-- ORDER BY, DISTINCT, GROUP BY
SELECT id, v FROM vector_btree ORDER BY v, id;
SELECT id, v FROM vector_btree ORDER BY v DESC NULLS LAST, id;
SELECT DISTINCT v FROM vector_btree ORDER BY v;
SELECT v, count(*) FROM vector_btree GROUP BY v ORDER BY v;
SELECT min(v::text), max(v::text) FROM vector_btree;

-- btree indexes, unique ones included
CREATE INDEX vector_btree_v ON vector_btree (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM vector_btree WHERE v = '[1,2,3]';
SELECT id FROM vector_btree WHERE v = '[1,2,3]' ORDER BY id;
SELECT id FROM vector_btree WHERE v < '[1,2,3]' ORDER BY id;
RESET enable_seqscan;
CREATE UNIQUE INDEX vector_btree_unique ON vector_btree (v);
DELETE FROM vector_btree WHERE id = 4;
CREATE UNIQUE INDEX vector_btree_unique ON vector_btree (v);
INSERT INTO vector_btree VALUES (8, '[1,2,3]');
INSERT INTO vector_btree VALUES (9, '[1,2,3.0001]');

-- the operator class is valid
SELECT amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE opc.opcname = 'vector_ops' AND am.amname = 'btree';

DROP TABLE vector_btree;
