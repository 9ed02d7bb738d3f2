#!/bin/sh
# t2030-up-faults.sh - `up` when things go wrong (a wrong chain, a host unreachable at start or lost mid-rollout, a full disk, SIGINT mid-rollout); pipeline_command; --json events.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 7 3300 || { echo "cannot start test hosts"; exit 1; }
lattice_dir
# h5 pointed at an address where no sshd listens.
sed "/^Host h5\$/,/HostName/ s/127\.0\.1\.5\$/127.0.1.254/" "$SSHCFG" >"$W/dead_config"

role_state() {
	"$LATTICECTL" -m "$W/lattice.toml" --state-dir "$W/state" --ssh-config "$SSHCFG" \
		agent "$1" status | jq -r ".roles[\"$2\"].state // \"none\""
}

# A JSON-RPC stub answering eth_chainId with $1; its port in $W/rpc.port.
rpc_stub() {
	rm -f "$W/rpc.port"
	"$LC_BUILD/tests/tools/http-stub" --chain-id "$1" --pidfile "$W/rpc.pid" \
		--port-file "$W/rpc.port" 127.0.0.1 0 >/dev/null 2>"$W/rpc.log" &
	i=0
	while [ ! -s "$W/rpc.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	test -s "$W/rpc.port"
}
rpc_stop() {
	kill "$(cat "$W/rpc.pid")" 2>/dev/null
	rm -f "$W/rpc.pid"
}

test_expect_success 'a chain_rpc on another chain stops up before any host or secret is touched' '
	rpc_stub 1 && port=$(cat "$W/rpc.port") &&
	sed "s|http://127.0.0.1:8545/|http://127.0.0.1:$port/|" "$W/lattice.toml" >"$W/chain.toml" &&
	lc_in 1 -m chain.toml up && rpc_stop &&
	grep -q "answers chain id 1, but the manifest says 31337" err &&
	test ! -e "$W/secrets" && test -z "$(on_host h1 "ls /var/lib/lattice 2>/dev/null")"
'

test_expect_success 'a host unreachable at start fails alone; the others are done; a re-run completes' '
	lc_in 1 --ssh-config "$W/dead_config" --connect-timeout 2 up --offline &&
	grep -q "^h5: error: " err && grep -q "1 host failed" err && grep -q "run .latticectl up. again" err &&
	case $(role_state h4 relay-member) in up|starting) ;; *) exit 1 ;; esac &&
	case $(role_state h1 unseal-member) in up|starting) ;; *) exit 1 ;; esac &&
	test "$(role_state h5 relay-member)" = none &&
	lc_in 0 up --offline && grep -q "^hosts up: 7 / 7$" out && grep -q "4 to install" err
'

test_expect_success 'a full disk on one host: that host fails with the remedy, nothing half-installed, a re-run completes' '
	cp "$LC_BUILD/sim-organism" "$W/sim3" && printf v3 >>"$W/sim3" &&
	sed "s|^tally-member = .*|tally-member = \"$W/sim3\"|" "$W/lattice.toml" >"$W/v3.toml" &&
	on_host h6 "mount -t tmpfs -o size=16k tmpfs /usr/local/lib/lattice/$L/bin" &&
	lc_in 1 -m v3.toml up --offline &&
	grep -q "^h6: error: cannot write bin/.*No space left on device" err &&
	grep -q "^h6: hint: free space" err &&
	test -z "$(on_host h6 "ls -A /usr/local/lib/lattice/$L/bin")" &&
	test "$(role_state h6 tally-member)" = up &&
	on_host h6 "umount /usr/local/lib/lattice/$L/bin" &&
	lc_in 0 -m v3.toml up --offline && grep -q "^hosts up: 7 / 7$" out
'

test_expect_success 'SIGINT during a rollout stops after the member under way and releases the locks' '
	cp "$LC_BUILD/sim-organism" "$W/sim4" && printf v4 >>"$W/sim4" &&
	sed "s|^atelier-member = .*|atelier-member = \"$W/sim4\"|" "$W/v3.toml" >"$W/v4.toml" &&
	(cd "$W" && exec "$LATTICECTL" --ssh-config "$SSHCFG" -m v4.toml up --offline >int.out 2>int.err) &
	pid=$! && i=0 &&
	until grep -q "restarting atelier-member" "$W/int.err" 2>/dev/null || [ $i -gt 300 ]; do
		sleep 0.05; i=$((i + 1))
	done &&
	kill -INT $pid; wait $pid; rc=$?
	test $rc = 130 || { echo "exit $rc"; cat "$W/int.err"; exit 1; }
	grep -q "interrupted: stopped after the rollout" "$W/int.err" &&
	test "$(grep -c "restarting atelier-member" "$W/int.err")" = 1 &&
	test ! -s "$W/state/$L/lock" &&
	lc_in 0 -m v4.toml up --offline && ! grep -q "broke" err &&
	test "$(grep -c "restarting atelier-member" err)" = 2 && grep -q "^hosts up: 7 / 7$" out
'

test_expect_success 'a host lost mid-rollout: the rollout stops without taking a majority down; a re-run completes' '
	cp "$LC_BUILD/sim-organism" "$W/sim5" && printf v5 >>"$W/sim5" &&
	sed "s|^unseal-member = .*|unseal-member = \"$W/sim5\"|" "$W/v4.toml" >"$W/v5.toml" &&
	(cd "$W" && exec "$LATTICECTL" --ssh-config "$SSHCFG" -m v5.toml up --offline >lost.out 2>lost.err) &
	pid=$! && i=0 &&
	until grep -q "restarting unseal-member" "$W/lost.err" 2>/dev/null || [ $i -gt 300 ]; do
		sleep 0.05; i=$((i + 1))
	done &&
	pkill -KILL -P "$(cat "$LC_TESTHOSTS_DIR/h3/pid")"; wait $pid; rc=$?
	test $rc = 1 || { echo "exit $rc"; cat "$W/lost.err"; exit 1; }
	grep -q "not restarting unseal-member on h2: 1 of the 3 members .* down already (h3 " "$W/lost.err" || { cat "$W/lost.err"; exit 1; }
	test "$(grep -c "^h[0-9]: restarting unseal-member" "$W/lost.err")" = 1 || { cat "$W/lost.err"; exit 1; }
	lc_in 0 -m v5.toml up --offline && grep -q "^hosts up: 7 / 7$" out &&
	test "$(grep -c "^h[0-9]: restarting unseal-member" err)" = 2 || { cat err; exit 1; }
'

test_expect_success 'the right chain passes the check; pipeline_command is the health signal when set' '
	rpc_stub 31337 && port=$(cat "$W/rpc.port") &&
	sed "s|http://127.0.0.1:8545/|http://127.0.0.1:$port/|" "$W/lattice.toml" >"$W/chain.toml" &&
	printf "\n[health]\ndeadline = 60\npipeline_command = \"test -n \\\"\$LATTICE_CONFIG_HEX\\\" && test \$LATTICE_INSTANCE = $L\"\n" >>"$W/chain.toml" &&
	"$LATTICECTL" validate -m "$W/chain.toml" >/dev/null &&
	lc_in 0 -m chain.toml -v up; rc=$?; rpc_stop; test $rc = 0 &&
	grep -q "chain id 31337" err &&
	grep -q "^pipeline: pipeline_command succeeded in " out && grep -q "^hosts up: 7 / 7$" out
'

test_expect_success '--json: one event per line, the last one the kit' '
	lc_in 0 --json up --offline &&
	while read -r line; do printf "%s\n" "$line" | jq -e . >/dev/null || exit 1; done <out &&
	tail -n 1 out | jq -e ".event == \"done\" and .hosts == 7 and .kit.lattice == \"$L\"" &&
	! grep -q "^lattice:" out
'

test_expect_success '--json: a run that fails ends with a "done" event too: ok false, its exit status, the error and hint' '
	lc_in 1 --json --ssh-config "$W/dead_config" --connect-timeout 2 up --offline &&
	while read -r line; do printf "%s\n" "$line" | jq -e . >/dev/null || exit 1; done <out &&
	tail -n 1 out | jq -e ".event == \"done\" and .ok == false and .exit == 1 and .lattice == \"$L\" and
		(.error | test(\"1 host failed\")) and (.hint | test(\"again\"))" &&
	test "$(jq -s "[.[] | select(.event == \"done\")] | length" out)" = 1
'

test_expect_success 'no agent bundle to push: up, plan, down and rotate-peer say so and exit 1, never crash' '
	for c in "up --offline" plan down "rotate-peer h1 unseal-member"; do
		LATTICECTL_AGENT_BUNDLE=$TRASH/no-bundle LC_RUNNER=lc lc_run 1 $c &&
		grep -q "^latticectl: cannot open .*no-bundle/lattice-agent.: No such file or directory$" err &&
		grep -q "^hint: build it with .make., or set LATTICECTL_AGENT_BUNDLE" err || exit 1
	done
'

test_done
