#!/usr/bin/env bash
# test/bench/stat_overhead.sh: what the per-index counters cost a search.
# One cluster, siftsmall (10,000 x 128, L2) in a table with an hnsw index;
# pgbench runs the 100 siftsmall queries (k = 10, one client) for
# STAT_SECONDS seconds with milvus preloaded (counters kept) and without
# (no counters: the MilvusStat* calls return at once), alternating
# STAT_ROUNDS times, on the same server binary, side by side in one run.
# A second pass does the same with inserts (rows copied from the base).
#
# Builds and installs the extension (STAT_SKIP_INSTALL=1 to skip), starts a
# throwaway cluster under the run dir (scripts/common.sh), and stops and
# removes it at exit.  Env: MILVUS_DATA_DIR (default <repo>/../shared/data),
# STAT_SECONDS (default 4), STAT_ROUNDS (default 7); medians are compared.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

export MILVUS_DATA_DIR=${MILVUS_DATA_DIR:-$MV_ROOT/../shared/data}
sift="$MILVUS_DATA_DIR/siftsmall"
[ -f "$sift/siftsmall_base.fvecs" ] || die "no siftsmall in $MILVUS_DATA_DIR"
seconds=${STAT_SECONDS:-4}
rounds=${STAT_ROUNDS:-7}

if [ "${STAT_SKIP_INSTALL:-0}" != 1 ]; then
	mv_build_install
fi
mv_ensure_run_user
bindir=$($PG_CONFIG --bindir)

dir="$(mv_run_dir)/bench-stat"
data="$dir/data"
cleanup() {
	mv_pg_stop "$data"
	rm -rf "$dir"
}
mv_pg_stop "$data"
rm -rf "$dir"
as_user mkdir -p "$dir"
trap cleanup EXIT

port=$(mv_free_port)
psql() { as_user "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }

log "starting a throwaway cluster on 127.0.0.1:$port, loading siftsmall"
mv_pg_start "$data" "$port"
psql -c "CREATE EXTENSION milvus" \
	-c "CREATE TABLE items (id int, v vector(128))" \
	-c "CREATE TABLE queries (id int, v vector(128))"
perl "$MV_ROOT/scripts/vecs2copy.pl" "$sift/siftsmall_base.fvecs" |
	psql -c "COPY items FROM STDIN"
perl "$MV_ROOT/scripts/vecs2copy.pl" "$sift/siftsmall_query.fvecs" |
	psql -c "COPY queries FROM STDIN"
psql -c "CREATE INDEX ON items USING hnsw (v vector_l2_ops)" -c "VACUUM ANALYZE items"

cat >"$dir/search.sql" <<'SQL'
\set q random(0, 99)
SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = :q) LIMIT 10;
SQL
cat >"$dir/insert.sql" <<'SQL'
\set r random(0, 9999)
INSERT INTO items SELECT id, v FROM items WHERE id = :r LIMIT 1;
SQL
chmod a+r "$dir"/*.sql
psql -At -c "EXPLAIN SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE id = 1) LIMIT 10" |
	grep -q "Index Scan using items_v_idx" || die "the search does not use the hnsw index"

# restart with or without the preload; "on" keeps counters
restart() {
	local preload=$1
	as_user "$bindir/pg_ctl" -D "$data" -w -m fast stop >/dev/null
	as_user "$bindir/pg_ctl" -D "$data" -l "$data.log" -w \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c shared_preload_libraries='$preload'" \
		start >/dev/null
}

# tps of one pgbench run of a script; its transaction count in $dir/txns
tps() {
	as_user "$bindir/pgbench" -n -h 127.0.0.1 -p "$port" -U postgres \
		-c 1 -T "$seconds" -f "$1" postgres 2>/dev/null >"$dir/pgbench.out"
	sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
		"$dir/pgbench.out" >"$dir/txns"
	sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$dir/pgbench.out"
}

for script in search insert; do
	on=() off=()
	for _ in $(seq 1 "$rounds"); do
		restart milvus
		on+=("$(tps "$dir/$script.sql")")
		counted="$(psql -At -c "SELECT searches || ' searches, ' || inserts || ' inserts' FROM milvus_stat_indexes") (pgbench: $(cat "$dir/txns") transactions)"
		restart ''
		off+=("$(tps "$dir/$script.sql")")
	done
	log "$script: tps with counters (preloaded): ${on[*]}; without: ${off[*]}"
	log "$script: counted in the last run with counters: $counted"
	perl -e '
		my ($n, @v) = @ARGV;
		my @on = @v[0 .. $n - 1]; my @off = @v[$n .. $#v];
		sub median { my @s = sort { $a <=> $b } @_; @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }
		my ($m1, $m0) = (median(@on), median(@off));
		printf "%s: median tps with counters %.1f, without %.1f, ratio %.3f\n",
			"'"$script"'", $m1, $m0, $m1 / $m0;' \
		"$rounds" "${on[@]}" "${off[@]}"
done
