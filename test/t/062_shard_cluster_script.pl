# test/cluster/cluster.sh, the topology script of the sharding benchmark:
# it starts a coordinator wired to two shards, and a primary with a hot
# standby, on loopback ports under one directory, and tears them down.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusCluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $script = "$MilvusCluster::ROOT/test/cluster/cluster.sh";
my $dir = PostgreSQL::Test::Utils::tempdir('cluster');
my ($shards, $standby) = ("$dir/shards", "$dir/standby");

# whatever happens, leave no server running
END
{
	for my $d (grep { defined && -e } ($shards, $standby))
	{
		system($script, 'stop', $d);
	}
}

# psql_at(PORT, SQL): run SQL on a server of the topology, return its
# output (unaligned, tuples only).
sub psql_at
{
	my ($port, $sql) = @_;
	my ($out, $err) = run_command([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1',
		'-h', '127.0.0.1', '-p', $port, '-U', 'postgres', '-d', 'postgres',
		'-c', $sql ]);
	diag($err) if $err ne '';
	chomp $out;
	return $out;
}

sub ports
{
	my ($d) = @_;
	open(my $fh, '<', "$d/ports") or die "$d/ports: $!";
	my %p = map { split ' ' } <$fh>;
	close $fh;
	return \%p;
}

# a coordinator and two shards
ok(system($script, 'shards', $shards, '3') == 0, 'cluster.sh shards starts three servers');
my $p = ports($shards);
is(scalar(keys %$p), 3, 'three ports recorded');
is(psql_at($p->{node0}, q{
	SELECT string_agg(srvname || ' ' || array_to_string(srvoptions, ' '), ', ' ORDER BY srvname)
	FROM pg_foreign_server}),
	"shard1 host=127.0.0.1 port=$p->{node1} dbname=postgres extensions=milvus async_capable=true, "
	  . "shard2 host=127.0.0.1 port=$p->{node2} dbname=postgres extensions=milvus async_capable=true",
	'the coordinator has a foreign server per shard, with milvus shippable');
psql_at($p->{$_}, q{SELECT milvus_create_shard_tables('t', 3, 2)}) for qw(node1 node2);
psql_at($p->{node0}, q{
	SELECT milvus_create_sharded_table('t', 3, ARRAY['shard1', 'shard2']);
	INSERT INTO t SELECT i, ARRAY[i, 0, 0] FROM generate_series(1, 100) i});
is(psql_at($p->{node0}, q{
	SELECT string_agg(id::text, ',') FROM milvus_sharded_search(NULL::t, '[50,0,0]', 3)}),
	'50,49,51', 'a sharded table works across the script\'s servers');
is(psql_at($p->{node1}, 'SELECT count(*) FROM t_p0') + psql_at($p->{node2}, 'SELECT count(*) FROM t_p1'),
	100, 'the rows are on the shards');

# a primary and its hot standby
ok(system($script, 'standby', $standby) == 0, 'cluster.sh standby starts a primary and a standby');
my $s = ports($standby);
psql_at($s->{node0}, q{
	CREATE TABLE r (id int, v vector(2));
	INSERT INTO r VALUES (1, '[1,1]'), (2, '[2,2]');
	CREATE INDEX ON r USING hnsw (v vector_l2_ops)});
my $lsn = psql_at($s->{node0}, 'SELECT pg_current_wal_lsn()');
my $caught_up = 0;
for (1 .. 100)
{
	$caught_up = psql_at($s->{node1},
		"SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn") eq 't';
	last if $caught_up;
	usleep(100_000);
}
ok($caught_up, 'the standby replays the primary');
is(psql_at($s->{node1}, q{
	SET enable_seqscan = off;
	SELECT pg_is_in_recovery(), id FROM r ORDER BY v <-> '[2,2]' LIMIT 1}),
	't|2', 'the standby answers searches');

# teardown
for my $d ($shards, $standby)
{
	ok(system($script, 'stop', $d) == 0, "cluster.sh stop $d");
	ok(!-e $d, 'the directory is gone');
}
ok(system('pg_isready', '-q', '-h', '127.0.0.1', '-p', $p->{node0}) != 0,
	'the coordinator is down');

done_testing();
