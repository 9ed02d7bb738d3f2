#!/bin/sh
# t2000-up.sh - `latticectl up`, `plan` and `down` on seven real test hosts: fresh, no-op, rolling update, refusals, order.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 7 2800 || { echo "cannot start test hosts"; exit 1; }
lattice_dir

# The restart records of the newest run in the journal, in order, as
# inflight.awk reads them: "role host outcome".
restarts() {
	run=$(tail -n 1 "$W/state/$L/journal" | cut -d" " -f4- | jq -r .run) &&
	cut -d" " -f4- "$W/state/$L/journal" |
		jq -r --arg run "$run" "select(.run == \$run and .step == \"restart\") | \"\(.role) \(.host) \(.outcome)\""
}

# Watch role $1 on host $2 until killed: "time host state" lines, every
# 20 ms (tests/watch.bash; majority.awk reads them); the watcher's pid goes
# to watchers.
watch_role() {
	on_host $2 bash -s -- "/run/lattice/$L/$1.status" $2 <"$REPO/tests/watch.bash" >watch.$1.$2 2>/dev/null &
	echo $! >>watchers
}

# pid of every role on every host: "host role pid" lines.
pids() {
	"$LATTICECTL" -m "$W/lattice.toml" --state-dir "$W/state" --ssh-config "$SSHCFG" \
		agent all status >"$TRASH/.pids" &&
	while IFS= read -r line; do
		printf "%s\n" "${line#*: }" |
			jq -r --arg h "${line%%: *}" '.roles | to_entries[] | "\($h) \(.key) \(.value.pid) \(.value.state)"'
	done <"$TRASH/.pids" | sort
}

test_expect_success 'plan before anything: every role to install, exit 4' '
	lc_in 4 plan &&
	grep -q "up will create" err
'

test_expect_success 'up from scratch: every role of seven hosts, health signal, handshake kit' '
	lc_in 0 up --offline &&
	grep -q "^lattice: $L$" out &&
	grep -q "^hosts up: 7 / 7$" out &&
	grep -q "^pipeline: tally_round advanced on [23]/3 members in " out &&
	grep -q "^LatticeConfig: [0-9a-f]*$" out &&
	grep -q "19 to install" err &&
	pids >"$W/pids0" && test "$(grep -c " up$" "$W/pids0")" = 19
'

test_expect_success 'secrets: 0400 on the hosts, only the roles a host runs, none for the aggregator committee' '
	on_host h7 "ls /var/lib/lattice/$L/secrets" >h7 &&
	printf "zipnet-aggregator.peer\n" >want && test_cmp want h7 &&
	on_host h1 "stat -c \"%a %n\" /var/lib/lattice/$L/secrets/*" >h1 &&
	! grep -v "^400 " h1 && grep -q "unseal-member.dkg" h1 && grep -q "atelier-member.keystore.json" h1 &&
	on_host h4 "cat /etc/lattice/$L/tally-member.env" >env &&
	grep -q "^TALLY_ECDSA_KEY_FILE=/var/lib/lattice/$L/secrets/tally-member.ecdsa$" env &&
	! grep -qi "secret=\|key=" env
'

test_expect_success 'a second up touches nothing and says so' '
	lc_in 0 up --offline &&
	grep -q "nothing to do: 19 roles on 7 hosts" err &&
	pids >now && test_cmp "$W/pids0" now
'

test_expect_success 'on a terminal a board redraws a line per host; piped, plain lines only' '
	script -qfec "cd $W && TERM=xterm $LATTICECTL --ssh-config $SSHCFG plan" ts >/dev/null 2>&1 &&
	esc=$(printf "\033") &&
	grep -q "$esc\[8A" ts &&
	for h in h1 h2 h3 h4 h5 h6 h7; do
		grep -Eq "^(.*J)?  $h +(connect|plan) +(waiting|working|ok)" ts || exit 1
	done &&
	grep -q "plan: 0 to install, 0 to update, 0 to repair, 0 to start, 19 unchanged" ts &&
	lc_in 0 plan && ! grep -q "$esc" err && ! grep -q "$esc" out &&
	script -qfec "cd $W && TERM=dumb $LATTICECTL --ssh-config $SSHCFG plan" ts2 >/dev/null 2>&1 &&
	! grep -q "$esc" ts2
'

test_expect_success 'status --json matches the fleet the agents report' '
	lc_in 0 --json status &&
	jq -e ".healthy == true and (.hosts | length) == 7 and ([.hosts[].roles[]] | length) == 19" out &&
	jq -r ".hosts[] | .host as \$h | .roles[] | \"\(\$h) \(.role) \(.pid) \(.state)\"" out | sort >got &&
	test_cmp "$W/pids0" got
'

test_expect_success 'plan with nothing changed: exit 0, and --json agrees' '
	lc_in 0 plan && grep -q "19 unchanged" out &&
	lc_in 0 --json plan && jq -e ".changes == 0 and (.hosts|length) == 7" out
'

# Every file under the given paths, with size, mode and mtime.
tree_of() {
	find "$@" -printf "%p %s %m %T@\n" 2>/dev/null | sort
}
host_tree() {
	on_host $1 "find /usr/local/lib/lattice /etc/lattice /var/lib/lattice /etc/systemd/system -printf \"%p %s %m %T@\\n\" 2>/dev/null | sort"
}

test_expect_success 'plan writes nothing: no state, journal, lock, host key, env file or cache entry; nothing on hosts' '
	on_host h5 "echo EXTRA=1 >>/etc/lattice/$L/relay-member.env" &&
	tree_of "$W" >before && host_tree h5 >hbefore &&
	lc_in 4 plan && grep -q "relay-member *repair" out &&
	tree_of "$W" >after && host_tree h5 >hafter &&
	test_cmp before after && test_cmp hbefore hafter &&
	on_host h5 "sed -i /^EXTRA=1/d /etc/lattice/$L/relay-member.env" &&
	mv "$W/state" "$W/state.moved" &&
	lc_in 0 plan && ! test -e "$W/state" &&
	mv "$W/state.moved" "$W/state"
'

test_expect_success 'plan pushes no agent: a host without one is all to install; an earlier agent there is asked' '
	on_host h7 "mv /usr/local/lib/lattice/agent /usr/local/lib/lattice/agent.away" &&
	on_host h6 "cd /usr/local/lib/lattice/agent && d=\$(ls) && cp -a \$d new && printf x >>new/lattice-agent && h=\$(cd new && sha256sum lattice-agent libcjson.so.1 | sha256sum) && mv new \${h%% *} && rm -rf \$d" &&
	lc_in 4 --json plan && tail -n 1 out >plan.json &&
	jq -e "[.hosts[] | select(.host == \"h7\") | .roles[] | select(.action == \"install\")] | length == 1" plan.json &&
	jq -e "[.hosts[] | select(.host != \"h7\") | .roles[] | select(.action != \"nothing\")] | length == 0" plan.json &&
	grep -q "h7.*no latticectl agent on this host yet" out &&
	grep -q "h6.*asked the agent already here" out &&
	on_host h7 "! test -e /usr/local/lib/lattice/agent" &&
	test "$(on_host h6 "ls /usr/local/lib/lattice/agent" | wc -l)" = 1 &&
	on_host h7 "mv /usr/local/lib/lattice/agent.away /usr/local/lib/lattice/agent" &&
	lc_in 0 up --offline && lc_in 0 plan
'

# The published key of atelier member $1 and what the host's keystore,
# opened with the host's password file, holds: "pubkey HEX" both.
bls_keys() {
	lc_in 0 publish &&
	sed -n "s/^atelier_bls_pubkey: \([0-9a-f]*\) $1\$/pubkey \1/p" out >want.$1 &&
	test "$(wc -l <want.$1)" = 1 &&
	on_host $1 "cat /var/lib/lattice/$L/secrets/atelier-member.keystore.json" >ks.$1 &&
	on_host $1 "cat /var/lib/lattice/$L/secrets/atelier-member.password" >pw.$1 &&
	"$LC_BUILD/tests/tools/keystore_open" ks.$1 pw.$1 >got.$1 &&
	test_cmp want.$1 got.$1
}

test_expect_success 'atelier hosts hold the BLS key as an EIP-2335 keystore and, apart, its password: owner-only, opening to the published key' '
	for h in h1 h2 h3; do
		on_host $h "stat -c \"%a %U %n\" /var/lib/lattice/$L/secrets/atelier-member.*" >modes &&
		sed "s|/var/lib/lattice/$L/secrets/||" modes >got &&
		printf "400 root atelier-member.%s\n" committee keystore.json password peer >want &&
		test_cmp want got &&
		on_host $h "cat /etc/lattice/$L/atelier-member.env" >env &&
		grep -q "^ATELIER_BLS_KEYSTORE_FILE=/var/lib/lattice/$L/secrets/atelier-member.keystore.json$" env &&
		grep -q "^ATELIER_BLS_PASSWORD_FILE=/var/lib/lattice/$L/secrets/atelier-member.password$" env &&
		! grep -q "^ATELIER_BLS_KEY_FILE=" env &&
		bls_keys $h &&
		jq -e --arg p "$(sed -n "s/^ATELIER_BLS_PATH=//p" env)" \
			".version == 4 and .crypto.kdf.function == \"pbkdf2\" and .path == \$p" ks.$h >/dev/null ||
		exit 1
	done
'

test_expect_success 'a lattice from before keystores: plan shows the atelier update, up makes them once and removes the raw key from the host, same lattice_id, then nothing to do' '
	lc_in 0 publish && grep "^lattice_id" out >id0 &&
	rm "$W/secrets/$L/bls/h2.keystore.json" "$W/secrets/$L/bls/h2.password" &&
	on_host h2 "cp /var/lib/lattice/$L/secrets/atelier-member.peer /var/lib/lattice/$L/secrets/atelier-member.bls" &&
	lc_in 4 plan && grep "atelier-member" out | grep -q "secret/atelier-member.keystore.json" &&
	test ! -e "$W/secrets/$L/bls/h2.keystore.json" &&
	lc_in 0 up --offline && grep -q "^h2: atelier-member: removed 1 file it no longer uses$" out &&
	on_host h2 "ls /var/lib/lattice/$L/secrets" >h2 && ! grep -q "\.bls$" h2 &&
	stat -c "%a" "$W/secrets/$L/bls/h2.keystore.json" "$W/secrets/$L/bls/h2.password" >modes &&
	printf "400\n400\n" >want && test_cmp want modes &&
	bls_keys h2 && grep "^lattice_id" out >id1 && test_cmp id0 id1 &&
	lc_in 0 plan && grep -q "19 unchanged" out &&
	lc_in 0 up --offline && grep -q "nothing to do: 19 roles on 7 hosts" err
'

test_expect_success 'drift: a file changed by hand on a host is reported and repaired' '
	on_host h5 "echo EXTRA=1 >>/etc/lattice/$L/relay-member.env" &&
	lc_in 4 --json plan && jq -e "[.hosts[].roles[] | select(.action == \"repair\")] | length == 1" out &&
	lc_in 0 up --offline && grep -q "drift repaired" err &&
	on_host h5 "cat /etc/lattice/$L/relay-member.env" >env && ! grep -q EXTRA env &&
	lc_in 0 plan
'

test_expect_success 'an identity change is refused before anything is touched' '
	sed "s/^chain_id = 31337/chain_id = 31338/" "$W/lattice.toml" >"$W/changed.toml" &&
	pids >before &&
	lc_in 1 -m changed.toml up --offline &&
	grep -q "retirement" err &&
	pids >after && test_cmp before after
'

test_expect_success 'a binary update of two committees rolls them at once, each one member at a time; a majority of each stays up throughout' '
	cp "$LC_BUILD/sim-organism" "$W/sim2" && printf "v2" >>"$W/sim2" &&
	sed "s|^unseal-member = .*|unseal-member = \"$W/sim2\"|; s|^tally-member = .*|tally-member = \"$W/sim2\"|" \
		"$W/lattice.toml" >"$W/v2.toml" &&
	pids >before && : >watchers &&
	for h in h1 h2 h3; do watch_role unseal-member $h; done &&
	for h in h4 h5 h6; do watch_role tally-member $h; done &&
	sleep 0.5 &&
	lc_in 0 -m v2.toml up --offline &&
	sleep 0.3 && kill $(cat watchers) && wait 2>/dev/null
	for r in unseal-member:h1:h2:h3 tally-member:h4:h5:h6; do
		IFS=: && set -- $r && unset IFS &&
		cat watch.$1.$2 watch.$1.$3 watch.$1.$4 | sort -n >watch &&
		awk -f "$REPO/tests/majority.awk" watch &&
		for h in $2 $3 $4; do grep -q "$h.*[^p]$" watch.$1.$h || exit 1; done &&
		test "$(grep -c "restarting $1" err)" = 3 &&
		grep -q "^rollout: $1: 3 of 3 members to restart, at most 1 at a time (2 of 3 stay up: a majority)$" err ||
		exit 1
	done &&
	restarts | awk -f "$REPO/tests/inflight.awk" >inflight &&
	grep -qx "committees 2" inflight && grep -qx "unseal-member 1" inflight &&
	grep -qx "tally-member 1" inflight && grep -qx "open 0" inflight &&
	pids >after && test "$(grep -c " up$" after)" = 19 &&
	grep -E " (unseal|tally)-member " before >old && grep -E " (unseal|tally)-member " after >new &&
	! test_cmp old new >/dev/null &&
	grep -Ev " (unseal|tally)-member " before >old && grep -Ev " (unseal|tally)-member " after >new &&
	test_cmp old new
'

test_expect_success 'a role that crash-loops after an update stops its rollout and shows its log; a committee rolling beside it stops safely' '
	printf "#!/bin/sh\necho relay is broken >&2\nexit 1\n" >"$W/broken" && chmod 755 "$W/broken" &&
	sed "s|^relay-member = .*|relay-member = \"$W/broken\"|; s|^offer-member = .*|offer-member = \"$W/sim2\"|" \
		"$W/v2.toml" >"$W/broken.toml" &&
	pids >before &&
	lc_in 1 -m broken.toml up --offline &&
	grep -q "rollout stopped" err && grep -q "relay is broken" err &&
	grep -q "^hint: the members not restarted yet were left as they are" err &&
	grep -c "restarting relay-member" err >n && test "$(cat n)" = 1 &&
	restarts | awk -f "$REPO/tests/inflight.awk" >inflight && grep -qx "open 0" inflight &&
	pids >after &&
	test "$(grep " relay-member " after | grep -c " up$")" = 2 &&
	test "$(grep " offer-member " after | grep -c " up$")" = 3 &&
	lc_in 0 -m v2.toml up --offline &&
	pids >fixed && test "$(grep -c " up$" fixed)" = 19
'

test_expect_success 'down stops every organism in reverse pipeline order' '
	lc_in 0 -m v2.toml down &&
	grep -q "stopped 19 roles on 7 hosts" err &&
	pids >after && test "$(grep -c " down$" after)" = 19 &&
	grep "\"step\":\"stop\"" "$W/state/$L/journal" | sed "s/.*\"role\":\"\([a-z]*\)-[a-z]*\".*/\1/" | uniq >order &&
	printf "tally\nrelay\natelier\noffer\nunseal\nzipnet\n" >want0 &&
	test_cmp want0 order &&
	lc_in 0 -m v2.toml up --offline && grep -q "19 to start" err
'

test_expect_success 'down --host --role narrows; --wipe wants --yes without a terminal' '
	lc_in 0 -m v2.toml down --host h4 --role tally-member &&
	grep -q "stopped 1 role on 1 host" err &&
	lc_in 1 -m v2.toml down --host h4 --role tally-member --wipe </dev/null &&
	grep -q "add --yes" err &&
	lc_in 0 -m v2.toml --json down --host h4 --role tally-member --wipe --yes &&
	jq -e . out >/dev/null && tail -n 1 out >done &&
	jq -e ".event == \"done\" and .ok and .wipe and .stopped == 1 and .error == null and
		(.hosts | length) == 1 and .hosts[0].host == \"h4\" and .hosts[0].ok and
		.hosts[0].stopped == [\"tally-member\"] and .hosts[0].not_installed == [] and
		.hosts[0].wiped and .hosts[0].files_removed > 0 and .hosts[0].error == null" done &&
	grep -q "\"step\":\"wipe\",\"host\":\"h4\",\"ok\":true" out &&
	on_host h4 "ls /var/lib/lattice/$L/secrets" >s && ! grep -q tally s &&
	lc_in 0 -m v2.toml up --offline && grep -q "1 to install" err
'

test_expect_success 'down --json with a host unreachable: it fails alone, and the summary says so' '
	sed "/^Host h4\$/,/HostName/ s/127\.0\.1\.4\$/127.0.1.254/" "$SSHCFG" >dead &&
	! cmp -s dead "$SSHCFG" &&
	lc_in 1 -m v2.toml --json --ssh-config "$PWD/dead" --connect-timeout 3 down --role tally-member &&
	grep -q "down failed on 1 host" err &&
	jq -e . out >/dev/null && tail -n 1 out >done &&
	jq -e "(.ok | not) and (.error | test(\"down failed on 1 host\")) and (.hint | length > 0) and
		[.hosts[] | select(.ok | not) | .host] == [\"h4\"] and
		(.hosts[] | select(.host == \"h4\") | (.error | length > 0) and .stopped == []) and
		.stopped > 0 and .stopped == ([.hosts[] | .stopped | length] | add) and
		all(.hosts[] | select(.ok); .stopped == [\"tally-member\"] or .stopped == [])" done &&
	lc_in 0 -m v2.toml up --offline
'

test_expect_success 'two runs at once: the second is refused naming the first' '
	(cd "$W" && flock state/$L/lock sleep 3) &
	sleep 0.5 &&
	lc_in 6 -m v2.toml up --offline &&
	grep -q "locked" err
	wait
'

test_expect_success 'a host lock held by another operator fails that host only; --break-lock takes it' '
	"$LATTICECTL" -m "$W/v2.toml" --state-dir "$W/state" --ssh-config "$SSHCFG" agent h3 lock \
		"{\"holder\":\"alice@laptop\",\"pid\":41,\"manifest\":\"$(printf %064d 1)\"}" >/dev/null &&
	lc_in 1 -m v2.toml up --offline &&
	grep -q "h3.*locked on this host by alice@laptop" err &&
	lc_in 0 -m v2.toml --break-lock up --offline &&
	grep -q "broke the lattice lock held by alice@laptop" err
'

test_expect_success 'a committee of five restarts two members at a time; three stay up throughout' '
	sed "/^ssh = \"h[12]\"\$/{n;s/\]\$/, \"tally-member\"]/}" "$W/v2.toml" >"$W/m5.toml" &&
	test "$(grep -c "tally-member\"\]\$" "$W/m5.toml")" = 5 &&
	lc_in 0 -m m5.toml up --offline && grep -q "2 to install, 3 to update" err &&
	restarts | awk -f "$REPO/tests/inflight.awk" >inflight && grep -qx "tally-member 2" inflight &&
	cp "$LC_BUILD/sim-organism" "$W/sim5" && printf "v5" >>"$W/sim5" &&
	sed "s|^tally-member = .*|tally-member = \"$W/sim5\"|" "$W/m5.toml" >"$W/m5b.toml" &&
	: >watchers && for h in h1 h2 h4 h5 h6; do watch_role tally-member $h; done &&
	sleep 0.5 &&
	lc_in 0 -m m5b.toml up --offline &&
	sleep 0.3 && kill $(cat watchers) && wait 2>/dev/null
	cat watch.tally-member.* | sort -n >watch &&
	awk -v max=2 -f "$REPO/tests/majority.awk" watch &&
	grep -q "^rollout: tally-member: 5 of 5 members to restart, at most 2 at a time (3 of 5 stay up: a majority)$" err &&
	test "$(grep -c "restarting tally-member" err)" = 5 &&
	restarts | awk -f "$REPO/tests/inflight.awk" >inflight &&
	grep -qx "tally-member 2" inflight && grep -qx "open 0" inflight &&
	grep -q "^hosts up: 7 / 7$" out
'

test_done
