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
	src/vector.o \
	src/aggstate.o
OBJS += src/halfvec.o src/distance_half.o
OBJS += src/sparsevec.o src/distance_sparse.o
OBJS += src/bitvec.o src/distance_bit.o
OBJS += src/shim_error.o src/hnswlib_shim.o
OBJS += src/shim.o src/hnsw.o src/hnswutils.o src/hnswbuild.o src/hnswsearch.o \
	src/hnswscan.o src/hnswinsert.o src/hnswvacuum.o src/hnswcheck.o

DATA = $(wildcard sql/milvus--*.sql)

REGRESS = vector_io vector_typmod vector_cast vector_ops vector_func \
	vector_agg vector_btree
REGRESS += halfvec_io halfvec_typmod halfvec_cast halfvec_ops halfvec_func \
	halfvec_agg halfvec_btree
REGRESS += sparsevec_io sparsevec_typmod sparsevec_cast sparsevec_ops \
	sparsevec_func sparsevec_btree
REGRESS += bit_metrics
REGRESS += hnsw_vector hnsw_recall hnsw_types hnsw_churn
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

# C++ shims (src/*_shim.cpp): C++17, warnings are errors, hidden visibility
# for inline functions and template instances too.  libstdc++ declares std
# with default visibility, so the std:: templates hnswlib instantiates
# (std::vector<std::pair<float, unsigned>>, std::_Hashtable<...>) would
# still be exported as weak symbols; the version script makes every C++
# (_Z*) symbol of the library local.  PGXS links with $(CC), so libstdc++ is
# named.  clang compiles the JIT bitcode and needs the language level too.
override CXXFLAGS += -std=c++17 -Wextra -Werror -fvisibility=hidden \
	-fvisibility-inlines-hidden
override BITCODE_CXXFLAGS += -std=c++17
SHLIB_LINK += -lstdc++ -lpthread -Wl,--version-script=src/cxx_local.map
EXTRA_CLEAN += src/cxx_local.map

$(shlib): src/cxx_local.map

src/cxx_local.map:
	echo '{ local: _Z*; };' >$@

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

# The shim test also needs the C++ shims, built with $(CXX) and libstdc++.
UNIT_CXXFLAGS = -O2 -g -Wall -Wextra -Werror -std=c++17 -Isrc
UNIT_TESTS += test/unit/test_hnswlib_shim
test/unit/test_hnswlib_shim: test/unit/test_hnswlib_shim.c $(KERNEL_SRCS) \
		src/distance.h src/shim.h src/shim_internal.hpp src/shim_error.cpp \
		src/hnswlib_shim.h src/hnswlib_shim.cpp
	$(CXX) $(UNIT_CXXFLAGS) -c -o test/unit/shim_error.o src/shim_error.cpp
	$(CXX) $(UNIT_CXXFLAGS) -c -o test/unit/hnswlib_shim.o src/hnswlib_shim.cpp
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(KERNEL_SRCS) test/unit/shim_error.o \
		test/unit/hnswlib_shim.o -lstdc++ -lpthread -lm

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
