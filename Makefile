# milvus: embeddings similarity search for PostgreSQL
#
#   make              build the extension (PGXS)
#   make install      install it into the PostgreSQL found by pg_config
#   make deps         install the Debian packages that are missing
#   make bench-deps   the same, and what only the benchmarks use (plots)
#   make demo         deps, build, install, throwaway cluster, sample data, queries
#   make demo-chem    the same cluster; RDKit fingerprints of NCI molecules:
#                     Tanimoto and substructure search beside RDKit's answers
#   make demo-stop    stop the demo cluster
#   make test         deps, build, install, every test suite, one summary line
#
# The test suites can also be run one by one against a running server:
#   make unitcheck    C tests without a server (kernels)
#   make regresscheck pg_regress over sql/ and expected/
#   make tapcheck     TAP tests under test/t/
#   make readmecheck  the README's SQL blocks, in order, on a scratch database

EXTENSION = milvus
MODULE_big = milvus
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" milvus.control)

# "make" alone builds the extension, whatever rules the fragments define.
all:

# Each part of the extension lists its objects and regression tests in a
# fragment of its own under mk/ (types, hnsw, ...).
OBJS =
REGRESS =
UNIT_TESTS =
# Unit tests (no server) link the kernels; a fragment may add programs.
KERNEL_SRCS = src/distance.c src/distance_half.c src/distance_sparse.c \
	src/distance_bit.c
UNIT_CFLAGS = -O2 -g -Wall -Wextra -Werror -std=gnu11 -Isrc
UNIT_CXXFLAGS = -O2 -g -Wall -Wextra -Werror -std=c++17 -Isrc
include $(sort $(wildcard mk/*.mk))

# The install script of the current version is the concatenation of the
# parts under sql/install/, in name order; released versions' scripts and
# the upgrade scripts are plain files in sql/.
INSTALL_PARTS = $(sort $(wildcard sql/install/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built), $(wildcard sql/$(EXTENSION)--*.sql))

REGRESS_OPTS = --load-extension=$(EXTENSION)

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl
PROVE_FLAGS = -I ./test/perl

EXTRA_CLEAN += $(UNIT_TESTS) test/unit/*.o results regression.diffs \
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

# Header dependencies: every compile writes src/<name>.d beside its object
# (-MMD; -MP adds an empty rule per header, so a deleted header does not
# stop the build), and the .d files are read back here.  Debian's PGXS has
# autodepend off.  The bitcode (.bc) of an object is rebuilt after it.
override CFLAGS += -MMD -MP
override CXXFLAGS += -MMD -MP
DEPFILES = $(OBJS:.o=.d) $(EXTRA_DEPFILES)
$(OBJS:.o=.bc): %.bc: %.o
-include $(DEPFILES)
EXTRA_CLEAN += $(DEPFILES)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	for f in $(INSTALL_PARTS); do cat $$f; echo; done >$@

src/cxx_local.map:
	echo '{ local: _Z*; };' >$@

# ---- tests without a server ------------------------------------------------

# Each unit test is one program linked with every kernel source (a
# fragment under mk/ names the programs and any rule of its own).
test/unit/test_%: test/unit/test_%.c $(KERNEL_SRCS) src/distance.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(KERNEL_SRCS) -lm

# ... and includes the report harness they share.
$(UNIT_TESTS): test/unit/unit.h
test/unit/test_distance test/unit/test_distance_half: test/unit/dense_tests.h

.PHONY: unitcheck regresscheck tapcheck readmecheck exportcheck deps bench-deps \
	demo demo-chem demo-stop test

unitcheck: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do $$t || rc=1; done; exit $$rc

exportcheck: all
	scripts/check-exports.sh $(shlib) $(DATA_built) $(DATA)

# ---- suites against a running, installed server ----------------------------

regresscheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

tapcheck:
	$(prove_installcheck)

readmecheck:
	PG_BINDIR='$(bindir)' /usr/bin/python3 test/readme/run_readme.py README.md

# ---- the two README commands ------------------------------------------------

deps:
	scripts/deps.sh

bench-deps:
	scripts/deps.sh --bench

demo:
	scripts/demo.sh start

demo-chem:
	scripts/demo.sh chem

demo-stop:
	scripts/demo.sh stop

test:
	scripts/test.sh
