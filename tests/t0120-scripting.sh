#!/bin/sh
# t0120-scripting.sh - for scripts and shells: help --json as the command table, the hostless verbs' --json, and the bash and zsh completion `make install` puts in place.
. "$(dirname "$0")/lib.sh"

# The verbs, and the options each accepts (its own, then the global
# ones), from help --json: one "VERB OPTION" line each.
"$LATTICECTL" --json help >"$TRASH/help.json"
VERBS=$(jq -r '.commands[].name' "$TRASH/help.json")
verb_opts() {
	jq -r --arg v "$1" '(.commands[] | select(.name == $v) | .options[]), .options[] |
		(.short // empty), .long' "$TRASH/help.json" | sort
}

# Complete the command line "$@" (the last word is the one under the
# cursor) with the bash completion $COMP: the candidates, one a line.
bash_complete() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _latticectl;
		printf "%s\n" "${COMPREPLY[@]}"' sh "$COMP" latticectl "$@"
}
# The same with the zsh completion $ZCOMP, compadd and _files stubbed:
# every candidate offered (zsh itself narrows them to the prefix).
zsh_complete() {
	zsh -f -c 'compadd() { while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done; shift;
			print -rl -- "$@"; }
		_files() { print -r -- "(files $*)"; }
		compset() { :; }
		f=$1; shift; words=(latticectl "$@"); CURRENT=${#words}; . "$f"' \
		zsh "$ZCOMP" "$@"
}
COMP=$TRASH/root/usr/share/bash-completion/completions/latticectl
ZCOMP=$TRASH/root/usr/share/zsh/vendor-completions/_latticectl

# Type "$1" and a TAB into a real interactive zsh (zpty) with compinit and
# $ZCOMP on its fpath, then " END" and Return: the words latticectl ran with.
cat >"$TRASH/ztab.zsh" <<'EOF_Z'
zmodload zsh/zpty || exit 1
zpty z 'zsh -f -i' || exit 1
zpty -w z "PS1='> '; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D;" \
	"unsetopt beep; latticectl() { print -r -- \"\$*\" >${(q)3}; }"
sleep 1
zpty -w -n z "$2"$'\t'
sleep 1
zpty -w z ' END'
for i in {1..40}; do [[ -s $3 ]] && break; sleep 0.25; done
zpty -d z
EOF_Z
zsh_tab() {
	rm -f "$TRASH/zline"
	timeout 30 zsh -f "$TRASH/ztab.zsh" "$(dirname "$ZCOMP")" "$1" "$TRASH/zline" &&
		cat "$TRASH/zline"
}

test_expect_success 'help --json lists the verbs the usage lists, each described' '
	test -n "$VERBS" &&
	"$LATTICECTL" help | sed -n "/^commands:/,/^\$/p" | awk "NF > 1 { print \$1 }" >text &&
	echo "$VERBS" >json && test_cmp text json &&
	jq -e "all(.commands[]; .name as \$n | (.synopsis | startswith(\"latticectl [options] \" + \$n)) and
		(.summary | length > 0) and (.needs.lock | type == \"boolean\") and
		(.min_args | type == \"number\") and
		all(.options[]; (.long | startswith(\"--\")) and (.help | length > 0) and
			(.kind | IN(\"flag\", \"count\", \"string\", \"list\"))))" "$TRASH/help.json" &&
	jq -e "(.options | map(.long) | index(\"--json\")) and (.roles | length == 7) and
		.version == \"$(cat "$REPO/VERSION")\"" "$TRASH/help.json" &&
	jq -e "[.commands[] | select(.needs.lock) | .name] == [\"up\", \"down\", \"add-host\", \"rotate-peer\", \"rotate-secret\", \"retire\"]" "$TRASH/help.json"
'

test_expect_success 'help --json VERB: that entry, the same options as help VERB prints' '
	for v in $VERBS; do
		lc_run 0 --json help $v && jq -e --arg v $v ".name == \$v" out >/dev/null &&
		"$LATTICECTL" help $v | grep -o -- "^ *\(-[a-z], \)\?--[a-z-]*" |
			sed "s/^ *//; s/, /\n/" | sort >text &&
		verb_opts $v >json && test_cmp text json || return 1
	done &&
	lc_run 2 --json help frobnicate && test ! -s out && grep -q "unknown command" err
'

test_expect_success 'every verb accepts every option help --json gives it, no other' '
	for v in $VERBS; do
		jq -r --arg v $v ".commands[] | select(.name == \$v) | .options[] |
			.long + \" \" + (.argument // \"\")" "$TRASH/help.json" |
		while read -r opt arg; do
			"$LATTICECTL" $v $opt ${arg:+x} --help >/dev/null 2>err ||
				{ echo "$v rejects $opt:"; cat err; exit 1; }
		done || return 1
	done &&
	lc_run 2 version --wipe --help && grep -q "unknown option" err
'

# A simulated lattice: gen-config and publish work without hosts.
(cd "$TRASH" && mkdir lat && cd lat && cp "$REPO/manifests/local.toml" lattice.toml)

test_expect_success 'the hostless verbs: --json is one document with the expected fields' '
	cd "$TRASH/lat" &&
	lc_run 0 --json validate && jq -e ".valid and .errors == 0" out && cp out all &&
	lc_run 0 --json gen-config &&
	jq -e "(.lattice_id | test(\"^[0-9a-f]{64}\$\")) and (.lattice_config | length > 64) and
		.secrets.created > 0" out && cat out >>all &&
	id=$(jq -r .lattice_id out) && hex=$(jq -r .lattice_config out) &&
	lc_run 0 --json inspect "$hex" && jq -e ".lattice_id == \"$id\"" out && cat out >>all &&
	lc_run 0 --json publish && jq -e ".lattice_id == \"$id\" and .simulated" out &&
	cat out >>all &&
	lc_run 0 --json version && jq -e ".version == \"$(cat "$REPO/VERSION")\"" out &&
	lc_run 0 --json help && jq -e ".commands" out && cat out >>all &&
	test "$(jq -s length all)" = 5 &&
	for f in $(find secrets -type f); do
		h=$(od -An -v -tx1 "$f" | tr -d " \n") &&
		! grep -qi "$h" all || { echo "$f is in the output"; return 1; }
	done
'

test_expect_success 'every verb has its --json checked by some suite' '
	for v in $VERBS; do
		grep -hE -- "--json ([^|;&]* )?$v( |\$|\")|[ (]$v [^|;&]*--json" \
			"$REPO"/tests/t*.sh >/dev/null || { echo "no --json test of $v"; return 1; }
	done
'

# The completion scripts are made at build time by this build's
# latticectl --json help, which the tests above run too.
once_per_run "the completion tests run bash, zsh and make, no C code the tests above do not"

test_expect_success 'make install puts the bash and zsh completion in Debian'"'"'s places' '
	make -C "$REPO" O="$LC_BUILD" -o "$LATTICECTL" -o "$LC_BUILD/agent-bundle.sha256" \
		-o "$LC_BUILD/completion/latticectl.bash" -o "$LC_BUILD/completion/_latticectl" \
		install PREFIX=/usr DESTDIR="$TRASH/root" >log 2>&1 || { cat log; exit 1; } &&
	test "$(stat -c %a "$COMP" "$ZCOMP")" = "$(printf "644\n644")" &&
	test -x "$TRASH/root/usr/bin/latticectl" &&
	bash -n "$COMP" && zsh -n "$ZCOMP" && head -n 1 "$ZCOMP" | grep -qx "#compdef latticectl"
'

test_expect_success 'bash: verbs, a verb'"'"'s options and nothing it does not accept' '
	bash_complete st >got && echo status >want && test_cmp want got &&
	bash_complete "" >got && echo "$VERBS" >want && test_cmp want got &&
	bash_complete down --w >got && echo --wipe >want && test_cmp want got &&
	bash_complete -q down -- | grep -qx -- --wipe &&
	bash_complete --json rot >got && printf "rotate-peer\nrotate-secret\n" >want && test_cmp want got &&
	for v in $VERBS; do
		bash_complete $v - | sort >got && verb_opts $v >want && test_cmp want got || return 1
	done &&
	bash_complete - | sort >got && jq -r ".options[] | (.short // empty), .long" \
		"$TRASH/help.json" | sort >want && test_cmp want got
'

test_expect_success 'bash: operands and option arguments (roles, hosts from -m, files)' '
	cd "$TRASH/lat" &&
	bash_complete status --role re >got && echo relay-member >want && test_cmp want got &&
	bash_complete rotate-peer h1 "" >got && jq -r ".roles[]" "$TRASH/help.json" >want &&
	test_cmp want got &&
	bash_complete dkg "" >got && printf "run\nverify\n" >want && test_cmp want got &&
	bash_complete agent a >got && echo all >want && test_cmp want got &&
	bash_complete agent "" | grep -qx h7 &&
	bash_complete help ro >got && printf "rotate-peer\nrotate-secret\n" >want &&
	test_cmp want got &&
	bash_complete rotate-secret u >got && echo unseal >want && test_cmp want got &&
	bash_complete down --host "" >got && printf "h%s\n" 1 2 3 4 5 6 7 >want && test_cmp want got &&
	mkdir sub && sed "s/\"h\([1-7]\)\"/\"box\1\"/" lattice.toml >sub/other.toml &&
	bash_complete -m sub/other.toml status --host b >got &&
	printf "box%s\n" 1 2 3 4 5 6 7 >want && test_cmp want got &&
	bash_complete --manifest = sub/other.toml rotate-peer "" | grep -qx box7 &&
	bash_complete -m lat >got && echo lattice.toml >want && test_cmp want got &&
	bash_complete -j 4 -m sub/ >got && echo sub/other.toml >want && test_cmp want got &&
	bash_complete -j 4 val >got && echo validate >want && test_cmp want got
'

test_expect_success 'zsh: the same verbs, options, roles and hosts' '
	cd "$TRASH/lat" &&
	zsh_complete st >got && echo "$VERBS" >want && test_cmp want got &&
	for v in $VERBS; do
		zsh_complete $v -- | sort >got && verb_opts $v >want && test_cmp want got || return 1
	done &&
	zsh_complete status --role "" >got && jq -r ".roles[]" "$TRASH/help.json" >want &&
	test_cmp want got &&
	zsh_complete -q down --host "" >got && printf "h%s\n" 1 2 3 4 5 6 7 >want && test_cmp want got &&
	zsh_complete dkg verify "" >got && printf "unseal\noffer\n" >want && test_cmp want got &&
	zsh_complete -m "" >got && echo "(files )" >want && test_cmp want got &&
	zsh_complete --state-dir "" >got && echo "(files -/)" >want && test_cmp want got
'

test_expect_success 'zsh: a real interactive zsh completes with it (compinit, zpty)' '
	cd "$TRASH/lat" &&
	test "$(zsh_tab "latticectl st")" = "status END" &&
	test "$(zsh_tab "latticectl down --wi")" = "down --wipe END" &&
	test "$(zsh_tab "latticectl rotate-peer h1 tally-m")" = "rotate-peer h1 tally-member END" &&
	test "$(zsh_tab "latticectl -m latt")" = "-m lattice.toml END"
'

test_done
