# annoy crash safety.  During a stream of inserts (which fill and split
# leaves, each split one generic WAL record over three pages) a server
# process is killed with SIGKILL: the postmaster kills every process and
# replays the WAL from the last checkpoint.  Afterwards milvus_index_check
# must be clean (every live row reached once per tree), every committed row
# must be in the index, and a scan whose search_k covers every leaf must
# equal a sequential scan.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('annoy_crash');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v vector(8));
	INSERT INTO t SELECT i, ARRAY[i % 7, i % 11, i % 13, i % 17, i % 19, i % 23, i % 29, 1]::vector
		FROM generate_series(1, 2000) i;
	CREATE INDEX t_annoy ON t USING annoy (v vector_l2_ops) WITH (n_trees = 4);
	CHECKPOINT;
});

# A stream of single-row transactions, a crash, the restart, the checks.
MilvusTest::crash_during_row_inserts($node, 't_annoy');

like($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	EXPLAIN SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]' LIMIT 10}),
	qr/Index Scan using t_annoy/, 'the index serves the query');
my $q = q{SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]'};
is($node->safe_psql('postgres', "SET enable_seqscan = off; SET annoy.search_k = 100000000; $q) s"),
	$node->safe_psql('postgres', "SET enable_indexscan = off; $q, ctid) s"),
	'with search_k covering every leaf the index order equals the sequential scan');
is($node->safe_psql('postgres', "SET enable_seqscan = off; SELECT count(*) FROM ($q LIMIT 3000) s) x"),
	'1', 'a default search_k scan runs');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]' LIMIT 1500) s}),
	'1500', 'LIMIT 1500 returns 1500 rows');

# inserts and VACUUM keep working after recovery
$node->safe_psql('postgres', q{
	INSERT INTO t VALUES (100001, '[9,9,9,9,9,9,9,9]');
	DELETE FROM t WHERE id % 10 = 0;
	VACUUM t;
});
is(MilvusTest::nearest_id($node, 't', 'v', '[9,9,9,9,9,9,9,9]'),
	'100001', 'an insert after recovery is found');
MilvusTest::index_check_is_clean($node, 't_annoy',
	'index check is clean after more inserts and VACUUM');

# An insert that extended the index and crashed before its WAL record
# leaves an all-zero page at the end: scans, the check, VACUUM and inserts
# skip it.
MilvusTest::append_zero_page($node, 't_annoy');
MilvusTest::index_check_is_clean($node, 't_annoy', 'the check skips a zero page');
$node->safe_psql('postgres', q{
	VACUUM t;
	INSERT INTO t SELECT i, ARRAY[i, 0, 0, 0, 0, 0, 0, 1]::vector FROM generate_series(200001, 200500) i;
});
MilvusTest::index_check_is_clean($node, 't_annoy', 'and is clean after more inserts');
is($node->safe_psql('postgres', "SET enable_seqscan = off; SET annoy.search_k = 100000000; $q) s"),
	$node->safe_psql('postgres', "SET enable_indexscan = off; $q, ctid) s"),
	'the index order still equals the sequential scan');

$node->stop;
done_testing();
