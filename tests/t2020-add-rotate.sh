#!/bin/sh
# t2020-add-rotate.sh - `add-host`, `rotate-peer` and `rotate-secret` on real test hosts: no fingerprint change; one member at a time, or a committee's secret in lockstep.
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

test_expect_success 'add-host of a host that already runs the lattice is refused (--json: host events, then "done" with ok false)' '
	lc_in 1 -m m8.toml --json add-host h8 --offline && grep -q "not a new host" err &&
	jq -s -e "any(.[]; .event == \"host\")" out >/dev/null &&
	tail -n 1 out | jq -e ".event == \"done\" and .ok == false and .exit == 1 and (.error | test(\"not a new host\"))" &&
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

# rotate-secret: the journal's records as JSON, one a line.
journal() {
	cut -d" " -f4- "$W/state/$L/journal"
}
secret_sha() {
	sha256sum "$W/secrets/$L/admission/$1.secret" | cut -c1-64
}
host_sha() {
	on_host "$1" "sha256sum /var/lib/lattice/$L/secrets/$2.committee" | cut -c1-64
}
# Every stop of organism $1's roles journaled since record $2 comes before
# every start: no member started with the new secret while one still ran.
stops_before_starts() {
	journal | jq -s -e --arg r "$1-" --argjson from "$2" '
		[.[] | select(.seq > $from and (.role | startswith($r)))] as $x |
		([$x[] | select(.step == "stop") | .seq] | length > 0 and max) <
		([$x[] | select(.step == "start") | .seq] | min)' >/dev/null
}

test_expect_success 'rotate-secret without a terminal and without --yes refuses; nothing changes' '
	before=$(secret_sha unseal) && jn=$(wc -l <"$W/state/$L/journal") &&
	lc_in 1 -m m8.toml rotate-secret unseal </dev/null &&
	grep -q "stops all 3 members of the unseal committee" err && grep -q "^hint: add --yes" err &&
	test ! -s out &&
	lc_in 2 -m m8.toml rotate-secret frobnet --yes && grep -q "not an organism" err &&
	test "$(secret_sha unseal)" = "$before" && test "$(wc -l <"$W/state/$L/journal")" = "$jn" &&
	! ls "$W/secrets/$L/retired/" | grep -q "^unseal"
'

test_expect_success 'rotate-secret on a terminal: it says what happens; any answer but the name changes nothing' '
	before=$(secret_sha unseal) && jn=$(wc -l <"$W/state/$L/journal") &&
	echo no | script -qec "cd $W && $LATTICECTL --ssh-config $SSHCFG -m m8.toml rotate-secret unseal" \
		/dev/null >tty; test $? = 1 &&
	grep -q "h2 *unseal-member" tty && grep -q "down as a whole" tty &&
	grep -q "cannot admit each other" tty && grep -q "does not change" tty &&
	grep -q "not confirmed; nothing was changed" tty &&
	test "$(secret_sha unseal)" = "$before" && test "$(wc -l <"$W/state/$L/journal")" = "$jn"
'

test_expect_success 'rotate-secret killed twice: the old secret kept in retired/, up refuses, plan says so; the re-run finishes with one new secret' '
	old=$(secret_sha unseal) && test "$(host_sha h1 unseal-member)" = "$old" &&
	LATTICECTL_TEST_KILL_AT_COMMIT=2 lc_hooks -m m8.toml rotate-secret unseal --yes >out 2>err;
	test $? = 137 || { cat err; exit 1; }
	new=$(secret_sha unseal) && test "$new" != "$old" &&
	test "$(sha256sum "$W/secrets/$L/retired/unseal.secret."* | cut -c1-64)" = "$old" &&
	test "$(stat -c %a "$W/secrets/$L/admission/unseal.secret")" = 400 &&
	test "$(host_sha h2 unseal-member)" = "$old" &&
	lc_in 1 -m m8.toml up --offline && grep -q "rotate-secret unseal" err &&
	lc_in 1 -m m8.toml rotate-peer h1 unseal-member && grep -q "cannot admit each other" err &&
	lc_in 4 -m m8.toml plan && grep -q "rotation of the unseal admission secret has not finished" out &&
	lc_in 4 -m m8.toml --json plan && jq -e ".rotations_pending == [\"unseal\"]" out &&
	from=$(journal | jq -s "[.[] | select(.step == \"rotate-secret\" and .outcome == \"begin\")] | last.seq") &&
	LATTICECTL_TEST_KILL_AT_COMMIT=5 lc_hooks -m m8.toml rotate-secret unseal --yes >out 2>err;
	test $? = 137 || { cat err; exit 1; }
	test "$(secret_sha unseal)" = "$new" && ls "$W/secrets/$L/retired/" | grep -q "^unseal.secret." &&
	jn=$(wc -l <"$W/state/$L/journal") &&
	echo unseal | script -qec "cd $W && $LATTICECTL --ssh-config $SSHCFG -m m8.toml rotate-secret unseal" \
		/dev/null >tty || { cat tty; exit 1; }
	grep -q "finishes the rotation of the unseal admission secret .* begun" tty &&
	grep -q "finishing the rotation begun" tty &&
	grep -q "^rotate-secret: unseal: a new admission secret on all 3 members" tty &&
	test "$(wc -l <"$W/state/$L/journal")" -gt "$jn" &&
	test "$(secret_sha unseal)" = "$new" &&
	for h in h1 h2 h3; do
		test "$(host_sha $h unseal-member)" = "$new" &&
		on_host $h "test ! -e /var/lib/lattice/$L/secrets/unseal-member.committee.next" || exit 1
	done &&
	! ls "$W/secrets/$L/retired/" | grep -q "^unseal" &&
	stops_before_starts unseal "$from" &&
	lattice_id >id && test_cmp "$W/id0" id &&
	lc_in 0 -m m8.toml status --role unseal-member
'

test_expect_success 'rotate-secret --json zipnet: the committee stopped and started together, then its aggregator (no secret); up has nothing to do' '
	old=$(secret_sha zipnet) && from=$(journal | tail -n 1 | jq .seq) &&
	lc_in 0 -m m8.toml --json rotate-secret zipnet --yes &&
	jq -e . out >/dev/null && tail -n 1 out >done &&
	jq -e ".event == \"done\" and .ok and .organism == \"zipnet\" and .lockstep and
		(.resumed | not) and .stopped == [\"h4\", \"h5\", \"h6\", \"h7\"] and
		.started == .stopped and (.down_s | type == \"number\") and .retired == null and
		([.members[] | select(.holds_secret | not) | .role] == [\"zipnet-aggregator\"]) and
		.fingerprint == \"unchanged\" and .lattice_id == \"$(cat "$W/id0")\" and .error == null" done &&
	new=$(secret_sha zipnet) && test "$new" != "$old" &&
	for h in h4 h5 h6; do test "$(host_sha $h zipnet-server)" = "$new" || exit 1; done &&
	on_host h7 "test ! -e /var/lib/lattice/$L/secrets/zipnet-aggregator.committee" &&
	stops_before_starts zipnet "$from" &&
	journal | jq -s -e --argjson from "$from" "[.[] | select(.seq > \$from and .step == \"start\")] |
		map(.role) == [\"zipnet-server\", \"zipnet-server\", \"zipnet-server\", \"zipnet-aggregator\"]" &&
	journal | jq -s -e --argjson from "$from" "[.[] | select(.seq > \$from and .step == \"stop\")] |
		length == 4" &&
	! ls "$W/secrets/$L/retired/" | grep -q "^zipnet" &&
	secret=$(tr -d "\n" <"$W/secrets/$L/admission/zipnet.secret") && ! grep -qi "$secret" out &&
	lc_in 0 -m m8.toml up --offline && grep -q "nothing to do" err
'

test_done
