#!/bin/sh
# identity.sh - how long the identity steps take: every secret of an
# acme-sized lattice, the dealer DKG, and inspect.  Prints figures only.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
L=$PWD/$O/latticectl
N=${IDENTITY_BENCH_RUNS:-20}
W=$(mktemp -d "${TMPDIR:-/tmp}/lc-bench-id.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
make -s "$O/latticectl" "$O/tests/tools/bench_crypto" >/dev/null

# manifests/acme.toml with its MR_TDs pinned (its mrtd files are examples).
sed -e 's|^mrtd_file = .*|mrtd = "'"$(printf 'ab%.0s' $(seq 48))"'"|' manifests/acme.toml >"$W/acme.toml"

# Run "$@" N times (in $W); print the median wall time in ms.
median_ms() {
	i=0
	: >"$W/times"
	while [ $i -lt "$N" ]; do
		[ -z "${FRESH:-}" ] || rm -rf "$W/secrets" "$W/state"
		t0=$(date +%s%N)
		(cd "$W" && "$@" >/dev/null 2>&1)
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 )) >>"$W/times"
		i=$((i + 1))
	done
	sort -n "$W/times" | sed -n "$(( (N + 1) / 2 ))p"
}

# Fresh: every secret made and fsynced; re-run: all verified, none made.
echo "gen-config, acme (11 hosts, 23 processes, 46 secrets), fresh: median $(FRESH=1 median_ms "$L" gen-config -q -m acme.toml) ms over $N runs"
echo "gen-config, acme, re-run (all verified, none made): median $(median_ms "$L" gen-config -q -m acme.toml) ms"

hex=$(cd "$W" && "$L" gen-config -q -m acme.toml 2>/dev/null | sed -n 's/^LatticeConfig: //p')
t0=$(date +%s%N)
i=0
while [ $i -lt 100 ]; do "$L" inspect "$hex" >/dev/null; i=$((i + 1)); done
t1=$(date +%s%N)
echo "inspect (whole process, start-up included): $(( (t1 - t0) / 100000 )) us per run over 100 runs"
"$O/tests/tools/bench_crypto" | grep -i dkg
