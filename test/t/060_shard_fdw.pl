# Sharding over postgres_fdw with three real servers: a coordinator and two
# shards holding the SIFT sample in a hash-partitioned table of foreign
# tables.  Each partition receives ORDER BY ... LIMIT k and the shards run
# asynchronously; the sharded top 10 equals the coordinator's own exact top
# 10 over all rows, and hnsw on the shards reaches the recall of hnsw on one
# server; writes through the coordinator are searchable at once; a stopped
# shard fails the query with a clear error until it is back; and a shard can
# be added by moving partitions.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusCluster;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $parts = 4;
my ($coord, @shards) = MilvusCluster::start_shards('fdw', 2);

# the remote tables, all $parts on every shard, and the sharded table
for my $shard (@shards)
{
	is($shard->safe_psql('postgres',
			"SELECT milvus_create_shard_tables('items', 128, $parts)"),
		$parts, 'shard tables created');
}
$coord->safe_psql('postgres', qq{
	SELECT milvus_create_sharded_table('items', 128, ARRAY['shard1', 'shard2'],
									   partitions => $parts)});
is($coord->safe_psql('postgres', q{
	SELECT string_agg(format('%s %s/%s %s %s %s', partition, remainder, modulus,
							 server, remote_table, async_capable), ',')
	FROM milvus_shards('items')}),
	'items_p0 0/4 shard1 items_p0 t,items_p1 1/4 shard2 items_p1 t,'
	  . 'items_p2 2/4 shard1 items_p2 t,items_p3 3/4 shard2 items_p3 t',
	'milvus_shards lists the partitions spread over the two servers');

# all rows on the coordinator (the reference), and through it on the shards
MilvusCluster::load_sift($coord, 'postgres');
$coord->safe_psql('postgres', 'INSERT INTO items SELECT id, v FROM sift_base');
my $count_sql = join(' + ',
	map { "(SELECT count(*) FROM items_p$_)" } 0 .. $parts - 1);
my @counts = map { $_->safe_psql('postgres', "SELECT $count_sql") } @shards;
is($counts[0] + $counts[1], 10000, 'the shards hold all 10000 rows');
ok($counts[0] > 4000 && $counts[1] > 4000,
	"the rows are spread over both shards ($counts[0], $counts[1])");
is($shards[0]->safe_psql('postgres',
		'SELECT count(*) FROM items_p1') + $shards[1]->safe_psql('postgres',
		'SELECT count(*) FROM items_p0'), 0,
	'each partition is on its own server only');

# the plan: every partition gets ORDER BY ... LIMIT 10, asynchronously
my $plan = $coord->safe_psql('postgres', q{
	SELECT format('EXPLAIN (VERBOSE, COSTS OFF) %s',
				  milvus_sharded_query('items', v::text, 10))
	FROM sift_query WHERE id = 0 \gexec});
for my $p (0 .. $parts - 1)
{
	like($plan, qr/Async Foreign Scan on public\.items_p$p\n.*\n\s*Remote SQL: SELECT id, embedding FROM public\.items_p$p ORDER BY \(embedding OPERATOR\(public\.<->\) '\[[^\]]+\]'\) ASC NULLS LAST LIMIT 10::bigint\n/,
		"partition $p is searched with ORDER BY ... LIMIT 10 on its shard, asynchronously");
}
unlike($plan, qr/Merge Append/, 'no Merge Append');
for my $op ('<#>', '<=>', '<+>')
{
	my $p = $coord->safe_psql('postgres', qq{
		SELECT format('EXPLAIN (VERBOSE, COSTS OFF) %s',
					  milvus_sharded_query('items', v::text, 5, '$op'))
		FROM sift_query WHERE id = 0 \\gexec});
	my $n = () = $p =~ /ORDER BY \(embedding OPERATOR\(public\.\Q$op\E\) '[^']+'\) ASC NULLS LAST LIMIT 5::bigint/g;
	is($n, $parts, "operator $op is sent to every partition with the LIMIT");
}

# exact: the sharded top 10 has the distances of the coordinator's own top
# 10 over all rows, and the same ids (ties broken by id)
my $compare = q{
	SELECT count(*) FILTER (WHERE sharded.d = local.d AND sharded.ids = local.ids),
		   count(*)
	FROM sift_query q,
	LATERAL (SELECT array_agg(d ORDER BY d, id) AS d, array_agg(id ORDER BY d, id) AS ids
			 FROM (SELECT s.id, s.embedding <-> q.v AS d
				   FROM milvus_sharded_search(NULL::items, q.v, 10) s) r) sharded,
	LATERAL (SELECT array_agg(d ORDER BY d, id) AS d, array_agg(id ORDER BY d, id) AS ids
			 FROM (SELECT b.id, b.v <-> q.v AS d FROM sift_base b
				   ORDER BY b.v <-> q.v, b.id LIMIT 10) r) local};
is($coord->safe_psql('postgres', "SET enable_indexscan = off; $compare"),
	'100|100', 'exact: the sharded top 10 equals one server\'s for all 100 queries');
my $sharded_recall = MilvusCluster::recall_sql(q{
	(SELECT s.embedding <-> q.v AS d
	 FROM milvus_sharded_search(NULL::items, q.v, 10) s)});
is($coord->safe_psql('postgres', $sharded_recall), '1.000',
	'exact: recall@10 of the sharded search is 1');

# the partitioned table itself also answers (ORDER BY sent, LIMIT applied here)
is($coord->safe_psql('postgres', q{
	SELECT array_agg(id) = (SELECT array_agg(id) FROM milvus_sharded_search(
								NULL::items, (SELECT v FROM sift_query WHERE id = 0), 10))
	FROM (SELECT id FROM items
		  ORDER BY embedding <-> (SELECT v FROM sift_query WHERE id = 0) LIMIT 10) s}),
	't', 'a plain query on the partitioned table gives the same top 10');

# hnsw on the shards against hnsw on one server holding all rows.  With
# 2,500 rows a partition, a shard's planner prefers an exact scan, so the
# shards' sessions are told to use the index (a real shard is larger).
for my $shard (@shards)
{
	$shard->safe_psql('postgres', qq{
		SELECT format('CREATE INDEX ON items_p%s USING hnsw (embedding vector_l2_ops)', i)
		FROM generate_series(0, $parts - 1) i \\gexec
		ANALYZE;
		ALTER DATABASE postgres SET enable_seqscan = off});
	like($shard->safe_psql('postgres', q{
		EXPLAIN (COSTS OFF) SELECT id, embedding FROM items_p0
		ORDER BY embedding <-> (SELECT embedding FROM items_p0 LIMIT 1) LIMIT 10}),
		qr/Index Scan using items_p0_embedding_idx/, 'the shard uses its hnsw index');
}
$coord->safe_psql('postgres',
	'CREATE INDEX sift_base_hnsw ON sift_base USING hnsw (v vector_l2_ops)');
my $local_recall = $coord->safe_psql('postgres', 'SET enable_seqscan = off;'
	  . MilvusCluster::recall_sql(q{
	(SELECT b.v <-> q.v AS d FROM sift_base b ORDER BY b.v <-> q.v LIMIT 10)}));
my $hnsw_recall = $coord->safe_psql('postgres', $sharded_recall);
note("recall\@10: hnsw on one server $local_recall, on two shards $hnsw_recall");
cmp_ok($local_recall, '>=', 0.95, 'hnsw on one server: recall@10 >= 0.95');
cmp_ok($hnsw_recall, '>=', $local_recall - 0.005,
	'hnsw on the shards reaches the recall of hnsw on one server');
for my $i (0 .. 1)
{
	cmp_ok($shards[$i]->safe_psql('postgres', q{
		SELECT sum(idx_scan) FROM pg_stat_user_indexes WHERE indexrelname LIKE '%embedding%'}),
		'>=', 100, "shard @{[$i + 1]} searched with its hnsw indexes");
}

# an INSERT through the coordinator reaches its shard and is found at once
$coord->safe_psql('postgres', q{
	INSERT INTO items SELECT 100000 + id, v FROM sift_query WHERE id IN (3, 4)});
is($coord->safe_psql('postgres', q{
	SELECT string_agg((SELECT s.id FROM milvus_sharded_search(NULL::items, q.v, 1) s)::text, ',' ORDER BY q.id)
	FROM sift_query q WHERE q.id IN (3, 4)}),
	'100003,100004', 'rows inserted through the coordinator are the nearest at once');
is($shards[0]->safe_psql('postgres', q{
	SELECT count(*) FROM items_p0 WHERE id > 99999}) + $shards[0]->safe_psql('postgres', q{
	SELECT count(*) FROM items_p2 WHERE id > 99999}) + $shards[1]->safe_psql('postgres', q{
	SELECT count(*) FROM items_p1 WHERE id > 99999}) + $shards[1]->safe_psql('postgres', q{
	SELECT count(*) FROM items_p3 WHERE id > 99999}), 2, 'each new row is on one shard');

# a stopped shard fails the query with a clear error, not a short answer
my $top10 = q{SELECT string_agg(s.id::text, ',') FROM sift_query q,
	milvus_sharded_search(NULL::items, q.v, 10) s WHERE q.id = 7};
my $before = $coord->safe_psql('postgres', $top10);
$shards[1]->stop;
my ($ret, $out, $err) = $coord->psql('postgres', $top10);
isnt($ret, 0, 'the search fails while shard2 is down');
like($err, qr/could not connect to server "shard2"/, 'the error names the server');
is($out, '', 'and no partial result is returned');
($ret, $out, $err) = $coord->psql('postgres', 'SELECT count(*) FROM items');
like($err, qr/could not connect to server "shard2"/, 'a plain scan fails too');
$shards[1]->start;
is($coord->safe_psql('postgres', $top10), $before, 'the same answer once shard2 is back');

# a third shard, a database on the coordinator's server: one partition moves
$coord->safe_psql('postgres', 'CREATE DATABASE shard3');
$coord->safe_psql('shard3', qq{
	CREATE EXTENSION milvus;
	SELECT milvus_create_shard_tables('items', 128, $parts, index_method => 'hnsw')});
MilvusCluster::wire_shard($coord, 'shard3', $coord, 'shard3');
my ($rc, $moved, $notice) = $coord->psql('postgres',
	"SELECT milvus_add_shard('items', 'shard3')");
is($moved, '1', 'milvus_add_shard moves one partition of four to the third server');
like($notice, qr/moved partition 2 of "(?:public\.)?items" from server "shard1" to "shard3"/,
	'it says which partition moved');
is($coord->safe_psql('postgres', q{
	SELECT string_agg(server, ',' ORDER BY remainder) FROM milvus_shards('items')}),
	'shard1,shard2,shard3,shard2', 'partition 2 is now on shard3');
is($coord->safe_psql('postgres', 'SELECT count(*) FROM items'), '10002',
	'no row lost or doubled by the move');
is($coord->safe_psql('shard3', 'SELECT count(*) > 2000 FROM items_p2'), 't',
	'the rows of partition 2 are on the third server');
cmp_ok($coord->safe_psql('postgres', $sharded_recall), '>=', $local_recall - 0.005,
	'the recall of the sharded search is kept after the move');
is($coord->safe_psql('postgres', $top10), $before, 'and gives the same answer');
($ret, $out, $err) = $coord->psql('postgres', "SELECT milvus_add_shard('items', 'shard3')");
like($err, qr/server "shard3" already holds partitions of "(?:public\.)?items"/,
	'a server is added only once');

# errors
($ret, $out, $err) = $coord->psql('postgres',
	"SELECT milvus_sharded_query('items', '[1]', 10, 'drop table')");
like($err, qr/invalid distance operator "drop table"/, 'operators are checked');
$coord->safe_psql('postgres', q{
	CREATE SERVER plain FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'postgres')});
($ret, $out, $err) = $coord->psql('postgres',
	"SELECT milvus_create_sharded_table('t2', 3, ARRAY['plain'])");
like($err, qr/foreign server "plain" does not list milvus in its extensions option/,
	'a server without milvus in its extensions is refused');

$_->stop for ($coord, @shards);
done_testing();
