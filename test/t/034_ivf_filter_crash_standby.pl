# ivfflat and ivf filter columns (multicolumn indexes) through a crash and
# on a streaming standby, as 014_hnsw_filter_crash_standby.pl for hnsw.  A
# stream of inserts and updates of the filter column into an ivfflat index
# is cut by SIGKILL of the inserting backend; after WAL replay
# milvus_index_check (which compares the stored filter values with the
# rows') is clean, and every committed row is found through the index with
# its own filter value as the index condition.  The standby, fed by WAL
# only (build, inserts, updates, deletes, VACUUM of an ivf sq8 index), is
# clean too and answers filtered queries as the primary does.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# the query that finds each row through the index with its own filter
# value as the index condition: the number of rows it does not find
sub filtered_rows_not_found
{
	my ($node, $where) = @_;
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET enable_bitmapscan = off;
		SET ivfflat.probes = 8;
		SET ivf.probes = 8;
		SET ivf.rerank = 100000;
		SELECT count(*) FROM t a WHERE $where AND NOT EXISTS (
			SELECT 1 FROM (SELECT b.id FROM t b WHERE b.cat = a.cat
				ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id)});
}

my $node = MilvusTest::new_node('ivf_filter_crash');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v vector(8), cat int, tag text);
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector,
		i % 20, 't' || (i % 3)
		FROM generate_series(1, 2000) i;
	CREATE INDEX t_ivf ON t USING ivfflat (v vector_l2_ops, cat, tag)
		WITH (lists = 8);
});
MilvusTest::uses_index($node, q{SELECT id FROM t WHERE cat = 3
	ORDER BY v <-> (SELECT v FROM t LIMIT 1) LIMIT 5},
	't_ivf', 'a filtered query uses the multicolumn index');

# inserts, each with an update of an older row's filter column, in one
# statement (its id is printed once it committed)
my @committed = MilvusTest::crash_during_inserts($node,
	sql => sub {
		my $i = $_[0];
		"WITH u AS (UPDATE t SET cat = cat + 100 WHERE id = $i - 2000)"
		  . " INSERT INTO t SELECT $i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE $i > 0)::vector,"
		  . " $i % 20, 't' || ($i % 3) RETURNING id;"
	},
	from => 2001, to => 20000, min => 300);

MilvusTest::index_check_is_clean($node, 't_ivf',
	'index check (filter values included) is clean after crash recovery');
is(filtered_rows_not_found($node, "a.id <= $committed[-1]"), '0',
	'every committed row is found with its filter value as index condition');
MilvusTest::committed_rows_survived($node, 't', \@committed,
	'every committed row survived');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM t WHERE cat >= 100 AND id <= $committed[-1] - 2000"),
	scalar(@committed), 'every committed update survived');
$node->stop;

# the standby
my ($primary, $standby) =
  MilvusTest::primary_and_standby('ivf_filter_primary',
	'ivf_filter_standby');
$primary->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int PRIMARY KEY, v vector(8), cat int, tag text);
	SELECT setseed(0.25);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector,
		i % 20, 't' || (i % 3)
		FROM generate_series(1, 3000) i;
	CREATE INDEX t_ivf ON t USING ivf (v vector_l2_ops, cat, tag)
		WITH (lists = 8, quantizer = 'sq8');
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector,
		i % 20, 't' || (i % 3)
		FROM generate_series(3001, 4000) i;
	UPDATE t SET cat = cat + 100, tag = 'u' WHERE id % 5 = 0;
	DELETE FROM t WHERE id % 7 = 0;
	VACUUM t;
});
$primary->wait_for_catchup($standby, 'replay');

MilvusTest::index_check_is_clean($primary, 't_ivf',
	'primary index is clean');
MilvusTest::index_check_is_clean($standby, 't_ivf',
	'the replayed index is clean, checked on the standby');
is(filtered_rows_not_found($standby, 'true'), '0',
	'the standby finds every row with its filter value');

my $queries = q{
	SET enable_seqscan = off;
	SET ivf.probes = 2;
	SELECT q.id, (SELECT array_agg(id) FROM (
		SELECT b.id FROM t b WHERE b.cat < 5 ORDER BY b.v <-> q.v LIMIT 10) s),
		(SELECT array_agg(id) FROM (
		SELECT b.id FROM t b WHERE b.tag = 'u' AND b.cat > 110
		ORDER BY b.v <-> q.v LIMIT 10) s)
	FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
};
MilvusTest::standby_answers_the_same($primary, $standby, $queries);

$standby->stop;
$primary->stop;
done_testing();
