#!/bin/sh
# Builds a static BearSSL for musl into build/bearssl/ (libbearssl.a and
# inc/*.h) from Debian's source package, once: nothing to do when
# build/bearssl/libbearssl.a exists.  Quiet on success; on failure the log
# of the failing step goes to stderr.  Fetching the source needs root (or
# sudo) the first time: it adds a deb-src entry mirroring Debian's own
# sources when there is none, and installs dpkg-dev when it is missing.
#
# For another architecture (scripts/cross.sh): BEARSSL_OUT=build/cross/arm64/bearssl
# BEARSSL_CC='aarch64-linux-gnu-gcc -specs .../musl-gcc.specs' BEARSSL_AR=aarch64-linux-gnu-ar
set -e
cd "$(dirname "$0")/.."

out=${BEARSSL_OUT:-build/bearssl}
cc=${BEARSSL_CC:-musl-gcc}
ar=${BEARSSL_AR:-ar}
# -O2 rather than -Os: a TLS handshake (P-256 arithmetic) costs 12-17% less CPU
# for ~28 KiB more in the binary.  The flags are kept beside the
# library, so that changing them here rebuilds it.
flags='-W -Wall -O2 -fPIC'
if [ -f "$out/libbearssl.a" ]; then
	if [ "$(cat "$out/cflags" 2>/dev/null)" = "$flags" ]; then
		touch "$out/libbearssl.a" # newer than this script: make is satisfied
		exit 0
	fi
	rm -f "$out/libbearssl.a"
fi

if ! command -v "${cc%% *}" >/dev/null 2>&1; then
	echo "bearssl: ${cc%% *} not found (musl-gcc: Debian package musl-tools)" >&2
	exit 1
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

work=$out-src
log=$out.log
mkdir -p "$(dirname "$out")"
: >"$log"

# run CMD...: runs a step into the log; on failure shows the log and stops.
run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "bearssl: failed: $*" >&2
		cat "$log" >&2
		exit 1
	fi
}

# A mirror caught mid-sync (seen here for a foreign architecture's security
# index) makes `apt-get update` fail while the lists we need are fine: warn,
# and let what comes next say whether something is really missing.
apt_update() {
	$SUDO apt-get update >>"$log" 2>&1 ||
		echo "bearssl: apt-get update reported errors; going on" >&2
}

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# A source entry: keep Debian's file as it is and add a deb-src twin of it.
has_deb_src() {
	grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list && return 0
	grep -Eqs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}
if ! has_deb_src; then
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		# deb822: each stanza again, with Types: deb-src (same URIs, Suites,
		# Components, Signed-By).
		sed -E 's/^Types:.*/Types: deb-src/' "$src" |
			$SUDO tee /etc/apt/sources.list.d/sockwall-deb-src.sources >/dev/null
	elif [ -f /etc/apt/sources.list ]; then
		sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list |
			$SUDO tee /etc/apt/sources.list.d/sockwall-deb-src.list >/dev/null
	else
		echo "bearssl: no Debian apt source to add deb-src for" >&2
		exit 1
	fi
	apt_update
fi
if ! have_pkg dpkg-dev; then
	apt_update
	run $SUDO apt-get install -y --no-install-recommends dpkg-dev
fi

rm -rf "$work"
mkdir -p "$work"
# apt-get source downloads as the calling user; as root it warns that the
# download is unsandboxed (harmless, it goes to the log).
if ! (cd "$work" && apt-get source bearssl) >>"$log" 2>&1; then
	# The package lists may predate the deb-src entry (or be missing).
	apt_update
	(cd "$work" && apt-get source bearssl) >>"$log" 2>&1 || {
		echo "bearssl: apt-get source bearssl failed" >&2
		cat "$log" >&2
		exit 1
	}
fi
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'bearssl-*' | head -n 1)
if [ -z "$dir" ] || [ ! -f "$dir/conf/Unix.mk" ]; then
	echo "bearssl: unexpected source layout in $work" >&2
	exit 1
fi

# BearSSL's own build (conf/Unix.mk and mk/Rules.mk): `lib` is the static
# library alone.  Its object rules do not depend on the object directory,
# so make it first for a parallel build.
mkdir -p "$dir/build/obj"
run make -C "$dir" -j"$(nproc 2>/dev/null || echo 1)" CC="$cc" AR="$ar" LD="$cc" \
	CFLAGS="$flags" BUILD=build lib

mkdir -p "$out/inc"
cp "$dir"/inc/*.h "$out/inc/"
cp "$dir/build/libbearssl.a" "$out/libbearssl.a.tmp"
mv "$out/libbearssl.a.tmp" "$out/libbearssl.a"
echo "$flags" >"$out/cflags"
rm -rf "$work" "$log"
