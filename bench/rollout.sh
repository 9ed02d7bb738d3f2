#!/bin/sh
# rollout.sh - a rolling update on N real test hosts with simulated
# organisms: every role's program changed at once (padded, so its sha256
# changes), then `up`.  Its wall time (and up to the end of the rollout,
# without the health wait), and from its journal: the restarts, the most
# committees restarting at once, the longest member restart, and per
# committee the most members down at once and the fewest left up.
# Figures only.
#   bench/rollout.sh [N ...]      (default: 33 100; needs root)
# BENCH_COMPARE=DIR also times, on the same fleet, the latticectl built in
# DIR (its agent bundle beside it): an earlier commit's build, e.g.
#   git clone -q . /tmp/old && git -C /tmp/old checkout -q 4cbf0ed &&
#   make -C /tmp/old -j2 && BENCH_COMPARE=/tmp/old/build bench/rollout.sh
# BENCH_EXTRA sets the roles of hosts past h7 as bench/up.sh does.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup roll 2960 "$O/latticectl" "$O/agent-bundle.sha256" "$O/sim-organism"
# Every role runs $W/organism.$2 on hosts h1..h$1.
manifest() {
	bench_manifest_with "$1" "$W/organism.$2"
}
cp "$O/sim-organism" "$W/organism.0"

# "ms" wall milliseconds of `$1 up` on the manifest of version $2 (the
# fleet of $n hosts); the output in $W/out, $W/err.
up_as() {
	manifest "$n" "$2" >"$W/m.toml"
	t0=$(ms)
	"$1" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" --state-dir "$W/state" \
		--secrets-dir "$W/secrets" -j 32 up --offline >"$W/out" 2>"$W/err" ||
		{ echo "up on $n hosts failed:"; tail -n 20 "$W/err"; exit 1; }
	t1=$(ms)
	echo $(( (t1 - t0) / 1000000 ))
}

# The newest run's restart records: "role host outcome detail-seconds".
restarts() {
	j=$W/state/bench.local.devnet/journal
	[ -f "$j" ] || j=$(ls "$W"/state/*/journal)
	run=$(tail -n 1 "$j" | cut -d" " -f4- | jq -r .run)
	cut -d" " -f4- "$j" | jq -r --arg run "$run" \
		'select(.run == $run and .step == "restart") | "\(.role) \(.host) \(.outcome) \(.detail)"'
}

printf '%-6s %-8s %-9s %-22s %-11s %-12s %-s\n' hosts build restarts "update up: all (roll)" \
	"committees" "longest" "most down at once / members (fewest up)"
printf '%-6s %-8s %-9s %-22s %-11s %-12s %-s\n' "" "" "" "" "at once" "member" ""
v=0
for n in ${*:-33 100}; do
	scripts/testhosts down >/dev/null 2>&1 || true
	rm -rf "$W/hosts" "$W/state" "$W/secrets"
	mkdir -m 700 "$W/secrets"
	scripts/testhosts up "$n" >/dev/null
	up_as "$REPO/$O/latticectl" "$v" >/dev/null
	for build in ${BENCH_COMPARE:+before} after; do
		L=$REPO/$O/latticectl
		[ "$build" = after ] || L=$BENCH_COMPARE/latticectl
		# Its agent pushed and the fleet as it is: a no-op up, untimed.
		up_as "$L" "$v" >/dev/null
		grep -q "nothing to do" "$W/err" || { echo "the warm-up up was not a no-op"; exit 1; }
		# A new program for every role: every member of every committee restarts.
		cp "$W/organism.$v" "$W/organism.$((v + 1))" && printf 'v%d' $((v + 1)) >>"$W/organism.$((v + 1))"
		v=$((v + 1))
		wall=$(up_as "$L" "$v")
		grep -q "^hosts up: $n / $n" "$W/out" || { echo "not every host up"; tail "$W/err"; exit 1; }
		roll=$(sed -n 's/^up: deployed in \([0-9.]*\) s.*/\1/p' "$W/err")
		restarts >"$W/restarts"
		cut -d" " -f1-3 "$W/restarts" | awk -f tests/inflight.awk >"$W/inflight"
		longest=$(sed -n 's/.* done healthy after \([0-9.]*\) s$/\1/p' "$W/restarts" | sort -n | tail -n 1)
		most=""
		for r in zipnet-server zipnet-aggregator unseal-member offer-member atelier-member \
			relay-member tally-member; do
			k=$(sed -n "s/^$r //p" "$W/inflight")
			m=$(grep -c "^roles = \[.*\"$r\"" "$W/m.toml" || true)
			[ -n "$k" ] && most="$most ${r%-member} $k/$m ($((m - k)) up),"
		done
		printf '%-6s %-8s %-9s %-22s %-11s %-12s %s\n' "$n" "$build" "$(grep -c " begin" "$W/restarts")" \
			"$((wall / 1000)).$((wall % 1000 / 100)) s ($roll s)" \
			"$(sed -n 's/^committees //p' "$W/inflight")" "${longest:-?} s" "${most%,}"
	done
	"$REPO/$O/latticectl" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" --state-dir "$W/state" \
		--secrets-dir "$W/secrets" -j 32 down >/dev/null 2>&1 || true
done
