# ivf crash safety.  During a stream of inserts (which fill lists and add
# pages to their chains) a server process is killed with SIGKILL: the
# postmaster then ends every process and, started again, replays the WAL
# from the last checkpoint.  Afterwards milvus_index_check must be clean
# and every committed row must be found through the index.  (See
# 010_hnsw_crash.pl for why the postmaster itself is not killed.)
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_crash');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int PRIMARY KEY, v vector(8));
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 2000) i;
	CREATE TABLE t2 (LIKE t INCLUDING ALL);
	INSERT INTO t2 SELECT * FROM t;
	CREATE INDEX t_flat ON t USING ivfflat (v vector_l2_ops) WITH (lists = 20);
	CREATE INDEX t_pq ON t2 USING ivf (v vector_l2_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 4);
	CHECKPOINT;
});

# A stream of single-row transactions into both tables; psql prints each
# id once committed.
my $script = join('', map {
	"WITH r AS (INSERT INTO t SELECT $_, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE $_ > 0)::vector RETURNING *) INSERT INTO t2 SELECT * FROM r RETURNING id;\n"
} 2001 .. 30000);
my ($in, $out, $err) = ($script, '', '');
my $h = IPC::Run::start(
	[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=0', '-d',
		$node->connstr('postgres') . ' application_name=inserter' ],
	'<', \$in, '>', \$out, '2>', \$err);

my $tries = 0;
while (($out =~ tr/\n//) < 1500 && $tries++ < 1200)
{
	$h->pump_nb;
	select(undef, undef, undef, 0.05);
}
my $victim = $node->safe_psql('postgres',
	q{SELECT pid FROM pg_stat_activity WHERE application_name = 'inserter'});
ok(kill('KILL', $victim), 'the inserting server process was killed');
{
	local $SIG{PIPE} = 'IGNORE';
	eval { $h->finish; };
}
my @committed = grep { /^\d+$/ } split /\n/, $out;
cmp_ok(scalar(@committed), '>=', 1500, 'inserts were committed before the crash');

my $pidfile = $node->data_dir . '/postmaster.pid';
for (my $i = 0; -e $pidfile && $i < 300; $i++)
{
	select(undef, undef, undef, 0.1);
}
ok(!-e $pidfile, 'the server went down after the crash');
$node->_update_pid(0);
$node->start;
ok($node->log_contains('automatic recovery in progress'),
	'the restart replayed the WAL');

for my $idx ('t_flat', 't_pq')
{
	is($node->safe_psql('postgres',
		qq{SELECT count(*) FROM milvus_index_check('$idx')}),
		'0', "$idx: index check is clean after crash recovery")
	  or diag($node->safe_psql('postgres', qq{SELECT * FROM milvus_index_check('$idx')}));
}

# With every list probed, each committed row is its own nearest neighbour.
for my $tbl ('t', 't2')
{
	my $missing = $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET ivfflat.probes = 20;
		SET ivf.probes = 10;
		SELECT count(*) FROM $tbl a
		WHERE NOT EXISTS (
			SELECT 1 FROM (SELECT b.id FROM $tbl b ORDER BY b.v <-> a.v LIMIT 3) s
			WHERE s.id = a.id)});
	is($missing, '0', "$tbl: every row is found through the index");
	my $count = $node->safe_psql('postgres',
		"SELECT count(*) FROM $tbl WHERE id IN (" . join(',', @committed) . ")");
	is($count, scalar(@committed), "$tbl: every committed row survived");
}

# Inserts keep working after recovery.
$node->safe_psql('postgres',
	q{INSERT INTO t VALUES (100000, '[9,9,9,9,9,9,9,9]')});
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT id FROM t ORDER BY v <-> '[9,9,9,9,9,9,9,8]' LIMIT 1}),
	'100000', 'an insert after recovery is found');
is($node->safe_psql('postgres',
	q{SELECT count(*) FROM milvus_index_check('t_flat')}),
	'0', 'index check is clean after more inserts');

$node->stop;
done_testing();
