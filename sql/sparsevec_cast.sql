-- casts between sparsevec and the dense types
\set VERBOSITY terse

-- vector -> sparsevec: zeros (either sign) are dropped
SELECT '[1,0,2,0]'::vector::sparsevec;
SELECT '[0,0,0]'::vector::sparsevec;
SELECT '[-0,1.5,-2]'::vector::sparsevec;
SELECT '[1,2]'::vector::sparsevec(2);
SELECT '[1,2]'::vector::sparsevec(3);
SELECT length(array_fill(1, ARRAY[16000])::vector::sparsevec::text);

-- sparsevec -> vector: the dense type holds at most 16000 dimensions
SELECT '{1:1,3:2}/4'::sparsevec::vector;
SELECT '{}/3'::sparsevec::vector;
SELECT '{2:-1.5}/2'::sparsevec::vector(2);
SELECT '{2:-1.5}/2'::sparsevec::vector(3);
SELECT vector_dims('{16000:1}/16000'::sparsevec::vector);
SELECT '{}/16001'::sparsevec::vector;

-- vector -> sparsevec is implicit (as in pgvector), so s <-> v compares
-- as sparsevecs; sparsevec -> vector is an assignment cast
CREATE TABLE sparsevec_cast (id int, s sparsevec, v vector);
INSERT INTO sparsevec_cast VALUES (1, '[0,1,0]'::vector, '{2:5}/3'::sparsevec);
SELECT * FROM sparsevec_cast;
SELECT s <-> v FROM sparsevec_cast;
SELECT pg_typeof(s <-> v), l2_distance(v, s) FROM sparsevec_cast;
SELECT v + s FROM sparsevec_cast;
DROP TABLE sparsevec_cast;

-- round trips
SELECT '[1.25,0,-7,1e-30,0]'::vector::sparsevec::vector = '[1.25,0,-7,1e-30,0]'::vector AS same;
SELECT '{2:1.25,5:-7}/6'::sparsevec::vector::sparsevec = '{2:1.25,5:-7}/6'::sparsevec AS same;

-- halfvec -> sparsevec (exact), sparsevec -> halfvec (rounded; past
-- 65504 is an overflow, below the smallest half becomes zero)
SELECT '[1,0,2.5,-0]'::halfvec::sparsevec;
SELECT '[0,0]'::halfvec::sparsevec;
SELECT '[1,2]'::halfvec::sparsevec(3);
SELECT '{1:1,3:-2.5}/4'::sparsevec::halfvec;
SELECT '{1:0.1,2:65504,3:1e-8}/3'::sparsevec::halfvec;
SELECT '{1:65520}/1'::sparsevec::halfvec;
SELECT '{1:-1e30}/1'::sparsevec::halfvec;
SELECT '{1:1}/2'::sparsevec::halfvec(3);
SELECT '{}/16001'::sparsevec::halfvec;
SELECT '{1:0.5,2:-3}/2'::sparsevec::halfvec::sparsevec = '{1:0.5,2:-3}/2'::sparsevec AS same;
