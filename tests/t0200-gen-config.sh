#!/bin/sh
# t0200-gen-config.sh - gen-config: secrets made once, a stable fingerprint, the identity guard.
. "$(dirname "$0")/lib.sh"

BASE=$TEST_DATA/manifests/identity/base.toml
L=acme.ethereum.testnet

# gen-config on a manifest, printing only the lattice_id.
lattice_id() {
	"$LATTICECTL" gen-config -q "$@" | sed -n 's/^lattice_id: *//p'
}

# A copy of the base manifest edited by sed.
variant() {
	sed "$1" "$BASE" >v.toml && ! cmp -s v.toml "$BASE"
}

# The base is a production lattice: its unseal and offer keys come from DKG
# ceremonies, recorded here by a test tool that runs every member in one
# process (the ceremony over SSH is tests/t2300-dkg.sh).
DKG_LOCAL=$LC_BUILD/tests/tools/dkg_local

# The fingerprint of the pristine base, made once, copied into each test.
(cd "$TRASH" && mkdir pristine && cd pristine && cp "$BASE" lattice.toml &&
	"$DKG_LOCAL" lattice.toml state >/dev/null &&
	"$LATTICECTL" gen-config -q 2>/dev/null | sed -n 's/^lattice_id: *//p' >id) 
ID0=$(cat "$TRASH/pristine/id")
fresh() {
	cp -a "$TRASH/pristine/secrets" "$TRASH/pristine/state" "$TRASH/pristine/lattice.toml" .
}

test_expect_success 'gen-config makes every secret with strict modes' '
	test -n "$ID0" &&
	fresh &&
	test "$(stat -c %a secrets secrets/$L)" = "$(printf "700\n700")" &&
	test -z "$(find secrets -type f ! -perm 0400)" &&
	test -z "$(find secrets -type d ! -perm 0700)" &&
	test $(ls secrets/$L/admission | wc -l) -eq 6 &&
	test $(ls secrets/$L/peers | wc -l) -eq 19 &&
	test -f secrets/$L/bls/master.seed &&
	test $(ls secrets/$L/bls | wc -l) -eq 13 &&
	test $(ls secrets/$L/bls/*.keystore.opened | wc -l) -eq 3 &&
	test $(ls secrets/$L/tally | wc -l) -eq 3 &&
	test ! -e secrets/$L/dkg &&
	jq -e ".t == 2 and .n == 3 and (.qualified|length) == 3" state/$L/dkg/unseal.json &&
	jq -e ".t == 2 and .n == 3" state/$L/dkg/offer.json &&
	grep -qx "[0-9a-f]\{64\}" secrets/$L/admission/zipnet.secret &&
	test -f state/$L/identity.json
'

test_expect_success 'a second run leaves every secret byte for byte identical' '
	fresh &&
	find secrets -type f -exec sha256sum {} + | sort >before &&
	lc_run 0 gen-config && grep -q "(0 created, 38 reused)" out &&
	grep -q "^identity: *unchanged" out &&
	find secrets -type f -exec sha256sum {} + | sort >after &&
	test_cmp before after &&
	test "$(sed -n "s/^lattice_id: *//p" out)" = "$ID0"
'

KEYSTORE_OPEN=$LC_BUILD/tests/tools/keystore_open
# "pubkey HEX" of every atelier key the kit in out publishes, sorted.
published_bls() {
	sed -n "s/^atelier_bls_pubkey: \([0-9a-f]*\) .*/pubkey \1/p" out | sort
}

test_expect_success 'each atelier key also as an EIP-2335 keystore with a password of its own, opening to the published key' '
	fresh && lc_run 0 publish && published_bls >want &&
	for f in secrets/$L/bls/*.sk; do
		b=${f%.sk} &&
		grep -qx "[0-9a-f]\{64\}" $b.password &&
		jq -e ".version == 4 and .crypto.kdf.function == \"pbkdf2\" and .crypto.kdf.params.c == 262144" \
			$b.keystore.json >/dev/null &&
		"$KEYSTORE_OPEN" $b.keystore.json $b.password || exit 1
	done | sort >got &&
	test $(wc -l <got) -eq 3 && test_cmp want got
'

test_expect_success 'a store from before keystores gets them from the next gen-config, key and fingerprint unchanged' '
	fresh && rm secrets/$L/bls/*.keystore.json secrets/$L/bls/*.password &&
	find secrets -type f -exec sha256sum {} + | sort >before &&
	lc_run 0 publish && published_bls >want &&
	find secrets -type f -exec sha256sum {} + | sort >after && test_cmp before after &&
	lc_run 0 gen-config && grep -q "(6 created, 32 reused)" out &&
	test "$(sed -n "s/^lattice_id: *//p" out)" = "$ID0" &&
	find secrets -type f -exec sha256sum {} + | sort >after &&
	join -v 1 before after >changed && test ! -s changed &&
	for f in secrets/$L/bls/*.sk; do
		"$KEYSTORE_OPEN" ${f%.sk}.keystore.json ${f%.sk}.password || exit 1
	done | sort >got && test_cmp want got &&
	lc_run 0 gen-config && grep -q "(0 created, 38 reused)" out
'

test_expect_success 'the fingerprint is stable under host reordering' '
	fresh &&
	awk "BEGIN{n=0} /^\[\[hosts\]\]/{n++} {b[n]=b[n] \$0 \"\n\"} END{printf \"%s\", b[0]; for(i=n;i>0;i--) printf \"%s\", b[i]}" \
		"$BASE" >r.toml &&
	! cmp -s r.toml "$BASE" &&
	test "$(lattice_id -m r.toml)" = "$ID0"
'

test_expect_success 'the fingerprint ignores comments, whitespace and key order' '
	fresh &&
	{ echo "# a comment"; sed -e "s/ = / =   /" -e "s/^chain_id = *17000$/chain_id = 17_000 # same/" "$BASE"; } >w.toml &&
	awk "/^name =/{n=\$0; next} /^chain_id/{print; print n; next} {print}" w.toml >k.toml &&
	test "$(lattice_id -m k.toml)" = "$ID0"
'

# Each identity field: refused without --new-identity, a new fingerprint with it.
# A threshold change needs a new ceremony (4th argument "dkg") before the
# new identity can be made; the old transcripts are retired first.
identity_field() {
	what=$1 expr=$2 msg=$3 dkg=${4:-}
	test_expect_success "identity field: $what" "
		fresh &&
		variant '$expr' &&
		find secrets -type f -exec sha256sum {} + | sort >before &&
		lc_run 1 gen-config -m v.toml &&
		grep -q \"^latticectl: refusing to change the identity of lattice '$L': $msg\" err &&
		grep -q \"^hint: follow the lattice-retirement procedure: 'latticectl -m v.toml successor' makes the manifest '$L.v2', to run beside '$L'\" err &&
		find secrets -type f -exec sha256sum {} + | sort >after &&
		test_cmp before after &&
		if [ -n '$dkg' ]; then rm -r state/$L/dkg && \"\$DKG_LOCAL\" v.toml state >/dev/null; fi &&
		id=\$(lattice_id -m v.toml --new-identity) && test -n \"\$id\" &&
		test \"\$id\" != '$ID0' &&
		ls state/$L/identity.*.json
	"
}
identity_field 'chain_id' 's/^chain_id = 17000/chain_id = 17001/' 'chain_id 17000 -> 17001'
identity_field 'tdx mode' 's/^chain_id = 17000/chain_id = 17000\ntdx = "simulate"/' 'tdx required -> simulate'
identity_field 'zipnet window' 's/^window = "interactive"/window = "archival"/' 'zipnet window interactive -> archival'
identity_field 'unseal threshold' 's/^threshold = "2-of-3"/threshold = "3-of-3"/' 'unseal threshold 2-of-3 -> 3-of-3' dkg
identity_field 'unseal MR_TD' 's/^mrtd = "a1a1/mrtd = "a0a1/' 'unseal MR_TD'
identity_field 'offer auction window' 's/^auction_window_ms = 800/auction_window_ms = 900/' 'offer auction_window_ms 800 -> 900'
identity_field 'offer threshold' 's/^auction_window_ms = 800/auction_window_ms = 800\nthreshold = "3-of-3"/' 'offer threshold 2-of-3 -> 3-of-3' dkg
identity_field 'atelier block schema' 's/^block_schema = "l1-post-4844"/block_schema = "l1-post-4844b"/' "atelier block_schema 'l1-post-4844' -> 'l1-post-4844b'"
identity_field 'atelier MR_TD' 's/^mrtd = "b2b2/mrtd = "b0b2/' 'atelier MR_TD'
identity_field 'relay policy' 's/^policy = "l1-mev-boost"/policy = "l1-mev-boost-v2"/' "relay policy 'l1-mev-boost' -> 'l1-mev-boost-v2'"
identity_field 'relay proposer endpoints' 's|^proposer_endpoints = \["https://relay.acme.example"\]|proposer_endpoints = ["https://relay.acme.example", "https://relay-b.acme.example"]|' 'relay proposer_endpoints'
identity_field 'tally settlement address' 's/^settlement_addr = .*/settlement_addr = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"/' 'tally settlement_addr'

test_expect_success 'identity field: lattice name (a new name is a new lattice)' '
	fresh && variant "s/^name = .*/name = \"acme.ethereum.testnet2\"/" &&
	"$DKG_LOCAL" v.toml state >/dev/null &&
	id=$(lattice_id -m v.toml) && test -n "$id" && test "$id" != "$ID0" &&
	test -d secrets/acme.ethereum.testnet2
'

test_expect_success 'identity field: the DKG output (no key is dealt for a lost transcript; a new ceremony is a new lattice)' '
	fresh && rm state/$L/dkg/offer.json &&
	lc_run 1 gen-config &&
	grep -q "no offer DKG ceremony is recorded" err &&
	grep -q "^hint: run .latticectl dkg run offer. first" err &&
	test ! -e secrets/$L/dkg &&
	rm -r state/$L/dkg && "$DKG_LOCAL" lattice.toml state >/dev/null &&
	lc_run 1 gen-config &&
	grep -q "refusing to change the identity of lattice .$L.: unseal DKG public key" err &&
	id=$(lattice_id --new-identity) && test "$id" != "$ID0"
'

# Non-identity changes keep the fingerprint.
same_id() {
	test_expect_success "not identity: $1" "
		fresh && $2 &&
		test \"\$(lattice_id -m v.toml)\" = '$ID0'
	"
}
same_id 'a chain_rpc URL' "variant 's|^chain_rpc = \"https://rpc.acme.example/\"|chain_rpc = \"https://rpc2.acme.example/key\"|'"
same_id 'a binary path' "variant 's|^tally-member = \"bin/tally-member\"|tally-member = \"bin/tally-member-1.1\"|'"
same_id 'an added tally host' "{ cat \"\$BASE\"; printf '\\n[[hosts]]\\nssh = \"ubuntu@cloud-04.acme.example\"\\nroles = [\"tally-member\"]\\n'; } >v.toml &&
	\"\$LATTICECTL\" gen-config -q -m v.toml >/dev/null && ls secrets/$L/tally | grep -q cloud-04"
same_id 'a rotated peer identity' "cp \"\$BASE\" v.toml &&
	f=secrets/$L/peers/ubuntu_cloud-01.acme.example.offer-member.seed &&
	old=\$(cat \$f) && rm -f \$f && \"\$LATTICECTL\" gen-config -q -m v.toml >/dev/null &&
	test \"\$(cat \$f)\" != \"\$old\""
same_id 'a rotated admission secret' "cp \"\$BASE\" v.toml && rm -f secrets/$L/admission/relay.secret"

test_expect_success 'the kit: every field, simulated lattices marked' '
	fresh && lc_run 0 publish &&
	grep -q "^lattice: $L$" out && grep -q "^chain_id: 17000$" out &&
	grep -q "^lattice_id: $ID0$" out &&
	grep -q "^LatticeConfig: 4c544346" out &&
	grep -q "^atelier_mrtd: \(b2\)\{48\}$" out && grep -q "^unseal_mrtd: \(a1\)\{48\}$" out &&
	grep -q "^bootstrap_peer: [0-9a-f]\{64\} (zipnet-aggregator)$" out &&
	test $(grep -c "^atelier_bls_pubkey: [0-9a-f]\{96\} " out) -eq 3 &&
	test $(grep -c "^tally_address: 0x[0-9a-fA-F]\{40\} " out) -eq 3 &&
	grep -q "^unseal_public_key: $(jq -r .group_public_key state/$L/dkg/unseal.json) (2-of-3, DKG ceremony)$" out &&
	grep -q "^offer_public_key: $(jq -r .group_public_key state/$L/dkg/offer.json) (2-of-3, DKG ceremony)$" out &&
	! grep -q -e SIMULATED -e DEALER out &&
	lc_run 0 --json publish && jq -e ".lattice_id == \"$ID0\" and (.tally_addresses|length) == 3 and .simulated == false" out &&
	cp "$REPO/manifests/local.toml" l.toml && "$LATTICECTL" gen-config -q -m l.toml >/dev/null &&
	lc_run 0 publish -m l.toml && head -n 1 out | grep -q "^WARNING: tdx = \"simulate\"" &&
	grep -q "^unseal_public_key: [0-9a-f]\{64\} (2-of-3, TRUSTED DEALER: development only)$" out &&
	test $(grep -c "(SIMULATED: not a real measurement)$" out) -eq 2
'

test_expect_success 'the kit agrees with inspect and with the keys on disk' '
	fresh && lc_run 0 --json publish &&
	hex=$(jq -r .lattice_config out) &&
	lc_run 0 --json inspect "$hex" && jq -e ".lattice_id == \"$ID0\"" out
'

test_expect_success 'publish --git commits once per change, nothing when unchanged' '
	fresh && git init -q notes &&
	lc_run 0 publish --git notes && grep -q "committed the kit" err &&
	test "$(git -C notes rev-list --count HEAD)" = 1 &&
	git -C notes log -1 --format=%s | grep -q "lattice_id $ID0" &&
	test -f notes/$L/handshake-kit.json &&
	lc_run 0 publish --git notes && grep -q "unchanged; nothing committed" err &&
	test "$(git -C notes rev-list --count HEAD)" = 1 &&
	variant "s/^auction_window_ms = 800/auction_window_ms = 900/" &&
	"$LATTICECTL" gen-config -q --new-identity -m v.toml >/dev/null &&
	lc_run 0 publish -m v.toml --git notes &&
	test "$(git -C notes rev-list --count HEAD)" = 2 &&
	lc_run 1 publish --git nonrepo && grep -q "is not a git repository" err
'

test_expect_success 'a manifest in git: the kit and state record its commit and dirtiness' '
	mkdir repo && cd repo && git init -q && cp "$BASE" lattice.toml &&
	printf "/secrets/\n/state/\n" >.gitignore &&
	git add . && git -c user.name=t -c user.email=t@t commit -qm m &&
	"$DKG_LOCAL" lattice.toml state >/dev/null &&
	"$LATTICECTL" gen-config -q >/dev/null &&
	head=$(git rev-parse HEAD) &&
	jq -e ".manifest_git.commit == \"$head\" and .manifest_git.dirty == false" state/$L/identity.json &&
	"$LATTICECTL" publish >kit && grep -q "^manifest_commit: $head$" kit &&
	echo "# edit" >>lattice.toml && "$LATTICECTL" publish >kit &&
	grep -q "^manifest_commit: $head (work tree dirty)$" kit
'

test_expect_success 'publish never creates secrets' '
	cp "$BASE" lattice.toml && lc_run 1 publish &&
	grep -q "no secrets in .secrets." err && grep -q "run .latticectl gen-config. first" err &&
	test ! -e secrets
'

test_expect_success 'no secret value appears in any output, state or kit' '
	fresh && for f in $(find secrets -type f ! -name public.json ! -name "*.keystore.json"); do
		head -c 64 $f; echo; done >secret-values &&
	test $(wc -l <secret-values) -ge 35 &&
	{ "$LATTICECTL" gen-config; "$LATTICECTL" --json gen-config; "$LATTICECTL" publish;
	  "$LATTICECTL" --json publish; "$LATTICECTL" validate; "$LATTICECTL" -v gen-config; } >all-output 2>&1 &&
	find state -type f -exec cat {} + >>all-output &&
	git init -q kit && "$LATTICECTL" publish --git kit >>all-output 2>&1 && cat kit/$L/* >>all-output &&
	! grep -F -f secret-values all-output
'

test_done
