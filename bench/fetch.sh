#!/bin/sh
# fetch.sh - a first `latticectl up` on N fresh test hosts with a { url, sha256 } program: pushed from this machine (--push-binaries, as before hosts fetched) against fetched by every host itself.  Figures only.
#   bench/fetch.sh [N ...]      (default: 33 100; needs root)
# BENCH_BIN_MB (default 20) pads the organism's program to that many MiB.
# The URL is served by one http-stub (--parallel) listening in every test
# host's network namespace, and on this machine's loopback for the push.
# Reported per run: the program bytes sent from this machine (up's
# summary), the bytes on latticectl's SSH connections both ways (TCP
# counters of ss -ti, sampled), the deploy time (up's "deployed in",
# without the health wait) and the wall time.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
STUB=$REPO/$O/tests/tools/http-stub
bench_stop() {
	for p in "$W"/stub*.pid; do
		[ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null
		rm -f "$p"
	done
}
bench_setup fetch 2960 "$O/latticectl" "$O/agent-bundle.sha256" "$O/sim-organism" "$O/tests/tools/http-stub"
mkdir -p "$W/www"
cp "$O/sim-organism" "$W/www/organism"
head -c $((${BENCH_BIN_MB:-20} * 1048576)) /dev/zero >>"$W/www/organism"
SHA=$(sha256sum <"$W/www/organism" | cut -c1-64)
echo "organism program: $(stat -c %s "$W/www/organism") bytes; extra hosts carry $EXTRA"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"

# Start the stub (its pid in $W/stub-$1.pid) on 127.0.0.1:$2 with the
# rest as options; waits for its port file.
stub() {
	sn=$1 sport=$2
	shift 2
	rm -f "$W/stub-$sn.port"
	"$STUB" --parallel --serve "$W/www" --pidfile "$W/stub-$sn.pid" \
		--port-file "$W/stub-$sn.port" "$@" 127.0.0.1 "$sport" >/dev/null 2>"$W/stub-$sn.log" &
	j=0
	while [ ! -s "$W/stub-$sn.port" ] && [ $j -lt 200 ]; do sleep 0.05; j=$((j + 1)); done
	test -s "$W/stub-$sn.port"
}

# Run latticectl with the rest as arguments; sets WALL (ms) and SSHOUT,
# SSHIN: the bytes its TCP connections to the test hosts' sshd sent and
# received (each connection's last bytes_acked and bytes_received in
# ss -ti, sampled every 100 ms until it exits).
run_sampled() {
	t0=$(ms)
	"$L" -m "$W/m.toml" --ssh-config "$W/hosts/ssh_config" --state-dir "$W/state" \
		--secrets-dir "$W/secrets" -j 32 "$@" >"$W/out" 2>"$W/err" &
	pid=$!
	: >"$W/ss"
	while kill -0 "$pid" 2>/dev/null; do
		ss -tinH state established "( dport = :$LC_TESTHOSTS_PORT )" >>"$W/ss" 2>/dev/null || true
		sleep 0.1
	done
	wait "$pid" || { echo "latticectl $* failed:"; cat "$W/err"; exit 1; }
	WALL=$(( ($(ms) - t0) / 1000000 ))
	set -- $(awk '$1 ~ /^[0-9]/ && NF >= 4 { key = $3 "-" $4; next }
		{ for (i = 1; i <= NF; i++) {
			if ($i ~ /^bytes_acked:/) { v = substr($i, 13) + 0; if (v > out[key]) out[key] = v }
			if ($i ~ /^bytes_received:/) { v = substr($i, 16) + 0; if (v > in_[key]) in_[key] = v }
		} }
		END { for (k in out) o += out[k]; for (k in in_) r += in_[k]; printf "%.0f %.0f\n", o, r }' "$W/ss")
	SSHOUT=$1 SSHIN=$2
}

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

printf '%-6s %-6s %-20s %-26s %-9s %-8s %s\n' hosts mode "program bytes sent" \
	"SSH bytes out / in" deploy wall "fetched by hosts"
for n in ${*:-33 100}; do
	for mode in push fetch; do
		bench_stop
		scripts/testhosts down >/dev/null 2>&1 || true
		rm -rf "$W/hosts" "$W/state" "$W/secrets"
		mkdir -m 700 "$W/secrets"
		scripts/testhosts up "$n" >/dev/null
		nsargs=
		i=1
		while [ $i -le "$n" ]; do
			nsargs="$nsargs --netns $W/hosts/h$i/netns"
			i=$((i + 1))
		done
		# shellcheck disable=SC2086
		stub hosts 0 $nsargs
		port=$(cat "$W/stub-hosts.port")
		flag=
		if [ $mode = push ]; then
			stub laptop "$port"
			flag=--push-binaries
		fi
		bench_manifest_with "$n" X |
			sed "s|\"X\"|{ url = \"http://127.0.0.1:$port/organism\", sha256 = \"$SHA\" }|" \
			>"$W/m.toml"
		run_sampled up --offline $flag
		grep -q "^hosts up: $n / $n" "$W/out" || { echo "up on $n hosts failed:"; cat "$W/err"; exit 1; }
		sent=$(sed -n 's/^up: programs: \([0-9]*\) bytes sent.*/\1/p' "$W/err")
		fetched=$(sed -n 's/^up: programs: .*; \([0-9]*\) fetched by the hosts.*/\1/p' "$W/err")
		dep=$(sed -n 's/^up: deployed in \([0-9.]*\) s.*/\1/p' "$W/err")
		printf '%-6s %-6s %-20s %-26s %-9s %-8s %s\n' "$n" "$mode" "$(mib "${sent:-0}")" \
			"$(mib "$SSHOUT") / $(mib "$SSHIN")" "${dep}s" \
			"$((WALL / 1000)).$((WALL % 1000 / 100))s" "${fetched:-0} programs"
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
