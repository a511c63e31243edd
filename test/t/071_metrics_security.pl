# The Prometheus endpoint's protections (issue 17, finding 5).  Without
# milvus.metrics_auth_file it serves the index families summed per index
# type, with no database, schema, table or index name; with it, a request
# without the file's credentials, or with wrong ones, gets 401 and the
# right ones get every index; a credentials file that group or others can
# read keeps the endpoint off.  16 idle sockets and 16 half-sent requests
# (and 200 idle sockets) do not stop a scrape, and the server closes an
# idle socket by itself.  A flood of requests within
# milvus.metrics_refresh_interval is served from one rendered copy.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use IO::Socket::INET;
use IO::Select;
use IPC::Run;
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

# the value of the sample "name{labels}" in a text, or undef
sub sample
{
	my ($text, $name) = @_;
	return $text =~ /^\Q$name\E (\S+)$/m ? $1 : undef;
}

# reload and give the metrics worker time to act on it
sub reload
{
	my ($node, $sql) = @_;
	$node->safe_psql('postgres', "$sql; SELECT pg_reload_conf();");
	select(undef, undef, undef, 1.0);
}

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $url = "http://127.0.0.1:$port/metrics";

my $node = MilvusTest::metrics_node('metrics_security',
	"milvus.metrics_port = $port\n");

# two hnsw indexes with names no reader without credentials may see
$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE SCHEMA payroll;
	CREATE TABLE payroll.salaries (id int, v vector(3));
	INSERT INTO payroll.salaries SELECT i, ARRAY[i, 0, 0]::vector FROM generate_series(1, 20) i;
	CREATE INDEX salaries_by_grade ON payroll.salaries USING hnsw (v vector_l2_ops);
	CREATE TABLE patients (id int, v vector(3));
	INSERT INTO patients SELECT i, ARRAY[0, i, 0]::vector FROM generate_series(1, 20) i;
	CREATE INDEX patients_by_diagnosis ON patients USING hnsw (v vector_l2_ops);
});
sub search
{
	my ($table, $times) = @_;
	$node->safe_psql('postgres', join('', map {
		"SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM $table ORDER BY v <-> '[$_,1,1]' LIMIT 2) s;"
	} 1 .. $times));
}
search('payroll.salaries', 3);
search('patients', 2);
ok(MilvusTest::wait_endpoint($url), 'the endpoint answers');
select(undef, undef, undef, 0.3);

# ---- no credentials configured: the redacted text ---------------------------
my ($rc, $body, $status) = MilvusTest::scrape($url);
is($status, '200', 'without milvus.metrics_auth_file: HTTP 200');
unlike($body, qr/payroll|salaries|patients|diagnosis|grade|database=|schema=|table=|index=/,
	'no database, schema, table or index name in it');
is(sample($body, 'milvus_search_requests_total{index_type="hnsw"}'), 5,
	'the searches of both hnsw indexes, summed per index type');
is(sample($body, 'milvus_index_rows{index_type="hnsw"}'), 40, 'the rows, summed');
is(sample($body, 'milvus_search_duration_seconds_count{index_type="hnsw"}'), 5,
	'the latency histogram, summed');
ok(defined sample($body, 'milvus_worker_jobs_finished_total'), 'the worker families are there');
like($node->safe_psql('postgres', 'SELECT milvus_metrics()'),
	qr/index="salaries_by_grade"/, 'milvus_metrics() (pg_monitor) still names the indexes');

# ---- cached rendering: a flood within the interval costs one render ------------
reload($node, "ALTER SYSTEM SET milvus.metrics_refresh_interval = '1h'");
(undef, my $before) = MilvusTest::scrape($url);
search('patients', 4);
my $flood = 500;
my $t0 = time;
my ($out, $err) = ('', '');
IPC::Run::run([ 'curl', '-s', '-m', '60', '-o', '/dev/null', '-w', '%{http_code}\n',
		($url) x $flood ], '>', \$out, '2>', \$err);
my $seconds = time - $t0;
is(scalar(grep { $_ eq '200' } split /\n/, $out), $flood, "$flood requests in a row are all served");
note(sprintf('%d requests in %.2f s (%.0f per second)', $flood, $seconds, $flood / $seconds));
(undef, my $after) = MilvusTest::scrape($url);
is($after, $before, 'they get the copy rendered before the searches (no render per request)');
is(sample($after, 'milvus_search_requests_total{index_type="hnsw"}'), 5,
	'still 5 searches in the cached copy');
reload($node, "ALTER SYSTEM SET milvus.metrics_refresh_interval = 100");
(undef, $body) = MilvusTest::scrape($url);
is(sample($body, 'milvus_search_requests_total{index_type="hnsw"}'), 9,
	'once the interval passes the text is rendered again: 9 searches');

# ---- idle connections do not lock Prometheus out ------------------------------
my @idle;
for (1 .. 16)
{
	push @idle, IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
	  or die "cannot connect: $!";
}
for (1 .. 16)
{
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
	  or die "cannot connect: $!";
	print $s "GET /metrics HTTP/1.1\r\nHost: x\r\n";    # never finished
	$s->flush;
	push @idle, $s;
}
select(undef, undef, undef, 0.5);
$t0 = time;
($rc, $body, $status) = MilvusTest::scrape($url, '-m', '3');
is($status, '200', '16 idle sockets and 16 half-sent requests do not stop a scrape');
ok(time - $t0 < 2, 'which answers at once');
for (1 .. 168)
{
	push @idle, IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port)
	  or die "cannot connect: $!";
}
select(undef, undef, undef, 0.5);
($rc, $body, $status) = MilvusTest::scrape($url, '-m', '3');
is($status, '200', 'nor do 200 idle sockets');
my $sel = IO::Select->new($idle[0]);
my $closed = 0;
if ($sel->can_read(15))
{
	my $buf;
	$closed = (sysread($idle[0], $buf, 1) // 0) == 0;
}
ok($closed, 'the server closes an idle socket by itself (5 s timeout)');
close $_ for @idle;

# ---- credentials ------------------------------------------------------------------
my $auth_file = "$tmp/metrics_auth";
MilvusTest::write_auth_file($auth_file,
	"# Prometheus\nprometheus:s3cret:with-colon\n\nops:other\n", 0644);
my $log_offset = -s $node->logfile;
reload($node, "ALTER SYSTEM SET milvus.metrics_auth_file = '$auth_file'");
ok(MilvusTest::wait_endpoint($url, 1), 'a credentials file others can read keeps the endpoint off');
like(slurp_file($node->logfile, $log_offset),
	qr/milvus.metrics_auth_file ".*" is not a regular file or has group or world access/,
	'and the log says why');

chmod 0600, $auth_file;
reload($node, 'SELECT 1');
ok(MilvusTest::wait_endpoint($url), 'u=rw: the endpoint answers again');
my $headers;
($rc, $body, $status, undef, $headers) = MilvusTest::scrape($url);
is($status, '401', 'no credentials: 401');
like($headers, qr/^WWW-Authenticate: Basic realm="milvus metrics"/mi, 'with a Basic challenge');
unlike($body, qr/milvus_/, 'and no metric');
($rc, $body, $status) = MilvusTest::scrape($url, '-u', 'prometheus:wrong');
is($status, '401', 'a wrong password: 401');
($rc, $body, $status) = MilvusTest::scrape($url, '-u', 'nobody:s3cret:with-colon');
is($status, '401', 'a wrong user: 401');
($rc, $body, $status) = MilvusTest::scrape($url, '-u', 'prometheus:s3cret:with-colon');
is($status, '200', 'the right credentials: 200');
is(sample($body,
		'milvus_search_requests_total{database="postgres",schema="payroll",table="salaries",index="salaries_by_grade",index_type="hnsw"}'),
	3, 'and every index by name');
($rc, $body, $status) = MilvusTest::scrape($url, '-u', 'ops:other');
is($status, '200', "the file's second line works too");
(undef, undef, $status) = MilvusTest::scrape("http://127.0.0.1:$port/", '-u', 'ops:other');
is($status, '404', 'other paths still get 404');

# an empty setting goes back to the redacted text
reload($node, "ALTER SYSTEM SET milvus.metrics_auth_file = ''");
($rc, $body, $status) = MilvusTest::scrape($url);
is($status, '200', 'auth file unset: 200 without credentials');
unlike($body, qr/salaries/, 'and redacted again');

$node->stop;
done_testing();
