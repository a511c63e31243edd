-- halfvec functions
\set VERBOSITY terse

SELECT l2_distance('[1,2,3]'::halfvec, '[4,5,6]'), sqrt(27::float8) AS expected;
SELECT inner_product('[1,2,3]'::halfvec, '[4,5,6]');
SELECT cosine_distance('[1,2]'::halfvec, '[2,4]'), cosine_distance('[1,0]'::halfvec, '[0,1]');
SELECT cosine_distance('[1,1]'::halfvec, '[-1,-1]'), cosine_distance('[0,0]'::halfvec, '[0,0]');
SELECT l1_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT l2_distance('[1]'::halfvec, '[1,2]');
SELECT inner_product('[1]'::halfvec, '[1,2]');
SELECT cosine_distance('[1]'::halfvec, '[1,2]');
SELECT l1_distance('[1]'::halfvec, '[1,2]');

-- the internal support functions of the index operator classes
SELECT halfvec_l2_squared_distance('[1,2,3]', '[4,5,6]');
SELECT halfvec_negative_inner_product('[1,2,3]', '[4,5,6]');

SELECT vector_dims('[1,2,3]'::halfvec), vector_dims('[1]'::halfvec);

-- l2_norm sums in double precision: 65504 * sqrt(2) does not overflow
SELECT l2_norm('[3,4]'::halfvec), l2_norm('[0,0]'::halfvec), l2_norm('[1,1,1,1]'::halfvec);
SELECT l2_norm('[65504,65504]'::halfvec), sqrt(2 * 65504::float8 ^ 2) AS expected;

-- l2_normalize rounds each element to a half: 0.6 -> 0.60009766,
-- 0.8 -> 0.7998047, 1/sqrt(2) -> 0.70703125
SELECT l2_normalize('[3,4]'::halfvec);
SELECT l2_normalize('[0,0]'::halfvec);
SELECT l2_normalize('[-2]'::halfvec);
SELECT l2_normalize('[65504,65504]'::halfvec);
SELECT l2_norm(l2_normalize('[1,2,3,4,5]'::halfvec)) BETWEEN 0.999 AND 1.001 AS unit;
SELECT pg_typeof(l2_normalize('[1]'::halfvec));

-- subvector(v, start, count): 1-based, clipped to the vector
SELECT subvector('[1,2,3,4,5]'::halfvec, 1, 3);
SELECT subvector('[1,2,3,4,5]'::halfvec, 3, 2);
SELECT subvector('[1,2,3,4,5]'::halfvec, 4, 10);
SELECT subvector('[1,2,3,4,5]'::halfvec, -1, 3);
SELECT subvector('[1,2,3,4,5]'::halfvec, 3, 0);
SELECT subvector('[1,2,3,4,5]'::halfvec, 6, 1);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2147483647, 10);
SELECT subvector('[1,2,3,4,5]'::halfvec, -2147483648, 2147483647);
SELECT pg_typeof(subvector('[1,2]'::halfvec, 1, 1));

-- binary_quantize: bit i is set where element i is positive (1e-8 rounds
-- to 0, 6e-08 to the smallest subnormal)
SELECT binary_quantize('[1,0,-1,2,0.1,-0.1,3,4,5]'::halfvec);
SELECT binary_quantize('[0]'::halfvec), binary_quantize('[-0]'::halfvec),
       binary_quantize('[1]'::halfvec);
SELECT binary_quantize('[1e-8,6e-08,-6e-08]'::halfvec);
SELECT length(binary_quantize(array_fill(1, ARRAY[16000])::halfvec));

-- every halfvec function is immutable, strict and parallel safe: only the
-- names shared with vector appear, each with its own C symbol
SELECT p.oid::regprocedure, p.prosrc, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'milvus'
WHERE d.deptype = 'e' AND p.prokind = 'f'
  AND ('halfvec'::regtype = ANY (p.proargtypes::oid[]) OR p.prorettype = 'halfvec'::regtype)
  AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's'
       OR p.prosrc <> p.proname)
ORDER BY p.oid::regprocedure::text;
SELECT a.aggfnoid::regprocedure, a.aggtransfn, a.aggcombinefn, a.aggfinalfn, p.proparallel
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE 'halfvec'::regtype = ANY (p.proargtypes::oid[])
ORDER BY a.aggfnoid::regprocedure::text;
