# hnsw filter columns (a multicolumn index) through a crash and on a
# streaming standby.  A stream of inserts and updates of the filter column
# is cut by SIGKILL of the inserting backend; after WAL replay
# milvus_index_check (which compares the stored filter values with the
# rows') is clean, and every committed row is found through the index with
# its own filter value as the index condition.  The standby, fed by WAL
# only (build, inserts, updates, deletes, VACUUM), is clean too and answers
# filtered queries as the primary does.  (The routine is shared with
# 034_ivf_filter_crash_standby.pl.)
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

MilvusTest::filter_crash_and_standby(
	name => 'hnsw',
	index => 't_hnsw',
	crash_using => 'hnsw (v vector_l2_ops, cat, tag)',
	standby_using => 'hnsw (v vector_l2_ops, cat, tag)',
	settings => 'SET hnsw.ef_search = 100;');

done_testing();
