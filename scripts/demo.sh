#!/bin/sh
# demo.sh - the README's main command: install dependencies, build latticectl,
# and run it on the local default lattice (manifests/local.toml).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc 2>/dev/null || echo 2)" build/latticectl >/dev/null
echo
echo "$ build/latticectl validate -m manifests/local.toml"
exec build/latticectl validate -m manifests/local.toml
