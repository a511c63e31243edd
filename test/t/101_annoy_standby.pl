# annoy on a streaming hot standby: the build's page images, the inserts'
# (splits included) and VACUUM's generic WAL reach the standby, which
# answers the same queries with the same results (at the default search_k:
# approximate, but the same on both; with a search_k covering every leaf,
# the sequential scan's distances); once promoted, its index check is clean
# and it inserts into the replayed index.
# (MilvusTest::standby_three_indexes, shared with 021_flat_standby.pl.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $standby = MilvusTest::standby_three_indexes(
	am => 'annoy',
	with => [ '', 'WITH (n_trees = 3)', 'WITH (n_trees = 2)' ],
	exact => 'SET annoy.search_k = 100000000;',
	promoted_sql => q{
	INSERT INTO t SELECT i, x::vector, x::halfvec, (i * 31)::bit(64)
		FROM (SELECT i, (SELECT array_agg(round(random() * 20)) FROM generate_series(1, 16) WHERE i > 0) x
			  FROM generate_series(10001, 11000) i) s;});
MilvusTest::index_check_is_clean($standby, 't_annoy',
	'and its index check is clean after more inserts');
$standby->stop;
done_testing();
