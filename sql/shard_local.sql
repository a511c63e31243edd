-- sharding helpers that need no shard server: checks, and the search over a
-- hash-partitioned table with local partitions (the plan shape a sharded
-- table gets, minus postgres_fdw)
\set VERBOSITY terse

-- every operator of the extension is shippable by postgres_fdw: its
-- function is immutable (and owned by the extension); but for bit % bit,
-- stable as it reads milvus.tanimoto_threshold, so the coordinator runs it
SELECT count(*) FILTER (WHERE p.provolatile <> 'i' AND o.oprname <> '%') AS not_immutable,
	string_agg(o.oprname || ' ' || p.provolatile::text, ', ') FILTER (WHERE o.oprname = '%') AS tanimoto_match,
	count(*) FILTER (WHERE o.oprname IN ('<->', '<#>', '<=>', '<+>', '<~>', '<%>'))
		>= 14 AS has_distance_operators
FROM pg_operator o
JOIN pg_depend d ON d.classid = 'pg_operator'::regclass AND d.objid = o.oid
	AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'milvus'
JOIN pg_proc p ON p.oid = o.oprcode;

CREATE TABLE items (id bigint NOT NULL, embedding vector(3)) PARTITION BY HASH (id);
CREATE TABLE items_p0 PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE items_p1 PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO items SELECT i, ARRAY[i, i * 2 % 7, i % 5] FROM generate_series(1, 100) i;
SELECT * FROM milvus_shards('items');
SELECT milvus_sharded_query('items', '[3,3,3]', 5);
SELECT id, embedding, embedding <-> '[3,3,3]' AS d
FROM milvus_sharded_search(NULL::items, '[3,3,3]', 5) ORDER BY d, id;
-- the same rows as the plain query
SELECT id, embedding, embedding <-> '[3,3,3]' AS d
FROM items ORDER BY d, id LIMIT 5;
SELECT id FROM milvus_sharded_search(NULL::items, '[1,2,3]'::vector, 3, '<=>');
EXPLAIN (COSTS OFF) SELECT * FROM milvus_sharded_search(NULL::items, '[1,2,3]', 3);

-- other vector types and operators
CREATE TABLE h (id bigint NOT NULL, embedding halfvec(3)) PARTITION BY HASH (id);
CREATE TABLE h_p0 PARTITION OF h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE h_p1 PARTITION OF h FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO h SELECT id, embedding::halfvec FROM items;
SELECT id, round((embedding <=> '[1,2,3]')::numeric, 4) AS d
FROM milvus_sharded_search(NULL::h, '[1,2,3]', 3, '<=>') ORDER BY d, id;
SELECT id, embedding <+> '[1,2,3]' AS d
FROM milvus_sharded_search(NULL::h, '[1,2,3]'::vector, 4, '<+>') ORDER BY d, id;
CREATE TABLE s (id bigint NOT NULL, v sparsevec(3)) PARTITION BY HASH (id);
CREATE TABLE s_p0 PARTITION OF s FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE s_p1 PARTITION OF s FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO s SELECT id, embedding::sparsevec FROM items;
SELECT id, v FROM milvus_sharded_search(NULL::s, '{1:1,2:2,3:3}/3', 3, '<#>', 'v');
DROP TABLE h, s;

-- errors
SELECT milvus_sharded_query('items', '[3,3,3]', 5, '+');
SELECT milvus_sharded_query('items', '[3,3,3]', 0);
SELECT milvus_sharded_query('items', '[3,3,3]', 5, '<->', 'nosuch');
SELECT milvus_sharded_query('items_p0', '[3,3,3]', 5);
SELECT * FROM milvus_sharded_search(1, '[3,3,3]', 5);
SELECT milvus_create_sharded_table('t', 3, ARRAY[]::text[]);
SELECT milvus_create_sharded_table('t', 3, ARRAY['a', 'b'], partitions => 1);
SELECT milvus_create_sharded_table('t', 3, ARRAY['nosuch']);
SELECT milvus_create_shard_tables('t', 3, 0);

-- the shard side: the remote tables with an index each
SELECT milvus_create_shard_tables('remote', 3, 2, index_method => 'hnsw');
SELECT c.relname, i.relname AS index, am.amname
FROM pg_class c JOIN pg_index x ON x.indrelid = c.oid
JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
WHERE c.relname LIKE 'remote_p%' ORDER BY 1, 2;
DROP TABLE items, remote_p0, remote_p1;
