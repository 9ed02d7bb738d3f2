#!/bin/sh
# t0100-validate.sh - `latticectl validate`: valid manifests, one exact diagnostic per rule, JSON.
. "$(dirname "$0")/lib.sh"

test_expect_success 'the Quickstart example (manifests/acme.toml) is valid' '
	lc_run 0 validate -m "$REPO/manifests/acme.toml" &&
	grep -q "acme.toml: valid" out &&
	grep -q "^unseal .* threshold 5-of-7" out &&
	test ! -s err
'

test_expect_success 'the local lattice (manifests/local.toml) is valid and simulated' '
	lc_run 0 validate -m "$REPO/manifests/local.toml" &&
	grep -q "^lattice:   demo.local.devnet" out &&
	grep -q "^tdx:       SIMULATED" out &&
	grep -q "^hosts:     7, running 19 processes" out
'

test_expect_success 'the manifest can be given as an operand' '
	lc_run 0 validate "$REPO/manifests/local.toml" &&
	lc_run 0 -m "$REPO/manifests/local.toml" validate -q && test ! -s out
'

test_expect_success 'the default manifest is ./lattice.toml' '
	cp "$REPO/manifests/local.toml" lattice.toml &&
	lc_run 0 validate -q
'

for f in "$TEST_DATA"/manifests/valid/*.toml; do
	test_expect_success "valid: $(basename "$f")" "lc_run 0 validate -q -m '$f'"
done

# One file per rule; its .expect holds the exact diagnostics.
for f in "$TEST_DATA"/manifests/invalid/*.toml; do
	name=$(basename "$f" .toml)
	test_expect_success "invalid: $name ($(sed -n '1s/^# //p' "$f"))" "
		cp '$f' '$name.toml' &&
		lc_run 3 validate -m '$name.toml' &&
		test_cmp '${f%.toml}.expect' err &&
		test ! -s out
	"
done

test_expect_success 'every diagnostic is FILE:LINE:COL: error: plus a hint line' '
	for f in "$TEST_DATA"/manifests/invalid/*.expect; do
		errs=$(grep -c ": error: " "$f") &&
		hints=$(grep -c "^hint: " "$f") &&
		test "$errs" -ge 1 && test "$errs" -eq "$hints" &&
		! grep -v -e "^[a-z0-9-]*\.toml:[0-9]*:[0-9]*: error: " -e "^hint: " \
			-e "^[a-z0-9-]*\.toml: [0-9]* errors\{0,1\}$" "$f" || return 1
	done
'

test_expect_success 'one run reports every error, in file order' '
	cp "$TEST_DATA/manifests/invalid/many-errors.toml" m.toml &&
	lc_run 3 validate -m m.toml &&
	test "$(grep -c ": error: " err)" -ge 4 &&
	grep ": error: " err | cut -d: -f2 >lines &&
	sort -n lines | test_cmp - lines
'

test_expect_success '--json lists the diagnostics with file, line, column, message, hint' '
	cp "$TEST_DATA/manifests/invalid/key-unknown.toml" k.toml &&
	lc_run 3 --json validate -m k.toml &&
	test ! -s err &&
	jq -e ".valid == false and .errors == 1 and .manifest == \"k.toml\"" out &&
	jq -e ".diagnostics[0] | .file == \"k.toml\" and .line == 4 and .column == 1
		and .severity == \"error\"
		and .message == \"unknown key '"'"'chain-id'"'"' in [lattice]\"
		and .hint == \"did you mean '"'"'chain_id'"'"'?\"" out
'

test_expect_success '--json on a valid manifest: valid, no diagnostics' '
	lc_run 0 validate --json -m "$REPO/manifests/acme.toml" &&
	jq -e ".valid == true and .errors == 0 and (.diagnostics | length) == 0" out
'

test_expect_success 'usage errors exit 2 with a hint' '
	lc_run 2 validate --no-such-option && grep -q "unknown option" err &&
	grep -q "^hint: " err &&
	lc_run 2 valdate && grep -q "did you mean '"'"'validate'"'"'" err &&
	lc_run 2 validate a.toml b.toml &&
	lc_run 2 validate -m && grep -q "needs a PATH" err &&
	lc_run 2
'

test_expect_success 'help, -h and version' '
	lc_run 0 help && grep -q "validate" out &&
	lc_run 0 help validate && grep -q "usage: latticectl \[options\] validate" out &&
	lc_run 0 validate -h && grep -q "usage:" out &&
	lc_run 2 help nosuch &&
	lc_run 0 version && grep -q "^latticectl [0-9][0-9.]*$" out &&
	lc_run 0 version --json && jq -e ".version" out
'

test_done
