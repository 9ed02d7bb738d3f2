#!/bin/sh
# smoke.sh - a short libFuzzer run of the TOML parser, seeded from the toml-test cases.
# Usage: tests/fuzz/smoke.sh [SECONDS]   (run from the repository root)
set -u
secs=${1:-60}
fuzzer=build/fuzz/fuzz_toml
corpus=$(mktemp -d "${TMPDIR:-/tmp}/lc-fuzz.XXXXXX")
trap 'rm -rf "$corpus"' EXIT INT TERM

# Seeds: the toml-test cases when ../shared is here, and our own manifests.
if [ -d ../shared/vectors/toml-test ]; then
	find ../shared/vectors/toml-test -name '*.toml' | while read -r f; do
		cp "$f" "$corpus/$(echo "$f" | tr '/' '_')"
	done
else
	echo "skip: toml-test seeds (../shared/vectors not found); seeding from manifests only"
fi
for f in manifests/*.toml tests/data/manifests/*/*.toml; do
	[ -f "$f" ] && cp "$f" "$corpus/$(echo "$f" | tr '/' '_')"
done
nseeds=$(ls "$corpus" | wc -l)

"$fuzzer" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix=build/fuzz/ "$corpus" >"$corpus.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$corpus.log")
tail -n 25 "$corpus.log" | grep -v '^stat::' >&2
rm -f "$corpus.log"
echo "fuzz: ${runs:-?} runs in ${secs}s from $nseeds seeds, exit $rc"
if [ "$rc" -eq 0 ]; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
fi
exit "$rc"
