#!/bin/sh
# ci-dry-run.sh - a CI job's dry-run of a lattice manifest on containerized
# hosts (systemd as PID 1, as production hosts run), torn down afterwards.
#
#   scripts/ci-dry-run.sh [-m MANIFEST] [--base MANIFEST] [--online] [--keep]
#
# 1. latticectl validate MANIFEST (and --base's).
# 2. One throwaway container per [[hosts]] entry (scripts/testhosts up
#    --systemd N); each entry's ssh target is mapped to one of them.
# 3. With --base (the manifest the fleet runs today, e.g. from the target
#    branch): latticectl up brings the containers to that state first.
# 4. latticectl plan MANIFEST: what the change would do (exit 0: nothing,
#    4: changes pending; printed).
# 5. latticectl up MANIFEST must reach the health signal, a second plan must
#    find nothing left to do, and status must call every role healthy.
# 6. down --wipe, and the containers are stopped (--keep leaves both).
#
# Exit status, for gating a pipeline: 0 the manifest deploys and changes
# nothing the base did not have; 4 it deploys and changes something (the
# plan of step 4 is the review); 3 a manifest is invalid; 2 usage, or a
# manifest that cannot be dry-run here (a non-simulated TDX lattice fails
# closed on hosts without TDX, as it must); 1 anything else failed.
#
# Environment: LATTICECTL (default: build/latticectl of this tree, else
# latticectl on PATH), LC_TESTHOSTS_DIR (default: a new directory under
# ${TMPDIR:-/tmp}, removed afterwards: every dry-run starts from empty
# hosts), LC_TESTHOSTS_PORT (default: the first free from 2600).
# Needs root (the containers), as scripts/testhosts does.
set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
TESTHOSTS=$REPO/scripts/testhosts
if [ -z "${LATTICECTL:-}" ]; then
	LATTICECTL=$REPO/build/latticectl
	[ -x "$LATTICECTL" ] || LATTICECTL=$(command -v latticectl || true)
fi

say() { echo "ci-dry-run: $*"; }
die() {
	rc=$1
	shift
	echo "ci-dry-run: error: $*" >&2
	exit "$rc"
}
usage() {
	echo "usage: ci-dry-run.sh [-m MANIFEST] [--base MANIFEST] [--online] [--keep]" >&2
	exit 2
}

manifest=lattice.toml
base=
offline=--offline
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	-m | --manifest) [ $# -ge 2 ] || usage; manifest=$2; shift 2 ;;
	--base) [ $# -ge 2 ] || usage; base=$2; shift 2 ;;
	--online) offline=; shift ;;
	--keep) keep=1; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
[ -n "$LATTICECTL" ] && [ -x "$LATTICECTL" ] ||
	die 2 "no latticectl: build it (make) or set LATTICECTL"
[ "$(id -u)" -eq 0 ] || die 2 "must run as root (the containerized hosts need namespaces and mounts)"

# Step 1: both manifests valid, and simulated TDX.
check_manifest() {
	out=$("$LATTICECTL" validate -m "$1" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "$out" >&2
		die 3 "'$1' is not a valid manifest (latticectl validate exited $rc); fix it first"
	fi
	echo "$out" | grep -q '^tdx: *SIMULATED' ||
		die 2 "'$1' is not a tdx = \"simulate\" lattice: containers have no TDX and latticectl fails closed on them; dry-run a staging manifest with tdx = \"simulate\" and the same roles and binaries"
}
check_manifest "$manifest" || exit $?
if [ -n "$base" ]; then
	check_manifest "$base" || exit $?
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lc-ci-dry-run.XXXXXX") || die 1 "cannot make a work directory"
export LC_TESTHOSTS_DIR=${LC_TESTHOSTS_DIR:-$WORK/hosts}
if [ -z "${LC_TESTHOSTS_PORT:-}" ]; then
	LC_TESTHOSTS_PORT=2600
	while [ -n "$(ss -Hltn "sport = :$LC_TESTHOSTS_PORT")" ] && [ $LC_TESTHOSTS_PORT -lt 2699 ]; do
		LC_TESTHOSTS_PORT=$((LC_TESTHOSTS_PORT + 1))
	done
fi
export LC_TESTHOSTS_PORT
copies=

cleanup() {
	if [ "$keep" = 1 ]; then
		say "kept: hosts in $LC_TESTHOSTS_DIR (stop: LC_TESTHOSTS_DIR=$LC_TESTHOSTS_DIR $TESTHOSTS down), state in $WORK"
	else
		if [ -f "$LC_TESTHOSTS_DIR/ssh_config" ] && [ -n "${cur:-}" ]; then
			lc -m "$cur" down --wipe --yes >/dev/null 2>&1 || true
		fi
		"$TESTHOSTS" down >/dev/null 2>&1 || true
		rm -rf "$WORK"
	fi
	# shellcheck disable=SC2086
	[ -z "$copies" ] || rm -f $copies
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

lc() {
	"$LATTICECTL" --ssh-config "$LC_TESTHOSTS_DIR/ssh_config" \
		--state-dir "$WORK/state" --secrets-dir "$WORK/secrets" "$@"
}

# Step 2: each distinct ssh target of the manifests' [[hosts]] entries
# becomes a test host, h1, h2, ... in order of first appearance, so an
# entry in both manifests lands on the same container.  One awk program
# finds each entry's ssh = "..." line: without map it prints the targets
# of manifest $1, one a line ("?" for an entry whose ssh is not on a line
# of its own); with map (the targets file) it prints the manifest with
# each such line set to its hN.
hosts_awk='
	function flush() { if (inhost && !seen && map == "") print "?"; inhost = 0; seen = 0 }
	BEGIN { if (map != "") while ((getline t <map) > 0) h[t] = "h" ++i }
	/^[ \t]*\[\[[ \t]*hosts[ \t]*\]\][ \t]*(#.*)?$/ {
		flush(); inhost = 1; if (map != "") print; next
	}
	/^[ \t]*\[/ { flush() }
	inhost && /^[ \t]*ssh[ \t]*=[ \t]*"[^"]*"[ \t]*(#.*)?$/ {
		t = $0; sub(/^[^"]*"/, "", t); sub(/".*$/, "", t); seen = 1
		if (map == "") print t; else print "ssh = \"" h[t] "\""
		next
	}
	map != "" { print }
	END { flush() }
'
ssh_targets() {
	awk -v map= "$hosts_awk" "$1"
}
# A copy of manifest $1 at $2 (beside $1: its relative binary paths keep
# their meaning) with every ssh = "..." of a [[hosts]] entry set to its hN.
map_hosts() {
	awk -v map="$WORK/targets" "$hosts_awk" "$1" >"$2" || die 1 "cannot write '$2'"
}
copy_of() {
	echo "$(dirname "$1")/.ci-dry-run.$$.$2.$(basename "$1")"
}

{
	[ -z "$base" ] || ssh_targets "$base"
	ssh_targets "$manifest"
} | awk '!seen[$0]++' >"$WORK/targets"
if grep -qx '?' "$WORK/targets"; then
	die 2 "cannot map the manifests' hosts onto test hosts: write each [[hosts]] entry as a table with ssh = \"...\" on a line of its own"
fi
n=$(wc -l <"$WORK/targets")
[ "$n" -ge 1 ] || die 2 "no [[hosts]] entries found"
new=$(copy_of "$manifest" new)
copies=$new
map_hosts "$manifest" "$new"
if [ -n "$base" ]; then
	old=$(copy_of "$base" base)
	copies="$copies $old"
	map_hosts "$base" "$old"
fi

say "$LATTICECTL, $n containerized hosts (systemd as PID 1) on 127.0.1.1-$n:$LC_TESTHOSTS_PORT"
"$TESTHOSTS" up --systemd "$n" || die 1 "the containerized hosts did not start"

# Step 3: the base state.
cur=
if [ -n "$base" ]; then
	cur=$old
	say "bringing the hosts to the base manifest '$base'"
	lc -m "$cur" up $offline || die 1 "'$base' (the base) does not come up on the containerized hosts"
fi

# Step 4: the plan of the change.
cur=$new
say "plan of '$manifest'"
lc -m "$new" plan
prc=$?
case $prc in
0) say "plan: nothing to change" ;;
4) say "plan: changes pending (above)" ;;
*) die 1 "latticectl plan exited $prc" ;;
esac

# Step 5: roll it out, converge, and prove health.
say "up '$manifest'"
lc -m "$new" up $offline || die 1 "'$manifest' does not come up on the containerized hosts (latticectl up failed; its messages are above)"
lc -q -m "$new" plan >/dev/null
rc=$?
[ $rc -eq 0 ] || die 1 "after up, plan still finds changes (exit $rc): up did not converge"
lc -m "$new" status || die 1 "after up, status is not healthy"

say "ok: '$manifest' deploys on $n containerized hosts and converges$([ $prc -eq 4 ] && echo '; it changes the fleet (exit 4)')"
exit $prc
