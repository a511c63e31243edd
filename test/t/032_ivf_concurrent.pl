# ivfflat and ivf under concurrency: pgbench clients insert, delete and
# search at once for a bounded time, VACUUM runs beside them; afterwards
# the index checks are clean and every live row is found through the index.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('ivf_concurrent');
$node->init;
$node->start;

# few lists, so that concurrent inserts meet on the same tail pages
$node->safe_psql('postgres', q{
	CREATE EXTENSION milvus;
	CREATE TABLE t (id bigserial PRIMARY KEY, v vector(8));
	INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
		FROM generate_series(1, 1000) i;
	CREATE INDEX t_flat ON t USING ivfflat (v vector_l2_ops) WITH (lists = 4);
	CREATE INDEX t_sq8 ON t USING ivf (v vector_l2_ops) WITH (lists = 4, quantizer = 'sq8');
});

$node->pgbench(
	'--no-vacuum --client=4 --jobs=2 --time=8',
	0,
	[qr{processed: [1-9]}],
	[qr{^$}],
	'concurrent inserts, deletes, searches and vacuum',
	{
		'001_insert@5' => q{
			INSERT INTO t (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 8))::vector;
		},
		'002_delete@1' => q{
			DELETE FROM t WHERE id = (SELECT (random() * (SELECT max(id) FROM t))::bigint);
		},
		'003_search@4' => q{
			SET enable_seqscan = off;
			SELECT id FROM t ORDER BY v <-> (SELECT (SELECT array_agg(random()) FROM generate_series(1, 8))::vector) LIMIT 10;
		},
		'004_vacuum@1' => q{
			VACUUM t;
		},
	});

for my $idx ('t_flat', 't_sq8')
{
	is($node->safe_psql('postgres', qq{SELECT count(*) FROM milvus_index_check('$idx')}),
		'0', "$idx: index check is clean after the concurrent run")
	  or diag($node->safe_psql('postgres', qq{SELECT * FROM milvus_index_check('$idx')}));
}

# with every list probed, each live row is its own nearest neighbour
my $missing = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET ivfflat.probes = 4;
	SELECT count(*) FROM t a WHERE NOT EXISTS (
		SELECT 1 FROM (SELECT b.id FROM t b ORDER BY b.v <-> a.v LIMIT 3) s
		WHERE s.id = a.id)});
is($missing, '0', 'every live row is found through the index');
my $tuples = $node->safe_psql('postgres', q{
	VACUUM t;
	SELECT count(*) FROM t});
cmp_ok($tuples, '>', 1000, 'the table grew during the run');
for my $idx ('t_flat', 't_sq8')
{
	is($node->safe_psql('postgres', qq{SELECT count(*) FROM milvus_index_check('$idx')}),
		'0', "$idx: index check is clean after a final vacuum");
}

$node->stop;
done_testing();
