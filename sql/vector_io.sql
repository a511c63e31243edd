-- vector: text and binary input and output
\set VERBOSITY terse

-- text input and shortest round-trip output
SELECT '[1,2,3]'::vector;
SELECT '[-1,-2,-3]'::vector;
SELECT '[1.,2.,3.]'::vector;
SELECT ' [ 1,  2 ,	3  ] '::vector;
SELECT '[0.1,0.2,0.3]'::vector;
SELECT '[1.5e-7,123456789,-0]'::vector;
SELECT '[1e-45,1.17549435e-38,3.4028235e38]'::vector;
SELECT '[1e-50]'::vector;

-- malformed text, quoted in the error
SELECT '[hello,1]'::vector;
SELECT '[1,2,3'::vector;
SELECT '[1,2,3]9'::vector;
SELECT '1,2,3'::vector;
SELECT '[1,]'::vector;
SELECT '[,1]'::vector;
SELECT '[1 2]'::vector;
SELECT ''::vector;
SELECT '[1,2,3] x'::vector;

-- bad values
SELECT '[NaN,1]'::vector;
SELECT '[Infinity,1]'::vector;
SELECT '[-inf,1]'::vector;
SELECT '[1e39,1]'::vector;
SELECT '[-1e39,1]'::vector;

-- dimension limits
SELECT '[]'::vector;
SELECT '[ ]'::vector;
SELECT vector_dims(('[' || array_to_string(array_fill(1, ARRAY[16000]), ',') || ']')::vector);
SELECT ('[' || array_to_string(array_fill(1, ARRAY[16001]), ',') || ']')::vector;

-- NULL
SELECT NULL::vector;

-- binary format: int16 dim, int16 unused, float4 values, network order
SELECT vector_send('[1,2,3]');
SELECT vector_send('[-0.5]');

-- binary round trip through COPY
\getenv abs_builddir PG_ABS_BUILDDIR
\set filename :abs_builddir '/results/vector_io.data'
CREATE TABLE vector_io_src (id int, v vector);
INSERT INTO vector_io_src VALUES (1, '[1,2,3]'), (2, '[0.1,-0.2,3.4028235e38]'),
	(3, NULL), (4, '[1e-45]');
COPY vector_io_src TO :'filename' WITH (FORMAT binary);
CREATE TABLE vector_io_dst (id int, v vector);
COPY vector_io_dst FROM :'filename' WITH (FORMAT binary);
SELECT * FROM vector_io_dst ORDER BY id;
SELECT count(*) AS mismatches FROM vector_io_src s JOIN vector_io_dst d USING (id)
	WHERE s.v IS DISTINCT FROM d.v;

-- binary input with a bad header: write raw bytes as a bytea column, then
-- read the same file into a vector column
CREATE TABLE vector_io_raw (id int, b bytea);
CREATE TABLE vector_io_bad (id int, v vector);
INSERT INTO vector_io_raw VALUES (1, '\x00000000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE vector_io_raw;
INSERT INTO vector_io_raw VALUES (1, '\x3e810000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE vector_io_raw;
INSERT INTO vector_io_raw VALUES (1, '\x000100013f800000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE vector_io_raw;
INSERT INTO vector_io_raw VALUES (1, '\x000100007fc00000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE vector_io_raw;
INSERT INTO vector_io_raw VALUES (1, '\x000100007f800000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE vector_io_raw;
INSERT INTO vector_io_raw VALUES (1, '\x000200003f800000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
TRUNCATE vector_io_raw;
INSERT INTO vector_io_raw VALUES (1, '\x000100003f80000000'::bytea);
COPY vector_io_raw TO :'filename' WITH (FORMAT binary);
COPY vector_io_bad FROM :'filename' WITH (FORMAT binary);
SELECT count(*) FROM vector_io_bad;

DROP TABLE vector_io_src, vector_io_dst, vector_io_raw, vector_io_bad;
