#!/bin/sh
# t2300-dkg.sh - the DKG ceremony on real test hosts over SSH: keys, shares that stay on their hosts, every fault named.
. "$(dirname "$0")/lib.sh"

# The agent's DKG ops in a local session (no hosts needed): order enforced,
# state per session, pending shares dropped; a clean exit (leaks checked
# in the sanitizer build).
test_expect_success 'the agent keeps one ceremony per session and refuses steps out of order' '
	cid=$(printf "%064d" 7) && r="\"lattice\":\"dkg.local.devnet\",\"role\":\"unseal-member\"" &&
	mkdir -p root/var/lib/lattice/dkg.local.devnet/secrets &&
	echo junk >root/var/lib/lattice/dkg.local.devnet/secrets/unseal-member.dkg.pending-0123456789abcdef &&
	printf "%s\n" "{\"id\":0,\"op\":\"hello\",\"version\":1}" \
		"{\"id\":1,\"op\":\"dkg_deal\"}" \
		"{\"id\":2,\"op\":\"dkg_begin\",$r,\"ceremony\":\"$cid\",\"t\":2,\"n\":3,\"index\":1}" \
		"{\"id\":3,\"op\":\"dkg_deal\"}" \
		"{\"id\":4,\"op\":\"dkg_begin\",$r,\"ceremony\":\"$cid\",\"t\":4,\"n\":3,\"index\":1}" \
		"{\"id\":5,\"op\":\"dkg_status\",$r}" \
		"{\"id\":6,\"op\":\"dkg_activate\",$r,\"ceremony\":\"$cid\",\"public_key\":\"$cid\"}" \
		"{\"id\":7,\"op\":\"dkg_abort\",$r}" \
		"{\"id\":8,\"op\":\"bye\"}" |
	LATTICE_AGENT_ROOT=$PWD/root "$LC_BUILD/agent/lattice-agent" serve >replies 2>log &&
	jq -s -e "length == 9 and
		(.[1].ok == false and (.[1].error.message|test(\"send dkg_begin first\"))) and
		(.[2].ok and (.[2].transport_key|length) == 64 and (.[2].ceremony_key|length) == 64 and .[2].dropped == 1) and
		(.[3].ok == false and .[3].error.code == \"bad_request\" and (.[3].error.message|test(\"another step\"))) and
		(.[4].ok == false and .[4].error.code == \"bad_request\") and
		(.[5].ok and .[5].active == null and .[5].pending == []) and
		(.[6].ok == false and .[6].error.code == \"not_found\") and
		(.[7].ok and .[7].removed == 0)" replies &&
	test -z "$(ls root/var/lib/lattice/dkg.local.devnet/secrets)"
'

require_root "needs root (test hosts)"
testhosts_up 7 3100 || { echo "cannot start test hosts"; exit 1; }
L=dkg.local.devnet
HOSTS="h1 h2 h3 h4 h5 h6 h7"
SECRETS=/var/lib/lattice/$L/secrets
COMBINE=$LC_BUILD/tests/tools/dkg_combine
CHEAT=$LC_BUILD/tests/agent-cheat-bundle
C1=$TRASH/first # the first ceremony's directory, which later tests read

setup() {
	cp "$TEST_DATA/manifests/valid/dkg-ceremony.toml" lattice.toml
}

# latticectl against the test hosts, a 5 s answer bound per round.
dkg() {
	want=$1
	shift
	lc_run "$want" --ssh-config "$SSHCFG" --timeout 5 dkg "$@"
}

# Every DKG share file on every host: "host sha256 name" lines.
shares_on_hosts() {
	for h in $HOSTS; do
		on_host $h "cd $SECRETS 2>/dev/null && sha256sum *.dkg* 2>/dev/null" | sed "s/^/$h /"
	done
}

no_pending() {
	! shares_on_hosts | grep -q pending
}

# The hex of each host's active share of organism $1 (default unseal), into <host>.share.
fetch_shares() {
	for h in $HOSTS; do
		on_host $h "cat $SECRETS/${1:-unseal}-member.dkg" >$h.share 2>/dev/null || rm -f $h.share
	done
}

on_all() {
	for h in $HOSTS; do on_host $h "$1" || return 1; done
}

test_expect_success 'a 5-of-7 unseal and a majority (2-of-3) offer ceremony complete over SSH' '
	mkdir "$C1" && cd "$C1" && setup && on_all "rm -f /etc/lattice/dkg-test-fault" &&
	LATTICECTL_TEST_RELAY_LOG=$PWD/relay.log LC_RUNNER=$LATTICECTL_HOOKS dkg 0 run &&
	grep -q "^unseal: ceremony [0-9a-f]\{16\} complete: 5-of-7, 7 qualified$" out &&
	grep -q "^offer: ceremony [0-9a-f]\{16\} complete: 2-of-3, 3 qualified$" out &&
	grep -q "^unseal: key shares active on all 7 members$" out &&
	grep -q "^offer: key shares active on all 3 members$" out &&
	grep -q "^unseal: wall time [0-9]* ms" out &&
	jq -e ".t == 5 and .n == 7 and (.qualified|length) == 7 and .dkg == \"ceremony\"
		and ([.members[].host] == [\"h1\",\"h2\",\"h3\",\"h4\",\"h5\",\"h6\",\"h7\"])" state/$L/dkg/unseal.json &&
	jq -e ".t == 2 and .n == 3 and ([.members[].host] == [\"h4\",\"h5\",\"h6\"])" state/$L/dkg/offer.json &&
	test "$(stat -c %a state/$L/dkg/unseal.json)" = 600 &&
	for h in $HOSTS; do
		test "$(on_host $h "stat -c %a $SECRETS/unseal-member.dkg")" = 400 || exit 1
	done &&
	for h in h4 h5 h6; do
		test "$(on_host $h "stat -c %a $SECRETS/offer-member.dkg")" = 400 || exit 1
	done &&
	! on_host h1 "test -e $SECRETS/offer-member.dkg" &&
	no_pending && fetch_shares unseal &&
	for h in h4 h5 h6; do on_host $h "cat $SECRETS/offer-member.dkg" >$h.offer || exit 1; done
'

test_expect_success 'dkg verify re-checks the transcripts offline, and the hosts with --hosts' '
	cp -a "$C1/state" "$C1/lattice.toml" . &&
	lc_run 0 dkg verify &&
	grep -q "^unseal: state/$L/dkg/unseal.json verifies: ceremony [0-9a-f]\{16\}, 5-of-7, 7 qualified" out &&
	grep -q "^offer: .* verifies: .* 2-of-3, 3 qualified" out &&
	lc_run 0 --json dkg verify && jq -e ".lattice == \"$L\" and .ok and
		(.organisms | map(.organism)) == [\"unseal\", \"offer\"] and
		all(.organisms[]; .ok and (.output | test(\"verifies\")) and .error == null)" out &&
	dkg 0 verify unseal --hosts && grep -q "^unseal: all 7 members hold their key share" out &&
	! grep -q "^offer" out
'

test_expect_success 'the group key is the one rebuilt from any 5 of the 7 shares; 4 shares fail' '
	cd "$C1" && T=state/$L/dkg/unseal.json &&
	for set in "h1 h2 h3 h4 h5" "h3 h4 h5 h6 h7" "h1 h3 h5 h6 h7" "h2 h4 h5 h6 h7" "$HOSTS"; do
		args= && for h in $set; do args="$args $h=$h.share"; done &&
		"$COMBINE" $T $args >res || { cat res; exit 1; }
		grep -q "^reconstruct: the group key$" res && grep -q "^elgamal: decrypted$" res || exit 1
	done &&
	for set in "h1 h2 h3 h4" "h4 h5 h6 h7" "h1 h7"; do
		args= && for h in $set; do args="$args $h=$h.share"; done &&
		{ "$COMBINE" $T $args >res; test $? -eq 1; } &&
		grep -q "^reconstruct: another key$" res && grep -q "^elgamal: wrong plaintext$" res || exit 1
	done &&
	"$COMBINE" state/$L/dkg/offer.json h4=h4.offer h6=h6.offer >res && grep -q "elgamal: decrypted" res &&
	{ "$COMBINE" state/$L/dkg/offer.json h5=h5.offer >res; test $? -eq 1; }
'

test_expect_success 'the LatticeConfig and the kit carry the ceremonies keys' '
	cp -a "$C1/state" "$C1/lattice.toml" . &&
	lc_run 0 --json gen-config && hex=$(jq -r .lattice_config out) &&
	lc_run 0 --json inspect "$hex" &&
	test "$(jq -r .organisms.unseal.public_key out)" = "$(jq -r .group_public_key state/$L/dkg/unseal.json)" &&
	test "$(jq -r .organisms.offer.public_key out)" = "$(jq -r .group_public_key state/$L/dkg/offer.json)" &&
	lc_run 0 publish && grep -q "^unseal_public_key: [0-9a-f]\{64\} (5-of-7, DKG ceremony)$" out &&
	test ! -e secrets/$L/dkg
'

test_expect_success 'the coordinator never held a share: none read back from the hosts is in what it relayed' '
	cd "$C1" && cat h*.share h*.offer >shares && test $(wc -l <shares) -eq 10 &&
	test $(grep -c "\"op\":\"dkg_deal\"" relay.log) -eq 10 &&
	test $(grep -c "\"box\":" relay.log) -ge 10 &&
	! grep -q -i -F -f shares relay.log &&
	! grep -q -i -F -f shares state/$L/dkg/unseal.json state/$L/dkg/offer.json
'

test_expect_success 'a recorded ceremony is not run again without --new-identity (the hosts are checked instead)' '
	cp -a "$C1/state" "$C1/lattice.toml" . && cp state/$L/dkg/unseal.json before &&
	dkg 0 run unseal && grep -q "a ceremony is recorded already" out &&
	grep -q "all 7 members hold their key share" out && cmp before state/$L/dkg/unseal.json
'

test_expect_success 'the shipped agent has no cheat mode: a fault file on a host changes nothing' '
	setup && on_host h3 "echo \"lie 5\" >/etc/lattice/dkg-test-fault" &&
	dkg 0 run unseal && ! grep -q -i -e warning -e complain err out &&
	jq -e "[.members[].complaints[]] == []" state/$L/dkg/unseal.json &&
	on_host h3 "rm /etc/lattice/dkg-test-fault"
'

test_expect_success 'a cheating member (test build): the complaint against it is resolved by its revealed share' '
	setup && on_host h3 "echo \"share 5\" >/etc/lattice/dkg-test-fault" &&
	LATTICECTL_AGENT_BUNDLE=$CHEAT dkg 0 run unseal &&
	on_host h3 "rm /etc/lattice/dkg-test-fault" &&
	grep -q "^warning: unseal: member 5 (h5) complained about member 3 (h3) (its share does not match its commitments); resolved by the share it revealed$" err &&
	grep -q "complete: 5-of-7, 7 qualified" out &&
	jq -e ".members[4].complaints == [{\"against\":3,\"why\":\"its share does not match its commitments\"}]
		and (.members[2].reveals|length) == 1 and .members[2].reveals[0].to == 5" state/$L/dkg/unseal.json &&
	lc_run 0 dkg verify unseal && fetch_shares &&
	"$COMBINE" state/$L/dkg/unseal.json h1=h1.share h2=h2.share h3=h3.share h5=h5.share h7=h7.share >res &&
	grep -q "elgamal: decrypted" res
'

test_expect_success 'a cheating member that lies again is disqualified and named; the rest make the key' '
	setup && on_host h3 "echo \"lie 5\" >/etc/lattice/dkg-test-fault" &&
	LATTICECTL_AGENT_BUNDLE=$CHEAT dkg 0 run unseal &&
	on_host h3 "rm /etc/lattice/dkg-test-fault" &&
	grep -q "^warning: unseal: member 3 (h3) is disqualified: member 5 (h5) accused it and the share it revealed for member 5 does not match its commitments$" err &&
	grep -q "complete: 5-of-7, 6 qualified" out &&
	jq -e ".qualified == [1,2,4,5,6,7] and (.members[2].disqualified|test(\"accused\"))" state/$L/dkg/unseal.json &&
	lc_run 0 dkg verify unseal && no_pending && fetch_shares &&
	"$COMBINE" state/$L/dkg/unseal.json h1=h1.share h3=h3.share h4=h4.share h6=h6.share h7=h7.share >res &&
	grep -q "reconstruct: the group key" res
'

test_expect_success 'a member with a wrong verification key is named; nothing is recorded or activated' '
	setup && shares_on_hosts >before && on_host h6 "echo vk >/etc/lattice/dkg-test-fault" &&
	LATTICECTL_AGENT_BUNDLE=$CHEAT dkg 1 run unseal &&
	on_host h6 "rm /etc/lattice/dkg-test-fault" &&
	grep -q "^latticectl: unseal ceremony, finish: member 6 (h6): its verification key does not match the aggregate commitments" err &&
	grep -q "no key share was activated" out &&
	test ! -e state/$L/dkg/unseal.json && shares_on_hosts >after && test_cmp before after
'

test_expect_success 'a member that goes silent mid-ceremony is named; nothing active changes; a re-run from the start completes' '
	setup && shares_on_hosts >before && on_host h4 "echo \"silent deal\" >/etc/lattice/dkg-test-fault" &&
	LATTICECTL_AGENT_BUNDLE=$CHEAT lc_run 1 --ssh-config "$SSHCFG" --timeout 2 dkg run unseal &&
	on_host h4 "rm /etc/lattice/dkg-test-fault" &&
	grep -q "^latticectl: unseal ceremony, round 1 (deal): member 4 (h4): no answer to dkg_deal within 2 s (silent)$" err &&
	test ! -e state/$L/dkg/unseal.json && shares_on_hosts >after && test_cmp before after &&
	dkg 0 run unseal && grep -q "complete: 5-of-7, 7 qualified" out && no_pending
'

test_expect_success 'a relayed message altered in transit is caught by its receiver and named' '
	setup && shares_on_hosts >before &&
	LATTICECTL_TEST_TAMPER=2:6 LC_RUNNER=$LATTICECTL_HOOKS dkg 1 run unseal &&
	grep -q "^latticectl: unseal ceremony, round 2 (verify): member 6 (h6): it rejected the round-1 message of member 2 (h2): its share box does not carry its signature for this ceremony; it left latticectl signed, so it was altered in transit" err &&
	test ! -e state/$L/dkg/unseal.json && shares_on_hosts >after && test_cmp before after
'

test_expect_success 'a message replayed from another ceremony is refused and named' '
	setup && shares_on_hosts >before &&
	LATTICECTL_TEST_REPLAY=$C1/state/$L/dkg/unseal.json:4 LC_RUNNER=$LATTICECTL_HOOKS dkg 1 run unseal &&
	grep -q "^latticectl: unseal ceremony, round 1 (deal): member 4 (h4): its round-1 commitments do not carry its signature for this ceremony (replayed or altered)$" err &&
	test ! -e state/$L/dkg/unseal.json && shares_on_hosts >after && test_cmp before after
'

test_expect_success 'a share lost or replaced on its host afterwards is named by dkg verify --hosts' '
	setup && dkg 0 run unseal &&
	on_host h6 "rm $SECRETS/unseal-member.dkg" &&
	lc_run 0 dkg verify unseal &&
	dkg 1 verify unseal --hosts &&
	grep -q "member 6 (h6): it has no active unseal key share (lost?)" err &&
	grep -q "^hint: 6 of 7 members hold their share; the key works while 5 do" err &&
	on_host h2 "cat $SECRETS/unseal-member.dkg" >s1 &&
	on_host h1 "chmod 600 $SECRETS/unseal-member.dkg && cat >$SECRETS/unseal-member.dkg" <s1 &&
	dkg 1 verify unseal --hosts &&
	grep -q "member 1 (h1): its active unseal key share is not the one this ceremony gave it" err &&
	grep -q "member 6 (h6)" err
'

test_expect_success 'a run cut off after recording: the next run activates the pending shares' '
	setup && dkg 0 run offer && cid=$(jq -r .ceremony state/$L/dkg/offer.json | cut -c1-16) &&
	on_host h5 "mv $SECRETS/offer-member.dkg $SECRETS/offer-member.dkg.pending-$cid" &&
	dkg 1 verify offer --hosts && grep -q "member 2 (h5): its key share of this ceremony is still pending" err &&
	dkg 0 run offer && grep -q "all 3 members hold their key share" out &&
	dkg 0 verify offer --hosts && no_pending
'

test_expect_success '--new-identity retires the recorded ceremony; the identity guard then applies' '
	setup && dkg 0 run && lc_run 0 gen-config -q && old=$(jq -r .group_public_key state/$L/dkg/unseal.json) &&
	dkg 0 run unseal --new-identity &&
	grep -q "the recorded ceremony is retired as .state/$L/dkg/unseal\.[0-9a-f]\{16\}\.retired\.json." out &&
	grep -q "gen-config --new-identity" err &&
	test "$(jq -r .group_public_key state/$L/dkg/unseal.json)" != "$old" &&
	lc_run 1 gen-config && grep -q "refusing to change the identity of lattice .$L.: unseal DKG public key" err &&
	lc_run 0 gen-config -q --new-identity
'

test_expect_success 'the ceremony refuses what it cannot do, clearly' '
	setup && lc_run 2 dkg run bogus && lc_run 2 dkg && lc_run 2 dkg frob &&
	lc_run 1 dkg verify && grep -q "no DKG ceremony is recorded" err &&
	lc_run 1 --json dkg verify && grep -q "no DKG ceremony is recorded" err &&
	jq -e "(.ok | not) and .organisms == []" out &&
	lc_run 1 gen-config && grep -q "no unseal DKG ceremony is recorded" err &&
	grep -q "^hint: run .latticectl dkg run unseal. first" err &&
	cp "$REPO/manifests/local.toml" local.toml &&
	lc_run 1 -m local.toml dkg run && grep -q "uses dkg = \"dealer\"" err &&
	lc_run 1 --ssh-config "$SSHCFG" agent h1 dkg_deal &&
	grep -q "no DKG ceremony in this session" out
'

test_done
