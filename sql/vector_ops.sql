-- vector operators against hand-computed values
\set VERBOSITY terse

-- [1,2,3] and [4,5,6]: diff 3,3,3; l2 = sqrt(27); ip = 32; l1 = 9
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS l2, sqrt(27::float8) AS expected;
SELECT '[1,2,3]'::vector <#> '[4,5,6]' AS neg_ip;
SELECT '[1,2,3]'::vector <+> '[4,5,6]' AS l1;
SELECT '[3,4]'::vector <-> '[0,0]' AS l2;
SELECT '[0,0]'::vector <-> '[0,0]' AS l2;
SELECT '[1,1]'::vector <#> '[-1,-1]' AS neg_ip;

-- cosine: same direction 0, orthogonal 1, opposite 2, zero vector NaN
SELECT '[1,2]'::vector <=> '[2,4]' AS same_direction;
SELECT '[1,0]'::vector <=> '[0,3]' AS orthogonal;
SELECT '[1,1]'::vector <=> '[-2,-2]' AS opposite;
SELECT '[0,0]'::vector <=> '[1,2]' AS zero;
SELECT '[3,4]'::vector <=> '[4,3]' AS cos_24_25, 1 - 24 / 25::float8 AS expected;

-- lengths that exercise the vector kernels' tails: 17 and 1023 dims of
-- small integers, where float32 sums are exact
SELECT array_fill(1, ARRAY[17])::vector <-> array_fill(3, ARRAY[17])::vector AS l2_17,
       sqrt(17 * 4::float8) AS expected;
SELECT array_fill(2, ARRAY[1023])::vector <#> array_fill(3, ARRAY[1023])::vector AS neg_ip_1023;
SELECT array_fill(-1, ARRAY[1023])::vector <+> array_fill(2, ARRAY[1023])::vector AS l1_1023;
SELECT (SELECT array_agg(i % 7) FROM generate_series(1, 100) i)::vector <->
       (SELECT array_agg(i % 5) FROM generate_series(1, 100) i)::vector AS l2_mixed,
       sqrt((SELECT sum(((i % 7) - (i % 5)) ^ 2) FROM generate_series(1, 100) i)) AS expected;

-- distance operators need equal dimensions
SELECT '[1,2]'::vector <-> '[1,2,3]';
SELECT '[1,2]'::vector <#> '[1,2,3]';
SELECT '[1,2]'::vector <=> '[1,2,3]';
SELECT '[1,2]'::vector <+> '[1,2,3]';

-- element-wise arithmetic
SELECT '[1,2,3]'::vector + '[4,5,6]';
SELECT '[1,2,3]'::vector - '[4,5,6]';
SELECT '[1,2,3]'::vector * '[4,5,6]';
SELECT '[1,2]'::vector + '[1,2,3]';
SELECT '[1,2]'::vector - '[1,2,3]';
SELECT '[1,2]'::vector * '[1,2,3]';
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e38]'::vector * '[1e38]';
SELECT '[1e-30]'::vector * '[1e-30]';

-- concatenation
SELECT '[1,2]'::vector || '[3]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8000])::vector);
SELECT array_fill(1, ARRAY[8000])::vector || array_fill(1, ARRAY[8001])::vector;

-- NULL in, NULL out
SELECT NULL::vector <-> '[1]', '[1]'::vector + NULL;

-- ORDER BY distance, the query form the indexes serve
CREATE TABLE vector_ops_items (id int, v vector(2));
INSERT INTO vector_ops_items VALUES (1, '[1,1]'), (2, '[5,5]'), (3, '[2,2]'),
	(4, NULL), (5, '[-1,-1]');
SELECT id, v <-> '[0,0]' AS d FROM vector_ops_items ORDER BY v <-> '[0,0]', id LIMIT 3;
SELECT id FROM vector_ops_items ORDER BY v <#> '[1,1]', id LIMIT 3;
SELECT id FROM vector_ops_items ORDER BY v <=> '[1,1]', id LIMIT 3;
SELECT id FROM vector_ops_items ORDER BY v <+> '[4,4]', id LIMIT 3;
DROP TABLE vector_ops_items;
