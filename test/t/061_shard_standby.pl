# Read replicas: a streaming hot standby serves the searches of a collection
# with its hnsw index (read/write separation).  After a stream of inserts on
# the primary, and again after a restart of the standby, the standby returns
# the same top 10 as the primary for the 100 SIFT queries.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusCluster;
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('replica_primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION milvus');
MilvusCluster::load_sift($primary, 'postgres');
$primary->safe_psql('postgres', q{
	CREATE TABLE items (id bigint PRIMARY KEY, embedding vector(128));
	INSERT INTO items SELECT id, v FROM sift_base WHERE id < 5000;
	CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_l2_ops);
	ANALYZE items});
my $standby = MilvusTest::start_standby($primary, 'replica_standby');

# the top 10 of every query, through the index
my $top10 = q{
	SET enable_seqscan = off;
	SELECT q.id, (SELECT array_agg(id) FROM (
		SELECT i.id FROM items i ORDER BY i.embedding <-> q.v LIMIT 10) s)
	FROM sift_query q ORDER BY q.id};

# a stream of inserts, 100 rows per transaction; the standby answers
# searches while it replays them
my $served = 0;
for my $batch (0 .. 49)
{
	my $from = 5000 + 100 * $batch;
	$primary->safe_psql('postgres', qq{
		INSERT INTO items SELECT id, v FROM sift_base
		WHERE id >= $from AND id < $from + 100});
	if ($batch % 10 == 5)
	{
		$served++ if $standby->safe_psql('postgres', q{
			SET enable_seqscan = off;
			SELECT count(*) FROM (SELECT id FROM items
				ORDER BY embedding <-> (SELECT v FROM sift_query WHERE id = 0) LIMIT 10) s})
		  eq '10';
	}
}
is($served, 5, 'the standby serves searches during the stream of inserts');
$primary->wait_for_catchup($standby, 'replay');

is($standby->safe_psql('postgres', 'SELECT count(*) FROM items'), '10000',
	'the standby has every row');
like($standby->safe_psql('postgres', q{
	SET enable_seqscan = off;
	EXPLAIN (COSTS OFF) SELECT id FROM items
	ORDER BY embedding <-> (SELECT v FROM sift_query LIMIT 1) LIMIT 10}),
	qr/Index Scan using items_hnsw/, 'the standby searches with the hnsw index');
my $on_primary = $primary->safe_psql('postgres', $top10);
is(scalar(split /\n/, $on_primary), 100, 'the primary answers the 100 queries');
is($standby->safe_psql('postgres', $top10), $on_primary,
	'the standby returns the same top 10 as the primary');
my $recall = $standby->safe_psql('postgres', 'SET enable_seqscan = off;'
	  . MilvusCluster::recall_sql(q{
	(SELECT i.embedding <-> q.v AS d FROM items i ORDER BY i.embedding <-> q.v LIMIT 10)}));
cmp_ok($recall, '>=', 0.95, "recall\@10 on the standby is $recall");

# after a restart the standby still answers the same
$standby->restart;
is($standby->safe_psql('postgres', $top10), $on_primary,
	'after a restart the standby returns the same top 10');

# and it goes on replaying: the queries themselves, inserted as rows, are
# on the standby, and its index finds them.  An exact search must find all
# 100; the approximate one at ef_search 400 at least 95.  Why not all 100:
# a row whose own insert search ended in the wrong region of the graph is
# linked only there, and is found by a search that goes down the upper
# levels the same way, which a search for the same value does until
# VACUUM frees an upper-level element on that way.  Measured on these
# steps: before the VACUUM no copy was missed in 40 runs; after it, 1 to 3
# were in about one run in twenty.  That is not a loss of the repair: over
# all rows, those a search for their own value misses at ef_search 400 go
# from 23 to 32 in six runs (of 9,100 a run), where in-process hnswlib,
# with the same steps and the deleted elements only marked, missed 91.
$primary->safe_psql('postgres', q{
	INSERT INTO items SELECT 100000 + id, v FROM sift_query;
	DELETE FROM items WHERE id < 100000 AND id % 10 = 3;
	VACUUM items});
$primary->wait_for_catchup($standby, 'replay');
my $found_sql = q{
	SELECT count(*) FROM sift_query q
	WHERE (SELECT i.id FROM items i ORDER BY i.embedding <-> q.v LIMIT 1) = 100000 + q.id};
is($standby->safe_psql('postgres',
		"SET enable_indexscan = off; $found_sql"),
	'100', 'rows inserted after the restart are on the standby');
cmp_ok($standby->safe_psql('postgres',
		"SET enable_seqscan = off; SET hnsw.ef_search = 400; $found_sql"),
	'>=', 95, 'the standby\'s index finds the rows inserted after the restart');
$on_primary = $primary->safe_psql('postgres', $top10);
is($standby->safe_psql('postgres', $top10), $on_primary,
	'after inserts, deletes and VACUUM the standby still matches the primary');

my ($ret, $out, $err) = $standby->psql('postgres',
	q{INSERT INTO items VALUES (-1, (SELECT v FROM sift_query LIMIT 1))});
like($err, qr/cannot execute INSERT in a read-only transaction/,
	'the standby refuses writes: they go to the primary');

$standby->stop;
$primary->stop;
done_testing();
