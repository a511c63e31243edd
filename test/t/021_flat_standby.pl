# flat on a streaming hot standby: the build's page images, the inserts'
# and VACUUM's generic WAL reach the standby, which answers the same
# queries with the same results; once promoted, its index check is clean.
# (MilvusTest::standby_three_indexes, shared with 101_annoy_standby.pl.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $standby = MilvusTest::standby_three_indexes(am => 'flat');
$standby->stop;
done_testing();
