-- casts between vector and arrays
\set VERBOSITY terse

SELECT '{1,2,3}'::integer[]::vector;
SELECT '{1.5,2.5,-3}'::real[]::vector;
SELECT '{1.5,2.5,-3}'::double precision[]::vector;
SELECT '{1.5,2.5,-3}'::numeric[]::vector;
SELECT '{1,2,3}'::integer[]::vector(3);
SELECT '{1,2,3}'::integer[]::vector(2);
SELECT ARRAY[0.1::float8, 0.2]::vector;

-- bad arrays
SELECT '{}'::real[]::vector;
SELECT '{{1,2},{3,4}}'::real[]::vector;
SELECT '{1,NULL,3}'::real[]::vector;
SELECT '{NaN,1}'::real[]::vector;
SELECT '{Infinity,1}'::real[]::vector;
SELECT '{NaN,1}'::double precision[]::vector;
SELECT '{-Infinity,1}'::double precision[]::vector;
SELECT '{1e39,1}'::double precision[]::vector;
SELECT '{1e39,1}'::numeric[]::vector;
SELECT '{NaN,1}'::numeric[]::vector;
SELECT array_fill(1, ARRAY[16001])::vector;
SELECT vector_dims(array_fill(1.5::float8, ARRAY[16000])::vector);

-- vector to arrays
SELECT '[1,2,3]'::vector::real[];
SELECT '[1.5,-2.5,3]'::vector::double precision[];
SELECT '[0.1]'::vector::double precision[];
SELECT '[1.5,-2.5,3.4]'::vector::integer[];
SELECT '[1.5,-2.5,3.25]'::vector::numeric[];
SELECT '[3e9]'::vector::integer[];

-- the implicit cast to real[] lets array functions take vectors
SELECT array_length('[1,2,3]'::vector::real[], 1);
SELECT unnest('[4,5,6]'::vector::real[]) ORDER BY 1;

-- round trip
SELECT '[1.25,-7,1e-30]'::vector::real[]::vector = '[1.25,-7,1e-30]'::vector AS same;
