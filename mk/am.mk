# mk/am.mk: what the access methods share: their capabilities, page
# extension, operator class validation and the shared part of their cost
# estimates (amcommon.c), and milvus_index_check, which calls each
# method's check (indexcheck.c).

OBJS += src/amcommon.o src/indexcheck.o

# the plan chosen for filtered ORDER BY ... LIMIT (hnsw, ivfflat, flat)
REGRESS += filter_cost
