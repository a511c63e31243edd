# mk/ivf.mk: the ivfflat and ivf access methods, and milvus_faiss.so.

OBJS += src/ivf.o src/ivfutils.o src/ivfquant.o src/ivfkmeans.o \
	src/ivfbuild.o src/ivfinsert.o src/ivfscan.o src/ivfvacuum.o \
	src/ivfcheck.o

# The pq loops over codebook entries are written to be vectorized.
src/ivfquant.o: CFLAGS += -O3

REGRESS += ivf_options ivf_ivfflat ivf_types ivf_quantizers ivf_iterative \
	ivf_pgvector ivf_cost \
	ivf_recall ivf_worker ivf_filter

# The Faiss shim is a library of its own, loaded with dlopen() when an
# index is trained (see src/faiss_shim.h): Debian ships Faiss as a static
# library that needs OpenBLAS, whose threads start when it is loaded, and
# OpenMP.  The version script makes its C++ symbols (Faiss's among them)
# local; only the mv_faiss_* entry points are exported.
FAISS_SHLIB = milvus_faiss.so
FAISS_LIBS = -lfaiss -lopenblas -fopenmp

all: $(FAISS_SHLIB)

src/faiss_shim.o: src/faiss_shim.cpp src/faiss_shim.h src/shim.h \
		src/shim_internal.hpp
	$(CXX) $(CXXFLAGS) -fPIC -fopenmp -Isrc -c -o $@ $<

src/faiss_shim_status.o: src/shim.cpp src/shim.h src/shim_internal.hpp
	$(CXX) $(CXXFLAGS) -fPIC -Isrc -c -o $@ $<

$(FAISS_SHLIB): src/faiss_shim.o src/faiss_shim_status.o src/cxx_local.map
	$(CXX) -shared -o $@ src/faiss_shim.o src/faiss_shim_status.o \
		$(FAISS_LIBS) -Wl,--version-script=src/cxx_local.map -Wl,-z,now

install: install-faiss
uninstall: uninstall-faiss

.PHONY: install-faiss uninstall-faiss
install-faiss: $(FAISS_SHLIB) installdirs
	$(INSTALL_SHLIB) $(FAISS_SHLIB) '$(DESTDIR)$(pkglibdir)/$(FAISS_SHLIB)'

uninstall-faiss:
	rm -f '$(DESTDIR)$(pkglibdir)/$(FAISS_SHLIB)'

EXTRA_CLEAN += $(FAISS_SHLIB) src/faiss_shim.o src/faiss_shim_status.o
EXTRA_DEPFILES += src/faiss_shim.d src/faiss_shim_status.d

# The quantizers against a scalar reference, without a server.
UNIT_TESTS += test/unit/test_ivfquant
test/unit/test_ivfquant: test/unit/test_ivfquant.c src/ivfquant.c src/ivfquant.h \
		$(KERNEL_SRCS) src/distance.h
	$(CC) $(UNIT_CFLAGS) \
		-o $@ $< src/ivfquant.c $(KERNEL_SRCS) -lm

# The Faiss shim, linked as milvus_faiss.so is.
UNIT_TESTS += test/unit/test_faiss_shim
test/unit/test_faiss_shim: test/unit/test_faiss_shim.c src/faiss_shim.o \
		src/faiss_shim_status.o src/faiss_shim.h src/shim.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< src/faiss_shim.o src/faiss_shim_status.o \
		$(FAISS_LIBS) -lstdc++ -lm
