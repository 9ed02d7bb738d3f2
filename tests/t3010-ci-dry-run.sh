#!/bin/sh
# t3010-ci-dry-run.sh - scripts/ci-dry-run.sh, the CI recipe: a manifest dry-run on containerized hosts (systemd as PID 1), its exit status gating a pipeline, nothing left behind.
. "$(dirname "$0")/lib.sh"

require_root "needs root (containerized test hosts)"
once_per_run "the script drives latticectl through paths t3000 runs in this pass (the normal pass tests the script)"
require_systemd_hosts
DRY=$REPO/scripts/ci-dry-run.sh
lattice_dir "$REPO/manifests/local3.toml" demo3.local.devnet
export LATTICECTL
# Each dry-run's hosts live under its own directory in $TRASH (TMPDIR);
# whatever a failed run left is stopped on the way out.
stop_left() {
	for d in "$TRASH"/lc-ci-dry-run.*/hosts; do
		[ -d "$d" ] && LC_TESTHOSTS_DIR=$d "$REPO/scripts/testhosts" down >/dev/null 2>&1
	done
}
trap 'stop_left; rm -rf "$TRASH"' EXIT
trap 'exit 130' INT TERM HUP

# The staging manifest as an operator writes it: real-looking ssh targets
# (a user, a port, a bare name), which the dry-run maps onto test hosts.
sed -e 's|^ssh = "h1"|ssh = "root@node-1.staging.example"|' \
	-e 's|^ssh = "h2"|ssh = "node-2.staging.example:2222"|' \
	-e 's|^ssh = "h3"|ssh = "node-3"   # the aggregator|' "$W/lattice.toml" >"$W/staging.toml"
cp "$LC_BUILD/sim-organism" "$W/sim2" && printf "v2" >>"$W/sim2"
sed "s|^unseal-member = .*|unseal-member = \"$W/sim2\"|" "$W/staging.toml" >"$W/v2.toml"
printf '#!/bin/sh\necho relay is broken >&2\nexit 1\n' >"$W/broken" && chmod 755 "$W/broken"
sed "s|^relay-member = .*|relay-member = \"$W/broken\"|" "$W/staging.toml" >"$W/broken.toml"

# The dry-run of `$@` in $W; its output in out, its exit status in rc.
dry() {
	(cd "$W" && TMPDIR=$TRASH "$DRY" "$@") >out 2>&1
	echo $? >rc
	cat out
}

# Nothing of a dry-run may remain: no container, no forwarder, no state,
# no manifest copy.
nothing_left() {
	if ps -eo pid=,args= | grep -F "$TRASH/lc-ci-dry-run." | grep -v grep; then
		echo "processes left"; return 1
	fi
	for f in "$W"/.ci-dry-run.* "$TRASH"/lc-ci-dry-run.*; do
		if [ -e "$f" ]; then echo "left: $f"; return 1; fi
	done
}

test_expect_success 'an invalid manifest: exit 3 before any host is started' '
	printf "[lattice]\nname = \"x\"\nchian_id = 1\n" >"$W/bad.toml" &&
	dry -m bad.toml && test "$(cat rc)" = 3 &&
	grep -q "bad.toml:3:1: error: " out && grep -q "not a valid manifest" out &&
	nothing_left
'

test_expect_success 'a non-simulated lattice: exit 2, it would fail closed on hosts without TDX' '
	dry -m "$REPO/manifests/acme.toml" && test "$(cat rc)" = 2 &&
	grep -q "containers have no TDX and latticectl fails closed" out &&
	nothing_left
'

test_expect_success 'the same manifest as its base: it deploys under systemd, converges, exit 0' '
	dry -m staging.toml --base staging.toml && test "$(cat rc)" = 0 &&
	grep -q "^ci-dry-run: .*3 containerized hosts (systemd as PID 1)" out &&
	grep -q "^ci-dry-run: plan: nothing to change" out &&
	grep -q "^up: 19 to install, 0 to update" out &&
	grep -q "^hosts up: 3 / 3$" out &&
	grep -q "^ci-dry-run: ok: .staging.toml. deploys on 3 containerized hosts and converges$" out &&
	nothing_left
'

test_expect_success 'a binary change: the plan shows the rolling update, exit 4' '
	dry -m v2.toml --base staging.toml && test "$(cat rc)" = 4 &&
	sed -n "/^ci-dry-run: plan of/,/^ci-dry-run: plan: /p" out >plan &&
	grep -q "^ci-dry-run: plan: changes pending" plan &&
	grep -q "^plan: 0 to install, 3 to update, 0 to repair, 0 to start, 16 unchanged$" plan &&
	for h in h1 h2 h3; do
		grep -q "^$h: unseal-member *update *bin/unseal-member$" plan || exit 1
	done &&
	test "$(grep -c "restarting unseal-member" out)" = 3 &&
	grep -q "it changes the fleet (exit 4)$" out &&
	nothing_left
'

test_expect_success 'a manifest whose role crash-loops: exit 1 naming it; nothing left' '
	dry -m broken.toml && test "$(cat rc)" = 1 &&
	grep -q "^h[123]: relay-member failed, last exit code 1 and its service manager gave up" out &&
	grep -q "^  .*relay is broken" out &&
	grep -q "no health signal: [123] roles\\? failed and will not be restarted: h[123] relay-member" out &&
	grep -q "does not come up on the containerized hosts" out &&
	nothing_left
'

test_done
