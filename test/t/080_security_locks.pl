# issue 17, item 2: a role that may not read a table cannot lock it, nor
# wait for its lock.  One session holds ACCESS EXCLUSIVE on the table; a
# role without SELECT calls milvus_index_check (granted EXECUTE),
# milvus_search, milvus_search_sql and milvus_search_explain with a
# lock_timeout: each is refused at once with 42501, before asking for the
# lock (without the checks, each waited for the lock and timed out).  A
# role with SELECT waits, as a plain SELECT does.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('security_locks');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE ROLE nobody LOGIN;
	CREATE ROLE reader LOGIN;
	CREATE TABLE t (id int PRIMARY KEY, v vector(2));
	INSERT INTO t VALUES (1, '[1,1]'), (2, '[2,2]');
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
	GRANT SELECT ON t TO reader;
	GRANT EXECUTE ON FUNCTION milvus_index_check(regclass) TO nobody, reader;
});

# hold ACCESS EXCLUSIVE on t until $in is closed
my $in = "BEGIN;\nLOCK TABLE t IN ACCESS EXCLUSIVE MODE;\nSELECT 'locked';\n";
my ($out, $err) = ('', '');
my $h = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres') ],
	'<', \$in, '>', \$out, '2>', \$err);
for (my $i = 0; $i < 600 && $out !~ /locked/; $i++)
{
	$h->pump_nb;
	select(undef, undef, undef, 0.05);
}
like($out, qr/locked/, 'the table is locked');

my $dsl = q{'{"bool":{"must":[{"vector":{"v":{"topk":1,"query":[[1,1]],"metric_type":"L2"}}}]}}'};
my %calls = (
	'milvus_index_check' => q{SELECT * FROM milvus_index_check('t_hnsw')},
	'milvus_search' => "SELECT * FROM milvus_search('t', $dsl)",
	'milvus_search_sql' => "SELECT milvus_search_sql('t', $dsl)",
	'milvus_search_explain' => "SELECT * FROM milvus_search_explain('t', $dsl)");
for my $f (sort keys %calls)
{
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"SET lock_timeout = '3s'; SET ROLE nobody; $calls{$f}",
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($stderr, qr/ERROR:  42501: permission denied/,
		"$f: refused with 42501 without waiting for the lock");
	unlike($stderr, qr/lock timeout/, "$f: did not wait for the lock");
}

# a role with SELECT waits for the lock, as a plain SELECT would
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET lock_timeout = '100ms'; SET ROLE reader; SELECT milvus_search_sql('t', $dsl)");
like($stderr, qr/lock timeout/, 'a reader waits for the lock');

$in .= "COMMIT;\n";
$h->finish;
is($node->safe_psql('postgres',
	"SET ROLE reader; SELECT count(*) FROM milvus_search('t', $dsl)"),
	'1', 'once the lock is gone the reader searches');

$node->stop;
done_testing();
