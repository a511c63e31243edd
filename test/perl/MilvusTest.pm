# test/perl/MilvusTest.pm: the routines the crash, standby and concurrency
# TAP tests share, for every access method: a crash in the middle of a
# stream of inserts and the restart that replays the WAL, a primary with a
# streaming standby, a bounded pgbench run of inserts, deletes, searches and
# VACUUM, and the checks that follow each (milvus_index_check, every row
# found through the index, the standby answering as the primary); also the
# cancellation of a background build (the progress tests) and the crash
# and standby test of filter columns (014, 034).
#
#   use FindBin;
#   use lib "$FindBin::RealBin/../perl";
#   use MilvusTest;
#   my @committed = MilvusTest::crash_during_inserts($node,
#       sql => sub { "INSERT INTO t VALUES ($_[0], ...) RETURNING id;" },
#       from => 2001, to => 20000, min => 500);
#
# Each routine's assertions are the ones the tests made before they moved
# here, with the same names.  The last section serves the tests of the
# Prometheus endpoint (070, 071, 072): a node that preloads milvus, a
# credentials file, a scrape with curl and a wait for the endpoint.
package MilvusTest;

use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# new_node(NAME): a started node with milvus created in database postgres.
sub new_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION milvus');
	return $node;
}

# index_check_is_clean(NODE, INDEX, NAME): one assertion that
# milvus_index_check finds nothing; on failure the problems are shown.
sub index_check_is_clean
{
	my ($node, $index, $name) = @_;
	return 1 if is($node->safe_psql('postgres',
			qq{SELECT count(*) FROM milvus_index_check('$index')}),
		'0', $name);
	diag($node->safe_psql('postgres',
		qq{SELECT * FROM milvus_index_check('$index')}));
	return 0;
}

# rows_not_found(NODE, TABLE, SETTINGS, WHERE): how many rows of TABLE
# (those satisfying WHERE, when given) are not among their own three
# nearest neighbours found through the index (with enable_seqscan off and
# the SET commands in SETTINGS).  Each row is at distance 0 from itself.
sub rows_not_found
{
	my ($node, $table, $settings, $where) = @_;
	$settings //= '';
	$where = defined $where ? "$where AND" : '';
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		$settings
		SELECT count(*) FROM $table a
		WHERE $where NOT EXISTS (
			SELECT 1 FROM (SELECT b.id FROM $table b ORDER BY b.v <-> a.v LIMIT 3) s
			WHERE s.id = a.id)});
}

# nearest_id(NODE, TABLE, COLUMN, VECTOR): the id of the row of TABLE
# nearest to the vector literal VECTOR by L2 distance, through an index
# (enable_seqscan off).
sub nearest_id
{
	my ($node, $table, $column, $vector) = @_;
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SELECT id FROM $table ORDER BY $column <-> '$vector' LIMIT 1});
}

# uses_index(NODE, QUERY, INDEX, NAME): one assertion that QUERY's plan
# (with enable_seqscan off) scans INDEX.
sub uses_index
{
	my ($node, $query, $index, $name) = @_;
	like($node->safe_psql('postgres', qq{
			SET enable_seqscan = off;
			EXPLAIN (COSTS OFF) $query}),
		qr/Index Scan using $index/, $name);
	return;
}

# restart_after_crash(NODE): after a server process was killed, wait for
# the postmaster to end every process and exit (the test clusters run with
# restart_after_crash = off), then start it again, which replays the WAL
# from the last checkpoint.  Two assertions.  (The postmaster itself is not
# killed: in containers whose init does not reap orphans, its zombie
# blocks the restart.)
sub restart_after_crash
{
	my ($node) = @_;
	my $pidfile = $node->data_dir . '/postmaster.pid';
	for (my $i = 0; -e $pidfile && $i < 300; $i++)
	{
		select(undef, undef, undef, 0.1);
	}
	ok(!-e $pidfile, 'the server went down after the crash');
	# the node object still holds the old pid: a stop that fails (there is
	# no server) makes it read the pid file again and forget it
	$node->stop('immediate', fail_ok => 1);
	$node->start;
	ok($node->log_contains('automatic recovery in progress'),
		'the restart replayed the WAL');
	return;
}

# crash_during_inserts(NODE, sql => SUB, from => N, to => M, min => K,
# tries => T): run a stream of single-row transactions, SUB->(id) for id
# FROM .. TO, each printing its id once committed (RETURNING id); once K
# have committed (polled T times at most, 50 ms apart), kill the server
# process running them with SIGKILL and restart the server
# (restart_after_crash).  Returns the committed ids.  Four assertions.
sub crash_during_inserts
{
	my ($node, %args) = @_;
	my $min = $args{min} // 500;
	my $tries = $args{tries} // 600;
	my $script = join('', map { $args{sql}->($_) . "\n" } $args{from} .. $args{to});
	my ($in, $out, $err) = ($script, '', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=0', '-d',
			$node->connstr('postgres') . ' application_name=inserter' ],
		'<', \$in, '>', \$out, '2>', \$err);

	# wait until a good number of inserts committed, then crash
	for (my $i = 0; ($out =~ tr/\n//) < $min && $i < $tries; $i++)
	{
		$h->pump_nb;
		select(undef, undef, undef, 0.05);
	}
	my $victim = $node->safe_psql('postgres',
		q{SELECT pid FROM pg_stat_activity WHERE application_name = 'inserter'});
	ok(kill('KILL', $victim), 'the inserting server process was killed');
	{
		local $SIG{PIPE} = 'IGNORE';
		eval { $h->finish; };
	}
	my @committed = grep { /^\d+$/ } split /\n/, $out;
	cmp_ok(scalar(@committed), '>=', $min,
		'inserts were committed before the crash');
	restart_after_crash($node);
	return @committed;
}

# crash_during_row_inserts(NODE, INDEX): crash_during_inserts of rows 2001
# .. 30000 (at least 500 committed) into table t (id int, v vector(8)),
# then the checks after it: INDEX's check is clean and every committed row
# is in t.  Returns the committed ids.  Six assertions.
sub crash_during_row_inserts
{
	my ($node, $index) = @_;
	my @committed = crash_during_inserts($node,
		sql => sub {
			"INSERT INTO t VALUES ($_[0], ARRAY[$_[0] % 5, $_[0] % 3, 1, 2, 3, $_[0] % 7, 0, $_[0] % 2]::vector) RETURNING id;"
		},
		from => 2001, to => 30000, min => 500);
	index_check_is_clean($node, $index,
		'index check is clean after crash recovery');
	committed_rows_survived($node, 't', \@committed,
		'every committed row survived');
	return @committed;
}

# append_zero_page(NODE, INDEX): stop the node, append an all-zero page to
# INDEX's file (what an insert that extended the index and crashed before
# its WAL record leaves behind) and start the node again.
sub append_zero_page
{
	my ($node, $index) = @_;
	my $path = $node->data_dir . '/' . $node->safe_psql('postgres',
		qq{SELECT pg_relation_filepath('$index')});
	$node->stop;
	open(my $fh, '>>', $path) or die "could not open $path: $!";
	binmode $fh;
	print $fh "\0" x 8192;
	close $fh;
	$node->start;
	return;
}

# committed_rows_survived(NODE, TABLE, COMMITTED, NAME): one assertion that
# every id in the array COMMITTED is in TABLE.
sub committed_rows_survived
{
	my ($node, $table, $committed, $name) = @_;
	is($node->safe_psql('postgres',
			"SELECT count(*) FROM $table WHERE id IN (" . join(',', @$committed) . ")"),
		scalar(@$committed), $name);
	return;
}

# primary_and_standby(PRIMARY, STANDBY): a started primary that allows
# streaming, and a started streaming hot standby of it (start_standby).
sub primary_and_standby
{
	my ($pname, $sname) = @_;
	my $primary = PostgreSQL::Test::Cluster->new($pname);
	$primary->init(allows_streaming => 1);
	$primary->start;
	return ($primary, start_standby($primary, $sname));
}

# start_standby(PRIMARY, NAME): take a base backup of PRIMARY (which must
# allow streaming) and start a streaming hot standby from it.
sub start_standby
{
	my ($primary, $name) = @_;
	$primary->backup('base');
	my $standby = PostgreSQL::Test::Cluster->new($name);
	$standby->init_from_backup($primary, 'base', has_streaming => 1);
	$standby->start;
	return $standby;
}

# standby_answers_the_same(PRIMARY, STANDBY, QUERIES): two assertions: the
# primary answers QUERIES with something, and the standby with the same.
sub standby_answers_the_same
{
	my ($primary, $standby, $queries) = @_;
	my $on_primary = $primary->safe_psql('postgres', $queries);
	my $on_standby = $standby->safe_psql('postgres', $queries);
	ok(length($on_primary) > 0, 'primary answers');
	is($on_standby, $on_primary,
		'standby answers the same queries with the same results');
	return;
}

# standby_three_indexes(am => AM, with => [V, H, B], exact => SQL,
# promoted_sql => SQL): a primary and a streaming hot standby; on the
# primary, table t (id, v vector(16), h halfvec(16), b bit(64)) with three
# indexes of access method AM, t_AM on v (l2), t_AM_cos on h (cosine) and
# t_AM_bit on b (hamming), each with the WITH clause given (V, H, B), built
# over rows, then more inserts, deletes, VACUUM and inserts, all reaching
# the standby through WAL only.  Checks: the three index checks, on both;
# the standby answers the same searches as the primary; on the standby the
# three indexes give the sequential scan's distances (with the SET
# commands in EXACT); the standby uses t_AM; a new row is found on it; once
# promoted, the three index checks are clean and a row it inserts (with the
# SQL in PROMOTED_SQL run beside it) is found.  Returns the promoted
# standby, still running.  Sixteen assertions.
sub standby_three_indexes
{
	my (%a) = @_;
	my $am = $a{am};
	my @with = map { $_ // '' } @{ $a{with} // [] }[ 0 .. 2 ];
	my @indexes = ("t_$am", "t_${am}_cos", "t_${am}_bit");
	my ($primary, $standby) = primary_and_standby("${am}_primary", "${am}_standby");
	my $rows = sub {
		my ($mult, $from, $to) = @_;
		return qq{INSERT INTO t SELECT i, x::vector, x::halfvec, (i * $mult)::bit(64)
			FROM (SELECT i, (SELECT array_agg(round(random() * 20)) FROM generate_series(1, 16) WHERE i > 0) x
				  FROM generate_series($from, $to) i) s;};
	};

	# everything below reaches the standby only through WAL replay
	$primary->safe_psql('postgres', q{
		CREATE EXTENSION milvus;
		CREATE TABLE t (id int PRIMARY KEY, v vector(16), h halfvec(16), b bit(64));
		SELECT setseed(0.25);
	} . $rows->(2654435761, 1, 3000) . qq{
		CREATE INDEX $indexes[0] ON t USING $am (v vector_l2_ops) $with[0];
		CREATE INDEX $indexes[1] ON t USING $am (h halfvec_cosine_ops) $with[1];
		CREATE INDEX $indexes[2] ON t USING $am (b bit_hamming_ops) $with[2];
	} . $rows->(40503, 3001, 4000) . q{
		DELETE FROM t WHERE id % 7 = 0;
		VACUUM t;
	} . $rows->(97, 4001, 4300));
	$primary->wait_for_catchup($standby, 'replay');

	for my $idx (@indexes)
	{
		index_check_is_clean($primary, $idx,
			"$idx: primary index check is clean");
		index_check_is_clean($standby, $idx,
			"$idx: the replayed index check is clean on the standby");
	}

	# the searches (approximate for some access methods, but the same on both)
	standby_answers_the_same($primary, $standby, q{
		SET enable_seqscan = off;
		SELECT q.id, (SELECT array_agg(id) FROM (
			SELECT b.id FROM t b ORDER BY b.v <-> q.v LIMIT 10) s),
			(SELECT array_agg(id) FROM (
			SELECT b.id FROM t b ORDER BY b.h <=> q.h LIMIT 10) s),
			(SELECT array_agg(id) FROM (
			SELECT b.id FROM t b ORDER BY b.b <~> q.b LIMIT 10) s)
		FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
	});

	# the distances (ties may order ids either way in a sequential scan)
	my $distances = q{
		SELECT q.id, (SELECT array_agg(d) FROM (
			SELECT b.v <-> q.v AS d FROM t b ORDER BY b.v <-> q.v LIMIT 10) s),
			(SELECT array_agg(d) FROM (
			SELECT b.h <=> q.h AS d FROM t b ORDER BY b.h <=> q.h LIMIT 10) s),
			(SELECT array_agg(d) FROM (
			SELECT b.b <~> q.b AS d FROM t b ORDER BY b.b <~> q.b LIMIT 10) s)
		FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
	};
	my $exact = $a{exact} // '';
	my $plan_d = $standby->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $distances");
	is(scalar(() = $plan_d =~ /Index Scan using t_$am/g), 3, 'the standby scans the three indexes');
	is($standby->safe_psql('postgres', "SET enable_seqscan = off; $exact $distances"),
		$primary->safe_psql('postgres', "SET enable_indexscan = off; $distances"),
		'and finds the sequential scan distances');

	uses_index($standby,
		q{SELECT id FROM t ORDER BY v <-> (SELECT v FROM t LIMIT 1) LIMIT 5},
		$indexes[0], 'the standby uses the index');

	$primary->safe_psql('postgres', q{INSERT INTO t (id, v) VALUES (9999, '[50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]')});
	$primary->wait_for_catchup($standby, 'replay');
	is(nearest_id($standby, 't', 'v',
			'[50,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]'),
		'9999', 'a new row is found on the standby');

	# and again once the standby is promoted
	$primary->stop;
	$standby->promote;
	for my $idx (@indexes)
	{
		index_check_is_clean($standby, $idx,
			"$idx: the replayed index check is clean after promotion");
	}
	$standby->safe_psql('postgres',
		q{INSERT INTO t (id, v) VALUES (10000, '[60,60,60,60,60,60,60,60,60,60,60,60,60,60,60,60]');}
		  . ($a{promoted_sql} // ''));
	is(nearest_id($standby, 't', 'v',
			'[60,60,60,60,60,60,60,60,60,60,60,60,60,60,60,60]'),
		'10000', 'the promoted standby inserts into the replayed index');
	return $standby;
}

# concurrent_churn(NODE, DELETE_WEIGHT): pgbench with four clients for
# eight seconds over table t (id bigserial, v vector(8)): inserts (weight
# 5), deletes of a random id (DELETE_WEIGHT, 1 by default), searches through
# the index (4) and VACUUM (1).  pgbench's own assertions: it exits 0, has
# processed transactions and writes nothing to stderr.
sub concurrent_churn
{
	my ($node, $delete_weight) = @_;
	$delete_weight //= 1;
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
			"002_delete\@$delete_weight" => q{
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
	return;
}

# churn_keeps_index_order(NODE, INDEX, EXACT): concurrent_churn (delete
# weight 2) over table t, then: INDEX's check is clean, it serves the
# whole order of t by distance to one vector, and that order (with the SET
# commands in EXACT) is the sequential scan's (ties broken by heap TID, as
# the index does); after a final VACUUM the check is clean again.  Eight
# assertions.
sub churn_keeps_index_order
{
	my ($node, $index, $exact) = @_;
	$exact //= '';
	concurrent_churn($node, 2);

	index_check_is_clean($node, $index,
		'index check is clean after the concurrent run');

	my $q = q{SELECT array_agg(id) FROM (SELECT id FROM t ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]'};
	like($node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN $q) s"),
		qr/Index Scan using $index/, 'the index serves the full order');
	my $by_index = $node->safe_psql('postgres', "SET enable_seqscan = off; $exact $q) s");
	my $by_seq = $node->safe_psql('postgres', "SET enable_indexscan = off; $q, ctid) s");
	ok(length($by_seq) > 0, 'the table has rows');
	is($by_index, $by_seq, 'the index returns every live row in the sequential scan order');

	$node->safe_psql('postgres', 'VACUUM t');
	index_check_is_clean($node, $index,
		'index check is clean after a final vacuum');
	return;
}

# cancel_build(NODE, HANDLE, ERR, USING): cancel the CREATE INDEX t_slow
# running in the background (IPC::Run HANDLE, its stderr in the scalar ERR
# refers to; psql with application_name=builder), check it reports the
# cancellation and leaves no index, then build t_fast ON t USING USING and
# check it is clean.  Four assertions.
sub cancel_build
{
	my ($node, $h, $err, $using) = @_;
	ok($node->safe_psql('postgres', q{
		SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'builder'}) eq 't',
		'the build is cancelled');
	$h->finish;
	like($$err, qr/canceling statement due to user request/, 'the build reports the cancellation');
	is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname = 't_slow'}),
		'0', 'no index is left behind');

	$node->safe_psql('postgres', "CREATE INDEX t_fast ON t USING $using");
	is($node->safe_psql('postgres', q{SELECT count(*) FROM milvus_index_check('t_fast')}),
		'0', 'a build after the cancelled one is clean');
	return;
}

# ---- filter columns through a crash and on a standby ------------------------

# filter_rows_not_found(NODE, SETTINGS, WHERE): how many rows of table t
# (id, v, cat, ...) satisfying WHERE are not among their own three nearest
# neighbours found through the index with their own filter value (cat =
# a.cat) as the index condition, with the SET commands in SETTINGS.
sub filter_rows_not_found
{
	my ($node, $settings, $where) = @_;
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET enable_bitmapscan = off;
		$settings
		SELECT count(*) FROM t a WHERE $where AND NOT EXISTS (
			SELECT 1 FROM (SELECT b.id FROM t b WHERE b.cat = a.cat
				ORDER BY b.v <-> a.v LIMIT 3) s WHERE s.id = a.id)});
}

# filter_rows_sql(FROM, TO): the INSERT of rows FROM .. TO into table t
# (id, v vector(8), cat, tag): random vectors, cat = id % 20, tag 't0'..'t2'.
sub filter_rows_sql
{
	my ($from, $to) = @_;
	return qq{INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector,
		i % 20, 't' || (i % 3)
		FROM generate_series($from, $to) i;};
}

# filter_crash_and_standby(name => NAME, index => INDEX, crash_using =>
# USING, standby_using => USING, settings => SQL, query_settings => SQL):
# a multicolumn index INDEX on t (v vector_l2_ops, cat, tag), built
# "USING crash_using" on a node whose stream of inserts (each with an
# update of an older row's filter column) is cut by SIGKILL; after WAL
# replay the index check is clean and every committed row and update is
# found (through the index with its filter value, under SETTINGS).  Then
# built "USING standby_using" on a primary with a streaming standby, fed
# inserts, updates, deletes and VACUUM: both indexes are clean, the standby
# finds every row with its filter value and answers filtered queries (under
# QUERY_SETTINGS) as the primary does.  Fourteen assertions.
sub filter_crash_and_standby
{
	my (%a) = @_;
	my ($index, $settings) = ($a{index}, $a{settings} // '');
	my $create = "CREATE INDEX $index ON t USING ";

	my $node = new_node("$a{name}_filter_crash");
	$node->safe_psql('postgres', q{
		CREATE TABLE t (id int PRIMARY KEY, v vector(8), cat int, tag text);
		SELECT setseed(0.5);
	} . filter_rows_sql(1, 2000) . "$create $a{crash_using};");
	uses_index($node, q{SELECT id FROM t WHERE cat = 3
		ORDER BY v <-> (SELECT v FROM t LIMIT 1) LIMIT 5},
		$index, 'a filtered query uses the multicolumn index');

	# inserts, each with an update of an older row's filter column, in one
	# statement (its id is printed once it committed)
	my @committed = crash_during_inserts($node,
		sql => sub {
			my $i = $_[0];
			"WITH u AS (UPDATE t SET cat = cat + 100 WHERE id = $i - 2000)"
			  . " INSERT INTO t SELECT $i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE $i > 0)::vector,"
			  . " $i % 20, 't' || ($i % 3) RETURNING id;"
		},
		from => 2001, to => 20000, min => 300);

	index_check_is_clean($node, $index,
		'index check (filter values included) is clean after crash recovery');
	is(filter_rows_not_found($node, $settings, "a.id <= $committed[-1]"), '0',
		'every committed row is found with its filter value as index condition');
	committed_rows_survived($node, 't', \@committed,
		'every committed row survived');
	is($node->safe_psql('postgres',
			"SELECT count(*) FROM t WHERE cat >= 100 AND id <= $committed[-1] - 2000"),
		scalar(@committed), 'every committed update survived');
	$node->stop;

	# the standby
	my ($primary, $standby) = primary_and_standby("$a{name}_filter_primary",
		"$a{name}_filter_standby");
	$primary->safe_psql('postgres', q{
		CREATE EXTENSION milvus;
		CREATE TABLE t (id int PRIMARY KEY, v vector(8), cat int, tag text);
		SELECT setseed(0.25);
	} . filter_rows_sql(1, 3000) . "$create $a{standby_using};"
	  . filter_rows_sql(3001, 4000) . q{
		UPDATE t SET cat = cat + 100, tag = 'u' WHERE id % 5 = 0;
		DELETE FROM t WHERE id % 7 = 0;
		VACUUM t;
	});
	$primary->wait_for_catchup($standby, 'replay');

	index_check_is_clean($primary, $index, 'primary index is clean');
	index_check_is_clean($standby, $index,
		'the replayed index is clean, checked on the standby');
	is(filter_rows_not_found($standby, $settings, 'true'), '0',
		'the standby finds every row with its filter value');

	standby_answers_the_same($primary, $standby, q{
		SET enable_seqscan = off;
	} . ($a{query_settings} // '') . q{
		SELECT q.id, (SELECT array_agg(id) FROM (
			SELECT b.id FROM t b WHERE b.cat < 5 ORDER BY b.v <-> q.v LIMIT 10) s),
			(SELECT array_agg(id) FROM (
			SELECT b.id FROM t b WHERE b.tag = 'u' AND b.cat > 110
			ORDER BY b.v <-> q.v LIMIT 10) s)
		FROM t q WHERE q.id % 100 = 1 ORDER BY q.id;
	});

	$standby->stop;
	$primary->stop;
	return;
}

# ---- the metrics endpoint ---------------------------------------------------

# metrics_node(NAME, SETTINGS): a started node that preloads milvus, with
# one worker thread, the endpoint's text rendered at most every 100 ms
# (milvus.metrics_refresh_interval) and the postgresql.conf lines SETTINGS
# (milvus.metrics_port, milvus.metrics_auth_file, ...).
sub metrics_node
{
	my ($name, $settings) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'milvus'
milvus.worker_threads = 1
milvus.metrics_refresh_interval = 100
} . ($settings // ''));
	$node->start;
	return $node;
}

# write_auth_file(PATH, TEXT, MODE): write a milvus.metrics_auth_file with
# TEXT ("user:password" lines), mode MODE (0600, what the endpoint accepts,
# unless given).
sub write_auth_file
{
	my ($path, $text, $mode) = @_;
	open(my $fh, '>', $path) or die "cannot write $path: $!";
	print $fh $text;
	close $fh;
	chmod $mode // 0600, $path;
	return;
}

# scrape(URL, CURL_OPTIONS): one request with curl (-u USER:PASSWORD among
# the options for credentials): (exit code, body, HTTP status, content type,
# response headers).
sub scrape
{
	my ($url, @opts) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(
		[ 'curl', '-s', '-m', '10', '-D', '/dev/stderr', @opts,
			'-w', '\n%{http_code} %{content_type}', $url ],
		'>', \$out, '2>', \$err);
	my $rc = $? >> 8;
	my ($body, $status, $type) = ('', 0, '');
	($body, $status, $type) = ($1, $2, $3)
	  if $out =~ /\A(.*)\n(\d{3}) ?(.*)\z/s;
	return ($rc, $body, $status, $type, $err);
}

# wait_endpoint(URL, WANT_DOWN): whether URL accepts connections within
# 10 s (or, with WANT_DOWN, stops accepting them); any HTTP status counts.
sub wait_endpoint
{
	my ($url, $want_down) = @_;
	for (1 .. 100)
	{
		my ($rc) = scrape($url);
		return 1 if ($want_down ? $rc != 0 : $rc == 0);
		select(undef, undef, undef, 0.1);
	}
	return 0;
}

1;
