# annoy under concurrency: several pgbench clients insert (filling and
# splitting leaves at once), delete and search for a bounded time, VACUUM
# runs beside them; afterwards the index check is clean (every live row in
# every tree once) and a scan whose search_k covers every leaf returns
# exactly the sequential scan's rows.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('annoy_concurrent');

$node->safe_psql('postgres', q{
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8));
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 1000) i;
	CREATE INDEX t_annoy ON t USING annoy (v vector_l2_ops) WITH (n_trees = 4);
});

# (the full order with a search_k covering every leaf)
MilvusTest::churn_keeps_index_order($node, 't_annoy',
	'SET annoy.search_k = 100000000;');

$node->stop;
done_testing();
