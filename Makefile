# milvus: embeddings similarity search for PostgreSQL
#
#   make              build the extension (PGXS)
#   make install      install it into the PostgreSQL found by pg_config
#   make deps         install the Debian packages that are missing
#   make demo         deps, build, install, throwaway cluster, sample data, queries
#   make demo-stop    stop the demo cluster
#   make test         deps, build, install, every test suite, one summary line
#
# The test suites can also be run one by one against a running server:
#   make unitcheck    C tests without a server (kernels)
#   make regresscheck pg_regress over sql/ and expected/
#   make tapcheck     TAP tests under test/t/

EXTENSION = milvus
MODULE_big = milvus
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" milvus.control)

OBJS = \
	src/milvus.o \
	src/distance.o \
	src/vector.o
OBJS += src/halfvec.o src/distance_half.o
OBJS += src/sparsevec.o src/distance_sparse.o
OBJS += src/bitvec.o src/distance_bit.o

DATA = $(wildcard sql/milvus--*.sql)

REGRESS = vector_io vector_typmod vector_cast vector_ops vector_func \
	vector_agg vector_btree
REGRESS += halfvec_io halfvec_typmod halfvec_cast halfvec_ops halfvec_func \
	halfvec_agg halfvec_btree
REGRESS += sparsevec_io sparsevec_typmod sparsevec_cast sparsevec_ops \
	sparsevec_func sparsevec_btree
REGRESS += bit_metrics
REGRESS_OPTS = --load-extension=$(EXTENSION)

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl
PROVE_FLAGS = -I ./test/perl

EXTRA_CLEAN = $(UNIT_TESTS) test/unit/*.o results regression.diffs \
	regression.out tmp_check

# Our own code: warnings are errors.  Hidden visibility keeps internal
# symbols from binding to another extension's (pgvector's) in one backend;
# PG15's PGXS does not add it, so we do, and mark exports ourselves.
# -Wno-sign-compare and -Wno-unused-parameter: the server headers (array.h,
# fmgr.h) trip them.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -fvisibility=hidden \
	-DPGDLLEXPORT='__attribute__((visibility("default")))'

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# ---- tests without a server ------------------------------------------------

UNIT_CFLAGS = -O2 -g -Wall -Wextra -Werror -std=gnu11 -Isrc

# Each unit test is one program linked with every kernel source.
KERNEL_SRCS = src/distance.c
UNIT_TESTS = test/unit/test_distance
KERNEL_SRCS += src/distance_half.c
UNIT_TESTS += test/unit/test_distance_half
KERNEL_SRCS += src/distance_sparse.c
UNIT_TESTS += test/unit/test_distance_sparse
KERNEL_SRCS += src/distance_bit.c
UNIT_TESTS += test/unit/test_distance_bit

test/unit/test_%: test/unit/test_%.c $(KERNEL_SRCS) src/distance.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(KERNEL_SRCS) -lm

.PHONY: unitcheck regresscheck tapcheck exportcheck deps demo demo-stop test

unitcheck: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do $$t || rc=1; done; exit $$rc

exportcheck: all
	scripts/check-exports.sh $(shlib) sql/milvus--*.sql

# ---- suites against a running, installed server ----------------------------

regresscheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

tapcheck:
	$(prove_installcheck)

# ---- the two README commands ------------------------------------------------

deps:
	scripts/deps.sh

demo:
	scripts/demo.sh start

demo-stop:
	scripts/demo.sh stop

test:
	scripts/test.sh
