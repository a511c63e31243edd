-- sparsevec from arrays, the implicit casts from the dense types, and the
-- spherical distances and halfvec_combine, as pgvector 0.8.6 has them

-- integer[], real[], double precision[], numeric[] -> sparsevec: element i
-- is dimension i, zeros are not stored
SELECT '{1,0,2,0}'::integer[]::sparsevec AS from_int,
	'{0,1.5,0,-2}'::real[]::sparsevec AS from_real,
	'{0,0,0}'::float8[]::sparsevec AS from_float8_zeros,
	'{0.25,0}'::numeric[]::sparsevec AS from_numeric;
SELECT array_to_sparsevec('{3,0,4}'::integer[], -1, false),
	array_to_sparsevec('{3,0,4}'::real[], 3, true),
	array_to_sparsevec('{1e-45,0}'::float8[], -1, false) AS float8_denormal,
	array_to_sparsevec('{1e-50}'::float8[], -1, false) AS float8_to_zero;
SELECT '{1,2,3}'::integer[]::sparsevec(3);
SELECT '{1,2,3}'::integer[]::sparsevec(4);
SELECT '{}'::integer[]::sparsevec;
SELECT '{{1,2}}'::integer[]::sparsevec;
SELECT '{1,NULL}'::integer[]::sparsevec;
SELECT '{NaN}'::real[]::sparsevec;
SELECT '{a}'::text[]::sparsevec;
SELECT array_fill(1, ARRAY[16001])::sparsevec;
SELECT (array_fill(0, ARRAY[100000]) || 7)::sparsevec::text AS wide_one_element;
-- assignment casts: fine in INSERT, not in an expression
CREATE TABLE sparsevec_array (s sparsevec(3));
INSERT INTO sparsevec_array VALUES ('{1,0,3}'::integer[]), ('{0,0,0.5}'::numeric[]);
SELECT * FROM sparsevec_array;
SELECT s <-> '{1,0,3}'::integer[] FROM sparsevec_array;
DROP TABLE sparsevec_array;

-- the casts' contexts
SELECT c.castsource::regtype, c.casttarget::regtype, c.castcontext
FROM pg_cast c
WHERE c.casttarget = 'sparsevec'::regtype
	OR (c.castsource = 'halfvec'::regtype AND c.casttarget = 'real[]'::regtype)
ORDER BY c.castsource::regtype::text, c.casttarget::regtype::text;

-- vector and halfvec to sparsevec are implicit: mixed calls resolve
SELECT l2_distance('[1,0,2]'::vector, '{1:1}/3'::sparsevec) AS l2,
	inner_product('[1,0,2]'::halfvec, '{3:2}/3'::sparsevec) AS ip,
	'[3,4]'::vector <-> '{}/2'::sparsevec AS op,
	cosine_distance('{1:1}/2'::sparsevec, '[0,1]'::vector) AS cos;
SELECT l2_distance('[1,0,2]'::vector, '{1:1}/4'::sparsevec);
-- same-type calls are unchanged
SELECT pg_typeof('[1,2]'::vector <-> '[2,2]') AS vv,
	pg_typeof(l2_distance('[1,2]'::halfvec, '[2,2]')) AS hh,
	'[1,2]'::vector <-> '[2,2]' AS d;
-- halfvec -> real[] is an assignment cast
CREATE FUNCTION sparsevec_array_first(real[]) RETURNS real
	AS 'SELECT $1[1]' LANGUAGE sql;
SELECT sparsevec_array_first('[1,2]'::halfvec);
SELECT sparsevec_array_first('[1,2]'::halfvec::real[]);
DROP FUNCTION sparsevec_array_first(real[]);

-- spherical distance: acos(a . b) / pi of unit vectors
SELECT vector_spherical_distance('[1,0]', '[1,0]') AS same,
	vector_spherical_distance('[1,0]', '[0,1]') AS orthogonal,
	vector_spherical_distance('[1,0]', '[-1,0]') AS opposite,
	round(vector_spherical_distance('[1,0]', '[0.70710677,0.70710677]')::numeric, 6) AS quarter,
	vector_spherical_distance('[2,0]', '[3,0]') AS clamped;
SELECT halfvec_spherical_distance('[1,0]', '[1,0]') AS same,
	halfvec_spherical_distance('[1,0]', '[0,1]') AS orthogonal,
	halfvec_spherical_distance('[1,0]', '[-1,0]') AS opposite,
	halfvec_spherical_distance('[-2,0]', '[3,0]') AS clamped;
SELECT vector_spherical_distance('[1,0]', '[1,0,0]');
SELECT halfvec_spherical_distance('[1,0]', '[1]');

-- halfvec_combine: avg(halfvec)'s combine function
SELECT halfvec_combine(halfvec_accum('{0}', '[1,2]'), halfvec_accum('{0}', '[3,4]'));
SELECT halfvec_combine('{0}', '{0}') AS empty, halfvec_combine('{2,2,4}', '{0}') AS left_only;
SELECT a.aggcombinefn FROM pg_aggregate a
WHERE a.aggfnoid = 'avg(halfvec)'::regprocedure;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
CREATE TABLE sparsevec_array_agg (v halfvec(2));
INSERT INTO sparsevec_array_agg SELECT ARRAY[i % 7, 1]::real[] FROM generate_series(1, 7000) i;
EXPLAIN (COSTS OFF) SELECT avg(v) FROM sparsevec_array_agg;
SELECT avg(v) FROM sparsevec_array_agg;
RESET ALL;
DROP TABLE sparsevec_array_agg;
