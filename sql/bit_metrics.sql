-- binary vector metrics on bit strings
\set VERBOSITY terse

-- Hamming: differing positions
SELECT hamming_distance(B'111', B'111'), hamming_distance(B'111', B'000'),
       hamming_distance(B'1100', B'1010');
SELECT B'11110000' <~> B'10101010' AS hamming;
SELECT B'101'::bit varying <~> B'011' AS varying;

-- Jaccard: 1 - |a AND b| / |a OR b|
SELECT jaccard_distance(B'1100', B'1010') AS one_of_three, 1 - 1 / 3::float8 AS expected;
SELECT jaccard_distance(B'1111', B'1111'), jaccard_distance(B'1000', B'0100');
SELECT jaccard_distance(B'0000', B'0000') AS both_empty;
SELECT B'11110000' <%> B'10101010' AS jaccard, 1 - 2 / 6::float8 AS expected;

-- Tanimoto (Milvus): -log2(|a AND b| / |a OR b|) = -log2(1 - jaccard)
SELECT tanimoto_distance(B'1100', B'1010') AS t, -log(2, 1 / 3::numeric)::float8 AS expected;
SELECT tanimoto_distance(B'1111', B'1111') AS identical,
       tanimoto_distance(B'1100', B'1110') AS t_two_thirds,
       tanimoto_distance(B'1000', B'0100') AS disjoint,
       tanimoto_distance(B'0000', B'0000') AS both_empty;
SELECT abs(tanimoto_distance(a, b) + log(2, (1 - jaccard_distance(a, b))::numeric)) < 1e-12 AS formula
	FROM (VALUES (B'110110011', B'011010110')) t (a, b);

-- containment: substructure and superstructure filters
SELECT bit_contains(B'1110', B'1010'), bit_contains(B'1010', B'1110'),
       bit_contains(B'1010', B'0000'), bit_contains(B'0000', B'0000');
SELECT bit_contained_by(B'1010', B'1110'), bit_contained_by(B'1110', B'1010');
SELECT B'1110' @> B'0110' AS contains, B'0110' <@ B'1110' AS contained_by,
       B'0111' @> B'1110' AS not_contains;

-- lengths past the 64-byte blocks of the vector kernels, with a tail
SELECT hamming_distance(repeat('1', 1000)::bit(1000), repeat('0', 1000)::bit(1000)),
       hamming_distance(repeat('10', 517)::bit(1034), repeat('01', 517)::bit(1034)),
       jaccard_distance(repeat('1', 1001)::bit(1001), (repeat('1', 500) || repeat('0', 501))::bit(1001));
SELECT bit_contains(repeat('1', 1001)::bit(1001), (repeat('0', 1000) || '1')::bit(1001)),
       bit_contains((repeat('1', 1000) || '0')::bit(1001), (repeat('0', 1000) || '1')::bit(1001));

-- lengths must match
SELECT hamming_distance(B'111', B'11');
SELECT B'111' <~> B'1111';
SELECT jaccard_distance(B'111', B'11');
SELECT tanimoto_distance(B'111', B'11');
SELECT bit_contains(B'111', B'11');
SELECT bit_contained_by(B'111', B'11');

-- binary_quantize turns a vector into a bit string for these metrics
SELECT binary_quantize('[1,-1,2,-2]'::vector) <~> binary_quantize('[1,1,-2,-2]'::vector) AS hamming;

-- nearest neighbours and a substructure filter over a table
CREATE TABLE bit_items (id int, fp bit(8));
INSERT INTO bit_items VALUES (1, B'11110000'), (2, B'11111111'), (3, B'00001111'),
	(4, B'11100000'), (5, NULL);
SELECT id, fp <~> B'11110001' AS hamming FROM bit_items ORDER BY fp <~> B'11110001', id LIMIT 3;
SELECT id, round((fp <%> B'11110001')::numeric, 4) AS jaccard FROM bit_items
	ORDER BY fp <%> B'11110001', id LIMIT 3;
SELECT id FROM bit_items WHERE fp @> B'11100000' ORDER BY id;
SELECT id FROM bit_items WHERE fp <@ B'11110000' ORDER BY id;
DROP TABLE bit_items;
