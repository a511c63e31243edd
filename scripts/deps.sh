#!/usr/bin/env bash
# scripts/deps.sh: install the Debian packages milvus needs that are missing
# (make deps).  Installs nothing, and needs no network, when all are there.
# With --bench, also what only the benchmarks use (make bench-deps): the
# plotting library of test/bench/hnsw_bench.sh and ivf_bench.sh.
set -euo pipefail
. "$(dirname "$0")/common.sh"

PACKAGES=(
	make gcc g++ perl
	postgresql-15 postgresql-server-dev-15
	libfaiss-dev libhnswlib-dev libopenblas-dev
	libipc-run-perl
	clang-14 libclang-rt-14-dev
	libmicrohttpd-dev curl
	pgpool2
	python3 python3-psycopg python3-numpy python3-faiss python3-hnswlib
	python3-rdkit rdkit-data
)
case "${1:-}" in
	--bench) PACKAGES+=(python3-matplotlib) ;;
	"") ;;
	*) die "usage: $0 [--bench]" ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
# node and npm for the node-postgres client test; any install will do
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
	log "dependencies: all present"
	exit 0
fi

log "installing missing packages: ${missing[*]}"
as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "${missing[@]}"
# pgpool2's package starts a system pgpool; the tests (test/t/090_pgpool.pl)
# start their own, on private ports: stop that one
if [[ " ${missing[*]} " == *" pgpool2 "* ]]; then
	as_root invoke-rc.d pgpool2 stop >/dev/null 2>&1 || true
fi
