#!/usr/bin/env perl
# scripts/pgpool/write_functions.pl: print pgpool-II's write_function_list
# line for milvus, generated from the install script, so that the list in
# scripts/pgpool/pgpool.conf.sample cannot drift from the SQL.
#
#   scripts/pgpool/write_functions.pl [SQL_FILE ...]
#       (default: sql/install/*.sql of this tree)
#   scripts/pgpool/write_functions.pl --check CONF
#       exit 1, saying what differs, unless CONF holds the generated line
#   scripts/pgpool/write_functions.pl --list
#       "write NAME" or "read NAME" for each milvus function the routing
#       concerns (the VOLATILE ones), for the tests
#
# pgpool sends a SELECT to a standby only when none of the functions it
# calls is a writing function.  With write_function_list set, exactly the
# functions it names are writing; with both lists empty pgpool would treat
# every VOLATILE function as writing, which sends milvus_search (VOLATILE,
# as every function is unless marked) to the primary only.  So the list
# names:
#   - PostgreSQL's own functions that write or take locks that must be
#     taken on one server (@BUILTIN below);
#   - every VOLATILE function of the install script that is callable from
#     SQL (no "internal" argument), except those in %READ_ONLY: VOLATILE
#     functions that are known to only read (searches, checks), which may
#     run on a standby.  test/t/090_pgpool.pl calls each of those on a
#     standby directly, and each write function through pgpool.
# A new VOLATILE function is thus a write function (sent to the primary)
# until it is named in %READ_ONLY; a name in %READ_ONLY that the install
# script does not declare VOLATILE is an error.
use strict;
use warnings;

use File::Basename qw(dirname);

# PostgreSQL functions that write (sequences, notifications, a transaction
# id) or hold session state that every caller must find on the same server
# (advisory locks), as pgpool's documentation advises; regular
# expressions, anchored by pgpool.
my @BUILTIN = qw(nextval setval lastval currval pg_notify txid_current
  pg_current_xact_id pg_advisory_.* pg_try_advisory_.*);

# VOLATILE milvus functions that only read, so may run on a standby.
my %READ_ONLY = map { $_ => 1 } qw(
  milvus_collection_info
  milvus_index_check
  milvus_batch_search
  milvus_kmeans
  milvus_search
  milvus_search_sql
  milvus_search_explain
  milvus_worker_status
  milvus_stat_index_counters
  milvus_metrics
);

# functions(TEXT): a list of [name, volatility, args] for each CREATE
# FUNCTION of the SQL TEXT.
sub functions
{
	my ($text) = @_;
	my @out;

	# drop dollar-quoted bodies, then comments and string literals
	$text =~ s/(\$[A-Za-z_]*\$).*?\1/ BODY /gs;
	$text =~ s/--[^\n]*//g;
	$text =~ s/'(?:[^']|'')*'/''/g;
	for my $stmt (split /;/, $text)
	{
		next
		  unless $stmt =~
		  /\bCREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:\w+\.)?(\w+)\s*\(([^)]*)\)/is;
		my ($name, $args) = (lc $1, $2);
		my $vol = $stmt =~ /\b(IMMUTABLE|STABLE|VOLATILE)\b/i ? uc $1 : 'VOLATILE';
		push @out, [ $name, $vol, $args ];
	}
	return @out;
}

# volatility(FILES): name => volatility of the SQL-callable functions of
# the SQL FILES (VOLATILE when any overload is).
sub volatility
{
	my (@files) = @_;
	my %vol;

	for my $f (@files)
	{
		open(my $fh, '<', $f) or die "$f: $!\n";
		my $text = do { local $/; <$fh> };
		close $fh;
		for my $fn (functions($text))
		{
			my ($name, $v, $args) = @$fn;
			next if $args =~ /\binternal\b/i;    # not callable from SQL
			$vol{$name} = $v eq 'VOLATILE' || ($vol{$name} // '') eq 'VOLATILE'
			  ? 'VOLATILE' : $v;
		}
	}
	return %vol;
}

# write_line(FILES): the write_function_list line for the SQL FILES.
sub write_line
{
	my (@files) = @_;
	my %vol = volatility(@files);
	my @writes;

	for my $name (sort keys %READ_ONLY)
	{
		die "write_functions.pl: $name is in READ_ONLY but the install script "
		  . "does not declare it VOLATILE\n"
		  unless ($vol{$name} // '') eq 'VOLATILE';
	}
	@writes = grep { $vol{$_} eq 'VOLATILE' && !$READ_ONLY{$_} } sort keys %vol;
	return "write_function_list = '" . join(',', @BUILTIN, @writes) . "'\n";
}

my $root = dirname(dirname(dirname(__FILE__)));
my @sql = glob("$root/sql/install/*.sql");
if (@ARGV && $ARGV[0] eq '--list')
{
	write_line(@sql);    # dies on a stale READ_ONLY name
	my %vol = volatility(@sql);
	for my $name (sort grep { $vol{$_} eq 'VOLATILE' } keys %vol)
	{
		print $READ_ONLY{$name} ? 'read' : 'write', " $name\n";
	}
	exit 0;
}
if (@ARGV && $ARGV[0] eq '--check')
{
	my $conf = $ARGV[1] // die "usage: $0 --check CONF\n";
	my $want = write_line(@sql);
	open(my $fh, '<', $conf) or die "$conf: $!\n";
	my @have = grep { /^\s*write_function_list\s*=/ } <$fh>;
	close $fh;
	exit 0 if @have == 1 && $have[0] eq $want;
	print STDERR "$conf: write_function_list differs from the install script;\n"
	  . "run scripts/pgpool/write_functions.pl and put this line there:\n$want";
	exit 1;
}
print write_line(@ARGV ? @ARGV : @sql);
