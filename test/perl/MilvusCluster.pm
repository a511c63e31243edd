# test/perl/MilvusCluster.pm: topologies of local servers for the TAP
# tests, on PostgreSQL::Test::Cluster: a coordinator wired to shards over
# postgres_fdw (the same SQL as cluster.sh shards), and the SIFT sample.
#
#   use FindBin;
#   use lib "$FindBin::RealBin/../perl";
#   use MilvusCluster;
#   my ($coord, @shards) = MilvusCluster::start_shards('name', 2);
package MilvusCluster;

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

# The root of the source tree, where data/siftsmall lives.
our $ROOT = abs_path(dirname(__FILE__) . '/../..');

# wire_shard(COORD, NAME, NODE, DBNAME): a postgres_fdw server NAME on the
# coordinator for database DBNAME of NODE, with milvus in its extensions
# (so the distance operators are sent) and async_capable, and a user mapping
# for the current user.
sub wire_shard
{
	my ($coord, $name, $node, $dbname) = @_;
	my $host = $node->host;
	my $port = $node->port;
	$coord->safe_psql('postgres', qq{
		CREATE SERVER $name FOREIGN DATA WRAPPER postgres_fdw
			OPTIONS (host '$host', port '$port', dbname '$dbname',
					 extensions 'milvus', async_capable 'true');
		CREATE USER MAPPING FOR CURRENT_USER SERVER $name;
	});
	return;
}

# start_shards(PREFIX, N): start a coordinator and N shard servers, with
# milvus installed on all, postgres_fdw on the coordinator and foreign
# servers shard1 .. shardN.  Returns (coordinator, shard nodes).
sub start_shards
{
	my ($prefix, $n) = @_;
	my @nodes;
	for my $i (0 .. $n)
	{
		my $node = PostgreSQL::Test::Cluster->new(
			$i == 0 ? "${prefix}_coord" : "${prefix}_shard$i");
		$node->init;
		$node->start;
		$node->safe_psql('postgres', 'CREATE EXTENSION milvus');
		push @nodes, $node;
	}
	my $coord = $nodes[0];
	$coord->safe_psql('postgres', 'CREATE EXTENSION postgres_fdw');
	wire_shard($coord, "shard$_", $nodes[$_], 'postgres') for 1 .. $n;
	return @nodes;
}

# load_sift(NODE, DB): the SIFT sample in tables sift_base (id, v),
# sift_query (id, v) and sift_gtd (id, d: the true top-100 distances).
sub load_sift
{
	my ($node, $db) = @_;
	my $conv = "perl $ROOT/scripts/vecs2copy.pl $ROOT/data/siftsmall/siftsmall_";
	$node->safe_psql($db, qq{
		CREATE TABLE sift_base (id bigint PRIMARY KEY, v vector(128));
		CREATE TABLE sift_query (id int PRIMARY KEY, v vector(128));
		CREATE TABLE sift_gtd (id int PRIMARY KEY, d vector);
		COPY sift_base FROM PROGRAM '${conv}base.fvecs';
		COPY sift_query FROM PROGRAM '${conv}query.fvecs';
		COPY sift_gtd FROM PROGRAM '${conv}groundtruth_dist.fvecs';
		ANALYZE sift_base;
	});
	return;
}

# recall_sql(RESULTS): SQL for recall\@10 over the 100 queries, where
# RESULTS is a FROM item yielding the distances "d" of the top 10 of query
# q (a lateral reference): a hit is a result within the true 10th distance,
# which counts ties.
sub recall_sql
{
	my ($results) = @_;
	return qq{
		SELECT round(avg(hits) / 10, 3) FROM (
			SELECT (SELECT count(*) FROM $results r
					WHERE r.d <= (t.d::real[])[10] * (1 + 1e-6)) AS hits
			FROM sift_query q JOIN sift_gtd t USING (id)) s};
}

1;
