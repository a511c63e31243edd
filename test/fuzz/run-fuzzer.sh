#!/usr/bin/env bash
# run-fuzzer.sh HARNESS SEEDS WORKDIR SECONDS: run a libFuzzer harness for a
# bounded time from its seed corpus, new inputs and any crash going to
# WORKDIR; print its executions and one "N passed, N failed" line.
set -uo pipefail
harness=$1 seeds=$2 work=$3 seconds=$4
name=$(basename "$harness")
rm -rf "$work"
mkdir -p "$work/corpus"
log="$work/fuzz.log"
# -max_len 4096 lets a text seed hold a few hundred elements; the harnesses
# test the dimension limit with a lower maximum (see fuzz_dense_text.c).
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
ASAN_OPTIONS=detect_leaks=1 \
	"$harness" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	-rss_limit_mb=1024 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "$seeds" >"$log" 2>&1
rc=$?
execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
crashes=$(find "$work" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' \
	-o -maxdepth 1 -name 'timeout-*' -o -maxdepth 1 -name 'oom-*' | wc -l)
printf '%s: %s executions in %s s, %d crashes, %d inputs in the corpus\n' \
	"$name" "${execs:-0}" "$seconds" "$crashes" \
	"$(find "$work/corpus" "$seeds" -type f | wc -l)"
if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ -z "$execs" ]; then
	tail -40 "$log"
	ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
