-- ---------------------------------------------------------------------------
-- bit: binary vector metrics on PostgreSQL's bit type
-- ---------------------------------------------------------------------------

CREATE FUNCTION hamming_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION jaccard_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Milvus's Tanimoto distance: -log2(|a AND b| / |a OR b|)
CREATE FUNCTION tanimoto_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- the Tanimoto similarity |a AND b| / |a OR b| (= 1 - jaccard_distance),
-- and the threshold test behind bit % bit: similarity at least the
-- setting milvus.tanimoto_threshold (Milvus's range search, the RDKit
-- cartridge's %)
CREATE FUNCTION tanimoto_similarity(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- STABLE: the result depends on the setting
CREATE FUNCTION bit_tanimoto_match(bit, bit) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- substructure / superstructure filters
CREATE FUNCTION bit_contains(bit, bit) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION bit_contained_by(bit, bit) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <~> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = hamming_distance,
	COMMUTATOR = '<~>'
);

CREATE OPERATOR <%> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = jaccard_distance,
	COMMUTATOR = '<%>'
);

CREATE OPERATOR @> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = bit_contains,
	COMMUTATOR = '<@',
	RESTRICT = contsel, JOIN = contjoinsel
);

CREATE OPERATOR <@ (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = bit_contained_by,
	COMMUTATOR = '@>',
	RESTRICT = contsel, JOIN = contjoinsel
);

CREATE OPERATOR % (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = bit_tanimoto_match,
	COMMUTATOR = '%',
	RESTRICT = contsel, JOIN = contjoinsel
);
