#!/bin/sh
# test.sh - the README's test command: install dependencies, then build and run every test.
# The last line printed is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
log=$(mktemp "${TMPDIR:-/tmp}/lc-deps.XXXXXX")
if ! scripts/install-deps.sh >"$log" 2>&1; then
	cat "$log"
	rm -f "$log"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$log"
exec tests/run.sh
