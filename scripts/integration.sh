#!/bin/sh
# Integration tests: a private dockerd, build/sockwall in front of it, driven
# by the docker CLI and python3-docker.  Needs root (it starts dockerd).
# Extra arguments go to pytest, e.g. scripts/integration.sh -k pipelining -x
set -e
cd "$(dirname "$0")/.."
# python3-docker and python3-pytest are Debian packages: use Debian's python,
# not whatever python3 comes first on PATH.
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration "$@"
