# mk/dsl.mk: milvus_search, the Milvus boolean DSL compiled to SQL, and the
# collection/partition helpers (PL/pgSQL, sql/install/85_collection.sql).

OBJS += src/dsl.o src/dslcompile.o

REGRESS += dsl_search dsl_errors collection_helpers
