-- casts between halfvec, vector and arrays
\set VERBOSITY terse

SELECT '{1,2,3}'::integer[]::halfvec;
SELECT '{1.5,2.5,-3}'::real[]::halfvec;
SELECT '{1.5,2.5,-3}'::double precision[]::halfvec;
SELECT '{1.5,2.5,-3}'::numeric[]::halfvec;
SELECT '{1,2,3}'::integer[]::halfvec(3);
SELECT '{1,2,3}'::integer[]::halfvec(2);
-- elements are rounded to the nearest half
SELECT ARRAY[0.1::float8, 0.2]::halfvec;
SELECT '{2049,65519.9,1e-9}'::numeric[]::halfvec;

-- bad arrays
SELECT '{}'::real[]::halfvec;
SELECT '{{1,2},{3,4}}'::real[]::halfvec;
SELECT '{1,NULL,3}'::real[]::halfvec;
SELECT '{NaN,1}'::real[]::halfvec;
SELECT '{Infinity,1}'::real[]::halfvec;
SELECT '{NaN,1}'::double precision[]::halfvec;
SELECT '{-Infinity,1}'::double precision[]::halfvec;
SELECT '{1e39,1}'::double precision[]::halfvec;
SELECT '{1e39,1}'::numeric[]::halfvec;
SELECT '{NaN,1}'::numeric[]::halfvec;
SELECT array_fill(1, ARRAY[16001])::halfvec;
SELECT vector_dims(array_fill(1.5::float8, ARRAY[16000])::halfvec);

-- finite values beyond the half range are an overflow, never infinity
SELECT '{1,70000}'::integer[]::halfvec;
SELECT '{65520}'::real[]::halfvec;
SELECT '{-1e5}'::double precision[]::halfvec;
SELECT '{65536}'::numeric[]::halfvec;

-- vector to halfvec rounds; halfvec to vector is exact
SELECT '[1,2,3]'::vector::halfvec;
SELECT '[0.1,65504,-65519,1e-8]'::vector::halfvec;
SELECT '[1,70000]'::vector::halfvec;
-- long vectors convert in SIMD blocks: the same halves as element by
-- element (real[] -> halfvec), and an overflow in a block or in the tail
SELECT count(*) FILTER (WHERE a::vector::halfvec = a::halfvec) AS same,
       count(*) AS vectors
FROM (SELECT n, array_agg((sin(i * n) * 70000 / (i + n))::real) AS a
      FROM generate_series(1, 40) n, generate_series(1, 100 + n) i
      GROUP BY n) s;
SELECT (array_fill(1::real, ARRAY[40]) || 70000::real || array_fill(1::real, ARRAY[40]))::vector::halfvec;
SELECT (array_fill(1::real, ARRAY[35]) || -65520::real)::vector::halfvec;
SELECT '[1,2,3]'::vector::halfvec(3);
SELECT '[1,2,3]'::vector::halfvec(2);
SELECT '[0.1,-2.5,6e-08]'::halfvec::vector;
SELECT '[1,2,3]'::halfvec::vector(3);
SELECT '[1,2,3]'::halfvec::vector(2);

-- cast contexts: vector -> halfvec implicit and halfvec -> vector on
-- assignment, as pgvector; arrays -> halfvec on assignment; halfvec ->
-- real[] implicit, as vector -> real[] (pgvector: on assignment)
SELECT castsource::regtype, casttarget::regtype, castcontext
	FROM pg_cast
	WHERE (castsource = 'halfvec'::regtype OR casttarget = 'halfvec'::regtype)
	  AND castsource::regtype::text IN ('halfvec', 'vector', 'integer[]', 'real[]',
										'double precision[]', 'numeric[]')
	  AND casttarget::regtype::text IN ('halfvec', 'vector', 'integer[]', 'real[]',
										'double precision[]', 'numeric[]')
	ORDER BY castsource::regtype::text, casttarget::regtype::text;

-- implicit: a vector reaches a function that takes halfvec
SELECT halfvec_l2_squared_distance('[1,2]'::vector, '[4,6]'::vector);
-- assignment: a halfvec is stored into a vector column, but is not
-- implicitly a vector in an expression
CREATE TABLE halfvec_cast_t (h halfvec(3), v vector(3));
INSERT INTO halfvec_cast_t VALUES ('[1,2,3]'::vector, '[0.1,5,6]'::halfvec);
INSERT INTO halfvec_cast_t VALUES ('[1,2]'::vector, '[4,5,6]'::halfvec);
INSERT INTO halfvec_cast_t VALUES ('[1,2,3]'::vector, '[4,5]'::halfvec);
SELECT h, v FROM halfvec_cast_t;
SELECT vector_norm('[3,4]'::halfvec);
DROP TABLE halfvec_cast_t;

-- halfvec to real[] is exact
SELECT '[1,2,3]'::halfvec::real[];
SELECT '[0.1,-2.5,65504,6e-08]'::halfvec::real[];
SELECT unnest('[4,5,6]'::halfvec::real[]) ORDER BY 1;
-- an assignment cast, as in pgvector: a function taking real[] does not
-- take a halfvec without an explicit cast, an INSERT into real[] does
CREATE FUNCTION halfvec_cast_sum(real[]) RETURNS real
	AS 'SELECT sum(x) FROM unnest($1) x' LANGUAGE sql;
SELECT halfvec_cast_sum('[1.5,2,3]'::halfvec);
SELECT halfvec_cast_sum('[1.5,2,3]'::halfvec::real[]);
CREATE TEMP TABLE halfvec_cast_arr (a real[]);
INSERT INTO halfvec_cast_arr VALUES ('[1.5,2,3]'::halfvec);
SELECT a FROM halfvec_cast_arr;
DROP TABLE halfvec_cast_arr;
DROP FUNCTION halfvec_cast_sum(real[]);

-- round trips
SELECT '[1.25,-7,6e-08]'::halfvec::real[]::halfvec = '[1.25,-7,6e-08]'::halfvec AS same;
SELECT '[0.1,-0.2]'::halfvec::vector::halfvec = '[0.1,-0.2]'::halfvec AS same;
