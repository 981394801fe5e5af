"""Streams have no idle timeout; idle keep-alive connections and slow heads do."""

import time

import helpers
from helpers import request

SHORT = {"SOCKWALL_IDLE_TIMEOUT": "1", "SOCKWALL_HEAD_TIMEOUT": "1"}
QUIET_SECONDS = 4  # several idle/head timeouts long


def test_events_stream_survives_idle_timeout(sockwall, docker_cli, docker_popen, direct):
    sw = sockwall(dict(SHORT, CONTAINERS="1", POST="1"))
    p = docker_popen(sw.host, "events", "--format", "{{.Action}} {{.Actor.ID}}")
    out = helpers.LineReader(p.stdout, "events")
    probes = []

    def probe():
        probes.append(direct.containers.create("bb:latest", ["true"]).id)
        return any(l.split()[-1:] == [c] for l in list(out.lines) for c in probes)
    helpers.wait_for(probe, 20, interval=0.5, what="the events stream to deliver")
    # the last probe was created after the stream was live: once its event is
    # in, nothing else is in flight
    out.wait_line(lambda l: l == "create " + probes[-1], 10, "the last probe's event")

    n = len(out.lines)
    time.sleep(QUIET_SECONDS)  # a silent stream, longer than every timeout
    assert len(out.lines) == n, "unexpected events: %r" % out.lines[n:]
    assert p.poll() is None, "docker events exited: %s" % p.stderr.read()

    r = docker_cli(sw.host, "run", "-d", "bb", "sleep", "30")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    out.wait_line(lambda l: l == "start " + cid, 15, "the start event after a quiet stream")


def test_logs_follow_survives_idle_timeout(sockwall, direct):
    sw = sockwall(dict(SHORT, CONTAINERS="1"))
    c = direct.containers.run(
        "bb:latest",
        ["sh", "-c", "echo early; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo late; sleep 30"],
        detach=True)
    client = sw.client()
    stream = None
    try:
        stream = client.containers.get(c.id).logs(stream=True, follow=True)
        logs = helpers.ChunkLines(stream, "logs")
        logs.wait_line(lambda l: l == "early", 15, "the first line")
        time.sleep(QUIET_SECONDS)  # no output for longer than every timeout
        assert not logs.done.is_set(), "logs stream cut: %r" % logs.error
        assert c.exec_run(["touch", "/tmp/go"]).exit_code == 0
        logs.wait_line(lambda l: l == "late", 15, "output after a quiet stream")
    finally:
        if stream is not None:
            stream.close()
        client.close()


def test_idle_keepalive_connection_is_closed(sockwall):
    sw = sockwall(dict(SHORT))
    s = helpers.connect(sw.unix)
    try:
        reader = helpers.ResponseReader(s)
        for _ in range(2):  # keep-alive works...
            s.sendall(request("GET", "/_ping"))
            r = reader.read(timeout=5)
            assert r is not None and r.status == 200, r
        # ...and the idle connection is closed after about a second
        assert reader.wait_eof(5), "idle keep-alive connection still open after 5s"
        assert reader.buf == b"" or reader.buf.startswith(b"HTTP/1.1 408"), reader.buf
    finally:
        s.close()


def test_slow_request_head_is_cut(sockwall):
    sw = sockwall(dict(SHORT))
    s = helpers.connect(sw.unix)
    try:
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n")  # never finished
        reader = helpers.ResponseReader(s)
        assert reader.wait_eof(5), "half-sent request head still open after 5s"
        assert reader.buf == b"" or reader.buf.startswith(b"HTTP/1.1 408"), reader.buf
    finally:
        s.close()
