-- halfvec operators against hand-computed values
\set VERBOSITY terse

-- [1,2,3] and [4,5,6]: diff 3,3,3; l2 = sqrt(27); ip = 32; l1 = 9
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]' AS l2, sqrt(27::float8) AS expected;
SELECT '[1,2,3]'::halfvec <#> '[4,5,6]' AS neg_ip;
SELECT '[1,2,3]'::halfvec <+> '[4,5,6]' AS l1;
SELECT '[3,4]'::halfvec <-> '[0,0]' AS l2;
SELECT '[0,0]'::halfvec <-> '[0,0]' AS l2;
SELECT '[1,1]'::halfvec <#> '[-1,-1]' AS neg_ip;

-- distances use the half values: 0.1 is 0.0999755859375, whose square and
-- whose product with 10 (0.999755859375) are exact in float
SELECT '[0.1]'::halfvec <-> '[0]' AS l2, '[0.1]'::halfvec <#> '[10]' AS neg_ip,
       '[0.1]'::halfvec <+> '[-0.1]' AS l1;
-- elements at the ends of the range: 131008^2 is exact in float
SELECT '[65504]'::halfvec <-> '[-65504]' AS l2, '[65504]'::halfvec <+> '[-65504]' AS l1;

-- cosine: same direction 0, orthogonal 1, opposite 2, zero vector NaN
SELECT '[1,2]'::halfvec <=> '[2,4]' AS same_direction;
SELECT '[1,0]'::halfvec <=> '[0,3]' AS orthogonal;
SELECT '[1,1]'::halfvec <=> '[-2,-2]' AS opposite;
SELECT '[0,0]'::halfvec <=> '[1,2]' AS zero;
SELECT '[3,4]'::halfvec <=> '[4,3]' AS cos_24_25, 1 - 24 / 25::float8 AS expected;

-- lengths that exercise the half kernels' tails: 17, 1023 and 16000 dims
-- of small integers, where float32 sums are exact
SELECT array_fill(1, ARRAY[17])::halfvec <-> array_fill(3, ARRAY[17])::halfvec AS l2_17,
       sqrt(17 * 4::float8) AS expected;
SELECT array_fill(2, ARRAY[1023])::halfvec <#> array_fill(3, ARRAY[1023])::halfvec AS neg_ip_1023;
SELECT array_fill(-1, ARRAY[1023])::halfvec <+> array_fill(2, ARRAY[1023])::halfvec AS l1_1023;
SELECT array_fill(1, ARRAY[16000])::halfvec <-> array_fill(2, ARRAY[16000])::halfvec AS l2_16000,
       sqrt(16000::float8) AS expected;
SELECT (SELECT array_agg(i % 7) FROM generate_series(1, 100) i)::halfvec <->
       (SELECT array_agg(i % 5) FROM generate_series(1, 100) i)::halfvec AS l2_mixed,
       sqrt((SELECT sum(((i % 7) - (i % 5)) ^ 2) FROM generate_series(1, 100) i)) AS expected;
SELECT (SELECT array_agg(i % 7) FROM generate_series(1, 100) i)::halfvec <=>
       (SELECT array_agg(i % 5) FROM generate_series(1, 100) i)::halfvec =
       (SELECT array_agg(i % 7) FROM generate_series(1, 100) i)::vector <=>
       (SELECT array_agg(i % 5) FROM generate_series(1, 100) i)::vector AS cosine_as_vector;

-- a vector operand is cast to halfvec
SELECT '[1,2,3]'::vector <-> '[4,5,6]'::halfvec AS l2, pg_typeof('[1]'::vector + '[1]'::halfvec);

-- distance operators need equal dimensions
SELECT '[1,2]'::halfvec <-> '[1,2,3]';
SELECT '[1,2]'::halfvec <#> '[1,2,3]';
SELECT '[1,2]'::halfvec <=> '[1,2,3]';
SELECT '[1,2]'::halfvec <+> '[1,2,3]';

-- element-wise arithmetic, rounded once to a half
SELECT '[1,2,3]'::halfvec + '[4,5,6]';
SELECT '[1,2,3]'::halfvec - '[4,5,6]';
SELECT '[1,2,3]'::halfvec * '[4,5,6]';
-- 2048 + 1 ties to 2048; 0.0999755859375 + 0.199951171875 ties to
-- 0.2998046875 (so not the half of 0.3); 1.5 * 1.5 is exact
SELECT '[2048,0.1,1.5]'::halfvec + '[1,0.2,0]', '[0.3]'::halfvec AS half_of_point_3;
SELECT '[1.5]'::halfvec * '[1.5]';
SELECT '[1,2]'::halfvec + '[1,2,3]';
SELECT '[1,2]'::halfvec - '[1,2,3]';
SELECT '[1,2]'::halfvec * '[1,2,3]';
-- overflow past 65504 and underflow to zero are errors
SELECT '[65504]'::halfvec + '[65504]';
SELECT '[65504]'::halfvec + '[15]' AS rounds_down;
SELECT '[65504]'::halfvec + '[16]' AS overflows;
SELECT '[-65504]'::halfvec - '[65504]';
SELECT '[300]'::halfvec * '[300]';
SELECT '[1e-4]'::halfvec * '[1e-4]';
SELECT '[1e-4]'::halfvec * '[0]' AS zero_times_anything;

-- concatenation
SELECT '[1,2]'::halfvec || '[3]';
SELECT vector_dims(array_fill(1, ARRAY[8000])::halfvec || array_fill(1, ARRAY[8000])::halfvec);
SELECT array_fill(1, ARRAY[8000])::halfvec || array_fill(1, ARRAY[8001])::halfvec;

-- NULL in, NULL out
SELECT NULL::halfvec <-> '[1]', '[1]'::halfvec + NULL;

-- ORDER BY distance, the query form the indexes serve
CREATE TABLE halfvec_ops_items (id int, v halfvec(2));
INSERT INTO halfvec_ops_items VALUES (1, '[1,1]'), (2, '[5,5]'), (3, '[2,2]'),
	(4, NULL), (5, '[-1,-1]');
SELECT id, v <-> '[0,0]' AS d FROM halfvec_ops_items ORDER BY v <-> '[0,0]', id LIMIT 3;
SELECT id FROM halfvec_ops_items ORDER BY v <#> '[1,1]', id LIMIT 3;
SELECT id FROM halfvec_ops_items ORDER BY v <=> '[1,1]', id LIMIT 3;
SELECT id FROM halfvec_ops_items ORDER BY v <+> '[4,4]', id LIMIT 3;
DROP TABLE halfvec_ops_items;
