-- vector(n): the dimension count is enforced on input and on assignment
\set VERBOSITY terse

SELECT '[1,2,3]'::vector(3);
SELECT '[1,2]'::vector(3);
SELECT '[1,2,3]'::vector(2);
SELECT '[1,2,3]'::vector::vector(3);
SELECT '[1,2]'::vector::vector(3);

-- typmod limits
SELECT '[1]'::vector(0);
SELECT '[1]'::vector(16001);
SELECT '[1]'::vector(3, 2);
SELECT '[1]'::vector(1);

CREATE TABLE vector_typmod (id int, v vector(3));
\d vector_typmod
INSERT INTO vector_typmod VALUES (1, '[1,2,3]');
INSERT INTO vector_typmod VALUES (2, '[1,2]');
INSERT INTO vector_typmod VALUES (3, '[1,2,3,4]');
INSERT INTO vector_typmod VALUES (4, '{4,5,6}'::real[]);
INSERT INTO vector_typmod VALUES (5, '{4,5}'::real[]);
INSERT INTO vector_typmod VALUES (6, '[7,8,9]'::vector);
INSERT INTO vector_typmod VALUES (7, '[7,8]'::vector);
UPDATE vector_typmod SET v = '[1,1]' WHERE id = 1;
SELECT * FROM vector_typmod ORDER BY id;

-- typmod in functions and casts from the column type
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'vector_typmod'::regclass AND attname = 'v';
ALTER TABLE vector_typmod ALTER COLUMN v TYPE vector(4);
ALTER TABLE vector_typmod ALTER COLUMN v TYPE vector;
ALTER TABLE vector_typmod ALTER COLUMN v TYPE vector(3);

DROP TABLE vector_typmod;
