#!/usr/bin/env bash
# scripts/demo.sh start|stop: "make demo" and "make demo-stop".
#
# start: install missing packages, build and install the extension, start a
# throwaway cluster on a free local port (under ./tmp/demo), load the SIFT
# sample, run queries and print recall.  The cluster keeps running.
set -euo pipefail
. "$(dirname "$0")/common.sh"

action=${1:-start}

demo_dir() { echo "$(mv_run_dir)/demo"; }

case "$action" in
start)
	"$MV_ROOT/scripts/deps.sh"
	mv_build_install
	mv_ensure_run_user
	dir=$(demo_dir)
	as_user mkdir -p "$dir"
	if mv_pg_running "$dir/data" && [ -f "$dir/port" ]; then
		port=$(cat "$dir/port")
		log "demo cluster already running on port $port"
	else
		port=$(mv_free_port)
		log "starting a throwaway cluster in $dir/data on 127.0.0.1:$port"
		mv_pg_start "$dir/data" "$port"
		echo "$port" | as_user tee "$dir/port" >/dev/null
	fi
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=milvus_demo
	PGOPTIONS='-c client_min_messages=warning' \
		psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS milvus_demo' \
		-c 'CREATE DATABASE milvus_demo'
	log "loading the SIFT sample and running queries"
	"$MV_ROOT/scripts/demo-load.sh"
	cat <<MSG

The demo cluster is still running.  Connect with:
    psql -h 127.0.0.1 -p $port -U postgres milvus_demo
Try:
    SELECT id FROM sift_base
    ORDER BY embedding <-> (SELECT embedding FROM sift_query WHERE id = 0)
    LIMIT 10;
Stop it with:
    make demo-stop
MSG
	;;
stop)
	dir=$(demo_dir)
	if mv_pg_running "$dir/data"; then
		mv_pg_stop "$dir/data"
		log "demo cluster stopped (its files stay in $dir; rm -rf to remove)"
	else
		log "no demo cluster is running"
	fi
	;;
*)
	die "usage: $0 start|stop"
	;;
esac
