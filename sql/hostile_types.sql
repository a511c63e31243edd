-- hostile input to the types: text, typmods, casts, arithmetic, operators
-- across types and dimensions.  Each case runs in its own subtransaction
-- through hostile_try(), which returns the SQLSTATE and the message (cut
-- at 90 characters: some messages quote the whole input); every case must
-- fail with an error, and the last query checks that none got through and
-- that the server is still answering.
CREATE FUNCTION hostile_try(query text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN left(SQLSTATE || ': ' || SQLERRM, 90);
END
$$;
CREATE TABLE hostile_types_cases (id serial, label text, query text);

-- text input
INSERT INTO hostile_types_cases (label, query) VALUES
('vector empty string', $$SELECT ''::vector$$),
('vector spaces only', $$SELECT '   '::vector$$),
('vector no brackets', $$SELECT '1,2'::vector$$),
('vector unclosed', $$SELECT '[1,2'::vector$$),
('vector empty', $$SELECT '[]'::vector$$),
('vector missing comma', $$SELECT '[1 2]'::vector$$),
('vector empty element', $$SELECT '[1,,2]'::vector$$),
('vector trailing comma', $$SELECT '[1,]'::vector$$),
('vector nested', $$SELECT '[[1]]'::vector$$),
('vector trailing junk', $$SELECT '[1]]'::vector$$),
('vector embedded NUL escape', $$SELECT E'[1\\x002]'::vector$$),
('vector 1e39', $$SELECT '[1e39]'::vector$$),
('vector -1e39', $$SELECT '[-1e39]'::vector$$),
('vector huge literal', $$SELECT ('[1' || repeat('0', 400) || ']')::vector$$),
('vector nan', $$SELECT '[nan]'::vector$$),
('vector NaN second', $$SELECT '[1,NaN]'::vector$$),
('vector inf', $$SELECT '[inf]'::vector$$),
('vector -Infinity', $$SELECT '[-Infinity]'::vector$$),
('vector 16001 dimensions', $$SELECT ('[' || repeat('1,', 16000) || '1]')::vector$$),
('vector a million dimensions', $$SELECT ('[' || repeat('1,', 1000000) || '1]')::vector$$),
('halfvec unclosed', $$SELECT '[1'::halfvec$$),
('halfvec empty', $$SELECT '[]'::halfvec$$),
('halfvec 65520', $$SELECT '[65520]'::halfvec$$),
('halfvec -1e5', $$SELECT '[-1e5]'::halfvec$$),
('halfvec 1e39', $$SELECT '[1e39]'::halfvec$$),
('halfvec nan', $$SELECT '[nan]'::halfvec$$),
('halfvec inf', $$SELECT '[inf]'::halfvec$$),
('halfvec 16001 dimensions', $$SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec$$),
('sparsevec empty string', $$SELECT ''::sparsevec$$),
('sparsevec no dimensions', $$SELECT '{1:1}'::sparsevec$$),
('sparsevec no braces', $$SELECT '1:1/3'::sparsevec$$),
('sparsevec dimension 0', $$SELECT '{}/0'::sparsevec$$),
('sparsevec dimension -1', $$SELECT '{}/-1'::sparsevec$$),
('sparsevec dimension 1e9+1', $$SELECT '{}/1000000001'::sparsevec$$),
('sparsevec dimension 2^64', $$SELECT '{}/18446744073709551616'::sparsevec$$),
('sparsevec dimension junk', $$SELECT '{}/3x'::sparsevec$$),
('sparsevec dimension twice', $$SELECT '{}/3/3'::sparsevec$$),
('sparsevec index 0', $$SELECT '{0:1}/3'::sparsevec$$),
('sparsevec index -1', $$SELECT '{-1:1}/3'::sparsevec$$),
('sparsevec index past dim', $$SELECT '{4:1}/3'::sparsevec$$),
('sparsevec index 2^64', $$SELECT '{18446744073709551616:1}/3'::sparsevec$$),
('sparsevec index missing', $$SELECT '{:1}/3'::sparsevec$$),
('sparsevec value missing', $$SELECT '{1:}/3'::sparsevec$$),
('sparsevec trailing comma', $$SELECT '{1:1,}/3'::sparsevec$$),
('sparsevec duplicate', $$SELECT '{2:1,2:3}/3'::sparsevec$$),
('sparsevec nan', $$SELECT '{1:nan}/3'::sparsevec$$),
('sparsevec -inf', $$SELECT '{1:-inf}/3'::sparsevec$$),
('sparsevec 1e39', $$SELECT '{1:1e39}/3'::sparsevec$$),
('sparsevec second close', $$SELECT '{1:1}}/3'::sparsevec$$),
('sparsevec 16001 elements', $$SELECT ('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec FROM generate_series(1, 16001) i$$);

-- typmods
INSERT INTO hostile_types_cases (label, query) VALUES
('vector(0)', $$SELECT '[1]'::vector(0)$$),
('vector(-1)', $$SELECT '[1]'::vector(-1)$$),
('vector(16001)', $$SELECT '[1]'::vector(16001)$$),
('vector(2147483647)', $$CREATE TEMP TABLE hostile_t (v vector(2147483647))$$),
('vector(2147483648)', $$CREATE TEMP TABLE hostile_t (v vector(2147483648))$$),
('vector(1,2)', $$SELECT '[1]'::vector(1, 2)$$),
('vector(''a'')', $$SELECT '[1]'::vector('a')$$),
('vector(3) gets 2', $$SELECT '[1,2]'::vector(3)$$),
('vector(2) gets 3 by cast', $$SELECT '[1,2,3]'::vector::vector(2)$$),
('halfvec(0)', $$SELECT '[1]'::halfvec(0)$$),
('halfvec(16001)', $$SELECT '[1]'::halfvec(16001)$$),
('halfvec(2) gets 1', $$SELECT '[1]'::halfvec(2)$$),
('sparsevec(0)', $$SELECT '{}/1'::sparsevec(0)$$),
('sparsevec(1000000001)', $$SELECT '{}/1'::sparsevec(1000000001)$$),
('sparsevec(5) gets 3', $$SELECT '{}/3'::sparsevec(5)$$),
('array to vector(2) with 3', $$SELECT ARRAY[1,2,3]::vector(2)$$),
('insert 3 into vector(2)', $$CREATE TEMP TABLE hostile_t2 (v vector(2)); INSERT INTO hostile_t2 VALUES ('[1,2,3]')$$);

-- casts
INSERT INTO hostile_types_cases (label, query) VALUES
('real[] NaN to vector', $$SELECT ARRAY[1, 'NaN']::real[]::vector$$),
('float8[] Infinity to vector', $$SELECT ARRAY['Infinity']::float8[]::vector$$),
('float8[] 1e39 to vector', $$SELECT ARRAY[1e39]::float8[]::vector$$),
('numeric[] 1e400 to vector', $$SELECT ARRAY[1e400]::numeric[]::vector$$),
('int[] with NULL to vector', $$SELECT ARRAY[1, NULL]::int[]::vector$$),
('empty int[] to vector', $$SELECT '{}'::int[]::vector$$),
('16001-element array to vector', $$SELECT array_fill(1, ARRAY[16001])::vector$$),
('text[] to vector', $$SELECT ARRAY['1']::text[]::vector$$),
('real[] NaN to halfvec', $$SELECT ARRAY['NaN']::real[]::halfvec$$),
('real[] 70000 to halfvec', $$SELECT ARRAY[70000]::real[]::halfvec$$),
('vector 1e5 to halfvec', $$SELECT '[1e5]'::vector::halfvec$$),
('vector of 2 to sparsevec(3)', $$SELECT '[1,2]'::vector::sparsevec(3)$$),
('sparsevec 20000 to vector', $$SELECT '{1:1}/20000'::sparsevec::vector$$),
('sparsevec 20000 to halfvec', $$SELECT '{1:1}/20000'::sparsevec::halfvec$$),
('sparsevec 1e5 to halfvec', $$SELECT '{1:1e5}/2'::sparsevec::halfvec$$),
('vector to int', $$SELECT '[1]'::vector::int$$),
('bit to vector', $$SELECT B'101'::vector$$);

-- arithmetic and functions
INSERT INTO hostile_types_cases (label, query) VALUES
('vector add overflow', $$SELECT '[3e38]'::vector + '[3e38]'$$),
('vector sub overflow', $$SELECT '[-3e38]'::vector - '[3e38]'$$),
('vector mul overflow', $$SELECT '[3e38]'::vector * '[2]'$$),
('halfvec add overflow', $$SELECT '[60000]'::halfvec + '[60000]'$$),
('halfvec mul overflow', $$SELECT '[300]'::halfvec * '[300]'$$),
('vector sum overflow', $$SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v)$$),
('halfvec sum overflow', $$SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v)$$),
('vector avg mixed dimensions', $$SELECT avg(v) FROM (VALUES ('[1]'::vector), ('[1,2]')) t(v)$$),
('vector sum mixed dimensions', $$SELECT sum(v) FROM (VALUES ('[1]'::vector), ('[1,2]')) t(v)$$),
('halfvec avg mixed dimensions', $$SELECT avg(v) FROM (VALUES ('[1]'::halfvec), ('[1,2]')) t(v)$$),
('vector concat past 16000', $$SELECT array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8001])::vector$$),
('halfvec concat past 16000', $$SELECT array_fill(1, ARRAY[8000])::halfvec || array_fill(1, ARRAY[8001])::halfvec$$),
('subvector past the end', $$SELECT subvector('[1,2,3]'::vector, 4, 1)$$),
('subvector count 0', $$SELECT subvector('[1,2,3]'::vector, 1, 0)$$),
('subvector int extremes', $$SELECT subvector('[1,2,3]'::vector, -2147483648, -2147483648)$$),
('subvector negative count', $$SELECT subvector('[1,2,3]'::vector, 2, -1)$$),
('halfvec subvector past the end', $$SELECT subvector('[1,2,3]'::halfvec, 2147483647, 2147483647)$$);

-- operators across dimensions and types
INSERT INTO hostile_types_cases (label, query) VALUES
('vector <-> dims', $$SELECT '[1,2]'::vector <-> '[1,2,3]'$$),
('vector <#> dims', $$SELECT '[1,2]'::vector <#> '[1,2,3]'$$),
('vector <=> dims', $$SELECT '[1,2]'::vector <=> '[1,2,3]'$$),
('vector <+> dims', $$SELECT '[1,2]'::vector <+> '[1,2,3]'$$),
('vector + dims', $$SELECT '[1,2]'::vector + '[1,2,3]'$$),
('vector - dims', $$SELECT '[1,2]'::vector - '[1,2,3]'$$),
('vector * dims', $$SELECT '[1,2]'::vector * '[1,2,3]'$$),
('halfvec <-> dims', $$SELECT '[1,2]'::halfvec <-> '[1,2,3]'$$),
('halfvec <=> dims', $$SELECT '[1,2]'::halfvec <=> '[1,2,3]'$$),
('halfvec + dims', $$SELECT '[1,2]'::halfvec + '[1,2,3]'$$),
('sparsevec <-> dims', $$SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3'$$),
('sparsevec <#> dims', $$SELECT '{1:1}/2'::sparsevec <#> '{1:1}/3'$$),
('sparsevec <=> dims', $$SELECT '{1:1}/2'::sparsevec <=> '{1:1}/3'$$),
('sparsevec <+> dims', $$SELECT '{1:1}/2'::sparsevec <+> '{1:1}/3'$$),
('bit <~> lengths', $$SELECT B'101' <~> B'1'$$),
('bit <%> lengths', $$SELECT B'101' <%> B'1'$$),
('vector <-> sparsevec dims', $$SELECT '[1,2]'::vector <-> '{1:1}/3'::sparsevec$$),
('halfvec <-> sparsevec dims', $$SELECT '[1,2]'::halfvec <-> '{1:1}/3'::sparsevec$$),
('vector <~> vector', $$SELECT '[1,2]'::vector <~> '[1,2]'::vector$$),
('bit <-> bit', $$SELECT B'101' <-> B'101'$$),
('vector_dims of text', $$SELECT vector_dims('abc')$$),
('l2_distance of untyped literals', $$SELECT l2_distance('[1]', '[x]')$$);

SELECT label, hostile_try(query) AS result FROM hostile_types_cases ORDER BY id;

-- every case failed, and the server is still up
SELECT count(*) AS cases,
	count(*) FILTER (WHERE hostile_try(query) = 'no error') AS accepted
FROM hostile_types_cases;

-- values at the edges that are accepted: finite results, no error
SELECT '[3.4028235e38]'::vector <-> '[-3.4028235e38]' AS l2_overflows_to_inf,
	'[3e38,3e38]'::vector <#> '[3e38,3e38]' AS ip_overflows,
	'[0,0]'::vector <=> '[1,1]' AS cosine_of_zero,
	l2_normalize('[0,0]'::vector) AS normalize_zero,
	'[1e-45]'::vector AS denormal,
	'[65504]'::halfvec AS half_max,
	'{}/1000000000'::sparsevec AS widest_sparse,
	'[1,2]'::vector = '[1,2,3]'::halfvec AS eq_across_dims;

DROP TABLE hostile_types_cases;
DROP FUNCTION hostile_try(text);
