-- halfvec: text and binary input and output
\set VERBOSITY terse

-- text input is parsed as vector's and rounded to the nearest half; output
-- is the shortest decimal of each half's exact float value
SELECT '[1,2,3]'::halfvec;
SELECT '[-1,-2,-3]'::halfvec;
SELECT '[1.,2.,3.]'::halfvec;
SELECT ' [ 1,  2 ,	3  ] '::halfvec;
SELECT '[1.5,-0.25,-0]'::halfvec;
-- 0.1 is 0.0999755859375 as a half, 0.2 is 0.199951171875, 0.3 is
-- 0.300048828125
SELECT '[0.1,0.2,0.3]'::halfvec;
-- ties round to even: 2049 lies between 2048 and 2050, 2051 between 2050
-- and 2052, 1 + 2^-11 between 1 and 1 + 2^-10
SELECT '[2049,2051,1.00048828125]'::halfvec;
-- the largest half, a value that rounds down to it, the smallest normal
-- (2^-14) and the smallest subnormal (2^-24 = 5.9604645e-08)
SELECT '[65504,-65519,6.1035156e-05,6e-08]'::halfvec;
-- below half the smallest subnormal, and below float's range: zero
SELECT '[1e-8,-1e-8]'::halfvec;
SELECT '[1e-50]'::halfvec;

-- malformed text, quoted in the error
SELECT '[hello,1]'::halfvec;
SELECT '[1,2,3'::halfvec;
SELECT '[1,2,3]9'::halfvec;
SELECT '1,2,3'::halfvec;
SELECT '[1,]'::halfvec;
SELECT '[,1]'::halfvec;
SELECT '[1 2]'::halfvec;
SELECT ''::halfvec;
SELECT '[1,2,3] x'::halfvec;

-- bad values: NaN, infinity, and anything that rounds past 65504 (65520 is
-- the midpoint to 65536 and rounds to even, up)
SELECT '[NaN,1]'::halfvec;
SELECT '[Infinity,1]'::halfvec;
SELECT '[-inf,1]'::halfvec;
SELECT '[1,70000]'::halfvec;
SELECT '[65520]'::halfvec;
SELECT '[-65520]'::halfvec;
SELECT '[1e39,1]'::halfvec;
SELECT '[-1e39,1]'::halfvec;

-- dimension limits
SELECT '[]'::halfvec;
SELECT '[ ]'::halfvec;
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::halfvec);
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::halfvec;

-- NULL
SELECT NULL::halfvec;

-- binary format: int16 dim, int16 unused, binary16 values, network order
-- (1 = 3c00, 2 = 4000, 3 = 4200, -0.5 = b800, 65504 = 7bff, 2^-24 = 0001)
SELECT halfvec_send('[1,2,3]');
SELECT halfvec_send('[-0.5,65504,6e-08]');

-- binary round trip through COPY
\getenv abs_builddir PG_ABS_BUILDDIR
\set filename :abs_builddir '/results/halfvec_io.data'
CREATE TABLE halfvec_io_src (id int, v halfvec);
INSERT INTO halfvec_io_src VALUES (1, '[1,2,3]'), (2, '[0.1,-0.2,65504]'),
	(3, NULL), (4, '[6e-08,-0]');
COPY halfvec_io_src TO :'filename' WITH (FORMAT binary);
CREATE TABLE halfvec_io_dst (id int, v halfvec);
COPY halfvec_io_dst FROM :'filename' WITH (FORMAT binary);
SELECT * FROM halfvec_io_dst ORDER BY id;
SELECT count(*) AS mismatches FROM halfvec_io_src s JOIN halfvec_io_dst d USING (id)
	WHERE halfvec_send(s.v) IS DISTINCT FROM halfvec_send(d.v);

-- binary input with a bad header or bad values: write raw bytes as a bytea
-- column, then read the same file into a halfvec column
CREATE TABLE halfvec_io_raw (id int, b bytea);
CREATE TABLE halfvec_io_bad (id int, v halfvec);
INSERT INTO halfvec_io_raw VALUES (1, '\x00000000'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x3e810000'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x000100013c00'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x000100007e00'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x000100007c00'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x00010000fc00'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x000200003c00'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x000100003c0000'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
-- a good one: subnormal and negative zero survive
TRUNCATE halfvec_io_raw;
INSERT INTO halfvec_io_raw VALUES (1, '\x0003000000018000bbff'::bytea);
COPY halfvec_io_raw TO :'filename' WITH (FORMAT binary);
COPY halfvec_io_bad FROM :'filename' WITH (FORMAT binary);
SELECT id, v FROM halfvec_io_bad;

DROP TABLE halfvec_io_src, halfvec_io_dst, halfvec_io_raw, halfvec_io_bad;
