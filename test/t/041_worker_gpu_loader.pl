# The worker's GPU path without a GPU: a stand-in library
# (test/t/fake_milvus_gpu.c, built here) implements gpu/milvus_gpu.h on the
# CPU and reports a device "Fake GPU".  Checks: a library of another API
# version is refused (jobs run on the CPU, the log says why); the right one
# is loaded after a worker restart and named in milvus_worker_status; jobs
# of a session with milvus.gpu_enabled run through it (gpu_jobs counts
# them) and return the exact search's rows; l1, which the library lacks,
# and a failing library call fall back to the CPU; k-means runs through it.
use strict;
use warnings;

use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $src = dirname(__FILE__) . '/fake_milvus_gpu.c';
my $cc = $ENV{CC} // 'cc';
is(system("$cc -shared -fPIC -O1 -o $tmp/good.so $src -lm"), 0, 'the fake library builds');
is(system("$cc -shared -fPIC -O1 -DFAKE_API_VERSION=99 -o $tmp/old.so $src -lm"), 0,
	'a fake library of another API version builds');

my $node = PostgreSQL::Test::Cluster->new('worker_gpu');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'milvus'
milvus.worker_threads = 1
milvus.gpu_enabled = on
milvus.gpu_library = '$tmp/old.so'
});
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id int, v vector(8));
	SELECT setseed(0.5);
	INSERT INTO t SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 500) i;
	CREATE TABLE q (qid int, v vector(8));
	INSERT INTO q SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 6) i;
});

sub status
{
	return $node->safe_psql('postgres', "SELECT $_[0] FROM milvus_worker_status");
}

# queries whose batch ids equal the exact search's (of 6)
sub matching
{
	my ($metric, $op, $k, $gpu) = @_;
	return $node->safe_psql('postgres', qq{
		SET milvus.gpu_enabled = $gpu;
		SELECT count(*) FROM
			(SELECT query_no, array_agg(id ORDER BY distance, id) AS ids
			 FROM milvus_batch_search('t', 'v', (SELECT array_agg(v ORDER BY qid) FROM q), $k, '$metric')
			 GROUP BY 1) b
		JOIN (SELECT qid, array_agg(tid ORDER BY d, tid) AS ids
			 FROM q, LATERAL (SELECT t.ctid AS tid, t.v $op q.v AS d FROM t ORDER BY 2, 1 LIMIT $k) x
			 GROUP BY 1) e ON b.query_no = e.qid AND b.ids = e.ids});
}

# ---- the wrong API version is refused --------------------------------------
like(slurp_file($node->logfile), qr/Jobs run on the CPU: libmilvus_gpu.so has API version 99, expected 1/,
	'the worker refuses a library of another API version and says why');
is(status('device'), 'cpu', 'the status shows the CPU');
is(matching('l2', '<->', 5, 'on'), '6', 'jobs run on the CPU instead');
is(status('gpu_jobs'), '0', 'no job ran on the GPU');

# ---- the right library, after a worker restart --------------------------------
$node->append_conf('postgresql.conf', "milvus.gpu_library = '$tmp/good.so'\n");
$node->reload;
my $pid = status('worker_pid');
kill('TERM', $pid);
ok($node->poll_query_until('postgres',
		"SELECT worker_pid IS NOT NULL AND worker_pid <> $pid FROM milvus_worker_status"),
	'the worker restarts');
is(status('device || \' \' || device_memory'), 'Fake GPU 1073741824',
	'the status names the device the library reports, and its memory');

is(matching('l2', '<->', 5, 'on'), '6', 'l2 through the library equals exact search');
is(matching('ip', '<#>', 5, 'on'), '6', 'ip through the library equals exact search');
is(matching('cosine', '<=>', 5, 'on'), '6', 'cosine through the library equals exact search');
is(status('gpu_jobs'), '3', 'the three jobs ran on the GPU');

is(matching('l1', '<+>', 5, 'on'), '6', 'l1, which the library lacks, runs on the CPU');
is(matching('l2', '<->', 7, 'on'), '6', 'a failing library call falls back to the CPU');
like(slurp_file($node->logfile),
	qr/GPU job failed, running it on the CPU\n.*DETAIL:  libmilvus_gpu.so reported: fake device failure/,
	'the fallback is logged with the library\'s message');
is(matching('l2', '<->', 5, 'off'), '6', 'a session without milvus.gpu_enabled runs on the CPU');
is(status('gpu_jobs'), '3', 'none of these ran on the GPU');

$node->safe_psql('postgres', q{
	CREATE TABLE clusters (v vector(2));
	INSERT INTO clusters SELECT ARRAY[c[1] + ((i % 7) - 3) / 10.0, c[2] + ((i % 5) - 2) / 10.0]::vector
		FROM (VALUES (ARRAY[0, 0]), (ARRAY[10, 0]), (ARRAY[0, 10])) cs(c), generate_series(1, 35) i;
});
is($node->safe_psql('postgres', q{
	SET milvus.gpu_enabled = on;
	SELECT string_agg(r::text, ' ' ORDER BY r::text) FROM
		(SELECT (SELECT array_agg(round(x::numeric, 3)) FROM unnest(c::real[]) x) AS r
		 FROM milvus_kmeans('clusters', 'v', 3) c) s}),
	'{0.000,0.000} {0.000,10.000} {10.000,0.000}', 'k-means through the library finds the three clusters');
is(status('gpu_jobs'), '4', 'k-means ran on the GPU');

$node->stop;
done_testing();
