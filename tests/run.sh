#!/bin/sh
# run.sh - the whole test suite: builds (normal and sanitizer), unit tests,
# end-to-end tests, the fuzz smoke run and the man page lint.  Ends with
# "N passed, N failed".
#
# Each suite's lines print when its pass is done.
#
# Environment: LC_FUZZ_SECONDS (default 60), LC_SKIP_ASAN=1, LC_SKIP_FUZZ=1,
# LC_SERIAL=1 (the normal and sanitizer passes one after the other; side
# by side they take about 22 minutes here, on 2 cores).
set -u
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
LOG=build/test-logs
total_pass=0
total_fail=0
failed_suites=""

mkdir -p "$LOG"

# Run one suite, echo its output to a log, and add its closing counts.
suite() {
	name=$1
	shift
	log="$LOG/$(echo "$name" | tr '/ ' '__').log"
	t0=$(date +%s)
	# Where the cpuacct controller can be written (root, cgroup v1), the
	# suite runs in a group of its own, so its line also gives the CPU time
	# it and everything it started (test hosts included) spent.
	cg=/sys/fs/cgroup/cpuacct/lc-suite.$$.$(echo "$name" | tr '/ ' '__')
	if mkdir "$cg" 2>/dev/null; then
		sh -c 'echo $$ >"$1/tasks" && shift && exec "$@"' sh "$cg" "$@" >"$log" 2>&1
		rc=$?
		cpu=", cpu $(($(cat "$cg/cpuacct.usage") / 1000000000)) s"
		find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
	else
		"$@" >"$log" 2>&1
		rc=$?
		cpu=
	fi
	secs=$(($(date +%s) - t0))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	p=${p:-0}
	f=${f:-0}
	# A suite that crashed or exited non-zero with no failure counted
	# still counts as one failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	grep -E '^(skip|toml-test|fuzz):' "$log" | sed "s|^|  $name: |"
	if [ "$f" -ne 0 ]; then
		failed_suites="$failed_suites $name"
		echo "FAIL $name ($p passed, $f failed, ${secs} s$cpu; log: $log)"
		grep -E '^(not ok|FAIL|#)' "$log" | head -n 60
		[ -n "$line" ] || tail -n 30 "$log"
	else
		echo "ok   $name ($p passed, ${secs} s$cpu)"
	fi
}

# make "$@" with its log in $LOG/build-NAME.log.
build() {
	blog=$LOG/build-$1.log
	shift
	echo "== build $*"
	if ! make -j"$JOBS" "$@" >"$blog" 2>&1; then
		tail -n 40 "$blog"
		return 1
	fi
}

run_build() {
	dir=$1
	for t in "$dir"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		case $t in *.o|*.d) continue ;; esac
		suite "$dir/unit/$(basename "$t")" "$t"
	done
	for t in tests/t[0-9]*.sh; do
		suite "$dir/$(basename "$t" .sh)" env LC_BUILD="$dir" sh "$t"
	done
}

# The fuzz smoke run of the TOML parser (its own build).
run_fuzz() {
	[ "${LC_SKIP_FUZZ:-0}" != 1 ] || return 0
	if build fuzz fuzz; then
		suite fuzz/toml tests/fuzz/smoke.sh "${LC_FUZZ_SECONDS:-60}"
	else
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites fuzz-build"
	fi
}

# One pass: a build's suites; its lines go to $LOG/pass-<build>.out and
# its counts to $LOG/pass-<build>.counts.  The normal pass ends with the
# fuzz run, which so overlaps the longer sanitizer pass instead of
# following both.
pass() {
	total_pass=0
	total_fail=0
	failed_suites=""
	run_build "$1"
	[ "$1" != build ] || run_fuzz
	echo "$total_pass $total_fail$failed_suites" >"$LOG/pass-$(echo "$1" | tr / _).counts"
}

# The containerized hosts' root (debootstrap: a minute or more, mostly
# waiting on the archive) is made beside the builds; the suites that boot
# containers find it made, or wait for it on its lock.
rootfs_pid=
if [ "$(id -u)" -eq 0 ] && scripts/testhosts can-systemd >/dev/null 2>&1; then
	scripts/testhosts rootfs >"$LOG/rootfs.log" 2>&1 &
	rootfs_pid=$!
fi

# The sanitizer build first, and its pass (the longer) started as soon as
# it is built; then the normal build and pass beside it (with LC_SERIAL=1
# one after the other).  The sanitizer pass takes its test hosts'
# ports 45 above the normal pass's, so the two never reach for the same one.
pids=
start_pass() {
	rm -f "$LOG/pass-$(echo "$1" | tr / _).counts"
	(
		if [ "$1" = build/asan ]; then
			LC_SANITIZED=1 LC_PORT_OFFSET=45
			ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
			export LC_SANITIZED LC_PORT_OFFSET ASAN_OPTIONS UBSAN_OPTIONS
		fi
		pass "$1"
	) >"$LOG/pass-$(echo "$1" | tr / _).out" 2>&1 &
	if [ "${LC_SERIAL:-0}" = 1 ]; then wait $!; else pids="$pids $!"; fi
}
passes=
if [ "${LC_SKIP_ASAN:-0}" != 1 ]; then
	if build asan O=build/asan SANITIZE=address,undefined OPT="-O1 -g" all; then
		passes=build/asan
		start_pass build/asan
	else
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites build/asan"
	fi
fi
if build normal all; then
	passes="build $passes"
	start_pass build
else
	total_fail=$((total_fail + 1))
	failed_suites="$failed_suites build"
fi
for p in $pids; do
	wait "$p"
done
# Made by now, or failed: the suites that needed it said so.
[ -z "$rootfs_pid" ] || wait "$rootfs_pid"
for b in $passes; do
	f=$LOG/pass-$(echo "$b" | tr / _)
	cat "$f.out"
	if [ -s "$f.counts" ]; then
		read -r p fl rest <"$f.counts"
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + fl))
		[ -z "$rest" ] || failed_suites="$failed_suites $rest"
	else
		echo "FAIL the $b pass ended without its counts"
		total_fail=$((total_fail + 1))
		failed_suites="$failed_suites $b"
	fi
done

# Without a normal build there was no normal pass: the fuzz run alone.
case " $passes " in *" build "*) ;; *) run_fuzz ;; esac

# Every test stops what it started: an sshd of a test's hosts, a
# container host's init (systemd, marked container=lattice-testhost) or a
# forwarder into its network namespace still running now is a leak.
sleep 1
leaks() {
	ps -eo pid,args | grep "[s]shd -D .*/lc-test\.[^/]*/hosts/"
	ps -eo pid,args | grep "[/]lc-test\.[^ ]*/nsfwd "
	for e in /proc/[0-9]*/environ; do
		# A process may end between the glob and the read: the
		# redirections' errors go to /dev/null with the rest.
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx 'container=lattice-testhost' &&
			[ "$({ tr '\0' '\n' <"${e%environ}cmdline"; } 2>/dev/null | head -n 1)" = /lib/systemd/systemd ] &&
			echo "${e#/proc/} container init"
	done
}
left=$(leaks | wc -l)
if [ "$left" -ne 0 ]; then
	echo "FAIL leftovers: $left test-host processes still running"
	leaks | head -n 5
	total_fail=$((total_fail + 1))
	failed_suites="$failed_suites leftovers"
else
	total_pass=$((total_pass + 1))
fi

[ -z "$failed_suites" ] || echo "failed:$failed_suites"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
