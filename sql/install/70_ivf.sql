-- ---------------------------------------------------------------------------
-- ivfflat and ivf: the inverted-file index access methods
-- ---------------------------------------------------------------------------

CREATE FUNCTION ivfflathandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER ivfflathandler;

COMMENT ON ACCESS METHOD ivfflat IS 'ivfflat index access method';

CREATE FUNCTION ivfhandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ivf TYPE INDEX HANDLER ivfhandler;

COMMENT ON ACCESS METHOD ivf IS 'ivf index access method (flat, sq8, pq)';

-- Support function 1 is the exact distance, the operator's own order.

CREATE OPERATOR CLASS vector_l2_ops
	FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING ivfflat AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(vector, vector);

CREATE OPERATOR CLASS halfvec_l2_ops
	FOR TYPE halfvec USING ivfflat AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_ip_ops
	FOR TYPE halfvec USING ivfflat AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_cosine_ops
	FOR TYPE halfvec USING ivfflat AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(halfvec, halfvec);

CREATE OPERATOR CLASS bit_hamming_ops
	FOR TYPE bit USING ivfflat AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hamming_distance(bit, bit);

CREATE OPERATOR CLASS bit_jaccard_ops
	FOR TYPE bit USING ivfflat AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 jaccard_distance(bit, bit);

CREATE OPERATOR CLASS vector_l2_ops
	FOR TYPE vector USING ivf AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_l2_squared_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING ivf AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING ivf AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(vector, vector);

CREATE OPERATOR CLASS halfvec_l2_ops
	FOR TYPE halfvec USING ivf AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_l2_squared_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_ip_ops
	FOR TYPE halfvec USING ivf AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_cosine_ops
	FOR TYPE halfvec USING ivf AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(halfvec, halfvec);

-- Filter columns (as for hnsw, sql/install/50_hnsw.sql): scalar columns
-- after the vector, whose WHERE clauses a scan tests on each list tuple
-- before computing its distance (ivfscan.c).
CREATE OPERATOR FAMILY integer_ops USING ivfflat;

CREATE OPERATOR CLASS int2_ops
	DEFAULT FOR TYPE int2 USING ivfflat FAMILY integer_ops AS
	OPERATOR 1 < (int2, int2),
	OPERATOR 2 <= (int2, int2),
	OPERATOR 3 = (int2, int2),
	OPERATOR 4 >= (int2, int2),
	OPERATOR 5 > (int2, int2),
	OPERATOR 6 <> (int2, int2);

CREATE OPERATOR CLASS int4_ops
	DEFAULT FOR TYPE int4 USING ivfflat FAMILY integer_ops AS
	OPERATOR 1 < (int4, int4),
	OPERATOR 2 <= (int4, int4),
	OPERATOR 3 = (int4, int4),
	OPERATOR 4 >= (int4, int4),
	OPERATOR 5 > (int4, int4),
	OPERATOR 6 <> (int4, int4);

CREATE OPERATOR CLASS int8_ops
	DEFAULT FOR TYPE int8 USING ivfflat FAMILY integer_ops AS
	OPERATOR 1 < (int8, int8),
	OPERATOR 2 <= (int8, int8),
	OPERATOR 3 = (int8, int8),
	OPERATOR 4 >= (int8, int8),
	OPERATOR 5 > (int8, int8),
	OPERATOR 6 <> (int8, int8);

ALTER OPERATOR FAMILY integer_ops USING ivfflat ADD
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
	DEFAULT FOR TYPE text USING ivfflat AS
	OPERATOR 1 < (text, text),
	OPERATOR 2 <= (text, text),
	OPERATOR 3 = (text, text),
	OPERATOR 4 >= (text, text),
	OPERATOR 5 > (text, text),
	OPERATOR 6 <> (text, text);

CREATE OPERATOR CLASS bool_ops
	DEFAULT FOR TYPE bool USING ivfflat AS
	OPERATOR 3 = (bool, bool),
	OPERATOR 6 <> (bool, bool);

CREATE OPERATOR CLASS array_ops
	DEFAULT FOR TYPE anyarray USING ivfflat AS
	OPERATOR 1 && (anyarray, anyarray),
	OPERATOR 2 @> (anyarray, anyarray),
	OPERATOR 3 <@ (anyarray, anyarray),
	OPERATOR 4 = (anyarray, anyarray);

CREATE OPERATOR FAMILY integer_ops USING ivf;

CREATE OPERATOR CLASS int2_ops
	DEFAULT FOR TYPE int2 USING ivf FAMILY integer_ops AS
	OPERATOR 1 < (int2, int2),
	OPERATOR 2 <= (int2, int2),
	OPERATOR 3 = (int2, int2),
	OPERATOR 4 >= (int2, int2),
	OPERATOR 5 > (int2, int2),
	OPERATOR 6 <> (int2, int2);

CREATE OPERATOR CLASS int4_ops
	DEFAULT FOR TYPE int4 USING ivf FAMILY integer_ops AS
	OPERATOR 1 < (int4, int4),
	OPERATOR 2 <= (int4, int4),
	OPERATOR 3 = (int4, int4),
	OPERATOR 4 >= (int4, int4),
	OPERATOR 5 > (int4, int4),
	OPERATOR 6 <> (int4, int4);

CREATE OPERATOR CLASS int8_ops
	DEFAULT FOR TYPE int8 USING ivf FAMILY integer_ops AS
	OPERATOR 1 < (int8, int8),
	OPERATOR 2 <= (int8, int8),
	OPERATOR 3 = (int8, int8),
	OPERATOR 4 >= (int8, int8),
	OPERATOR 5 > (int8, int8),
	OPERATOR 6 <> (int8, int8);

ALTER OPERATOR FAMILY integer_ops USING ivf ADD
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
	DEFAULT FOR TYPE text USING ivf AS
	OPERATOR 1 < (text, text),
	OPERATOR 2 <= (text, text),
	OPERATOR 3 = (text, text),
	OPERATOR 4 >= (text, text),
	OPERATOR 5 > (text, text),
	OPERATOR 6 <> (text, text);

CREATE OPERATOR CLASS bool_ops
	DEFAULT FOR TYPE bool USING ivf AS
	OPERATOR 3 = (bool, bool),
	OPERATOR 6 <> (bool, bool);

CREATE OPERATOR CLASS array_ops
	DEFAULT FOR TYPE anyarray USING ivf AS
	OPERATOR 1 && (anyarray, anyarray),
	OPERATOR 2 @> (anyarray, anyarray),
	OPERATOR 3 <@ (anyarray, anyarray),
	OPERATOR 4 = (anyarray, anyarray);

-- more filter types: floats, numeric, dates and times, uuid
CREATE OPERATOR FAMILY float_ops USING ivfflat;

CREATE OPERATOR CLASS float4_ops
	DEFAULT FOR TYPE float4 USING ivfflat FAMILY float_ops AS
	OPERATOR 1 < (float4, float4),
	OPERATOR 2 <= (float4, float4),
	OPERATOR 3 = (float4, float4),
	OPERATOR 4 >= (float4, float4),
	OPERATOR 5 > (float4, float4),
	OPERATOR 6 <> (float4, float4);

CREATE OPERATOR CLASS float8_ops
	DEFAULT FOR TYPE float8 USING ivfflat FAMILY float_ops AS
	OPERATOR 1 < (float8, float8),
	OPERATOR 2 <= (float8, float8),
	OPERATOR 3 = (float8, float8),
	OPERATOR 4 >= (float8, float8),
	OPERATOR 5 > (float8, float8),
	OPERATOR 6 <> (float8, float8);

ALTER OPERATOR FAMILY float_ops USING ivfflat ADD
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
	DEFAULT FOR TYPE numeric USING ivfflat AS
	OPERATOR 1 < (numeric, numeric),
	OPERATOR 2 <= (numeric, numeric),
	OPERATOR 3 = (numeric, numeric),
	OPERATOR 4 >= (numeric, numeric),
	OPERATOR 5 > (numeric, numeric),
	OPERATOR 6 <> (numeric, numeric);

CREATE OPERATOR CLASS date_ops
	DEFAULT FOR TYPE date USING ivfflat AS
	OPERATOR 1 < (date, date),
	OPERATOR 2 <= (date, date),
	OPERATOR 3 = (date, date),
	OPERATOR 4 >= (date, date),
	OPERATOR 5 > (date, date),
	OPERATOR 6 <> (date, date);

CREATE OPERATOR CLASS timestamp_ops
	DEFAULT FOR TYPE timestamp USING ivfflat AS
	OPERATOR 1 < (timestamp, timestamp),
	OPERATOR 2 <= (timestamp, timestamp),
	OPERATOR 3 = (timestamp, timestamp),
	OPERATOR 4 >= (timestamp, timestamp),
	OPERATOR 5 > (timestamp, timestamp),
	OPERATOR 6 <> (timestamp, timestamp);

CREATE OPERATOR CLASS timestamptz_ops
	DEFAULT FOR TYPE timestamptz USING ivfflat AS
	OPERATOR 1 < (timestamptz, timestamptz),
	OPERATOR 2 <= (timestamptz, timestamptz),
	OPERATOR 3 = (timestamptz, timestamptz),
	OPERATOR 4 >= (timestamptz, timestamptz),
	OPERATOR 5 > (timestamptz, timestamptz),
	OPERATOR 6 <> (timestamptz, timestamptz);

CREATE OPERATOR CLASS uuid_ops
	DEFAULT FOR TYPE uuid USING ivfflat AS
	OPERATOR 3 = (uuid, uuid),
	OPERATOR 6 <> (uuid, uuid);

CREATE OPERATOR FAMILY float_ops USING ivf;

CREATE OPERATOR CLASS float4_ops
	DEFAULT FOR TYPE float4 USING ivf FAMILY float_ops AS
	OPERATOR 1 < (float4, float4),
	OPERATOR 2 <= (float4, float4),
	OPERATOR 3 = (float4, float4),
	OPERATOR 4 >= (float4, float4),
	OPERATOR 5 > (float4, float4),
	OPERATOR 6 <> (float4, float4);

CREATE OPERATOR CLASS float8_ops
	DEFAULT FOR TYPE float8 USING ivf FAMILY float_ops AS
	OPERATOR 1 < (float8, float8),
	OPERATOR 2 <= (float8, float8),
	OPERATOR 3 = (float8, float8),
	OPERATOR 4 >= (float8, float8),
	OPERATOR 5 > (float8, float8),
	OPERATOR 6 <> (float8, float8);

ALTER OPERATOR FAMILY float_ops USING ivf ADD
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
	DEFAULT FOR TYPE numeric USING ivf AS
	OPERATOR 1 < (numeric, numeric),
	OPERATOR 2 <= (numeric, numeric),
	OPERATOR 3 = (numeric, numeric),
	OPERATOR 4 >= (numeric, numeric),
	OPERATOR 5 > (numeric, numeric),
	OPERATOR 6 <> (numeric, numeric);

CREATE OPERATOR CLASS date_ops
	DEFAULT FOR TYPE date USING ivf AS
	OPERATOR 1 < (date, date),
	OPERATOR 2 <= (date, date),
	OPERATOR 3 = (date, date),
	OPERATOR 4 >= (date, date),
	OPERATOR 5 > (date, date),
	OPERATOR 6 <> (date, date);

CREATE OPERATOR CLASS timestamp_ops
	DEFAULT FOR TYPE timestamp USING ivf AS
	OPERATOR 1 < (timestamp, timestamp),
	OPERATOR 2 <= (timestamp, timestamp),
	OPERATOR 3 = (timestamp, timestamp),
	OPERATOR 4 >= (timestamp, timestamp),
	OPERATOR 5 > (timestamp, timestamp),
	OPERATOR 6 <> (timestamp, timestamp);

CREATE OPERATOR CLASS timestamptz_ops
	DEFAULT FOR TYPE timestamptz USING ivf AS
	OPERATOR 1 < (timestamptz, timestamptz),
	OPERATOR 2 <= (timestamptz, timestamptz),
	OPERATOR 3 = (timestamptz, timestamptz),
	OPERATOR 4 >= (timestamptz, timestamptz),
	OPERATOR 5 > (timestamptz, timestamptz),
	OPERATOR 6 <> (timestamptz, timestamptz);

CREATE OPERATOR CLASS uuid_ops
	DEFAULT FOR TYPE uuid USING ivf AS
	OPERATOR 3 = (uuid, uuid),
	OPERATOR 6 <> (uuid, uuid);
