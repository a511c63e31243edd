-- comparison operators and the btree operator class
--
-- sparsevec orders as vector orders the dense forms: element by element
-- over the dimensions both have, then fewer dimensions first
\set VERBOSITY terse

SELECT '{1:1,2:2,3:3}/3'::sparsevec < '{1:1,2:2,3:4}/3', '{1:1}/3'::sparsevec <= '{1:1}/3',
       '{1:1}/3'::sparsevec = '{1:1}/3', '{1:1}/3'::sparsevec <> '{1:1}/3',
       '{1:1}/3'::sparsevec >= '{1:2}/3', '{1:1}/3'::sparsevec > '{1:1}/2';
SELECT '{1:1}/2'::sparsevec < '{1:1}/3' AS shorter_first,
       '{1:2}/1'::sparsevec > '{1:1,2:9,3:9}/3' AS element_first,
       '{2:1}/3'::sparsevec > '{3:1}/3' AS missing_is_zero,
       '{2:-1}/3'::sparsevec < '{3:-1}/3' AS negative_below_zero,
       '{4:-5}/4'::sparsevec > '{}/3' AS past_shorter_dim_ignored;
SELECT sparsevec_cmp('{1:1}/2', '{1:2}/2'), sparsevec_cmp('{1:2}/2', '{1:1}/2'),
       sparsevec_cmp('{1:1}/2', '{1:1}/2'), sparsevec_cmp('{}/2', '{}/2');
SELECT '{1:0}/1'::sparsevec = '{1:-0}/1' AS signed_zero_equal;

-- the order is exactly vector's on the dense forms
CREATE TABLE sparsevec_btree_pairs (v sparsevec);
INSERT INTO sparsevec_btree_pairs VALUES ('{}/2'), ('{}/3'), ('{1:1}/1'), ('{1:1}/2'),
	('{1:-1}/2'), ('{2:1}/2'), ('{2:-1}/2'), ('{1:1,2:1}/2'), ('{2:1}/3'), ('{3:1}/3'),
	('{3:-1}/3'), ('{1:1,3:2}/3'), ('{1:1,2:2}/2'), ('{1:1,2:2,3:3}/3'), ('{1:0.5}/3');
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE sparsevec_cmp(a.v, b.v) = vector_cmp(a.v::vector, b.v::vector)) AS agree
FROM sparsevec_btree_pairs a, sparsevec_btree_pairs b;
DROP TABLE sparsevec_btree_pairs;

CREATE TABLE sparsevec_btree (id int, v sparsevec);
INSERT INTO sparsevec_btree VALUES (1, '{1:1,2:2,3:3}/3'), (2, '{1:1,2:2}/2'), (3, '{2:9}/2'),
	(4, '{3:3,1:1,2:2}/3'), (5, NULL), (6, '{1:-1}/1'), (7, '{1:1,2:2,3:2.5}/3'),
	(8, '{}/2'), (9, '{}/1000000000');

-- ORDER BY, DISTINCT, GROUP BY
SELECT id, v FROM sparsevec_btree ORDER BY v, id;
SELECT id, v FROM sparsevec_btree ORDER BY v DESC NULLS LAST, id;
SELECT DISTINCT v FROM sparsevec_btree ORDER BY v;
SELECT v, count(*) FROM sparsevec_btree GROUP BY v ORDER BY v;

-- btree indexes, unique ones included
CREATE INDEX sparsevec_btree_v ON sparsevec_btree (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM sparsevec_btree WHERE v = '{1:1,2:2,3:3}/3';
SELECT id FROM sparsevec_btree WHERE v = '{1:1,2:2,3:3}/3' ORDER BY id;
SELECT id FROM sparsevec_btree WHERE v < '{1:1,2:2,3:3}/3' ORDER BY id;
RESET enable_seqscan;
CREATE UNIQUE INDEX sparsevec_btree_unique ON sparsevec_btree (v);
DELETE FROM sparsevec_btree WHERE id = 4;
CREATE UNIQUE INDEX sparsevec_btree_unique ON sparsevec_btree (v);
INSERT INTO sparsevec_btree VALUES (10, '{3:3,2:2,1:1}/3');
INSERT INTO sparsevec_btree VALUES (11, '{1:1,2:2,3:3.0001}/3');
INSERT INTO sparsevec_btree VALUES (12, '{}/3');

-- the operator class is valid
SELECT amvalidate(opc.oid) FROM pg_opclass opc
	JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE opc.opcname = 'sparsevec_ops' AND am.amname = 'btree';

DROP TABLE sparsevec_btree;
