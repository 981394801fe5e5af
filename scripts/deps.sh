#!/bin/sh
# Installs what building and testing sockwall needs on Debian, once.
# Quiet when everything is present; needs root (or sudo) when something is missing.
set -e

need=""
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# podman: the integration suite's second upstream (rootful, vfs/overlay storage,
# containers on --network none/host: no netavark, CNI plugins, slirp4netns or uidmap).
for p in make gcc musl-tools libjsmn-dev libbearssl-dev openssl dpkg-dev docker.io \
         busybox-static python3 python3-pytest python3-docker socat curl file \
         podman \
         clang libclang-rt-14-dev; do
	have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0

echo "deps: installing$need" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# A mirror caught mid-sync fails `update` while the lists we need may be fine:
# let the install say whether something is really missing.
$SUDO apt-get update -qq >/dev/null 2>&1 ||
	echo "deps: apt-get update reported errors (a mirror mid-sync?); trying the install anyway" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
