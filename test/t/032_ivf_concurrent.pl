# ivfflat and ivf under concurrency: pgbench clients insert, delete and
# search at once for a bounded time, VACUUM runs beside them; afterwards
# the index checks are clean and every live row is found through the index.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('ivf_concurrent');

# few lists, so that concurrent inserts meet on the same tail pages
$node->safe_psql('postgres', q{
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8));
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 1000) i;
	CREATE INDEX t_flat ON t USING ivfflat (v vector_l2_ops) WITH (lists = 4);
	CREATE INDEX t_sq8 ON t USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8');
});

MilvusTest::concurrent_churn($node);

for my $idx ('t_flat', 't_sq8')
{
	MilvusTest::index_check_is_clean($node, $idx,
		"$idx: index check is clean after the concurrent run");
}

# with every list probed, each live row is its own nearest neighbour
is(MilvusTest::rows_not_found($node, 't', 'SET ivfflat.probes = 4;'),
	'0', 'every live row is found through the index');
my $tuples = $node->safe_psql('postgres', q{
	VACUUM t;
	SELECT count(*) FROM t});
cmp_ok($tuples, '>', 1000, 'the table grew during the run');
for my $idx ('t_flat', 't_sq8')
{
	MilvusTest::index_check_is_clean($node, $idx,
		"$idx: index check is clean after a final vacuum");
}

$node->stop;
done_testing();
