#!/bin/sh
# t2070-retire.sh - a fingerprint change as a successor: the change refused with its reason, NAME.v2 stood up beside the old lattice on the same hosts, both kits published, a metrics port clash refused with a free port, the old lattice retired and wiped after (or before, forced) its deadline.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 3 3500 || { echo "cannot start test hosts"; exit 1; }
lattice_dir "$REPO/manifests/local3.toml" demo3.local.devnet
OLD=$L
NEW=$L.v2
# A name whose default metrics ports are OLD's: found once by trying
# c0.devnet, c1.devnet, ... with 'latticectl validate' (1500 buckets); the
# first test checks that it still collides.
CLASH=c3690.devnet

lattice_id() {
	jq -r .lattice_id "$W/state/$1/identity.json"
}
# The "ports A-B" validate prints for manifest $1.
ports_of() {
	"$LATTICECTL" validate -m "$1" | sed -n "s/.*loopback ports \([0-9]*-[0-9]*\).*/\1/p"
}

test_expect_success 'the old lattice comes up on three hosts; up keeps the manifest it ran with' '
	lc_in 0 up --offline && grep -q "^hosts up: 3 / 3$" out &&
	test_cmp "$W/lattice.toml" "$W/state/$OLD/lattice.toml" &&
	lattice_id "$OLD" >"$W/id.old" &&
	sed "s/^name = .*/name = \"$CLASH\"/" "$W/lattice.toml" >"$W/clash.toml" &&
	test -n "$(ports_of "$W/lattice.toml")" &&
	test "$(ports_of "$W/lattice.toml")" = "$(ports_of "$W/clash.toml")"
'

test_expect_success 'a new MR_TD is refused by up and plan: the field, why, the exact successor command' '
	cp "$W/lattice.toml" "$W/before.toml" &&
	mrtd=$(printf "ab%.0s" $(seq 48)) &&
	sed -i "s/^threshold = \"2-of-3\"/&\nmrtd = \"$mrtd\"/" "$W/lattice.toml" &&
	lc_in 1 up --offline &&
	grep -q "refusing to change the identity of lattice .$OLD.: unseal MR_TD [0-9a-f]\{16\}... (simulated) -> abababababababab... changed" err &&
	grep -q "so a new or a second MR_TD is a new lattice_id" err &&
	grep -q "integrators bound to .$OLD. would reject quotes of the new image" err &&
	grep -q "^hint: follow the lattice-retirement procedure: .latticectl -m lattice.toml successor. makes the manifest .$NEW., to run beside .$OLD. (latticectl(1), RETIREMENT)" err &&
	lc_in 1 plan && grep -q "no MR_TD window keeps the fingerprint" err &&
	lattice_id "$OLD" >id && test_cmp "$W/id.old" id
'

test_expect_success 'successor: a bad or past deadline is refused; then the manifest becomes NAME.v2, the rest of it unchanged' '
	lc_in 1 successor --deadline soon && grep -q "neither a date nor a duration" err &&
	grep -q "^hint: give YYYY-MM-DD" err &&
	lc_in 1 successor --deadline 2020-01-01 && grep -q "not in the future" err &&
	test ! -e "$W/state/$OLD/retirement.json" &&
	cp "$W/lattice.toml" "$W/edited.toml" &&
	lc_in 0 --json successor --deadline 2w &&
	jq -e ".lattice == \"$OLD\" and .successor == \"$NEW\" and .deadline > now + 13 * 86400" out &&
	grep -q "^name = \"$NEW\"$" "$W/lattice.toml" &&
	diff "$W/edited.toml" "$W/lattice.toml" | grep "^[<>]" >d &&
	test "$(wc -l <d)" = 2 &&
	jq -e ".successor == \"$NEW\" and .retired == 0" "$W/state/$OLD/retirement.json" &&
	test "$(cat "$W/state/$NEW/predecessor")" = "$OLD" &&
	test_cmp "$W/state/$OLD/known_hosts" "$W/state/$NEW/known_hosts" &&
	test_cmp "$W/before.toml" "$W/state/$OLD/lattice.toml" &&
	lc_in 1 -m "state/$OLD/lattice.toml" successor && grep -q "is the kept manifest" err &&
	cp "$W/before.toml" "$W/again.toml" &&
	lc_in 1 -m again.toml successor && grep -q "is being retired already, for its successor .$NEW." err
'

test_expect_success 'the successor comes up beside the old one on the same hosts; both are healthy' '
	lc_in 0 up --offline && grep -q "^hosts up: 3 / 3$" out &&
	lattice_id "$NEW" >id && ! test_cmp "$W/id.old" id >/dev/null &&
	test -d "$W/secrets/$NEW" &&
	for h in h1 h2 h3; do
		on_host $h "ls /etc/lattice" >ls && grep -qx "$OLD" ls && grep -qx "$NEW" ls || exit 1
	done &&
	lc_in 0 --json status && jq -e ".lattice == \"$NEW\" and .healthy" out &&
	lc_in 0 -m "state/$OLD/lattice.toml" --json status &&
	jq -e ".lattice == \"$OLD\" and .healthy" out
'

test_expect_success 'publish: the successor kit, then the old one with its deadline; --json carries both' '
	lc_in 0 publish &&
	head -n 3 out | grep -q "^lattice: $NEW$" &&
	grep -q "^RETIRING, beside it until [0-9-]* [0-9:]* UTC: lattice $OLD; integrators move to $NEW by then$" out &&
	sed -n "/^RETIRING/,\$p" out | grep -q "^lattice: $OLD$" &&
	sed -n "/^RETIRING/,\$p" out | grep -q "^lattice_id: $(cat "$W/id.old")$" &&
	lc_in 0 --json publish &&
	jq -e ".lattice == \"$NEW\" and .retiring.lattice == \"$OLD\" and .retiring.successor == \"$NEW\" and
		.retiring.kit.lattice_id == \"$(cat "$W/id.old")\" and .retiring.deadline > now" out &&
	lc_in 0 -m "state/$OLD/lattice.toml" publish &&
	tail -n 1 out | grep -q "^RETIRING: lattice $OLD ends after .*; its successor is $NEW"
'

test_expect_success 'a lattice whose metrics ports are taken on the shared hosts is refused with a free metrics_port; set, it plans' '
	lc_in 1 -m clash.toml up --offline &&
	grep -q "metrics port 2[0-9]* is taken here by [a-z-]* of lattice .$OLD." err &&
	grep -q "3 hosts already serve one of lattice .$CLASH. metrics ports for another lattice" err &&
	grep -q "nothing was installed" err &&
	port=$(sed -n "s/^hint: set metrics_port = \([0-9]*\) in \[health\].*/\1/p" err | head -n 1) &&
	test -n "$port" &&
	for h in h1 h2 h3; do on_host $h "test ! -e /etc/lattice/$CLASH/zipnet-server.env" || exit 1; done &&
	lc_in 1 -m clash.toml plan && grep -q "metrics port .* of lattice .$OLD." err &&
	printf "\n[health]\nmetrics_port = %s\n" "$port" >>"$W/clash.toml" &&
	lc_in 4 -m clash.toml plan && ! grep -q "metrics port" err
'

test_expect_success 'retire before the deadline is refused with the deadline; --now wants --yes without a terminal' '
	lc_in 1 retire "$OLD" &&
	grep -q "lattice .$OLD. runs until its deadline, [0-9-]* [0-9:]* UTC (1[45] days from now)" err &&
	grep -q "^hint: .*retire $OLD --now --yes" err &&
	lc_in 1 retire "$OLD" --now </dev/null && grep -q "add --yes" err &&
	lc_in 1 retire "$NEW" && grep -q "has no successor" err &&
	lc_in 0 -m "state/$OLD/lattice.toml" --json status
'

test_expect_success 'retire --now, killed after its first journal commit, is finished by the next run' '
	LATTICECTL_TEST_KILL_AT_COMMIT=2 lc_hooks retire "$OLD" --now --yes >out 2>err; test $? = 137 &&
	jq -e ".retired == 0" "$W/state/$OLD/retirement.json" &&
	lc_in 0 --json retire "$OLD" --now --yes &&
	tail -n 1 out | jq -e ".event == \"done\" and .lattice == \"$OLD\" and .ok and .wipe and
		(.hosts | length == 3) and all(.hosts[]; .wiped)" &&
	jq -e ".retired > 0" "$W/state/$OLD/retirement.json"
'

test_expect_success 'after retire: the old lattice is gone from every host; the successor runs; one kit; no reuse of the name' '
	for h in h1 h2 h3; do
		on_host $h "test ! -e /etc/lattice/$OLD && test ! -e /var/lib/lattice/$OLD &&
			test ! -e /run/lattice/$OLD && test -d /etc/lattice/$NEW" || exit 1
	done &&
	lc_in 0 --json status && jq -e ".lattice == \"$NEW\" and .healthy" out &&
	lc_in 0 --json publish && jq -e ".retiring == null" out &&
	lc_in 0 publish && ! grep -q RETIRING out &&
	lc_in 0 retire "$OLD" && grep -q "nothing to do" err &&
	lc_in 1 -m "state/$OLD/lattice.toml" up --offline && grep -q "was retired on .*: its successor is .$NEW." err
'

test_expect_success 'cleanup: the successor goes down and is wiped' '
	lc_in 0 down --wipe --yes
'

test_done
