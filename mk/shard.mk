# mk/shard.mk: sharding over postgres_fdw (sql/install/90_shard.sql).  The
# multi-server tests are TAP tests (test/t/06*_shard_*.pl), the benchmark is
# test/bench/shard_bench.sh; this runs what needs no shard server.

REGRESS += shard_local
