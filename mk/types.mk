# mk/types.mk: the vector types, their parsers and distance kernels.

OBJS += src/milvus.o src/distance.o src/vector.o src/aggstate.o
OBJS += src/vecparse.o src/vecerror.o src/vecarray.o
OBJS += src/halfvec.o src/distance_half.o
OBJS += src/sparsevec.o src/distance_sparse.o
OBJS += src/bitvec.o src/distance_bit.o

REGRESS += vector_io vector_typmod vector_cast vector_ops vector_func \
	vector_agg vector_btree
REGRESS += halfvec_io halfvec_typmod halfvec_cast halfvec_ops halfvec_func \
	halfvec_agg halfvec_btree
REGRESS += sparsevec_io sparsevec_typmod sparsevec_cast sparsevec_ops \
	sparsevec_func sparsevec_btree sparsevec_array
REGRESS += vector_messages vector_nonfinite
REGRESS += bit_metrics

UNIT_TESTS += test/unit/test_distance test/unit/test_distance_half \
	test/unit/test_distance_sparse test/unit/test_distance_bit
