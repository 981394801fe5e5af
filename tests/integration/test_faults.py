"""Faults: dockerd going away and coming back, clients that vanish mid-way,
slow and hostile clients, connection and descriptor exhaustion, SIGTERM.

Each test starts its own sockwall by hand (fault_helpers.Proxy) so it can read
the process's /proc (descriptors, CPU time) and signal it.  The tests that stop
dockerd use a dockerd of their own (`own_dockerd`); the others use the
session's.  Every wait is a poll with a deadline."""

import json
import os
import signal
import socket
import struct
import tarfile
import threading
import time

import docker
import pytest

import fault_helpers as fh
import helpers
from helpers import request as req

API = "/v1.41"


def _quick_ping(target, limit=2.0):
    """A /_ping on a new connection that must be answered 200 within `limit` s."""
    t = time.monotonic()
    r = helpers.one(target, "GET", "/_ping", timeout=limit + 3)
    elapsed = time.monotonic() - t
    assert r.status == 200, r
    assert elapsed < limit, "ping took %.2fs" % elapsed
    return elapsed


def _ping_on(sock, reader, limit=2.0):
    """A /_ping on an open keep-alive connection."""
    t = time.monotonic()
    sock.sendall(req("GET", "/_ping"))
    r = reader.read(timeout=limit + 3)
    assert r is not None and r.status == 200, r
    assert time.monotonic() - t < limit
    return r


def _keepalive(target):
    s = helpers.connect(target, timeout=10)
    reader = helpers.ResponseReader(s)
    _ping_on(s, reader)
    return s, reader


def _error_or_close(reader, timeout, statuses):
    """Reads what the proxy answers a hostile client: a JSON error with one
    of `statuses`, then EOF; or EOF without a byte.  Returns the status (0 for
    a bare close)."""
    try:
        r = reader.read(timeout=timeout)
    except (ConnectionResetError, helpers.IncompleteResponse):
        return 0
    if r is None:
        return 0
    helpers.assert_json_error(r, r.status)
    assert r.status in statuses, r
    assert reader.wait_eof(timeout), "connection left open after %d" % r.status
    return r.status


def _proxy(request_, upstream, env=None, **kw):
    p = fh.Proxy(upstream, env, **kw).start()

    def fin():
        rc = p.stop()  # SIGTERM if still running; removes its socket directory
        if p.lines:
            print("---- sockwall %d log ----\n%s" % (p.pid, "\n".join(p.lines[-60:])))
        assert rc == 0, "sockwall exited with %s" % rc
    request_.addfinalizer(fin)
    return p


# ---------------------------------------------------------------- dockerd of our own


@pytest.fixture(scope="module")
def own_dockerd_module():
    d = fh.PrivateDockerd()
    try:
        d.start()
        d.import_busybox()
        yield d
    finally:
        d.destroy()


@pytest.fixture
def own_dockerd(own_dockerd_module):
    """A private dockerd that the test may stop and start; running at the start."""
    d = own_dockerd_module
    if not d.running:
        d.start()
    yield d
    if not d.running:
        d.start()
    for c in d.client.containers.list(all=True):
        c.remove(force=True)


def test_dockerd_stops_under_streams_then_comes_back(request, own_dockerd):
    d = own_dockerd
    # SIGKILL as the stop signal: dockerd's shutdown does not wait 10 s for it
    looper = d.client.containers.run("bb:latest", helpers.LOOP_CMD, detach=True,
                                     stop_signal="SIGKILL")
    p = _proxy(request, d.sock, {"CONTAINERS": "1"})
    _quick_ping(p.unix)
    baseline = p.settle_fds()
    # an idle keep-alive client (its upstream connection stays open in sockwall)
    ka = _keepalive(p.unix)
    request.addfinalizer(ka[0].close)
    _hold(p, baseline, 2, "a keep-alive client and its upstream")
    baseline += 2

    # raw HTTP: events and logs -f
    ev_sock, ev, st, _ = fh.open_stream(p.unix, "GET", API + "/events")
    assert st == 200
    lg_sock, lg, st, _ = fh.open_stream(
        p.tcp, "GET", API + "/containers/%s/logs?follow=1&stdout=1&stderr=1" % looper.id)
    assert st == 200
    assert fh.wait_bytes(lg, b"line ", 10)
    # docker-py: events and logs -f
    client = docker.DockerClient(base_url=p.host, timeout=60)
    request.addfinalizer(client.close)
    py_events = helpers.ItemReader(client.events(decode=True), "py-events")
    py_logs = helpers.ChunkLines(client.api.logs(looper.id, stream=True, follow=True),
                                 "py-logs")
    py_logs.wait_line(lambda l: l.startswith("line "), 10, "docker-py logs lines")
    probe = d.client.containers.create("bb:latest", ["true"])
    py_events.wait_item(lambda e: e.get("id") == probe.id, 10, "the probe's create event")
    assert fh.wait_bytes(ev, probe.id.encode(), 10), "the probe's event on the raw stream"
    # four clients and their four upstream connections
    _hold(p, baseline, 8, "four streams")

    t0 = time.monotonic()
    d.stop()
    assert not d.running
    # every client sees its stream end, none hangs
    assert ev.wait_eof(15), "raw events stream still open after dockerd stopped"
    # logs -f: the stream either ends with its last chunk (the container died
    # first) or the connection is closed
    helpers.wait_for(lambda: lg.eof or fh.ended_cleanly_chunked(
        fh.read_some(lg, len(lg.buf) + 1, 0.2)), 15, what="the raw logs -f stream to end")
    assert py_events.done.wait(15), "docker-py events did not end"
    assert py_logs.done.wait(15), "docker-py logs -f did not end"
    ended_in = time.monotonic() - t0
    lg_sock.close()
    ev_sock.close()
    client.close()

    # sockwall is up, and says what is wrong
    assert p.alive(), p.log_text()
    for target in (p.unix, p.tcp):
        msg = helpers.assert_json_error(helpers.one(target, "GET", "/_ping"), 502)
        assert d.sock in msg, msg
        helpers.assert_json_error(helpers.one(target, "GET", API + "/containers/json"), 502)
    # nothing is left of the streams, nor of the keep-alive client's upstream
    p.wait_fds(baseline - 1, what="descriptors after the streams ended")

    pid = p.pid
    d.start()  # same socket path; returns once dockerd answers /_ping itself
    # served at once: the first request through the same sockwall process
    assert helpers.one(p.unix, "GET", "/_ping").status == 200
    assert p.pid == pid and p.alive()
    # the keep-alive client from before is served on its same connection
    _ping_on(*ka)
    r = helpers.one(p.tcp, "GET", API + "/containers/json?all=1")
    assert r.status == 200 and looper.id in {c["Id"] for c in r.json()}, r
    # streams work again too
    s, ev2, st, _ = fh.open_stream(p.unix, "GET", API + "/events")
    assert st == 200
    probe2 = d.client.containers.create("bb:latest", ["true"])
    helpers.wait_for(lambda: probe2.id.encode() in fh.read_some(ev2, len(ev2.buf) + 1, 0.5),
                     10, what="an event after dockerd came back")
    s.close()
    print("streams ended %.2fs after dockerd was told to stop" % ended_in)


def test_dockerd_absent_at_start_then_started(request, own_dockerd):
    d = own_dockerd
    d.stop()
    assert not fh.ping_ok(d.sock)
    p = _proxy(request, d.sock, {"CONTAINERS": "1", "IMAGES": "1"})
    for _ in range(3):
        for target in (p.unix, p.tcp):
            for path in ("/_ping", API + "/version", API + "/containers/json",
                         API + "/images/json"):
                r = helpers.one(target, "GET", path)
                msg = helpers.assert_json_error(r, 502)
                assert d.sock in msg, msg
    # HEAD too (a head without its body), on a keep-alive connection: the 502
    # closes it, the pipelined request after it is not answered
    s = helpers.connect(p.unix)
    s.sendall(req("HEAD", "/_ping") + req("GET", "/_ping"))
    reader = helpers.ResponseReader(s)
    r = reader.read(timeout=5, head_request=True)
    assert r is not None and r.status == 502, r
    assert r.header("content-type") == "application/json"
    assert reader.wait_eof(5) and reader.buf == b"", reader.buf
    s.close()
    # denials need no daemon
    helpers.assert_json_error(helpers.one(p.unix, "GET", API + "/secrets"), 403)
    assert p.alive(), p.log_text()
    assert any(doc.get("status") == 502 and doc.get("reason") for doc in p.log_json())

    d.start()  # returns once dockerd answers /_ping itself: sockwall serves at once
    for target in (p.unix, p.tcp):
        assert helpers.one(target, "GET", "/_ping").status == 200
        r = helpers.one(target, "GET", API + "/images/json")
        assert r.status == 200 and any("bb:latest" in (i.get("RepoTags") or [])
                                       for i in r.json()), r
    assert p.alive()


# ---------------------------------------------------------------- vanishing clients


def _hold(p, baseline, at_least, what):
    """Polls until the proxy holds at least `at_least` descriptors more than
    at baseline (the connection under test is really open inside it)."""
    helpers.wait_for(lambda: p.fd_count() >= baseline + at_least, 10,
                     what="sockwall to hold %s (%d+ descriptors over %d)"
                     % (what, at_least, baseline))


def _abort(s):
    """Close with an RST instead of a FIN (SO_LINGER 0), on TCP."""
    if s.family != socket.AF_UNIX:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def test_client_vanishing_mid_way_leaks_nothing(request, dockerd, direct, looper):
    # A long head timeout: it must not be what frees a descriptor here.
    p = _proxy(request, dockerd.sock, {"CONTAINERS": "1", "POST": "1", "EXEC": "1",
                                       "IMAGES": "1", "SOCKWALL_HEAD_TIMEOUT": "120s"})
    _quick_ping(p.unix)
    _quick_ping(p.tcp)
    baseline = p.settle_fds()
    # a container with 2 MB of logs, and one with stdin open for attach
    big = direct.containers.run(
        "bb:latest", ["sh", "-c", "yes 0123456789abcdef0123456789abcdef0123456789abcdef"
                      "0123456789 | head -c 2000000"], detach=True)
    cat = direct.containers.run("bb:latest", ["cat"], detach=True, stdin_open=True)
    assert big.wait(timeout=30)["StatusCode"] == 0

    for target, kill in ((p.unix, False), (p.tcp, False), (p.tcp, True)):
        close = _abort if kill else socket.socket.close
        where = "%s%s" % (target, " (RST)" if kill else "")

        # 1. mid request head
        s = helpers.connect(target)
        s.sendall(b"POST " + API.encode() + b"/containers/create HTTP/1.1\r\nHost: docker\r\n")
        _hold(p, baseline, 1, "a half head")
        close(s)
        p.wait_fds(baseline, what="after a half head on %s" % where)

        # 2. mid request body, inspected (held by sockwall): half of 100000 bytes
        s = helpers.connect(target)
        s.sendall(b"POST " + API.encode() + b"/containers/create HTTP/1.1\r\nHost: docker\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                  b'{"Image": "bb:latest", "Env": ["A=' + b"a" * 49950)
        _hold(p, baseline, 1, "a half inspected body")
        close(s)
        p.wait_fds(baseline, what="after a half inspected body on %s" % where)

        # 3. mid request body, streamed to dockerd: a tar that promises more
        ti = tarfile.TarInfo("layer.tar")
        ti.size = 1 << 20
        s = helpers.connect(target)
        s.sendall(b"POST " + API.encode() + b"/images/load?quiet=1 HTTP/1.1\r\n"
                  b"Host: docker\r\nContent-Type: application/x-tar\r\n"
                  b"Content-Length: 100000\r\n\r\n" + ti.tobuf() + b"\0" * 49000)
        _hold(p, baseline, 2, "a half streamed body and its upstream")
        close(s)
        p.wait_fds(baseline, what="after a half streamed body on %s" % where)

        # 4. mid response: 2 MB of logs, read 4 KiB of it
        s, reader, st, _ = fh.open_stream(target, "GET",
                                          API + "/containers/%s/logs?stdout=1" % big.id)
        assert st == 200
        assert len(fh.read_some(reader, 4096, 10)) >= 4096
        _hold(p, baseline, 2, "a big response")
        close(s)
        p.wait_fds(baseline, what="after a big response cut on %s" % where)

        # 5. mid stream: logs -f
        s, reader, st, _ = fh.open_stream(
            target, "GET", API + "/containers/%s/logs?follow=1&stdout=1" % looper.id)
        assert st == 200 and b"line " in fh.read_some(reader, 32, 10)
        close(s)
        p.wait_fds(baseline, what="after logs -f cut on %s" % where)

        # 6. mid tunnel: exec start (101) with cat on stdin, no half-close
        ex = direct.api.exec_create(looper.id, ["cat"], stdin=True)
        s, reader, st, _ = fh.open_stream(
            target, "POST", API + "/exec/%s/start" % ex["Id"],
            headers=[("Content-Type", "application/json"), ("Connection", "Upgrade"),
                     ("Upgrade", "tcp")], body=json.dumps({"Detach": False, "Tty": False}))
        assert st == 101
        s.sendall(b"echo through the tunnel\n")
        assert b"echo through the tunnel" in fh.read_some(reader, 30, 10)
        close(s)
        p.wait_fds(baseline, what="after an exec tunnel cut on %s" % where)

        # 7. mid tunnel: attach with stdin
        s, reader, st, _ = fh.open_stream(
            target, "POST",
            API + "/containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1" % cat.id,
            headers=[("Connection", "Upgrade"), ("Upgrade", "tcp")])
        assert st == 101
        s.sendall(b"attached\n")
        assert b"attached" in fh.read_some(reader, 17, 10)
        close(s)
        p.wait_fds(baseline, what="after an attach tunnel cut on %s" % where)

    # and everything still works
    _quick_ping(p.unix)
    _quick_ping(p.tcp)
    p.wait_fds(baseline, what="at the end")
    assert p.alive()


# ---------------------------------------------------------------- hostile clients


def test_slowloris_is_cut_while_others_are_served(request, dockerd):
    p = _proxy(request, dockerd.sock, {"SOCKWALL_HEAD_TIMEOUT": "2"})
    slow = [helpers.connect(t, timeout=15) for t in (p.unix, p.tcp)]
    stop = threading.Event()
    request.addfinalizer(stop.set)
    t0 = time.monotonic()
    cut = {}

    def drip(s):  # one byte a second of a valid head
        for b in request_bytes:
            try:
                s.send(bytes([b]))
            except OSError:
                return
            if stop.wait(1.0):
                return

    def watch(i, s):
        try:
            cut[i] = (_error_or_close(helpers.ResponseReader(s), 10, (408,)),
                      time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001 - reported below
            cut[i] = (e, time.monotonic() - t0)
    request_bytes = req("GET", "/_ping")
    threads = [threading.Thread(target=f, args=a, daemon=True)
               for i, s in enumerate(slow) for f, a in ((drip, (s,)), (watch, (i, s)))]
    for t in threads:
        t.start()

    ka, ka_reader = _keepalive(p.unix)
    worst, n = 0.0, 0
    while time.monotonic() - t0 < 3.5:  # past the head timeout
        worst = max(worst, _quick_ping(p.unix, 1.0), _quick_ping(p.tcp, 1.0))
        _ping_on(ka, ka_reader, 1.0)
        n += 3
    for t in threads:
        t.join(12)
    stop.set()
    for i in range(len(slow)):
        status, when = cut[i]
        assert status in (408, 0), status
        assert 1.5 <= when <= 6, "slow head %d cut after %.2fs" % (i, when)
        slow[i].close()
    assert cut[0][0] == 408, "no 408 on the unix socket: %r" % (cut[0],)
    ka.close()
    print("slow heads cut after %s; %d other requests, worst %.3fs"
          % ([round(w, 2) for _, w in cut.values()], n, worst))


def test_connections_beyond_the_limit_get_503(request, dockerd):
    p = _proxy(request, dockerd.sock, {"SOCKWALL_MAX_CONNS": "20"})
    idle = []
    for i in range(20):
        idle.append(_keepalive(p.unix if i % 2 else p.tcp))
    # the 21st and more: 503 JSON whether or not they send anything
    for i in range(6):
        target = p.unix if i % 2 else p.tcp
        s = helpers.connect(target)
        reader = helpers.ResponseReader(s)
        if target == p.unix:
            # The 503 may already be written and the socket closed: a unix
            # socket then refuses the send, and the answer is still there to read.
            try:
                s.sendall(req("GET", "/_ping"))
            except (BrokenPipeError, ConnectionResetError):
                pass
        r = reader.read(timeout=5)
        assert r is not None, "no answer beyond the limit"
        msg = helpers.assert_json_error(r, 503)
        assert "SOCKWALL_MAX_CONNS" in msg
        assert reader.wait_eof(5)
        s.close()
    # the idle ones are still served
    for s, reader in idle[:3]:
        _ping_on(s, reader)
    # close five: new clients get in again
    for s, _ in idle[:5]:
        s.close()
    del idle[:5]
    helpers.wait_for(lambda: fh.ping_ok(p.tcp), 5, what="a new client served after closes")
    _quick_ping(p.unix)
    for s, reader in idle:
        _ping_on(s, reader)
        s.close()
    assert p.alive()


def _unaffected(p, ka):
    """The bystanders: a keep-alive connection opened before, and new ones."""
    _ping_on(*ka)
    _quick_ping(p.unix)
    _quick_ping(p.tcp)


HOSTILE = {
    "huge-head": b"GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n",
    "huge-head-unfinished": b"GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Big: " + b"a" * 70000,
    "huge-request-line": b"GET /_ping?" + b"a" * 40000 + b" HTTP/1.1\r\nHost: docker\r\n\r\n",
    "too-many-fields": b"GET /_ping HTTP/1.1\r\nHost: docker\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n",
    "binary": bytes(range(256)) * 8,
    "binary-no-newline": bytes(range(14, 256)) * 8,
    "nul-bytes": b"\0" * 4096,
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "tls-client-hello": None,  # built at run time
}
# the status when there is an answer (a close is also fine on TCP)
HOSTILE_STATUS = {"huge-head": (431,), "huge-head-unfinished": (431,),
                  "huge-request-line": (431,), "too-many-fields": (431,),
                  "http2-preface": (400, 505)}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_bytes_get_an_error_or_close(request, dockerd, kind):
    p = _proxy(request, dockerd.sock, {"SOCKWALL_HEAD_TIMEOUT": "2"})
    data = HOSTILE[kind] if HOSTILE[kind] is not None else fh.client_hello()
    ka = _keepalive(p.tcp)
    request.addfinalizer(ka[0].close)
    for target in (p.unix, p.tcp):
        s = helpers.connect(target)
        reader = helpers.ResponseReader(s)
        t = time.monotonic()
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status = _error_or_close(reader, 5, HOSTILE_STATUS.get(kind, (400,)))
        # refused at once, not left for the head timeout
        assert time.monotonic() - t < 1.5, "took %.2fs" % (time.monotonic() - t)
        if target == p.unix:  # nothing lost on the way: an answer is due
            assert status, "closed without an answer"
        print("%s on %s: %s" % (kind, target, status or "closed"))
        s.close()
        _unaffected(p, ka)
    assert p.alive()


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_oversized_inspected_body_is_413(request, dockerd, direct, framing):
    p = _proxy(request, dockerd.sock, {"CONTAINERS": "1", "POST": "1",
                                       "SOCKWALL_MAX_BODY": "4096"})
    ka = _keepalive(p.unix)
    request.addfinalizer(ka[0].close)
    before = dockerd.container_ids()
    body = json.dumps({"Image": "bb:latest", "Cmd": ["true"],
                       "Env": ["PAD=" + "a" * 10000]}).encode()
    small = json.dumps({"Image": "bb:latest", "Cmd": ["true"]}).encode()

    def framed(b):
        if framing == "content-length":
            return req("POST", API + "/containers/create", body=b)
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(b[i:i + 1000]), b[i:i + 1000])
                          for i in range(0, len(b), 1000))
        return req("POST", API + "/containers/create",
                       headers=[("Content-Type", "application/json"),
                                ("Transfer-Encoding", "chunked")],
                       body=chunks + b"0\r\n\r\n")
    for target in (p.unix, p.tcp):
        rs, _ = helpers.exchange(target, framed(body), 1)
        assert rs, "no answer to a %d-byte body" % len(body)
        msg = helpers.assert_json_error(rs[0], 413)
        assert "SOCKWALL_MAX_BODY" in msg
        _unaffected(p, ka)
    assert dockerd.container_ids() == before, "an oversized create reached dockerd"
    # control: the same framing under the limit creates
    rs, _ = helpers.exchange(p.unix, framed(small), 1)
    assert rs and rs[0].status == 201, rs


# ---------------------------------------------------------------- SIGTERM


def _refused(p):
    """True when neither listener takes a connection any more."""
    for target in (p.unix, p.tcp):
        try:
            helpers.connect(target, timeout=0.5).close()
            return False
        except (ConnectionRefusedError, FileNotFoundError):
            pass
    return True


def test_sigterm_finishes_in_flight_request_and_exits_0(request, dockerd, direct):
    c = direct.containers.run("bb:latest", ["sleep", "2"], detach=True)
    p = _proxy(request, dockerd.sock, {"CONTAINERS": "1", "POST": "1"})
    ka = _keepalive(p.tcp)  # idle: closed at once on SIGTERM
    baseline = p.settle_fds()
    s = helpers.connect(p.unix, timeout=15)
    reader = helpers.ResponseReader(s)
    s.sendall(req("POST", API + "/containers/%s/wait" % c.id))
    # in flight: the client and its upstream connection are open in sockwall
    _hold(p, baseline, 2, "the wait request upstream")

    t0 = time.monotonic()
    p.signal(signal.SIGTERM)
    helpers.wait_for(lambda: _refused(p), 1.0, interval=0.02,
                     what="the listeners to refuse new connections after SIGTERM")
    refused_in = time.monotonic() - t0
    assert direct.containers.get(c.id).status == "running", \
        "the container ended before the check: the request was not in flight"
    assert ka[1].wait_eof(2), "an idle keep-alive connection was kept after SIGTERM"
    assert p.alive(), "exited with a request in flight"

    r = reader.read(timeout=10)
    assert r is not None and r.status == 200, r
    assert r.json()["StatusCode"] == 0
    assert reader.wait_eof(2), "connection kept open after the answer while stopping"
    answered_in = time.monotonic() - t0
    s.close()  # sockwall lingers (up to 2 s) for the client's own close
    ka[0].close()
    rc = p.proc.wait(timeout=3)
    exited_in = time.monotonic() - t0
    assert rc == 0
    assert exited_in < 3.5 and exited_in - answered_in < 1.0, (answered_in, exited_in)
    assert not os.path.exists(p.unix)
    print("refused %.3fs, answered %.2fs, exited %.2fs after SIGTERM"
          % (refused_in, answered_in, exited_in))


def test_sigterm_with_endless_stream_exits_after_shutdown_timeout(request, dockerd):
    p = _proxy(request, dockerd.sock, {"SOCKWALL_SHUTDOWN_TIMEOUT": "2"})
    streams = [fh.open_stream(t, "GET", API + "/events") for t in (p.unix, p.tcp)]
    assert all(st == 200 for _, _, st, _ in streams)
    t0 = time.monotonic()
    p.signal(signal.SIGTERM)
    helpers.wait_for(lambda: _refused(p), 1.0, interval=0.02, what="listeners closed")
    rc = p.proc.wait(timeout=6)
    elapsed = time.monotonic() - t0
    assert rc == 0
    # the stream was given its grace period, and no more
    assert 1.5 <= elapsed <= 4.0, elapsed
    for s, reader, _, _ in streams:
        assert reader.wait_eof(2), "the events client was not closed"
        s.close()


# ---------------------------------------------------------------- descriptors


def test_descriptor_limit_refuses_cleanly_and_recovers(request, dockerd):
    nofile = 64
    p = _proxy(request, dockerd.sock, {"CONTAINERS": "1"}, nofile=nofile)
    baseline = p.settle_fds()
    with open("/proc/%d/limits" % p.pid) as f:
        assert any(line.startswith("Max open files") and line.split()[3:5] == ["64", "64"]
                   for line in f), "the limit was not applied"
    # sockwall lowered SOCKWALL_MAX_CONNS to fit the limit, and said so
    helpers.wait_for(lambda: [d for d in p.log_json()
                              if "SOCKWALL_MAX_CONNS" in d.get("msg", "")], 5,
                     what="the log line lowering SOCKWALL_MAX_CONNS")
    lowered = [d for d in p.log_json() if "SOCKWALL_MAX_CONNS" in d.get("msg", "")][0]["msg"]
    assert "descriptor limit (%d)" % nofile in lowered, lowered
    max_conns = int(lowered.rsplit("using", 1)[1].split()[0])
    assert 1 <= max_conns and 2 * max_conns + baseline <= nofile, lowered

    # fill every slot with a stream (client + upstream descriptors each)
    streams, refused = [], []
    for i in range(max_conns + 10):
        target = p.unix if i % 2 else p.tcp
        try:
            s, reader, st, _ = fh.open_stream(target, "GET", API + "/events", timeout=5)
        except (OSError, helpers.IncompleteResponse) as e:
            refused.append(repr(e))
            continue
        if st == 200:
            streams.append((s, reader))
            continue
        r_body = reader.buf
        assert st == 503, (st, r_body)
        refused.append(st)
        s.close()
    assert len(streams) == max_conns, (len(streams), refused)
    assert refused and all(x == 503 for x in refused), refused

    # saturated, with more clients knocking: 503 JSON each, and no spinning
    knock_stop = threading.Event()
    knocks = []

    def knock():
        while not knock_stop.is_set():
            try:
                r = helpers.one(p.tcp, "GET", "/_ping", timeout=5)
                knocks.append(r.status)
            except (OSError, AssertionError, helpers.IncompleteResponse) as e:
                knocks.append(repr(e))
            knock_stop.wait(0.05)
    kt = threading.Thread(target=knock, daemon=True)
    kt.start()
    request.addfinalizer(knock_stop.set)
    cpu0, t0 = p.cpu_ticks(), time.monotonic()
    time.sleep(1.0)  # the measuring window, not an assertion
    cpu1, t1 = p.cpu_ticks(), time.monotonic()
    knock_stop.set()
    kt.join(10)
    hz = os.sysconf("SC_CLK_TCK")
    cpu_share = (cpu1 - cpu0) / hz / (t1 - t0)
    assert cpu_share < 0.2, "sockwall used %.0f%% CPU while saturated" % (100 * cpu_share)
    assert knocks and all(k == 503 for k in knocks), knocks
    # the streams are still alive
    assert p.alive()
    r = helpers.one(p.unix, "GET", "/_ping")
    helpers.assert_json_error(r, 503)  # still saturated

    # free some slots: new clients are served again
    for s, _ in streams[:5]:
        s.close()
    del streams[:5]
    helpers.wait_for(lambda: fh.ping_ok(p.unix), 5, what="a client served after closes")
    _quick_ping(p.tcp)
    for s, _ in streams:
        s.close()
    p.wait_fds(baseline, what="descriptors after the streams")
    _quick_ping(p.unix)
    print("saturated at %d connections; %d knocks refused; CPU %.1f%%"
          % (max_conns, len(knocks), 100 * cpu_share))
