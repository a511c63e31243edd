# Checks the "make demo" path after installation, end to end on a throwaway
# cluster: scripts/demo-load.sh loads the shipped SIFT sample, runs exact
# nearest-neighbour queries and must report recall 1.0 against the ground
# truth; the loaded tables and query results are then checked directly.
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../..');

my $node = PostgreSQL::Test::Cluster->new('demo');
$node->init;
$node->start;

local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;
local $ENV{PGDATABASE} = 'postgres';
delete local $ENV{PGUSER};

my ($out, $err);
my $ok = IPC::Run::run([ "$root/scripts/demo-load.sh" ], '>', \$out, '2>', \$err);
ok($ok, 'demo-load.sh succeeds') or diag("stderr: $err");
note($out);

like($out, qr/recall\@10 = 1\.000 over 100 queries/,
	'exact search has recall 1.0 on the SIFT sample');
like($out, qr/hnsw recall\@10 = (0\.9[5-9]\d|1\.000) over 100 queries/,
	'the hnsw index has recall of at least 0.95 at the default ef_search');
like($out, qr/Index Scan using sift_base_hnsw/, 'the demo queries use the index');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sift_base'),
	'10000', 'all base vectors loaded');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sift_query'),
	'100', 'all queries loaded');
is($node->safe_psql('postgres', 'SELECT count(*) FROM sift_truth'),
	'100', 'all ground truth loaded');

# A query whose true neighbours have distinct distances must return them in
# order; query 0 has no ties among its first ten neighbours.
my $got = $node->safe_psql('postgres', q{
	SELECT array_agg(id ORDER BY n) FROM (
		SELECT b.id, row_number() OVER () AS n FROM (
			SELECT b.id FROM sift_base b, sift_query q WHERE q.id = 0
			ORDER BY b.embedding <-> q.embedding LIMIT 10) b) r});
my $want = $node->safe_psql('postgres',
	'SELECT ids[1:10] FROM sift_truth WHERE id = 0');
is($got, $want, 'query 0 returns its ten true neighbours in order');

# The distances agree with the published ground-truth distances.
my $maxerr = $node->safe_psql('postgres', q{
	SELECT max(abs((SELECT b.embedding <-> q.embedding FROM sift_base b
	                WHERE b.id = t.ids[1]) - t.dists[1]) / t.dists[1])
	FROM sift_query q JOIN sift_truth t USING (id)});
cmp_ok($maxerr, '<', 1e-5, 'nearest distances match the ground truth');

$node->stop;
done_testing();
