# The background worker under stress: cancel, statement_timeout and
# milvus.worker_timeout stop a long batch job (the worker frees it and goes
# on); milvus.worker_timeout is superuser-only, so an ordinary role can
# neither lift it nor escape a per-role value a superuser set, and its job
# past the bound fails with a clear error while the worker serves the
# next; SIGTERM to the worker fails the running job with a clear error, the
# backend stays up, the postmaster restarts the worker and the next job in
# the same session succeeds; SIGKILL to the worker makes the postmaster
# restart every backend (as for any crashed server process), after which
# jobs run again; the status view counts it all.  Without
# shared_preload_libraries, batch search runs in the backend itself and a
# statement_timeout or milvus.worker_timeout still stops it.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('worker_jobs');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'milvus'
milvus.worker_threads = 2
restart_after_crash = on
});
$node->start;

# 50,000 rows of 128 dimensions; a job of 20,000 queries over them takes
# tens of seconds here, so every stop below lands while it runs
$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int, v vector(128));
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 128) WHERE i > 0)::vector
		FROM generate_series(1, 50000) i;
	CREATE TABLE q AS SELECT (SELECT array_agg(v) FROM (SELECT v FROM t LIMIT 20000) s) AS qs;
});
my $big = q{SELECT count(*) FROM milvus_batch_search('t', 'v', (SELECT qs FROM q), 10, 'l2')};
my $small = q{SELECT count(*) FROM milvus_batch_search('t', 'v', (SELECT qs[1:3] FROM q), 10, 'l2')};

sub status
{
	my ($col) = @_;
	return $node->safe_psql('postgres', "SELECT $col FROM milvus_worker_status");
}

# start psql with a script in the background, under an application_name
sub start_session
{
	my ($name, $script) = @_;
	my ($in, $out, $err) = ($script, '', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=0', '-d',
			$node->connstr('postgres') . " application_name=$name" ],
		'<', \$in, '>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# feed the session its input until the worker runs a job (IPC::Run only
# writes to psql while pumped)
sub wait_running
{
	my ($h, $what) = @_;
	my $running = 0;
	for (my $i = 0; $i < 1200 && !$running; $i++)
	{
		$h->pump_nb;
		$running = status('running') eq '1';
		select(undef, undef, undef, 0.1) unless $running;
	}
	ok($running, $what);
}

is(status('preloaded'), 't', 'the library is preloaded');
my $pid0 = status('worker_pid');
like($pid0, qr/^\d+$/, 'the worker runs');
is(status('restarts'), '0', 'no restart yet');
is($node->safe_psql('postgres', $small), '30', 'a small job returns k rows per query');

# ---- cancel ---------------------------------------------------------------
my ($h, $out, $err) = start_session('victim', "$big;\n");
wait_running($h, 'a big job runs in the worker');
$node->safe_psql('postgres',
	q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'});
$h->finish;
like($$err, qr/canceling statement due to user request/, 'pg_cancel_backend cancels the job');
ok($node->poll_query_until('postgres',
		'SELECT running = 0 AND queued = 0 AND cancelled = 1 FROM milvus_worker_status'),
	'the worker stops the cancelled job and counts it');

# ---- statement_timeout and milvus.worker_timeout ------------------------------
my ($ret, $stdout, $stderr) = $node->psql('postgres', "SET statement_timeout = '3s'; $big");
like($stderr, qr/canceling statement due to statement timeout/, 'statement_timeout stops the job');
($ret, $stdout, $stderr) = $node->psql('postgres', "SET milvus.worker_timeout = '1s'; $big");
like($stderr, qr/background worker job timed out after 1000 ms\n.*DETAIL:  The job ran longer than milvus.worker_timeout allows and was stopped/,
	'milvus.worker_timeout stops the job');
ok($node->poll_query_until('postgres',
		'SELECT running = 0 AND cancelled = 2 AND failed = 1 FROM milvus_worker_status'),
	'the cancelled job is counted as cancelled, the timed-out one as failed');
is($node->safe_psql('postgres', $small), '30', 'the worker serves the next job');
like(slurp_file($node->logfile), qr/milvus background worker stopped a job after 1000 ms/,
	'the worker logs the stop');

# an ordinary role: the server's bound holds, it cannot lift it, and a
# superuser can set a tighter one for the role
$node->safe_psql('postgres', q{
	CREATE ROLE mallory LOGIN;
	GRANT SELECT ON t, q TO mallory;
	ALTER ROLE mallory SET milvus.worker_timeout = '1s';
});
is($node->safe_psql('postgres', 'SHOW milvus.worker_timeout'), '10min',
	'the default bound is 10 minutes');
($ret, $stdout, $stderr) = $node->psql('postgres', 'SET milvus.worker_timeout = 0',
	extra_params => [ '-U', 'mallory' ]);
like($stderr, qr/permission denied to set parameter "milvus.worker_timeout"/,
	'an ordinary role cannot lift the bound');
my $t0 = time;
($ret, $stdout, $stderr) = $node->psql('postgres', $big, extra_params => [ '-U', 'mallory' ]);
like($stderr, qr/background worker job timed out after 1000 ms/,
	"the role's job past its bound is ended with a clear error");
ok(time - $t0 < 20, 'soon after the bound');
is($node->safe_psql('postgres', $small, extra_params => [ '-U', 'mallory' ]), '30',
	'the worker serves its next job');
ok($node->poll_query_until('postgres',
		'SELECT running = 0 AND queued = 0 AND failed = 2 FROM milvus_worker_status'),
	'the status counts the second timed-out job as failed');

# ---- SIGTERM: the job fails, the backend stays, the worker comes back ----------
($h, $out, $err) = start_session('victim2',
	"$big;\nSELECT 'alive';\nSELECT pg_sleep(3);\n$small;\n");
wait_running($h, 'another big job runs');
ok(kill('TERM', $pid0), 'SIGTERM sent to the worker');
$h->finish;
like($$err, qr/background worker job failed.*\n.*DETAIL:  The background worker exited while running the job/,
	'the waiting backend gets a clear error');
like($$out, qr/^alive\n\n30$/m, 'the same session goes on and its next job succeeds');
ok($node->poll_query_until('postgres',
		"SELECT worker_pid IS NOT NULL AND worker_pid <> $pid0 AND restarts = 1 AND failed = 3 FROM milvus_worker_status"),
	'the postmaster restarted the worker; the status counts the restart and the failure');

# ---- SIGKILL: a crash; the postmaster restarts everything ----------------------
my $pid1 = status('worker_pid');
ok(kill('KILL', $pid1), 'SIGKILL sent to the worker');
ok($node->poll_query_until('postgres',
		"SELECT worker_pid IS NOT NULL AND worker_pid <> $pid1 FROM milvus_worker_status"),
	'after the crash restart a new worker runs');
is($node->safe_psql('postgres', $small), '30', 'jobs run again after the crash restart');
like(slurp_file($node->logfile), qr/background worker "milvus worker" \(PID $pid1\) was terminated by signal 9/,
	'the server log names the killed worker');

$node->stop;

# ---- no shared_preload_libraries: the job runs in the backend ---------------------
my $plain = PostgreSQL::Test::Cluster->new('worker_plain');
$plain->init;
$plain->append_conf('postgresql.conf', "milvus.worker_threads = 2\n");
$plain->start;
$plain->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int, v vector(128));
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 128) WHERE i > 0)::vector
		FROM generate_series(1, 50000) i;
	CREATE TABLE q AS SELECT (SELECT array_agg(v) FROM (SELECT v FROM t LIMIT 20000) s) AS qs;
});
is($plain->safe_psql('postgres', 'SELECT preloaded, worker_pid IS NULL FROM milvus_worker_status'),
	'f|t', 'without preloading there is no worker');
is($plain->safe_psql('postgres', $small), '30', 'batch search runs in the backend');
is($plain->safe_psql('postgres', q{
	SELECT count(*) FROM milvus_batch_search('t', 'v', (SELECT qs[1:5] FROM q), 1, 'l2') b
		JOIN t ON t.ctid = b.id WHERE b.distance = 0}),
	'5', 'each query finds itself at distance 0');
($ret, $stdout, $stderr) = $plain->psql('postgres', "SET statement_timeout = '2s'; $big");
like($stderr, qr/canceling statement due to statement timeout/,
	'statement_timeout stops a job running in the backend');
($ret, $stdout, $stderr) = $plain->psql('postgres', "SET milvus.worker_timeout = '1s'; $big");
like($stderr, qr/background worker job timed out after 1000 ms/,
	'milvus.worker_timeout stops a job running in the backend too');
is($plain->safe_psql('postgres', 'SELECT 1'), '1', 'the server is fine afterwards');
$plain->stop;

done_testing();
