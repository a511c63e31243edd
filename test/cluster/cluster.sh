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
#   cluster.sh pgpool DIR [SETTING ...]
#                             start node0 as a primary, node1 and node2 as
#                             its hot standbys (cluster_name node<i>, the
#                             application_name pgpool matches), and pgpool-II
#                             on port "pgpool" with scripts/pgpool/
#                             pgpool.conf.sample, its failover scripts, and
#                             the ports, pid, socket and log paths of DIR
#                             and the SETTINGs (pgpool.conf lines) appended
#                             (DIR/pgpool.conf, DIR/pgpool.log)
#   cluster.sh node-stop DIR node<i> [MODE]
#   cluster.sh node-start DIR node<i>
#                             stop (pg_ctl -m MODE, fast by default) or start
#                             again one server of DIR, on its port
#   cluster.sh ports DIR      print "node<i> <port>" per line (and "pgpool
#                             <port>")
#   cluster.sh stop DIR       stop pgpool and every server and remove DIR
#
# Servers listen on 127.0.0.1 only, superuser "postgres", trust auth; run
# as the unprivileged run user when called as root (scripts/common.sh).
# The extension must be installed in the PostgreSQL of $PG_CONFIG; pgpool
# (Debian: pgpool2) is looked for on PATH and in /usr/sbin.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

BINDIR=$($PG_CONFIG --bindir)

# sql PORT SQL: run SQL on the server at PORT, stop at the first error.
sql() {
	as_user "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" \
		-U postgres -d postgres -c "$2"
}

# start_node DIR I [SETTING ...]: initdb and start node<I> (mv_pg_start
# with the SETTINGs), record its port.
start_node() {
	local dir=$1 i=$2 port
	shift 2
	port=$(mv_free_port)
	mv_pg_start "$dir/node$i" "$port" "$@"
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

# add_standby DIR I PRIMARY_PORT: a streaming hot standby node<I> of the
# server on PRIMARY_PORT, with cluster_name node<I>, and application_name
# node<I> in primary_conninfo (pgpool matches it in pg_stat_replication; a
# PGAPPNAME in the environment would override cluster_name there).
add_standby() {
	local dir=$1 i=$2 primary=$3 port
	port=$(mv_free_port)
	as_user "$BINDIR/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres \
		-D "$dir/node$i" -R -X stream -c fast >/dev/null
	as_user chmod 700 "$dir/node$i"
	echo "primary_conninfo = 'host=127.0.0.1 port=$primary user=postgres application_name=node$i'" |
		as_user tee -a "$dir/node$i/postgresql.auto.conf" >/dev/null
	mv_pg_start "$dir/node$i" "$port" "cluster_name = 'node$i'"
	echo "node$i $port" >>"$dir/ports"
	echo "$port"
}

pgpool_bin() {
	PATH=$PATH:/usr/sbin command -v pgpool || die "pgpool not found (apt-get install pgpool2)"
}

# pgpool_conf DIR PGPOOL_PORT [SETTING ...]: DIR/pgpool.conf: the shipped
# sample, then what is local to DIR (later lines win): the backends, ports,
# the directories of pid, sockets and status, the failover scripts; then
# the SETTINGs.
pgpool_conf() {
	local dir=$1 port=$2 sock i p
	shift 2
	sock=$(cat "$dir/sockdir")
	{
		cat "$MV_ROOT/scripts/pgpool/pgpool.conf.sample"
		printf '\n# ---- cluster.sh: local to %s\n' "$dir"
		for i in 0 1 2; do
			p=$(port_of "$dir" "$i")
			printf "backend_hostname%d = '127.0.0.1'\nbackend_port%d = %d\n" "$i" "$i" "$p"
			printf "backend_data_directory%d = '%s'\n" "$i" "$dir/node$i"
		done
		printf "listen_addresses = '127.0.0.1'\nport = %d\n" "$port"
		printf "socket_dir = '%s'\npcp_socket_dir = '%s'\n" "$sock" "$sock"
		# no TCP for PCP: only a socket in the private directory
		printf "pcp_listen_addresses = ''\npcp_port = %d\n" $((port + 1))
		printf "wd_ipc_socket_dir = '%s'\n" "$sock"
		printf "pid_file_name = '%s'\nlogdir = '%s'\n" "$dir/pgpool.pid" "$dir"
		printf "failover_command = '%s %%d %%h %%p %%D %%m %%H %%M %%P %%r %%R'\n" \
			"$MV_ROOT/scripts/pgpool/failover.sh"
		printf "follow_primary_command = '%s %%d %%h %%p %%D %%m %%H %%r'\n" \
			"$MV_ROOT/scripts/pgpool/follow_primary.sh"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} | as_user tee "$dir/pgpool.conf" >/dev/null
	as_user touch "$dir/pcp.conf" "$dir/pool_hba.conf" "$dir/pool_passwd"
}

cmd_pgpool() {
	local dir=$1 primary port pgpool i
	shift
	pgpool=$(pgpool_bin)
	new_dir "$dir"
	dir=$(cd "$dir" && pwd)		# pgpool.conf needs absolute paths
	# pgpool's unix sockets: in DIR/run, unless that path is too long for
	# a socket (107 bytes at most), then in a directory of its own in /tmp
	if [ ${#dir} -le 80 ]; then
		as_user mkdir "$dir/run"
		echo "$dir/run" >"$dir/sockdir"
	else
		as_user mktemp -d /tmp/mvpool.XXXXXX >"$dir/sockdir"
	fi
	primary=$(start_node "$dir" 0 "cluster_name = 'node0'")
	sql "$primary" "CREATE EXTENSION milvus"
	add_standby "$dir" 1 "$primary" >/dev/null
	add_standby "$dir" 2 "$primary" >/dev/null
	port=$(mv_free_port)
	pgpool_conf "$dir" "$port" "$@"
	# -n: stay in the foreground (its log on stderr), detached from us;
	# -D: forget node states of a previous run
	as_user env PG_BINDIR="$BINDIR" PATH="$BINDIR:$PATH" setsid "$pgpool" -n -D \
		-f "$dir/pgpool.conf" -F "$dir/pcp.conf" -a "$dir/pool_hba.conf" \
		</dev/null >>"$dir/pgpool.log" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		if as_user "$BINDIR/psql" -XAtq -h 127.0.0.1 -p "$port" -U postgres \
			-d postgres -c 'SHOW POOL_NODES' 2>/dev/null | grep -q '|primary|'; then
			echo "pgpool $port" >>"$dir/ports"
			log "pgpool on port $port: primary on port $primary, standbys on ports" \
				"$(port_of "$dir" 1) and $(port_of "$dir" 2)"
			return 0
		fi
		sleep 0.2
	done
	tail -20 "$dir/pgpool.log"
	die "pgpool did not start"
}

cmd_node() {
	local what=$1 dir=$2 node=$3 mode=${4:-fast} port
	port=$(awk -v n="$node" '$1 == n {print $2}' "$dir/ports")
	if [ -z "$port" ] || [ ! -d "$dir/$node" ]; then
		die "no server $node in $dir"
	fi
	if [ "$what" = start ]; then
		mv_pg_start "$dir/$node" "$port"
	else
		as_user "$BINDIR/pg_ctl" -D "$dir/$node" -m "$mode" -w stop >/dev/null
	fi
}

cmd_stop() {
	local dir=$1 d
	[ -d "$dir" ] || return 0
	if [ -f "$dir/pgpool.conf" ]; then
		as_user "$(pgpool_bin)" -f "$dir/pgpool.conf" -m fast stop >/dev/null 2>&1 || true
		[ -f "$dir/sockdir" ] && rm -rf "$(cat "$dir/sockdir")"
	fi
	for d in "$dir"/node*; do
		[ -d "$d" ] && mv_pg_stop "$d"
	done
	rm -rf "$dir"
}

case "${1:-}" in
shards) [ $# -eq 3 ] || die "usage: $0 shards DIR N"; cmd_shards "$2" "$3" ;;
standby) [ $# -eq 2 ] || die "usage: $0 standby DIR"; cmd_standby "$2" ;;
pgpool) [ $# -ge 2 ] || die "usage: $0 pgpool DIR [SETTING ...]"; shift; cmd_pgpool "$@" ;;
node-start) [ $# -eq 3 ] || die "usage: $0 node-start DIR NODE"; cmd_node start "$2" "$3" ;;
node-stop) [ $# -ge 3 ] || die "usage: $0 node-stop DIR NODE [MODE]"; cmd_node stop "$2" "$3" "${4:-fast}" ;;
ports) [ $# -eq 2 ] || die "usage: $0 ports DIR"; cat "$2/ports" ;;
stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
*) die "usage: $0 shards DIR N | standby DIR | pgpool DIR [SETTING ...] | node-stop DIR NODE [MODE] | node-start DIR NODE | ports DIR | stop DIR" ;;
esac
