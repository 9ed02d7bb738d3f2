#!/bin/sh
# toml.sh - TOML parser benchmark: MB/s and peak RSS parsing a generated 5 MB document.
#
#   bench/toml.sh            (from anywhere; O=DIR picks the build directory)
#
# Peak RSS comes from /usr/bin/time (Debian package "time"); the input
# buffer counts, since toml_bench reads the whole file before parsing.
set -eu

cd "$(dirname "$0")/.."
O=${O:-build}
SIZE=${TOML_BENCH_SIZE:-5242880}
ITER=${TOML_BENCH_ITER:-5}
TIME=/usr/bin/time
BENCH=$O/tests/tools/toml_bench
WORK=$O/bench

if [ ! -x "$TIME" ]; then
	echo "toml.sh: $TIME is missing (apt-get install time)" >&2
	exit 1
fi
mkdir -p "$WORK"
# The Makefile rule also links libcli.a; if that does not build right now,
# build the tool from common/ alone.
if ! make -s "$BENCH" >/dev/null 2>&1; then
	BENCH=$WORK/toml_bench
	${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -O2 \
		-Icommon -o "$BENCH" tests/tools/toml_bench.c common/toml.c \
		common/toml_tab.c common/toml_scan.c common/hex.c common/err.c -lm
fi

big=$WORK/toml-bench.toml
tiny=$WORK/toml-tiny.toml
"$BENCH" gen "$SIZE" "$big"
printf 'title = "tiny"\n' >"$tiny"

out=$("$TIME" -f '%M' -o "$WORK/toml-rss" "$BENCH" parse "$big" "$ITER")
rss=$(tail -n 1 "$WORK/toml-rss")
"$TIME" -f '%M' -o "$WORK/toml-rss0" "$BENCH" parse "$tiny" 1 >/dev/null
base=$(tail -n 1 "$WORK/toml-rss0")
bytes=$(wc -c <"$big")
lines=$(wc -l <"$big")
mbs=$(echo "$out" | sed -n 's/.*MB\/s=\([0-9.]*\).*/\1/p')

awk -v mbs="$mbs" -v rss="$rss" -v base="$base" -v bytes="$bytes" \
    -v lines="$lines" -v iter="$ITER" 'BEGIN {
	kib = bytes / 1024
	printf "toml: parse speed      %.1f MB/s (best of %d, -O2)\n", mbs, iter
	printf "toml: peak RSS         %d KiB\n", rss
	printf "toml: file size        %.0f KiB (%d lines, %.1f bytes/line)\n", kib, lines, bytes / lines
	printf "toml: baseline RSS     %d KiB (same tool, one-line file)\n", base
	printf "toml: peak/size        %.2fx raw, %.2fx net of baseline\n", rss / kib, (rss - base) / kib
}'
