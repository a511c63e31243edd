#!/bin/sh
# gpu/check_exports.sh LIB: the library exports its mg_* API and nothing
# else (cudart is linked in statically and must stay hidden).  Prints one
# TAP-like line and "N passed, N failed".
lib=${1:-libmilvus_gpu.so}
extra=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -v '^mg_')
api=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -c '^mg_')
if [ -z "$extra" ] && [ "$api" -eq 6 ]; then
	echo "ok 1 - $lib exports the 6 mg_* functions and nothing else"
	echo "1 passed, 0 failed"
else
	echo "not ok 1 - $lib exports: $api mg_* functions; others: $extra"
	echo "0 passed, 1 failed"
	exit 1
fi
