# mk/rel.mk: reliability: fuzzing of the input parsers (built in
# mk/types.mk), the sanitised server run, hostile-input regression tests.

# Hostile input: every case must fail with an errcode, the server stays up.
REGRESS += hostile_types hostile_binary hostile_hnsw

# The pg_regress suite against the extension built with ASan and UBSan, in
# a server with the ASan runtime preloaded (scripts/sanitize-check.sh).
.PHONY: sanitize-check print-regress
sanitize-check:
	scripts/sanitize-check.sh

print-regress:
	@echo $(REGRESS)

EXTRA_CLEAN += test/fuzz/fuzz_*_text test/fuzz/fuzz_*_recv test/fuzz/work
