"""Listeners as a user configures them: the default dual-stack port 2375,
DISABLE_IPV6, unix sockets with mode and group, --check-config, SIGTERM."""

import os
import signal
import socket
import stat
import subprocess
import time

import pytest

import helpers
from conftest import SOCKWALL_BIN


def _start(env):
    p = subprocess.Popen([str(SOCKWALL_BIN)], env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return p


def _stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def _ping(family, addr, timeout=5.0):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(addr)
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def _wait_tcp(port, family=socket.AF_INET, host="127.0.0.1"):
    def up():
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(0.5)
            s.connect((host, port))
            s.close()
            return True
        except OSError:
            return False
    helpers.wait_for(up, 10, what="sockwall listening on port %d" % port)


def _ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def _base_env(dockerd):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOCKET_PATH": dockerd.sock}


def test_default_listener_is_dual_stack_port_2375(dockerd):
    p = _start(_base_env(dockerd))
    try:
        _wait_tcp(2375)
        assert _ping(socket.AF_INET, ("127.0.0.1", 2375)).startswith(b"HTTP/1.1 200 OK")
        if _ipv6_loopback():
            assert _ping(socket.AF_INET6, ("::1", 2375)).startswith(b"HTTP/1.1 200 OK")
    finally:
        assert _stop(p) == 0


def test_disable_ipv6_listens_on_ipv4_only(dockerd):
    if not _ipv6_loopback():
        pytest.fail("this test needs an IPv6 loopback to show the difference")
    p = _start(dict(_base_env(dockerd), DISABLE_IPV6="1"))
    try:
        _wait_tcp(2375)
        assert _ping(socket.AF_INET, ("127.0.0.1", 2375)).startswith(b"HTTP/1.1 200 OK")
        with pytest.raises(OSError):
            _ping(socket.AF_INET6, ("::1", 2375), timeout=2)
    finally:
        assert _stop(p) == 0


def test_unix_socket_mode_group_and_cleanup(dockerd):
    path = os.path.join(dockerd.tmp, "modes.sock")
    plain = os.path.join(dockerd.tmp, "plain.sock")
    env = dict(_base_env(dockerd),
               SOCKWALL_LISTEN="unix://%s?mode=0600&group=12345,unix://%s" % (path, plain))
    p = _start(env)
    try:
        helpers.wait_for(lambda: helpers.can_connect(path) and helpers.can_connect(plain), 10,
                         what="unix listeners")
        st = os.stat(path)
        assert stat.S_IMODE(st.st_mode) == 0o600
        assert st.st_gid == 12345
        assert stat.S_IMODE(os.stat(plain).st_mode) == 0o660  # the default mode
        assert _ping(socket.AF_UNIX, path).startswith(b"HTTP/1.1 200 OK")
    finally:
        assert _stop(p) == 0
    assert not os.path.exists(path) and not os.path.exists(plain)


def test_check_config_prints_the_table_or_every_problem(dockerd):
    ok = subprocess.run([str(SOCKWALL_BIN), "--check-config"],
                        env=dict(_base_env(dockerd), CONTAINERS="1", POST="yes"),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert ok.returncode == 0, ok.stderr
    assert "CONTAINERS=1" in ok.stdout and "POST=1" in ok.stdout and "EXEC=0" in ok.stdout
    bad = subprocess.run([str(SOCKWALL_BIN), "--check-config"],
                         env=dict(_base_env(dockerd), CONTAINERS="maybe", SOCKWALL_LISTN="x"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert bad.returncode == 2
    assert "CONTAINERS=maybe" in bad.stderr and "SOCKWALL_LISTN" in bad.stderr


def test_sigterm_lets_a_request_in_flight_finish(dockerd, direct):
    """A `wait` in flight when SIGTERM arrives still gets its answer; then exit 0."""
    c = direct.containers.run("bb:latest", ["sleep", "1"], detach=True)
    sock = os.path.join(dockerd.tmp, "term.sock")
    p = _start(dict(_base_env(dockerd), SOCKWALL_LISTEN="unix://" + sock, CONTAINERS="1",
                    POST="1"))
    try:
        helpers.wait_for(lambda: helpers.can_connect(sock), 10, what="listener")
        s = helpers.connect(sock, timeout=15)
        s.sendall(helpers.request("POST", "/v1.41/containers/%s/wait" % c.id))
        time.sleep(0.2)  # let the request reach dockerd before the signal
        p.send_signal(signal.SIGTERM)
        r = helpers.ResponseReader(s).read(timeout=15)
        assert r is not None and r.status == 200, r
        assert r.json()["StatusCode"] == 0
        s.close()
        p.wait(timeout=10)
        assert p.returncode == 0
        assert not helpers.can_connect(sock)
    finally:
        _stop(p)
