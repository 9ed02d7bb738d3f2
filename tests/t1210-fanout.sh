#!/bin/sh
# t1210-fanout.sh - one step on many hosts: -j workers, whole per-host output, a host down among healthy ones.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 7 2710 || { echo "cannot start test hosts"; exit 1; }

setup() {
	cp "$REPO/manifests/local.toml" lattice.toml
}

test_expect_success 'a step on every host: one whole line per host' '
	setup && lc_run 0 agent all facts --ssh-config "$SSHCFG" &&
	test $(wc -l <out) -eq 7 &&
	for i in 1 2 3 4 5 6 7; do
		grep "^h$i: {" out | sed "s/^h$i: //" | jq -e ".ok and .arch != null" >/dev/null || exit 1
	done
'

test_expect_success '-j 1 and a comma list of hosts' '
	setup && lc_run 0 -j 1 agent h2,h5,h2 facts --ssh-config "$SSHCFG" &&
	test $(wc -l <out) -eq 2 && grep -q "^h2: " out && grep -q "^h5: " out
'

test_expect_success '--json gives one event per host' '
	setup && lc_run 0 --json agent all facts --ssh-config "$SSHCFG" &&
	test $(wc -l <out) -eq 7 &&
	test "$(jq -s "[.[] | select(.event == \"host\" and .step == \"facts\" and .ok)] | length" out)" = 7
'

test_expect_success 'a host that is down fails alone; the others complete' '
	setup && kill "$(cat "$LC_TESTHOSTS_DIR/h3/pid")" && sleep 0.3 &&
	lc_run 1 agent all facts --ssh-config "$SSHCFG" &&
	test $(grep -c "^h[0-9]: {" out) -eq 6 && ! grep -q "^h3: " out &&
	grep -q "^h3: error: h3 (127.0.1.3:$LC_TESTHOSTS_PORT): cannot connect" err &&
	grep -q "^h3: hint: " err &&
	"$REPO/scripts/testhosts" up 7 >/dev/null
'

test_expect_success 'unknown hosts are refused before anything connects' '
	setup && lc_run 2 agent h1,h99 facts --ssh-config "$SSHCFG" &&
	grep -q "h99. is not a host of lattice" err && test ! -s out
'

test_done
