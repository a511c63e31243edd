# Per-index counters and dropped databases (issue 17, finding 6): the
# counters of a dropped database's indexes are removed, so their names
# vanish from milvus_metrics() and from the endpoint; and a role with
# CREATEDB cannot fill the 1,024-entry table so that new indexes go
# uncounted: when the table is full, dropped databases' entries and then
# the least recently used entry make room.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $auth_file = "$tmp/metrics_auth";
MilvusTest::write_auth_file($auth_file, "prometheus:secret\n");
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $url = "http://127.0.0.1:$port/metrics";

my $node = MilvusTest::metrics_node('stat_dropped', qq{
milvus.metrics_port = $port
milvus.metrics_auth_file = '$auth_file'
});

# the endpoint's text, with credentials ('' when it gives none within 5 s)
sub scrape
{
	for (1 .. 50)
	{
		my ($rc, $body, $status) =
		  MilvusTest::scrape($url, '-u', 'prometheus:secret');
		return $body if $rc == 0 && $status == 200;
		select(undef, undef, undef, 0.1);
	}
	return '';
}

# the number of counted indexes of database $db in milvus_metrics()
sub counted
{
	my ($db) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM regexp_matches(milvus_metrics(), "
		  . "'^milvus_index_rows\\{database=\"$db\",', 'gm')");
}

$node->safe_psql('postgres', 'CREATE EXTENSION milvus');
# every new database gets the extension (what lets a CREATEDB role fill)
$node->safe_psql('template1', 'CREATE EXTENSION milvus');

# ---- a dropped database's names vanish ------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE gone_db');
$node->safe_psql('gone_db', q{
	CREATE TABLE gone_table (id int, v vector(2));
	INSERT INTO gone_table SELECT i, ARRAY[i, 0]::vector FROM generate_series(1, 10) i;
	CREATE INDEX gone_index ON gone_table USING hnsw (v vector_l2_ops);
	SET enable_seqscan = off;
	SELECT id FROM gone_table ORDER BY v <-> '[1,0]' LIMIT 1;
});
is(counted('gone_db'), 1, "milvus_metrics() counts gone_db's index");
like(scrape(), qr/database="gone_db",schema="public",table="gone_table",index="gone_index"/,
	'and the endpoint names it');
$node->safe_psql('postgres', 'DROP DATABASE gone_db');
is(counted('gone_db'), 0, 'after DROP DATABASE milvus_metrics() shows none of it');
select(undef, undef, undef, 0.3);
unlike(scrape(), qr/gone_db|gone_table|gone_index/, 'nor does the endpoint');

# ---- a CREATEDB role fills the table -----------------------------------------------
$node->safe_psql('postgres', q{
	CREATE ROLE filler LOGIN CREATEDB;
	CREATE TABLE legit (id int, v vector(2));
	INSERT INTO legit SELECT i, ARRAY[i, 1]::vector FROM generate_series(1, 10) i;
});
$node->safe_psql('postgres', 'CREATE DATABASE fill_db', extra_params => [ '-U', 'filler' ]);
# 1,100 indexes, a build each, in batches of 100
for my $batch (0 .. 10)
{
	$node->safe_psql('fill_db', sprintf(q{
		DO $$
		BEGIN
			FOR i IN %d .. %d LOOP
				EXECUTE format('CREATE TABLE f%%s (v vector(2))', i);
				EXECUTE format('CREATE INDEX fi%%s ON f%%s USING flat (v vector_l2_ops)', i, i);
			END LOOP;
		END $$;}, $batch * 100 + 1, $batch * 100 + 100),
		extra_params => [ '-U', 'filler' ]);
}
my $filled = counted('fill_db');
is($filled, 1024, "the filler's indexes fill the table (1,024 entries, no more)");

my $log_offset = -s $node->logfile;
$node->safe_psql('postgres', q{
	CREATE INDEX legit_index ON legit USING hnsw (v vector_l2_ops);
	SET enable_seqscan = off;
	SELECT id FROM legit ORDER BY v <-> '[1,1]' LIMIT 1;
	SELECT id FROM legit ORDER BY v <-> '[2,1]' LIMIT 1;
});
is($node->safe_psql('postgres',
		q{SELECT searches FROM milvus_stat_indexes WHERE indexname = 'legit_index'}),
	'2', 'a new index is still counted: 2 searches');
like(slurp_file($node->logfile, $log_offset),
	qr/milvus statistics table is full: forgot index "fi\d+" of database "fill_db" to count index "legit_index"/,
	'the least recently used entry made room, and the log says so');
is(counted('fill_db'), 1023, 'one of the filler\'s entries went');

# ---- the filler drops its database: its entries go, room for new ones ---------
$node->safe_psql('postgres', 'DROP DATABASE fill_db', extra_params => [ '-U', 'filler' ]);
is(counted('fill_db'), 0, "the dropped database's entries are gone");
select(undef, undef, undef, 0.3);
unlike(scrape(), qr/fill_db/, 'from the endpoint too');
$node->safe_psql('postgres', q{
	CREATE TABLE legit2 (id int, v vector(2));
	CREATE INDEX legit2_index ON legit2 USING flat (v vector_l2_ops);
	INSERT INTO legit2 VALUES (1, '[1,1]');
});
is($node->safe_psql('postgres',
		q{SELECT inserts FROM milvus_stat_indexes WHERE indexname = 'legit2_index'}),
	'1', 'another new index is counted');
is($node->safe_psql('postgres',
		q{SELECT searches FROM milvus_stat_indexes WHERE indexname = 'legit_index'}),
	'2', 'and the first keeps its counters');

$node->stop;
done_testing();
