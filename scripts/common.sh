# scripts/common.sh: helpers shared by deps.sh, demo.sh and test.sh.
#
# PostgreSQL refuses to run as root.  When these scripts run as root they
# create an unprivileged system user (MV_RUN_USER, "milvus" by default) and
# run initdb, the server and the TAP tests as that user; otherwise they run
# everything as the calling user and use sudo only for apt-get and
# "make install".

MV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command with root privileges (directly when root, else via sudo).
as_root() {
	if is_root; then "$@"; else sudo "$@"; fi
}

# The user that owns clusters and runs the server.
mv_run_user() {
	if is_root; then echo "${MV_RUN_USER:-milvus}"; else id -un; fi
}

# Create the unprivileged run user if we are root and it does not exist.
mv_ensure_run_user() {
	local u
	u=$(mv_run_user)
	if is_root && ! id "$u" >/dev/null 2>&1; then
		log "creating unprivileged user $u to run PostgreSQL"
		useradd --system --user-group --no-create-home \
			--home-dir /nonexistent --shell /bin/bash "$u"
	fi
}

# Run a command as the run user.
as_user() {
	if is_root; then
		runuser -u "$(mv_run_user)" -- env PATH="$PATH" "$@"
	else
		"$@"
	fi
}

# Build the extension and install it into the server found by pg_config.
mv_build_install() {
	log "building"
	make -C "$MV_ROOT" -s all
	log "installing into $($PG_CONFIG --pkglibdir)"
	as_root make -C "$MV_ROOT" -s install
}

# Print a directory the run user can write to, for clusters and test
# output: ./tmp/ in the checkout when the run user can reach it (not the
# case for a root-owned checkout under /root, say), else one under /tmp.
mv_run_dir() {
	local d="$MV_ROOT/tmp"
	mkdir -p "$d"
	if is_root; then
		chown "$(mv_run_user):" "$d"
		if ! as_user test -w "$d" 2>/dev/null; then
			d="/tmp/milvus-$(printf '%s' "$MV_ROOT" | md5sum | cut -c1-8)"
			mkdir -p "$d"
			chown "$(mv_run_user):" "$d"
		fi
	fi
	echo "$d"
}

# Print a free TCP port on the loopback interface, from 55432 upwards
# (from $MV_PORT_FIRST when set).
mv_free_port() {
	MV_PORT_FIRST=${MV_PORT_FIRST:-55432} perl -MIO::Socket::INET -e '
		for my $p ($ENV{MV_PORT_FIRST} .. $ENV{MV_PORT_FIRST} + 999) {
			my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
				LocalPort => $p, Listen => 1, ReuseAddr => 0);
			if ($s) { close $s; print "$p\n"; exit 0; }
		}
		exit 1;' || die "no free port from ${MV_PORT_FIRST:-55432}"
}

# mv_pg_start DATADIR PORT [SETTING ...]: initdb if needed, then start a
# server that listens on 127.0.0.1:PORT only, with superuser "postgres",
# trust auth, and milvus preloaded (its background worker runs batch jobs).
# Each SETTING is a postgresql.conf line ("shared_buffers = '1GB'"),
# appended before the start.
mv_pg_start() {
	local data=$1 port=$2 bindir
	shift 2
	bindir=$($PG_CONFIG --bindir)
	if [ ! -f "$data/PG_VERSION" ]; then
		as_user "$bindir/initdb" -D "$data" -U postgres -A trust \
			--no-sync >"$data.initdb.log" 2>&1 ||
			{ cat "$data.initdb.log"; die "initdb failed"; }
	fi
	if [ $# -gt 0 ]; then
		printf '\n# mv_pg_start\n' | as_user tee -a "$data/postgresql.conf" >/dev/null
		printf '%s\n' "$@" | as_user tee -a "$data/postgresql.conf" >/dev/null
	fi
	as_user "$bindir/pg_ctl" -D "$data" -l "$data.log" -w \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c shared_preload_libraries=milvus" \
		start >/dev/null || { tail -20 "$data.log"; die "server did not start"; }
}

# mv_fresh_cluster DIR [SETTING ...]: a throwaway cluster in DIR/data for
# a benchmark: a server left in DIR by an interrupted run is stopped and DIR
# removed, then the cluster is created and started on a free port with
# mv_pg_start and the SETTINGs.  Exports PGHOST, PGPORT, PGUSER and
# PGDATABASE for it.  The caller stops it (mv_pg_stop DIR/data), say in an
# EXIT trap.
mv_fresh_cluster() {
	local dir=$1
	shift
	mv_pg_stop "$dir/data"
	rm -rf "$dir"
	as_user mkdir -p "$dir"
	PGPORT=$(mv_free_port)
	log "starting a throwaway cluster in $dir/data on 127.0.0.1:$PGPORT"
	mv_pg_start "$dir/data" "$PGPORT" "$@"
	export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
}

# mv_pg_running DATADIR: true when a server runs on DATADIR.
mv_pg_running() {
	[ -f "$1/PG_VERSION" ] &&
		as_user "$($PG_CONFIG --bindir)/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# mv_pg_stop DATADIR: stop the server if it runs.
mv_pg_stop() {
	local data=$1
	if mv_pg_running "$data"; then
		as_user "$($PG_CONFIG --bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
	fi
}
