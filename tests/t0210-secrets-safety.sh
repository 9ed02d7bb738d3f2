#!/bin/sh
# t0210-secrets-safety.sh - the secrets store refuses what is unsafe and never changes an existing secret.
. "$(dirname "$0")/lib.sh"

# The base, simulated: its unseal and offer keys are dealt into the secrets
# store (dkg = "dealer"), whose safety this suite checks too.
BASE=$TRASH/base.toml
sed 's/^chain_id = 17000$/chain_id = 17000\ntdx = "simulate"/' \
	"$TEST_DATA/manifests/identity/base.toml" >"$BASE"
L=acme.ethereum.testnet

(cd "$TRASH" && mkdir pristine && cd pristine && cp "$BASE" lattice.toml &&
	"$LATTICECTL" gen-config -q >/dev/null 2>&1)
fresh() {
	cp -a "$TRASH/pristine/secrets" "$TRASH/pristine/state" "$TRASH/pristine/lattice.toml" .
}
snapshot() {
	find secrets -type f -exec sha256sum {} + | sort
}

# A run that must fail with msg and leave every secret as it was.
refused() {
	snapshot >before &&
	lc_run 1 gen-config &&
	grep -q "$1" err && grep -q "^hint: " err &&
	snapshot >after && test_cmp before after
}

test_expect_success 'a group-readable secrets directory is refused' '
	fresh && chmod 750 secrets/$L &&
	refused "secrets directory .secrets/$L. is accessible by group or others (mode 0750)" &&
	grep -q "chmod 700" err
'

test_expect_success 'a world-readable secrets root is refused' '
	fresh && chmod 755 secrets && refused "secrets directory .secrets. is accessible"
'

test_expect_success 'a secrets directory that is a symlink is refused' '
	fresh && mv secrets/$L elsewhere && ln -s ../elsewhere secrets/$L &&
	lc_run 1 gen-config && grep -q "is a symlink" err &&
	test -L secrets/$L
'

test_expect_success 'a secrets path that is a file is refused' '
	cp "$BASE" lattice.toml && echo x >secrets &&
	lc_run 1 gen-config && grep -q "secrets path .secrets. is not a directory" err &&
	test "$(cat secrets)" = x
'

test_expect_success 'a truncated secret is refused and left alone' '
	fresh && f=secrets/$L/admission/offer.secret && chmod 600 $f &&
	head -c 20 $f >t && cat t >$f && chmod 400 $f &&
	refused "secret .secrets/$L/admission/offer.secret. is corrupt" &&
	grep -q "restore it from your backup" err
'

test_expect_success 'a foreign secret (not hex) is refused' '
	fresh && f=secrets/$L/tally/ubuntu_cloud-02.acme.example.secp256k1 && chmod 600 $f &&
	printf "%064d\n" 0 | tr 0 z >$f && chmod 400 $f &&
	refused "is corrupt"
'

test_expect_success 'an invalid secp256k1 key (zero) is refused' '
	fresh && f=secrets/$L/tally/ubuntu_cloud-02.acme.example.secp256k1 && chmod 600 $f &&
	printf "%064d\n" 0 >$f && chmod 400 $f &&
	refused "ubuntu_cloud-02.acme.example.secp256k1"
'

test_expect_success 'a secret with loose permissions is refused' '
	fresh && chmod 644 secrets/$L/bls/master.seed &&
	refused "secret .secrets/$L/bls/master.seed. is accessible by group or others (mode 0644)"
'

test_expect_success 'a secret that is a symlink is refused' '
	fresh && f=secrets/$L/admission/zipnet.secret && mv $f real && ln -s ../../../real $f &&
	lc_run 1 gen-config && grep -q "secret .secrets/$L/admission/zipnet.secret. is a symlink" err
'

test_expect_success 'a replaced BLS key is caught against the master seed' '
	fresh && f=$(ls secrets/$L/bls/*.sk | head -n 1) && chmod 600 $f &&
	printf "%064x\n" 7 >$f && chmod 400 $f &&
	refused "is not the key derived from bls/master.seed"
'

test_expect_success 'an atelier keystore must open with its own password file to its own key' '
	fresh && b=$(ls secrets/$L/bls/*.sk | sed -n "1s/\.sk$//p") &&
	o=$(ls secrets/$L/bls/*.sk | sed -n "2s/\.sk$//p") &&
	chmod 600 $b.password && cp $o.password $b.password && chmod 400 $b.password &&
	refused "keystore .$b.keystore.json. does not open with its password file: wrong password" &&
	grep -q "made again for the same key" err &&
	fresh && chmod 600 $b.keystore.json $b.password &&
	cp $o.keystore.json $b.keystore.json && cp $o.password $b.password &&
	chmod 400 $b.keystore.json $b.password &&
	refused "keystore .$b.keystore.json. is not the keystore of this member.s key" &&
	fresh && rm $b.password &&
	refused "keystore .$b.keystore.json. has no password file" &&
	fresh && chmod 644 $b.keystore.json &&
	refused "secret .$b.keystore.json. is accessible by group or others"
'

test_expect_success 'an altered DKG share is caught against the commitments' '
	fresh && f=secrets/$L/dkg/unseal/ubuntu_tdx-02.acme.example.share && chmod 600 $f &&
	printf "%064x\n" 5 >$f && chmod 400 $f &&
	refused "key share .secrets/$L/dkg/unseal/ubuntu_tdx-02.acme.example.share. does not match the recorded unseal commitments"
'

test_expect_success 'a lost DKG share cannot be remade' '
	fresh && rm -f secrets/$L/dkg/offer/ubuntu_cloud-03.acme.example.share &&
	snapshot >before && lc_run 1 gen-config &&
	grep -q "cannot be remade" err && snapshot >after && test_cmp before after
'

test_expect_success 'a corrupt DKG record is refused' '
	fresh && f=secrets/$L/dkg/offer/public.json && chmod 600 $f && echo "{" >$f && chmod 400 $f &&
	refused "dkg/offer/public.json. is corrupt"
'

test_expect_success 'a DKG staging directory left by a killed run is dropped, never used' '
	fresh && mkdir -m 700 secrets/$L/dkg/unseal.staging-99999 &&
	echo junk >secrets/$L/dkg/unseal.staging-99999/x.share &&
	lc_run 0 gen-config && test ! -e secrets/$L/dkg/unseal.staging-99999
'

test_expect_success 'secrets inside a git work tree that git does not ignore are refused' '
	git init -q repo && cd repo && cp "$BASE" lattice.toml &&
	lc_run 1 gen-config &&
	grep -q "refusing to keep secrets in .*secrets/$L.: it is inside the git work tree" err &&
	grep -q "^hint: add ./secrets/$L/. to .*\.gitignore" err &&
	test ! -e secrets &&
	echo "/secrets/" >.gitignore && lc_run 0 gen-config -q &&
	test -z "$(git status --porcelain --ignored=no | grep secrets)"
'

test_expect_success 'a read-only secrets file system: a clear error, nothing half-written' '
	fresh && snapshot >before && rm -f secrets/$L/admission/atelier.secret &&
	unshare --mount sh -c "mount --bind secrets secrets && mount -o remount,bind,ro secrets &&
		\"$LATTICECTL\" gen-config" >out 2>err; rc=$?
	test $rc -eq 1 && grep -q "Read-only file system" err &&
	test -z "$(find secrets -name "*.tmp-*")" && test ! -e secrets/$L/admission/atelier.secret &&
	lc_run 0 gen-config && test -s secrets/$L/admission/atelier.secret
'

test_expect_success 'a full disk: a clear error, nothing half-written, a re-run completes' '
	cp "$BASE" lattice.toml && mkdir secrets && chmod 700 secrets &&
	unshare --mount sh -c "mount -t tmpfs -o size=16k,mode=700 tmpfs secrets &&
		dd if=/dev/zero of=secrets/fill bs=1k count=64 2>/dev/null;
		\"$LATTICECTL\" gen-config >out 2>err; echo \$? >rc;
		find secrets -name \"*.tmp-*\" >leftovers; find secrets -type f -size -65c -name \"*.secret\" -exec sh -c \"test \\\$(wc -c <{}) -eq 65 || echo {}\" \\; >partial" &&
	test "$(cat rc)" = 1 && grep -q "No space left on device" err &&
	test ! -s leftovers && test ! -s partial
'

test_expect_success 'production lattice without an MR_TD fails closed' '
	cp "$TEST_DATA/manifests/valid/minimal.toml" lattice.toml &&
	lc_run 1 gen-config && grep -q "no MR_TD for unseal: a production lattice pins" err &&
	grep -q "set mrtd, mrtd_file or mrtd_build in \[organisms.unseal\]" err && test ! -e secrets
'

test_expect_success 'MR_TD from a file, and a malformed one' '
	sed "/^mrtd = \"a1/d; s/^threshold = \"2-of-3\"/threshold = \"2-of-3\"\nmrtd_file = \"u.hex\"/" "$BASE" >lattice.toml &&
	printf "%096d\n" 0 | tr 0 c >u.hex && lc_run 0 gen-config -q &&
	lc_run 0 inspect "$(sed -n "s/^LatticeConfig: //p" out)" && grep -q "^unseal.mrtd: *\(cc\)\{48\}$" out &&
	echo nothex >u.hex && lc_run 1 gen-config &&
	grep -q "malformed MR_TD in .*u.hex.: expected 96 hex digits" err
'

test_expect_success 'MR_TD from a build command writing $MRTD_OUT, and a failing build' '
	sed "/^mrtd = \"b2/d; s/^block_schema = \(.*\)/block_schema = \1\nmrtd_build = \"sh build.sh\"/" "$BASE" >lattice.toml &&
	printf "echo building >&2; printf \"%%096d\" 0 | tr 0 d >\"\$MRTD_OUT\"\n" >build.sh &&
	lc_run 0 gen-config -q && grep -q building err &&
	lc_run 0 inspect "$(sed -n "s/^LatticeConfig: //p" out)" && grep -q "^atelier.mrtd: *\(dd\)\{48\}$" out &&
	echo "exit 3" >build.sh && lc_run 1 gen-config &&
	grep -q "the MR_TD build of atelier failed (exit status 3)" err &&
	echo "true" >build.sh && lc_run 1 gen-config && grep -q "wrote nothing to \$MRTD_OUT" err
'

test_done
