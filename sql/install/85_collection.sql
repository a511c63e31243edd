-- ---------------------------------------------------------------------------
-- Milvus collections and partitions: thin helpers over ordinary SQL
-- ---------------------------------------------------------------------------
--
-- A collection is a table (id, partition_tag, embedding, fields...)
-- LIST-partitioned on partition_tag, with a DEFAULT partition
-- <name>__default, and a vector index on embedding.  A partition is a LIST
-- partition <name>_<tag>.  Every name reaches the SQL through format's %I
-- (or a regclass's quoted text), every value through %L, types through
-- regtype; the helpers run with the caller's privileges.  README.md shows
-- the SQL each one runs.  Each runs with search_path pinned to pg_catalog,
-- pg_temp (README: "Security"), so no object of a schema on the caller's
-- search_path can stand in for a built-in, and it qualifies this
-- extension's types and operator classes with the extension's schema.
-- milvus_create_collection creates in the caller's current schema: its
-- last parameter defaults to current_schema(), which the call evaluates
-- with the caller's search_path.

-- Create a collection: the table, its default partition and its index.
-- fields is {"name": "type", ...} or [{"name": ..., "type": ...}, ...]
-- (the latter keeps the order); a type is a Milvus data type name (BOOL,
-- INT8 ... INT64, FLOAT, DOUBLE, VARCHAR, STRING, JSON) or a PostgreSQL
-- type name, spliced as regtype's text (a type modifier such as
-- varchar(20) is not kept), looked up in pg_catalog, then in the
-- extension's schema; others must be schema-qualified.
CREATE FUNCTION milvus_create_collection(name text, dim integer,
		metric text DEFAULT 'L2', index_type text DEFAULT 'HNSW',
		params jsonb DEFAULT '{}', fields jsonb DEFAULT '{}',
		schema name DEFAULT pg_catalog.current_schema())
	RETURNS regclass
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	ext name;
	m text := pg_catalog.upper(metric);
	it text := pg_catalog.upper(coalesce(index_type, 'NONE'));
	opclass text;
	am text;
	cols text := '';
	opts text[] := '{}';
	opt text;
	f record;
	coll regclass;
BEGIN
	SELECT n.nspname INTO ext FROM pg_catalog.pg_extension e
	JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
	WHERE e.extname = 'milvus';

	opclass := CASE m
		WHEN 'L2' THEN 'vector_l2_ops' WHEN 'IP' THEN 'vector_ip_ops'
		WHEN 'COSINE' THEN 'vector_cosine_ops' WHEN 'L1' THEN 'vector_l1_ops'
		WHEN 'HAMMING' THEN 'bit_hamming_ops' WHEN 'JACCARD' THEN 'bit_jaccard_ops'
		WHEN 'TANIMOTO' THEN 'bit_jaccard_ops' END;
	IF opclass IS NULL THEN
		RAISE EXCEPTION 'unknown metric type "%"', metric
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use L2, IP, COSINE, L1, HAMMING, JACCARD or TANIMOTO.';
	END IF;
	am := CASE it WHEN 'HNSW' THEN 'hnsw' WHEN 'FLAT' THEN 'flat'
		WHEN 'IVF_FLAT' THEN 'ivfflat' WHEN 'IVF_SQ8' THEN 'ivf'
		WHEN 'IVF_PQ' THEN 'ivf' WHEN 'ANNOY' THEN 'annoy' WHEN 'NONE' THEN '' END;
	IF am IS NULL THEN
		RAISE EXCEPTION 'unknown index type "%"', index_type
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Use HNSW, FLAT, IVF_FLAT, IVF_SQ8, IVF_PQ, ANNOY or NONE.';
	END IF;
	IF am <> '' AND NOT EXISTS (SELECT FROM pg_catalog.pg_am a WHERE a.amname = am) THEN
		RAISE EXCEPTION 'index type % needs access method "%", which is not installed',
			it, am USING ERRCODE = 'feature_not_supported';
	END IF;
	IF dim IS NULL OR dim < 1 THEN
		RAISE EXCEPTION 'invalid dimension %', dim
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF schema IS NULL THEN
		RAISE EXCEPTION 'no schema has been selected to create in'
			USING ERRCODE = 'invalid_schema_name';
	END IF;

	-- the fields
	IF pg_catalog.jsonb_typeof(fields) IS DISTINCT FROM 'object'
	   AND pg_catalog.jsonb_typeof(fields) IS DISTINCT FROM 'array' THEN
		RAISE EXCEPTION 'fields must be a JSON object or array'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR f IN SELECT key AS fname, value #>> '{}' AS ftype
			 FROM pg_catalog.jsonb_each(CASE pg_catalog.jsonb_typeof(fields)
										WHEN 'object' THEN fields END)
			 UNION ALL
			 SELECT e ->> 'name', e ->> 'type'
			 FROM pg_catalog.jsonb_array_elements(CASE pg_catalog.jsonb_typeof(fields)
												  WHEN 'array' THEN fields END) e
	LOOP
		IF f.fname IS NULL OR f.ftype IS NULL THEN
			RAISE EXCEPTION 'each field needs a name and a type'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		cols := cols || pg_catalog.format(', %I %s', f.fname, CASE pg_catalog.upper(f.ftype)
			WHEN 'BOOL' THEN 'boolean' WHEN 'INT8' THEN 'smallint'
			WHEN 'INT16' THEN 'smallint' WHEN 'INT32' THEN 'integer'
			WHEN 'INT64' THEN 'bigint' WHEN 'FLOAT' THEN 'real'
			WHEN 'DOUBLE' THEN 'double precision' WHEN 'STRING' THEN 'text'
			WHEN 'VARCHAR' THEN 'text' WHEN 'JSON' THEN 'jsonb'
			ELSE coalesce(pg_catalog.to_regtype(f.ftype),
						  pg_catalog.to_regtype(pg_catalog.quote_ident(ext) || '.' || f.ftype),
						  f.ftype::pg_catalog.regtype)::text END);
	END LOOP;

	-- the index options: Milvus's index params under our names
	IF it = 'IVF_SQ8' THEN
		opts := pg_catalog.array_append(opts, $q$quantizer = 'sq8'$q$);
	ELSIF it = 'IVF_PQ' THEN
		opts := pg_catalog.array_append(opts, $q$quantizer = 'pq'$q$);
	END IF;
	FOR f IN SELECT key, value FROM pg_catalog.jsonb_each(coalesce(params, '{}')) LOOP
		opt := CASE
			WHEN it = 'HNSW' AND f.key IN ('M', 'm') THEN 'm'
			WHEN it = 'HNSW' AND f.key IN ('efConstruction', 'ef_construction')
				THEN 'ef_construction'
			WHEN it LIKE 'IVF%' AND f.key IN ('nlist', 'lists') THEN 'lists'
			WHEN it = 'IVF_PQ' AND f.key IN ('m', 'pq_m') THEN 'pq_m'
			WHEN it = 'IVF_PQ' AND f.key IN ('nbits', 'pq_bits') THEN 'pq_bits'
			WHEN it = 'ANNOY' AND f.key IN ('n_trees', 'nTrees') THEN 'n_trees'
		END;
		IF opt IS NULL THEN
			RAISE EXCEPTION 'unknown parameter "%" for index type %', f.key, it
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF pg_catalog.jsonb_typeof(f.value) <> 'number' THEN
			RAISE EXCEPTION 'index parameter "%" must be a number', f.key
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		-- an integer, checked by the cast, so it splices safely
		opts := opts || pg_catalog.format('%s = %s', opt, (f.value #>> '{}')::integer);
	END LOOP;

	EXECUTE pg_catalog.format('CREATE TABLE %I.%I (id bigint GENERATED BY DEFAULT AS IDENTITY, '
				   'partition_tag text NOT NULL DEFAULT %L, '
				   'embedding %s NOT NULL%s, PRIMARY KEY (id, partition_tag)) '
				   'PARTITION BY LIST (partition_tag)',
				   schema, name, '_default',
				   CASE WHEN m IN ('HAMMING', 'JACCARD', 'TANIMOTO')
						THEN pg_catalog.format('bit(%s)', dim)
						ELSE pg_catalog.format('%I.vector(%s)', ext, dim) END,
				   cols);
	coll := pg_catalog.format('%I.%I', schema, name)::pg_catalog.regclass;
	EXECUTE pg_catalog.format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT',
				   schema, name || '__default', coll);
	IF am <> '' THEN
		EXECUTE pg_catalog.format('CREATE INDEX ON %s USING %I (embedding %I.%I)%s',
					   coll, am, ext, opclass,
					   CASE WHEN pg_catalog.cardinality(opts) > 0
							THEN ' WITH (' || pg_catalog.array_to_string(opts, ', ') || ')'
							ELSE '' END);
	END IF;
	RETURN coll;
END
$$;

-- Create a partition: a LIST partition of the collection for one tag.
CREATE FUNCTION milvus_create_partition(collection regclass, tag text)
	RETURNS regclass
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
DECLARE
	nsp name;
	rel name;
	part text;
BEGIN
	SELECT c.relnamespace::regnamespace::name, c.relname INTO nsp, rel
	FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = c.oid
	WHERE c.oid = collection AND p.partstrat = 'l' AND p.partnatts = 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION '"%" is not a list-partitioned collection', collection
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Create collections with milvus_create_collection.';
	END IF;
	IF tag IS NULL OR tag = '' OR tag = '_default' THEN
		RAISE EXCEPTION 'invalid partition tag "%"', tag
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The default partition exists already; tags are non-empty.';
	END IF;
	part := rel || '_' || tag;
	IF pg_catalog.octet_length(part) >= 64 THEN
		RAISE EXCEPTION 'partition name "%" is too long', part
			USING ERRCODE = 'name_too_long';
	END IF;
	EXECUTE pg_catalog.format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES IN (%L)',
							  nsp, part, collection, tag);
	RETURN pg_catalog.format('%I.%I', nsp, part)::pg_catalog.regclass;
END
$$;

-- Drop a collection with its partitions and indexes.
CREATE FUNCTION milvus_drop_collection(collection regclass) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_class
				   WHERE oid = collection AND relkind IN ('r', 'p')) THEN
		RAISE EXCEPTION '"%" is not a table', collection
			USING ERRCODE = 'wrong_object_type';
	END IF;
	EXECUTE pg_catalog.format('DROP TABLE %s', collection);
END
$$;

-- One row per vector index of a collection (one row of NULL index columns
-- when it has none): rows, partitions, index type, parameters, metric, and
-- the size of the table, partitions, indexes and TOAST together.
CREATE FUNCTION milvus_collection_info(collection regclass)
	RETURNS TABLE (row_count bigint, partitions regclass[], index regclass,
				   index_type text, index_params jsonb, metric text,
				   size_bytes bigint)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
	AS $$
BEGIN
	EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', collection)
		INTO row_count;
	SELECT pg_catalog.array_agg(t.relid ORDER BY t.relid::text) INTO partitions
	FROM pg_catalog.pg_partition_tree(collection) t WHERE t.level = 1;
	SELECT pg_catalog.sum(pg_catalog.pg_total_relation_size(t.relid))::bigint INTO size_bytes
	FROM pg_catalog.pg_partition_tree(collection) t;
	RETURN QUERY
	SELECT row_count, partitions, v.idx, v.itype, v.iparams, v.imetric,
		   size_bytes
	FROM (SELECT 1) AS one
	LEFT JOIN (
		SELECT x.indexrelid::regclass AS idx,
			   CASE a.amname WHEN 'hnsw' THEN 'HNSW' WHEN 'flat' THEN 'FLAT'
					WHEN 'ivfflat' THEN 'IVF_FLAT' WHEN 'annoy' THEN 'ANNOY'
					WHEN 'ivf' THEN 'IVF_' || pg_catalog.upper(coalesce(o.opts ->> 'quantizer', 'flat'))
			   END AS itype,
			   coalesce(o.opts, '{}') AS iparams,
			   CASE WHEN oc.opcname LIKE '%\_l2\_ops' THEN 'L2'
					WHEN oc.opcname LIKE '%\_ip\_ops' THEN 'IP'
					WHEN oc.opcname LIKE '%\_cosine\_ops' THEN 'COSINE'
					WHEN oc.opcname LIKE '%\_l1\_ops' THEN 'L1'
					WHEN oc.opcname LIKE '%hamming%' THEN 'HAMMING'
					WHEN oc.opcname LIKE '%jaccard%' THEN 'JACCARD'
			   END AS imetric
		FROM pg_catalog.pg_index x
		JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
		JOIN pg_catalog.pg_am a ON a.oid = ic.relam
		JOIN pg_catalog.pg_opclass oc ON oc.oid = x.indclass[0]
		LEFT JOIN LATERAL (
			SELECT pg_catalog.jsonb_object_agg(pg_catalog.split_part(r, '=', 1),
					pg_catalog.substr(r, pg_catalog.strpos(r, '=') + 1)) AS opts
			FROM pg_catalog.unnest(ic.reloptions) r) o ON true
		WHERE x.indrelid = collection
		  AND a.amname IN ('hnsw', 'flat', 'ivfflat', 'ivf', 'annoy')) AS v ON true
	ORDER BY v.idx::text;
END
$$;
