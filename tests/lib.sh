# lib.sh - the end-to-end test harness, sourced by every tests/tNNNN-*.sh.
#
#   test_expect_success 'what it checks' 'shell commands'
#   test_done
#
# Each test runs in a subshell inside its own directory under $TRASH, a
# scratch directory removed at the end.  A script ends with "N passed, N failed".
# LC_BUILD selects the build to test (build, build/asan); LATTICECTL is
# the binary under test.

set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
LC_BUILD=${LC_BUILD:-build}
case $LC_BUILD in /*) ;; *) LC_BUILD=$REPO/$LC_BUILD ;; esac
LATTICECTL=$LC_BUILD/latticectl
TEST_DATA=$REPO/tests/data
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/lc-test.XXXXXX")
export REPO LC_BUILD LATTICECTL TEST_DATA TRASH
# Sanitizer builds: fail hard and quietly on the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export NO_COLOR=1

test_count=0
test_failed=0

test_expect_success() {
	test_count=$((test_count + 1))
	# Each test gets a directory of its own under $TRASH.
	mkdir -p "$TRASH/t$test_count"
	t0=$(date +%s)
	if (cd "$TRASH/t$test_count" && eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1$(test_time "$t0")"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1$(test_time "$t0")"
		sed 's/^/#   /' "$TRASH/.out"
	fi
}

# " (N s)" after a test's line when LC_TEST_TIMES is set: where a suite's time goes.
test_time() {
	[ -z "${LC_TEST_TIMES:-}" ] || echo " ($(($(date +%s) - $1)) s)"
}

# The same, for a check expected to fail: the commands must exit non-zero.
test_expect_failure() {
	test_expect_success "$1" "! ( $2 )"
}

# Compare two files, showing the difference when they differ.
test_cmp() {
	diff -u "$1" "$2"
}

# Run latticectl, keep stdout/stderr in out/err, and check the exit status.
lc_run() {
	want=$1
	shift
	${LC_RUNNER:-"$LATTICECTL"} "$@" >out 2>err
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "latticectl $* exited $got, expected $want"
		echo "--- stdout"; cat out; echo "--- stderr"; cat err
		return 1
	fi
	# A sanitizer report must never pass unnoticed.
	! grep -q -e 'Sanitizer' -e 'runtime error' err
}

test_done() {
	# Test hosts first: their pid files live under $TRASH.
	if [ -n "${LC_TESTHOSTS_DIR:-}" ] && [ -d "$LC_TESTHOSTS_DIR" ]; then
		"$REPO/scripts/testhosts" down >/dev/null 2>&1
	fi
	rm -rf "$TRASH"
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}

# Start N test hosts (real sshd, scripts/testhosts) for this script on the
# first free port from $2 (plus LC_PORT_OFFSET: run.sh's sanitizer pass
# runs beside the normal one) on; they are stopped when the script exits.
# With $3 = --systemd they are containers with systemd as PID 1.
# Sets LC_TESTHOSTS_* and SSHCFG (the hosts' ssh_config).
testhosts_up() {
	LC_TESTHOSTS_DIR=$TRASH/hosts
	LC_TESTHOSTS_PORT=$(($2 + ${LC_PORT_OFFSET:-0}))
	while [ -n "$(ss -Hltn "sport = :$LC_TESTHOSTS_PORT")" ] &&
		[ "$LC_TESTHOSTS_PORT" -lt $(($2 + ${LC_PORT_OFFSET:-0} + 40)) ]; do
		LC_TESTHOSTS_PORT=$((LC_TESTHOSTS_PORT + 1))
	done
	export LC_TESTHOSTS_DIR LC_TESTHOSTS_PORT
	SSHCFG=$LC_TESTHOSTS_DIR/ssh_config
	export SSHCFG
	trap '"$REPO/scripts/testhosts" down >/dev/null 2>&1; rm -rf "$TRASH"' EXIT
	trap 'exit 130' INT TERM HUP
	"$REPO/scripts/testhosts" up ${3:-} "$1" >/dev/null
}

# Skip the rest of this script in the sanitizer build's pass (run.sh sets
# LC_SANITIZED=1 there), with one "skip:" line saying why: for a script
# that runs none of this build's C code, or only code another suite runs
# in that pass.
once_per_run() {
	if [ "${LC_SANITIZED:-0}" = 1 ]; then
		echo "skip: $(basename "$0" .sh): $1"
		test_done
		exit
	fi
}

# test_once_per_run 'what it checks' 'commands' 'why': a test that runs no
# C code of this build beyond what the script's other tests run (it checks
# their output with other tools): the sanitizer pass
# skips it, with one "skip:" line saying why; the normal pass runs it.
test_once_per_run() {
	if [ "${LC_SANITIZED:-0}" = 1 ]; then
		echo "skip: $(basename "$0" .sh): \"$1\": $3"
		return 0
	fi
	test_expect_success "$1" "$2"
}

# Skip the rest of this script (one "skip:" line saying why) unless this
# machine can run containerized test hosts with systemd as PID 1.
require_systemd_hosts() {
	if ! why=$("$REPO/scripts/testhosts" can-systemd 2>&1); then
		echo "skip: $(basename "$0" .sh): ${why#testhosts: }"
		test_done
		exit
	fi
}

# A lattice's working directory $W holding a manifest ($1, default
# manifests/local.toml; its lattice named $2, default demo.local.devnet)
# with this build's simulated organism; `lc` runs latticectl there against
# the test hosts, and `lc_in EXIT args` is lc_run for it.
lattice_dir() {
	L=${2:-demo.local.devnet}
	W=$TRASH/w
	mkdir -p "$W"
	sed "s|\"[^\"]*sim-organism\"|\"$LC_BUILD/sim-organism\"|" \
		"${1:-$REPO/manifests/local.toml}" >"$W/lattice.toml"
	export L W
}
lc() {
	(cd "$W" && "$LATTICECTL" --ssh-config "$SSHCFG" "$@")
}
lc_in() {
	LC_RUNNER=lc lc_run "$@"
}
# lc with the test build of latticectl (build/latticectl-hooks, beside
# the agent bundle it pushes), the only one with the LATTICECTL_TEST_*
# hooks; the shipped one ignores them.
LATTICECTL_HOOKS=$LC_BUILD/latticectl-hooks
lc_hooks() {
	(cd "$W" && "$LATTICECTL_HOOKS" --ssh-config "$SSHCFG" "$@")
}

# Run a command on test host $1 (as root, in its mount namespace).
on_host() {
	h=$1
	shift
	ssh -F "$SSHCFG" -o BatchMode=yes "$h" "$@"
}

# Skip the rest of this script (with a "skip:" line) unless we are root:
# test hosts need mount namespaces and sshd.
require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip: $(basename "$0" .sh) $1"
		test_done
		exit
	fi
}
