-- ---------------------------------------------------------------------------
-- milvus_index_check: structural check of any of our indexes
-- ---------------------------------------------------------------------------

-- one row per problem, none when sound; revoked from PUBLIC as amcheck's
-- functions are (it locks the table against VACUUM and reads heap TIDs),
-- and a role granted it must own the table or may SELECT from it
CREATE FUNCTION milvus_index_check(index regclass)
	RETURNS TABLE (problem text, detail text)
	AS 'MODULE_PATHNAME' LANGUAGE C STRICT;
REVOKE ALL ON FUNCTION milvus_index_check(regclass) FROM PUBLIC;
