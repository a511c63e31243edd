# hnsw under concurrency: several pgbench clients insert, delete and search
# at once for a bounded time, VACUUM runs beside them; afterwards the index
# check is clean and every live row is found through the index.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('hnsw_concurrent');

$node->safe_psql('postgres', q{
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8));
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 1000) i;
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
});

MilvusTest::concurrent_churn($node);

MilvusTest::index_check_is_clean($node, 't_hnsw',
	'index check is clean after the concurrent run');

is(MilvusTest::rows_not_found($node, 't', 'SET hnsw.ef_search = 200;'),
	'0', 'every live row is found through the index');

$node->safe_psql('postgres', 'VACUUM t');
MilvusTest::index_check_is_clean($node, 't_hnsw',
	'index check is clean after a final vacuum');

$node->stop;
done_testing();
