#!/bin/sh
# t0910-layers.sh - the source reads top to bottom: no file includes a header of a layer above its own, and no two modules include each other, directly or around a loop.
. "$(dirname "$0")/lib.sh"

# The layers, top first (README, "Architecture"): verbs (with up.c, the
# run of up and add-host), the run (opened and closed), the steps (plan,
# rollout, health, probes, the DKG coordinator), the agent session (with
# runctx, the run's state the steps share), ssh, the model and its
# services (everything else in cli/), and common/.  A file's module is its
# name without .c/.h and a _priv or _internal (its private header);
# ceremony_run.c is ceremony's, ssh_chan.c ssh's, agent_session.c
# agent_client's.
layer_of() {
	case $1 in
	common/*) echo 7; return ;;
	esac
	case ${1##*/} in
	main.c | cmd_*.c | up.[ch]) echo 1 ;;
	run.[ch] | connect.[ch]) echo 2 ;;
	plan.[ch] | rollout.[ch] | health.[ch] | probe.[ch] | ceremony.[ch] | ceremony_priv.h | ceremony_run.c) echo 3 ;;
	fanout.[ch] | agent_client.[ch] | agent_session.c | runctx.[ch]) echo 4 ;;
	ssh.[ch] | ssh_chan.c | ssh_priv.h) echo 5 ;;
	*) echo 6 ;;
	esac
}
module_of() {
	m=${1##*/}
	m=${m%.[ch]}
	m=${m%_priv}
	m=${m%_internal}
	case $m in
	ceremony_run) m=ceremony ;;
	ssh_chan) m=ssh ;;
	agent_session) m=agent_client ;;
	esac
	echo "$m"
}

# "file header" for every quoted include of cli/ and common/.
(cd "$REPO" && for f in cli/*.[ch] common/*.[ch]; do
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r h; do
		[ "$h" = banned.h ] && continue
		if [ -f "cli/$h" ]; then echo "$f cli/$h"; elif [ -f "common/$h" ]; then echo "$f common/$h"; fi
	done
done) >"$TRASH/includes"

test_expect_success 'the include graph was read' '
	test "$(wc -l <"$TRASH/includes")" -gt 200
'

test_expect_success 'the run opens and closes; the steps see only its state (runctx.h), never run.h' '
	! grep -E "^cli/(plan|rollout|health|probe|ceremony[a-z_]*)\.[ch] cli/run\.h$" "$TRASH/includes"
'

test_expect_success 'no file includes a header from a layer above its own' '
	while read -r f h; do
		lf=$(layer_of "$f") && lh=$(layer_of "$h") &&
		if [ "$lh" -lt "$lf" ]; then echo "$f (layer $lf) includes $h (layer $lh)"; fi
	done <"$TRASH/includes" >up &&
	cat up && test ! -s up
'

test_expect_success 'common/ includes nothing from cli/' '
	! grep "^common/.* cli/" "$TRASH/includes"
'

test_expect_success 'no loop between modules (tsort finds an order)' '
	while read -r f h; do
		a=$(module_of "$f") && b=$(module_of "$h") &&
		if [ "$a" != "$b" ]; then echo "$a $b"; fi
	done <"$TRASH/includes" | sort -u >edges &&
	tsort edges >order 2>err; rc=$?; cat err; test $rc = 0 && ! grep -q loop err
'

test_done
