# lib.sh - what the host benchmarks share, sourced after `cd` to the repository.

O=${O:-build}
REPO=$PWD
L=$REPO/$O/latticectl
# The roles of hosts past h7 (a TOML list body); BENCH_EXTRA overrides.
EXTRA=${BENCH_EXTRA:-'"zipnet-server", "relay-member", "tally-member"'}

# bench_setup NAME PORT TARGET...: the scratch directory $W, removed on
# exit with the test hosts under it (on LC_TESTHOSTS_PORT, default PORT)
# and whatever bench_stop (if the script defines one) stops; then the
# build's TARGETs made.
bench_setup() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/lc-bench-$1.XXXXXX")
	export LC_TESTHOSTS_DIR=$W/hosts LC_TESTHOSTS_PORT=${LC_TESTHOSTS_PORT:-$2}
	trap 'command -v bench_stop >/dev/null && bench_stop
		scripts/testhosts down >/dev/null 2>&1; rm -rf "$W"' EXIT INT TERM
	shift 2
	make -s "$@" >/dev/null
}

# A valid manifest over hosts h1..hN: the seven of local.toml (with this
# build's simulated organism), then hosts carrying the roles in $2
# (a TOML list body).
bench_manifest() {
	sed -n '1,/^\[\[hosts\]\]/p' manifests/local.toml | sed '$d' |
		sed "s|\"../build/sim-organism\"|\"$PWD/${O:-build}/sim-organism\"|"
	i=1
	while [ $i -le "$1" ]; do
		case $i in
		1|2|3) r='"unseal-member", "atelier-member"' ;;
		4|5|6) r='"zipnet-server", "offer-member", "relay-member", "tally-member"' ;;
		7) r='"zipnet-aggregator"' ;;
		*) r=$2 ;;
		esac
		printf '[[hosts]]\nssh = "h%d"\nroles = [%s]\n\n' $i "$r"
		i=$((i + 1))
	done
}

# bench_manifest N with every role's program FILE.
bench_manifest_with() {
	bench_manifest "$1" "$EXTRA" | sed "s|\"$REPO/$O/sim-organism\"|\"$2\"|"
}

ms() { date +%s%N; }
