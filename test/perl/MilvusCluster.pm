# test/perl/MilvusCluster.pm: topologies of local servers for the TAP
# tests, on PostgreSQL::Test::Cluster: a coordinator wired to shards over
# postgres_fdw (the same SQL as cluster.sh shards), and the SIFT sample;
# and, through test/cluster/cluster.sh, pgpool-II in front of a primary and
# two hot standbys.
#
#   use FindBin;
#   use lib "$FindBin::RealBin/../perl";
#   use MilvusCluster;
#   my ($coord, @shards) = MilvusCluster::start_shards('name', 2);
#   my $ports = MilvusCluster::start_pgpool($dir);   # node0..node2, pgpool
package MilvusCluster;

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IPC::Run;
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

# ---- pgpool-II in front of a primary and two standbys (cluster.sh pgpool) ----

our $CLUSTER_SH = "$ROOT/test/cluster/cluster.sh";

# pgpool_bin(): the path of pgpool (on PATH or in /usr/sbin, where Debian's
# pgpool2 puts it), or undef when it is not installed.
sub pgpool_bin
{
	for my $d (split(/:/, $ENV{PATH} // ''), '/usr/sbin')
	{
		return "$d/pgpool" if $d ne '' && -x "$d/pgpool";
	}
	return undef;
}

# cluster_ports(DIR): { node0 => port, ..., pgpool => port } of a
# cluster.sh topology.
sub cluster_ports
{
	my ($dir) = @_;
	open(my $fh, '<', "$dir/ports") or die "$dir/ports: $!";
	my %p = map { split ' ' } <$fh>;
	close $fh;
	return \%p;
}

# start_pgpool(DIR, SETTING ...): cluster.sh pgpool DIR: node0 primary,
# node1 and node2 hot standbys, pgpool-II in front with the shipped
# configuration and the SETTINGs (pgpool.conf lines).  Dies when it does
# not start.  Returns cluster_ports(DIR).
sub start_pgpool
{
	my ($dir, @settings) = @_;
	system($CLUSTER_SH, 'pgpool', $dir, @settings) == 0
	  or die "cluster.sh pgpool $dir failed";
	return cluster_ports($dir);
}

# stop_cluster(DIR): cluster.sh stop DIR (pgpool and every server).
sub stop_cluster
{
	my ($dir) = @_;
	local $?;
	system($CLUSTER_SH, 'stop', $dir) if -e $dir;
	return;
}

# psql_port(PORT, SQL, DB): run SQL through psql on 127.0.0.1:PORT as
# postgres (unaligned, tuples only, stop at the first error).  Returns
# (rc, stdout, stderr), stdout without its last newline.
sub psql_port
{
	my ($port, $sql, $db) = @_;
	my ($out, $err) = ('', '');
	my $ok = IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1',
		'-h', '127.0.0.1', '-p', $port, '-U', 'postgres', '-d', $db // 'postgres',
		'-c', $sql ], '<', \undef, '>', \$out, '2>', \$err);
	chomp $out;
	return ($ok ? 0 : 1, $out, $err);
}

# pool_nodes(PORT): SHOW POOL_NODES of the pgpool on PORT: { node_id =>
# { status, role, select_cnt, replication_delay, ... } }.
sub pool_nodes
{
	my ($port) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ 'psql', '-XAq', '-h', '127.0.0.1', '-p', $port,
		'-U', 'postgres', '-d', 'postgres', '-c', 'SHOW POOL_NODES' ],
		'<', \undef, '>', \$out, '2>', \$err);
	my ($head, @rows) = split /\n/, $out;
	return {} unless defined $head;
	my @cols = split /\|/, $head;
	my %nodes;
	for my $r (grep { /^\d+\|/ } @rows)
	{
		my %h;
		@h{@cols} = split /\|/, $r, -1;
		$nodes{ $h{node_id} } = \%h;
	}
	return \%nodes;
}

1;
