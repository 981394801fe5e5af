#!/bin/sh
# Integration tests: a private dockerd, build/sockwall in front of it, driven
# by the docker CLI and python3-docker.  Needs root (it starts dockerd).
# Extra arguments go to pytest, e.g. scripts/integration.sh -k pipelining -x;
# test files among them replace the whole directory.
set -e
cd "$(dirname "$0")/.."
case " $* " in
*" tests/"*) set -- "$@" ;;
*) set -- tests/integration "$@" ;;
esac
# python3-docker and python3-pytest are Debian packages: use Debian's python,
# not whatever python3 comes first on PATH.
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$@"
