#!/bin/sh
# scripts/pgpool/failover.sh: pgpool-II's failover_command for a milvus
# primary with hot standbys (scripts/pgpool/pgpool.conf.sample):
#
#   failover_command = '.../failover.sh %d %h %p %D %m %H %M %P %r %R'
#
# pgpool runs it after detaching a server that failed.  When the failed
# server was a standby there is nothing to do: pgpool stops sending it
# searches.  When it was the primary, the new main node (the live node of
# lowest id, a standby) is promoted with pg_ctl promote; pgpool then finds
# it is the primary, sends it the writes, and runs follow_primary_command
# for the other standbys.
#
# The servers run on this host (as in test/cluster/cluster.sh), as the
# user pgpool runs as; pg_ctl is taken from $PG_BINDIR, else from
# pg_config.  For servers on other hosts, run the pg_ctl over ssh, as the
# pgpool documentation's failover.sh.sample does.  Writes a line per call
# to stdout (pgpool's log).
set -u

failed_id=$1 failed_host=$2 failed_port=$3
new_main_id=$5 new_main_host=$6 old_primary_id=$8 new_main_port=$9
new_main_data=${10}

say() { echo "failover.sh: $*"; }

if [ "$failed_id" != "$old_primary_id" ]; then
	say "standby $failed_id ($failed_host:$failed_port) detached; nothing to promote"
	exit 0
fi
if [ "$new_main_id" -lt 0 ] 2>/dev/null || [ -z "$new_main_data" ]; then
	say "primary $failed_id failed and no standby is left to promote"
	exit 1
fi
bindir=${PG_BINDIR:-$(pg_config --bindir)}
# A primary that is shutting down refuses connections before it writes its
# shutdown checkpoint and sends it to the standbys: wait (60 s at most)
# until it is gone, or the promoted standby could miss WAL that another
# standby has, which then cannot follow it.
i=0
while "$bindir/pg_isready" -q -t 2 -h "$failed_host" -p "$failed_port"; [ $? -eq 1 ] &&
	[ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
say "primary $failed_id ($failed_host:$failed_port) failed;" \
	"promoting node $new_main_id ($new_main_host:$new_main_port, $new_main_data)"
if ! "$bindir/pg_ctl" -D "$new_main_data" -w -t 60 promote; then
	say "pg_ctl promote of node $new_main_id failed"
	exit 1
fi
say "node $new_main_id is the primary"
