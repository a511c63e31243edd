# flat crash safety.  During a stream of inserts a server process is killed
# with SIGKILL: the postmaster then kills every process and replays the WAL
# from the last checkpoint.  Afterwards milvus_index_check must be clean,
# every committed row must be in the index, and the index's order must equal
# a sequential scan's.  (The postmaster itself is not killed: in containers
# whose init does not reap orphans its zombie blocks the restart; the test
# clusters run with restart_after_crash = off, so the test starts it again.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('flat_crash');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v vector(8));
	INSERT INTO t SELECT i, ARRAY[i % 7, i % 11, i % 13, i % 17, i % 19, i % 23, i % 29, 1]::vector
		FROM generate_series(1, 2000) i;
	CREATE INDEX t_flat ON t USING flat (v vector_l2_ops);
	CHECKPOINT;
});

# A stream of single-row transactions, a crash, the restart, the checks.
MilvusTest::crash_during_row_inserts($node, 't_flat');

# the whole index order equals the sequential scan's
my $byindex = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]') s});
is($byindex, $node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	'the index returns every row after recovery');
like($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	EXPLAIN SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]'}),
	qr/Index Scan using t_flat/, 'the index serves the full order');
my $idx_ids = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]') s});
my $seq_ids = $node->safe_psql('postgres', q{
	SET enable_indexscan = off;
	SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v <-> '[1,2,1,2,3,1,0,1]', ctid) s});
is($idx_ids, $seq_ids, 'the index order equals the sequential scan order');

# inserts and VACUUM keep working after recovery
$node->safe_psql('postgres', q{
	INSERT INTO t VALUES (100001, '[9,9,9,9,9,9,9,9]');
	DELETE FROM t WHERE id % 10 = 0;
	VACUUM t;
});
is(MilvusTest::nearest_id($node, 't', 'v',
		'[9,9,9,9,9,9,9,9]'),
	'100001', 'an insert after recovery is found');
MilvusTest::index_check_is_clean($node, 't_flat',
	'index check is clean after more inserts and VACUUM');

# An insert that extended the index and crashed before its WAL record
# leaves an all-zero page at the end (the extension is not WAL-logged).
# Simulate it: one full data page (214 vector(8) entries fit on a page),
# then a zero page appended to the file while the server is down.  Scans,
# the check and VACUUM skip it; VACUUM records it as free and the next
# insert that finds the last page full initialises and fills it.
$node->safe_psql('postgres', q{
	CREATE TABLE t3 (id int, v vector(8));
	INSERT INTO t3 SELECT i, ARRAY[i, 0, 0, 0, 0, 0, 0, 1]::vector FROM generate_series(1, 214) i;
	CREATE INDEX t3_flat ON t3 USING flat (v vector_l2_ops);
});
is($node->safe_psql('postgres', q{SELECT pg_relation_size('t3_flat') / 8192}), '2',
	'metapage and one full data page');
MilvusTest::append_zero_page($node, 't3_flat');
is($node->safe_psql('postgres', q{SELECT pg_relation_size('t3_flat') / 8192}), '3',
	'a zero page at the end');
MilvusTest::index_check_is_clean($node, 't3_flat',
	'the check skips the zero page');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM t3 ORDER BY v <-> '[1,0,0,0,0,0,0,1]') s}),
	'214', 'a scan skips the zero page');
$node->safe_psql('postgres', q{
	VACUUM t3;
	INSERT INTO t3 VALUES (1000, '[1000,0,0,0,0,0,0,1]');
});
is($node->safe_psql('postgres', q{SELECT pg_relation_size('t3_flat') / 8192}), '3',
	'the insert reused the zero page');
MilvusTest::index_check_is_clean($node, 't3_flat',
	'the check is clean after the reuse');
is(MilvusTest::nearest_id($node, 't3', 'v',
		'[999,0,0,0,0,0,0,1]'),
	'1000', 'the row on the reused page is found');

$node->stop;
done_testing();
