# ivfflat and ivf filter columns (multicolumn indexes) through a crash and
# on a streaming standby, as 014_hnsw_filter_crash_standby.pl for hnsw.  A
# stream of inserts and updates of the filter column into an ivfflat index
# is cut by SIGKILL of the inserting backend; after WAL replay
# milvus_index_check (which compares the stored filter values with the
# rows') is clean, and every committed row is found through the index with
# its own filter value as the index condition.  The standby, fed by WAL
# only (build, inserts, updates, deletes, VACUUM of an ivf sq8 index), is
# clean too and answers filtered queries as the primary does.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::RealBin/../perl";
use MilvusTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

MilvusTest::filter_crash_and_standby(
	name => 'ivf',
	index => 't_ivf',
	crash_using => 'ivfflat (v vector_l2_ops, cat, tag) WITH (lists = 8)',
	standby_using => q{ivf (v vector_l2_ops, cat, tag) WITH (lists = 8, quantizer = 'sq8')},
	settings => q{SET ivfflat.probes = 8;
		SET ivf.probes = 8;
		SET ivf.rerank = 100000;},
	query_settings => 'SET ivf.probes = 2;');

done_testing();
