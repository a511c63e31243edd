# flat under concurrency: several pgbench clients insert, delete and search
# at once for a bounded time, VACUUM runs beside them; afterwards the index
# check is clean and the index returns exactly the sequential scan's rows.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('flat_concurrent');

$node->safe_psql('postgres', q{
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8));
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 1000) i;
	CREATE INDEX t_flat ON t USING flat (v vector_l2_ops);
});

MilvusTest::churn_keeps_index_order($node, 't_flat');
is($node->safe_psql('postgres', q{
	SELECT pg_relation_size('t_flat') / 8192 <= 2 + (SELECT count(*) FROM t) / 15}),
	't', 'the index does not hold far more pages than its rows need');

$node->stop;
done_testing();
