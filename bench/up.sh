#!/bin/sh
# up.sh - `latticectl up` on N real test hosts with simulated organisms: from
# scratch (deploy time, without the health wait), an unchanged re-run, plan,
# status; latticectl's peak memory.  Figures only.
#   bench/up.sh [N ...]      (default: 7 33 100; needs root)
# BENCH_BIN_MB=20 pads the organism's program to that many MiB (the bytes
# then dominate); BENCH_EXTRA sets the roles of hosts past h7 (a TOML
# list body, default "zipnet-server", "relay-member", "tally-member").
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup up 2940 "$O/latticectl" "$O/agent-bundle.sha256" "$O/sim-organism"
manifest() {
	bench_manifest_with "$1" "$W/organism"
}
cp "$O/sim-organism" "$W/organism"
if [ -n "${BENCH_BIN_MB:-}" ]; then
	head -c $((BENCH_BIN_MB * 1048576)) /dev/zero >>"$W/organism"
fi
echo "organism program: $(stat -c %s "$W/organism") bytes; extra hosts carry $EXTRA"

lc() { "$L" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" --state-dir "$W/state" \
	--secrets-dir "$W/secrets" -j 32 "$@"; }
# time(1) runs programs, not shell functions: the same command line.
LC_ARGS="-m $W/m.toml --ssh-config $W/hosts/ssh_config --state-dir $W/state --secrets-dir $W/secrets -j 32"
# Wall seconds and peak RSS (KiB) of one latticectl command.
timed() {
	t0=$(ms)
	# shellcheck disable=SC2086
	/usr/bin/time -o "$W/rss" -f %M "$L" $LC_ARGS "$@" >"$W/out" 2>"$W/err" || true
	t1=$(ms)
	echo "$(( (t1 - t0) / 1000000 )) $(tail -n 1 "$W/rss")"
}

printf '%-6s %-30s %-22s %-16s %-16s\n' hosts "up from scratch (deploy)" "unchanged re-run" plan status
for n in ${*:-7 33 100}; do
	scripts/testhosts down >/dev/null 2>&1 || true
	rm -rf "$W/hosts" "$W/state" "$W/secrets"
	mkdir -m 700 "$W/secrets"
	scripts/testhosts up "$n" >/dev/null
	manifest "$n" >"$W/m.toml"
	set -- $(timed up --offline)
	dep=$(sed -n 's/^up: deployed in \([0-9.]*\) s.*/\1/p' "$W/err")
	grep -q "^hosts up: $n / $n" "$W/out" || { echo "up on $n hosts failed:"; cat "$W/err"; exit 1; }
	first="${dep}s (total $(($1 / 1000)).$(($1 % 1000 / 100))s, ${2} KiB)"
	set -- $(timed up --offline); again="${1} ms, ${2} KiB"
	grep -q "nothing to do" "$W/err" || { echo "the re-run was not a no-op"; cat "$W/err"; exit 1; }
	set -- $(timed plan); plan="${1} ms, ${2} KiB"
	set -- $(timed status); status="${1} ms, ${2} KiB"
	printf '%-6s %-30s %-22s %-16s %-16s\n' "$n" "$first" "$again" "$plan" "$status"
	if [ -n "${BENCH_BIN_MB:-}" ]; then
		# The same program bytes by plain parallel scp, one copy per role a
		# host runs (as up sends them), 32 hosts at a time, each into the
		# host's own /var/lib/lattice (test hosts share /tmp: copies there
		# would overwrite each other and never reach the disk).
		i=1; : >"$W/scp.list"
		while [ $i -le "$n" ]; do
			k=$(sed -n "/^ssh = \"h$i\"\$/,/^roles/p" "$W/m.toml" | tail -n 1 | tr -cd , | wc -c)
			echo "h$i $((k + 1))" >>"$W/scp.list"
			i=$((i + 1))
		done
		t0=$(ms)
		xargs -P 32 -L 1 sh -c 'j=0; while [ $j -lt "$1" ]; do
			scp -q -F "'"$W"'/hosts/ssh_config" "'"$W"'/organism" "$0:/var/lib/lattice/organism.$j" || exit 1
			j=$((j + 1)); done' <"$W/scp.list"
		t1=$(ms)
		sync
		t2=$(ms)
		echo "       plain parallel scp of the same program bytes: $(( (t1 - t0) / 1000000 )) ms;" \
			"made durable (sync, as up's agent fsyncs each file): $(( (t2 - t0) / 1000000 )) ms"
	fi
	lc down >/dev/null 2>&1 || true
done
