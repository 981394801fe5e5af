"""Hijacked connections on the wire: exec start and attach answered with 101
(Upgrade: tcp) or with 200 and a raw-stream content type become a tunnel;
the client's half-close reaches the process and its output keeps flowing."""

import json
import socket
import struct
import time

import pytest

import helpers
from helpers import request

OPEN = {"CONTAINERS": "1", "POST": "1", "EXEC": "1"}


def _demux(data):
    """Split docker's multiplexed stream into (stdout, stderr)."""
    out, err = b"", b""
    while data:
        assert len(data) >= 8, "truncated frame header: %r" % data
        kind, size = data[0], struct.unpack(">I", data[4:8])[0]
        frame, data = data[8:8 + size], data[8 + size:]
        assert len(frame) == size, "truncated frame"
        if kind == 2:
            err += frame
        else:
            out += frame
    return out, err


def _tunnel(target, req_bytes, stdin, timeout=20):
    """Send the request, read the response head, then write stdin, half-close,
    and read everything until EOF.  Returns (status, headers, raw output)."""
    s = helpers.connect(target, timeout=timeout)
    try:
        s.sendall(req_bytes)
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in buf:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            assert chunk, "EOF before the response head: %r" % buf
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:])}
        if status not in (101, 200):
            return status, headers, rest
        s.sendall(stdin)
        s.shutdown(socket.SHUT_WR)
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, headers, rest
    finally:
        s.close()


STDIN = b"".join(b"tunnel line %d\n" % i for i in range(5000))


@pytest.mark.parametrize("upgrade", [True, False], ids=["101-upgrade", "200-raw-stream"])
@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_exec_start_tunnel_half_close(sockwall, direct, looper, upgrade, transport):
    sw = sockwall(OPEN)
    ex = direct.api.exec_create(looper.id, ["sh", "-c", "cat; echo done >&2"], stdin=True)
    headers = [("Content-Type", "application/json")]
    if upgrade:
        headers += [("Connection", "Upgrade"), ("Upgrade", "tcp")]
    req = request("POST", "/v1.41/exec/%s/start" % ex["Id"], headers=headers,
                  body=json.dumps({"Detach": False, "Tty": False}))
    status, hdrs, raw = _tunnel(sw.unix if transport == "unix" else sw.tcp, req, STDIN)
    assert status == (101 if upgrade else 200), (status, hdrs, raw[:200])
    assert hdrs.get("content-type") == "application/vnd.docker.raw-stream"
    out, err = _demux(raw)
    assert out == STDIN, "got %d of %d bytes" % (len(out), len(STDIN))
    assert err == b"done\n"
    helpers.wait_for(lambda: direct.api.exec_inspect(ex["Id"])["Running"] is False, 10,
                     what="the exec to finish")
    assert direct.api.exec_inspect(ex["Id"])["ExitCode"] == 0


@pytest.mark.parametrize("upgrade", [True, False], ids=["101-upgrade", "200-raw-stream"])
def test_attach_tunnel_half_close(sockwall, direct, upgrade):
    sw = sockwall(OPEN)
    c = direct.api.create_container_from_config(
        {"Image": "bb:latest", "Cmd": ["cat"], "OpenStdin": True, "StdinOnce": True,
         "AttachStdin": True, "AttachStdout": True, "AttachStderr": True})
    direct.api.start(c["Id"])
    headers = [("Connection", "Upgrade"), ("Upgrade", "tcp")] if upgrade else []
    req = request("POST", "/v1.41/containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1"
                  % c["Id"], headers=headers)
    status, hdrs, raw = _tunnel(sw.unix, req, b"hello through attach\n")
    assert status == (101 if upgrade else 200), (status, hdrs, raw[:200])
    out, _ = _demux(raw)
    assert out == b"hello through attach\n"
    # StdinOnce: the EOF closed cat's stdin, so the container ends cleanly
    assert direct.api.wait(c["Id"], timeout=10)["StatusCode"] == 0


def test_exec_start_denied_without_exec(sockwall, direct, looper):
    """An exec created behind the proxy's back cannot be started through it."""
    sw = sockwall({"CONTAINERS": "1", "POST": "1"})
    ex = direct.api.exec_create(looper.id, ["touch", "/tmp/pwned"])
    r = helpers.one(sw.unix, "POST", "/v1.41/exec/%s/start" % ex["Id"],
                    headers=[("Connection", "Upgrade"), ("Upgrade", "tcp")],
                    body=json.dumps({"Detach": False, "Tty": False}))
    assert "EXEC" in helpers.assert_json_error(r, 403)
    assert direct.api.exec_inspect(ex["Id"])["Running"] is False
    assert direct.api.exec_inspect(ex["Id"])["Pid"] == 0
    assert looper.exec_run(["test", "-e", "/tmp/pwned"]).exit_code == 1
