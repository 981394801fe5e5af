#!/bin/sh
# `make bench`: sockwall side by side with the same canned upstream reached
# directly, through socat and through HAProxy, then through a real dockerd.
# One run, one table (bench/README.md says what each figure is).
#
# Settings (environment): BENCH_SECONDS=5 (per wrk/ab point), BENCH_DOCKERD=1,
# BENCH_ROUNDS=3, BENCH_STREAM_RUNS=5, BENCH_LATENCY_ROUNDS=3, BENCH_IDLE_CONNS=1000,
# BENCH_CREATE_N=200, BENCH_STARTUP_N=10, BENCH_PORT_BASE=23800, BENCH_BUILD_VARIANT=1,
# BENCH_ONLY=phase,... BENCH_KEEP=1 (keep the temp dir), SOCKWALL=build/sockwall.
set -e
cd "$(dirname "$0")/.."

need=""
for pair in nginx:nginx haproxy:haproxy wrk:wrk ab:apache2-utils socat:socat \
            taskset:util-linux ps:procps curl:curl openssl:openssl; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || need="$need ${pair#*:}"
done
if [ "${BENCH_DOCKERD:-1}" != 0 ]; then
	command -v dockerd >/dev/null 2>&1 || need="$need docker.io"
	[ -x /bin/busybox ] || need="$need busybox-static"
fi
if [ -n "$need" ]; then
	echo "bench: installing$need" >&2
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq >/dev/null 2>&1 ||
		echo "bench: apt-get update reported errors (a mirror mid-sync?); trying the install anyway" >&2
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
# The benchmark runs its own nginx (and HAProxy) from generated configs; a
# system instance, where there is one, is left alone.

[ -x "${SOCKWALL:-build/sockwall}" ] || make build/sockwall

# bench.py raises its open-file limit to the hard limit (at most 65536) for
# the 1000 idle connections and wrk -c 256; what it starts inherits it.

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# The Python orchestrator stops what it started (by pid) on exit, SIGINT and
# SIGTERM; forward those to it and wait.
"$PY" bench/bench.py run &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 130' INT TERM
wait "$pid"
