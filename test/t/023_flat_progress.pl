# flat build progress and cancellation: a build over a slow expression
# (2 ms a row) shows its phase and tuple counts in
# pg_stat_progress_create_index; pg_cancel_backend stops a second one,
# leaving no index behind, and a rebuild is clean.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('flat_progress');

$node->safe_psql('postgres', q{
	CREATE FUNCTION slow(vector) RETURNS vector IMMUTABLE LANGUAGE plpgsql
		AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN $1; END $$;
	CREATE TABLE t (id int, v vector(4));
	INSERT INTO t SELECT i, ARRAY[i % 7, i % 11, i % 13, 1]::vector FROM generate_series(1, 3000) i;
});

# start a build in the background; return its handle
sub start_build
{
	my ($in, $out, $err) = (q{
		CREATE INDEX t_slow ON t USING flat ((slow(v)::vector(4)) vector_l2_ops);
	}, '', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres') . ' application_name=builder' ],
		'<', \$in, '>', \$out, '2>', \$err);
	return ($h, \$err);
}

# poll the progress view until the build has loaded some tuples
sub wait_progress
{
	my ($h) = @_;
	for (my $i = 0; $i < 300; $i++)
	{
		$h->pump_nb;
		my $row = $node->safe_psql('postgres', q{
			SELECT phase || ' ' || tuples_done FROM pg_stat_progress_create_index
			WHERE tuples_done >= 20});
		return $row if $row ne '';
		select(undef, undef, undef, 0.05);
	}
	return '';
}

my ($h, $err) = start_build();
my $seen = wait_progress($h);
like($seen, qr/^building index: loading tuples \d+$/, "progress shows the phase and the tuples done ($seen)");
$h->finish;
is($node->safe_psql('postgres', q{SELECT count(*) FROM milvus_index_check('t_slow')}),
	'0', 'the slow build finished with a clean index');
$node->safe_psql('postgres', 'DROP INDEX t_slow');

($h, $err) = start_build();
wait_progress($h);
MilvusTest::cancel_build($node, $h, $err, 'flat (v vector_l2_ops)');

$node->stop;
done_testing();
