#!/bin/sh
# t0110-bad-input.sh - hostile manifests: a clear error and exit 3, never a crash.
. "$(dirname "$0")/lib.sh"

test_expect_success 'a missing file' '
	lc_run 3 validate -m nosuch.toml &&
	grep -q "^nosuch.toml: error: cannot open '"'"'nosuch.toml'"'"': No such file or directory" err &&
	grep -q "^hint: give the manifest with -m PATH" err
'

test_expect_success 'the default manifest missing' '
	lc_run 3 validate && grep -q "cannot open '"'"'lattice.toml'"'"'" err
'

test_expect_success 'a directory' '
	mkdir d && lc_run 3 validate -m d && grep -q "is a directory" err
'

test_expect_success 'a device or FIFO' '
	lc_run 3 validate -m /dev/null && grep -q "not a regular file" err &&
	mkfifo fifo && lc_run 3 validate -m fifo && grep -q "not a regular file" err
'

test_expect_success 'an unreadable file' '
	cp "$REPO/manifests/local.toml" locked.toml && chmod 000 locked.toml &&
	if [ "$(id -u)" -eq 0 ]; then
		lc_run 0 validate -q -m locked.toml  # root reads anyway
	else
		lc_run 3 validate -m locked.toml && grep -q "Permission denied" err
	fi
'

test_expect_success 'not TOML: binary garbage' '
	head -c 4096 /dev/urandom >garbage.toml &&
	lc_run 3 validate -m garbage.toml && grep -q "^garbage.toml:[0-9]*:[0-9]*: error: " err
'

test_expect_success 'not TOML: prose' '
	printf "This is my lattice.\nIt has seven hosts.\n" >prose.toml &&
	lc_run 3 validate -m prose.toml && grep -q "^prose.toml:1:[0-9]*: error: " err &&
	grep -q "^hint: this is not valid TOML" err
'

test_expect_success 'a truncated manifest (cut mid-string)' '
	head -c 300 "$REPO/manifests/local.toml" >cut.toml &&
	lc_run 3 validate -m cut.toml && grep -q "^cut.toml:[0-9]*:[0-9]*: error: " err
'

test_expect_success 'a truncated manifest (cut between sections) names what is missing' '
	sed -n "1,/^\[organisms.offer\]/p" "$REPO/manifests/local.toml" >half.toml &&
	lc_run 3 validate -m half.toml &&
	grep -q "missing required key '"'"'auction_window_ms'"'"'" err &&
	grep -q "missing required table \[organisms.tally\]" err &&
	grep -q "no \[\[hosts\]\] entries" err
'

test_expect_success 'an empty file' '
	: >empty.toml && lc_run 3 validate -m empty.toml &&
	grep -q "missing required table \[lattice\]" err
'

test_expect_success 'a 10 MB file is refused before parsing' '
	head -c 10485760 /dev/zero | tr "\0" "#" >big.toml &&
	lc_run 3 validate -m big.toml &&
	grep -q "over the limit of 1048576" err && grep -q "^hint: a lattice.toml is a few KiB" err
'

test_expect_success '10 000 levels of nested arrays' '
	{ printf "x = "; head -c 10000 /dev/zero | tr "\0" "["; } >deep.toml &&
	lc_run 3 validate -m deep.toml && grep -q "^deep.toml:1:[0-9]*: error: .*nest" err
'

test_expect_success '10 000 levels of nested inline tables' '
	{ printf "x = "; i=0; while [ $i -lt 10000 ]; do printf "{a="; i=$((i+1)); done; } >deepi.toml &&
	lc_run 3 validate -m deepi.toml && grep -q "^deepi.toml:1:[0-9]*: error: .*nest" err
'

test_expect_success 'a NUL byte' '
	{ printf "[lattice]\nname = \"a.b\"\0\n"; } >nul.toml &&
	lc_run 3 validate -m nul.toml && grep -q "^nul.toml:2:[0-9]*: error: " err
'

test_expect_success 'invalid UTF-8' '
	printf "[lattice]\nname = \"acme.\377\376\"\n" >utf.toml &&
	lc_run 3 validate -m utf.toml && grep -qi "^utf.toml:2:[0-9]*: error: .*utf-8" err
'

test_expect_success 'a NUL escape inside a value is refused' '
	sed "s/^name = .*/name = \"demo.local\\\\u0000.devnet\"/" "$REPO/manifests/local.toml" >esc.toml &&
	lc_run 3 validate -m esc.toml && grep -q "contains a NUL character" err
'

test_expect_success 'output that cannot be written (a full disk) fails the command, never exit 0' '
	"$LATTICECTL" --json validate -m "$REPO/manifests/local.toml" >/dev/full 2>err; rc=$? &&
	test $rc = 1 && grep -q "^latticectl: cannot write to standard output: No space left on device$" err &&
	"$LATTICECTL" help >/dev/full 2>err; test $? = 1 &&
	"$LATTICECTL" validate -m "$REPO/manifests/local.toml" >out 2>err && test -s out
'

test_done
