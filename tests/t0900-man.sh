#!/bin/sh
# t0900-man.sh - the man pages lint clean and render without warnings.
. "$(dirname "$0")/lib.sh"

for page in "$REPO"/man/*.[1-8]; do
	name=$(basename "$page")
	test_expect_success "mandoc -Tlint: $name" "
		mandoc -Tlint -W warning '$page' >lint 2>&1; rc=\$?
		cat lint; test \$rc -eq 0 && test ! -s lint
	"
	test_expect_success "man -l renders $name without warnings" "
		MANWIDTH=80 man --warnings -l '$page' >page 2>warn &&
		test ! -s warn && test -s page
	"
done

test_expect_success 'latticectl(1) documents every command and exit status' '
	for c in $("$LATTICECTL" help | sed -n "s/^  \([a-z-]*\)  .*/\1/p"); do
		grep -q "^\.It Cm $c" "$REPO/man/latticectl.1" || { echo "undocumented: $c"; return 1; }
	done &&
	for s in 0 1 2 3 4 5 6 130; do
		grep -q "^\.It $s\$" "$REPO/man/latticectl.1" || { echo "undocumented exit status $s"; return 1; }
	done &&
	for s in $(sed -n "s/^\tLC_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p" "$REPO/cli/lc.h"); do
		grep -q "^\.It $s\$" "$REPO/man/latticectl.1" || { echo "lc.h exit status $s is undocumented"; return 1; }
	done
'

test_expect_success 'make install honours PREFIX and DESTDIR' '
	make -s -C "$REPO" O="$LC_BUILD" DESTDIR="$PWD/dest" PREFIX=/opt/lc install >/dev/null &&
	test -x dest/opt/lc/bin/latticectl &&
	test -f dest/opt/lc/share/man/man1/latticectl.1 &&
	test -f dest/opt/lc/share/man/man5/lattice.toml.5 &&
	test -f dest/opt/lc/share/man/man5/lattice-config.5 &&
	dest/opt/lc/bin/latticectl version
'

test_done
