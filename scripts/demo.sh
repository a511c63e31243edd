#!/usr/bin/env bash
# scripts/demo.sh start|chem|stop: "make demo", "make demo-chem" and
# "make demo-stop".
#
# start: install missing packages, build and install the extension, start a
# throwaway cluster on a free local port (under ./tmp/demo), load the SIFT
# sample, run queries and print recall.  The cluster keeps running.
# chem: the same cluster, a database milvus_chem with the NCI molecules of
# rdkit-data and their RDKit fingerprints (scripts/demo-chem.py): the 10
# molecules most similar to aspirin, a Tanimoto range search and a
# substructure search, each beside RDKit's own answer.
set -euo pipefail
. "$(dirname "$0")/common.sh"

action=${1:-start}

demo_dir() { echo "$(mv_run_dir)/demo"; }

# Install, build, and start the demo cluster unless it runs; sets $port.
demo_cluster() {
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
}

case "$action" in
start)
	demo_cluster
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
chem)
	demo_cluster
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=milvus_chem
	PGOPTIONS='-c client_min_messages=warning' \
		psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS milvus_chem' \
		-c 'CREATE DATABASE milvus_chem'
	psql -X -q -c 'CREATE EXTENSION milvus'
	log "loading the NCI molecules with RDKit fingerprints and searching them"
	/usr/bin/python3 "$MV_ROOT/scripts/demo-chem.py"
	cat <<MSG

The demo cluster is still running.  Connect with:
    psql -h 127.0.0.1 -p $port -U postgres milvus_chem
Try (the 10 molecules most similar to molecule 1, then those holding a
benzene ring, screened by pattern fingerprint):
    SELECT id, smiles, tanimoto_similarity(mfp, q.mfp) FROM molecules,
        (SELECT mfp FROM molecules WHERE id = 1) q
    ORDER BY molecules.mfp <%> q.mfp LIMIT 10;
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
	die "usage: $0 start|chem|stop"
	;;
esac
