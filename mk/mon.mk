# mk/mon.mk: monitoring: per-index counters in shared memory, the
# milvus_stat_indexes view, and the Prometheus endpoint served by the
# "milvus metrics" background worker with libmicrohttpd.

OBJS += src/stat.o src/metrics.o

REGRESS += stat_indexes

SHLIB_LINK += -lmicrohttpd
