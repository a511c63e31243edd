# Upgrade paths: every version of the extension that has a script must
# reach default_version through the upgrade scripts (sql/milvus--A--B.sql),
# and ALTER EXTENSION milvus UPDATE from each such version must leave the
# same objects, with the same definitions, as a fresh CREATE EXTENSION.
#
# 0.1.0 is not released yet, so today the only version is the default one
# and this test checks the chain's end; every release adds a version (its
# frozen script and an upgrade script from the one before, see README
# "Upgrades"), and this test then walks every path without changes.
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../..');
my ($default) = slurp_file("$root/milvus.control") =~ /^default_version = '([^']+)'/m;
ok(defined $default, "milvus.control names default_version ($default)");

# versions with an install script, and the upgrade edges, from sql/
my (%install, %edges);
for my $f (glob "$root/sql/milvus--*.sql")
{
	my $b = basename($f, '.sql');
	if ($b =~ /^milvus--([^-]+(?:-[^-]+)*?)--(.+)$/) { push @{ $edges{$1} }, $2; }
	elsif ($b =~ /^milvus--(.+)$/) { $install{$1} = 1; }
}
ok($install{$default}, "an install script exists for $default");

# every version named anywhere reaches the default through the edges
my %versions = (%install, map { $_ => 1 } keys %edges, map { @$_ } values %edges);
for my $v (sort keys %versions)
{
	my %seen = ($v => 1);
	my @todo = ($v);
	while (my $cur = shift @todo)
	{
		for my $next (@{ $edges{$cur} // [] })
		{
			push @todo, $next unless $seen{$next}++;
		}
	}
	ok($seen{$default}, "version $v reaches $default through the upgrade scripts");
}

my $node = PostgreSQL::Test::Cluster->new('upgrade_paths');
$node->init;
$node->start;

# the server sees the same: an update path from every installed version
$node->safe_psql('postgres', 'CREATE EXTENSION milvus');
my $nopath = $node->safe_psql('postgres', qq{
	SELECT string_agg(source, ', ') FROM pg_extension_update_paths('milvus')
	WHERE target = '$default' AND path IS NULL});
is($nopath, '', "the server finds an update path to $default from every version");

# what an installation consists of: member objects and their definitions
my $objects_sql = q{
	SELECT pg_describe_object(classid, objid, objsubid) AS object,
		CASE WHEN classid = 'pg_proc'::regclass THEN
			(SELECT md5(concat_ws('/', prosrc, probin, provolatile, proparallel,
				proisstrict, pg_get_function_result(oid)))
			 FROM pg_proc WHERE oid = objid) END AS definition
	FROM pg_depend
	WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
		AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'milvus')
	ORDER BY 1, 2};
my $fresh = $node->safe_psql('postgres', $objects_sql);
cmp_ok(scalar(split /\n/, $fresh), '>', 100, 'a fresh install has its objects');

for my $v (sort keys %install)
{
	my $db = "from_$v";
	$db =~ s/\W/_/g;
	$node->safe_psql('postgres', qq{CREATE DATABASE "$db"});
	$node->safe_psql($db, qq{CREATE EXTENSION milvus VERSION '$v'});
	$node->safe_psql($db, 'ALTER EXTENSION milvus UPDATE');
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'milvus'}),
		$default, "ALTER EXTENSION milvus UPDATE from $v reaches $default");
	is($node->safe_psql($db, $objects_sql), $fresh,
		"an update from $v leaves the objects of a fresh install");
}

$node->stop;
done_testing();
