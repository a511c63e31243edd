-- comparison operators and the btree operator class
\set VERBOSITY terse

SELECT '[1,2,3]'::halfvec < '[1,2,4]', '[1,2,3]'::halfvec <= '[1,2,3]',
       '[1,2,3]'::halfvec = '[1,2,3]', '[1,2,3]'::halfvec <> '[1,2,3]',
       '[1,2,3]'::halfvec >= '[1,2,4]', '[1,2,3]'::halfvec > '[1,2]';
SELECT '[1,2]'::halfvec < '[1,2,3]' AS shorter_first, '[2]'::halfvec > '[1,9,9]' AS element_first;
SELECT halfvec_cmp('[1,2]', '[1,3]'), halfvec_cmp('[1,3]', '[1,2]'), halfvec_cmp('[1,2]', '[1,2]');
SELECT '[0]'::halfvec = '[-0]' AS signed_zero_equal;
-- values compare as halves: 0.1 and 0.09998 are the same half
SELECT '[0.1]'::halfvec = '[0.09998]' AS same_half, '[-1]'::halfvec < '[-0.5]' AS negative_order,
       '[6e-08]'::halfvec > '[0]' AS subnormal_positive;

CREATE TABLE halfvec_btree (id int, v halfvec);
INSERT INTO halfvec_btree VALUES (1, '[1,2,3]'), (2, '[1,2]'), (3, '[0,9]'),
	(4, '[1,2,3]'), (5, NULL), (6, '[-1]'), (7, '[1,2,2.5]');

-- ORDER BY, DISTINCT, GROUP BY
SELECT id, v FROM halfvec_btree ORDER BY v, id;
SELECT id, v FROM halfvec_btree ORDER BY v DESC NULLS LAST, id;
SELECT DISTINCT v FROM halfvec_btree ORDER BY v;
SELECT v, count(*) FROM halfvec_btree GROUP BY v ORDER BY v;

-- btree indexes, unique ones included
CREATE INDEX halfvec_btree_v ON halfvec_btree (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM halfvec_btree WHERE v = '[1,2,3]';
SELECT id FROM halfvec_btree WHERE v = '[1,2,3]' ORDER BY id;
SELECT id FROM halfvec_btree WHERE v < '[1,2,3]' ORDER BY id;
RESET enable_seqscan;
CREATE UNIQUE INDEX halfvec_btree_unique ON halfvec_btree (v);
DELETE FROM halfvec_btree WHERE id = 4;
CREATE UNIQUE INDEX halfvec_btree_unique ON halfvec_btree (v);
INSERT INTO halfvec_btree VALUES (8, '[1,2,3]');
-- 3.0001 rounds to the half 3, 3.002 to 3.001953125 (the next half up)
INSERT INTO halfvec_btree VALUES (9, '[1,2,3.0001]');
INSERT INTO halfvec_btree VALUES (10, '[1,2,3.002]');
SELECT id, v FROM halfvec_btree WHERE v >= '[1,2,3]' ORDER BY v;

-- the operator class is valid
SELECT amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE opc.opcname = 'halfvec_ops' AND am.amname = 'btree';

DROP TABLE halfvec_btree;
