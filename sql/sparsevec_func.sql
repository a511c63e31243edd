-- sparsevec functions
\set VERBOSITY terse

-- the distance functions behind the operators, by name
SELECT l2_distance('{1:1,3:2,6:3}/6'::sparsevec, '{3:4,4:5,6:6}/6'), sqrt(39::float8) AS expected;
SELECT inner_product('{1:1,3:2,6:3}/6'::sparsevec, '{3:4,4:5,6:6}/6');
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2'),
       cosine_distance('{1:1}/2'::sparsevec, '{2:1}/2');
SELECT cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:-1,2:-1}/2'),
       cosine_distance('{}/2'::sparsevec, '{}/2');
SELECT l1_distance('{1:1,3:2,6:3}/6'::sparsevec, '{3:4,4:5,6:6}/6');
SELECT l2_distance('{1:1}/1'::sparsevec, '{1:1}/2');
SELECT inner_product('{1:1}/1'::sparsevec, '{1:1}/2');
SELECT cosine_distance('{1:1}/1'::sparsevec, '{1:1}/2');
SELECT l1_distance('{1:1}/1'::sparsevec, '{1:1}/2');

-- the internal support functions of the index operator classes
SELECT sparsevec_l2_squared_distance('{1:1,3:2,6:3}/6', '{3:4,4:5,6:6}/6');
SELECT sparsevec_negative_inner_product('{1:1,3:2,6:3}/6', '{3:4,4:5,6:6}/6');
SELECT sparsevec_l2_squared_distance('{1:1}/1', '{1:1}/2');
SELECT sparsevec_negative_inner_product('{1:1}/1', '{1:1}/2');

-- l2_norm and l2_normalize
SELECT l2_norm('{1:3,5:4}/5'::sparsevec), l2_norm('{}/5'::sparsevec),
       l2_norm('{1:1,2:1,3:1,4:1}/4'::sparsevec);
SELECT l2_norm('{1:3e38,2:3e38}/2'::sparsevec) AS no_overflow;
SELECT l2_normalize('{1:3,5:4}/5'::sparsevec);
SELECT l2_normalize('{}/5'::sparsevec);
SELECT l2_normalize('{2:-2}/3'::sparsevec);
SELECT l2_norm(l2_normalize('{1:1,2:2,3:3,4:4,5:5}/5'::sparsevec)) BETWEEN 0.9999999 AND 1.0000001 AS unit;
-- a value that rounds to zero after scaling is dropped
SELECT l2_normalize('{1:1e-45,2:1e30}/2'::sparsevec);
