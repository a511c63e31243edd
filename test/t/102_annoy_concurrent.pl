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

MilvusTest::concurrent_churn($node, 2);

MilvusTest::index_check_is_clean($node, 't_annoy',
	'index check is clean after the concurrent run');

my $q = q{SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]'};
like($node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN $q) s"),
	qr/Index Scan using t_annoy/, 'the index serves the full order');
my $by_index = $node->safe_psql('postgres', "SET enable_seqscan = off; SET annoy.search_k = 100000000; $q) s");
my $by_seq = $node->safe_psql('postgres', "SET enable_indexscan = off; $q, ctid) s");
ok(length($by_seq) > 0, 'the table has rows');
is($by_index, $by_seq, 'the index returns every live row in the sequential scan order');

$node->safe_psql('postgres', 'VACUUM t');
MilvusTest::index_check_is_clean($node, 't_annoy',
	'index check is clean after a final vacuum');

$node->stop;
done_testing();
