# lib.sh - what the host benchmarks share, sourced after `cd` to the repository.

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

ms() { date +%s%N; }
