#!/bin/sh
# t3000-systemd.sh - the production path: roles as hardened systemd units on containerized hosts with systemd as PID 1.
. "$(dirname "$0")/lib.sh"

require_root "needs root (containerized test hosts)"
require_systemd_hosts
testhosts_up 3 3700 --systemd || { echo "cannot start containerized test hosts"; exit 1; }
lattice_dir "$REPO/manifests/local3.toml" demo3.local.devnet
HOSTS="h1 h2 h3"

unit() {
	echo "lattice-$L-$1.service"
}

# "host role MainPID ActiveState" for every lattice unit systemd knows, sorted.
units() {
	for h in $HOSTS; do
		on_host $h "systemctl list-units --all --plain --no-legend --type=service 'lattice-$L-*' |
			while read -r u load active sub rest; do
				r=\${u#lattice-$L-}
				echo $h \${r%.service} \$(systemctl show -p MainPID --value \$u) \$active
			done"
	done | sort
}

# Every role's pid and state as latticectl status reports them, sorted like units.
status_pids() {
	lc --json status | jq -r '.hosts[] | .host as $h | .roles[] | "\($h) \(.role) \(.pid) \(.state)"' |
		sed "s/ up$/ active/; s/ down$/ inactive/" | sort
}

test_expect_success 'the hosts are containers booted by systemd as PID 1' '
	for h in $HOSTS; do
		on_host $h "cat /proc/1/comm; systemctl is-system-running; hostname" >o &&
		printf "systemd\nrunning\n$h\n" >want && test_cmp want o || exit 1
	done &&
	lc agent h1 facts >f &&
	jq -e ".systemd_pid1 == true and .init == \"systemd\" and .tdx == false" f
'

# The production (non-simulated) path on the same containers: local3.toml
# without tdx = "simulate", its hosts declared tdx = true.
sed -e '/^tdx = "simulate"/d' -e 's/^name = "demo3.local.devnet"/name = "tdx3.local.devnet"/' \
	-e '/^\[organisms.unseal\]/a mrtd = "'"$(printf 'ab%.0s' $(seq 48))"'"' \
	-e '/^\[organisms.atelier\]/a mrtd = "'"$(printf 'cd%.0s' $(seq 48))"'"' \
	-e '/^ssh = "h[123]"/a tdx = true' "$W/lattice.toml" >"$W/tdx3.toml"

test_expect_success 'a non-simulated lattice fails closed on these hosts (no TDX): each named, nothing installed' '
	lc_in 0 -m tdx3.toml validate &&
	lc_in 1 -m tdx3.toml up --offline &&
	for h in $HOSTS; do
		grep -q "^$h: error: no TDX on this host, but .*unseal-member.*atelier-member.* need it" err || exit 1
	done &&
	grep -q "^latticectl: 3 of 3 TDX hosts show no TDX: h1, h2, h3; nothing was installed$" err &&
	test ! -e "$W/secrets/tdx3.local.devnet" &&
	for h in $HOSTS; do
		on_host $h "ls /etc/systemd/system | grep -c \"^lattice-tdx3\"; systemctl list-units --all --plain --no-legend \"lattice-tdx3*\" | wc -l;
			ls /var/lib/lattice/tdx3.local.devnet 2>/dev/null | grep -v ^lock | wc -l" >o &&
		printf "0\n0\n0\n" >want && test_cmp want o || exit 1
	done
'

test_expect_success 'up installs and starts every role as a systemd unit and reaches the health signal' '
	lc_in 0 up --offline &&
	grep -q "^hosts up: 3 / 3$" out && grep -q "^pipeline: " out &&
	units >u && test "$(grep -c " active$" u)" = 19 &&
	for h in $HOSTS; do
		on_host $h "ls /etc/systemd/system/lattice-$L-*.service" >f &&
		test "$(wc -l <f)" = "$(grep -c "^$h " u)" || exit 1
	done &&
	lc_in 0 --json status &&
	jq -e "[.hosts[] | select(.backend == \"systemd\")] | length == 3" out &&
	jq -e ".healthy == true and ([.hosts[].roles[]] | length == 19)" out
'

test_expect_success 'status reads systemd: its pids are the units'"'"' MainPIDs' '
	units >u && status_pids >s && test_cmp u s
'

test_expect_success 'the running units are hardened (systemctl show and the process itself)' '
	on_host h1 "systemctl show $(unit tally-member) -p NoNewPrivileges -p ProtectSystem \
		-p DynamicUser -p ProtectHome -p PrivateTmp -p RestrictNamespaces -p LockPersonality \
		-p RestrictSUIDSGID -p ProtectKernelModules" | sort >show &&
	printf "%s\n" DynamicUser=yes LockPersonality=yes NoNewPrivileges=yes PrivateTmp=yes \
		ProtectHome=yes ProtectKernelModules=yes ProtectSystem=strict RestrictNamespaces=yes \
		RestrictSUIDSGID=yes >want && test_cmp want show &&
	on_host h1 "systemctl show -p CapabilityBoundingSet --value $(unit tally-member)" >cap &&
	test "$(cat cap)" = "" &&
	on_host h1 "p=\$(systemctl show -p MainPID --value $(unit tally-member)) &&
		grep -E \"^(Uid|NoNewPrivs|CapEff|Seccomp):\" /proc/\$p/status &&
		! nsenter -t \$p -m touch /usr/lattice-write-test 2>&1" >proc &&
	! grep -q "^Uid:[[:space:]]*0[[:space:]]" proc &&
	grep -q "^NoNewPrivs:[[:space:]]*1$" proc && grep -q "^CapEff:[[:space:]]*0*$" proc &&
	grep -q "^Seccomp:[[:space:]]*2$" proc && grep -q "Read-only file system" proc
'

test_expect_success 'a unit'"'"'s credentials are readable by that unit alone' '
	on_host h1 "u=$(unit tally-member) r=$(unit relay-member) &&
		ls -ln /run/credentials/\$u &&
		own=\$(stat -c %u /proc/\$(systemctl show -p MainPID --value \$u)) &&
		other=\$(stat -c %u /proc/\$(systemctl show -p MainPID --value \$r)) &&
		test \$own != 0 && test \$other != 0 && test \$own != \$other &&
		test \$(stat -c %u:%a /run/credentials/\$u/tally-member.peer) = \$own:400 &&
		! setpriv --reuid=\$other --regid=\$other --clear-groups cat /run/credentials/\$u/tally-member.peer &&
		! setpriv --reuid=\$own --regid=\$own --clear-groups cat /var/lib/lattice/$L/secrets/tally-member.peer &&
		! systemd-run -q -P -p DynamicUser=yes cat /run/credentials/\$u/tally-member.peer &&
		test \$(stat -c %U:%a /var/lib/lattice/$L/secrets/tally-member.peer) = root:400" >o 2>&1 ||
		{ cat o; exit 1; }
	grep -q "Permission denied" o
'

# "stopped started host" for each restart of unit $1 since epoch second $2
# on every host, from systemd's own journal lines (one clock: one kernel).
restarts() {
	for h in $HOSTS; do
		on_host $h "journalctl -u $(unit $1) -o short-unix --no-pager --since @$2" |
			awk -v h=$h '/: Stopping /{ s = $1 } /: Started / { if (s != "") print s, $1, h; s = "" }'
	done | sort -n
}

test_expect_success 'a binary update rolls one systemd unit at a time; a majority stays active' '
	cp "$LC_BUILD/sim-organism" "$W/sim2" && printf "v2" >>"$W/sim2" &&
	sed "s|^unseal-member = .*|unseal-member = \"$W/sim2\"|" "$W/lattice.toml" >"$W/v2.toml" &&
	units >before && t0=$(date +%s) && sleep 1 &&
	lc_in 0 -m v2.toml up --offline &&
	restarts unseal-member $t0 >win && cat win &&
	test "$(cut -d" " -f3 win | sort -u | wc -l)" = 3 && test "$(wc -l <win)" = 3 &&
	awk "NR > 1 && \$1 < end { print \"two down at once: \" \$0; bad = 1 } { end = \$2 } END { exit bad }" win &&
	grep -c "restarting unseal-member" err >n && test "$(cat n)" = 3 &&
	units >after && test "$(grep -c " active$" after)" = 19 &&
	grep " unseal-member " before >old && grep " unseal-member " after >new && ! test_cmp old new >/dev/null &&
	grep -v " unseal-member " before >old && grep -v " unseal-member " after >new && test_cmp old new &&
	sha256sum <"$W/sim2" | cut -d" " -f1 >want &&
	for h in $HOSTS; do
		on_host $h "sha256sum </proc/\$(systemctl show -p MainPID --value $(unit unseal-member))/exe" | cut -d" " -f1 >got &&
		test_cmp want got || exit 1
	done
'

test_expect_success 'a unit that crash-loops is reported with its journald lines; the rollout stops' '
	printf "#!/bin/sh\necho relay is broken >&2\nexit 1\n" >"$W/broken" && chmod 755 "$W/broken" &&
	sed "s|^relay-member = .*|relay-member = \"$W/broken\"|" "$W/v2.toml" >"$W/broken.toml" &&
	lc_in 1 -m broken.toml up --offline &&
	grep -q "rollout stopped" err && grep -q "relay is broken" err &&
	grep -c "restarting relay-member" err >n && test "$(cat n)" = 1 &&
	units >after && test "$(grep " relay-member " after | grep -c " active$")" = 2 &&
	lc_in 5 -m broken.toml status &&
	on_host h1 "journalctl -u $(unit relay-member) -o cat --no-pager" | grep -q "relay is broken" &&
	lc_in 0 -m v2.toml up --offline &&
	units >fixed && test "$(grep -c " active$" fixed)" = 19
'

test_expect_success 'rotate-peer under systemd: a new credential, one unit restarted' '
	units >before &&
	on_host h2 "sha256sum </run/credentials/$(unit relay-member)/relay-member.peer" >c0 &&
	lc_in 0 -m v2.toml rotate-peer h2 relay-member &&
	grep -q "rotate-peer: relay-member on h2: PeerId [0-9a-f]* -> [0-9a-f]*" out &&
	on_host h2 "sha256sum </run/credentials/$(unit relay-member)/relay-member.peer" >c1 &&
	! test_cmp c0 c1 >/dev/null &&
	units >after && diff before after | grep "^[<>]" >d &&
	test "$(grep -c "^> h2 relay-member [0-9]* active$" d)" = 1 && test "$(wc -l <d)" = 2
'

test_expect_success 'up killed with SIGKILL at each commit of a rollout converges under systemd' '
	cp "$W/sim2" "$W/sim3" && printf "v3" >>"$W/sim3" &&
	sed "s|^relay-member = .*|relay-member = \"$W/sim3\"|" "$W/v2.toml" >"$W/v3.toml" &&
	k=1 && rc=137 &&
	while [ $rc -eq 137 ]; do
		LATTICECTL_TEST_KILL_AT_COMMIT=$k lc_hooks -m v3.toml up --offline >"out.$k" 2>"err.$k"
		rc=$?
		[ $rc -eq 137 ] || [ $rc -eq 0 ] || { echo "run $k exited $rc"; cat "err.$k"; exit 1; }
		k=$((k + 1))
		[ $k -lt 100 ] || { echo "no convergence after 100 runs"; exit 1; }
	done &&
	echo "converged after $((k - 1)) runs" &&
	test $k -gt 4 &&
	grep -q "^hosts up: 3 / 3$" "out.$((k - 1))" &&
	units >u && test "$(grep -c " active$" u)" = 19 &&
	sha256sum <"$W/sim3" | cut -d" " -f1 >want &&
	for h in $HOSTS; do
		on_host $h "sha256sum </proc/\$(systemctl show -p MainPID --value $(unit relay-member))/exe" | cut -d" " -f1 >got &&
		test_cmp want got || exit 1
	done &&
	lc_in 0 -m v3.toml plan
'

# When a unit did not stop cleanly: the units, and each such unit's status
# and journal, to say why.
not_stopped() {
	cat u
	grep -v " inactive$" u | while read -r h r pid state; do
		on_host $h "systemctl status --no-pager $(unit $r); journalctl -u $(unit $r) --no-pager -n 15"
	done
}

test_expect_success 'down stops every unit (the units stay installed); up starts them again' '
	lc_in 0 -m v3.toml down &&
	{ grep -q "stopped 19 roles on 3 hosts" err || { cat err; exit 1; }; } &&
	units >u && { test "$(grep -c " inactive$" u)" = 19 || { not_stopped; exit 1; }; } &&
	lc_in 0 -m v3.toml up --offline && grep -q "19 to start" err &&
	units >u && test "$(grep -c " active$" u)" = 19
'

test_expect_success 'down --wipe removes the units, their credentials and the secrets' '
	lc_in 0 -m v3.toml down --wipe --yes &&
	for h in $HOSTS; do
		on_host $h "ls /etc/systemd/system | grep -c \"^lattice-$L-\"; ls /run/credentials | grep -c \"^lattice-$L-\";
			test -e /var/lib/lattice/$L/secrets && echo secrets left; true" >o &&
		printf "0\n0\n" >want && test_cmp want o || exit 1
	done &&
	units >u && test ! -s u
'

test_done
