-- sparsevec: text and binary input and output
\set VERBOSITY terse

-- text input: 1-based index:value pairs, then the dimension count
SELECT '{1:1.5,3:2,7:-1}/10'::sparsevec;
SELECT '{7:-1,1:1.5,3:2}/10'::sparsevec AS sorted;
SELECT ' {  1 : 1.5 ,	3:2 }  /  10 '::sparsevec AS spaces;
SELECT '{}/5'::sparsevec, '{ }/1'::sparsevec;
SELECT '{1:0,2:3,3:-0,4:0e-50}/4'::sparsevec AS zeros_dropped;
-- a non-zero literal that underflows to zero is out of range (pgvector),
-- not silently dropped; one that stays subnormal is kept
SELECT '{1:1e-46,2:1}/2'::sparsevec;
SELECT '{1:1e-50}/1'::sparsevec;
SELECT '{1:1e-40,2:1}/2'::sparsevec;
SELECT '{1:0,1:2}/3'::sparsevec AS zero_then_duplicate;
SELECT '{1:0.1,2:1.5e-7,3:123456789,4:1.}/4'::sparsevec;
SELECT '{1:1e-45,2:1.17549435e-38,3:3.4028235e38,4:-3.4028235e38}/4'::sparsevec;
SELECT '{1000000000:1,1:2}/1000000000'::sparsevec AS max_dim;
SELECT '{+2:1}/+3'::sparsevec AS plus_signs;

-- malformed text, quoted in the error
SELECT ''::sparsevec;
SELECT '{1:1,3:2/5'::sparsevec;
SELECT '1:1}/5'::sparsevec;
SELECT '{1:1}'::sparsevec;
SELECT '{1:1}/'::sparsevec;
SELECT '{1:1}/5x'::sparsevec;
SELECT '{1:1}/5 x'::sparsevec;
SELECT '{1:1}/5.5'::sparsevec;
SELECT '{1:1}}/5'::sparsevec;
SELECT '{1:1,}/5'::sparsevec;
SELECT '{,1:1}/5'::sparsevec;
SELECT '{1}/5'::sparsevec;
SELECT '{1:}/5'::sparsevec;
SELECT '{:1}/5'::sparsevec;
SELECT '{1:1 2:2}/5'::sparsevec;
SELECT '{1.5:1}/5'::sparsevec;
SELECT '{a:1}/5'::sparsevec;
SELECT '{1:abc}/5'::sparsevec;
SELECT '[1,2]'::sparsevec;

-- bad values
SELECT '{1:NaN}/3'::sparsevec;
SELECT '{1:Infinity}/3'::sparsevec;
SELECT '{1:-inf}/3'::sparsevec;
SELECT '{1:1e39}/3'::sparsevec;
SELECT '{1: -1e39}/3'::sparsevec;

-- bad indices: checked even for a zero value
SELECT '{0:1}/3'::sparsevec;
SELECT '{4:1}/3'::sparsevec;
SELECT '{-1:1}/3'::sparsevec;
SELECT '{4:0}/3'::sparsevec;
SELECT '{99999999999999999999:1}/3'::sparsevec;
SELECT '{1:1,1:2}/3'::sparsevec;
SELECT '{2:1,1:1,2:3}/3'::sparsevec;

-- dimension and element limits
SELECT '{}/0'::sparsevec;
SELECT '{}/-1'::sparsevec;
SELECT '{}/1000000001'::sparsevec;
SELECT '{}/99999999999999999999'::sparsevec;
SELECT length(('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec::text)
	FROM generate_series(1, 16000) i;
SELECT ('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec
	FROM generate_series(1, 16001) i;
SELECT length(('{' || string_agg(i || ':' || (i > 1)::int, ',') || '}/20000')::sparsevec::text)
	FROM generate_series(1, 16001) i;

-- NULL
SELECT NULL::sparsevec;

-- binary format: int32 dim, int32 nnz, int32 unused, 0-based int32
-- indices, then float4 values, network order
SELECT sparsevec_send('{1:1,3:2}/5');
SELECT sparsevec_send('{}/5');
SELECT sparsevec_send('{1000000000:-0.5}/1000000000');

-- binary round trip through COPY
\getenv abs_builddir PG_ABS_BUILDDIR
\set filename :abs_builddir '/results/sparsevec_io.data'
CREATE TABLE sparsevec_io_src (id int, v sparsevec);
INSERT INTO sparsevec_io_src VALUES (1, '{1:1.5,3:2,7:-1}/10'), (2, '{}/5'),
	(3, NULL), (4, '{1:1e-45,2:3.4028235e38}/2'),
	(5, '{1000000000:-0.5}/1000000000');
COPY sparsevec_io_src TO :'filename' WITH (FORMAT binary);
CREATE TABLE sparsevec_io_dst (id int, v sparsevec);
COPY sparsevec_io_dst FROM :'filename' WITH (FORMAT binary);
SELECT * FROM sparsevec_io_dst ORDER BY id;
SELECT count(*) AS mismatches FROM sparsevec_io_src s JOIN sparsevec_io_dst d USING (id)
	WHERE s.v IS DISTINCT FROM d.v OR s.v::text IS DISTINCT FROM d.v::text;
CREATE TABLE sparsevec_io_typmod (id int, v sparsevec(10));
COPY sparsevec_io_typmod FROM :'filename' WITH (FORMAT binary);

-- binary input with bad contents: write raw bytes as a bytea column, then
-- read the same file into a sparsevec column
CREATE TABLE sparsevec_io_raw (id int, b bytea);
CREATE TABLE sparsevec_io_bad (id int, v sparsevec);
CREATE FUNCTION sparsevec_io_try(raw bytea) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE sparsevec_io_raw;
	INSERT INTO sparsevec_io_raw VALUES (1, raw);
	EXECUTE format('COPY sparsevec_io_raw TO %L WITH (FORMAT binary)',
				   current_setting('sparsevec_io.filename'));
	EXECUTE format('COPY sparsevec_io_bad FROM %L WITH (FORMAT binary)',
				   current_setting('sparsevec_io.filename'));
END
$$;
SELECT set_config('sparsevec_io.filename', :'filename', false) IS NOT NULL AS set;
-- dim 0, dim too large
SELECT sparsevec_io_try('\x000000000000000000000000');
SELECT sparsevec_io_try('\x3b9aca010000000000000000');
-- nnz negative, nnz too large, unused not zero
SELECT sparsevec_io_try('\x00000003ffffffff00000000');
SELECT sparsevec_io_try('\x0000000300003e8100000000');
SELECT sparsevec_io_try('\x000000030000000000000001');
-- index out of range (3 of 3, -1), not increasing (equal, decreasing)
SELECT sparsevec_io_try('\x000000030000000100000000000000033f800000');
SELECT sparsevec_io_try('\x000000030000000100000000ffffffff3f800000');
SELECT sparsevec_io_try('\x00000003000000020000000000000001000000013f80000040000000');
SELECT sparsevec_io_try('\x00000003000000020000000000000002000000013f80000040000000');
-- NaN, infinity, zero and negative zero values
SELECT sparsevec_io_try('\x000000030000000100000000000000007fc00000');
SELECT sparsevec_io_try('\x00000003000000010000000000000000ff800000');
SELECT sparsevec_io_try('\x0000000300000001000000000000000000000000');
SELECT sparsevec_io_try('\x0000000300000001000000000000000080000000');
-- too short, too long
SELECT sparsevec_io_try('\x00000003000000020000000000000000000000013f800000');
SELECT sparsevec_io_try('\x000000030000000100000000000000003f80000000');
-- and a good one, to show the harness works
SELECT sparsevec_io_try('\x00000003000000020000000000000000000000023f800000c0000000');
SELECT * FROM sparsevec_io_bad;

DROP FUNCTION sparsevec_io_try(bytea);
DROP TABLE sparsevec_io_src, sparsevec_io_dst, sparsevec_io_typmod,
	sparsevec_io_raw, sparsevec_io_bad;
