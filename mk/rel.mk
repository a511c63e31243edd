# mk/rel.mk: reliability: the input parsers that link without the server,
# fuzzing, the sanitised server run, hostile-input regression tests.

OBJS += src/vecparse.o src/vecerror.o

# Hostile input: every case must fail with an errcode, the server stays up.
REGRESS += hostile_types hostile_binary hostile_hnsw
