# hnsw under concurrency: several pgbench clients insert, delete and search
# at once for a bounded time, VACUUM runs beside them; afterwards the index
# check is clean and every live row is found through the index.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hnsw_concurrent');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8));
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 1000) i;
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
});

$node->pgbench(
	'--no-vacuum --client=4 --jobs=2 --time=8',
	0,
	[qr{processed: [1-9]}],
	[qr{^$}],
	'concurrent inserts, deletes, searches and vacuum',
	{
		'001_insert@5' => q{
			INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8))::vector;
		},
		'002_delete@1' => q{
			DELETE FROM t WHERE id = (SELECT (random() * (SELECT max(id) FROM t))::bigint);
		},
		'003_search@4' => q{
			SET enable_seqscan = off;
			SELECT id FROM t ORDER BY v <-> (SELECT (SELECT array_agg(random()) FROM generate_series(1, 8))::vector) LIMIT 10;
		},
		'004_vacuum@1' => q{
			VACUUM t;
		},
	});

is($node->safe_psql('postgres', q{SELECT count(*) FROM milvus_index_check('t_hnsw')}),
	'0', 'index check is clean after the concurrent run')
  or diag($node->safe_psql('postgres', q{SELECT * FROM milvus_index_check('t_hnsw')}));

my $missing = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET hnsw.ef_search = 200;
	SELECT count(*) FROM t a WHERE NOT EXISTS (
		SELECT 1 FROM (SELECT b.id FROM t b ORDER BY b.v <-> a.v LIMIT 3) s
		WHERE s.id = a.id)});
is($missing, '0', 'every live row is found through the index');

$node->safe_psql('postgres', 'VACUUM t');
is($node->safe_psql('postgres', q{SELECT count(*) FROM milvus_index_check('t_hnsw')}),
	'0', 'index check is clean after a final vacuum');

$node->stop;
done_testing();
