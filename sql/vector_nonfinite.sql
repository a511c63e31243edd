-- NaN and infinity never get into a vector, halfvec or sparsevec, by any
-- path: text, binary, casts from arrays and between the types, arithmetic,
-- and the avg aggregates (their final functions, called on a state made by
-- hand, included).  Each case prints its SQLSTATE and message; the last
-- query checks that none got through.
CREATE FUNCTION nonfinite_try(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- binary input: raw bytes written as a bytea field, read back as the type
\getenv abs_builddir PG_ABS_BUILDDIR
\set filename :abs_builddir '/results/vector_nonfinite.data'
SELECT set_config('vector_nonfinite.filename', :'filename', false) IS NOT NULL AS set;
CREATE TABLE nonfinite_raw (b bytea);
CREATE TABLE nonfinite_vector (v vector);
CREATE TABLE nonfinite_halfvec (v halfvec);
CREATE TABLE nonfinite_sparsevec (v sparsevec);
CREATE FUNCTION nonfinite_recv(tab text, raw bytea) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE nonfinite_raw;
	INSERT INTO nonfinite_raw VALUES (raw);
	EXECUTE format('COPY nonfinite_raw TO %L WITH (FORMAT binary)',
				   current_setting('vector_nonfinite.filename'));
	EXECUTE format('COPY %I FROM %L WITH (FORMAT binary)', tab,
				   current_setting('vector_nonfinite.filename'));
END
$$;

CREATE TABLE nonfinite_cases (id serial, label text, query text);
INSERT INTO nonfinite_cases (label, query) VALUES
-- vector
('vector text NaN', $$SELECT '[1,NaN]'::vector$$),
('vector text Infinity', $$SELECT '[Infinity,1]'::vector$$),
('vector text -inf', $$SELECT '[-inf]'::vector$$),
('vector text 1e39', $$SELECT '[1e39]'::vector$$),
('vector binary NaN', $$SELECT nonfinite_recv('nonfinite_vector', '\x000100007fc00000')$$),
('vector binary Infinity', $$SELECT nonfinite_recv('nonfinite_vector', '\x00010000ff800000')$$),
('vector from real[] NaN', $$SELECT '{1,NaN}'::real[]::vector$$),
('vector from real[] Infinity', $$SELECT '{Infinity}'::real[]::vector$$),
('vector from float8[] NaN', $$SELECT '{NaN}'::float8[]::vector$$),
('vector from float8[] -Infinity', $$SELECT '{-Infinity}'::float8[]::vector$$),
('vector from float8[] 1e39', $$SELECT '{1e39}'::float8[]::vector$$),
('vector from numeric[] NaN', $$SELECT '{NaN}'::numeric[]::vector$$),
('vector from numeric[] 1e39', $$SELECT '{1e39}'::numeric[]::vector$$),
('vector add overflow', $$SELECT '[3e38]'::vector + '[3e38]'$$),
('vector sub overflow', $$SELECT '[3e38]'::vector - '[-3e38]'$$),
('vector mul overflow', $$SELECT '[1e20]'::vector * '[1e20]'$$),
('vector sum overflow', $$SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t (v)$$),
('vector_avg NaN state', $$SELECT vector_avg('{1,NaN}'::float8[])$$),
('vector_avg Infinity state', $$SELECT vector_avg('{1,Infinity}'::float8[])$$),
('vector_avg NaN count', $$SELECT vector_avg('{NaN,1}'::float8[])$$),
('vector_avg beyond float', $$SELECT vector_avg('{0.5,3e38}'::float8[])$$),
('vector_avg after NaN accum', $$SELECT vector_avg(vector_accum('{1,NaN}', '[1]'))$$),
('vector_accum infinite state', $$SELECT vector_accum('{1,Infinity}', '[1]')$$),
('vector_combine overflow', $$SELECT vector_combine('{1,1e308}', '{1,1e308}')$$),
('vector_combine NaN then avg', $$SELECT vector_avg(vector_combine('{1,NaN}', '{1,1}'))$$),
('vector avg stored', $$INSERT INTO nonfinite_vector SELECT vector_avg('{1,NaN}'::float8[])$$),
-- halfvec
('halfvec text NaN', $$SELECT '[NaN]'::halfvec$$),
('halfvec text Infinity', $$SELECT '[1,Infinity]'::halfvec$$),
('halfvec text 65520', $$SELECT '[65520]'::halfvec$$),
('halfvec binary NaN', $$SELECT nonfinite_recv('nonfinite_halfvec', '\x000100007e00')$$),
('halfvec binary Infinity', $$SELECT nonfinite_recv('nonfinite_halfvec', '\x000100007c00')$$),
('halfvec from real[] NaN', $$SELECT '{NaN}'::real[]::halfvec$$),
('halfvec from float8[] Infinity', $$SELECT '{Infinity}'::float8[]::halfvec$$),
('halfvec from float8[] 1e39', $$SELECT '{1e39}'::float8[]::halfvec$$),
('halfvec from numeric[] NaN', $$SELECT '{NaN}'::numeric[]::halfvec$$),
('halfvec from real[] 65520', $$SELECT '{65520}'::real[]::halfvec$$),
('halfvec from vector 65520', $$SELECT '[65520]'::vector::halfvec$$),
('halfvec from sparsevec 65520', $$SELECT '{1:65520}/1'::sparsevec::halfvec$$),
('halfvec add overflow', $$SELECT '[60000]'::halfvec + '[60000]'$$),
('halfvec sub overflow', $$SELECT '[60000]'::halfvec - '[-60000]'$$),
('halfvec mul overflow', $$SELECT '[300]'::halfvec * '[300]'$$),
('halfvec sum overflow', $$SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t (v)$$),
('halfvec_avg NaN state', $$SELECT halfvec_avg('{1,NaN}'::float8[])$$),
('halfvec_avg Infinity state', $$SELECT halfvec_avg('{1,-Infinity}'::float8[])$$),
('halfvec_avg beyond half', $$SELECT halfvec_avg('{1,65520}'::float8[])$$),
('halfvec_avg after NaN accum', $$SELECT halfvec_avg(halfvec_accum('{1,NaN}', '[1]'))$$),
('halfvec_accum infinite state', $$SELECT halfvec_accum('{1,-Infinity}', '[1]')$$),
('halfvec_combine overflow', $$SELECT halfvec_combine('{1,1e308}', '{1,1e308}')$$),
-- sparsevec
('sparsevec text NaN', $$SELECT '{1:NaN}/2'::sparsevec$$),
('sparsevec text Infinity', $$SELECT '{2:Infinity}/2'::sparsevec$$),
('sparsevec text 1e39', $$SELECT '{1:1e39}/2'::sparsevec$$),
('sparsevec binary NaN', $$SELECT nonfinite_recv('nonfinite_sparsevec', '\x000000020000000100000000000000007fc00000')$$),
('sparsevec binary Infinity', $$SELECT nonfinite_recv('nonfinite_sparsevec', '\x000000020000000100000000000000007f800000')$$),
('sparsevec from real[] NaN', $$SELECT '{0,NaN}'::real[]::sparsevec$$),
('sparsevec from float8[] Infinity', $$SELECT '{Infinity,0}'::float8[]::sparsevec$$),
('sparsevec from float8[] 1e39', $$SELECT '{1e39}'::float8[]::sparsevec$$),
('sparsevec from numeric[] NaN', $$SELECT array_to_sparsevec('{NaN}'::numeric[], -1, false)$$);

SELECT label, nonfinite_try(query) AS result FROM nonfinite_cases ORDER BY id;

-- none got through, and nothing was stored
SELECT count(*) AS cases,
	count(*) FILTER (WHERE nonfinite_try(query) = 'no error') AS accepted
FROM nonfinite_cases;
SELECT (SELECT count(*) FROM nonfinite_vector) AS vectors,
	(SELECT count(*) FROM nonfinite_halfvec) AS halfvecs,
	(SELECT count(*) FROM nonfinite_sparsevec) AS sparsevecs;

-- the same paths with finite values work
SELECT vector_avg('{2,3,5}'::float8[]) AS vector_avg,
	halfvec_avg('{2,3,5}'::float8[]) AS halfvec_avg,
	'{0,1.5,0}'::float8[]::sparsevec AS sparse_from_float8;

DROP TABLE nonfinite_cases, nonfinite_raw, nonfinite_vector,
	nonfinite_halfvec, nonfinite_sparsevec;
DROP FUNCTION nonfinite_try(text);
DROP FUNCTION nonfinite_recv(text, bytea);
