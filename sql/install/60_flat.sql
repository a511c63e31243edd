-- ---------------------------------------------------------------------------
-- flat: the exact index access method (Milvus's FLAT)
-- ---------------------------------------------------------------------------
-- Support function 1 is the ordering operator's own function: the index
-- computes exactly what the operator returns, with the same kernels.
-- The bit operator classes also answer the boolean operators @> and <@
-- (substructure and superstructure screens of chemical fingerprints) and
-- % (Tanimoto similarity at least milvus.tanimoto_threshold), with or
-- without ORDER BY.

CREATE FUNCTION flathandler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD flat TYPE INDEX HANDLER flathandler;

COMMENT ON ACCESS METHOD flat IS 'flat (exact) index access method';

CREATE OPERATOR CLASS vector_l2_ops
	FOR TYPE vector USING flat AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l2_distance(vector, vector);

CREATE OPERATOR CLASS vector_ip_ops
	FOR TYPE vector USING flat AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_negative_inner_product(vector, vector);

CREATE OPERATOR CLASS vector_cosine_ops
	FOR TYPE vector USING flat AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(vector, vector);

CREATE OPERATOR CLASS vector_l1_ops
	FOR TYPE vector USING flat AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(vector, vector);

CREATE OPERATOR CLASS halfvec_l2_ops
	FOR TYPE halfvec USING flat AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 l2_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_ip_ops
	FOR TYPE halfvec USING flat AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 halfvec_negative_inner_product(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_cosine_ops
	FOR TYPE halfvec USING flat AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(halfvec, halfvec);

CREATE OPERATOR CLASS halfvec_l1_ops
	FOR TYPE halfvec USING flat AS
	OPERATOR 1 <+> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(halfvec, halfvec);

CREATE OPERATOR CLASS bit_hamming_ops
	FOR TYPE bit USING flat AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	OPERATOR 2 @> (bit, bit),
	OPERATOR 3 <@ (bit, bit),
	OPERATOR 4 % (bit, bit),
	FUNCTION 1 hamming_distance(bit, bit);

CREATE OPERATOR CLASS bit_jaccard_ops
	FOR TYPE bit USING flat AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	OPERATOR 2 @> (bit, bit),
	OPERATOR 3 <@ (bit, bit),
	OPERATOR 4 % (bit, bit),
	FUNCTION 1 jaccard_distance(bit, bit);
