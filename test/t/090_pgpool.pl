# pgpool-II in front of a milvus primary and two hot standbys
# (test/cluster/cluster.sh pgpool, scripts/pgpool/pgpool.conf.sample):
# writes and the write functions reach the primary only, searches spread
# over the standbys, a session reads its own writes, a lagging standby gets
# no searches, a stopped standby costs no failed search, and a stopped
# primary is replaced by a standby whose indexes check clean.
#
# Where each statement went is read from pgpool's log
# (log_per_node_statement): every statement carries a unique comment tag.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use MilvusCluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

plan skip_all => 'pgpool-II is not installed (Debian package pgpool2; "make deps" installs it)'
  unless MilvusCluster::pgpool_bin();

my $root = $MilvusCluster::ROOT;
my $gen = "$root/scripts/pgpool/write_functions.pl";

# ---- the shipped write_function_list is the generated one -------------------

is(system($gen, '--check', "$root/scripts/pgpool/pgpool.conf.sample"), 0,
	'pgpool.conf.sample holds the write_function_list generated from the install script');
my %kind;
for (split /\n/, `$gen --list`)
{
	my ($k, $name) = split ' ';
	$kind{$name} = $k;
}
ok(scalar(grep { $_ eq 'write' } values %kind) > 0
	  && scalar(grep { $_ eq 'read' } values %kind) > 0,
	'the generator classifies the VOLATILE milvus functions');

# ---- the topology ---------------------------------------------------------------

my $dir = PostgreSQL::Test::Utils::tempdir('pgpool') . '/c';
# keep the logs of pgpool and the servers beside the test's, then stop all
END
{
	if (defined $dir && -d $dir)
	{
		for my $f (glob("$dir/pgpool.log $dir/node*.log"))
		{
			my $to = $PostgreSQL::Test::Utils::log_path . '/090_pgpool_'
			  . ($f =~ s{.*/}{}r);
			system('cp', $f, $to);
		}
		MilvusCluster::stop_cluster($dir);
	}
}
my $p = MilvusCluster::start_pgpool($dir, 'log_per_node_statement = on');
my $pool = $p->{pgpool};
my $log = "$dir/pgpool.log";

my $nodes = MilvusCluster::pool_nodes($pool);
is(join(' ', map { "$_:$nodes->{$_}{status}:$nodes->{$_}{role}" } sort keys %$nodes),
	'0:up:primary 1:up:standby 2:up:standby',
	'pgpool sees node0 as the primary, node1 and node2 as standbys');

my $ntag = 0;
sub tag { return '/* q' . ++$ntag . ' */'; }

# routes(TAG): the node ids pgpool sent the statement tagged TAG to, from
# its log ("DB node id: N ... statement: ..."), sorted, as a string.
sub routes
{
	my ($tag) = @_;
	my %ids;
	for (1 .. 20)
	{
		open(my $fh, '<', $log) or die "$log: $!";
		while (<$fh>)
		{
			$ids{$1} = 1 if /DB node id: (\d+) backend pid: \d+ statement: .*\Q$tag\E/;
		}
		close $fh;
		last if %ids;
		usleep(50_000);
	}
	return join(',', sort keys %ids);
}

# pool(SQL, DB): run SQL through pgpool in one session; (rc, out, err).
sub pool { return MilvusCluster::psql_port($pool, $_[0], $_[1]); }

# direct(NODE, SQL): run SQL on a server itself; its output (dies on error).
sub direct
{
	my ($node, $sql) = @_;
	my ($rc, $out, $err) = MilvusCluster::psql_port($p->{$node}, $sql);
	die "$node: $sql: $err" if $rc;
	return $out;
}

# wait_until(SUB, SECONDS): poll SUB every 100 ms until true; its result.
sub wait_until
{
	my ($sub, $secs) = @_;
	for (1 .. $secs * 10)
	{
		return 1 if $sub->();
		usleep(100_000);
	}
	return 0;
}

# caught_up(PRIMARY, STANDBY ...): wait until the standbys replayed the
# primary's current WAL position.
sub caught_up
{
	my ($primary, @standbys) = @_;
	my $lsn = direct($primary, 'SELECT pg_current_wal_lsn()');
	return wait_until(sub {
		!grep { direct($_, "SELECT pg_last_wal_replay_lsn() >= '$lsn'") ne 't' } @standbys;
	}, 30);
}

# vec_of(I): the vector of row I, distinct for every I.
sub vec_of
{
	my ($i) = @_;
	return '[' . join(',', $i, map { $i % $_ } 7, 11, 13, 17, 19, 23, 29) . ']';
}

# tagged_searches(N): N searches of table h through pgpool in one session,
# for the vectors of rows 1 .. N, each tagged (tag()): (the ids found, one
# a line; the tags).
sub tagged_searches
{
	my ($n) = @_;
	my @tags;
	my ($script, $out, $err) = ('', '', '');
	for my $k (1 .. $n)
	{
		my $t = tag();
		push @tags, $t;
		$script .= "-c \"$t SELECT id FROM h ORDER BY v <-> '" . vec_of($k) . "' LIMIT 1\" ";
	}
	IPC::Run::run([ 'bash', '-c', "psql -XAtq -v ON_ERROR_STOP=1 "
		  . "-h 127.0.0.1 -p $pool -U postgres -d postgres $script" ], '>', \$out, '2>', \$err);
	chomp $out;
	return ($out, @tags);
}

# ---- writes land on the primary ---------------------------------------------------

my $vsql = 'ARRAY[i, i % 7, i % 11, i % 13, i % 17, i % 19, i % 23, i % 29]';
my %writes = (
	'CREATE TABLE h (id int PRIMARY KEY, v vector(8))' => 'h',
	'CREATE TABLE i (id int PRIMARY KEY, v vector(8))' => 'i',
	'CREATE TABLE f (id int PRIMARY KEY, v vector(8))' => 'f',
	"INSERT INTO h SELECT i, $vsql FROM generate_series(1, 2000) i" => 'h',
	"INSERT INTO i SELECT i, $vsql FROM generate_series(1, 2000) i" => 'i',
	"INSERT INTO f SELECT i, $vsql FROM generate_series(1, 2000) i" => 'f',
	'CREATE INDEX h_v ON h USING hnsw (v vector_l2_ops)' => 'h',
	'CREATE INDEX i_v ON i USING ivfflat (v vector_l2_ops) WITH (lists = 10)' => 'i',
	'CREATE INDEX f_v ON f USING flat (v vector_l2_ops)' => 'f');
my @wtags;
for my $sql (sort { ($a =~ /^CREATE TABLE/ ? 0 : $a =~ /^INSERT/ ? 1 : 2)
					  <=> ($b =~ /^CREATE TABLE/ ? 0 : $b =~ /^INSERT/ ? 1 : 2) } keys %writes)
{
	my $t = tag();
	my ($rc, undef, $err) = pool("$sql $t");
	diag($err) if $rc;
	push @wtags, [ $t, $rc ];
}
is(join(' ', map { $_->[1] . ':' . routes($_->[0]) } @wtags),
	join(' ', ('0:0') x @wtags),
	'tables, rows and hnsw, ivfflat and flat indexes created through pgpool, on the primary only');
ok(caught_up('node0', 'node1', 'node2'), 'the standbys replay them');
is(direct('node1', 'SELECT count(*) FROM h') . ' ' . direct('node2', 'SELECT count(*) FROM f'),
	'2000 2000', 'the standbys have the rows');

# ---- searches spread over the standbys ------------------------------------------

my $before = MilvusCluster::pool_nodes($pool);
my (@stags, $script);
for my $k (1 .. 40)
{
	my $t = tag();
	my $tbl = (qw(h i f))[ $k % 3 ];
	push @stags, $t;
	$script .= "-c \"$t SELECT id FROM $tbl ORDER BY v <-> '" . vec_of($k * 37) . "' LIMIT 1\" ";
}
# one read-only session, 40 searches, through the indexes
my ($out, $err) = ('', '');
IPC::Run::run([ 'bash', '-c', "PGOPTIONS='-c enable_seqscan=off' psql -XAtq -v ON_ERROR_STOP=1 "
	  . "-h 127.0.0.1 -p $pool -U postgres -d postgres $script" ], '>', \$out, '2>', \$err);
chomp $out;
is($out, join("\n", map { $_ * 37 } 1 .. 40), 'every search through pgpool finds its row');
my %count;
$count{ routes($_) }++ for @stags;
is(join(' ', map { "$_=" . ($count{$_} > 0 ? 'some' : 'none') } sort keys %count),
	'1=some 2=some', 'the searches went to both standbys and nowhere else');
my $after = MilvusCluster::pool_nodes($pool);
my @delta = map { $after->{$_}{select_cnt} - $before->{$_}{select_cnt} } 0 .. 2;
is($delta[0], 0, 'SHOW POOL_NODES: the primary answered no search');
cmp_ok($delta[1] + $delta[2], '>=', 40, 'SHOW POOL_NODES: the standbys answered them');
note("select_cnt deltas: node0 $delta[0], node1 $delta[1], node2 $delta[2]");

# ---- the write functions reach the primary, the read functions do not -----------

my $n0 = $p->{node0};
my %call = (
	milvus_create_collection => [ q{SELECT milvus_create_collection('coll', 8)} ],
	milvus_create_partition => [ q{SELECT milvus_create_partition('coll', 'p1')} ],
	milvus_drop_collection => [ q{SELECT milvus_create_collection('coll2', 8)},
		q{SELECT milvus_drop_collection('coll2')} ],
	milvus_create_shard_tables => [ [ 'sa', 'CREATE EXTENSION milvus' ], [ 'sb', 'CREATE EXTENSION milvus' ],
		[ 'sa', q{SELECT milvus_create_shard_tables('st', 8, 2)} ],
		[ 'sb', q{SELECT milvus_create_shard_tables('st', 8, 2)} ] ],
	milvus_create_sharded_table => [ 'CREATE EXTENSION postgres_fdw',
		"CREATE SERVER sa FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$n0', dbname 'sa', extensions 'milvus')",
		"CREATE SERVER sb FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '$n0', dbname 'sb', extensions 'milvus')",
		q{CREATE USER MAPPING FOR postgres SERVER sa OPTIONS (user 'postgres')},
		q{CREATE USER MAPPING FOR postgres SERVER sb OPTIONS (user 'postgres')},
		q{SELECT milvus_create_sharded_table('st', 8, ARRAY['sa'], 2)},
		"INSERT INTO st SELECT i, $vsql FROM generate_series(1, 100) i" ],
	milvus_add_shard => [ q{SELECT milvus_add_shard('st', 'sb')} ],
	milvus_shard_attach => [ 'ALTER TABLE st DETACH PARTITION st_p0', 'DROP FOREIGN TABLE st_p0',
		q{SELECT milvus_shard_attach('st', 0, 2, 'sa')} ],
	milvus_stat_reset => [ 'SELECT milvus_stat_reset()' ]);
for my $f (sort grep { $kind{$_} eq 'write' } keys %kind)
{
	ok(exists $call{$f}, "the test calls write function $f");
}
# two databases for shards, on the same server: pgpool connects a session
# to every server, so a new database is usable through it once the
# standbys have replayed its creation
is(join(' ', map { (pool($_))[0] } 'CREATE DATABASE sa', 'CREATE DATABASE sb'), '0 0',
	'databases created through pgpool');
ok(caught_up('node0', 'node1', 'node2'), 'and replayed');
for my $f (qw(milvus_create_collection milvus_create_partition milvus_drop_collection
	milvus_create_shard_tables milvus_create_sharded_table milvus_add_shard
	milvus_shard_attach milvus_stat_reset))
{
	my @res;
	for my $stmt (@{ $call{$f} })
	{
		my ($db, $sql) = ref $stmt ? @$stmt : ('postgres', $stmt);
		my $t = tag();
		my ($rc, undef, $err) = pool("$sql $t", $db);    # a session each
		push @res, $rc ? "error: $err" : routes($t);
	}
	is(join(' ', @res), join(' ', ('0') x @res), "$f through pgpool runs on the primary");
}
is(direct('node0', q{SELECT (SELECT count(*) FROM milvus_collection_info('coll')) || ' ' ||
	(SELECT count(*) FROM st) || ' ' || (SELECT string_agg(server, ',' ORDER BY partition::text)
	FROM milvus_shards('st')) || ' ' || (to_regclass('coll2') IS NULL)}),
	'1 100 sa,sb true', 'their effects are on the primary');
ok(caught_up('node0', 'node1', 'node2'), 'and replayed');

my %read_call = (
	milvus_search => q{SELECT count(*) FROM milvus_search('coll', '{"bool": {"must": [{"vector": {"embedding": {"topk": 2, "query": [[1,1,1,1,1,1,1,1]], "metric_type": "L2"}}}]}}')},
	milvus_search_sql => q{SELECT length(milvus_search_sql('coll', '{"bool": {"must": [{"vector": {"embedding": {"topk": 2, "query": [[1,1,1,1,1,1,1,1]], "metric_type": "L2"}}}]}}')) > 0},
	milvus_search_explain => q{SELECT count(*) > 0 FROM milvus_search_explain('coll', '{"bool": {"must": [{"vector": {"embedding": {"topk": 2, "query": [[1,1,1,1,1,1,1,1]], "metric_type": "L2"}}}]}}')},
	milvus_batch_search => q{SELECT count(*) FROM milvus_batch_search('h', 'v', ARRAY['[1,1,1,1,1,1,1,1]'::vector], 3)},
	milvus_kmeans => q{SELECT count(*) FROM milvus_kmeans('h', 'v', 4)},
	milvus_index_check => q{SELECT count(*) FROM milvus_index_check('h_v')},
	milvus_collection_info => q{SELECT count(*) FROM milvus_collection_info('coll')},
	milvus_worker_status => q{SELECT count(*) FROM milvus_worker_status()},
	milvus_stat_index_counters => q{SELECT count(*) >= 0 FROM milvus_stat_index_counters()},
	milvus_metrics => q{SELECT length(milvus_metrics()) > 0});
for my $f (sort grep { $kind{$_} eq 'read' } keys %kind)
{
	if (!ok(exists $read_call{$f}, "the test calls read-only function $f"))
	{
		next;
	}
	my ($rc, undef, $err) = MilvusCluster::psql_port($p->{node1}, $read_call{$f});
	my $t = tag();
	my ($prc, undef, $perr) = pool("$read_call{$f} $t");
	is(($rc ? "standby: $err" : 'ok') . ' ' . ($prc ? "pgpool: $perr" : routes($t) =~ /^[12]$/ ? 'standby' : routes($t)),
		'ok standby', "$f runs on a standby, and pgpool sends it to one");
}

# ---- read-your-writes -------------------------------------------------------------

direct($_, 'SELECT pg_wal_replay_pause()') for qw(node1 node2);
my (@rtags, $rsql);
for my $k (1 .. 5)
{
	my $id = 100000 + $k;
	my $v = '[' . join(',', -1000 * $k, (5) x 7) . ']';
	my ($ti, $ts) = (tag(), tag());
	push @rtags, $ts;
	$rsql .= "INSERT INTO h VALUES ($id, '$v') $ti;\n"
	  . "SELECT id FROM h ORDER BY v <-> '$v' LIMIT 1 $ts;\n";
}
($out, $err) = ('', '');
IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', $pool,
	'-U', 'postgres', '-d', 'postgres' ], '<', \$rsql, '>', \$out, '2>', \$err);
chomp $out;
is($out, join("\n", 100001 .. 100005),
	'a session finds each row it inserted through pgpool, at once, with both standbys paused');
is(join(' ', map { routes($_) } @rtags), '0 0 0 0 0',
	'its searches after its first write go to the primary (disable_load_balance_on_write = always)');
my $t = tag();
my ($rc, $seen) = pool(q{SELECT count(*) FROM h WHERE id > 100000 } . $t);
is("$seen " . (routes($t) =~ /^[12]$/ ? 'standby' : routes($t)), '0 standby',
	'a session that did not write reads a standby, which has not replayed them yet');
direct($_, 'SELECT pg_wal_replay_resume()') for qw(node1 node2);

# ---- a standby that lags gets no searches --------------------------------------------

direct('node2', 'SELECT pg_wal_replay_pause()');
pool("CREATE TABLE ballast AS SELECT i, ${vsql}::vector(8) AS v FROM generate_series(1, 30000) i");
ok(caught_up('node0', 'node1'), 'node1 keeps up');
ok(wait_until(sub {
	my $n = MilvusCluster::pool_nodes($pool);
	$n->{2}{replication_delay} > 1048576 && $n->{1}{replication_delay} == 0 }, 20),
	'pgpool sees node2 lag more than delay_threshold (1 MB of WAL), node1 not');
$before = MilvusCluster::pool_nodes($pool);
($out, @stags) = tagged_searches(20);
is($out, join("\n", 1 .. 20), 'searches succeed');
is(join(' ', map { routes($_) } @stags), join(' ', ('1') x 20),
	'all went to node1, none to the lagging node2');
$after = MilvusCluster::pool_nodes($pool);
is($after->{2}{select_cnt} - $before->{2}{select_cnt}, 0,
	'SHOW POOL_NODES: node2 answered no select while it lagged');
direct('node2', 'SELECT pg_wal_replay_resume()');
ok(wait_until(sub { MilvusCluster::pool_nodes($pool)->{2}{replication_delay} == 0 }, 20),
	'node2 catches up');

# ---- a stopped standby costs no failed search -------------------------------------

# searches in a loop, a connection each (a client of a pool that reconnects):
# a search whose connection fails is retried, up to 5 times
my $loop = q{
	ok=0 retried=0 failed=0
	for k in $(seq 1 60); do
		for try in 1 2 3 4 5 6; do
			if [ $try = 6 ]; then failed=$((failed + 1)); break; fi
			r=$(psql -XAtq -h 127.0.0.1 -p } . $pool . q{ -U postgres -d postgres \
				-c "SELECT id FROM h ORDER BY v <-> '[$k,0,0,0,0,0,0,0]' LIMIT 1" 2>/dev/null)
			if [ -n "$r" ]; then ok=$((ok + 1)); break; fi
			retried=$((retried + 1)); sleep 0.2
		done
		sleep 0.03
	done
	echo "$ok $retried $failed"
};
($out, $err) = ('', '');
my $h = IPC::Run::start([ 'bash', '-c', $loop ], '>', \$out, '2>', \$err);
usleep(800_000);
is(system($MilvusCluster::CLUSTER_SH, 'node-stop', $dir, 'node2'), 0, 'node2 stopped (fast)');
$h->finish;
my ($ok, $retried, $failed) = split ' ', $out;
is("$ok $failed", '60 0', 'every search of a client that reconnects succeeded while node2 stopped');
note("searches retried after a lost connection: $retried");
ok(wait_until(sub { (MilvusCluster::pool_nodes($pool)->{2}{status} // '') eq 'down' }, 10),
	'pgpool detached node2');
($out, @stags) = tagged_searches(10);
is($out . ' ' . join(',', map { routes($_) } @stags), join("\n", 1 .. 10) . ' ' . join(',', ('1') x 10),
	'later searches succeed, all on node1');
is(system($MilvusCluster::CLUSTER_SH, 'node-start', $dir, 'node2'), 0, 'node2 started again');
ok(wait_until(sub { (MilvusCluster::pool_nodes($pool)->{2}{status} // '') eq 'up' }, 20),
	'pgpool attaches it again once it streams (auto_failback)')
  or diag(join("\n", map { join('|', %$_) } values %{ MilvusCluster::pool_nodes($pool) }),
	"\n", direct('node0', 'SELECT application_name, state FROM pg_stat_replication'));

# ---- a stopped primary is replaced -----------------------------------------------

is(system($MilvusCluster::CLUSTER_SH, 'node-stop', $dir, 'node0'), 0, 'node0, the primary, stopped (fast)');
ok(wait_until(sub {
	my $n = MilvusCluster::pool_nodes($pool);
	($n->{1}{role} // '') eq 'primary' && ($n->{1}{status} // '') eq 'up' }, 40),
	'pgpool promoted node1 (failover.sh)');
is(direct('node1', 'SELECT pg_is_in_recovery()'), 'f', 'node1 is out of recovery');
my @ptags = map { tag() } 1 .. 3;
my $psql = join('', map {
	  my $tb = (qw(h i f))[$_];
	  "INSERT INTO $tb VALUES (200000, '[-9999,1,1,1,1,1,1,1]') $ptags[$_];\n" } 0 .. 2);
($out, $err) = ('', '');
my $wrote = wait_until(sub {
	IPC::Run::run([ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', $pool,
		'-U', 'postgres', '-d', 'postgres' ], '<', \$psql, '>', \$out, '2>', \$err) }, 20);
ok($wrote, 'writes through pgpool resume') or diag($err);
is(join(' ', map { routes($_) } @ptags), '1 1 1', 'on node1');
ok(wait_until(sub {
	my $n = MilvusCluster::pool_nodes($pool);
	($n->{2}{status} // '') eq 'up' && ($n->{2}{role} // '') eq 'standby' }, 30),
	'node2 follows the new primary (follow_primary.sh) and is attached again');
ok(caught_up('node1', 'node2'), 'node2 replays node1');
for my $node (qw(node1 node2))
{
	for my $ix (qw(h_v i_v f_v))
	{
		is(direct($node, "SELECT count(*) FROM milvus_index_check('$ix')"), '0',
			"$node: milvus_index_check('$ix') finds nothing");
	}
	is(direct($node, q{SET enable_seqscan = off;
		SELECT (SELECT count(*) FROM h a WHERE NOT EXISTS (SELECT 1 FROM (SELECT b.id FROM h b ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id))
			 + (SELECT count(*) FROM i a WHERE NOT EXISTS (SELECT 1 FROM (SELECT b.id FROM i b ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id))
			 + (SELECT count(*) FROM f a WHERE NOT EXISTS (SELECT 1 FROM (SELECT b.id FROM f b ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id))}),
		'0', "$node: every row of h, i and f is found through its index");
}
$t = tag();
($rc, $out, $err) = pool("SELECT id FROM f ORDER BY v <-> '[-9999,1,1,1,1,1,1,1]' LIMIT 1 $t");
is("$out " . (routes($t) =~ /^[12]$/ ? 'ok' : routes($t)), '200000 ok',
	'a search through pgpool finds the row written after the failover');

done_testing();
