-- ---------------------------------------------------------------------------
-- hnsw: the graph index access method
-- ---------------------------------------------------------------------------

CREATE FUNCTION hnswhandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER hnswhandler;

COMMENT ON ACCESS METHOD hnsw IS 'hnsw index access method';

CREATE OPERATOR CLASS vector_l2_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector),
	FUNCTION 2 vector_norm(vector),
	FUNCTION 3 l2_normalize(vector);

CREATE OPERATOR CLASS vector_l1_ops
	FOR TYPE vector USING hnsw AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(vector, vector);

CREATE OPERATOR CLASS halfvec_l2_ops
	FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_ip_ops
	FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_cosine_ops
	FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec),
	FUNCTION 2 l2_norm(halfvec),
	FUNCTION 3 l2_normalize(halfvec);

CREATE OPERATOR CLASS halfvec_l1_ops
	FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <+> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(halfvec, halfvec);

CREATE OPERATOR CLASS sparsevec_l2_ops
	FOR TYPE sparsevec USING hnsw AS
	OPERATOR 1 <-> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 sparsevec_l2_squared_distance(sparsevec, sparsevec);

CREATE OPERATOR CLASS sparsevec_ip_ops
	FOR TYPE sparsevec USING hnsw AS
	OPERATOR 1 <#> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 sparsevec_negative_inner_product(sparsevec, sparsevec);

CREATE OPERATOR CLASS sparsevec_cosine_ops
	FOR TYPE sparsevec USING hnsw AS
	OPERATOR 1 <=> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 sparsevec_negative_inner_product(sparsevec, sparsevec),
	FUNCTION 2 l2_norm(sparsevec),
	FUNCTION 3 l2_normalize(sparsevec);

CREATE OPERATOR CLASS sparsevec_l1_ops
	FOR TYPE sparsevec USING hnsw AS
	OPERATOR 1 <+> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(sparsevec, sparsevec);

CREATE OPERATOR CLASS bit_hamming_ops
	FOR TYPE bit USING hnsw AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hamming_distance(bit, bit);

-- Jaccard order is also Tanimoto order: tanimoto = -log2(1 - jaccard)
CREATE OPERATOR CLASS bit_jaccard_ops
	FOR TYPE bit USING hnsw AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 jaccard_distance(bit, bit);

-- Filter columns: a multicolumn hnsw index (v vector_cosine_ops, cat) keeps
-- the scalar columns after the first in each element, and evaluates the
-- WHERE clauses on them with these operators during the graph search
-- (hnswscan.c).  They have no support functions: a scan calls the
-- operator's own function.
CREATE OPERATOR FAMILY integer_ops USING hnsw;

CREATE OPERATOR CLASS int2_ops
	DEFAULT FOR TYPE int2 USING hnsw FAMILY integer_ops AS
	OPERATOR 1 < (int2, int2),
	OPERATOR 2 <= (int2, int2),
	OPERATOR 3 = (int2, int2),
	OPERATOR 4 >= (int2, int2),
	OPERATOR 5 > (int2, int2),
	OPERATOR 6 <> (int2, int2);

CREATE OPERATOR CLASS int4_ops
	DEFAULT FOR TYPE int4 USING hnsw FAMILY integer_ops AS
	OPERATOR 1 < (int4, int4),
	OPERATOR 2 <= (int4, int4),
	OPERATOR 3 = (int4, int4),
	OPERATOR 4 >= (int4, int4),
	OPERATOR 5 > (int4, int4),
	OPERATOR 6 <> (int4, int4);

CREATE OPERATOR CLASS int8_ops
	DEFAULT FOR TYPE int8 USING hnsw FAMILY integer_ops AS
	OPERATOR 1 < (int8, int8),
	OPERATOR 2 <= (int8, int8),
	OPERATOR 3 = (int8, int8),
	OPERATOR 4 >= (int8, int8),
	OPERATOR 5 > (int8, int8),
	OPERATOR 6 <> (int8, int8);

ALTER OPERATOR FAMILY integer_ops USING hnsw ADD
	OPERATOR 1 < (int2, int4),
	OPERATOR 2 <= (int2, int4),
	OPERATOR 3 = (int2, int4),
	OPERATOR 4 >= (int2, int4),
	OPERATOR 5 > (int2, int4),
	OPERATOR 6 <> (int2, int4),
	OPERATOR 1 < (int2, int8),
	OPERATOR 2 <= (int2, int8),
	OPERATOR 3 = (int2, int8),
	OPERATOR 4 >= (int2, int8),
	OPERATOR 5 > (int2, int8),
	OPERATOR 6 <> (int2, int8),
	OPERATOR 1 < (int4, int2),
	OPERATOR 2 <= (int4, int2),
	OPERATOR 3 = (int4, int2),
	OPERATOR 4 >= (int4, int2),
	OPERATOR 5 > (int4, int2),
	OPERATOR 6 <> (int4, int2),
	OPERATOR 1 < (int4, int8),
	OPERATOR 2 <= (int4, int8),
	OPERATOR 3 = (int4, int8),
	OPERATOR 4 >= (int4, int8),
	OPERATOR 5 > (int4, int8),
	OPERATOR 6 <> (int4, int8),
	OPERATOR 1 < (int8, int2),
	OPERATOR 2 <= (int8, int2),
	OPERATOR 3 = (int8, int2),
	OPERATOR 4 >= (int8, int2),
	OPERATOR 5 > (int8, int2),
	OPERATOR 6 <> (int8, int2),
	OPERATOR 1 < (int8, int4),
	OPERATOR 2 <= (int8, int4),
	OPERATOR 3 = (int8, int4),
	OPERATOR 4 >= (int8, int4),
	OPERATOR 5 > (int8, int4),
	OPERATOR 6 <> (int8, int4);

CREATE OPERATOR CLASS text_ops
	DEFAULT FOR TYPE text USING hnsw AS
	OPERATOR 1 < (text, text),
	OPERATOR 2 <= (text, text),
	OPERATOR 3 = (text, text),
	OPERATOR 4 >= (text, text),
	OPERATOR 5 > (text, text),
	OPERATOR 6 <> (text, text);

CREATE OPERATOR CLASS bool_ops
	DEFAULT FOR TYPE bool USING hnsw AS
	OPERATOR 3 = (bool, bool),
	OPERATOR 6 <> (bool, bool);

-- tag sets: overlap, containment, equality of arrays (of any element type)
CREATE OPERATOR CLASS array_ops
	DEFAULT FOR TYPE anyarray USING hnsw AS
	OPERATOR 1 && (anyarray, anyarray),
	OPERATOR 2 @> (anyarray, anyarray),
	OPERATOR 3 <@ (anyarray, anyarray),
	OPERATOR 4 = (anyarray, anyarray);

-- more filter types: floats, numeric, dates and times, uuid
CREATE OPERATOR FAMILY float_ops USING hnsw;

CREATE OPERATOR CLASS float4_ops
	DEFAULT FOR TYPE float4 USING hnsw FAMILY float_ops AS
	OPERATOR 1 < (float4, float4),
	OPERATOR 2 <= (float4, float4),
	OPERATOR 3 = (float4, float4),
	OPERATOR 4 >= (float4, float4),
	OPERATOR 5 > (float4, float4),
	OPERATOR 6 <> (float4, float4);

CREATE OPERATOR CLASS float8_ops
	DEFAULT FOR TYPE float8 USING hnsw FAMILY float_ops AS
	OPERATOR 1 < (float8, float8),
	OPERATOR 2 <= (float8, float8),
	OPERATOR 3 = (float8, float8),
	OPERATOR 4 >= (float8, float8),
	OPERATOR 5 > (float8, float8),
	OPERATOR 6 <> (float8, float8);

ALTER OPERATOR FAMILY float_ops USING hnsw ADD
	OPERATOR 1 < (float4, float8),
	OPERATOR 2 <= (float4, float8),
	OPERATOR 3 = (float4, float8),
	OPERATOR 4 >= (float4, float8),
	OPERATOR 5 > (float4, float8),
	OPERATOR 6 <> (float4, float8),
	OPERATOR 1 < (float8, float4),
	OPERATOR 2 <= (float8, float4),
	OPERATOR 3 = (float8, float4),
	OPERATOR 4 >= (float8, float4),
	OPERATOR 5 > (float8, float4),
	OPERATOR 6 <> (float8, float4);

CREATE OPERATOR CLASS numeric_ops
	DEFAULT FOR TYPE numeric USING hnsw AS
	OPERATOR 1 < (numeric, numeric),
	OPERATOR 2 <= (numeric, numeric),
	OPERATOR 3 = (numeric, numeric),
	OPERATOR 4 >= (numeric, numeric),
	OPERATOR 5 > (numeric, numeric),
	OPERATOR 6 <> (numeric, numeric);

CREATE OPERATOR CLASS date_ops
	DEFAULT FOR TYPE date USING hnsw AS
	OPERATOR 1 < (date, date),
	OPERATOR 2 <= (date, date),
	OPERATOR 3 = (date, date),
	OPERATOR 4 >= (date, date),
	OPERATOR 5 > (date, date),
	OPERATOR 6 <> (date, date);

CREATE OPERATOR CLASS timestamp_ops
	DEFAULT FOR TYPE timestamp USING hnsw AS
	OPERATOR 1 < (timestamp, timestamp),
	OPERATOR 2 <= (timestamp, timestamp),
	OPERATOR 3 = (timestamp, timestamp),
	OPERATOR 4 >= (timestamp, timestamp),
	OPERATOR 5 > (timestamp, timestamp),
	OPERATOR 6 <> (timestamp, timestamp);

CREATE OPERATOR CLASS timestamptz_ops
	DEFAULT FOR TYPE timestamptz USING hnsw AS
	OPERATOR 1 < (timestamptz, timestamptz),
	OPERATOR 2 <= (timestamptz, timestamptz),
	OPERATOR 3 = (timestamptz, timestamptz),
	OPERATOR 4 >= (timestamptz, timestamptz),
	OPERATOR 5 > (timestamptz, timestamptz),
	OPERATOR 6 <> (timestamptz, timestamptz);

CREATE OPERATOR CLASS uuid_ops
	DEFAULT FOR TYPE uuid USING hnsw AS
	OPERATOR 3 = (uuid, uuid),
	OPERATOR 6 <> (uuid, uuid);
