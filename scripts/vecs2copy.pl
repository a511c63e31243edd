#!/usr/bin/perl
# scripts/vecs2copy.pl FILE [LIMIT]: print a texmex .fvecs/.ivecs/.bvecs
# file as COPY text rows "id<TAB>value", with 0-based ids: float vectors as
# vector literals '[1,2,3]', integer vectors as arrays '{1,2,3}'.
use strict;
use warnings;

my ($path, $limit) = @ARGV;
die "usage: $0 FILE [LIMIT]\n" unless defined $path;
my ($kind) = $path =~ /\.([fib])vecs$/ or die "$path: not a .fvecs/.ivecs/.bvecs file\n";
open(my $fh, '<:raw', $path) or die "$path: $!\n";

my ($elem, $fmt) = $kind eq 'f' ? (4, 'f<') : $kind eq 'i' ? (4, 'l<') : (1, 'C');
my ($open, $close) = $kind eq 'i' ? ('{', '}') : ('[', ']');
my $id = 0;
while (read($fh, my $head, 4) == 4)
{
	last if defined $limit && $id >= $limit;
	my $d = unpack('l<', $head);
	read($fh, my $body, $d * $elem) == $d * $elem or die "$path: truncated record $id\n";
	my @v = unpack("$fmt$d", $body);
	print $id++, "\t", $open, join(',', @v), $close, "\n";
}
