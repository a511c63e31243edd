# mk/hnsw.mk: the hnsw access method and its hnswlib shim.

OBJS += src/shim.o src/hnswlib_shim.o
OBJS += src/shimerror.o src/hnsw.o src/hnswutils.o src/hnswcodes.o src/hnswbuild.o src/hnswsearch.o \
	src/hnswscan.o src/hnswinsert.o src/hnswvacuum.o src/hnswrepair.o \
	src/hnswcheck.o

REGRESS += hnsw_vector hnsw_recall hnsw_types hnsw_churn hnsw_cost hnsw_ip \
	hnsw_compat hnsw_filter hnsw_codes

# The shim test also needs the C++ shims, built with $(CXX) and libstdc++.
UNIT_TESTS += test/unit/test_hnswlib_shim
test/unit/test_hnswlib_shim: test/unit/test_hnswlib_shim.c $(KERNEL_SRCS) \
		src/distance.h src/shim.h src/shim_internal.hpp src/shim.cpp \
		src/hnswlib_shim.h src/hnswlib_shim.cpp
	$(CXX) $(UNIT_CXXFLAGS) -c -o test/unit/shim.o src/shim.cpp
	$(CXX) $(UNIT_CXXFLAGS) -c -o test/unit/hnswlib_shim.o src/hnswlib_shim.cpp
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(KERNEL_SRCS) test/unit/shim.o \
		test/unit/hnswlib_shim.o -lstdc++ -lpthread -lm
