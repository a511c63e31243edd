#!/usr/bin/env bash
# test/cluster/cluster.sh: a throwaway topology of local PostgreSQL servers
# on loopback ports under one directory, for the sharding benchmark and for
# trying sharding or a hot standby by hand.
#
#   cluster.sh shards DIR N   start N servers: node0 is the coordinator,
#                             node1 .. node<N-1> the shards; install milvus
#                             on all, postgres_fdw on node0 with one foreign
#                             server "shard<i>" per shard (extensions
#                             'milvus', async_capable 'true') and a user
#                             mapping for "postgres"
#   cluster.sh standby DIR    start node0 as a primary and node1 as its
#                             streaming hot standby (pg_basebackup -R)
#   cluster.sh ports DIR      print "node<i> <port>" per line
#   cluster.sh stop DIR       stop every server and remove DIR
#
# Servers listen on 127.0.0.1 only, superuser "postgres", trust auth; run
# as the unprivileged run user when called as root (scripts/common.sh).
# The extension must be installed in the PostgreSQL of $PG_CONFIG.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

BINDIR=$($PG_CONFIG --bindir)

# sql PORT SQL: run SQL on the server at PORT, stop at the first error.
sql() {
	as_user "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" \
		-U postgres -d postgres -c "$2"
}

# start_node DIR I: initdb and start node<I>, record its port.
start_node() {
	local dir=$1 i=$2 port
	port=$(mv_free_port)
	mv_pg_start "$dir/node$i" "$port"
	echo "node$i $port" >>"$dir/ports"
	echo "$port"
}

port_of() {
	awk -v n="node$2" '$1 == n {print $2}' "$1/ports"
}

new_dir() {
	local dir=$1
	[ ! -e "$dir/ports" ] || die "$dir already holds a cluster (cluster.sh stop $dir)"
	mv_ensure_run_user
	mkdir -p "$dir"
	is_root && chown "$(mv_run_user):" "$dir"
	: >"$dir/ports"
}

cmd_shards() {
	local dir=$1 n=$2 coord port i
	[ "$n" -ge 2 ] || die "a sharded cluster needs at least 2 servers"
	new_dir "$dir"
	for ((i = 0; i < n; i++)); do
		port=$(start_node "$dir" "$i")
		sql "$port" "CREATE EXTENSION milvus"
	done
	coord=$(port_of "$dir" 0)
	sql "$coord" "CREATE EXTENSION postgres_fdw"
	for ((i = 1; i < n; i++)); do
		port=$(port_of "$dir" "$i")
		sql "$coord" "CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
			OPTIONS (host '127.0.0.1', port '$port', dbname 'postgres',
					 extensions 'milvus', async_capable 'true');
			CREATE USER MAPPING FOR postgres SERVER shard$i
			OPTIONS (user 'postgres')"
	done
	log "coordinator on port $coord, $((n - 1)) shards: shard1 .. shard$((n - 1))"
}

cmd_standby() {
	local dir=$1 primary port
	new_dir "$dir"
	primary=$(start_node "$dir" 0)
	sql "$primary" "CREATE EXTENSION milvus"
	port=$(mv_free_port)
	as_user "$BINDIR/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres \
		-D "$dir/node1" -R -X stream -c fast >/dev/null
	as_user chmod 700 "$dir/node1"
	mv_pg_start "$dir/node1" "$port"
	echo "node1 $port" >>"$dir/ports"
	log "primary on port $primary, hot standby on port $port"
}

cmd_stop() {
	local dir=$1 d
	[ -d "$dir" ] || return 0
	for d in "$dir"/node*; do
		[ -d "$d" ] && mv_pg_stop "$d"
	done
	rm -rf "$dir"
}

case "${1:-}" in
shards) [ $# -eq 3 ] || die "usage: $0 shards DIR N"; cmd_shards "$2" "$3" ;;
standby) [ $# -eq 2 ] || die "usage: $0 standby DIR"; cmd_standby "$2" ;;
ports) [ $# -eq 2 ] || die "usage: $0 ports DIR"; cat "$2/ports" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
*) die "usage: $0 shards DIR N | standby DIR | ports DIR | stop DIR" ;;
esac
