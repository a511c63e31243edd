-- sparsevec operators against hand-computed values
\set VERBOSITY terse

-- {1:1,3:2,6:3}/6 = [1,0,2,0,0,3] and {3:4,4:5,6:6}/6 = [0,0,4,5,0,6]:
-- diff -1,0,2,5,0,3; l2 = sqrt(39); ip = 8 + 18 = 26; l1 = 11;
-- cosine = 1 - 26 / sqrt(14 * 77)
SELECT '{1:1,3:2,6:3}/6'::sparsevec <-> '{3:4,4:5,6:6}/6' AS l2, sqrt(39::float8) AS expected;
SELECT '{1:1,3:2,6:3}/6'::sparsevec <#> '{3:4,4:5,6:6}/6' AS neg_ip;
SELECT '{1:1,3:2,6:3}/6'::sparsevec <+> '{3:4,4:5,6:6}/6' AS l1;
SELECT '{1:1,3:2,6:3}/6'::sparsevec <=> '{3:4,4:5,6:6}/6' AS cosine,
       1 - 26 / sqrt(14 * 77::float8) AS expected;

-- nothing shared, empty vectors, far-apart indices
SELECT '{1:3}/2'::sparsevec <-> '{2:4}/2' AS l2, '{1:3}/2'::sparsevec <#> '{2:4}/2' AS neg_ip,
       '{1:3}/2'::sparsevec <+> '{2:-4}/2' AS l1;
SELECT '{}/3'::sparsevec <-> '{}/3' AS l2, '{}/3'::sparsevec <-> '{1:3,3:4}/3' AS l2_empty,
       '{}/3'::sparsevec <+> '{1:3,3:-4}/3' AS l1_empty, '{}/3'::sparsevec <#> '{1:3}/3' AS neg_ip_empty;
SELECT '{1:1}/1000000000'::sparsevec <-> '{1000000000:1}/1000000000' AS l2, sqrt(2::float8) AS expected;
SELECT '{1:2,1000000000:3}/1000000000'::sparsevec <#> '{1000000000:5}/1000000000' AS neg_ip;

-- cosine: same direction 0, orthogonal 1, opposite 2, zero vector NaN
SELECT '{1:1,2:2}/2'::sparsevec <=> '{1:2,2:4}/2' AS same_direction;
SELECT '{1:1}/2'::sparsevec <=> '{2:3}/2' AS orthogonal;
SELECT '{1:1,2:1}/2'::sparsevec <=> '{1:-2,2:-2}/2' AS opposite;
SELECT '{}/2'::sparsevec <=> '{1:1}/2' AS zero;
SELECT '{1:3,2:4}/2'::sparsevec <=> '{1:4,2:3}/2' AS cos_24_25, 1 - 24 / 25::float8 AS expected;

-- the operators agree with vector's on the dense forms of random vectors
-- (about a fifth of the elements non-zero; float32 sums in other orders)
SELECT setseed(0.25);
CREATE TABLE sparsevec_ops_rand AS
	SELECT g, (SELECT array_agg(CASE WHEN random() < 0.2 THEN round((random() * 20 - 10)::numeric, 2)
	                                 ELSE 0 END)
	           FROM generate_series(1, 200) WHERE g > 0)::vector AS a,
	          (SELECT array_agg(CASE WHEN random() < 0.2 THEN round((random() * 20 - 10)::numeric, 2)
	                                 ELSE 0 END)
	           FROM generate_series(1, 200) WHERE g > 0)::vector AS b
	FROM generate_series(1, 100) g;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs((a::sparsevec <-> b::sparsevec) - (a <-> b)) <= 1e-5 * (a <-> b)) AS l2_agree,
       count(*) FILTER (WHERE abs((a::sparsevec <#> b::sparsevec) - (a <#> b)) <= 1e-5 * greatest(abs(a <#> b), 1)) AS ip_agree,
       count(*) FILTER (WHERE abs((a::sparsevec <=> b::sparsevec) - (a <=> b)) <= 1e-6) AS cos_agree,
       count(*) FILTER (WHERE abs((a::sparsevec <+> b::sparsevec) - (a <+> b)) <= 1e-5 * (a <+> b)) AS l1_agree,
       count(*) FILTER (WHERE a::sparsevec::vector = a AND b::sparsevec::vector = b) AS round_trip
FROM sparsevec_ops_rand;
DROP TABLE sparsevec_ops_rand;

-- distance operators need equal dimensions
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <#> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <=> '{1:1}/3';
SELECT '{1:1}/2'::sparsevec <+> '{1:1}/3';

-- NULL in, NULL out
SELECT NULL::sparsevec <-> '{1:1}/1', '{1:1}/1'::sparsevec <=> NULL;

-- ORDER BY distance, the query form the indexes serve
CREATE TABLE sparsevec_ops_items (id int, v sparsevec(2));
INSERT INTO sparsevec_ops_items VALUES (1, '{1:1,2:1}/2'), (2, '{1:5,2:5}/2'),
	(3, '{1:2,2:2}/2'), (4, NULL), (5, '{1:-1,2:-1}/2'), (6, '{}/2');
SELECT id, v <-> '{}/2' AS d FROM sparsevec_ops_items ORDER BY v <-> '{}/2', id LIMIT 3;
SELECT id FROM sparsevec_ops_items ORDER BY v <#> '{1:1,2:1}/2', id LIMIT 3;
SELECT id FROM sparsevec_ops_items ORDER BY v <=> '{1:1,2:1}/2', id LIMIT 3;
SELECT id FROM sparsevec_ops_items ORDER BY v <+> '{1:4,2:4}/2', id LIMIT 3;
DROP TABLE sparsevec_ops_items;
