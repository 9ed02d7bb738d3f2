#!/bin/sh
# t2100-status.sh - `latticectl status` on a fleet of real test hosts started by hand: table, JSON, faults, unreachable hosts.
. "$(dirname "$0")/lib.sh"

SIM=$LC_BUILD/sim-organism
L=demo.local.devnet
M=$TRASH/lattice.toml
STATE=$TRASH/state
FLEET=$TRASH/fleet
export SIM L M STATE FLEET
cp "$REPO/manifests/local.toml" "$M"

test_expect_success 'status refuses operands, unknown roles and hosts (exit 2)' '
	lc_run 2 -m "$M" status extra && grep -q "takes no operands" err &&
	lc_run 2 -m "$M" status --role unseal && grep -q "did you mean .unseal-member." err &&
	lc_run 2 -m "$M" status --role relay-membr && grep -q "did you mean .relay-member." err &&
	lc_run 2 -m "$M" status --role zipnet && grep -q "hint: the roles are zipnet-server, " err &&
	lc_run 2 -m "$M" status --host h9 && grep -q "h9. is not a host of lattice" err &&
	lc_run 2 -m "$M" status --host h7 --role unseal-member &&
	grep -q "no host asked for carries a role asked for" err && test ! -s out
'

test_expect_success 'an invalid manifest is 3, a state directory that cannot be made is 1' '
	printf "[lattice]\nname = \"x\"\n" >bad.toml && lc_run 3 -m bad.toml status &&
	: >file && lc_run 1 -m "$M" --state-dir file status &&
	grep -q "^latticectl: .*file" err && test ! -s out
'

require_root "on test hosts needs root"
testhosts_up 7 3000 || { echo "cannot start test hosts"; exit 1; }
DEAD=$TRASH/ssh_config.dead
export DEAD
# h4 pointed at an address where no sshd listens: an unreachable host.
sed "/^Host h4\$/,/HostName/ s/127\.0\.1\.4\$/127.0.1.254/" "$SSHCFG" >"$DEAD"

# latticectl on the fleet's manifest and state, with the hosts' ssh_config.
lc() {
	"$LATTICECTL" -m "$M" --state-dir "$STATE" --ssh-config "$SSHCFG" "$@"
}

# status [ARGS]: lc_run with the fleet's options; $1 is the exit status.
status() {
	want=$1
	shift
	lc_run "$want" -m "$M" --state-dir "$STATE" --ssh-config "$SSHCFG" status "$@"
}

# status_until RC SECONDS [ARGS]: status until it exits RC (out, err kept).
status_until() {
	want=$1 end=$(($(date +%s) + $2))
	shift 2
	while :; do
		lc status "$@" >out 2>err
		got=$?
		[ "$got" -eq "$want" ] && break
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "status never exited $want in time (last: $got)"
			cat out err
			return 1
		fi
		sleep 0.5
	done
	! grep -q -e Sanitizer -e "runtime error" err
}

# wait_json SECONDS JQ [ARGS]: status --json until its output passes JQ.
wait_json() {
	end=$(($(date +%s) + $1)) filter=$2
	shift 2
	# Whatever status exits (5 while unhealthy), the JSON decides.
	until { lc status --json "$@" >out 2>err; jq -e "$filter" out >/dev/null 2>&1; }; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "status --json $* never passed $filter:"
			cat out err
			return 1
		fi
		sleep 0.5
	done
	! grep -q -e Sanitizer -e "runtime error" err
}

# The table's role rows: host role state pid uptime restarts committee round health...
rows() {
	awk '$1 ~ /^h[0-9]+$/ && $2 != "-"' out
}

# The fleet's layout from validate: "host role" lines in manifest host
# order and pipeline role order; the first metrics port.
"$LATTICECTL" validate -m "$M" >"$TRASH/describe"
BASE=$(sed -n 's/^health: .* metrics on loopback ports \([0-9]*\)-[0-9]*.*/\1/p' "$TRASH/describe")
awk '/^HOST /{ t = 1; next } t && NF { line = $0; host = $1; sub(/^[^ ]+ +[^ ]+ +/, "", line); n = split(line, r, ", ");
	for (i = 1; i <= n; i++) print host, r[i] }' "$TRASH/describe" >"$TRASH/layout"
export BASE

# Index in pipeline order (deploy.h: role r serves on BASE + r).
role_index() {
	case $1 in
	zipnet-server) echo 0 ;; zipnet-aggregator) echo 1 ;; unseal-member) echo 2 ;;
	offer-member) echo 3 ;; atelier-member) echo 4 ;; relay-member) echo 5 ;;
	tally-member) echo 6 ;;
	esac
}

# hosts_of ROLE: its hosts, comma-separated.
hosts_of() {
	awk -v r="$1" '$2 == r { print $1 }' "$TRASH/layout" | paste -sd, -
}

# role_env ROLE [VAR=VALUE...]: the role's env file in $FLEET/ROLE.env,
# named as deploy.h lays a lattice out.
role_env() {
	role=$1
	shift
	org=${role%%-*} ORG=$(echo "${role%%-*}" | tr a-z A-Z) sec=/var/lib/lattice/$L/secrets
	{
		echo "LATTICE_METRICS_PORT=$((BASE + $(role_index "$role")))"
		echo "LATTICE_COMMITTEE_SIZE=$(awk -v r="$role" '$2 == r' "$TRASH/layout" | wc -l)"
		echo "LATTICE_ROUND_MS=200"
		echo "${ORG}_SECRET_FILE=$sec/$role.peer"
		[ "$role" = zipnet-aggregator ] || echo "${ORG}_COMMITTEE_SECRET_FILE=$sec/$role.committee"
		if [ "$role" = atelier-member ]; then
			echo "ATELIER_BLS_KEYSTORE_FILE=$sec/$role.keystore.json"
			echo "ATELIER_BLS_PASSWORD_FILE=$sec/$role.password"
		fi
		for kv in "$@"; do echo "$kv"; done
	} >"$FLEET/$role.env"
}

# agent HOSTS OP...: one agent operation on hosts, quietly.
agent() {
	hosts=$1
	shift
	lc agent "$hosts" "$@" >"$FLEET/agent.out" 2>"$FLEET/agent.err" ||
		{ cat "$FLEET/agent.out" "$FLEET/agent.err"; return 1; }
}

# Every host's files of the lattice but the run directory: hashes and modes.
fleet_files() {
	for h in $(cut -d" " -f1 "$TRASH/layout" | uniq); do
		on_host "$h" "cd / && find etc/lattice/$L var/lib/lattice/$L usr/local/lib/lattice/$L \
			-type f -printf \"$h %p %m \" -exec sha256sum {} \\; 2>/dev/null | sort"
	done
}

test_expect_success 'the test reads the layout and the metrics port from validate' '
	test -n "$BASE" && test "$BASE" -ge 1024 &&
	test "$(wc -l <"$TRASH/layout")" = 19 &&
	grep -qx "h7 zipnet-aggregator" "$TRASH/layout" && test "$(hosts_of unseal-member)" = h1,h2,h3
'

test_expect_success 'nothing installed: every role is "not installed", exit 5; status installs no role' '
	status 5 &&
	test "$(rows | wc -l)" = 19 &&
	test "$(rows | awk "\$3 == \"-\" && \$4 == \"-\" && \$9 \" \" \$10 == \"not installed\"" | wc -l)" = 19 &&
	grep -qx "lattice $L: 0/19 roles healthy on 7/7 hosts" out &&
	test "$(grep -c "installed agent bundle" err)" = 7 &&
	for i in 1 2 3 4 5 6 7; do
		on_host h$i "test ! -e /etc/lattice/$L && test ! -e /var/lib/lattice/$L &&
			test ! -e /usr/local/lib/lattice/$L" || { echo "h$i has lattice files"; exit 1; }
	done
'

test_expect_success 'install and start every role by hand (latticectl agent)' '
	mkdir -p "$FLEET" &&
	printf "LATTICE_INSTANCE=%s\nLATTICE_CHAIN_ID=31337\nLATTICE_CONFIG_HEX=00ff\n" $L >"$FLEET/common.env" &&
	agent all put bin sim-organism "$SIM" &&
	agent all put env common.env "$FLEET/common.env" &&
	for role in $(cut -d" " -f2 "$TRASH/layout" | sort -u); do
		hs=$(hosts_of $role) && role_env $role &&
		echo "peer-$role-$$" >"$FLEET/peer" && echo "committee-$role-$$" >"$FLEET/committee" &&
		agent "$hs" put env $role.env "$FLEET/$role.env" &&
		agent "$hs" put secret $role.peer "$FLEET/peer" &&
		{ [ $role = zipnet-aggregator ] || agent "$hs" put secret $role.committee "$FLEET/committee"; } &&
		{ [ $role != atelier-member ] || { echo "{\"version\":4}" >"$FLEET/ks" && echo pw >"$FLEET/pw" &&
			agent "$hs" put secret $role.keystore.json "$FLEET/ks" &&
			agent "$hs" put secret $role.password "$FLEET/pw"; }; } &&
		agent "$hs" unit "{\"role\":\"$role\",\"action\":\"install\",\"exec\":\"sim-organism\",\"env\":[\"common.env\",\"$role.env\"]}" &&
		agent "$hs" unit "{\"role\":\"$role\",\"action\":\"start\"}" || exit 1
	done &&
	status_until 0 20
'

test_expect_success 'all healthy: exit 0, one row per role in manifest and pipeline order, pids as the agents say' '
	fleet_files >before &&
	status 0 &&
	rows | awk "{ print \$1, \$2 }" >order && test_cmp "$TRASH/layout" order &&
	head -n 1 out | tr -s " " >head &&
	echo "HOST ROLE STATE PID UPTIME RESTARTS COMMITTEE ROUND HEALTH" >want && test_cmp want head &&
	tail -n 1 out >summary && echo "lattice $L: 19/19 roles healthy on 7/7 hosts" >want &&
	test_cmp want summary &&
	rows | awk "\$3 != \"up\" || \$6 != 0 || \$8 < 1 || \$9 != \"ok\" || NF != 9" >bad && test_cmp /dev/null bad &&
	while read -r h role; do
		n=$(grep -c " $role\$" "$TRASH/layout") &&
		rows | awk -v h=$h -v r=$role -v n=$n "\$1 == h && \$2 == r && \$7 == n" | grep -q . ||
			{ echo "$h $role: committee is not $n"; exit 1; }
	done <"$TRASH/layout" &&
	lc agent all status >agents &&
	while IFS= read -r line; do
		h=${line%%: *} && printf "%s\n" "${line#*: }" |
			jq -r --arg h "$h" ".roles | to_entries[] | \"\(\$h) \(.key) \(.value.pid)\"" || exit 1
	done <agents | sort >want.pids &&
	rows | awk "{ print \$1, \$2, \$4 }" | sort >got.pids && test_cmp want.pids got.pids &&
	fleet_files >after && test_cmp before after
'

test_expect_success '--json: one object that agrees with the table' '
	status 0 && rows | awk "{ print \$1, \$2, \$3, \$4, \$6, \$7, (\$9 == \"ok\") }" >table &&
	status 0 --json &&
	jq -s -e "length == 1" out >/dev/null &&
	jq -e ".lattice == \"$L\" and .healthy == true and (.hosts | length) == 7 and
		all(.hosts[]; .reachable and .error == null and (.agent | startswith(\"lattice-agent \"))
			and .backend == \"supervisor\" and .extra == [])" out >/dev/null &&
	jq -e "[.hosts[].roles[]] | length == 19 and all(.[]; .healthy and .why == null and .round > 0
		and .last_exit == null and .uptime_s >= 0)" out >/dev/null &&
	jq -r ".hosts[] | .host as \$h | .roles[] |
		\"\(\$h) \(.role) \(.state) \(.pid) \(.restarts) \(.committee_size) \(if .healthy then 1 else 0 end)\"" out >json &&
	test_cmp table json && test ! -s err
'

test_expect_success '--role and --host narrow the table and the hosts asked' '
	status 0 --role unseal-member &&
	rows | awk "{ print \$1, \$2 }" >got && printf "h1 unseal-member\nh2 unseal-member\nh3 unseal-member\n" >want &&
	test_cmp want got && grep -qx "lattice $L: 3/3 roles healthy on 3/3 hosts" out &&
	status 0 --host h5 --host h4 --role tally-member,zipnet-server &&
	rows | awk "{ print \$1, \$2 }" >got &&
	printf "h4 zipnet-server\nh4 tally-member\nh5 zipnet-server\nh5 tally-member\n" >want &&
	test_cmp want got && grep -qx "lattice $L: 4/4 roles healthy on 2/2 hosts" out &&
	status 0 --json --host h7 && jq -e "(.hosts | map(.host)) == [\"h7\"] and
		(.hosts[0].roles | map(.role)) == [\"zipnet-aggregator\"]" out >/dev/null
'

test_expect_success 'a role killed with SIGKILL is restarted: its restarts go up, the others stay 0' '
	status 0 --host h2 --role atelier-member && old=$(rows | awk "{ print \$4 }") &&
	on_host h2 "kill -9 $old" &&
	wait_json 15 ".healthy and .hosts[0].roles[0].restarts == 1 and .hosts[0].roles[0].pid != $old" \
		--host h2 --role atelier-member &&
	status 0 && rows | awk "\$6 != 0 { print \$1, \$2, \$6 }" >got &&
	echo "h2 atelier-member 1" >want && test_cmp want got &&
	status 0 --json --host h2 &&
	jq -e ".hosts[0].roles[] | select(.role == \"atelier-member\") |
		.restarts == 1 and .last_exit == \"signal 9\" and .pid != $old" out >/dev/null
'

test_expect_success 'a role that exits at once is failed: exit 5 with the reason; the rest stay ok' '
	role_env relay-member SIM_EXIT_AT_START=1 && agent h5 put env relay-member.env "$FLEET/relay-member.env" &&
	agent h5 unit "{\"role\":\"relay-member\",\"action\":\"restart\"}" &&
	status 5 && grep -qx "lattice $L: 18/19 roles healthy on 7/7 hosts" out &&
	wait_json 40 ".hosts[0].roles[0].state == \"failed\"" --host h5 --role relay-member &&
	jq -e ".healthy == false and (.hosts[0].roles[0] | .healthy == false and .pid == 0 and
		.why == \"state failed, last exit code 1\" and .last_exit == \"code 1\")" out >/dev/null &&
	status 5 && rows | awk "\$9 != \"ok\"" >bad &&
	test "$(wc -l <bad)" = 1 && grep -q "^h5 *relay-member *failed *- *- *4 *- *- *state failed, last exit code 1\$" bad &&
	status 5 -q && test "$(wc -l <out)" = 2 && grep -q "^h5 .*state failed" out &&
	status 5 -v --host h5 &&
	grep -q "^h5: relay-member is not healthy (state failed, last exit code 1); its last log lines:$" err &&
	sed -n "/^h5: relay-member is not healthy/{n;p}" err | grep -q "^  ." &&
	! grep -q "^h5: unseal-member is not healthy" err &&
	role_env relay-member && agent h5 put env relay-member.env "$FLEET/relay-member.env" &&
	agent h5 unit "{\"role\":\"relay-member\",\"action\":\"restart\"}" &&
	status_until 0 15
'

test_expect_success '-v, -vv and -vvv say more on stderr, -q nothing; stdout is the reply alone' '
	lc agent h2 facts >out0 2>err0 && test ! -s err0 && jq -e .arch out0 >/dev/null &&
	lc -q agent h2 facts >outq 2>errq && test ! -s errq && jq -e .arch outq >/dev/null &&
	lc -v agent h2 facts >out1 2>err1 && jq -e .arch out1 >/dev/null &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): connecting (attempt 1)$" err1 &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): host key verified$" err1 &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): logged in$" err1 &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): agent bundle [0-9a-f]\{12\} \(present\|pushed\)" err1 &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): starting the agent: exec /usr/local/lib/lattice/agent/" err1 &&
	! grep -q "> {" err1 && ! grep -q "libssh:" err1 &&
	lc -vv agent h2 facts >out2 2>err2 && jq -e .arch out2 >/dev/null &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): > {\"op\":\"facts\"" err2 &&
	grep -q "^h2 (127\.0\.1\.2:[0-9]*): < {\"id\":[0-9]*,\"ok\":true" err2 &&
	! grep -q "libssh:" err2 &&
	lc -vvv agent h2 facts >out3 2>err3 && jq -e .arch out3 >/dev/null &&
	grep -q "^libssh: " err3
'

test_expect_success 'an unreachable host is one row; the others are still reported; exit 5' '
	lc_run 5 -m "$M" --state-dir "$STATE" --ssh-config "$DEAD" status &&
	grep "^h4 " out >h4 && test "$(wc -l <h4)" = 1 &&
	grep -q "^h4 *- *unreachable: h4 (127.0.1.254:$LC_TESTHOSTS_PORT): cannot connect" h4 &&
	grep -q "^h4: hint: " err &&
	rows | grep -v "^h4 " | awk "\$9 != \"ok\"" >bad && test_cmp /dev/null bad &&
	test "$(rows | grep -vc "^h4 ")" = 15 &&
	grep -qx "lattice $L: 15/19 roles healthy on 6/7 hosts" out &&
	lc_run 5 -m "$M" --state-dir "$STATE" --ssh-config "$DEAD" status --json &&
	jq -s -e "length == 1" out >/dev/null &&
	jq -e ".healthy == false and (.hosts | length) == 7 and
		(.hosts[] | select(.host == \"h4\") | .reachable == false and .agent == null and
		 (.error | test(\"cannot connect\")) and (.roles | length) == 4 and
		 all(.roles[]; .healthy == false and .why == \"host unreachable\" and .state == null)) and
		all(.hosts[] | select(.host != \"h4\"); .reachable and all(.roles[]; .healthy))" out >/dev/null &&
	lc_run 0 -m "$M" --state-dir "$STATE" --ssh-config "$DEAD" status --host h1,h5
'

test_expect_success 'a role not in the manifest is a warning, not a fault; one removed is "not installed"' '
	role_env tally-member && agent h7 put env tally-member.env "$FLEET/tally-member.env" &&
	agent h7 unit "{\"role\":\"tally-member\",\"action\":\"install\",\"exec\":\"sim-organism\",\"env\":[\"common.env\",\"tally-member.env\"]}" &&
	status 0 --host h7 && grep -qx "warning: h7 has tally-member installed, which the manifest does not give it" err &&
	! rows | grep -q tally-member &&
	status 0 --json --host h7 && jq -e ".hosts[0].extra == [\"tally-member\"]" out >/dev/null &&
	agent h7 unit "{\"role\":\"tally-member\",\"action\":\"remove\"}" &&
	agent h7 unit "{\"role\":\"zipnet-aggregator\",\"action\":\"remove\"}" &&
	status 5 --host h7 && rows >got &&
	grep -q "^h7 *zipnet-aggregator *- *- *- *- *- *- *not installed\$" got && test ! -s err
'

test_expect_success 'no sanitizer report in any supervisor or role log' '
	for i in 1 2 3 4 5 6 7; do
		on_host h$i "! grep -h -e Sanitizer -e \"runtime error\" /run/lattice/$L/*.log 2>/dev/null" || exit 1
	done
'

test_done
