#!/bin/sh
# scripts/pgpool/follow_primary.sh: pgpool-II's follow_primary_command for
# a milvus primary with hot standbys (scripts/pgpool/pgpool.conf.sample):
#
#   follow_primary_command = '.../follow_primary.sh %d %h %p %D %m %H %r'
#
# After a standby was promoted (failover.sh), pgpool detaches every other
# standby and runs this once for each.  It points the standby's WAL
# receiver at the new primary (ALTER SYSTEM SET primary_conninfo and a
# reload: PostgreSQL 13 and later restart the receiver without a restart
# of the server; recovery_target_timeline 'latest', the default, makes it
# follow the new timeline).  pgpool attaches the standby again by itself
# once the new primary's pg_stat_replication shows it streaming
# (auto_failback).  A standby that is not running is left alone.
#
# This works when the standby had not replayed past the point where the
# new primary's timeline forked off (a clean shutdown of the old primary
# sends all its WAL to every standby first); otherwise the standby has to
# be rebuilt (pg_rewind or pg_basebackup), which this script does not do.
# The standby keeps its application_name (backend_application_nameN).
# Connects as $PGUSER (default postgres) over TCP; psql from $PG_BINDIR,
# else from pg_config.
set -u

node_id=$1 node_host=$2 node_port=$3 new_primary_host=$6 new_primary_port=$7

say() { echo "follow_primary.sh: $*"; }

bindir=${PG_BINDIR:-$(pg_config --bindir)}
user=${PGUSER:-postgres}
if ! "$bindir/pg_isready" -q -h "$node_host" -p "$node_port"; then
	say "node $node_id ($node_host:$node_port) is not running; left alone"
	exit 0
fi
appname=$("$bindir/psql" -XAtq -h "$node_host" -p "$node_port" -U "$user" \
	-d postgres -c "SHOW cluster_name")
conninfo="host=$new_primary_host port=$new_primary_port user=$user application_name=${appname:-node$node_id}"
if "$bindir/psql" -XAtq -v ON_ERROR_STOP=1 -h "$node_host" -p "$node_port" \
	-U "$user" -d postgres \
	-c "ALTER SYSTEM SET primary_conninfo = '$conninfo'" \
	-c "SELECT pg_reload_conf()" >/dev/null; then
	say "node $node_id now streams from $new_primary_host:$new_primary_port"
else
	say "could not point node $node_id at the new primary"
	exit 1
fi
