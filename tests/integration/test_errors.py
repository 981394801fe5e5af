"""Errors in Docker's shape: 502, 400, 431, 403 for unknown routes; the
healthcheck; toggle values."""

import json
import os
import subprocess

import pytest

import conftest
import helpers
from helpers import request


def test_upstream_unreachable_is_502(sockwall, dockerd, docker_cli):
    missing = os.path.join(dockerd.tmp, "missing.sock")
    sw = sockwall({"CONTAINERS": "1"}, socket_path=missing)
    for path in ("/_ping", "/v1.41/containers/json"):
        for target in (sw.unix, sw.tcp):
            r = helpers.one(target, "GET", path)
            helpers.assert_json_error(r, 502)
    r = docker_cli(sw.host, "ps")
    assert r.returncode != 0


@pytest.mark.parametrize("target", [
    "/v1.41/containers/../json",
    "/containers//json",
    "http://x/_ping",
    "/v1.41/containers/%2e%2e/json",
    "/v1.41/containers/./json",
])
def test_bad_target_is_400(sockwall, target):
    sw = sockwall({"CONTAINERS": "1"})
    ok = helpers.one(sw.unix, "GET", "/v1.41/containers/json")
    assert ok.status == 200, ok  # the control: the clean spelling passes
    r = helpers.one(sw.unix, "GET", target)
    helpers.assert_json_error(r, 400)


def test_content_length_with_transfer_encoding_is_400(sockwall, direct):
    sw = sockwall({"CONTAINERS": "1", "POST": "1"})
    before = sorted(c.id for c in direct.containers.list(all=True))
    body = json.dumps({"Image": "bb", "Cmd": ["true"]}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    data = request("POST", "/v1.41/containers/create",
                   headers=[("Content-Type", "application/json"),
                            ("Content-Length", str(len(chunked))),
                            ("Transfer-Encoding", "chunked")],
                   body=chunked)
    rs, _ = helpers.exchange(sw.unix, data, 1)
    assert rs, "no response"
    helpers.assert_json_error(rs[0], 400)
    assert sorted(c.id for c in direct.containers.list(all=True)) == before
    # control: the same create, framed once, passes
    r = helpers.one(sw.unix, "POST", "/v1.41/containers/create", body=body)
    assert r.status == 201, r


def test_huge_header_is_431(sockwall):
    sw = sockwall({})
    data = request("GET", "/_ping", headers=[("X-Big", "a" * (100 * 1024))])
    rs, _ = helpers.exchange(sw.unix, data, 1)
    assert rs, "no response to a 100 KiB header"
    helpers.assert_json_error(rs[0], 431)


@pytest.mark.parametrize("method,path", [
    ("GET", "/v1.41/nonexistent"),
    ("GET", "/nonexistent/route"),
    ("POST", "/v1.41/containers"),
])
def test_unknown_route_is_403(sockwall, method, path):
    sw = sockwall({"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "INFO": "1"})
    r = helpers.one(sw.unix, method, path)
    msg = helpers.assert_json_error(r, 403)
    assert "sockwall" in msg


def test_healthcheck(sockwall):
    sw = sockwall({})
    r = sw.healthcheck()
    assert r.returncode == 0, (r.stdout, r.stderr)
    sw.stop()
    assert not helpers.can_connect(sw.unix)
    r = sw.healthcheck()
    assert r.returncode != 0, (r.stdout, r.stderr)


@pytest.mark.parametrize("value,allowed", [
    ("1", True), ("true", True), ("YES", True), ("On", True),
    ("0", False), ("false", False), ("no", False), ("OFF", False),
])
def test_toggle_values(sockwall, value, allowed):
    sw = sockwall({"CONTAINERS": value})
    r = helpers.one(sw.unix, "GET", "/v1.41/containers/json")
    if allowed:
        assert r.status == 200, r
    else:
        assert "CONTAINERS" in helpers.assert_json_error(r, 403)


@pytest.mark.parametrize("var,value", [("CONTAINERS", "maybe"), ("POST", "2")])
def test_invalid_toggle_value_is_startup_error(dockerd, var, value):
    if not os.access(conftest.SOCKWALL_BIN, os.X_OK):
        pytest.fail("build/sockwall is missing")
    sock = os.path.join(dockerd.tmp, "bad-%s.sock" % var)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOCKET_PATH": dockerd.sock,
           "SOCKWALL_LISTEN": "unix://" + sock, var: value}
    p = subprocess.Popen([str(conftest.SOCKWALL_BIN)], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        pytest.fail("sockwall started with %s=%s" % (var, value))
    finally:
        if os.path.exists(sock):
            os.unlink(sock)
    assert p.returncode != 0
    assert var in (out + err).decode(), (out, err)
