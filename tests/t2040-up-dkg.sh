#!/bin/sh
# t2040-up-dkg.sh - `up` of a dkg = "ceremony" lattice: the 5-of-7 unseal and majority offer ceremonies run inside up.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 7 3400 || { echo "cannot start test hosts"; exit 1; }
lattice_dir "$TEST_DATA/manifests/valid/dkg-ceremony.toml" dkg.local.devnet
COMBINE=$LC_BUILD/tests/tools/dkg_combine
export COMBINE

test_expect_success 'up runs both ceremonies, then deploys; the shares never left their hosts' '
	LATTICECTL_TEST_RELAY_LOG=$W/relay.log LC_RUNNER=lc_hooks lc_run 0 up --offline &&
	grep -q "^unseal: ceremony [0-9a-f]\{16\} complete: 5-of-7, 7 qualified$" err &&
	grep -q "^offer: ceremony [0-9a-f]\{16\} complete: 2-of-3, 3 qualified$" err &&
	grep -q "^hosts up: 7 / 7$" out && grep -q "^unseal_public_key: [0-9a-f]\{64\} (5-of-7, DKG ceremony)$" out &&
	test ! -e "$W/secrets/$L/dkg" &&
	for h in h1 h2 h3 h4 h5 h6 h7; do
		on_host $h "cat /var/lib/lattice/$L/secrets/unseal-member.dkg" >"$W/$h.share" || exit 1
		! grep -qi "$(tr -d "\n" <"$W/$h.share")" "$W/relay.log" || { echo "$h share relayed"; exit 1; }
	done &&
	on_host h1 "grep UNSEAL_DKG_SHARE_FILE /etc/lattice/$L/unseal-member.env" |
		grep -q "=/var/lib/lattice/$L/secrets/unseal-member.dkg$"
'

test_expect_success 'the LatticeConfig carries the group key any 5 shares rebuild; 4 do not' '
	hex=$(sed -n "s/^LatticeConfig: //p" "$TRASH/t1/out") &&
	lc_in 0 --json inspect "$hex" &&
	key=$(jq -r .organisms.unseal.public_key out) &&
	test "$key" = "$(jq -r .group_public_key "$W/state/$L/dkg/unseal.json")" &&
	cd "$W" && "$COMBINE" state/$L/dkg/unseal.json h2=h2.share h3=h3.share h5=h5.share h6=h6.share h7=h7.share >res &&
	grep -q "^reconstruct: the group key$" res &&
	{ "$COMBINE" state/$L/dkg/unseal.json h1=h1.share h2=h2.share h3=h3.share h4=h4.share >res; test $? -eq 1; }
'

test_expect_success 'a second up runs no ceremony, checks every member holds its share, and does nothing' '
	lc_in 0 up --offline && grep -q "nothing to do" err && ! grep -q "ceremony .* complete" err &&
	grep -q "unseal: all 7 members hold their key share" err
'

test_expect_success 'a member that lost its share is named; up never makes a new one by itself' '
	on_host h2 "mv /var/lib/lattice/$L/secrets/unseal-member.dkg /tmp/share.saved" &&
	lc_in 1 up --offline && grep -q "h2" err && grep -q "new-identity" err &&
	! grep -q "ceremony .* complete" err &&
	on_host h2 "mv /tmp/share.saved /var/lib/lattice/$L/secrets/unseal-member.dkg" &&
	lc_in 0 up --offline
'

test_done
