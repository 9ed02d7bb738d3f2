#!/bin/sh
# run.sh - every benchmark (`make bench`); prints the figures, asserts nothing.
set -eu
cd "$(dirname "$0")/.."
echo "== TOML parser: 5 MB generated document"
bench/toml.sh
echo
echo "== identity: secrets, DKG, LatticeConfig"
bench/identity.sh
echo
echo "== transport: agent push, install, env, secret on N test hosts"
bench/transport.sh

echo
echo "== up: deploy, re-run, plan, status on N test hosts"
bench/up.sh

echo
echo "== programs by URL: pushed from here vs fetched by each host, first up on N test hosts"
bench/fetch.sh
echo "== rollout: every committee's program changed, up on N test hosts"
bench/rollout.sh

echo
echo "== DKG ceremony: unseal, t = majority, on N test hosts"
bench/dkg.sh
