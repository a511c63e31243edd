-- sparsevec(n): the dimension count is enforced on input and on assignment
\set VERBOSITY terse

SELECT '{1:1,3:3}/3'::sparsevec(3);
SELECT '{1:1}/2'::sparsevec(3);
SELECT '{1:1}/4'::sparsevec(3);
SELECT '{1:1}/3'::sparsevec::sparsevec(3);
SELECT '{1:1}/2'::sparsevec::sparsevec(3);
SELECT '{}/1000000000'::sparsevec(1000000000);

-- typmod limits
SELECT '{}/1'::sparsevec(0);
SELECT '{}/1'::sparsevec(1000000001);
SELECT '{}/1'::sparsevec(3, 2);
SELECT '{}/1'::sparsevec(1);

CREATE TABLE sparsevec_typmod (id int, v sparsevec(3));
\d sparsevec_typmod
INSERT INTO sparsevec_typmod VALUES (1, '{1:1,2:2,3:3}/3');
INSERT INTO sparsevec_typmod VALUES (2, '{1:1}/2');
INSERT INTO sparsevec_typmod VALUES (3, '{}/4');
INSERT INTO sparsevec_typmod VALUES (4, '{2:5}/3'::sparsevec);
INSERT INTO sparsevec_typmod VALUES (5, '{2:5}/4'::sparsevec);
INSERT INTO sparsevec_typmod VALUES (6, '[7,0,9]'::vector);
INSERT INTO sparsevec_typmod VALUES (7, '[7,8]'::vector);
UPDATE sparsevec_typmod SET v = '{1:1}/2' WHERE id = 1;
SELECT * FROM sparsevec_typmod ORDER BY id;

-- typmod in the catalog, and column type changes
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'sparsevec_typmod'::regclass AND attname = 'v';
ALTER TABLE sparsevec_typmod ALTER COLUMN v TYPE sparsevec(4);
ALTER TABLE sparsevec_typmod ALTER COLUMN v TYPE sparsevec;
ALTER TABLE sparsevec_typmod ALTER COLUMN v TYPE sparsevec(3);
ALTER TABLE sparsevec_typmod ALTER COLUMN v TYPE vector(3);
SELECT * FROM sparsevec_typmod ORDER BY id;
ALTER TABLE sparsevec_typmod ALTER COLUMN v TYPE sparsevec(3);
SELECT * FROM sparsevec_typmod ORDER BY id;

DROP TABLE sparsevec_typmod;
