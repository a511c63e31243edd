-- ---------------------------------------------------------------------------
-- milvus_index_check: structural check of any of our indexes
-- ---------------------------------------------------------------------------

-- one row per problem, none when sound
CREATE FUNCTION milvus_index_check(index regclass)
	RETURNS TABLE (problem text, detail text)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
