# mk/flat.mk: the flat (exact) index access method.

OBJS += src/flat.o src/flatutils.o src/flatbuild.o src/flatinsert.o \
	src/flatscan.o src/flatvacuum.o src/flatcheck.o \
	src/flatfilter.o

REGRESS += flat_vector flat_types flat_cancel flat_pgvector flat_bit_search
