-- vector functions
\set VERBOSITY terse

SELECT l2_distance('[1,2,3]'::vector, '[4,5,6]'), sqrt(27::float8) AS expected;
SELECT inner_product('[1,2,3]'::vector, '[4,5,6]');
SELECT cosine_distance('[1,2]'::vector, '[2,4]'), cosine_distance('[1,0]'::vector, '[0,1]');
SELECT cosine_distance('[1,1]'::vector, '[-1,-1]'), cosine_distance('[0,0]'::vector, '[0,0]');
SELECT l1_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT l2_distance('[1]'::vector, '[1,2]');
SELECT inner_product('[1]'::vector, '[1,2]');
SELECT cosine_distance('[1]'::vector, '[1,2]');
SELECT l1_distance('[1]'::vector, '[1,2]');

-- the internal support functions of the index operator classes
SELECT vector_l2_squared_distance('[1,2,3]', '[4,5,6]');
SELECT vector_negative_inner_product('[1,2,3]', '[4,5,6]');

SELECT vector_dims('[1,2,3]'::vector), vector_dims('[1]'::vector);
SELECT vector_norm('[3,4]'), vector_norm('[0,0]'), vector_norm('[1,1,1,1]');

SELECT l2_normalize('[3,4]'::vector);
SELECT l2_normalize('[0,0]'::vector);
SELECT l2_normalize('[-2]'::vector);
SELECT vector_norm(l2_normalize('[1,2,3,4,5]'::vector)) BETWEEN 0.9999999 AND 1.0000001 AS unit;

-- subvector(v, start, count): 1-based, clipped to the vector
SELECT subvector('[1,2,3,4,5]'::vector, 1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 2);
SELECT subvector('[1,2,3,4,5]'::vector, 4, 10);
SELECT subvector('[1,2,3,4,5]'::vector, -1, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 3, 0);
SELECT subvector('[1,2,3,4,5]'::vector, 6, 1);
SELECT subvector('[1,2,3,4,5]'::vector, 2147483647, 10);
SELECT subvector('[1,2,3,4,5]'::vector, -2147483648, 2147483647);

-- binary_quantize: bit i is set where element i is positive
SELECT binary_quantize('[1,0,-1,2,0.1,-0.1,3,4,5]'::vector);
SELECT binary_quantize('[0]'::vector), binary_quantize('[1]'::vector);
SELECT length(binary_quantize(array_fill(1, ARRAY[1000])::vector));

-- every C function of the extension is immutable, strict and parallel safe
-- (aggregates are parallel safe through their combine functions; access
-- method handlers and the set-returning index check are not meant to be,
-- nor the PL/pgSQL management helpers (collections, sharding) and
-- milvus_search_sql, which read the catalog or run DDL, nor the monitoring
-- functions, which read or reset counters that change, nor
-- bit_tanimoto_match (bit % bit), stable as it reads a setting)
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'milvus'
WHERE d.deptype = 'e' AND p.prokind = 'f'
  AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND p.prorettype <> 'index_am_handler'::regtype AND NOT p.proretset
  AND p.proname NOT IN ('milvus_create_collection', 'milvus_create_partition',
						'milvus_drop_collection', 'milvus_search_sql',
						'milvus_metrics', 'milvus_stat_reset',
						'bit_tanimoto_match')
  AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')
ORDER BY 1;
SELECT p.oid::regprocedure, p.proparallel
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'milvus'
WHERE d.deptype = 'e' AND p.prokind = 'a'
  AND 'vector'::regtype = ANY (p.proargtypes::oid[])
ORDER BY p.oid::regprocedure::text;
