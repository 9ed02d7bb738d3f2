#!/bin/sh
# gen-completion.sh - write latticectl's bash or zsh completion from `latticectl --json help` (at build time: the command table stays the one source of verbs, options and operands).
set -eu

if [ $# -ne 2 ] || { [ "$1" != bash ] && [ "$1" != zsh ]; }; then
	echo "usage: gen-completion.sh bash|zsh LATTICECTL" >&2
	exit 2
fi
shell=$1
if ! json=$("$2" --json help); then
	echo "gen-completion.sh: '$2 --json help' failed; build latticectl first" >&2
	exit 1
fi

# The data, from the table: shell code both bash and zsh run.
data() {
	printf '%s\n' "$json" | jq -r '
	# What an argument or operand named NAME is: file, dir, host, role,
	# hosts (a host or all), verb, "=w1 w2" (these words), or "word"
	# (anything, not completed).
	def kind:
		if test("^[a-z][a-z|-]*$") then "=" + (split("|") | join(" "))
		elif (split("|") | any(. == "FILE" or . == "PATH")) then "file"
		elif . == "DIR" then "dir"
		elif . == "HOST" then "host"
		elif . == "HOSTS" then "hosts"
		elif . == "ROLE" then "role"
		elif . == "COMMAND" then "verb"
		else "word" end;
	def sq: "'"'"'" + . + "'"'"'";
	def names: [.[] | .short // empty, .long] | join(" ");
	"_latticectl_verbs=" + ([.commands[].name] | join(" ") | sq),
	"_latticectl_roles=" + (.roles | join(" ") | sq),
	"",
	"# The options of verb $1, the global ones first (before a verb: those only).",
	"_latticectl_opts() {",
	"\techo " + (.options | names | sq),
	"\tcase $1 in",
	(.commands[] | select(.options | length > 0) |
	 "\t" + .name + ") echo " + (.options | names | sq) + " ;;"),
	"\tesac",
	"}",
	"",
	"# What the argument of option $2 of verb $1 is; nothing for a flag.",
	"_latticectl_optarg() {",
	"\tcase \"$1 $2\" in",
	(.options[] | select(.argument) |
	 "\t" + ([.short // empty, .long] | map("*\" " + . + "\"") | join("|")) +
	 ") echo " + (.argument | kind) + " ;;"),
	(.commands[] | .name as $v | .options[] | select(.argument) |
	 "\t" + ([.short // empty, .long] | map("\"" + $v + " " + . + "\"") | join("|")) +
	 ") echo " + (.argument | kind) + " ;;"),
	"\tesac",
	"}",
	"",
	"# What operand $2 (from 0) of verb $1 is.",
	"_latticectl_operand() {",
	"\tcase \"$1 $2\" in",
	(.commands[] | select(.max_args != 0) | .name as $v |
	 .args | sub(" [|] .*"; "") | split(" ") | map(gsub("[][.]"; "")) |
	 to_entries[] | "\t\"" + $v + " " + (.key | tostring) + "\") echo " +
	 (.value | kind | sq) + " ;;"),
	"\tesac",
	"}"'
}

# The scan of the command line, the same in both shells.
common() {
	cat <<'EOF'

# The words between the program and the cursor ("$@"): sets _lc_verb,
# _lc_nops (operands so far), _lc_want (the option whose argument is
# the word under the cursor, or empty) and _lc_manifest (-m's, for hosts).
_latticectl_scan() {
	local w c dd=0
	_lc_verb= _lc_nops=0 _lc_want= _lc_manifest=lattice.toml
	for w in "$@"; do
		if [ -n "$_lc_want" ]; then
			[ "$w" = "=" ] && continue # bash splits --opt=value at '='
			case $_lc_want in -m | --manifest) _lc_manifest=$w ;; esac
			_lc_want=
			continue
		fi
		if [ $dd = 0 ]; then
			case $w in
			--)
				dd=1
				continue
				;;
			--manifest=*)
				_lc_manifest=${w#*=}
				continue
				;;
			--*=*) continue ;;
			--*)
				[ -n "$(_latticectl_optarg "$_lc_verb" "$w")" ] && _lc_want=$w
				continue
				;;
			-?*)
				# A cluster: -qv, -m PATH, -mPATH.
				w=${w#-}
				while [ -n "$w" ]; do
					c=${w%"${w#?}"}
					w=${w#?}
					if [ -n "$(_latticectl_optarg "$_lc_verb" "-$c")" ]; then
						if [ -z "$w" ]; then _lc_want=-$c; elif [ "$c" = m ]; then _lc_manifest=$w; fi
						break
					fi
				done
				continue
				;;
			esac
		fi
		if [ -z "$_lc_verb" ]; then _lc_verb=$w; else _lc_nops=$((_lc_nops + 1)); fi
	done
}

# What the word under the cursor ($1) is, after _latticectl_scan: sets
# _lc_kind to opts, verb, file, dir, host, hosts, role, "=words" or word.
_latticectl_kind() {
	if [ -n "$_lc_want" ]; then
		_lc_kind=$(_latticectl_optarg "$_lc_verb" "$_lc_want")
	elif [ -z "${1%%-*}" ] && [ -n "$1" ]; then
		_lc_kind=opts
	elif [ -z "$_lc_verb" ]; then
		_lc_kind=verb
	else
		_lc_kind=$(_latticectl_operand "$_lc_verb" "$_lc_nops")
	fi
}

# The host names of the manifest: each [[hosts]] table's ssh.
_latticectl_hosts() {
	local f=$_lc_manifest
	case $f in "~/"*) f=$HOME/${f#"~/"} ;; esac
	[ -r "$f" ] || return 0
	awk '/^[ \t]*\[\[[ \t]*hosts[ \t]*\]\]/ { h = 1; next }
	     /^[ \t]*\[/ { h = 0 }
	     h && /^[ \t]*ssh[ \t]*=[ \t]*"/ { sub(/^[^"]*"/, ""); sub(/".*/, ""); print }' "$f"
}

# The words to offer for _lc_kind (file and dir are each shell's own).
_latticectl_words() {
	case $_lc_kind in
	opts) _latticectl_opts "$_lc_verb" ;;
	verb) echo "$_latticectl_verbs" ;;
	role) echo "$_latticectl_roles" ;;
	host) _latticectl_hosts ;;
	hosts)
		_latticectl_hosts
		echo all
		;;
	'='*) echo "${_lc_kind#=}" ;;
	esac
}
EOF
}

case $shell in
bash)
	echo "# bash completion for latticectl; generated from 'latticectl --json help' by scripts/gen-completion.sh."
	echo
	data
	common
	cat <<'EOF'

_latticectl() {
	local cur=${COMP_WORDS[COMP_CWORD]} IFS='
'
	[ "$cur" = "=" ] && cur=
	_latticectl_scan "${COMP_WORDS[@]:1:COMP_CWORD-1}"
	_latticectl_kind "$cur"
	case $_lc_kind in
	file)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	dir)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	*) COMPREPLY=($(IFS=' 	
' compgen -W "$(_latticectl_words)" -- "$cur")) ;;
	esac
}
complete -F _latticectl latticectl
EOF
	;;
zsh)
	echo "#compdef latticectl"
	echo "# zsh completion for latticectl; generated from 'latticectl --json help' by scripts/gen-completion.sh."
	echo
	data
	common
	cat <<'EOF'

_latticectl() {
	local cur=${words[CURRENT]}
	local -a cand
	_latticectl_scan "${(@)words[2,CURRENT-1]}"
	if [[ -z $_lc_want && $cur == --*=* ]]; then
		# --option=ARGUMENT: complete the argument.
		_lc_want=${cur%%=*}
		compset -P '*='
	fi
	_latticectl_kind "$cur"
	case $_lc_kind in
	file) _files ;;
	dir) _files -/ ;;
	*)
		cand=(${=$(_latticectl_words)})
		compadd -- "${cand[@]}"
		;;
	esac
}

_latticectl "$@"
EOF
	;;
esac
