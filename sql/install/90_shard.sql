-- Sharding over postgres_fdw (README: "Sharding and replicas").
--
-- A sharded table is a table partitioned by hash on its bigint "id" whose
-- partitions are postgres_fdw foreign tables, each on a shard server with
-- async_capable set.  Every shard server holds all the remote tables
-- <table>_p0 .. <table>_p<N-1> (milvus_create_shard_tables), most of them
-- empty, so that a partition can move to another server without DDL there.
-- The functions build their SQL with format('%I') and quoted literals and
-- run with the caller's privileges (no SECURITY DEFINER), with search_path
-- pinned to pg_catalog, pg_temp (README: "Security"): they call each
-- other, and name this extension's operators and operator classes,
-- qualified with its schema.  Those that create tables create them in the
-- caller's current schema: their last parameter defaults to
-- current_schema(), which the call evaluates with the caller's search_path.

-- The distance operators a search may use.
CREATE FUNCTION milvus_shard_check_operator(op text) RETURNS void
AS $$
BEGIN
	IF op IS NULL OR op NOT IN ('<->', '<#>', '<=>', '<+>', '<~>', '<%>') THEN
		RAISE EXCEPTION 'invalid distance operator "%"', op
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Use one of <->, <#>, <=>, <+>, <~> or <%>.';
	END IF;
END;
$$ LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp;

-- On a shard server: create the remote tables of a sharded table, one per
-- hash partition, and optionally an index on each.
CREATE FUNCTION milvus_create_shard_tables(table_name text, dim integer,
	partitions integer, vector_type regtype DEFAULT 'vector',
	index_method text DEFAULT NULL, index_opclass text DEFAULT NULL,
	schema name DEFAULT pg_catalog.current_schema())
RETURNS integer
AS $$
DECLARE
	part text;
BEGIN
	IF partitions IS NULL OR partitions < 1 THEN
		RAISE EXCEPTION 'number of partitions must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF schema IS NULL THEN
		RAISE EXCEPTION 'no schema has been selected to create in'
			USING ERRCODE = 'invalid_schema_name';
	END IF;
	FOR i IN 0 .. partitions - 1 LOOP
		part := pg_catalog.format('%s_p%s', table_name, i);
		EXECUTE pg_catalog.format('CREATE TABLE %I.%I (id bigint PRIMARY KEY, embedding %s(%s))',
								  schema, part, vector_type, dim);
		IF index_method IS NOT NULL THEN
			EXECUTE pg_catalog.format('CREATE INDEX ON %I.%I USING %I (embedding %s.%I)',
									  schema, part, index_method, '@extschema@',
									  coalesce(index_opclass, 'vector_l2_ops'));
		END IF;
	END LOOP;
	RETURN partitions;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- On the coordinator: the partitions of a sharded table with their bounds,
-- servers and remote tables.  Local partitions have a NULL server.
CREATE FUNCTION milvus_shards(sharded regclass)
RETURNS TABLE (partition regclass, remainder integer, modulus integer,
			   server name, remote_table text, async_capable boolean)
AS $$
	SELECT c.oid::regclass,
		   substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid)
					 FROM 'remainder (\d+)')::integer,
		   substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid)
					 FROM 'modulus (\d+)')::integer,
		   s.srvname,
		   coalesce((SELECT substring(o FROM 12) FROM pg_catalog.unnest(ft.ftoptions) o
					 WHERE o LIKE 'table\_name=%'), c.relname),
		   coalesce((SELECT substring(o FROM 15)::boolean
					 FROM pg_catalog.unnest(ft.ftoptions) o
					 WHERE o LIKE 'async\_capable=%'),
					(SELECT substring(o FROM 15)::boolean
					 FROM pg_catalog.unnest(s.srvoptions) o
					 WHERE o LIKE 'async\_capable=%'), false)
	FROM pg_catalog.pg_inherits i
	JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
	LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
	LEFT JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
	WHERE i.inhparent = sharded
	ORDER BY 2, 1;
$$ LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp;

-- Fail unless a foreign server exists and lists milvus in its "extensions"
-- option, without which postgres_fdw does not send the distance operators.
CREATE FUNCTION milvus_shard_check_server(server text) RETURNS void
AS $$
DECLARE
	opts text[];
BEGIN
	SELECT srvoptions INTO opts FROM pg_catalog.pg_foreign_server
	WHERE srvname = server;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'foreign server "%" does not exist', server
			USING ERRCODE = 'undefined_object';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(opts) o
				   WHERE o LIKE 'extensions=%'
				   AND 'milvus' = ANY (pg_catalog.regexp_split_to_array(
						   substring(o FROM 12), '\s*,\s*'))) THEN
		RAISE EXCEPTION 'foreign server "%" does not list milvus in its extensions option', server
			USING ERRCODE = 'invalid_parameter_value',
				HINT = pg_catalog.format('Run ALTER SERVER %I OPTIONS (ADD extensions %L).',
										 server, 'milvus');
	END IF;
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;

-- Attach partition "remainder" of a sharded table as a foreign table on a
-- server, reading and writing the remote table <table>_p<remainder>.
CREATE FUNCTION milvus_shard_attach(sharded regclass, remainder integer,
	modulus integer, server text) RETURNS regclass
AS $$
DECLARE
	base text;
	nsp text;
	part text;
BEGIN
	SELECT c.relname, n.nspname INTO base, nsp
	FROM pg_catalog.pg_class c
	JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE c.oid = sharded;
	part := pg_catalog.format('%s_p%s', base, remainder);
	EXECUTE pg_catalog.format('CREATE FOREIGN TABLE %I.%I PARTITION OF %s '
							  'FOR VALUES WITH (MODULUS %s, REMAINDER %s) SERVER %I '
							  'OPTIONS (table_name %L, async_capable %L)',
							  nsp, part, sharded, modulus, remainder, server,
							  part, 'true');
	RETURN pg_catalog.format('%I.%I', nsp, part)::pg_catalog.regclass;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- On the coordinator: create a table (id bigint, embedding <type>(dim))
-- partitioned by hash on id into "partitions" foreign tables spread over
-- the servers, partition i on servers[i mod #servers].
CREATE FUNCTION milvus_create_sharded_table(table_name text, dim integer,
	servers text[], partitions integer DEFAULT NULL,
	vector_type regtype DEFAULT 'vector',
	schema name DEFAULT pg_catalog.current_schema())
RETURNS regclass
AS $$
DECLARE
	nservers integer := coalesce(pg_catalog.array_length(servers, 1), 0);
	nparts integer := coalesce(partitions, nservers);
	sharded regclass;
	part regclass;
BEGIN
	IF nservers = 0 THEN
		RAISE EXCEPTION 'a sharded table needs at least one server'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF nparts < nservers THEN
		RAISE EXCEPTION 'number of partitions (%) is less than the number of servers (%)',
			nparts, nservers
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF schema IS NULL THEN
		RAISE EXCEPTION 'no schema has been selected to create in'
			USING ERRCODE = 'invalid_schema_name';
	END IF;
	FOR i IN 1 .. nservers LOOP
		PERFORM @extschema@.milvus_shard_check_server(servers[i]);
	END LOOP;
	EXECUTE pg_catalog.format('CREATE TABLE %I.%I (id bigint NOT NULL, embedding %s(%s)) '
							  'PARTITION BY HASH (id)', schema, table_name,
							  vector_type, dim);
	sharded := pg_catalog.format('%I.%I', schema, table_name)::pg_catalog.regclass;
	FOR i IN 0 .. nparts - 1 LOOP
		part := @extschema@.milvus_shard_attach(sharded, i, nparts,
												servers[i % nservers + 1]);
		-- fail now, with the shard's message, if the remote table is missing
		EXECUTE pg_catalog.format('SELECT FROM %s LIMIT 1', part);
	END LOOP;
	RETURN sharded;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- On the coordinator: move partitions of a sharded table to a new server
-- until it holds its share (partitions / servers), taking them from the
-- servers that hold the most.  Each move copies the rows through the
-- coordinator into the new server's (truncated) remote table and re-attaches
-- the partition there; the old server keeps its copy, unused, for the user
-- to truncate once the move has committed.  Returns the number moved.
CREATE FUNCTION milvus_add_shard(sharded regclass, server text)
RETURNS integer
AS $$
#variable_conflict use_variable
DECLARE
	nparts integer;
	nservers integer;
	share integer;
	parts regclass[];
	remainders integer[];
	old_servers name[];
	modulus integer;
	old regclass;
	cols text;
BEGIN
	PERFORM @extschema@.milvus_shard_check_server(server);
	IF EXISTS (SELECT 1 FROM @extschema@.milvus_shards(sharded) s
			   WHERE s.server = server) THEN
		RAISE EXCEPTION 'server "%" already holds partitions of "%"', server, sharded
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT pg_catalog.count(*), pg_catalog.count(DISTINCT s.server) + 1,
		   pg_catalog.max(s.modulus)
	INTO nparts, nservers, modulus
	FROM @extschema@.milvus_shards(sharded) s;
	share := nparts / nservers;
	IF share = 0 THEN
		RAISE EXCEPTION 'table "%" has too few partitions (%) for % servers',
			sharded, nparts, nservers
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Create the sharded table with more partitions than servers, or re-create it with more.';
	END IF;
	SELECT pg_catalog.string_agg(pg_catalog.format('%I', attname), ', ' ORDER BY attnum)
	INTO cols
	FROM pg_catalog.pg_attribute
	WHERE attrelid = sharded AND attnum > 0 AND NOT attisdropped;

	-- the last partitions of the servers holding the most, in turn
	SELECT pg_catalog.array_agg(s.partition ORDER BY s.rank, s.held DESC, s.remainder),
		   pg_catalog.array_agg(s.remainder ORDER BY s.rank, s.held DESC, s.remainder),
		   pg_catalog.array_agg(s.server ORDER BY s.rank, s.held DESC, s.remainder)
	INTO parts, remainders, old_servers
	FROM (SELECT s.*,
				 pg_catalog.row_number() OVER (PARTITION BY s.server
											   ORDER BY s.remainder DESC) AS rank,
				 pg_catalog.count(*) OVER (PARTITION BY s.server) AS held
		  FROM @extschema@.milvus_shards(sharded) s) s;

	FOR i IN 1 .. share LOOP
		old := parts[i];
		EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s', sharded, old);
		EXECUTE pg_catalog.format('ALTER FOREIGN TABLE %s RENAME TO %I', old,
								  pg_catalog.format('%s_moving',
									  (SELECT relname FROM pg_catalog.pg_class
									   WHERE oid = old)));
		EXECUTE pg_catalog.format('TRUNCATE %s',
								  @extschema@.milvus_shard_attach(sharded, remainders[i],
																  modulus, server));
		EXECUTE pg_catalog.format('INSERT INTO %s (%s) SELECT %s FROM %s', sharded,
								  cols, cols, old);
		EXECUTE pg_catalog.format('DROP FOREIGN TABLE %s', old);
		RAISE NOTICE 'moved partition % of "%" from server "%" to "%"',
			remainders[i], sharded, old_servers[i], server
			USING DETAIL = 'The copy on the old server is no longer used; truncate it once this transaction has committed.';
	END LOOP;
	RETURN share;
END;
$$ LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp;

-- The query milvus_sharded_search runs: each partition's top k, fetched with
-- ORDER BY ... LIMIT k sent to its shard, gathered by an Append that can run
-- the shards asynchronously (the MATERIALIZED CTE keeps the planner from a
-- Merge Append, which is not asynchronous), then the coordinator's top k.
CREATE FUNCTION milvus_sharded_query(sharded regclass, query text,
	k integer, op text DEFAULT '<->', vector_column name DEFAULT 'embedding')
RETURNS text
AS $$
DECLARE
	coltype text;
	cols text;
	q text;
	branches text;
BEGIN
	PERFORM @extschema@.milvus_shard_check_operator(op);
	IF k IS NULL OR k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT pg_catalog.format_type(atttypid, atttypmod) INTO coltype
	FROM pg_catalog.pg_attribute
	WHERE attrelid = sharded AND attname = vector_column AND NOT attisdropped;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'column "%" of relation "%" does not exist',
			vector_column, sharded
			USING ERRCODE = 'undefined_column';
	END IF;
	SELECT pg_catalog.string_agg(pg_catalog.format('%I', attname), ', ' ORDER BY attnum)
	INTO cols
	FROM pg_catalog.pg_attribute
	WHERE attrelid = sharded AND attnum > 0 AND NOT attisdropped;
	q := pg_catalog.format('%I OPERATOR(%s.%s) %L::%s', vector_column,
						   '@extschema@', op, query, coltype);
	SELECT pg_catalog.string_agg(pg_catalog.format('(SELECT %s, %s AS milvus_distance FROM %s '
												   'ORDER BY milvus_distance LIMIT %s)',
												   cols, q, s.partition, k),
								 E'\n  UNION ALL ' ORDER BY s.remainder, s.partition::text)
	INTO branches
	FROM @extschema@.milvus_shards(sharded) s;
	IF branches IS NULL THEN
		RAISE EXCEPTION 'relation "%" has no partitions', sharded
			USING ERRCODE = 'wrong_object_type';
	END IF;
	RETURN pg_catalog.format(E'WITH candidates AS MATERIALIZED (\n  %s)\n'
							 'SELECT %s FROM candidates ORDER BY milvus_distance LIMIT %s',
							 branches, cols, k);
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;

-- The top k rows of a sharded (or any partitioned) table by distance to
-- query, nearest first: SELECT * FROM milvus_sharded_search(NULL::items,
-- '[1,2,3]', 10).  The first argument names the table by its row type.
CREATE FUNCTION milvus_sharded_search(sharded anyelement, query anycompatible,
	k integer, op text DEFAULT '<->', vector_column name DEFAULT 'embedding')
RETURNS SETOF anyelement
AS $$
DECLARE
	rel regclass;
BEGIN
	SELECT t.typrelid INTO rel FROM pg_catalog.pg_type t
	WHERE t.oid = pg_catalog.pg_typeof(sharded) AND t.typrelid <> 0;
	IF rel IS NULL THEN
		RAISE EXCEPTION 'first argument must be a row of a table, as in NULL::items'
			USING ERRCODE = 'wrong_object_type';
	END IF;
	RETURN QUERY EXECUTE @extschema@.milvus_sharded_query(rel, query::text, k, op,
														  vector_column);
END;
$$ LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp;
