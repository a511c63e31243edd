# annoy on a streaming hot standby: the build's page images, the inserts'
# (splits included) and VACUUM's generic WAL reach the standby, which
# answers the same queries with the same results; once promoted, its index
# check is clean and it inserts into the replayed index.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my ($primary, $standby) =
  MilvusTest::primary_and_standby('annoy_primary', 'annoy_standby');

# everything below reaches the standby only through WAL replay
$primary->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int PRIMARY KEY, v vector(16), h halfvec(16), b bit(64));
	SELECT setseed(0.25);
	INSERT INTO t SELECT i, x::vector, x::halfvec, (i * 2654435761)::bit(64)
		FROM (SELECT i, (SELECT array_agg(round(random() * 20)) FROM generate_series(1, 16) WHERE i > 0) x
			  FROM generate_series(1, 3000) i) s;
	CREATE INDEX t_annoy ON t USING annoy (v vector_l2_ops);
	CREATE INDEX t_annoy_cos ON t USING annoy (h halfvec_cosine_ops) WITH (n_trees = 3);
	CREATE INDEX t_annoy_bit ON t USING annoy (b bit_hamming_ops) WITH (n_trees = 2);
	INSERT INTO t SELECT i, x::vector, x::halfvec, (i * 40503)::bit(64)
		FROM (SELECT i, (SELECT array_agg(round(random() * 20)) FROM generate_series(1, 16) WHERE i > 0) x
			  FROM generate_series(3001, 4000) i) s;
	DELETE FROM t WHERE id % 7 = 0;
	VACUUM t;
	INSERT INTO t SELECT i, x::vector, x::halfvec, (i * 97)::bit(64)
		FROM (SELECT i, (SELECT array_agg(round(random() * 20)) FROM generate_series(1, 16) WHERE i > 0) x
			  FROM generate_series(4001, 4300) i) s;
});
$primary->wait_for_catchup($standby, 'replay');

for my $idx (qw(t_annoy t_annoy_cos t_annoy_bit))
{
	MilvusTest::index_check_is_clean($primary, $idx,
		"$idx: primary index check is clean");
	MilvusTest::index_check_is_clean($standby, $idx,
		"$idx: the replayed index check is clean on the standby");
}

# the default search_k: approximate, but the same on both
my $queries = q{
	SET enable_seqscan = off;
	SELECT q.id, (SELECT array_agg(id) FROM (
		SELECT b.id FROM t b ORDER BY b.v <-> q.v LIMIT 10) s),
		(SELECT array_agg(id) FROM (
		SELECT b.id FROM t b ORDER BY b.h <=> q.h LIMIT 10) s),
		(SELECT array_agg(id) FROM (
		SELECT b.id FROM t b ORDER BY b.b <~> q.b LIMIT 10) s)
	FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
};
MilvusTest::standby_answers_the_same($primary, $standby, $queries);

# search_k covering every leaf: the sequential scan's distances
my $distances = q{
	SELECT q.id, (SELECT array_agg(d) FROM (
		SELECT b.v <-> q.v AS d FROM t b ORDER BY b.v <-> q.v LIMIT 10) s),
		(SELECT array_agg(d) FROM (
		SELECT b.h <=> q.h AS d FROM t b ORDER BY b.h <=> q.h LIMIT 10) s),
		(SELECT array_agg(d) FROM (
		SELECT b.b <~> q.b AS d FROM t b ORDER BY b.b <~> q.b LIMIT 10) s)
	FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
};
my $plan_d = $standby->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $distances");
is(scalar(() = $plan_d =~ /Index Scan using t_annoy/g), 3, 'the standby scans the three indexes');
is($standby->safe_psql('postgres', "SET enable_seqscan = off; SET annoy.search_k = 100000000; $distances"),
	$primary->safe_psql('postgres', "SET enable_indexscan = off; $distances"),
	'and finds the sequential scan distances');

$primary->safe_psql('postgres', q{INSERT INTO t (id, v) VALUES (9999, '[50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]')});
$primary->wait_for_catchup($standby, 'replay');
is(MilvusTest::nearest_id($standby, 't', 'v',
		'[50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]'),
	'9999', 'a new row is found on the standby');

# and again once the standby is promoted
$primary->stop;
$standby->promote;
for my $idx (qw(t_annoy t_annoy_cos t_annoy_bit))
{
	MilvusTest::index_check_is_clean($standby, $idx,
		"$idx: the replayed index check is clean after promotion");
}
$standby->safe_psql('postgres', q{
	INSERT INTO t (id, v) VALUES (10000, '[60,60,60,60,60,60,60,60,60,60,60,60,60,60,60,60]');
	INSERT INTO t SELECT i, x::vector, x::halfvec, (i * 31)::bit(64)
		FROM (SELECT i, (SELECT array_agg(round(random() * 20)) FROM generate_series(1, 16) WHERE i > 0) x
			  FROM generate_series(10001, 11000) i) s;
});
is(MilvusTest::nearest_id($standby, 't', 'v',
		'[60,60,60,60,60,60,60,60,60,60,60,60,60,60,60,60]'),
	'10000', 'the promoted standby inserts into the replayed index');
MilvusTest::index_check_is_clean($standby, 't_annoy',
	'and its index check is clean after more inserts');
$standby->stop;
done_testing();
