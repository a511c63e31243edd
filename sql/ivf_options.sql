-- ivfflat and ivf: options, settings and their errors
\set VERBOSITY terse
SET client_min_messages = notice;

CREATE TABLE ivo (id int, v vector(4), h halfvec(4), b bit(8), u vector);
INSERT INTO ivo SELECT i, ARRAY[i, i % 3, i % 5, 1]::vector(4),
	ARRAY[i, i % 3, i % 5, 1]::halfvec(4), (i % 256)::bit(8), NULL
	FROM generate_series(1, 300) i;

-- lists: 1 to 32768
CREATE INDEX ON ivo USING ivfflat (v vector_l2_ops) WITH (lists = 0);
CREATE INDEX ON ivo USING ivfflat (v vector_l2_ops) WITH (lists = 32769);
CREATE INDEX ON ivo USING ivf (v vector_l2_ops) WITH (lists = 0);
-- ivfflat has no quantizer
CREATE INDEX ON ivo USING ivfflat (v vector_l2_ops) WITH (quantizer = 'sq8');
-- quantizer, pq_m, pq_bits
CREATE INDEX ON ivo USING ivf (v vector_l2_ops) WITH (quantizer = 'sq4');
CREATE INDEX ON ivo USING ivf (v vector_l2_ops) WITH (quantizer = 'pq', pq_m = 3);
CREATE INDEX ON ivo USING ivf (v vector_l2_ops) WITH (quantizer = 'pq', pq_bits = 3);
CREATE INDEX ON ivo USING ivf (v vector_l2_ops) WITH (quantizer = 'pq', pq_bits = 9);
CREATE INDEX ON ivo USING ivf (v vector_l2_ops) WITH (quantizer = 'pq', pq_m = 1025);
-- codes are for vector and halfvec, not bit
CREATE INDEX ON ivo USING ivf (b bit_hamming_ops) WITH (quantizer = 'sq8');
-- dimensions: needed, at most 2000
CREATE INDEX ON ivo USING ivfflat (u vector_l2_ops);
CREATE TABLE ivo_big (v vector(2001));
CREATE INDEX ON ivo_big USING ivfflat (v vector_l2_ops);
DROP TABLE ivo_big;
-- no operator class for sparsevec or L1
CREATE TABLE ivo_sparse (v sparsevec(4));
CREATE INDEX ON ivo_sparse USING ivfflat (v);
DROP TABLE ivo_sparse;
CREATE INDEX ON ivo USING ivfflat (v vector_l1_ops);

-- accepted options
CREATE INDEX ivo_a ON ivo USING ivfflat (v vector_l2_ops) WITH (lists = 1);
CREATE INDEX ivo_b ON ivo USING ivf (v vector_l2_ops) WITH (lists = 3, quantizer = 'SQ8');
CREATE INDEX ivo_c ON ivo USING ivf (v vector_l2_ops) WITH (lists = 2, quantizer = 'pq', pq_m = 2, pq_bits = 4);
SELECT c.relname, c.reloptions FROM pg_class c
	WHERE c.relname IN ('ivo_a', 'ivo_b', 'ivo_c') ORDER BY 1;
DROP INDEX ivo_a, ivo_b, ivo_c;

-- too little data: random centroids, or exact values instead of codes
CREATE TABLE ivo_empty (v vector(4));
CREATE INDEX ivo_e1 ON ivo_empty USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX ivo_e2 ON ivo_empty USING ivf (v vector_l2_ops) WITH (quantizer = 'sq8');
INSERT INTO ivo_empty VALUES ('[1,2,3,4]'), ('[4,3,2,1]'), (NULL);
SELECT * FROM milvus_index_check('ivo_e1');
SELECT * FROM milvus_index_check('ivo_e2');
CREATE INDEX ivo_f ON ivo USING ivf (v vector_l2_ops) WITH (lists = 500);
-- pq needs 2^pq_bits rows to train
CREATE INDEX ivo_g ON ivo_empty USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'pq');
CREATE INDEX ivo_h ON ivo USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'pq', pq_bits = 4);
SELECT * FROM milvus_index_check('ivo_f');
SELECT * FROM milvus_index_check('ivo_g');
SELECT * FROM milvus_index_check('ivo_h');
-- each still answers: exact values in the right order
SET enable_seqscan = off;
SET ivf.probes = 4;
SELECT v FROM ivo_empty ORDER BY v <-> '[1,2,3,3]' LIMIT 1;
SELECT id FROM ivo ORDER BY v <-> '[7,1,2,1]' LIMIT 1;
RESET enable_seqscan;
RESET ivf.probes;
DROP TABLE ivo_empty;

-- settings
SHOW ivfflat.probes;
SHOW ivfflat.iterative_scan;
SHOW ivfflat.max_probes;
SHOW ivf.probes;
SHOW ivf.rerank;
SHOW ivf.iterative_scan;
SET ivfflat.probes = 0;
SET ivfflat.probes = 32769;
SET ivfflat.iterative_scan = strict_order;
SET ivf.rerank = -1;
SET ivf.iterative_scan = relaxed_order;
RESET ivf.iterative_scan;
SET ivfflat.unknown = 1;

-- the operator classes are valid
SELECT opc.opcname, am.amname, amvalidate(opc.oid)
	FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE am.amname IN ('ivfflat', 'ivf') AND opc.opcintype IN
		('vector'::regtype, 'halfvec'::regtype, 'bit'::regtype) ORDER BY 2, 1;

-- a broken operator class is reported under its own access method's name
CREATE OPERATOR CLASS broken_l2_ops FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops;
CREATE OPERATOR CLASS broken_l2_ops FOR TYPE vector USING ivf AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops;
SELECT amvalidate(opc.oid)
	FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE opc.opcname = 'broken_l2_ops' AND am.amname = 'ivfflat';
SELECT amvalidate(opc.oid)
	FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
	WHERE opc.opcname = 'broken_l2_ops' AND am.amname = 'ivf';
DROP OPERATOR FAMILY broken_l2_ops USING ivfflat;
DROP OPERATOR FAMILY broken_l2_ops USING ivf;

DROP TABLE ivo;
