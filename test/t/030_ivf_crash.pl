# ivf crash safety.  During a stream of inserts (which fill lists and add
# pages to their chains) a server process is killed with SIGKILL: the
# postmaster then ends every process and, started again, replays the WAL
# from the last checkpoint.  Afterwards milvus_index_check must be clean
# and every committed row must be found through the index.  (See
# 010_hnsw_crash.pl for why the postmaster itself is not killed.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('ivf_crash');
$node->safe_psql('postgres', q{
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

# A stream of single-row transactions, a crash, the restart.
my @committed = MilvusTest::crash_during_inserts($node,
	sql => sub {
		"WITH r AS (INSERT INTO t SELECT $_[0], (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE $_[0] > 0)::vector RETURNING *) INSERT INTO t2 SELECT * FROM r RETURNING id;"
	},
	from => 2001, to => 30000, min => 1500, tries => 1200);

for my $idx ('t_flat', 't_pq')
{
	MilvusTest::index_check_is_clean($node, $idx,
		"$idx: index check is clean after crash recovery");
}

# With every list probed, each committed row is its own nearest neighbour.
for my $tbl ('t', 't2')
{
	is(MilvusTest::rows_not_found($node, $tbl,
			'SET ivfflat.probes = 20; SET ivf.probes = 10;'),
		'0', "$tbl: every row is found through the index");
	MilvusTest::committed_rows_survived($node, $tbl, \@committed,
		"$tbl: every committed row survived");
}

# Inserts keep working after recovery.
$node->safe_psql('postgres',
	q{INSERT INTO t VALUES (100000, '[9,9,9,9,9,9,9,9]')});
is(MilvusTest::nearest_id($node, 't', 'v',
		'[9,9,9,9,9,9,9,8]'),
	'100000', 'an insert after recovery is found');
MilvusTest::index_check_is_clean($node, 't_flat',
	'index check is clean after more inserts');

$node->stop;
done_testing();
