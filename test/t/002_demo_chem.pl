# Checks the "make demo-chem" path after installation, end to end on a
# throwaway cluster: scripts/demo-chem.py loads the NCI molecules of
# rdkit-data with RDKit fingerprints, and its three searches (the 10
# molecules most similar to aspirin, a Tanimoto range search, a substructure
# search) must each agree with RDKit run over every molecule, through the
# flat indexes.
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../..');

my $node = PostgreSQL::Test::Cluster->new('demo_chem');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'milvus'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION milvus');

local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;
local $ENV{PGDATABASE} = 'postgres';
delete local $ENV{PGUSER};

my ($out, $err);
my $ok = IPC::Run::run([ '/usr/bin/python3', "$root/scripts/demo-chem.py" ],
	'>', \$out, '2>', \$err);
ok($ok, 'demo-chem.py succeeds') or diag("stderr: $err");
note($out);

like($out, qr/Loaded 4993 NCI molecules/, 'the NCI molecules are loaded');
like($out, qr/same 10, in the same order, with the same similarities: yes/,
	'the 10 molecules most similar to aspirin are RDKit\'s');
like($out, qr/molecules; RDKit finds the same set: yes/,
	'the Tanimoto range search returns RDKit\'s set');
like($out, qr/RDKit matching every molecule finds the same \d+: yes/,
	'the screened substructure search returns RDKit\'s matches');
like($out, qr/Index Scan using molecules_mfp_idx/,
	'the similarity searches use the flat index');
like($out, qr/Index Scan using molecules_pfp_idx/,
	'the substructure screen uses the flat index');
unlike($out, qr/: NO/, 'no answer differs from RDKit\'s');
is($node->safe_psql('postgres',
		'SELECT count(*) FROM molecules WHERE mfp IS NOT NULL AND pfp IS NOT NULL'),
	'4993', 'every molecule has both fingerprints');

$node->stop;
done_testing();
