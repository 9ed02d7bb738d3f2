#!/bin/sh
# t1200-transport.sh - SSH to real test hosts: host keys, the content-addressed agent push, bad agents.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 2 2410 || { echo "cannot start test hosts"; exit 1; }
L=demo.local.devnet

# A stand-in agent bundle whose lattice-agent is the shell script $2.
fake_bundle() {
	mkdir -p "$1" && cp "$(readlink -f /usr/lib/x86_64-linux-gnu/libcjson.so.1)" "$1/libcjson.so.1" &&
	printf "#!/bin/sh\n%s\n" "$2" >"$1/lattice-agent" && chmod 755 "$1/lattice-agent"
}
# Answers the handshake, then echoes each request's id back with ok.
ECHO='read l; echo "{\"id\":0,\"ok\":true,\"version\":1}"
while read l; do i=$(echo "$l" | sed "s/.*\"id\":\([0-9]*\).*/\1/"); echo "{\"id\":$i,\"ok\":true,\"tag\":\"'"$$"'\"}"; done'
export ECHO

setup() {
	cp "$REPO/manifests/local.toml" lattice.toml &&
	fake_bundle b "$ECHO" && export LATTICECTL_AGENT_BUNDLE=$PWD/b
}

test_expect_success 'the agent bundle is pushed once, by content address' '
	setup &&
	lc_run 0 agent h1 facts --ssh-config "$SSHCFG" &&
	grep -q "^h1: installed agent bundle [0-9a-f]\{12\}$" err &&
	sha=$(cd b && sha256sum lattice-agent libcjson.so.1 | sha256sum | cut -c1-64) &&
	on_host h1 "test -x /usr/local/lib/lattice/agent/$sha/lattice-agent" &&
	lc_run 0 agent h1 facts --ssh-config "$SSHCFG" && test ! -s err &&
	test -z "$(on_host h1 "ls -a /usr/local/lib/lattice/agent | grep tmp")"
'

test_expect_success 'another build is pushed beside the first; each host on its own' '
	setup && lc_run 0 agent h1 facts --ssh-config "$SSHCFG" &&
	echo "# v2" >>b/lattice-agent &&
	lc_run 0 agent h1 facts --ssh-config "$SSHCFG" && grep -q "installed agent bundle" err &&
	test "$(on_host h1 "ls /usr/local/lib/lattice/agent | wc -l")" -ge 2 &&
	lc_run 0 agent h2 facts --ssh-config "$SSHCFG" && grep -q "^h2: installed" err
'

test_expect_success 'a damaged bundle on the host is moved aside and replaced' '
	setup && lc_run 0 agent h2 facts --ssh-config "$SSHCFG" &&
	sha=$(cd b && sha256sum lattice-agent libcjson.so.1 | sha256sum | cut -c1-64) &&
	on_host h2 "echo broken >>/usr/local/lib/lattice/agent/$sha/lattice-agent" &&
	lc_run 0 agent h2 facts --ssh-config "$SSHCFG" && grep -q "was damaged; moved aside" err &&
	on_host h2 "cd /usr/local/lib/lattice/agent/$sha && sha256sum lattice-agent libcjson.so.1 | sha256sum" | grep -q "^$sha "
'

test_expect_success 'a full disk under the agent directory: a precise error, nothing left, a re-run completes' '
	setup && echo "# v3" >>b/lattice-agent &&
	on_host h2 "mount -t tmpfs -o size=16k tmpfs /usr/local/lib/lattice/agent" &&
	lc_run 1 agent h2 facts --ssh-config "$SSHCFG" &&
	grep -q "^h2: error: .*cannot write the agent bundle under /usr/local/lib/lattice/agent" err &&
	grep -q "^h2: hint: check free space there" err &&
	test -z "$(on_host h2 "ls -A /usr/local/lib/lattice/agent")" &&
	on_host h2 "umount /usr/local/lib/lattice/agent" &&
	lc_run 0 agent h2 facts --ssh-config "$SSHCFG" && grep -q "^h2: installed agent bundle" err
'

test_expect_success 'an unknown host key fails with its fingerprint; --accept-new-host-keys records it' '
	setup && : >empty && sed "s|UserKnownHostsFile .*|UserKnownHostsFile $PWD/empty|" "$SSHCFG" >cfg &&
	fp=$(ssh-keygen -lf "$LC_TESTHOSTS_DIR/h1/ssh_host_ed25519_key.pub" | cut -d" " -f2) &&
	lc_run 1 agent h1 facts --ssh-config cfg &&
	grep -q "^h1: error: .*unknown host key $fp" err && grep -q "^h1: hint: .*--accept-new-host-keys" err &&
	lc_run 0 agent h1 facts --ssh-config cfg --accept-new-host-keys &&
	grep -q "^h1: recorded new host key $fp of .* in state/$L/known_hosts" err &&
	lc_run 0 agent h1 facts --ssh-config cfg
'

test_expect_success 'a changed host key always fails, naming both fingerprints' '
	setup && : >empty && sed "s|UserKnownHostsFile .*|UserKnownHostsFile $PWD/empty|" "$SSHCFG" >cfg &&
	"$LATTICECTL" agent h1 facts --ssh-config cfg --accept-new-host-keys >/dev/null 2>&1 &&
	k2=$(cut -d" " -f1,2 "$LC_TESTHOSTS_DIR/h2/ssh_host_ed25519_key.pub") &&
	sed -i "s|ssh-ed25519 [^ ]*|$k2|" state/$L/known_hosts &&
	new=$(ssh-keygen -lf "$LC_TESTHOSTS_DIR/h1/ssh_host_ed25519_key.pub" | cut -d" " -f2) &&
	old=$(ssh-keygen -lf "$LC_TESTHOSTS_DIR/h2/ssh_host_ed25519_key.pub" | cut -d" " -f2) &&
	lc_run 1 agent h1 facts --ssh-config cfg --accept-new-host-keys &&
	grep -q "HOST KEY CHANGED: known as $old, now presents $new" err
'

test_expect_success 'an unreachable host fails clearly and quickly; the others still work' '
	setup && { cat lattice.toml; printf "\n[[hosts]]\nssh = \"root@127.0.1.250:$LC_TESTHOSTS_PORT\"\nroles = [\"tally-member\"]\n"; } >m.toml &&
	start=$(date +%s) &&
	lc_run 1 agent "root@127.0.1.250:$LC_TESTHOSTS_PORT" facts -m m.toml --ssh-config "$SSHCFG" &&
	grep -q "cannot connect" err && test $(($(date +%s) - start)) -le 10 &&
	lc_run 0 agent h2 facts -m m.toml --ssh-config "$SSHCFG"
'

test_expect_success 'a host that refuses our key' '
	setup && ssh-keygen -q -t ed25519 -N "" -f otherkey &&
	sed "s|IdentityFile .*|IdentityFile $PWD/otherkey|" "$SSHCFG" >cfg &&
	lc_run 1 agent h1 facts --ssh-config cfg && grep -q "the host refused our keys" err
'

test_expect_success 'keys from ssh-agent: a config that names no key still logs in' '
	setup && grep -v "IdentityFile\|IdentitiesOnly" "$SSHCFG" >cfg &&
	(unset SSH_AUTH_SOCK; lc_run 1 agent h1 facts --ssh-config cfg) &&
	grep -q "the host refused our keys" err &&
	eval "$(ssh-agent -s -a "$PWD/agent.sock")" >/dev/null && test -n "$SSH_AGENT_PID" &&
	{ ssh-add -q "$LC_TESTHOSTS_DIR/id_ed25519" && lc_run 0 agent h1 facts --ssh-config cfg; rc=$?; } ;
	kill "$SSH_AGENT_PID" && test "$rc" = 0
'

test_expect_success 'ProxyJump: a jump host defined in --ssh-config is used' '
	setup && {
		printf "Host via-h1\n  HostName 127.0.1.2\n  ProxyJump h1\n"
		printf "Host via-closed\n  HostName 127.0.1.2\n  ProxyJump root@127.0.1.1:1\n"
		cat "$SSHCFG"
	} >cfg &&
	sed "s/^ssh = \"h2\"/ssh = \"via-h1\"/" lattice.toml >m.toml &&
	sed "s/^ssh = \"h2\"/ssh = \"via-closed\"/" lattice.toml >closed.toml &&
	lc_run 0 agent via-h1 facts -m m.toml --ssh-config cfg && grep -q "\"ok\":true" out &&
	lc_run 1 agent via-closed facts -m closed.toml --ssh-config cfg &&
	grep -q "^via-closed: error: " err
'

# Agents that misbehave: each must give a clear error within the timeout.
bad_agent() {
	test_expect_success "a bad agent reply: $1" "
		setup && fake_bundle bad '$2' && export LATTICECTL_AGENT_BUNDLE=\$PWD/bad &&
		start=\$(date +%s) &&
		lc_run 1 agent h1 facts --ssh-config \"\$SSHCFG\" --timeout 3 &&
		grep -q \"$3\" err && test \$((\$(date +%s) - start)) -le 15
	"
}
bad_agent 'not JSON' 'read l; echo "{\"id\":0,\"ok\":true,\"version\":1}"; read l; echo "hello there"' \
	"the agent.s reply is not JSON: .hello there."
bad_agent 'wrong id' 'read l; echo "{\"id\":0,\"ok\":true,\"version\":1}"; read l; echo "{\"id\":99,\"ok\":true}"' \
	"answered request 1 with a reply for another request"
bad_agent 'over the size limit' 'read l; echo "{\"id\":0,\"ok\":true,\"version\":1}"; read l; head -c 70000 /dev/zero | tr "\\0" x; echo' \
	"a reply line is longer than 65536 bytes"
bad_agent 'never comes' 'read l; echo "{\"id\":0,\"ok\":true,\"version\":1}"; read l; sleep 60' \
	"no answer within 3000 ms"
bad_agent 'another protocol version' 'read l; echo "{\"id\":0,\"ok\":true,\"version\":7}"' \
	"does not speak protocol version 1"
bad_agent 'exits at once' 'echo "cannot start" >&2; exit 1' \
	"the agent did not start"

test_expect_success 'a slow answer within the timeout survives keepalive slices' '
	setup && fake_bundle slow "read l; echo \"{\\\"id\\\":0,\\\"ok\\\":true,\\\"version\\\":1}\"; read l; sleep 11; echo \"{\\\"id\\\":1,\\\"ok\\\":true}\"" &&
	export LATTICECTL_AGENT_BUNDLE=$PWD/slow &&
	lc_run 0 agent h2 facts --ssh-config "$SSHCFG" --timeout 20 && grep -q "\"ok\":true" out
'

test_done
