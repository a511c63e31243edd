# hnsw VACUUM keeps every live element reachable while it runs, not only
# once it is done.  The repair (pass 2, hnswrepair.c) used to choose each
# level-0 list that linked to a reclaimed element anew, which could drop a
# live element's only link; and the reclaimed elements took the only way
# to others with them.  Pass 2b linked those again at the end, but in
# between a search did not reach them: on the soak of test/t/052_soak.pl a
# row was not found at ef_search 1000 while autovacuum ran.  Now pass 2a
# links them before anything is unlinked, and pass 2 keeps the other
# links, so on a quiet index (no insert to strand anything meanwhile) the
# walk after the repair finds nothing to link, which VACUUM's DEBUG1 line
# says.  The rounds below insert copies of SIFT vectors through the insert
# path and delete two rows in five, as the soak does.
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../..');

my $node = PostgreSQL::Test::Cluster->new('hnsw_vacuum_reach');
$node->init;
$node->start;

my $conv = "perl $root/scripts/vecs2copy.pl $root/data/siftsmall/siftsmall_";
$node->safe_psql('postgres', qq{
	CREATE EXTENSION milvus;
	CREATE TABLE base (id int PRIMARY KEY, v vector(128));
	COPY base FROM PROGRAM '${conv}base.fvecs';
	CREATE TABLE items (id bigserial PRIMARY KEY, v vector(128) NOT NULL)
		WITH (autovacuum_enabled = false);
	INSERT INTO items (v) SELECT v FROM base WHERE id % 2 = 0;
	CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops);
});

my ($reclaimed, $before, $after) = (0, 0, 0);
for my $round (1 .. 3)
{
	$node->safe_psql('postgres', qq{
		INSERT INTO items (v) SELECT v FROM base WHERE id % 3 = $round - 1;
		DELETE FROM items WHERE id % 5 IN ($round % 5, ($round + 2) % 5)});
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		'SET client_min_messages = debug1; VACUUM items');
	is($ret, 0, "round $round: VACUUM");
	my ($r, $b4, $af) = $stderr =~ /(\d+)\ elements\ reclaimed,\ (\d+)\ elements
	  \ relinked,\ .*\ (\d+)\ elements\ relinked\ after\ the\ repair/x;
	ok(defined $af, "round $round: VACUUM reports what it relinked")
	  or diag($stderr);
	$reclaimed += $r // 0;
	$before += $b4 // 0;
	$after += $af // 0;
	is($af, 0, "round $round: nothing left to link after the repair");
	is($node->safe_psql('postgres',
			q{SELECT count(*) FROM milvus_index_check('items_hnsw')}),
		'0', "round $round: index check is clean")
	  or diag($node->safe_psql('postgres',
			q{SELECT * FROM milvus_index_check('items_hnsw') LIMIT 20}));
}
diag("hnsw vacuum reach: $reclaimed elements reclaimed, $before relinked "
	  . "before the repair, $after after it");

$node->stop;
done_testing();
