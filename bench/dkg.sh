#!/bin/sh
# dkg.sh - the DKG ceremony on N real test hosts (t = majority): wall time
# of `latticectl dkg run`, its rounds, latticectl's CPU time and each
# member agent's.  Figures only; the median of 3 runs after a warm-up
# (the agent bundle pushed).
#   bench/dkg.sh [N ...]      (default: 3 7 15 33; needs root)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup dkg 2950 "$O/latticectl" "$O/agent-bundle.sha256"

# A valid manifest over hosts h1..hN, unseal-member on every one of them.
manifest() {
	n=$1
	sed -n '1,/^\[\[hosts\]\]/p' manifests/local.toml | sed '$d' |
		sed -e 's/^name = .*/name = "bench.dkg.devnet"/' \
		    -e 's/^tdx = "simulate"/tdx = "simulate"\ndkg = "ceremony"/' \
		    -e "s/^threshold = \"2-of-3\"/threshold = \"$((n / 2 + 1))-of-$n\"/"
	i=1
	while [ $i -le "$n" ]; do
		case $i in
		1) r='"unseal-member", "atelier-member", "zipnet-server", "offer-member", "relay-member", "tally-member", "zipnet-aggregator"' ;;
		2|3) r='"unseal-member", "atelier-member", "zipnet-server", "offer-member", "relay-member", "tally-member"' ;;
		*) r='"unseal-member"' ;;
		esac
		printf '[[hosts]]\nssh = "h%d"\nroles = [%s]\n\n' $i "$r"
		i=$((i + 1))
	done
}

median() { sort -n | sed -n 2p; }

for n in ${*:-3 7 15 33}; do
	scripts/testhosts down >/dev/null 2>&1 || true
	rm -rf "$W/hosts" "$W/state"
	scripts/testhosts up "$n" >/dev/null
	manifest "$n" >"$W/m.toml"
	cd "$W"
	run() {
		/usr/bin/time -f "cpu %U %S" "$L" -j 64 -m m.toml --ssh-config hosts/ssh_config \
			dkg run unseal "$@" >out 2>err
		grep -h "wall time" out err | tail -n 1 >>walls
		tail -n 1 err >>cpus
	}
	"$L" -m m.toml --ssh-config hosts/ssh_config dkg run unseal >/dev/null 2>&1 # warm-up
	: >walls
	: >cpus
	for k in 1 2 3; do
		t0=$(date +%s%N)
		run --new-identity
		echo $(( ($(date +%s%N) - t0) / 1000000 )) >>totals
	done
	wall=$(median <totals)
	rounds=$(sed -n 's/.*rounds \([0-9]*\) ms.*/\1/p' walls | median)
	keys=$(sed -n 's/.*connect and keys \([0-9]*\) ms.*/\1/p' walls | median)
	cpu=$(awk '{printf "%d\n", ($2 + $3) * 1000}' cpus | median)
	mmax=$(sed -n 's/.*CPU max \([0-9]*\) ms.*/\1/p' walls | median)
	mmean=$(sed -n 's/.*mean \([0-9]*\) ms.*/\1/p' walls | median)
	rm -f totals
	cd - >/dev/null
	echo "n=$n t=$((n / 2 + 1)): wall $wall ms (connect and keys $keys ms, rounds $rounds ms); latticectl CPU $cpu ms; member agent CPU max $mmax ms, mean $mmean ms"
done
