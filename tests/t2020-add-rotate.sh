#!/bin/sh
# t2020-add-rotate.sh - `add-host` and `rotate-peer` on real test hosts: no fingerprint change, one member at a time.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 8 3200 || { echo "cannot start test hosts"; exit 1; }
lattice_dir

lattice_id() {
	jq -r .lattice_id "$W/state/$L/identity.json"
}

test_expect_success 'add-host before the lattice was brought up is refused' '
	cp "$W/lattice.toml" "$W/m8.toml" &&
	printf "\n[[hosts]]\nssh = \"h8\"\nroles = [\"relay-member\", \"tally-member\"]\n" >>"$W/m8.toml" &&
	lc_in 1 -m m8.toml add-host h8 && grep -q "has not been brought up" err
'

test_expect_success 'the lattice comes up on seven hosts' '
	lc_in 0 up --offline && grep -q "^hosts up: 7 / 7$" out &&
	lattice_id >"$W/id0"
'

test_expect_success 'add-host: a new host joins with its roles; the fingerprint does not change' '
	lc_in 0 -m m8.toml add-host h8 --offline &&
	grep -q "^hosts up: 8 / 8$" out &&
	grep -q "2 to install" err &&
	lattice_id >id && test_cmp "$W/id0" id &&
	lc_in 0 -m m8.toml --json status &&
	jq -e "[.hosts[].roles[] | select(.role == \"relay-member\")] | length == 4 and all(.[]; .healthy and .committee_size == 4)" out
'

test_expect_success 'add-host of a host that already runs the lattice is refused (--json: host events, no "done")' '
	lc_in 1 -m m8.toml --json add-host h8 --offline && grep -q "not a new host" err &&
	jq -e ".event == \"host\"" out >/dev/null && ! grep -q "\"event\":\"done\"" out &&
	lc_in 2 -m m8.toml add-host h9 && grep -q "not a host of the manifest" err
'

test_expect_success 'add-host that would change the fingerprint is refused' '
	sed "s/^threshold = \"2-of-3\"/threshold = \"3-of-4\"/" "$W/m8.toml" >"$W/fp.toml" &&
	printf "\n[[hosts]]\nssh = \"h9\"\ntdx = true\nroles = [\"unseal-member\"]\n" >>"$W/fp.toml" &&
	"$LATTICECTL" validate -m "$W/fp.toml" >/dev/null 2>&1 &&
	lc_in 1 -m fp.toml add-host h9 --offline && grep -q "retirement" err &&
	lattice_id >id && test_cmp "$W/id0" id
'

test_expect_success 'rotate-peer: a new PeerId for one member, the old secret replaced on its host' '
	old=$(on_host h4 "sha256sum /var/lib/lattice/$L/secrets/relay-member.peer" | cut -c1-64) &&
	lc_in 0 -m m8.toml rotate-peer h4 relay-member &&
	grep -q "^rotate-peer: relay-member on h4: PeerId [0-9a-f]\{64\} -> [0-9a-f]\{64\}$" out &&
	set -- $(sed "s/.*PeerId \([0-9a-f]*\) -> \([0-9a-f]*\)$/\1 \2/" out) && test "$1" != "$2" &&
	new=$(on_host h4 "sha256sum /var/lib/lattice/$L/secrets/relay-member.peer" | cut -c1-64) &&
	test "$old" != "$new" &&
	test "$new" = "$(sha256sum "$W/secrets/$L/peers/h4.relay-member.seed" | cut -c1-64)" &&
	ls "$W/secrets/$L/retired/" | grep -q "^h4.relay-member.seed\." &&
	on_host h4 "grep LATTICE_PEER_ID /etc/lattice/$L/relay-member.env" | grep -q "=$2$" &&
	lattice_id >id && test_cmp "$W/id0" id &&
	lc_in 0 -m m8.toml status --role relay-member
'

test_expect_success 'rotate-peer refuses while another member of the committee is not back' '
	"$LATTICECTL" -m "$W/m8.toml" --state-dir "$W/state" --ssh-config "$SSHCFG" agent h5 unit \
		"{\"role\":\"relay-member\",\"action\":\"stop\"}" >/dev/null &&
	lc_in 1 -m m8.toml --json rotate-peer h6 relay-member &&
	grep -q "not back" err &&
	tail -n 1 out | jq -e ".event == \"done\" and (.ok | not) and (.error | test(\"not back\")) and
		.new_peer_id == null and .restarted == [] and .host == \"h6\"" &&
	lc_in 0 -m m8.toml up --offline && grep -q "1 to start" err &&
	lc_in 0 -m m8.toml rotate-peer h6 relay-member
'

test_expect_success 'rotate-peer --json: the old and new PeerId, the host restarted, the fingerprint unchanged, no secret' '
	lc_in 0 -m m8.toml --json rotate-peer h5 relay-member &&
	jq -e . out >/dev/null &&
	tail -n 1 out >done &&
	jq -e ".event == \"done\" and .ok and .host == \"h5\" and .role == \"relay-member\" and
		(.old_peer_id | test(\"^[0-9a-f]{64}\$\")) and (.new_peer_id | test(\"^[0-9a-f]{64}\$\")) and
		.old_peer_id != .new_peer_id and .restarted == [\"h5\"] and .resumed == false and
		.fingerprint == \"unchanged\" and .lattice_id == \"$(cat "$W/id0")\" and .error == null" done &&
	on_host h5 "grep LATTICE_PEER_ID /etc/lattice/$L/relay-member.env" |
		grep -q "=$(jq -r .new_peer_id done)\$" &&
	seed=$(od -An -v -tx1 "$W/secrets/$L/peers/h5.relay-member.seed" | tr -d " \n") &&
	test -n "$seed" && ! grep -qi "$seed" out
'

test_done
