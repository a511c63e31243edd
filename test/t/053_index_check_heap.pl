# milvus_index_check reports an index tuple whose heap TID names no tuple,
# in one form for every access method (IndexCheckHeapTid in
# src/indexcheck.c): "missing heap tuple", "heap TID (block,offset) in
# <where the index holds it>".  The table's file is cut to its first page
# while the server is stopped, so every row past that page is gone from
# under the indexes.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = MilvusTest::new_node('index_check_heap');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int PRIMARY KEY, v vector(4));
	INSERT INTO t SELECT i, ARRAY[i % 7, i % 11, i % 13, 1]::vector
		FROM generate_series(1, 600) i;
	CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
	CREATE INDEX t_flat ON t USING flat (v vector_l2_ops);
	CREATE INDEX t_ivfflat ON t USING ivfflat (v vector_l2_ops) WITH (lists = 2);
	CREATE INDEX t_ivf ON t USING ivf (v vector_l2_ops) WITH (lists = 2);
	CREATE INDEX t_annoy ON t USING annoy (v vector_l2_ops) WITH (n_trees = 2);
});

my $gone = $node->safe_psql('postgres',
	q{SELECT count(*) FROM t WHERE (ctid::text::point)[0] >= 1});
cmp_ok($gone, '>', 0, 'the table has rows past its first page');
foreach my $index (qw(t_hnsw t_flat t_ivfflat t_ivf t_annoy))
{
	MilvusTest::index_check_is_clean($node, $index,
		"$index: index check is clean before the cut");
}

# cut the table's main fork to its first page
my $file = $node->data_dir . '/'
  . $node->safe_psql('postgres', q{SELECT pg_relation_filepath('t')});
$node->stop;
truncate($file, 8192) or die "could not truncate $file: $!";
$node->start;

my %where = (
	t_hnsw => qr/^heap TID \(\d+,\d+\) in block \d+$/,
	t_flat => qr/^heap TID \(\d+,\d+\) in block \d+ slot \d+$/,
	t_ivfflat => qr/^heap TID \(\d+,\d+\) in list \d+$/,
	t_ivf => qr/^heap TID \(\d+,\d+\) in list \d+$/,
	t_annoy => qr/^heap TID \(\d+,\d+\) in block \d+ slot \d+$/);
foreach my $index (qw(t_hnsw t_flat t_ivfflat t_ivf t_annoy))
{
	my @rows = split /\n/, $node->safe_psql('postgres',
		qq{SELECT problem || '|' || detail FROM milvus_index_check('$index')});
	my @missing = grep { /^missing heap tuple\|/ } @rows;
	is(scalar @missing, $gone,
		"$index: one missing heap tuple per row past the first page");
	is(scalar(grep { (split /\|/)[1] !~ $where{$index} } @missing), 0,
		"$index: each says which heap TID and where the index holds it")
	  or diag(join("\n", @missing[0 .. 2]));
	is(scalar(grep { !/^missing heap tuple\|heap TID \(([1-9]\d*),/ } @missing),
		0, "$index: only TIDs past the first page are missing");
}

$node->stop;
done_testing();
