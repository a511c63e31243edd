# The Prometheus endpoint, scraped with curl.  Checks: off by default (the
# "milvus metrics" worker runs but holds no listening socket); on after
# milvus.metrics_port is set and the configuration reloaded, listening on
# 127.0.0.1 only (its socket, read from /proc, and a refused connection to
# a non-loopback address of this machine when it has one); every line of
# the text is a well-formed HELP, TYPE or sample line of a declared family,
# histograms are cumulative; the counters match the searches, inserts,
# rows, size and worker jobs done (GPU memory and jobs with a stand-in GPU
# library); other paths get 404; the listen address
# follows milvus.metrics_listen_address; port 0 closes the socket.  Without
# shared_preload_libraries there is no endpoint whatever the settings say.
# The scrapes here authenticate (milvus.metrics_auth_file) and get every
# index's samples; 071_metrics_security.pl tests what the endpoint serves
# without credentials, idle connections and the cached rendering.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use JSON::PP;
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# the listening TCP sockets of process $pid, as "address:port"
sub listening
{
	my ($pid) = @_;
	my %inodes;
	opendir(my $dh, "/proc/$pid/fd") or die "cannot read /proc/$pid/fd: $!";
	for my $fd (readdir $dh)
	{
		my $link = readlink("/proc/$pid/fd/$fd") // next;
		$inodes{$1} = 1 if $link =~ /^socket:\[(\d+)\]$/;
	}
	closedir $dh;
	my @found;
	for my $file ('/proc/net/tcp', '/proc/net/tcp6')
	{
		open(my $fh, '<', $file) or next;
		<$fh>;    # the header
		while (my $line = <$fh>)
		{
			my @f = split ' ', $line;
			next unless $f[3] eq '0A' && $inodes{ $f[9] };    # LISTEN
			my ($hex, $port) = split /:/, $f[1];
			my $addr =
			  length($hex) == 8
			  ? join('.', reverse map { hex } unpack('(A2)*', $hex))
			  : "[$hex]";
			push @found, "$addr:" . hex($port);
		}
		close $fh;
	}
	return sort @found;
}

# the pid of the "milvus metrics" worker of $node ('' when none): a child
# of the postmaster (without a database connection it is not in
# pg_stat_activity)
sub metrics_pid
{
	my ($node) = @_;
	my $postmaster = $node->{_pid};
	for my $dir (glob '/proc/[0-9]*')
	{
		my ($pid) = $dir =~ m{(\d+)$};
		open(my $fh, '<', "$dir/stat") or next;
		my $stat = <$fh> // '';
		close $fh;
		next unless $stat =~ /\) \S+ (\d+) / && $1 == $postmaster;
		open($fh, '<', "$dir/cmdline") or next;
		my $cmd = <$fh> // '';
		close $fh;
		return $pid if $cmd =~ /milvus metrics/;
	}
	return '';
}

# the credentials the scrapes send
my $credentials = 'prometheus:scrape-secret';

# curl, with the credentials: (exit code, body, HTTP status, content type)
sub scrape
{
	return MilvusTest::scrape($_[0], '-u', $credentials);
}

# parse the text: every line well formed, every family declared once with
# HELP and TYPE before its samples; returns { "name{labels}" => value }
sub parse_metrics
{
	my ($text) = @_;
	my (%type, %help, %samples, @bad);
	my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
	my $label_re = qr/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"/;
	my $value_re = qr/[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|Inf|NaN)/;
	for my $line (split /\n/, $text)
	{
		if ($line =~ /^# HELP ($name_re) \S.*$/)
		{
			push @bad, "second HELP: $line" if $help{$1}++;
		}
		elsif ($line =~ /^# TYPE ($name_re) (counter|gauge|histogram|summary|untyped)$/)
		{
			push @bad, "second TYPE: $line" if $type{$1};
			$type{$1} = $2;
		}
		elsif ($line =~ /^($name_re)(\{(?:$label_re(?:,$label_re)*)?\})? ($value_re)$/)
		{
			my ($name, $labels, $value) = ($1, $2 // '', $3);
			(my $family = $name) =~ s/_(bucket|sum|count)$//;
			$family = $name unless ($type{$family} // '') eq 'histogram';
			push @bad, "sample of an undeclared family: $line"
			  unless $type{$family} && $help{$family};
			push @bad, "repeated sample: $line"
			  if exists $samples{"$name$labels"};
			$samples{"$name$labels"} = $value;
		}
		else
		{
			push @bad, "malformed: $line";
		}
	}
	return (\%samples, \@bad, \%type);
}

# the worker's GPU metrics without a GPU: the stand-in library of
# 041_worker_gpu_loader.pl reports a device "Fake GPU" of 1 GiB
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $cc = $ENV{CC} // 'cc';
is(system("$cc -shared -fPIC -O1 -o $tmp/fake_gpu.so "
	  . "$FindBin::RealBin/fake_milvus_gpu.c -lm"), 0, 'the fake GPU library builds');
my $auth_file = "$tmp/metrics_auth";
MilvusTest::write_auth_file($auth_file, "# user:password\n$credentials\n");

my $node = MilvusTest::metrics_node('metrics', qq{
milvus.gpu_enabled = on
milvus.gpu_library = '$tmp/fake_gpu.so'
milvus.metrics_auth_file = '$auth_file'
});

my $worker_pid = metrics_pid($node);
like($worker_pid, qr/^\d+$/, 'the metrics worker runs');
is($node->safe_psql('postgres', 'SHOW milvus.metrics_port'), '0',
	'the endpoint is off by default');
is_deeply([ listening($worker_pid) ], [],
	'off: the metrics worker listens on no socket');

# on: loopback only
my $port = PostgreSQL::Test::Cluster::get_free_port();
my $url = "http://127.0.0.1:$port/metrics";
$node->safe_psql('postgres',
	"ALTER SYSTEM SET milvus.metrics_port = $port; SELECT pg_reload_conf();");
ok(MilvusTest::wait_endpoint($url), 'the endpoint answers after a reload');
is_deeply([ listening($worker_pid) ], ["127.0.0.1:$port"],
	'it listens on 127.0.0.1 only');

my ($other) = grep { !/^127\./ }
  split ' ', (`hostname -I 2>/dev/null` // '');
SKIP:
{
	skip 'this machine has no non-loopback IPv4 address', 1 unless $other;
	my ($rc) = scrape("http://$other:$port/metrics");
	isnt($rc, 0, "a connection to $other is refused");
}

# known work: 20 rows, 6 searches, 4 inserts on hnsw; 3 searches on flat;
# one batch job for the worker, on the fake GPU
$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int, v vector(3));
	INSERT INTO t SELECT i, ARRAY[i, i % 3, i % 4]::vector FROM generate_series(1, 20) i;
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
	CREATE TABLE f (id int, v vector(3));
	INSERT INTO f SELECT * FROM t;
	CREATE INDEX f_flat ON f USING flat (v vector_l2_ops);
});
$node->safe_psql('postgres', join('', map {
	"SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[$_,1,1]' LIMIT 2) s;"
} 1 .. 6) . join('', map {
	"SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM f ORDER BY v <-> '[$_,0,0]' LIMIT 5) s;"
} 1 .. 3));
$node->safe_psql('postgres',
	q{INSERT INTO t SELECT i, ARRAY[i, 0, 0]::vector FROM generate_series(21, 24) i});
$node->safe_psql('postgres',
	q{SELECT count(*) FROM milvus_batch_search('t', 'v', ARRAY['[1,1,1]'::vector], 3)});
my $size = $node->safe_psql('postgres', q{SELECT pg_relation_size('t_hnsw')});

# the endpoint renders at most every 100 ms (milvus.metrics_refresh_interval)
select(undef, undef, undef, 0.3);
my ($rc, $body, $status, $ctype) = scrape($url);
is($rc, 0, 'curl scrapes the endpoint');
is($status, '200', 'HTTP 200');
like($ctype, qr{^text/plain; version=0\.0\.4}, 'the Prometheus text content type');
my ($samples, $bad, $types) = parse_metrics($body);
is_deeply($bad, [], 'every line is a well-formed HELP, TYPE or sample line');
ok(scalar(keys %$samples) > 20, 'the text has samples');

my $h = 'database="postgres",schema="public",table="t",index="t_hnsw",index_type="hnsw"';
my $fl = 'database="postgres",schema="public",table="f",index="f_flat",index_type="flat"';
is($samples->{"milvus_search_requests_total{$h}"}, 6, 'hnsw: 6 searches');
is($samples->{"milvus_search_returned_rows_total{$h}"}, 12, 'hnsw: 12 rows returned');
is($samples->{"milvus_insert_requests_total{$h}"}, 4, 'hnsw: 4 inserts');
is($samples->{"milvus_index_rows{$h}"}, 24, 'hnsw: 24 rows');
is($samples->{"milvus_index_size_bytes{$h}"}, $size, 'hnsw: size as pg_relation_size');
ok($samples->{"milvus_index_build_duration_seconds{$h}"} > 0, 'hnsw: a build duration');
is($samples->{"milvus_search_requests_total{$fl}"}, 3, 'flat: 3 searches');
is($samples->{"milvus_search_returned_rows_total{$fl}"}, 15, 'flat: 15 rows returned');
is($samples->{"milvus_insert_requests_total{$fl}"}, 0, 'flat: no insert');
is($types->{milvus_search_duration_seconds}, 'histogram', 'the duration is a histogram');
is($samples->{"milvus_worker_jobs_finished_total"}, 1, 'one worker job finished');
is($samples->{"milvus_worker_jobs_failed_total"}, 0, 'no worker job failed');
is($samples->{"milvus_worker_gpu_jobs_total"}, 1, 'it ran on the (fake) GPU');
is($samples->{'milvus_gpu_memory_bytes{device="Fake GPU"}'}, 1073741824,
	"the GPU's memory, as the library reports it");

# the histogram: cumulative, +Inf = count = searches, a positive sum
my @le = map { /,le="([^"]+)"\}/ ? $1 : () }
  grep { /^milvus_search_duration_seconds_bucket\{\Q$h\E,/ } keys %$samples;
@le = sort { ($a eq '+Inf') <=> ($b eq '+Inf') || ($a eq '+Inf' ? 0 : $a <=> $b) } @le;
my @counts = map { $samples->{"milvus_search_duration_seconds_bucket{$h,le=\"$_\"}"} } @le;
is($le[-1], '+Inf', 'the last bucket is +Inf');
ok(!grep({ $counts[$_] < $counts[ $_ - 1 ] } 1 .. $#counts), 'the buckets are cumulative');
is($counts[-1], 6, '+Inf counts the 6 searches');
is($samples->{"milvus_search_duration_seconds_count{$h}"}, 6, 'the count is 6');
ok($samples->{"milvus_search_duration_seconds_sum{$h}"} > 0, 'the sum is positive');

# every metric the Grafana dashboard queries is served (GPU memory too:
# the fake library is a GPU)
open(my $dfh, '<', 'monitoring/grafana-dashboard.json')
  or die "cannot open the dashboard: $!";
my $dashboard = JSON::PP::decode_json(join('', <$dfh>));
close $dfh;
my %queried;
for my $panel (@{ $dashboard->{panels} })
{
	for my $target (@{ $panel->{targets} })
	{
		$queried{$_} = 1 for $target->{expr} =~ /\b(milvus_[a-z_]+)/g;
	}
}
my @missing = grep {
	my $family = $_;
	$family =~ s/_(bucket|sum|count)$// if $family =~ /^milvus_search_duration/;
	!$types->{$family}
} sort keys %queried;
ok(scalar(keys %queried) >= 10, 'the dashboard queries the metric families');
is_deeply(\@missing, [], 'the endpoint serves every metric the dashboard queries');

# the SQL function serves the same families
my ($sql_samples, $sql_bad) = parse_metrics(
	$node->safe_psql('postgres', 'SELECT milvus_metrics()'));
is_deeply($sql_bad, [], 'milvus_metrics() is well-formed too');
is($sql_samples->{"milvus_search_requests_total{$h}"}, 6, 'and counts the same');

# other paths
(undef, undef, $status) = scrape("http://127.0.0.1:$port/");
is($status, '404', 'other paths get 404');

# another listen address, then off
$node->safe_psql('postgres',
	"ALTER SYSTEM SET milvus.metrics_listen_address = '0.0.0.0'; SELECT pg_reload_conf();");
my $moved = 0;
for (1 .. 100)
{
	last if $moved = (join(',', listening($worker_pid)) eq "0.0.0.0:$port");
	select(undef, undef, undef, 0.1);
}
ok($moved, 'milvus.metrics_listen_address = 0.0.0.0 moves it to every address');
ok(MilvusTest::wait_endpoint($url), 'and it answers there');

$node->safe_psql('postgres',
	"ALTER SYSTEM SET milvus.metrics_port = 0; SELECT pg_reload_conf();");
ok(MilvusTest::wait_endpoint($url, 1), 'port 0 turns it off');
is_deeply([ listening($worker_pid) ], [], 'and closes the socket');
is(metrics_pid($node), $worker_pid, 'the same worker went on');
$node->stop;

# without shared_preload_libraries: no worker, no endpoint, zero counters
my $plain = PostgreSQL::Test::Cluster->new('metrics_plain');
$plain->init;
my $port2 = PostgreSQL::Test::Cluster::get_free_port();
$plain->append_conf('postgresql.conf', "milvus.metrics_port = $port2\n");
$plain->start;
$plain->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int, v vector(3));
	INSERT INTO t SELECT i, ARRAY[i, 0, 0]::vector FROM generate_series(1, 10) i;
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
});
$plain->safe_psql('postgres',
	q{SET enable_seqscan = off; SELECT id FROM t ORDER BY v <-> '[1,0,0]' LIMIT 1});
is(metrics_pid($plain), '', 'not preloaded: no metrics worker');
($rc) = scrape("http://127.0.0.1:$port2/metrics");
isnt($rc, 0, 'not preloaded: nothing answers on milvus.metrics_port');
is($plain->safe_psql('postgres',
		q{SELECT searches || ' ' || inserts || ' ' || (build_seconds IS NULL) FROM milvus_stat_indexes}),
	'0 0 true', 'not preloaded: the view shows zeros and NULLs');
$plain->stop;

done_testing();
