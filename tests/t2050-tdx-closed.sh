#!/bin/sh
# t2050-tdx-closed.sh - `up` of a lattice that does not simulate TDX fails closed on hosts without TDX: every one named, nothing made or installed anywhere, no ceremony.
. "$(dirname "$0")/lib.sh"

require_root "needs root (test hosts)"
testhosts_up 7 3600 || { echo "cannot start test hosts"; exit 1; }

# manifests/acme.toml on seven test hosts (none has TDX): unseal and
# atelier on the tdx = true hosts h1..h3, h4 declares tdx = true for
# roles that do not require it; the DKG ceremony is the default.
mkdir -p "$TRASH/src"
cat >"$TRASH/src/lattice.toml" <<'EOF'
[lattice]
name = "tdx.local.devnet"
chain_id = 31337

[organisms.zipnet]
window = "interactive"

[organisms.unseal]
threshold = "2-of-3"
mrtd = "abababababababababababababababababababababababababababababababababababababababababababababababab"

[organisms.offer]
auction_window_ms = 800

[organisms.atelier]
block_schema = "l1-post-4844"
chain_rpc = "http://127.0.0.1:8545/"
mrtd = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

[organisms.relay]
policy = "l1-mev-boost"
proposer_endpoints = ["http://127.0.0.1:18550/"]

[organisms.tally]
settlement_addr = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
chain_rpc = "http://127.0.0.1:8545/"

[binaries]
zipnet-server = "bin/sim-organism"
zipnet-aggregator = "bin/sim-organism"
unseal-member = "bin/sim-organism"
offer-member = "bin/sim-organism"
atelier-member = "bin/sim-organism"
relay-member = "bin/sim-organism"
tally-member = "bin/sim-organism"

[[hosts]]
ssh = "h1"
tdx = true
roles = ["unseal-member", "atelier-member"]

[[hosts]]
ssh = "h2"
tdx = true
roles = ["unseal-member", "atelier-member"]

[[hosts]]
ssh = "h3"
tdx = true
roles = ["unseal-member", "atelier-member"]

[[hosts]]
ssh = "h4"
tdx = true
roles = ["zipnet-server", "offer-member", "relay-member", "tally-member"]

[[hosts]]
ssh = "h5"
roles = ["zipnet-server", "offer-member", "relay-member", "tally-member"]

[[hosts]]
ssh = "h6"
roles = ["zipnet-server", "offer-member", "relay-member", "tally-member"]

[[hosts]]
ssh = "h7"
roles = ["zipnet-aggregator"]
EOF
lattice_dir "$TRASH/src/lattice.toml" tdx.local.devnet
# h2 pointed at an address where no sshd listens.
sed "/^Host h2\$/,/HostName/ s/127\.0\.1\.2\$/127.0.1.254/" "$SSHCFG" >"$W/dead_config"

# Nothing of the lattice on any host: no role file, env file, unit or key
# share (the agent itself, under /usr/local/lib/lattice/agent, may be there).
nothing_installed() {
	for h in h1 h2 h3 h4 h5 h6 h7; do
		left=$(on_host $h "find /etc/lattice/$L /var/lib/lattice/$L /usr/local/lib/lattice/$L \
			/run/lattice/$L ! -type d ! -name lock 2>/dev/null; \
			ls /etc/systemd/system 2>/dev/null | grep '^lattice-'; exit 0") ||
			{ echo "$h: cannot look"; return 1; }
		[ -z "$left" ] || { echo "$h holds: $left"; return 1; }
	done
}

# No ceremony was begun, no transcript or secret was made here.
nothing_made() {
	test ! -e "$W/state/$L/dkg" && test ! -e "$W/secrets/$L" &&
	! grep -q '"step":"dkg"' "$W/state/$L/journal" &&
	! grep -q '"outcome":"begin"' "$W/state/$L/journal"
}

test_expect_success 'the manifest is valid: only the hosts can tell there is no TDX' '
	lc_in 0 validate
'

test_expect_success 'up fails closed: every TDX host without TDX named on its own line, then the summary' '
	lc_in 1 up --offline &&
	grep -q "^h1: error: no TDX on this host, but unseal-member, atelier-member need it " err &&
	grep -q "^h2: error: no TDX on this host, but unseal-member, atelier-member need it " err &&
	grep -q "^h3: error: no TDX on this host, but unseal-member, atelier-member need it " err &&
	grep -q "^h4: error: no TDX on this host, but the manifest says tdx = true for its zipnet-server, offer-member, relay-member, tally-member " err &&
	test "$(grep -c "^h[0-9]: error: " err)" = 4 &&
	grep -q "^latticectl: 4 of 4 TDX hosts show no TDX: h1, h2, h3, h4; nothing was installed$" err &&
	grep -q "^hint: .*tdx = \"simulate\".*fingerprint change" err &&
	! grep -q "ceremony\|secrets:" err || { cat err; exit 1; }
'

test_expect_success 'nothing was installed on any host' '
	nothing_installed
'

test_expect_success 'no ceremony, no transcript, no secret; the journal records the refusal' '
	nothing_made &&
	grep -q "\"step\":\"tdx\",\"inputs\":\"\",\"outcome\":\"failed\",\"detail\":\"4 of 4 TDX hosts show no TDX" "$W/state/$L/journal" &&
	test "$(grep -c "\"step\":\"tdx\".*\"detail\":\"no TDX for " "$W/state/$L/journal")" = 4
'

test_expect_success '--json: the same as data, a failed tdx event per TDX host, a summary event, then done with ok false' '
	lc_in 1 --json up --offline &&
	while read -r line; do printf "%s\n" "$line" | jq -e . >/dev/null || exit 1; done <out &&
	jq -r "select(.event == \"host\" and .step == \"tdx\" and .ok == false) | .host" out | sort >got &&
	printf "h1\nh2\nh3\nh4\n" >want && test_cmp want got &&
	jq -se "map(select(.event == \"host\" and .step == \"tdx\" and .host == \"h1\")) |
		length == 1 and (.[0].error | test(\"unseal-member, atelier-member need it\"))" out &&
	tail -n 2 out | head -n 1 | jq -e ".event == \"tdx\" and .ok == false and .tdx_hosts == 4 and
		.no_tdx == [\"h1\", \"h2\", \"h3\", \"h4\"] and .unreachable == [] and
		(.error | endswith(\"nothing was installed\")) and (.hint | test(\"simulate\"))" &&
	tail -n 1 out | jq -e ".event == \"done\" and .ok == false and .exit == 1 and
		(.error | endswith(\"nothing was installed\")) and (.hint | test(\"simulate\"))" &&
	jq -se "map(select(.event == \"done\")) | length == 1" out &&
	nothing_installed && nothing_made
'

test_expect_success 'a TDX host that cannot be reached: TDX unproven there, still nothing installed anywhere' '
	lc_in 1 --ssh-config "$W/dead_config" --connect-timeout 2 up --offline &&
	grep -q "^h2: error: " err && ! grep -q "^h2: error: no TDX" err &&
	grep -q "^latticectl: 3 of 4 TDX hosts show no TDX: h1, h3, h4, and 1 could not be asked, so TDX is unproven there: h2; nothing was installed$" err &&
	nothing_installed && nothing_made &&
	grep -q "\"host\":\"h2\",\"role\":\"\",\"step\":\"tdx\",\"inputs\":\"\",\"outcome\":\"failed\",\"detail\":\"TDX unproven" "$W/state/$L/journal"
'

test_expect_success 'the same lattice with tdx = "simulate" (a new identity, its own directory) passes the gate' '
	S=$TRASH/sim && mkdir -p "$S" &&
	sed "s/^chain_id = 31337$/&\ntdx = \"simulate\"/" "$W/lattice.toml" >"$S/lattice.toml" &&
	grep -q "^tdx = \"simulate\"$" "$S/lattice.toml" &&
	(cd "$S" && exec "$LATTICECTL" --ssh-config "$SSHCFG" up --offline) >out 2>err; rc=$?
	test $rc = 0 || { echo "exit $rc"; cat err; exit 1; }
	! grep -q "TDX" err && ! grep -q "broke" err && grep -q "^hosts up: 7 / 7$" out
'

test_done
