# hnsw crash safety.  During a stream of inserts a server process is killed
# with SIGKILL: the postmaster then kills every process and replays the WAL
# from the last checkpoint, as after a crash of the machine.  During a build
# the server is stopped in immediate mode (no shutdown checkpoint) and
# started again, which replays the WAL too.  Afterwards milvus_index_check
# must be clean and every committed row must be found through the index.
# (SIGKILL to the postmaster itself is not used: in containers whose init
# does not reap orphans, its zombie blocks the restart.  The test clusters
# run with restart_after_crash = off, so the postmaster exits after the
# crash and the test starts it again.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('hnsw_crash');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v vector(8));
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 2000) i;
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
});

# A stream of single-row transactions, a crash, the restart.
my @committed = MilvusTest::crash_during_inserts($node,
	sql => sub {
		"INSERT INTO t SELECT $_[0], (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE $_[0] > 0)::vector RETURNING id;"
	},
	from => 2001, to => 20000, min => 500);

MilvusTest::index_check_is_clean($node, 't_hnsw',
	'index check is clean after crash recovery');

# Each committed row is its own nearest neighbour (distance 0).
is(MilvusTest::rows_not_found($node, 't', 'SET hnsw.ef_search = 200;',
		"a.id <= $committed[-1]"),
	'0', 'every committed row is found through the index');
MilvusTest::committed_rows_survived($node, 't', \@committed,
	'every committed row survived');

# Inserts keep working after recovery.
$node->safe_psql('postgres',
	q{INSERT INTO t VALUES (100000, '[9,9,9,9,9,9,9,9]')});
is(MilvusTest::nearest_id($node, 't', 'v',
		'[9,9,9,9,9,9,9,9]'),
	'100000', 'an insert after recovery is found');

# A crash during CREATE INDEX leaves no index behind and a usable table.
# The build inserts on disk (maintenance_work_mem too small for the graph),
# which is slow enough to be caught in the middle.
$node->safe_psql('postgres', q{
	CREATE TABLE t2 (id int, v vector(32));
	INSERT INTO t2 SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 32) WHERE i > 0)::vector
		FROM generate_series(1, 30000) i;
});
my ($bin, $bout, $berr) = (q{
	SET maintenance_work_mem = '1MB';
	CREATE INDEX t2_hnsw ON t2 USING hnsw (v vector_l2_ops);
}, '', '');
my $b = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
	'<', \$bin, '>', \$bout, '2>', \$berr);
my $started = 0;
for (my $i = 0; !$started && $i < 600; $i++)
{
	$b->pump_nb;
	$started = $node->safe_psql('postgres', q{
		SELECT count(*) > 0 FROM pg_stat_progress_create_index
		WHERE tuples_done >= 50}) eq 't';
	select(undef, undef, undef, 0.1) unless $started;
}
ok($started, 'the build is under way');
$node->stop('immediate');
{
	local $SIG{PIPE} = 'IGNORE';
	eval { $b->finish; };
}
$node->start;
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM pg_index WHERE indrelid = 't2'::regclass AND indisvalid}),
	'0', 'no valid index left by a crashed build');
$node->safe_psql('postgres', q{
	DROP INDEX IF EXISTS t2_hnsw;
	CREATE INDEX t2_hnsw ON t2 USING hnsw (v vector_l2_ops)});
MilvusTest::index_check_is_clean($node, 't2_hnsw',
	'a rebuild after the crashed build is clean');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM t2 ORDER BY v <-> (SELECT v FROM t2 WHERE id = 777) LIMIT 1}),
	'777', 'the rebuilt index finds a row');

$node->stop;
done_testing();
