# mk/am.mk: what the access methods share: their capabilities, page
# extension and operator class validation (amcommon.c), and
# milvus_index_check, which calls each method's check (indexcheck.c), and
# filter columns (amfilter.c).

OBJS += src/amcommon.o src/indexcheck.o src/amfilter.o
