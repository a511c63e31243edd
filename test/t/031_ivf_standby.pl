# ivfflat and ivf on a streaming hot standby: the build's page images, the
# inserts' and VACUUM's generic WAL reach the standby, which answers the
# same queries with the same results, and milvus_index_check finds the
# replayed indexes clean on the standby itself.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my ($primary, $standby) =
  MilvusTest::primary_and_standby('ivf_primary', 'ivf_standby');

# everything below reaches the standby only through WAL replay
$primary->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int PRIMARY KEY, v vector(16));
	SELECT setseed(0.25);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
		FROM generate_series(1, 3000) i;
	CREATE INDEX t_flat ON t USING ivfflat (v vector_l2_ops) WITH (lists = 30);
	CREATE INDEX t_sq8 ON t USING ivf (v vector_cosine_ops) WITH (lists = 20, quantizer = 'sq8');
	CREATE INDEX t_pq ON t USING ivf (v vector_ip_ops) WITH (lists = 10, quantizer = 'pq', pq_m = 8);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)::vector
		FROM generate_series(3001, 6000) i;
	DELETE FROM t WHERE id % 7 = 0;
	VACUUM t;
});
$primary->wait_for_catchup($standby, 'replay');

for my $idx ('t_flat', 't_sq8', 't_pq')
{
	MilvusTest::index_check_is_clean($primary, $idx, "$idx: primary index is clean");
	MilvusTest::index_check_is_clean($standby, $idx,
		"$idx: the replayed index is clean, checked on the standby");
}

my $queries = q{
	SET enable_seqscan = off;
	SET ivfflat.probes = 3;
	SET ivf.probes = 3;
	SELECT q.id, (SELECT array_agg(id) FROM (
		SELECT b.id FROM t b ORDER BY b.v <-> q.v LIMIT 10) s),
		(SELECT array_agg(id) FROM (
		SELECT b.id FROM t b ORDER BY b.v <=> q.v LIMIT 10) s),
		(SELECT array_agg(id) FROM (
		SELECT b.id FROM t b ORDER BY b.v <#> q.v LIMIT 10) s)
	FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
};
MilvusTest::standby_answers_the_same($primary, $standby, $queries);

MilvusTest::uses_index($standby,
	q{SELECT id FROM t ORDER BY v <=> (SELECT v FROM t LIMIT 1) LIMIT 5},
	't_sq8', 'the standby uses the index');

# inserts after the standby caught up replay too
$primary->safe_psql('postgres', q{INSERT INTO t VALUES (9999, '[5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,5]')});
$primary->wait_for_catchup($standby, 'replay');
is(MilvusTest::nearest_id($standby, 't', 'v',
		'[5,5,5,5,5,5,5,5,5,5,5,5,5,5,5,4]'),
	'9999', 'a new row is found on the standby');

$standby->stop;
$primary->stop;
done_testing();
