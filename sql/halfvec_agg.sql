-- avg and sum over halfvecs, serial and parallel
\set VERBOSITY terse

SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[3,5,7]'), (NULL)) t (v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2]'::halfvec)) t (v);
SELECT avg(v), sum(v) FROM (VALUES (NULL::halfvec)) t (v);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null
	FROM (SELECT '[1]'::halfvec v WHERE false) t;
SELECT pg_typeof(avg(v)), pg_typeof(sum(v)) FROM (VALUES ('[1]'::halfvec)) t (v);
SELECT avg(v) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) t (v);
SELECT sum(v) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) t (v);

-- sum is a halfvec at every step and overflows past 65504; avg sums in
-- double precision and does not
SELECT sum(v) FROM (VALUES ('[65504]'::halfvec), ('[65504]')) t (v);
SELECT avg(v) FROM (VALUES ('[65504]'::halfvec), ('[65504]'), ('[65504]')) t (v);
-- sum rounds to a half after every row: past 2048 adding 1 ties to even
-- and changes nothing, while avg is exact
SELECT sum(v), avg(v) FROM (SELECT '[1]'::halfvec v FROM generate_series(1, 3000)) t;
-- avg of 0.1 (0.0999755859375) is that same half
SELECT avg(v) FROM (SELECT '[0.1]'::halfvec v FROM generate_series(1, 1000)) t;

-- grouped
SELECT g, avg(v), sum(v) FROM (VALUES (1, '[1,1]'::halfvec), (1, '[3,3]'),
	(2, '[10,20]')) t (g, v) GROUP BY g ORDER BY g;

-- parallel aggregation combines partial states from the workers; the
-- partial sums are integers below 2048, so exact in any order
CREATE TABLE halfvec_agg_big (id int, v halfvec(3));
INSERT INTO halfvec_agg_big
	SELECT i, ARRAY[i % 2, i % 3, 1]::halfvec FROM generate_series(1, 2000) i;
ANALYZE halfvec_agg_big;
SELECT avg(v) AS serial_avg, sum(v) AS serial_sum FROM halfvec_agg_big;
SELECT sum(id % 2) AS expected_0, sum(id % 3) AS expected_1 FROM halfvec_agg_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM halfvec_agg_big;
SELECT avg(v) AS parallel_avg, sum(v) AS parallel_sum FROM halfvec_agg_big;
RESET ALL;

-- the state functions on their own (vector_combine is avg's combine
-- function for both types)
SELECT halfvec_accum('{0}', '[1,2]');
SELECT halfvec_accum(halfvec_accum('{0}', '[1,2]'), '[0.1,4]');
SELECT halfvec_accum('{1,1,2}', '[1,2,3]');
SELECT vector_combine(halfvec_accum('{0}', '[1,2]'), halfvec_accum('{0}', '[3,4]'));
SELECT halfvec_avg('{2,4,6}'), halfvec_avg('{0}') IS NULL AS empty;
SELECT halfvec_avg('{1,70000}');
SELECT halfvec_avg('{1}');
SELECT halfvec_avg('{1,NULL}');

DROP TABLE halfvec_agg_big;
