#!/bin/sh
# t0910-layers.sh - the source reads top to bottom: no file includes a header of a layer above its own, and no two modules include each other, directly or around a loop.
. "$(dirname "$0")/lib.sh"

# The layers, top first (README, "Architecture"); a file's module is its
# name without .c/.h and a _priv or _internal (its private header);
# ceremony_run.c is ceremony's, ssh_chan.c ssh's, agent_session.c
# agent_client's.
# Everything else in cli/ is the model and its services (layer 7), and
# common/ is layer 8.
layer_of() {
	case $1 in
	common/*) echo 8; return ;;
	esac
	case ${1##*/} in
	main.c | cmd_*.c) echo 1 ;;
	up.[ch] | ceremony.[ch] | ceremony_priv.h | ceremony_run.c) echo 2 ;;
	plan.[ch] | rollout.[ch] | health.[ch] | probe.[ch]) echo 3 ;;
	run.[ch] | connect.[ch]) echo 4 ;;
	fanout.[ch] | agent_client.[ch] | agent_session.c) echo 5 ;;
	ssh.[ch] | ssh_chan.c | ssh_priv.h) echo 6 ;;
	*) echo 7 ;;
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
