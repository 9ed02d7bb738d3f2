#!/bin/sh
# t1000-testhosts.sh - scripts/testhosts: real sshd hosts on 127.0.1.N with private mounts, stopped without leftovers.
. "$(dirname "$0")/lib.sh"

TESTHOSTS=$REPO/scripts/testhosts
LC_TESTHOSTS_DIR=$TRASH/hosts
# 2301, or the next port with no listener if another run holds it.
LC_TESTHOSTS_PORT=2301
while [ -n "$(ss -Hltn "sport = :$LC_TESTHOSTS_PORT")" ] && [ $LC_TESTHOSTS_PORT -lt 2399 ]; do
	LC_TESTHOSTS_PORT=$((LC_TESTHOSTS_PORT + 1))
done
export TESTHOSTS LC_TESTHOSTS_DIR LC_TESTHOSTS_PORT
CFG=$LC_TESTHOSTS_DIR/ssh_config
PROBE=lc-t1000-probe-$$
export CFG PROBE

require_root "needs root (mount namespaces, sshd)"
once_per_run "scripts/testhosts runs no C code of this build (the normal pass tests it)"

# Whatever happens, stop the hosts; test_done removes the state directory,
# so this runs before it too.
cleanup() {
	"$TESTHOSTS" down >/dev/null 2>&1 || true
}
trap 'cleanup; rm -rf "$TRASH"' EXIT
trap 'exit 130' INT TERM HUP

# Is PID a live (not zombie) process?
alive() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}
# Nothing the hosts of this test started may remain.
no_leftovers() {
	for f in "$LC_TESTHOSTS_DIR"/h*/pid; do
		[ -e "$f" ] && { echo "pid file left: $f"; return 1; }
	done
	for p in $(cat "$LC_TESTHOSTS_DIR"/pids.seen 2>/dev/null); do
		alive "$p" && { echo "still running: $(ps -o pid=,args= -p "$p")"; return 1; }
	done
	ps -eo pid=,stat=,args= >ps.out
	if grep -F "$LC_TESTHOSTS_DIR/h" ps.out; then return 1; fi
	return 0
}
# Remember every pid the hosts have had, for no_leftovers.
seen_pids() {
	cat "$LC_TESTHOSTS_DIR"/h*/pid >>"$LC_TESTHOSTS_DIR/pids.seen" 2>/dev/null || true
}

test_expect_success 'up 3 starts three hosts' '
	"$TESTHOSTS" up 3 >out &&
	grep "3 started (sshd), 0 already running" out &&
	test -s "$CFG" && test -s "$LC_TESTHOSTS_DIR/known_hosts" &&
	test -s "$LC_TESTHOSTS_DIR/id_ed25519" &&
	for i in 1 2 3; do
		pid=$(cat "$LC_TESTHOSTS_DIR/h$i/pid") &&
		test "$(readlink /proc/$pid/exe)" = /usr/sbin/sshd || return 1
	done
'
seen_pids

test_expect_success 'ssh -F ssh_config h2 true works' '
	ssh -F "$CFG" h2 true
'

test_expect_success 'each host listens only on 127.0.1.N, sshd itself' '
	ss -Hltnp "sport = :$LC_TESTHOSTS_PORT" >ss.out &&
	awk "{print \$4}" ss.out | sort >got &&
	printf "127.0.1.%s:$LC_TESTHOSTS_PORT\n" 1 2 3 >want &&
	test_cmp want got &&
	for i in 1 2 3; do
		grep -F "127.0.1.$i:$LC_TESTHOSTS_PORT " ss.out |
			grep -F "pid=$(cat "$LC_TESTHOSTS_DIR/h$i/pid")," || return 1
	done &&
	test "$(ssh -F "$CFG" h3 "echo \$SSH_CONNECTION" | cut -d" " -f3-)" = "127.0.1.3 $LC_TESTHOSTS_PORT" &&
	! ssh -F "$CFG" -o HostName=127.0.0.1 h1 true 2>err
'

test_expect_success 'each host has its own /etc/lattice and the other agent directories' '
	dirs="/etc/lattice /var/lib/lattice /usr/local/lib/lattice /run/lattice /etc/systemd/system /root" &&
	ssh -F "$CFG" h1 "for d in $dirs; do echo h1 >\$d/$PROBE || exit 1; done" &&
	test "$(ssh -F "$CFG" h1 cat /etc/lattice/$PROBE)" = h1 &&
	test "$(cat "$LC_TESTHOSTS_DIR/h1/etc-lattice/$PROBE")" = h1 &&
	test "$(cat "$LC_TESTHOSTS_DIR/h1/root/$PROBE")" = h1 &&
	for d in $dirs; do
		ssh -F "$CFG" h2 "test ! -e $d/$PROBE" || { echo "h2 sees $d/$PROBE"; return 1; }
		test ! -e "$d/$PROBE" || { echo "real filesystem has $d/$PROBE"; return 1; }
	done
'

test_expect_success 'each host has its own loopback: a port taken here or on h1 is free on h2' '
	cat >bind.py <<-\EOF &&
	import socket, sys, time
	s = socket.socket()
	s.bind(("127.0.0.1", int(sys.argv[1])))
	s.listen()
	print(s.getsockname()[1], flush=True)
	time.sleep(float(sys.argv[2]))
	EOF
	{ python3 bind.py 0 30 >port & } &&
	listener=$! &&
	i=0 && while ! test -s port && test $i -lt 50; do sleep 0.1; i=$((i + 1)); done &&
	p=$(cat port) && test -n "$p" && {
	test "$(ssh -F "$CFG" h1 "ip -o link | cut -d: -f2 | tr -d \" \"")" = lo &&
	test -z "$(ssh -F "$CFG" h1 "ss -Hltn sport = :$p")" &&
	{ ssh -F "$CFG" h1 "python3 $PWD/bind.py $p 3" >h1.out & } && h1=$! &&
	sleep 1 && test "$(ssh -F "$CFG" h2 "python3 $PWD/bind.py $p 0")" = "$p" &&
	wait $h1 && test "$(cat h1.out)" = "$p"
	}; rc=$?; kill $listener; wait $listener 2>/dev/null; test $rc -eq 0
'

test_expect_success '/root is private with stock dotfiles (no pyenv)' '
	test "$(ssh -F "$CFG" h1 "cat ~/.bashrc" | grep -c pyenv)" = 0 &&
	ssh -F "$CFG" h1 "cat ~/.bashrc" >bashrc && test_cmp /etc/skel/.bashrc bashrc &&
	ssh -F "$CFG" h1 "cat ~/.profile" >profile && test_cmp /etc/skel/.profile profile &&
	test "$(ssh -F "$CFG" h1 "echo \$HOME; id -un")" = "/root
root"
'

test_expect_success 'host keys match known_hosts; a tampered or alias-only known_hosts fails' '
	kh=$LC_TESTHOSTS_DIR/known_hosts &&
	ssh-keyscan -p "$LC_TESTHOSTS_PORT" -t ed25519 127.0.1.1 2>/dev/null >scan &&
	grep -F "[127.0.1.1]:$LC_TESTHOSTS_PORT ssh-ed25519 " "$kh" >want &&
	test_cmp want scan &&
	ssh -F "$CFG" -o StrictHostKeyChecking=yes h1 true &&
	awk "NR == 1 { first = \$1 } NR == 2 { print first, \$2, \$3 }" "$kh" >tampered &&
	! ssh -F "$CFG" -o UserKnownHostsFile="$PWD/tampered" h1 true 2>err &&
	grep -i "host key" err &&
	sed "s/^\[127\.0\.1\.\([0-9]*\)\]:[0-9]*/h\1/" "$kh" >alias-only &&
	! ssh -F "$CFG" -o UserKnownHostsFile="$PWD/alias-only" h1 true 2>err &&
	grep "No ED25519 host key is known for \[127.0.1.1\]:$LC_TESTHOSTS_PORT" err
'

test_expect_success 'status lists 3 running hosts; env prints assignments' '
	"$TESTHOSTS" status >status &&
	test "$(grep -c "^h[123] running pid [0-9]* 127\.0\.1\.[123]:$LC_TESTHOSTS_PORT sshd\$" status)" = 3 &&
	"$TESTHOSTS" env >env &&
	(eval "$(cat env)" && test "$LC_TESTHOSTS_SSH_CONFIG" = "$CFG" &&
	 test "$LC_TESTHOSTS_HOSTS" = "h1 h2 h3" &&
	 test "$LC_TESTHOSTS_KIND" = sshd)
'

test_expect_success 'up 3 again leaves the running hosts alone' '
	cat "$LC_TESTHOSTS_DIR"/h[123]/pid >before &&
	"$TESTHOSTS" up 3 >out &&
	grep "0 started (sshd), 3 already running" out &&
	cat "$LC_TESTHOSTS_DIR"/h[123]/pid >after &&
	test_cmp before after
'

test_expect_success 'up 5 adds h4 and h5' '
	cat "$LC_TESTHOSTS_DIR"/h[123]/pid >before &&
	"$TESTHOSTS" up 5 >out &&
	grep "2 started (sshd), 3 already running" out &&
	cat "$LC_TESTHOSTS_DIR"/h[123]/pid >after &&
	test_cmp before after &&
	test "$("$TESTHOSTS" status | grep -c " running ")" = 5 &&
	ssh -F "$CFG" h5 true && ssh -F "$CFG" h4 true
'
seen_pids

test_expect_success 'down stops every host, open sessions and daemonized children' '
	h1=$(cat "$LC_TESTHOSTS_DIR/h1/pid") || return 1
	ssh -F "$CFG" h1 "echo \$\$; exec sleep 300" >session 2>&1 &
	client=$!
	bg=$(ssh -F "$CFG" h2 "sleep 300 </dev/null >/dev/null 2>&1 & echo \$!") &&
	alive "$bg" &&
	i=0 &&
	while ! test -s session && test $i -lt 50; do
		sleep 0.1; i=$((i + 1))
	done &&
	sleeper=$(cat session) && alive "$sleeper" &&
	monitor=$(ps -o pid= --ppid "$h1") && test -n "$monitor" &&
	pids=$(cat "$LC_TESTHOSTS_DIR"/h*/pid) &&
	"$TESTHOSTS" down >out &&
	cat out &&
	test "$(grep -c "^testhosts: stopped h" out)" = 5 &&
	{ wait $client || true; } &&
	for p in $pids $monitor $sleeper $bg; do
		! alive "$p" || { echo "still running: $p"; return 1; }
	done &&
	no_leftovers
'

test_expect_success 'status after down shows stopped hosts; down again is harmless' '
	test "$("$TESTHOSTS" status | grep -c " stopped ")" = 5 &&
	"$TESTHOSTS" down >out &&
	grep "0 hosts stopped" out
'

test_expect_success 'up 100, one command on every host, down: nothing left' '
	t0=$(date +%s.%N) &&
	"$TESTHOSTS" up 100 >out &&
	t1=$(date +%s.%N) &&
	cat "$LC_TESTHOSTS_DIR"/h*/pid >>"$LC_TESTHOSTS_DIR/pids.seen" &&
	seq 1 100 | xargs -P 16 -I{} ssh -F "$CFG" h{} "echo h{} \${SSH_CONNECTION#* * }" >got &&
	t2=$(date +%s.%N) &&
	seq 1 100 | awk "{ print \"h\" \$1, \"127.0.1.\" \$1, $LC_TESTHOSTS_PORT }" | sort >want &&
	sort got >got.sorted && test_cmp want got.sorted &&
	t3=$(date +%s.%N) &&
	"$TESTHOSTS" down >out &&
	t4=$(date +%s.%N) &&
	grep "100 hosts stopped" out &&
	no_leftovers &&
	awk "BEGIN { printf \"# up 100: %.2fs, 100 ssh commands: %.2fs, down 100: %.2fs\n\", $t1 - $t0, $t2 - $t1, $t4 - $t3 }" >"$TRASH/timing"
'
cat "$TRASH/timing" 2>/dev/null || true

cleanup
test_done
