#!/bin/sh
# Install the Debian 12 packages latticectl builds, tests and runs with; idempotent.
set -eu

# Build and link: one -dev package per library latticectl uses; jq writes the
# shell completion from `latticectl --json help` (scripts/gen-completion.sh).
BUILD_PKGS="build-essential pkg-config jq
libssh-dev libsodium-dev libssl-dev libgit2-dev libcjson-dev libcurl4-openssl-dev
libicu-dev"
# Tests: clang for the libFuzzer target, mandoc for man page lint, sshd for test hosts,
# zsh to check the zsh completion, debootstrap for the containerized (systemd as
# PID 1) test hosts, kubectl (kubernetes-client) to decode what `latticectl
# render k8s` makes.
TEST_PKGS="clang libclang-rt-14-dev mandoc man-db openssh-server openssh-client zsh
util-linux iproute2 procps git ca-certificates time curl debootstrap
kubernetes-client"

want=""
for p in $BUILD_PKGS $TEST_PKGS; do
	# A kubectl another package installed (a vendor's) owns /usr/bin/kubectl,
	# which Debian's kubernetes-client cannot then be installed over: keep it.
	[ "$p" = kubernetes-client ] && command -v kubectl >/dev/null 2>&1 && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		want="$want $p"
done
[ -z "$want" ] && { echo "install-deps: all packages present"; exit 0; }

if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
echo "install-deps: installing:$want"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $want
