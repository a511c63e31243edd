# annoy build progress and cancellation: a build over a slow expression
# (2 ms a row) shows its phases and tuple counts in
# pg_stat_progress_create_index, "loading tuples" and, once the values
# outgrow maintenance_work_mem, "inserting tuples"; pg_cancel_backend stops
# a build, leaving no index behind, and a rebuild is clean.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('annoy_progress');

$node->safe_psql('postgres', q{
	CREATE FUNCTION slow(vector) RETURNS vector IMMUTABLE LANGUAGE plpgsql
		AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN $1; END $$;
	CREATE TABLE t (id int, v vector(128));
	INSERT INTO t SELECT i, (SELECT array_agg((i * j) % 17) FROM generate_series(1, 128) j)::vector
		FROM generate_series(1, 3000) i;
});

# start a build in the background; return its handle
sub start_build
{
	my ($settings) = @_;
	my ($in, $out, $err) = ($settings . q{
		CREATE INDEX t_slow ON t USING annoy ((slow(v)::vector(128)) vector_l2_ops) WITH (n_trees = 2);
	}, '', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres') . ' application_name=builder' ],
		'<', \$in, '>', \$out, '2>', \$err);
	return ($h, \$err);
}

# poll the progress view until the build is in a phase matching $phase
sub wait_progress
{
	my ($h, $phase) = @_;
	for (my $i = 0; $i < 400; $i++)
	{
		$h->pump_nb;
		my $row = $node->safe_psql('postgres', q{
			SELECT phase || ' ' || tuples_done FROM pg_stat_progress_create_index
			WHERE tuples_done >= 20});
		return $row if $row =~ $phase;
		select(undef, undef, undef, 0.05);
	}
	return '';
}

my ($h, $err) = start_build('');
my $seen = wait_progress($h, qr/loading tuples/);
like($seen, qr/^building index: loading tuples \d+$/, "progress shows the phase and the tuples done ($seen)");
$h->finish;
is($node->safe_psql('postgres', q{SELECT count(*) FROM milvus_index_check('t_slow')}),
	'0', 'the slow build finished with a clean index');
$node->safe_psql('postgres', 'DROP INDEX t_slow');

($h, $err) = start_build(q{SET maintenance_work_mem = '1MB';});
$seen = wait_progress($h, qr/inserting tuples/);
like($seen, qr/^building index: inserting tuples \d+$/,
	"past maintenance_work_mem the build inserts ($seen)");
$h->finish;
like($$err, qr/annoy index no longer fits into maintenance_work_mem/, 'and says so');
is($node->safe_psql('postgres', q{SELECT count(*) FROM milvus_index_check('t_slow')}),
	'0', 'the inserting build finished with a clean index');
$node->safe_psql('postgres', 'DROP INDEX t_slow');

($h, $err) = start_build('');
wait_progress($h, qr/loading tuples/);
MilvusTest::cancel_build($node, $h, $err, 'annoy (v vector_l2_ops)');

$node->stop;
done_testing();
