#!/bin/sh
# t1400-supervise.sh - roles under the agent's own supervisor on real test hosts over SSH; the systemd unit text.
. "$(dirname "$0")/lib.sh"

AGENT=$LC_BUILD/agent/lattice-agent
SIM=$LC_BUILD/sim-organism
L=demo.local.devnet
L2=other.local.devnet
export AGENT SIM L L2

# The unit text the systemd backend writes (no host needed).
unit_text() {
	LATTICE_AGENT_ROOT=$PWD/root "$AGENT" unit-text --lattice $L --role unseal-member \
		--exec sim-organism "$@"
}

test_expect_success 'unit-text: a hardened unit with env files in order and secrets as credentials' '
	mkdir -p root/etc/lattice/$L && s=/var/lib/lattice/$L/secrets &&
	printf "A=1\n" >root/etc/lattice/$L/common.env &&
	printf "UNSEAL_SECRET_FILE=%s/unseal-member.secret\nUNSEAL_COMMITTEE_SECRET_FILE=\"%s/unseal.committee\"\nOTHER=/tmp/x\n" \
		$s $s >root/etc/lattice/$L/unseal-member.env &&
	unit_text --env common.env --env unseal-member.env --arg --fast --arg "50%\$x \"q\"" >unit &&
	for d in "[Unit]" "[Service]" "[Install]" DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict \
		ProtectHome=yes PrivateTmp=yes Restart=on-failure RestartSec=5s TimeoutStopSec=5s \
		"ReadWritePaths=%S/lattice-$L-unseal-member" "StateDirectory=lattice-$L-unseal-member" \
		"CapabilityBoundingSet=" "WantedBy=multi-user.target" \
		"LoadCredential=unseal-member.secret:$s/unseal-member.secret" \
		"LoadCredential=unseal.committee:$s/unseal.committee"; do
		grep -qxF "$d" unit || { echo "missing: $d"; cat unit; exit 1; }
	done &&
	grep "^EnvironmentFile=" unit >envs &&
	printf "EnvironmentFile=/etc/lattice/$L/common.env\nEnvironmentFile=/etc/lattice/$L/unseal-member.env\n" >want &&
	test_cmp want envs &&
	grep "^ExecStart=" unit >exec &&
	printf "%s\n" "ExecStart=/usr/bin/env LATTICE_ROLE=unseal-member UNSEAL_SECRET_FILE=%d/unseal-member.secret UNSEAL_COMMITTEE_SECRET_FILE=%d/unseal.committee \"/usr/local/lib/lattice/$L/bin/sim-organism\" \"--fast\" \"50%%\$\$x \\\"q\\\"\"" >want &&
	test_cmp want exec && ! grep -q OTHER unit && test "$(grep -c "^LoadCredential=" unit)" = 2 &&
	if command -v systemd-analyze >/dev/null; then
		cp unit lattice-$L-unseal-member.service &&
		systemd-analyze verify "./lattice-$L-unseal-member.service" >verify 2>&1 &&
		! test -s verify || { cat verify; exit 1; }
	fi
'

test_expect_success 'unit-text refuses a reserved role, a bad lattice and a missing env file' '
	mkdir -p root/etc/lattice/$L && printf "A=1\n" >root/etc/lattice/$L/a.env &&
	unit_text --env a.env >/dev/null &&
	! LATTICE_AGENT_ROOT=$PWD/root "$AGENT" unit-text --lattice $L --role supervisor --exec x 2>err &&
	grep -q reserved err &&
	! LATTICE_AGENT_ROOT=$PWD/root "$AGENT" unit-text --lattice Bad --role r --exec x 2>err &&
	grep -q "not a lattice name" err &&
	! unit_text --env none.env >out 2>err && grep -q "none.env.*does not exist" err && ! test -s out &&
	! unit_text --arg "$(printf "a\tb")" 2>err && grep -q usage err
'

# The agent over pipes with its root in ./root: requests on stdin, replies on stdout.
local_agent() {
	{ printf "%s\n" "{\"id\":0,\"op\":\"hello\",\"version\":1}"; cat; } |
		LATTICE_AGENT_ROOT=$PWD/root "$AGENT" serve 2>>agent.err | tail -n +2
}

# Wipe the local lattice (stopping its supervisor) and check for sanitizer reports.
local_wipe() {
	printf "%s\n" "{\"id\":9,\"op\":\"wipe\",\"lattice\":\"$L\"}" | local_agent >/dev/null
	! grep -s -e Sanitizer -e "runtime error" agent.err
}

test_expect_success 'a role'"'"'s log is rotated at 1 MiB, one generation kept; a script runs (local)' '
	b=root/usr/local/lib/lattice/$L/bin r=root/run/lattice/$L && mkdir -p $b && {
	printf "#!/bin/sh\nyes \"\$(printf %%099d 0)\" | head -n 25000\necho last line\nexec sleep 60\n" >$b/chatty &&
	chmod 755 $b/chatty &&
	printf "%s\n" "{\"id\":1,\"op\":\"unit\",\"lattice\":\"$L\",\"role\":\"relay-member\",\"action\":\"install\",\"exec\":\"chatty\",\"env\":[]}" \
		"{\"id\":2,\"op\":\"unit\",\"lattice\":\"$L\",\"role\":\"relay-member\",\"action\":\"start\"}" |
		local_agent >out && jq -e -s "length == 2 and all(.ok)" out &&
	i=0 && until grep -qx "last line" $r/relay-member.log 2>/dev/null || [ $i -ge 150 ]; do sleep 0.1; i=$((i + 1)); done &&
	old=$(stat -c %s $r/relay-member.log.1) && cur=$(stat -c %s $r/relay-member.log) &&
	test "$old" -ge 1048576 && test "$old" -lt 1114112 && test "$cur" -lt 1048576 &&
	test $((old + cur)) -lt 2500010 && test "$(stat -c %a $r/relay-member.log $r/relay-member.log.1)" = "600
600" &&
	printf "%s\n" "{\"id\":3,\"op\":\"status\",\"lattice\":\"$L\",\"role\":\"relay-member\"}" | local_agent >st &&
	jq -e ".roles[\"relay-member\"] | .state != \"failed\" and .pid > 0 and .log[-1] == \"last line\" and (.log | length) == 20" st &&
	pid=$(jq ".roles[\"relay-member\"].pid" st) && kill -0 "$pid"
	}; rc=$?; local_wipe || rc=1; ! kill -0 "${pid:-0}" 2>/dev/null && test $rc -eq 0
'

require_root "on test hosts needs root"
testhosts_up 2 2610 || { echo "cannot start test hosts"; exit 1; }
# Metrics ports on the shared loopback, apart from any other run's.
P1=$((LC_TESTHOSTS_PORT * 10 + 1))
P2=$((P1 + 1))
P3=$((P1 + 2))

agent() {
	"$LATTICECTL" agent "$@" --ssh-config "$SSHCFG"
}

setup() {
	cp "$REPO/manifests/local.toml" lattice.toml &&
	sed "s/^name = .*/name = \"$L2\"/" lattice.toml >other.toml
}

lattice_of() {
	sed -n 's/^name = "\(.*\)"/\1/p' "$1"
}

# install_role HOST MANIFEST ROLE PORT [VAR=VALUE...]: the organism, the
# env files common.env and ROLE.env (with the extra lines), the secrets
# and the unit.
install_role() {
	h=$1 m=$2 role=$3 port=$4
	shift 4
	lat=$(lattice_of "$m") org=${role%%-*}
	ORG=$(echo "$org" | tr a-z A-Z) sec=/var/lib/lattice/$lat/secrets
	printf "LATTICE_INSTANCE=%s\nLATTICE_CHAIN_ID=31337\nLATTICE_CONFIG_HEX=00ff\n" "$lat" >common.env
	{
		echo "LATTICE_METRICS_PORT=$port"
		echo "LATTICE_ROUND_MS=200"
		echo "${ORG}_SECRET_FILE=$sec/$role.secret"
		echo "${ORG}_COMMITTEE_SECRET_FILE=$sec/$org.committee"
		if [ "$role" = atelier-member ]; then
			echo "ATELIER_BLS_KEYSTORE_FILE=$sec/$role.keystore.json"
			echo "ATELIER_BLS_PASSWORD_FILE=$sec/$role.password"
		fi
		for kv in "$@"; do echo "$kv"; done
	} >"$role.env"
	echo "secret-$role-$$" >s1 && echo "committee-$org-$$" >s2 &&
	agent "$h" put bin sim-organism "$SIM" -m "$m" >/dev/null &&
	agent "$h" put env common.env common.env -m "$m" >/dev/null &&
	agent "$h" put env "$role.env" "$role.env" -m "$m" >/dev/null &&
	agent "$h" put secret "$role.secret" s1 -m "$m" >/dev/null &&
	agent "$h" put secret "$org.committee" s2 -m "$m" >/dev/null &&
	{ [ "$role" != atelier-member ] || { echo "{\"version\":4}" >ks && echo pw >pw &&
		agent "$h" put secret "$role.keystore.json" ks -m "$m" >/dev/null &&
		agent "$h" put secret "$role.password" pw -m "$m" >/dev/null; }; } &&
	agent "$h" unit "{\"role\":\"$role\",\"action\":\"install\",\"exec\":\"sim-organism\",\"env\":[\"common.env\",\"$role.env\"]}" \
		-m "$m" >inst && jq -e ".ok and .backend == \"supervisor\"" inst >/dev/null
}

# unit HOST MANIFEST ROLE ACTION: the reply in ./r.
unit() {
	agent "$1" unit "{\"role\":\"$3\",\"action\":\"$4\"}" -m "$2" >r
}

# wait_for HOST MANIFEST ROLE JQ SECONDS: poll the role's status (kept in
# ./st.json) until it passes JQ.
wait_for() {
	end=$(($(date +%s) + $5))
	while :; do
		agent "$1" status "{\"role\":\"$3\"}" -m "$2" >st.all 2>/dev/null &&
			jq -c ".roles[\"$3\"]" st.all >st.json && jq -e "$4" st.json >/dev/null && return 0
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "timed out waiting for $4:"
			cat st.all
			return 1
		fi
		sleep 0.3
	done
}

# metric HOST MANIFEST ROLE PORT NAME: the sample's value.
metric() {
	agent "$1" metrics "{\"role\":\"$3\",\"port\":$4,\"names\":[\"$5\"]}" -m "$2" | jq -r ".samples[\"$5\"]"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# After each test, whatever happened: stop the supervisors of both
# lattices on both hosts, look for sanitizer reports in their logs and the
# roles' (written as they exit), and wipe everything.
cleanup() {
	r=$1
	for h in h1 h2; do
		on_host $h 'for d in /run/lattice/*/; do
			[ -f "$d/supervisor.pid" ] || continue
			flock -n "$d/supervisor.pid" true && continue
			kill -TERM "$(cat "$d/supervisor.pid")"
			i=0; until flock -n "$d/supervisor.pid" true || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
		done
		! grep -h -e Sanitizer -e "runtime error" /run/lattice/*/*.log 2>/dev/null' || r=1
		agent $h wipe -m lattice.toml >/dev/null 2>&1
		agent $h wipe -m other.toml >/dev/null 2>&1
	done
	return "$r"
}

test_expect_success 'a started role is up with a pid, metrics and a round counter that grows' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	unit h1 lattice.toml unseal-member start &&
	jq -e ".ok and .backend == \"supervisor\" and (.state == \"starting\" or .state == \"up\") and .pid > 0" r &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\" and .pid > 0 and .restarts == 0" 10 &&
	pid=$(jq .pid st.json) && on_host h1 "kill -0 $pid" &&
	test "$(metric h1 lattice.toml unseal-member $P1 unseal_up)" = 1 &&
	test "$(metric h1 lattice.toml unseal-member $P1 unseal_committee_size)" = 3 &&
	r1=$(metric h1 lattice.toml unseal-member $P1 unseal_round) && sleep 1 &&
	r2=$(metric h1 lattice.toml unseal-member $P1 unseal_round) &&
	test "$r2" -gt "$r1" &&
	wait_for h1 lattice.toml unseal-member ".uptime_s >= 1 and (.log | any(test(\"^round finalized [0-9]+$\")))" 5 &&
	agent h1 status -m lattice.toml >all && jq -e ".supervisor and (.roles | keys) == [\"unseal-member\"]" all
	}; cleanup $?
'

test_expect_success 'the supervisor outlives the SSH session that started it' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	t0=$(now_ms) && unit h1 lattice.toml unseal-member start && t1=$(now_ms) &&
	test $((t1 - t0)) -lt 5000 &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\"" 10 && pid=$(jq .pid st.json) &&
	spid=$(on_host h1 "cat /run/lattice/$L/supervisor.pid") &&
	on_host h1 "ps -o ppid=,tty=,args= -p $spid" >ps &&
	grep -q "lattice-agent supervise --lattice $L" ps && ! grep -q pts ps &&
	test "$(on_host h1 "ps -o comm= -p \$(ps -o ppid= -p $spid)")" != sshd &&
	test "$(on_host h1 "ps -o ppid= -p $pid" | tr -d " ")" = "$spid" &&
	test "$(on_host h1 "readlink /proc/$spid/fd/0")" = /dev/null &&
	test "$(on_host h1 "readlink /proc/$spid/fd/2")" = "/run/lattice/$L/supervisor.log" &&
	sleep 1 && wait_for h1 lattice.toml unseal-member ".state == \"up\" and .pid == $pid" 5 &&
	test "$(metric h1 lattice.toml unseal-member $P1 unseal_up)" = 1
	}; cleanup $?
'

test_expect_success 'a crash is restarted, at least 1 s between spawns, and restarts counts' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 SIM_CRASH_AFTER_MS=700 &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".restarts >= 2" 20 &&
	jq -e ".last_exit.code == 1 or .pid > 0" st.json &&
	on_host h1 "grep \"unseal-member: started pid\" /run/lattice/$L/supervisor.log" >spawns &&
	test "$(wc -l <spawns)" -ge 3 &&
	awk "{ split(\$1, t, \".\"); ms = t[1] * 1000 + t[2]; if (NR > 1 && ms - prev < 1000) bad = 1; prev = ms }
		END { exit bad }" spawns &&
	wait_for h1 lattice.toml unseal-member ".last_exit.code == 1 and (.log | any(test(\"crashing after 700 ms\")))" 10
	}; cleanup $?
'

test_expect_success 'a role that exits at once is failed after 5 crashes, and stays so' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 SIM_EXIT_AT_START=1 &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".state == \"failed\"" 40 &&
	jq -e ".pid == 0 and .restarts == 4 and .last_exit.code == 1 and (.log[-1] | test(\"SIM_EXIT_AT_START\"))" st.json &&
	test "$(on_host h1 "grep -c \"unseal-member: started pid\" /run/lattice/$L/supervisor.log")" = 5 &&
	sleep 2 && wait_for h1 lattice.toml unseal-member ".state == \"failed\" and .restarts == 4" 1 &&
	unit h1 lattice.toml unseal-member stop && jq -e ".ok and .state == \"down\"" r
	}; cleanup $?
'

test_expect_success 'a graceful stop: the role exits within 5 s and is down' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\"" 10 && pid=$(jq .pid st.json) &&
	t0=$(now_ms) && unit h1 lattice.toml unseal-member stop && t1=$(now_ms) &&
	jq -e ".ok and .state == \"down\" and .pid == 0" r && test $((t1 - t0)) -lt 5000 &&
	! on_host h1 "kill -0 $pid 2>/dev/null" &&
	wait_for h1 lattice.toml unseal-member ".state == \"down\" and .last_exit.code == 0 and (.log[-1] | test(\"SIGTERM\"))" 5 &&
	! agent h1 metrics "{\"role\":\"unseal-member\",\"port\":$P1,\"names\":[\"unseal_up\"]}" -m lattice.toml >m &&
	jq -e ".error.code == \"io\"" m
	}; cleanup $?
'

test_expect_success 'a role that ignores SIGTERM is killed with SIGKILL after 5 s' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 SIM_HANG=1 &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\" and (.log | any(test(\"ignoring SIGTERM\")))" 10 &&
	pid=$(jq .pid st.json) &&
	t0=$(now_ms) && unit h1 lattice.toml unseal-member stop && t1=$(now_ms) &&
	jq -e ".ok and .state == \"down\"" r &&
	test $((t1 - t0)) -ge 4800 && test $((t1 - t0)) -lt 9000 &&
	! on_host h1 "kill -0 $pid 2>/dev/null" &&
	wait_for h1 lattice.toml unseal-member ".state == \"down\" and .last_exit.signal == 9" 5 &&
	on_host h1 "grep -q \"pid $pid did not stop in 5 s; SIGKILL\" /run/lattice/$L/supervisor.log"
	}; cleanup $?
'

test_expect_success 'a missing or group-readable secret: the organism fails loudly, status says why' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	on_host h1 "rm /var/lib/lattice/$L/secrets/unseal-member.secret" &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".last_exit.code == 78 and (.log[-1] | test(\"UNSEAL_SECRET_FILE: cannot open .*unseal-member.secret.*No such file\"))" 10 &&
	unit h1 lattice.toml unseal-member stop &&
	agent h1 put secret unseal-member.secret s1 -m lattice.toml >/dev/null &&
	on_host h1 "chmod 0440 /var/lib/lattice/$L/secrets/unseal.committee" &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".last_exit.code == 78 and (.log[-1] | test(\"UNSEAL_COMMITTEE_SECRET_FILE: .*group or other permission bits\"))" 10 &&
	! grep -rq "committee-unseal-$$" st.all
	}; cleanup $?
'

test_expect_success 'two roles of one lattice and one of another: stopping one leaves the others up' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	install_role h1 lattice.toml atelier-member $P2 &&
	install_role h1 other.toml relay-member $P3 &&
	unit h1 lattice.toml unseal-member start && unit h1 lattice.toml atelier-member start &&
	unit h1 other.toml relay-member start &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\"" 10 &&
	wait_for h1 lattice.toml atelier-member ".state == \"up\"" 10 && apid=$(jq .pid st.json) &&
	wait_for h1 other.toml relay-member ".state == \"up\"" 10 && rpid=$(jq .pid st.json) &&
	s1=$(on_host h1 "cat /run/lattice/$L/supervisor.pid") &&
	s2=$(on_host h1 "cat /run/lattice/$L2/supervisor.pid") && test "$s1" != "$s2" &&
	test "$(on_host h1 "ps -o ppid= -p $apid" | tr -d " ")" = "$s1" &&
	test "$(on_host h1 "ps -o ppid= -p $rpid" | tr -d " ")" = "$s2" &&
	unit h1 lattice.toml unseal-member stop && jq -e ".state == \"down\"" r &&
	sleep 1 &&
	wait_for h1 lattice.toml atelier-member ".state == \"up\" and .pid == $apid" 1 &&
	wait_for h1 other.toml relay-member ".state == \"up\" and .pid == $rpid" 1 &&
	test "$(metric h1 lattice.toml atelier-member $P2 atelier_up)" = 1 &&
	test "$(metric h1 other.toml relay-member $P3 relay_up)" = 1 &&
	on_host h1 "ls /run/lattice/$L; echo --; ls /run/lattice/$L2" >files &&
	sed -n "/^--$/q;p" files | grep -q "^atelier-member.log$" &&
	sed "1,/^--$/d" files | grep -q "^relay-member.log$" &&
	! sed -n "/^--$/q;p" files | grep -q relay && ! sed "1,/^--$/d" files | grep -q -e unseal -e atelier &&
	agent h1 status -m other.toml >all && jq -e "(.roles | keys) == [\"relay-member\"]" all &&
	unit h1 other.toml relay-member stop &&
	wait_for h1 lattice.toml atelier-member ".state == \"up\" and .pid == $apid" 1
	}; cleanup $?
'

test_expect_success 'restart gives a new process; remove stops the role and forgets it' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	unit h1 lattice.toml unseal-member start &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\"" 10 && p1=$(jq .pid st.json) &&
	unit h1 lattice.toml unseal-member restart &&
	jq -e ".ok and .pid > 0 and .pid != $p1 and .restarts == 0" r && p2=$(jq .pid r) &&
	! on_host h1 "kill -0 $p1 2>/dev/null" &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\" and .pid == $p2" 10 &&
	unit h1 lattice.toml unseal-member remove && jq -e ".ok and .removed == true" r &&
	! on_host h1 "kill -0 $p2 2>/dev/null" &&
	! agent h1 status "{\"role\":\"unseal-member\"}" -m lattice.toml >s && jq -e ".error.code == \"not_found\"" s &&
	on_host h1 "test ! -e /etc/lattice/$L/units/unseal-member.json && test ! -e /run/lattice/$L/unseal-member.status" &&
	unit h1 lattice.toml unseal-member remove && jq -e ".ok and .removed == false" r
	}; cleanup $?
'

test_expect_success 'testhosts down leaves no supervisor or role process behind' '
	setup && {
	install_role h1 lattice.toml unseal-member $P1 &&
	install_role h1 other.toml relay-member $P2 SIM_HANG=1 &&
	install_role h2 lattice.toml atelier-member $P3 &&
	unit h1 lattice.toml unseal-member start && unit h1 other.toml relay-member start &&
	unit h2 lattice.toml atelier-member start &&
	wait_for h1 lattice.toml unseal-member ".state == \"up\"" 10 && echo "$(jq .pid st.json)" >pids &&
	wait_for h1 other.toml relay-member ".state == \"up\"" 10 && echo "$(jq .pid st.json)" >>pids &&
	wait_for h2 lattice.toml atelier-member ".state == \"up\"" 10 && echo "$(jq .pid st.json)" >>pids &&
	on_host h1 "cat /run/lattice/$L/supervisor.pid /run/lattice/$L2/supervisor.pid" >>pids &&
	on_host h2 "cat /run/lattice/$L/supervisor.pid" >>pids &&
	test "$(sort -u pids | wc -l)" = 6 &&
	for p in $(cat pids); do test -d /proc/$p || exit 1; done &&
	"$REPO/scripts/testhosts" down >down &&
	for p in $(cat pids); do
		if test -d /proc/$p && ! grep -q "^State:.*Z" /proc/$p/status; then
			echo "pid $p is still running:"; cat /proc/$p/cmdline | tr "\0" " "; echo; exit 1
		fi
	done &&
	! grep -h -e Sanitizer -e "runtime error" "$LC_TESTHOSTS_DIR"/h*/run-lattice/*/*.log
	}
'

test_done
