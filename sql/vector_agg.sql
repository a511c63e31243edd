-- avg and sum over vectors, serial and parallel
\set VERBOSITY terse

SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,5,7]'), (NULL)) t (v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2]'::vector)) t (v);
SELECT avg(v), sum(v) FROM (VALUES (NULL::vector)) t (v);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null
	FROM (SELECT '[1]'::vector v WHERE false) t;
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t (v);
SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t (v);
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t (v);

-- grouped
SELECT g, avg(v), sum(v) FROM (VALUES (1, '[1,1]'::vector), (1, '[3,3]'),
	(2, '[10,20]')) t (g, v) GROUP BY g ORDER BY g;

-- parallel aggregation combines partial states from the workers
CREATE TABLE vector_agg_big (id int, v vector(3));
INSERT INTO vector_agg_big
	SELECT i, ARRAY[i % 10, (i % 7) * 2, 1]::vector FROM generate_series(1, 30000) i;
ANALYZE vector_agg_big;
SELECT avg(v) AS serial_avg, sum(v) AS serial_sum FROM vector_agg_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM vector_agg_big;
SELECT avg(v) AS parallel_avg, sum(v) AS parallel_sum FROM vector_agg_big;
RESET ALL;

-- the state functions on their own
SELECT vector_accum('{0}', '[1,2]');
SELECT vector_accum(vector_accum('{0}', '[1,2]'), '[3,4]');
SELECT vector_combine('{0}', '{2,4,6}'), vector_combine('{2,4,6}', '{0}');
SELECT vector_combine('{1,1,2}', '{2,4,6}');
SELECT vector_avg('{2,4,6}'), vector_avg('{0}') IS NULL AS empty;
SELECT vector_avg('{1}');
SELECT vector_avg('{1,NULL}');
SELECT vector_accum('{{1,2}}', '[1]');

DROP TABLE vector_agg_big;
