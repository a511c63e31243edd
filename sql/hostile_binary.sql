-- hostile binary input: hand-made COPY ... (FORMAT binary) files that
-- carry malformed vector, halfvec and sparsevec messages (truncated, wrong
-- dimensions, bad header fields, NaN and infinity, bad indices), and
-- malformed COPY files around well-formed messages.  Each file is written
-- with lo_export (the test runs as superuser) and read by COPY in its own
-- subtransaction; every case must fail with an error, the tables stay
-- empty, and the server keeps answering.
\getenv abs_builddir PG_ABS_BUILDDIR
\set filename :abs_builddir '/results/hostile_binary.data'

-- message builders, network byte order
CREATE FUNCTION hb_i2(int) RETURNS bytea LANGUAGE sql
	AS $$ SELECT int2send($1::int2) $$;
CREATE FUNCTION hb_i4(int) RETURNS bytea LANGUAGE sql
	AS $$ SELECT int4send($1) $$;
CREATE FUNCTION hb_f4(real) RETURNS bytea LANGUAGE sql
	AS $$ SELECT float4send($1) $$;
-- a COPY binary file: signature, flags, header extension length
CREATE FUNCTION hb_header() RETURNS bytea LANGUAGE sql
	AS $$ SELECT '\x5047434f50590aff0d0a00'::bytea || int4send(0) || int4send(0) $$;
-- a whole file holding one row of one field, msg
CREATE FUNCTION hb_file(msg bytea) RETURNS bytea LANGUAGE sql
	AS $$ SELECT hb_header() || int2send(1::int2) || int4send(length(msg)) || msg
		|| int2send(-1::int2) $$;
-- write file to path, COPY it into tab; 'no error' or the SQLSTATE and message
CREATE FUNCTION hb_copy(path text, tab text, file bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	lo			oid;
BEGIN
	lo := lo_from_bytea(0, file);
	PERFORM lo_export(lo, path);
	PERFORM lo_unlink(lo);
	EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tab, path);
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN left(SQLSTATE || ': ' || SQLERRM, 90);
END
$$;

CREATE TABLE hb_vector (v vector);
CREATE TABLE hb_vector3 (v vector(3));
CREATE TABLE hb_halfvec (v halfvec);
CREATE TABLE hb_sparsevec (v sparsevec);
CREATE TABLE hb_sparsevec5 (v sparsevec(5));
-- label, target table, whole file
CREATE TABLE hb_cases (id serial, label text, tab text, file bytea);

-- vector messages: int16 dim, int16 unused, float4 values
INSERT INTO hb_cases (label, tab, file) VALUES
('vector: empty message', 'hb_vector', hb_file('')),
('vector: 1 byte', 'hb_vector', hb_file('\x00')),
('vector: 3 bytes', 'hb_vector', hb_file('\x000100')),
('vector: dim 0', 'hb_vector', hb_file(hb_i2(0) || hb_i2(0))),
('vector: dim -1', 'hb_vector', hb_file(hb_i2(-1) || hb_i2(0) || hb_f4(1))),
('vector: dim -32768', 'hb_vector', hb_file(hb_i2(-32768) || hb_i2(0))),
('vector: dim 16001', 'hb_vector', hb_file(hb_i2(16001) || hb_i2(0))),
('vector: dim 32767', 'hb_vector', hb_file(hb_i2(32767) || hb_i2(0))),
('vector: unused 1', 'hb_vector', hb_file(hb_i2(1) || hb_i2(1) || hb_f4(1))),
('vector: unused -1', 'hb_vector', hb_file(hb_i2(1) || hb_i2(-1) || hb_f4(1))),
('vector: dim 3, 2 values', 'hb_vector', hb_file(hb_i2(3) || hb_i2(0) || hb_f4(1) || hb_f4(2))),
('vector: dim 2, half a value', 'hb_vector', hb_file(hb_i2(2) || hb_i2(0) || hb_f4(1) || '\x3f80')),
('vector: trailing bytes', 'hb_vector', hb_file(hb_i2(1) || hb_i2(0) || hb_f4(1) || '\x00')),
('vector: NaN', 'hb_vector', hb_file(hb_i2(2) || hb_i2(0) || hb_f4(1) || hb_f4('NaN'))),
('vector: signalling NaN', 'hb_vector', hb_file(hb_i2(1) || hb_i2(0) || '\x7f800001')),
('vector: negative NaN', 'hb_vector', hb_file(hb_i2(1) || hb_i2(0) || '\xffc00000')),
('vector: Infinity', 'hb_vector', hb_file(hb_i2(1) || hb_i2(0) || hb_f4('Infinity'))),
('vector: -Infinity', 'hb_vector', hb_file(hb_i2(1) || hb_i2(0) || hb_f4('-Infinity'))),
('vector: NaN after truncation point', 'hb_vector', hb_file(hb_i2(3) || hb_i2(0) || hb_f4('NaN'))),
('vector(3): dim 2', 'hb_vector3', hb_file(hb_i2(2) || hb_i2(0) || hb_f4(1) || hb_f4(2))),
('vector(3): dim 4', 'hb_vector3', hb_file(hb_i2(4) || hb_i2(0) || hb_f4(1) || hb_f4(2) || hb_f4(3) || hb_f4(4)));

-- halfvec messages: int16 dim, int16 unused, binary16 bit patterns
INSERT INTO hb_cases (label, tab, file) VALUES
('halfvec: empty message', 'hb_halfvec', hb_file('')),
('halfvec: dim 0', 'hb_halfvec', hb_file(hb_i2(0) || hb_i2(0))),
('halfvec: dim -1', 'hb_halfvec', hb_file(hb_i2(-1) || hb_i2(0))),
('halfvec: dim 16001', 'hb_halfvec', hb_file(hb_i2(16001) || hb_i2(0))),
('halfvec: unused 1', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(1) || '\x3c00')),
('halfvec: dim 2, 1 value', 'hb_halfvec', hb_file(hb_i2(2) || hb_i2(0) || '\x3c00')),
('halfvec: dim 1, 1 byte', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(0) || '\x3c')),
('halfvec: trailing bytes', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(0) || '\x3c0000')),
('halfvec: NaN', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(0) || '\x7e00')),
('halfvec: negative NaN', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(0) || '\xfe01')),
('halfvec: Infinity', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(0) || '\x7c00')),
('halfvec: -Infinity', 'hb_halfvec', hb_file(hb_i2(1) || hb_i2(0) || '\xfc00'));

-- sparsevec messages: int32 dim, int32 nnz, int32 unused, nnz int32
-- 0-based indices, nnz float4 values
INSERT INTO hb_cases (label, tab, file) VALUES
('sparsevec: empty message', 'hb_sparsevec', hb_file('')),
('sparsevec: 11 bytes', 'hb_sparsevec', hb_file('\x0000000500000000000000')),
('sparsevec: dim 0', 'hb_sparsevec', hb_file(hb_i4(0) || hb_i4(0) || hb_i4(0))),
('sparsevec: dim -1', 'hb_sparsevec', hb_file(hb_i4(-1) || hb_i4(0) || hb_i4(0))),
('sparsevec: dim 1e9+1', 'hb_sparsevec', hb_file(hb_i4(1000000001) || hb_i4(0) || hb_i4(0))),
('sparsevec: dim int max', 'hb_sparsevec', hb_file(hb_i4(2147483647) || hb_i4(0) || hb_i4(0))),
('sparsevec: nnz -1', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(-1) || hb_i4(0))),
('sparsevec: nnz 16001', 'hb_sparsevec', hb_file(hb_i4(20000) || hb_i4(16001) || hb_i4(0))),
('sparsevec: nnz int max', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(2147483647) || hb_i4(0))),
('sparsevec: unused 1', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(0) || hb_i4(1))),
('sparsevec: nnz 2, 1 index', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(2) || hb_i4(0) || hb_i4(1))),
('sparsevec: nnz 2, 1 value', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(2) || hb_i4(0) || hb_i4(1) || hb_i4(2) || hb_f4(1))),
('sparsevec: nnz 16000, no data', 'hb_sparsevec', hb_file(hb_i4(20000) || hb_i4(16000) || hb_i4(0))),
('sparsevec: index -1', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(-1) || hb_f4(1))),
('sparsevec: index = dim', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(5) || hb_f4(1))),
('sparsevec: indices unsorted', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(2) || hb_i4(0) || hb_i4(3) || hb_i4(1) || hb_f4(1) || hb_f4(2))),
('sparsevec: index repeated', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(2) || hb_i4(0) || hb_i4(1) || hb_i4(1) || hb_f4(1) || hb_f4(2))),
('sparsevec: zero value', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(1) || hb_f4(0))),
('sparsevec: negative zero value', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(1) || hb_f4('-0'))),
('sparsevec: NaN value', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(1) || hb_f4('NaN'))),
('sparsevec: Infinity value', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(1) || hb_f4('Infinity'))),
('sparsevec: trailing bytes', 'hb_sparsevec', hb_file(hb_i4(5) || hb_i4(1) || hb_i4(0) || hb_i4(1) || hb_f4(1) || '\x00')),
('sparsevec(5): dim 3', 'hb_sparsevec5', hb_file(hb_i4(3) || hb_i4(0) || hb_i4(0)));

-- malformed COPY files around a well-formed vector message
INSERT INTO hb_cases (label, tab, file) VALUES
('file: empty', 'hb_vector', ''::bytea),
('file: bad signature', 'hb_vector', '\x5047434f50590aff0d0a01'::bytea || hb_i4(0) || hb_i4(0) || hb_i2(-1)),
('file: signature only', 'hb_vector', '\x5047434f50590aff0d0a00'::bytea),
('file: header cut short', 'hb_vector', '\x5047434f50590aff0d0a000000'),
('file: header extension past the end', 'hb_vector', '\x5047434f50590aff0d0a00'::bytea || hb_i4(0) || hb_i4(1000)),
('file: OIDs flag', 'hb_vector', '\x5047434f50590aff0d0a00'::bytea || hb_i4(65536) || hb_i4(0) || hb_i2(-1)),
('file: field cut short', 'hb_vector', hb_header() || hb_i2(1) || hb_i4(8) || hb_i2(1) || hb_i2(0)),
('file: field length past the end', 'hb_vector', hb_header() || hb_i2(1) || hb_i4(100) || hb_i2(1) || hb_i2(0) || hb_f4(1) || hb_i2(-1)),
('file: field length -2', 'hb_vector', hb_header() || hb_i2(1) || hb_i4(-2) || hb_i2(-1)),
('file: field length int max', 'hb_vector', hb_header() || hb_i2(1) || hb_i4(2147483647) || hb_i2(-1)),
('file: 2 fields for 1 column', 'hb_vector', hb_header() || hb_i2(2) || hb_i4(8) || hb_i2(1) || hb_i2(0) || hb_f4(1) || hb_i4(-1) || hb_i2(-1)),
('file: field count -2', 'hb_vector', hb_header() || hb_i2(-2) || hb_i2(-1)),
('file: data after the trailer', 'hb_vector', hb_file(hb_i2(1) || hb_i2(0) || hb_f4(1)) || '\x00'::bytea);

SELECT label, hb_copy(:'filename', tab, file) AS result FROM hb_cases ORDER BY id;

-- every case failed, nothing was loaded, the server is still up
SELECT count(*) AS cases,
	count(*) FILTER (WHERE hb_copy(:'filename', tab, file) = 'no error') AS accepted
FROM hb_cases;
SELECT (SELECT count(*) FROM hb_vector) + (SELECT count(*) FROM hb_vector3) +
	(SELECT count(*) FROM hb_halfvec) + (SELECT count(*) FROM hb_sparsevec) +
	(SELECT count(*) FROM hb_sparsevec5) AS rows_loaded;

-- the same builders make well-formed files that load
SELECT hb_copy(:'filename', 'hb_vector', hb_file(hb_i2(2) || hb_i2(0) || hb_f4(1.5) || hb_f4('-0'))) AS vector,
	hb_copy(:'filename', 'hb_halfvec', hb_file(hb_i2(2) || hb_i2(0) || '\x3c000001')) AS halfvec,
	hb_copy(:'filename', 'hb_sparsevec5', hb_file(hb_i4(5) || hb_i4(2) || hb_i4(0) || hb_i4(0) || hb_i4(4) || hb_f4(1) || hb_f4(-2))) AS sparsevec,
	hb_copy(:'filename', 'hb_vector', hb_header() || hb_i2(1) || hb_i4(-1) || hb_i2(-1)) AS null_field;
SELECT v FROM hb_vector ORDER BY v NULLS LAST;
SELECT v FROM hb_halfvec;
SELECT v FROM hb_sparsevec5;

DROP TABLE hb_cases, hb_vector, hb_vector3, hb_halfvec, hb_sparsevec, hb_sparsevec5;
DROP FUNCTION hb_copy(text, text, bytea), hb_file(bytea), hb_header(),
	hb_i2(int), hb_i4(int), hb_f4(real);
