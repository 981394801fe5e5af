#!/bin/sh
# make cross: static arm64 and armv7 binaries, tested under qemu-user.
#
#   build/sockwall-arm64, build/sockwall-armv7   the proxy (static musl, stripped, TLS)
#   build/cross/<arch>/                           BearSSL, objects, unit tests for <arch>
#
# Compilers are Debian's gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf
# turned into musl compilers by musl-dev:<arch>'s musl-gcc.specs (the same
# trick as the musl-gcc wrapper); BearSSL is built from Debian's source
# package by scripts/bearssl.sh.  Then, under qemu-aarch64-static /
# qemu-arm-static (called by name: binfmt_misc may not be registered here):
# every unit test (static, without sanitizers), and integration tests with
# the emulated proxy in front of a private dockerd, driven by the docker
# CLI and python3-docker (allowed and denied requests).
#
# CROSS_ARCHES="arm64" to build one; CROSS_TESTS="tests/integration/x.py ..."
# to choose the integration files.  Installs what it needs (root or sudo),
# quietly, only when something is missing.
set -e
cd "$(dirname "$0")/.."

ARCHES=${CROSS_ARCHES:-"arm64 armv7"}
TESTS=${CROSS_TESTS:-"tests/integration/test_cli.py tests/integration/test_deny.py"}

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

# arch -> Debian architecture, GNU triplet, musl directory, qemu
deb_arch() { case $1 in arm64) echo arm64 ;; armv7) echo armhf ;; esac; }
triplet() { case $1 in arm64) echo aarch64-linux-gnu ;; armv7) echo arm-linux-gnueabihf ;; esac; }
musl_dir() { case $1 in arm64) echo /usr/lib/aarch64-linux-musl ;; armv7) echo /usr/lib/arm-linux-musleabihf ;; esac; }
qemu() { case $1 in arm64) echo qemu-aarch64-static ;; armv7) echo qemu-arm-static ;; esac; }

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

install_deps() {
	need="" new_arch=""
	for a in $ARCHES; do
		case $a in arm64 | armv7) ;; *) echo "cross: unknown arch '$a' (arm64, armv7)" >&2; exit 2 ;; esac
		d=$(deb_arch "$a")
		[ "$(dpkg --print-architecture)" = "$d" ] ||
			dpkg --print-foreign-architectures | grep -qx "$d" || new_arch="$new_arch $d"
		for p in "gcc-$(triplet "$a")" "musl-dev:$d"; do
			have_pkg "$p" || need="$need $p"
		done
	done
	have_pkg qemu-user-static || need="$need qemu-user-static"
	[ -z "$need" ] && return 0
	echo "cross: installing$need" >&2
	for d in $new_arch; do
		$SUDO dpkg --add-architecture "$d"
	done
	# A mirror caught mid-sync (seen here for one foreign architecture's
	# security index) fails `update` while the lists we need are fine:
	# warn, and let the install say whether something is really missing.
	$SUDO apt-get update -qq >/dev/null 2>&1 ||
		echo "cross: apt-get update reported errors; trying the install anyway" >&2
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
}

# build ARCH: BearSSL, the proxy and the unit tests for ARCH.
build() {
	a=$1
	t=$(triplet "$a")
	specs=$(musl_dir "$a")/musl-gcc.specs
	[ -f "$specs" ] || { echo "cross: $specs missing (musl-dev:$(deb_arch "$a"))" >&2; exit 1; }
	cc="$t-gcc -specs $specs"
	dir=build/cross/$a
	BEARSSL_OUT=$dir/bearssl BEARSSL_CC="$cc" BEARSSL_AR="$t-ar" scripts/bearssl.sh
	tls="-DSOCKWALL_TLS=1 -I$dir/bearssl/inc"
	lib=$dir/bearssl/libbearssl.a
	# The proxy: the Makefile's own flags and rules, other compiler and paths.
	make -s CC="$cc" OBJ="$dir/obj" BIN="build/sockwall-$a" \
		TLS_CFLAGS="$tls" TLS_LIB="$lib" "build/sockwall-$a"
	# Unit tests: static, no sanitizers (no cross libasan for musl); the same
	# warnings as the proxy.  jsmn.h comes from build/include, as for musl-gcc.
	# They link the proxy's own objects (LIB_SRCS is objects here): the
	# code under test is the code shipped, and compiled once, not per test.
	units="" objs=""
	for f in tests/unit/test_*.c; do
		units="$units $dir/test/$(basename "$f" .c)"
	done
	for f in src/*.c; do
		[ "$f" = src/main.c ] || objs="$objs $dir/obj/$(basename "$f" .c).o"
	done
	# shellcheck disable=SC2086
	make -s CC="$cc" OBJ="$dir/obj" TLS_CFLAGS="$tls" TLS_LIB="$lib" \
		TEST_CC="$cc" TEST_DIR="$dir/test" LIB_SRCS="$objs" \
		SAN_FLAGS='$(CFLAGS) -static -Ibuild/include' \
		TEST_TLS="$tls" TEST_TLS_LIB="$lib" $units
}

# unit ARCH: every unit test under qemu; they print their own tallies.
unit() {
	a=$1
	for b in build/cross/"$a"/test/test_*; do
		"$(qemu "$a")" "$b"
	done
}

# integration ARCH: the emulated proxy in front of the suite's private dockerd.
integration() {
	a=$1
	wrap=build/cross/$a/sockwall-qemu
	printf '#!/bin/sh\n# build/sockwall-%s under qemu-user, for SOCKWALL_BIN\nexec %s %s "$@"\n' \
		"$a" "$(command -v "$(qemu "$a")")" "$(pwd)/build/sockwall-$a" >"$wrap"
	chmod +x "$wrap"
	# shellcheck disable=SC2086
	SOCKWALL_BIN=$(pwd)/$wrap scripts/integration.sh $TESTS
}

install_deps
# build/include/jsmn.h and build/gen/presets.c: the native build makes them.
make -s build/include/jsmn.h build/gen/presets.c
for a in $ARCHES; do
	build "$a"
done
for a in $ARCHES; do
	bin=build/sockwall-$a
	echo "cross: $bin: $(wc -c <"$bin") bytes; $(file -b "$bin" | cut -d, -f1-2)"
	"$(qemu "$a")" "$bin" --version
	unit "$a"
	echo "cross: $a: proxy under $(qemu "$a") against a real dockerd"
	integration "$a"
done
