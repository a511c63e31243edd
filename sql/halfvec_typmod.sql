-- halfvec(n): the dimension count is enforced on input and on assignment
\set VERBOSITY terse

SELECT '[1,2,3]'::halfvec(3);
SELECT '[1,2]'::halfvec(3);
SELECT '[1,2,3]'::halfvec(2);
SELECT '[1,2,3]'::halfvec::halfvec(3);
SELECT '[1,2]'::halfvec::halfvec(3);

-- typmod limits
SELECT '[1]'::halfvec(0);
SELECT '[1]'::halfvec(16001);
SELECT '[1]'::halfvec(3, 2);
SELECT '[1]'::halfvec(1);
SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec(16000));

CREATE TABLE halfvec_typmod (id int, v halfvec(3));
\d halfvec_typmod
INSERT INTO halfvec_typmod VALUES (1, '[1,2,3]');
INSERT INTO halfvec_typmod VALUES (2, '[1,2]');
INSERT INTO halfvec_typmod VALUES (3, '[1,2,3,4]');
INSERT INTO halfvec_typmod VALUES (4, '{4,5,6}'::real[]);
INSERT INTO halfvec_typmod VALUES (5, '{4,5}'::real[]);
INSERT INTO halfvec_typmod VALUES (6, '[7,8,9]'::halfvec);
INSERT INTO halfvec_typmod VALUES (7, '[7,8]'::halfvec);
INSERT INTO halfvec_typmod VALUES (8, '[10,11,12]'::vector);
INSERT INTO halfvec_typmod VALUES (9, '[10,11]'::vector);
UPDATE halfvec_typmod SET v = '[1,1]' WHERE id = 1;
SELECT * FROM halfvec_typmod ORDER BY id;

-- typmod in the catalog, and when the column type changes
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
	WHERE attrelid = 'halfvec_typmod'::regclass AND attname = 'v';
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE halfvec(4);
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE halfvec;
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE halfvec(3);
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE vector(4);
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE vector(3);
\d halfvec_typmod
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE halfvec(2);
ALTER TABLE halfvec_typmod ALTER COLUMN v TYPE halfvec(3);
SELECT * FROM halfvec_typmod ORDER BY id;

DROP TABLE halfvec_typmod;
