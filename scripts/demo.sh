#!/bin/sh
# demo.sh - the README's main command: install dependencies, build latticectl,
# start seven local test hosts and a stand-in for the devnet's RPC, and bring
# up the local lattice (manifests/local.toml) with simulated organisms.
#
#   scripts/demo.sh          bring it up (again: a re-run resumes or does nothing)
#   scripts/demo.sh down     stop it, wipe its secrets from the hosts, stop the hosts
set -eu
cd "$(dirname "$0")/.."
REPO=$(pwd)
DEMO=$REPO/build/demo
export LC_TESTHOSTS_DIR="$REPO/build/testhosts"
LC="build/latticectl -m manifests/local.toml --ssh-config $LC_TESTHOSTS_DIR/ssh_config --state-dir $DEMO/state --secrets-dir $DEMO/secrets"

stop_rpc() {
	if [ -f "$DEMO/rpc.pid" ]; then
		kill "$(cat "$DEMO/rpc.pid")" 2>/dev/null || true
		rm -f "$DEMO/rpc.pid"
	fi
}

if [ "${1:-}" = down ]; then
	if [ -x build/latticectl ] && [ -f "$LC_TESTHOSTS_DIR/ssh_config" ]; then
		echo "$ latticectl down --wipe --yes"
		$LC down --wipe --yes || true
	fi
	stop_rpc
	scripts/testhosts down
	exit 0
fi

scripts/install-deps.sh
make -j"$(nproc 2>/dev/null || echo 2)" build/latticectl build/agent-bundle.sha256 \
	build/sim-organism build/tests/tools/http-stub >/dev/null
mkdir -p "$DEMO"
chmod 700 "$DEMO"

# Seven hosts: real sshd processes on 127.0.1.1-7, each in its own mount namespace.
scripts/testhosts up 7

# The manifest's chain_rpc is http://127.0.0.1:8545/ (a local devnet's
# usual address); a small test stub answers eth_chainId there.
stop_rpc
rm -f "$DEMO/rpc.port"
build/tests/tools/http-stub --chain-id 31337 --pidfile "$DEMO/rpc.pid" \
	--port-file "$DEMO/rpc.port" 127.0.0.1 8545 >"$DEMO/rpc.log" 2>&1 &
i=0
while [ ! -s "$DEMO/rpc.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$DEMO/rpc.port" ] || { cat "$DEMO/rpc.log" >&2; echo "demo: the RPC stand-in did not start" >&2; exit 1; }

echo
echo "$ latticectl up -m manifests/local.toml"
$LC up
echo
echo "Status: build/latticectl -m manifests/local.toml --ssh-config $LC_TESTHOSTS_DIR/ssh_config --state-dir $DEMO/state --secrets-dir $DEMO/secrets status"
echo "Tear it all down: scripts/demo.sh down"
