#!/bin/sh
# t2010-resume.sh - kill -9 of `latticectl up` at every journal commit point: each re-run resumes, and they converge on one identity.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 7 2900 || { echo "cannot start test hosts"; exit 1; }
lattice_dir

# Every secret's hash, and the recorded identity.
fingerprint() {
	(cd "$W" && find secrets -type f | sort | xargs sha256sum &&
		jq -r .lattice_id "state/$L/identity.json")
}

test_expect_success 'up killed with SIGKILL after each commit; every re-run resumes; they converge' '
	k=1 && rc=137 &&
	while [ $rc -eq 137 ]; do
		LATTICECTL_TEST_KILL_AT_COMMIT=$k lc_hooks up --offline >"$W/out.$k" 2>"$W/err.$k"
		rc=$?
		if [ $k -eq 1 ]; then fingerprint >"$W/fp1" || exit 1; fi
		[ $rc -eq 137 ] || [ $rc -eq 0 ] || { echo "run $k exited $rc"; cat "$W/err.$k"; exit 1; }
		k=$((k + 1))
		[ $k -lt 200 ] || { echo "no convergence after 200 runs"; exit 1; }
	done &&
	echo "converged after $((k - 1)) runs" >&2 &&
	test $k -gt 20 &&
	echo $((k - 1)) >"$W/last" &&
	grep -q "^hosts up: 7 / 7$" "$W/out.$((k - 1))" &&
	fingerprint >fp && test_cmp "$W/fp1" fp
'

test_expect_success 'the shipped latticectl has no test hooks: it ignores LATTICECTL_TEST_*' '
	! grep -a -q LATTICECTL_TEST_ "$LATTICECTL" &&
	grep -a -q LATTICECTL_TEST_KILL_AT_COMMIT "$LATTICECTL_HOOKS" &&
	LATTICECTL_TEST_KILL_AT_COMMIT=1 LC_RUNNER=lc lc_run 0 up --offline &&
	grep -q "^up: nothing to do" err
'

test_expect_success 'a killed run left word of itself; the next one said so' '
	grep -l "did not finish" "$W"/err.* >/dev/null
'

test_expect_success 'after convergence: nothing to do, plan clean, the same LatticeConfig' '
	lc up --offline >out 2>err && grep -q "nothing to do" err &&
	lc plan >/dev/null 2>&1 &&
	grep "^LatticeConfig:" out >a && grep "^LatticeConfig:" "$W/out.$(cat "$W/last")" >b &&
	test_cmp a b
'

test_expect_success 'a torn journal tail is cut with a warning; a corrupt middle names the remedy' '
	j=$W/state/$L/journal && cp "$j" saved &&
	printf "J1 999 0000" >>"$j" &&
	lc up --offline >out 2>err || { cat err; exit 1; }
	grep -q "torn" err && grep -q "nothing to do" err &&
	head -c "$(stat -c %s saved)" "$j" >prefix && cmp prefix saved || exit 1
	n=$(wc -l <"$j") && sed -i "$((n / 2))s/\"step\"/\"stap\"/" "$j" || exit 1
	if lc up --offline >out 2>err; then echo "a damaged journal was accepted"; exit 1; fi
	grep -q "damaged at line $((n / 2)) " err && grep -q "journal.damaged" err || { cat err; exit 1; }
	mv "$j" "$j.damaged" && lc up --offline >out 2>err || { cat err; exit 1; }
	grep -q "19 unchanged" err && grep -q "^hosts up: 7 / 7$" out
'

test_done
