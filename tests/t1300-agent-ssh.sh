#!/bin/sh
# t1300-agent-ssh.sh - the real agent on real test hosts over SSH: installs, modes, locks, full disk, two lattices.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 2 2510 || { echo "cannot start test hosts"; exit 1; }
L=demo.local.devnet
M=0000000000000000000000000000000000000000000000000000000000000001

agent() {
	"$LATTICECTL" agent "$@" --ssh-config "$SSHCFG"
}

setup() {
	cp "$REPO/manifests/local.toml" lattice.toml
}

test_expect_success 'facts from a real host' '
	setup && agent h1 facts >out &&
	jq -e ".ok and .os != \"\" and .arch != \"\" and .kernel != \"\" and (.systemd_pid1|type) == \"boolean\"
		and (.tdx|type) == \"boolean\" and (.disk_free[\"/var/lib/lattice\"] > 0) and .time > 0" out
'

test_expect_success 'install is content-addressed and idempotent; bytes streamed' '
	setup && head -c 5000000 /dev/urandom >bin &&
	agent h1 put bin zipnet-server bin >r1 && jq -e ".ok and .changed == true" r1 &&
	agent h1 put bin zipnet-server bin >r2 && jq -e ".ok and .changed == false" r2 &&
	test "$(jq -r .sha256 r1)" = "$(sha256sum bin | cut -c1-64)" &&
	test "$(on_host h1 "sha256sum /usr/local/lib/lattice/$L/bin/zipnet-server" | cut -c1-64)" = "$(sha256sum bin | cut -c1-64)" &&
	agent h1 stat "{\"area\":\"bin\",\"names\":[\"zipnet-server\"]}" >s &&
	jq -e ".files[\"zipnet-server\"].size == 5000000" s
'

test_expect_success 'exact modes and owners per area' '
	setup && echo "LATTICE_INSTANCE=$L" >env && echo secret-value-$$ >sec &&
	agent h1 put bin tally-member env >/dev/null &&
	agent h1 put env tally-member.env env >/dev/null &&
	agent h1 put secret tally-member.seed sec >/dev/null &&
	on_host h1 "stat -c \"%a %U %n\" /usr/local/lib/lattice/$L/bin/tally-member /etc/lattice/$L/tally-member.env /var/lib/lattice/$L/secrets/tally-member.seed" >modes &&
	grep -q "^755 root .*/bin/tally-member$" modes &&
	grep -q "^600 root .*/tally-member.env$" modes &&
	grep -q "^400 root .*/tally-member.seed$" modes
'

test_expect_success 'a secret put leaves no trace in ps, remote logs or local output' '
	setup && v=s3cr3t-$$-$(date +%N) && echo "$v" >sec || exit 1
	agent h2 put secret relay-member.seed sec >out 2>err &
	p=$!
	i=0; while [ $i -lt 20 ]; do on_host h2 "ps -eo args" >>ps; i=$((i+1)); done
	wait $p &&
	! grep -q "$v" ps out err &&
	! grep -rqs "$v" "$LC_TESTHOSTS_DIR/h2/log" &&
	on_host h2 "cat /var/lib/lattice/$L/secrets/relay-member.seed" | grep -q "$v"
'

test_expect_success 'a lock held by another run is refused, and reported with its holder' '
	setup &&
	agent h1 lock "{\"holder\":\"alice@laptop\",\"pid\":41,\"manifest\":\"$M\"}" >a &&
	jq -e .ok a &&
	! agent h1 lock "{\"holder\":\"bob@laptop\",\"pid\":42,\"manifest\":\"$M\"}" >b &&
	jq -e ".ok == false and .error.code == \"locked\" and .error.holder == \"alice@laptop\" and .error.pid == 41" b &&
	agent h1 lock "{\"holder\":\"bob@laptop\",\"pid\":42,\"manifest\":\"$M\",\"break\":true}" >c &&
	jq -e ".ok and .broken.holder == \"alice@laptop\"" c &&
	! agent h1 unlock "{\"holder\":\"alice@laptop\"}" >d &&
	agent h1 unlock "{\"holder\":\"bob@laptop\"}" >e && jq -e .ok e
'

test_expect_success 'a full disk on one host: that host fails precisely, nothing half-installed, a re-run completes' '
	setup && head -c 300000 /dev/urandom >big &&
	on_host h2 "mkdir -p /usr/local/lib/lattice/$L && mount -t tmpfs -o size=128k tmpfs /usr/local/lib/lattice/$L" &&
	! agent h2 put bin atelier-member big >r &&
	jq -e ".ok == false and .error.code == \"enospc\"" r &&
	test -z "$(on_host h2 "find /usr/local/lib/lattice/$L -type f")" &&
	agent h1 put bin atelier-member big >r1 && jq -e ".ok" r1 &&
	on_host h2 "umount /usr/local/lib/lattice/$L" &&
	agent h2 put bin atelier-member big >r2 && jq -e ".ok and .changed" r2
'

test_expect_success 'a connection cut mid-upload leaves nothing half-installed; a re-run completes' '
	setup && head -c 60000000 /dev/urandom >huge &&
	agent h2 facts >/dev/null &&
	{ "$LATTICECTL" agent h2 put bin relay-member huge --ssh-config "$SSHCFG" >/dev/null 2>&1 & } &&
	p=$! && i=0 &&
	while [ $i -lt 100 ] && [ -z "$(on_host h2 "find /usr/local/lib/lattice/$L -name \"*.tmp\"")" ]; do
		i=$((i + 1)); sleep 0.05
	done &&
	test $i -lt 100 && kill -9 $p && sleep 1 &&
	test -z "$(on_host h2 "find /usr/local/lib/lattice/$L -name \"*.tmp\" -o -name relay-member")" &&
	agent h2 put bin relay-member huge >r && jq -e ".ok and .changed" r &&
	test "$(on_host h2 "sha256sum /usr/local/lib/lattice/$L/bin/relay-member" | cut -c1-64)" = "$(sha256sum huge | cut -c1-64)"
'

test_expect_success 'two lattices on one host never touch each other' '
	setup && sed "s/^name = .*/name = \"other.local.devnet\"/" lattice.toml >other.toml &&
	echo one >f1 && echo two >f2 &&
	agent h1 put env relay-member.env f1 >/dev/null &&
	agent h1 put env relay-member.env f2 -m other.toml >/dev/null &&
	test "$(on_host h1 "cat /etc/lattice/$L/relay-member.env")" = one &&
	test "$(on_host h1 "cat /etc/lattice/other.local.devnet/relay-member.env")" = two &&
	agent h1 wipe "{\"role\":\"relay-member\"}" -m other.toml >w && jq -e ".ok and .removed >= 1" w &&
	test "$(on_host h1 "cat /etc/lattice/$L/relay-member.env")" = one &&
	on_host h1 "test ! -e /etc/lattice/other.local.devnet/relay-member.env"
'

test_expect_success 'names that would escape the agent directories are refused' '
	setup && echo x >f &&
	! agent h1 put env ../../etc/passwd f >r && jq -e ".error.code == \"bad_request\"" r &&
	! agent h1 put bin .hidden f >r && jq -e ".error.code == \"bad_request\"" r &&
	on_host h1 "test ! -e /etc/lattice/etc"
'

test_done
