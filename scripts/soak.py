#!/usr/bin/python3
"""Soak: a mixed load through sockwall against a real dockerd for SOAK_SECONDS
(default 600), checking every answer and watching the proxy's memory and
descriptors.  `make soak`; not part of `make test`.  Needs root (it starts a
private dockerd of its own; the host's daemon is not touched).

Load, from SOAK_THREADS threads (default 6), each picking at random (and
SOAK_FAST_THREADS, default 2, picking among the short kinds only):
  allowed     ping, version, containers/json, inspect, images/json, keep-alive
              and pipelined sequences
  denied      routes the policy closes (secrets, info, build, ...) and POST
              routes on a second sockwall without POST=1
  malformed   bad framing, bad targets, garbage bytes, oversized heads/bodies
  dangerous   creates that bind the Docker socket (refused by the protections)
  streaming   events and logs -f for a couple of seconds, stats
  hijacked    exec with stdin (half-close, output checked), attach
  lifecycle   create / start / inspect / stop / remove
  abort       clients that vanish mid-body, mid-response, mid-tunnel
  docker-py   the python3-docker client through the proxy

Every answer's status is compared with the expected one.  The proxy's VmRSS
and descriptor count are sampled every SOAK_SAMPLE seconds (default 3).

Exit status: 0 when there was no crash, no unexpected status, no error, and
RSS and descriptors stayed flat after the warm-up (RSS within +20%, fds within
+10); 1 otherwise; 2 when the set-up failed.
"""

import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

import fault_helpers as fh  # noqa: E402
import helpers  # noqa: E402
from helpers import request as req  # noqa: E402

API = "/v1.41"
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
THREADS = int(os.environ.get("SOAK_THREADS", "6"))
FAST_THREADS = int(os.environ.get("SOAK_FAST_THREADS", "2"))  # short requests only
SAMPLE = float(os.environ.get("SOAK_SAMPLE", "3"))
SEED = int(os.environ.get("SOAK_SEED", str(int(time.time()))))
# the warm-up: a fifth of the run, between 10 s and 60 s
WARMUP = float(os.environ.get("SOAK_WARMUP", str(min(60.0, max(10.0, SECONDS / 5)))))
RSS_GROWTH = 0.20
FD_GROWTH = 10


class Unexpected(Exception):
    pass


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.served = {}       # kind -> responses checked
        self.actions = {}      # kind -> scenarios run
        self.errors = {}       # "kind: exception" -> count
        self.unexpected = []   # (kind, what, got)
        self.n_unexpected = 0

    def ok(self, kind, n=1):
        with self.lock:
            self.served[kind] = self.served.get(kind, 0) + n

    def action(self, kind):
        with self.lock:
            self.actions[kind] = self.actions.get(kind, 0) + 1

    def bad(self, kind, what, got):
        with self.lock:
            self.n_unexpected += 1
            if len(self.unexpected) < 30:
                self.unexpected.append((kind, what, got))

    def error(self, kind, e):
        key = "%s: %s" % (kind, type(e).__name__)
        with self.lock:
            self.errors[key] = self.errors.get(key, 0) + 1
            if self.errors[key] <= 3:
                self.unexpected.append((kind, "exception", "".join(
                    traceback.format_exception_only(type(e), e)).strip()[:300]))


STATS = Stats()


def expect(kind, what, resp, statuses, json_error=None):
    """Checks one response; json_error: the answer must be Docker-shaped JSON."""
    if isinstance(statuses, int):
        statuses = (statuses,)
    if resp is None:
        STATS.bad(kind, what, "no response")
        return False
    if resp.status not in statuses:
        STATS.bad(kind, what, "%d %r" % (resp.status, resp.body[:160]))
        return False
    if json_error or (json_error is None and resp.status >= 400):
        try:
            doc = resp.json()
            assert isinstance(doc.get("message"), str) and doc["message"]
        except Exception:  # noqa: BLE001
            STATS.bad(kind, what, "not a JSON error: %r" % resp.body[:160])
            return False
    STATS.ok(kind)
    return True


def one(target, method, path, headers=None, body=None, timeout=30):
    rs, _ = helpers.exchange(target, req(method, path, headers, body), 1, timeout)
    return rs[0] if rs else None


def raw(target, data, timeout=15, head_request=False, eof_after=None):
    """Sends data, reads one response; with eof_after, also waits that long
    for the proxy to close.  Returns (response, reader)."""
    s = helpers.connect(target, timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before reading it all: read the answer
        reader = helpers.ResponseReader(s)
        r = reader.read(timeout=timeout, head_request=head_request)
        if r is not None and eof_after:
            reader.wait_eof(eof_after)
        return r, reader
    finally:
        s.close()


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


def demux(data):
    out = b""
    while len(data) >= 8:
        size = struct.unpack(">I", data[4:8])[0]
        out += data[8:8 + size]
        data = data[8 + size:]
    return out


class Soak:
    def __init__(self, d, a, b):
        self.d = d
        self.a = a      # CONTAINERS IMAGES POST EXEC
        self.b = b      # CONTAINERS only: POSTs denied
        self.stop = threading.Event()
        self.looper = d.client.containers.run("bb:latest", helpers.LOOP_CMD, detach=True,
                                              name="soak-looper", stop_signal="SIGKILL")
        self.cat = d.client.containers.run("bb:latest", ["cat"], detach=True,
                                           stdin_open=True, name="soak-cat",
                                           stop_signal="SIGKILL")

    def targets(self, rng):
        return rng.choice((self.a.unix, self.a.tcp))

    # ------------------------------------------------------------ allowed
    def allowed(self, rng):
        t = self.targets(rng)
        k = "allowed"
        choice = rng.randrange(7)
        if choice == 0:
            expect(k, "ping", one(t, "GET", "/_ping"), 200, False)
        elif choice == 1:
            r, _ = raw(t, req("HEAD", "/_ping"), head_request=True)
            expect(k, "HEAD ping", r, 200, False)
        elif choice == 2:
            expect(k, "version", one(t, "GET", API + "/version"), 200, False)
        elif choice == 3:
            r = one(t, "GET", API + "/containers/json?all=1")
            if expect(k, "containers/json", r, 200, False):
                ids = {c["Id"] for c in r.json()}
                if self.looper.id not in ids:
                    STATS.bad(k, "containers/json", "looper missing")
        elif choice == 4:
            ref = rng.choice((self.looper.id, self.looper.id[:12], "soak-looper"))
            expect(k, "inspect", one(t, "GET", API + "/containers/%s/json" % ref), 200, False)
        elif choice == 5:
            expect(k, "images/json", one(t, "GET", API + "/images/json"), 200, False)
        else:  # pipelined keep-alive: allowed and denied requests in one write
            data = (req("GET", "/_ping") + req("GET", API + "/secrets") +
                    req("GET", API + "/containers/json") + req("GET", "/version"))
            rs, _ = helpers.exchange(t, data, 4, 30)
            want = (200, 403, 200, 200)
            if len(rs) != 4:
                STATS.bad(k, "pipelined", "%d responses" % len(rs))
            for r, w in zip(rs, want):
                expect(k, "pipelined", r, w, w >= 400)

    # ------------------------------------------------------------ denied
    def denied(self, rng):
        k = "denied"
        cases = [
            (self.a, "GET", API + "/secrets", None),
            (self.a, "GET", API + "/info", None),
            (self.a, "POST", API + "/build", b""),
            (self.a, "GET", API + "/containersXYZ/json", None),
            (self.a, "GET", API + "/containers/%s/export" % self.looper.id, None),
            (self.a, "GET", API + "/swarm", None),
            (self.b, "POST", API + "/containers/create",
             json.dumps({"Image": "bb:latest", "Cmd": ["true"]})),
            (self.b, "POST", API + "/containers/%s/stop" % self.looper.id, None),
            (self.b, "DELETE", API + "/containers/%s?force=1" % self.looper.id, None),
            (self.b, "POST", API + "/containers/%s/exec" % self.looper.id,
             json.dumps({"Cmd": ["id"]})),
        ]
        sw, method, path, body = rng.choice(cases)
        t = rng.choice((sw.unix, sw.tcp))
        expect(k, "%s %s" % (method, path.split("?")[0][:40]), one(t, method, path, body=body),
               403, True)

    # ------------------------------------------------------------ malformed
    MALFORMED = [
        ("CL+TE", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 5\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", (400,)),
        ("two CL", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\n"
         b"Content-Length: 3\r\n\r\n{}", (400,)),
        ("bad CL", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
         b"Content-Length: 1x\r\n\r\n{}", (400,)),
        ("gzip TE", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
         b"Transfer-Encoding: gzip\r\n\r\n", (400,)),
        ("bad chunk", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", (400,)),
        ("obs-fold", b"GET /_ping HTTP/1.1\r\nHost: d\r\nX: a\r\n b\r\n\r\n", (400,)),
        ("bare LF", b"GET /_ping HTTP/1.1\nHost: d\n\n", (400,)),
        ("no host", b"GET /_ping HTTP/1.1\r\n\r\n", (400,)),
        ("dot segment", b"GET /v1.41/containers/../json HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
        ("encoded dots", b"GET /v1.41/containers/%2e%2e/secrets HTTP/1.1\r\nHost: d\r\n\r\n",
         (400,)),
        ("empty segment", b"GET /containers//json HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
        ("absolute-form", b"GET http://d/_ping HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
        ("odd version", b"GET /v1.2.3/_ping HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
        ("empty version", b"GET /v1..41/_ping HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
        ("NUL in path", b"GET /_ping%00 HTTP/1.1\r\nHost: d\r\n\r\n", (400,)),
        ("HTTP/2.0", b"GET /_ping HTTP/2.0\r\nHost: d\r\n\r\n", (400, 505)),
        ("HTTP/3.1", b"GET /_ping HTTP/3.1\r\nHost: d\r\n\r\n", (400, 505)),
        ("garbage", bytes(range(256)) * 2, (400,)),
        ("huge head", b"GET /_ping HTTP/1.1\r\nHost: d\r\nX: " + b"a" * 40000 + b"\r\n\r\n",
         (431,)),
        ("huge CL", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
         b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n", (413,)),
        ("form body", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n"
         b"name=ab", (400,)),
        ("bad JSON", b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\n"
         b"Content-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"Image\":", (400,)),
        ("dup key", req("POST", "/v1.41/containers/create",
                        body=b'{"Image":"bb:latest","image":"bb"}'), (400,)),
        ("folded dup key", req("POST", "/v1.41/containers/create",
                               body=b'{"Image":"bb:latest","HostConfig":{},'
                                    b'"\\u0068ostconfig":{}}'), (400,)),
        ("expect", b"GET /_ping HTTP/1.1\r\nHost: d\r\nExpect: bogus\r\n\r\n", (417,)),
    ]

    def malformed(self, rng):
        k = "malformed"
        name, data, statuses = rng.choice(self.MALFORMED)
        t = self.targets(rng)
        r, reader = raw(t, data, eof_after=5)
        if expect(k, name, r, statuses, True) and r.status == 400 and not reader.eof:
            STATS.bad(k, name, "connection left open after 400")

    # ------------------------------------------------------------ dangerous
    DANGEROUS = [
        {"HostConfig": {"Binds": ["/var/run/docker.sock:/var/run/docker.sock"]}},
        {"HostConfig": {"Binds": ["/:/host"]}},
        {"HostConfig": {"Binds": ["/run:/r:ro"]}},
        {"HostConfig": {"Binds": ["/var//run/./docker.sock:/s"]}},
        {"HostConfig": {"Binds": ["/proc/1/root:/h"]}},
        {"HostConfig": {"Mounts": [{"Type": "bind", "Source": "/var/run",
                                    "Target": "/x"}]}},
        {"Binds": ["/var/run/docker.sock:/s"]},  # deprecated top-level shape
        {"hostconfig": {"binds": ["/run/docker.sock:/s"]}},
        {"HostConfig": {"Mounts": [{"Type": "volume", "Source": "soakvol", "Target": "/x",
                                    "VolumeOptions": {"DriverConfig": {
                                        "Name": "local", "Options": {
                                            "type": "none", "o": "bind",
                                            "device": "/var/run"}}}}]}},
    ]

    def dangerous(self, rng):
        k = "dangerous"
        body = dict(rng.choice(self.DANGEROUS))
        body.update({"Image": "bb:latest", "Cmd": ["true"]})
        t = self.targets(rng)
        name = "soak-danger-%d" % rng.randrange(1 << 30)
        expect(k, json.dumps(body)[:60],
               one(t, "POST", API + "/containers/create?name=" + name, body=json.dumps(body)),
               403, True)

    # ------------------------------------------------------------ streaming
    def streaming(self, rng):
        k = "streaming"
        t = self.targets(rng)
        choice = rng.randrange(3)
        if choice == 0:
            path = API + "/events?since=%d" % int(time.time() - 5)
        elif choice == 1:
            path = API + "/containers/%s/logs?follow=1&stdout=1&tail=5" % self.looper.id
        else:
            path = API + "/containers/%s/stats?stream=1" % self.looper.id
        s, reader, st, _ = fh.open_stream(t, "GET", path, timeout=30)
        try:
            if st != 200:
                STATS.bad(k, path[:50], st)
                return
            dur = rng.uniform(1.0, 3.0)
            end = time.monotonic() + dur
            while time.monotonic() < end and not reader.eof:
                fh.read_some(reader, len(reader.buf) + 1, end - time.monotonic())
                if len(reader.buf) > 1 << 20:
                    reader.buf = reader.buf[-4096:]
            if reader.eof:
                STATS.bad(k, path[:50], "stream ended early")
                return
            if choice == 1 and b"line " not in reader.buf:
                STATS.bad(k, path[:50], "no log lines in %.1fs" % dur)
                return
            STATS.ok(k)
        finally:
            s.close()

    # ------------------------------------------------------------ hijacked
    def hijacked(self, rng):
        k = "hijacked"
        t = self.targets(rng)
        if rng.random() < 0.6:
            r = one(t, "POST", API + "/containers/%s/exec" % self.looper.id,
                    body=json.dumps({"AttachStdin": True, "AttachStdout": True,
                                     "AttachStderr": True, "Cmd": ["cat"]}))
            if not expect(k, "exec create", r, 201, False):
                return
            eid = r.json()["Id"]
            upgrade = rng.random() < 0.5
            hdrs = [("Content-Type", "application/json")]
            if upgrade:
                hdrs += [("Connection", "Upgrade"), ("Upgrade", "tcp")]
            s, reader, st, _ = fh.open_stream(t, "POST", API + "/exec/%s/start" % eid,
                                              headers=hdrs,
                                              body=json.dumps({"Detach": False, "Tty": False}),
                                              timeout=30)
            try:
                if st != (101 if upgrade else 200):
                    STATS.bad(k, "exec start", st)
                    return
                data = b"".join(b"soak %d %d\n" % (rng.randrange(1 << 30), i)
                                for i in range(rng.randrange(1, 2000)))
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                if not reader.wait_eof(30):
                    STATS.bad(k, "exec start", "no EOF after half-close")
                    return
                out = demux(reader.buf)
                if out != data:
                    STATS.bad(k, "exec start", "output %d bytes, sent %d" % (len(out), len(data)))
                    return
                STATS.ok(k)
            finally:
                s.close()
        else:
            s, reader, st, _ = fh.open_stream(
                t, "POST", API + "/containers/%s/attach?stream=1&stdin=1&stdout=1" % self.cat.id,
                headers=[("Connection", "Upgrade"), ("Upgrade", "tcp")], timeout=30)
            try:
                if st != 101:
                    STATS.bad(k, "attach", st)
                    return
                token = b"attach-%d\n" % rng.randrange(1 << 40)
                s.sendall(token)
                if not fh.wait_bytes(reader, token, 15):
                    STATS.bad(k, "attach", "echo not seen")
                    return
                STATS.ok(k)
            finally:
                s.close()

    # ------------------------------------------------------------ lifecycle
    def lifecycle(self, rng):
        k = "lifecycle"
        t = self.targets(rng)
        name = "soak-%d" % rng.randrange(1 << 40)
        r = one(t, "POST", API + "/containers/create?name=" + name,
                body=json.dumps({"Image": "bb:latest", "Cmd": ["sleep", "30"],
                                 "HostConfig": {"Binds": ["/tmp:/hosttmp:ro"]}}))
        if not expect(k, "create", r, 201, False):
            return
        cid = r.json()["Id"]
        steps = [
            ("start", "POST", "/containers/%s/start", 204),
            ("inspect", "GET", "/containers/%s/json", 200),
            ("top", "GET", "/containers/%s/top", 200),
            ("stop", "POST", "/containers/%s/stop?t=0", 204),
            ("wait", "POST", "/containers/%s/wait", 200),
            ("remove", "DELETE", "/containers/%s", 204),
        ]
        for what, method, path, want in steps:
            ref = rng.choice((cid, name))
            if not expect(k, what, one(t, method, API + path % ref), want, False):
                self.d.client.api.remove_container(cid, force=True)
                return

    # ------------------------------------------------------------ aborts
    def abort(self, rng):
        k = "abort"
        t = self.targets(rng)
        choice = rng.randrange(4)
        s = None
        try:
            if choice == 0:  # mid body
                s = helpers.connect(t)
                s.sendall(b"POST " + API.encode() + b"/containers/create HTTP/1.1\r\nHost: d\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                          b'{"Image":"' + b"a" * rng.randrange(1, 60000))
            elif choice == 1:  # mid head
                s = helpers.connect(t)
                s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nX-Y: " + b"z" * rng.randrange(100))
            elif choice == 2:  # mid response
                s, reader, st, _ = fh.open_stream(
                    t, "GET", API + "/containers/%s/logs?follow=1&stdout=1" % self.looper.id)
                if st != 200:
                    STATS.bad(k, "logs", st)
                    return
                fh.read_some(reader, 10, 5)
            else:  # mid tunnel
                s, reader, st, _ = fh.open_stream(
                    t, "POST",
                    API + "/containers/%s/attach?stream=1&stdin=1&stdout=1" % self.cat.id,
                    headers=[("Connection", "Upgrade"), ("Upgrade", "tcp")])
                if st != 101:
                    STATS.bad(k, "attach", st)
                    return
                s.sendall(b"x\n")
            if rng.random() < 0.5 and s.family != socket.AF_UNIX:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            STATS.ok(k)
        finally:
            if s is not None:
                s.close()

    # ------------------------------------------------------------ docker-py
    def dockerpy(self, rng):
        import docker  # noqa: PLC0415
        k = "docker-py"
        client = docker.DockerClient(base_url=rng.choice((self.a.host, "tcp://" + self.a.tcp)),
                                     timeout=60)
        try:
            # the low-level list: containers.list() inspects each one, and the
            # lifecycle threads remove theirs meanwhile (a 404 that is right)
            names = {n for c in client.api.containers() for n in c.get("Names") or []}
            if "/soak-looper" not in names:
                STATS.bad(k, "containers", sorted(names)[:5])
                return
            STATS.ok(k)
            res = client.containers.get("soak-looper").exec_run(["echo", "hi"])
            if res.exit_code != 0 or res.output != b"hi\n":
                STATS.bad(k, "exec_run", res)
                return
            STATS.ok(k, 3)  # exec create, start, inspect
            try:
                client.containers.run("bb:latest", ["true"], remove=True,
                                      volumes={"/var/run/docker.sock": {"bind": "/s"}})
                STATS.bad(k, "run with the socket", "created")
            except docker.errors.APIError as e:
                if e.status_code != 403:
                    STATS.bad(k, "run with the socket", e.status_code)
                else:
                    STATS.ok(k)
        finally:
            client.close()

    # ------------------------------------------------------------ driver
    KINDS = [("allowed", 30), ("denied", 15), ("malformed", 15), ("dangerous", 8),
             ("streaming", 4), ("hijacked", 8), ("lifecycle", 3), ("abort", 6),
             ("docker-py", 2)]

    FAST = ("allowed", "denied", "malformed", "dangerous")

    def worker(self, n, fast=False):
        rng = random.Random(SEED * 1000 + n)
        kinds = [kw for kw in self.KINDS if not fast or kw[0] in self.FAST]
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        while not self.stop.is_set():
            kind = rng.choices(names, weights)[0]
            STATS.action(kind)
            try:
                getattr(self, kind.replace("-", ""))(rng)
            except Exception as e:  # noqa: BLE001 - counted and reported
                STATS.error(kind, e)
                time.sleep(0.1)


def main():
    print("soak: %ds, %d+%d threads, warm-up %ds, seed %d"
          % (SECONDS, THREADS, FAST_THREADS, WARMUP, SEED), flush=True)
    d = fh.PrivateDockerd(prefix="swsoak.")
    procs = []
    failures = []
    samples = []  # (t, rss_kb, fds)
    try:
        try:
            d.start()
            d.import_busybox()
            tmp = d.tmp
            a = fh.Proxy(d.sock, {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "EXEC": "1",
                                  "DKRPRX__VOLUMES__ALLOWED_PATHS": "^/tmp$"},
                         tmp=tmp, max_lines=200).start()
            procs.append(a)
            b = fh.Proxy(d.sock, {"CONTAINERS": "1"}, tmp=tmp, max_lines=200).start()
            procs.append(b)
            soak = Soak(d, a, b)
        except Exception as e:  # noqa: BLE001
            print("soak: set-up failed: %s" % e, file=sys.stderr)
            return 2

        helpers.wait_for(lambda: fh.ping_ok(a.unix), 10, what="the proxy")
        start = (a.rss_kb(), a.settle_fds())
        t0 = time.monotonic()
        threads = [threading.Thread(target=soak.worker, args=(i, i >= THREADS), daemon=True)
                   for i in range(THREADS + FAST_THREADS)]
        for t in threads:
            t.start()
        next_report = 30
        while True:
            el = time.monotonic() - t0
            if el >= SECONDS:
                break
            if not a.alive() or not b.alive():
                failures.append("sockwall died: exit %s / %s" % (a.proc.poll(), b.proc.poll()))
                break
            try:
                samples.append((el, a.rss_kb(), a.fd_count()))
            except OSError:
                pass
            if el >= next_report:
                next_report += 30
                with STATS.lock:
                    total = sum(STATS.served.values())
                print("  %4.0fs: %d served, %d unexpected, RSS %d KiB, %d fds"
                      % (el, total, STATS.n_unexpected, samples[-1][1], samples[-1][2]),
                      flush=True)
            time.sleep(min(SAMPLE, max(0.05, SECONDS - el)))
        soak.stop.set()
        for t in threads:
            t.join(60)
        stuck = [t.name for t in threads if t.is_alive()]
        if stuck:
            failures.append("worker threads stuck: %s" % stuck)

        alive = a.alive() and b.alive()
        if not alive and not any("died" in f for f in failures):
            failures.append("sockwall died: exit %s / %s" % (a.proc.poll(), b.proc.poll()))
        end_idle = (0, 0)
        if alive:
            try:  # every client is gone: back to the descriptors of the start
                a.wait_fds(start[1], timeout=10)
            except AssertionError as e:
                failures.append(str(e))
            end_idle = (a.rss_kb(), a.fd_count())

        # nothing dangerous got through: no container in dockerd binds the socket
        for c in d.client.containers.list(all=True):
            for m in c.attrs.get("Mounts") or []:
                src = m.get("Source") or ""
                if src in ("/", "/var", "/run", "/var/run") or "docker.sock" in src \
                        or src.startswith("/proc"):
                    failures.append("container %s mounts %s" % (c.name, src))
        # the protected looper is still running (proxy B could not stop it)
        soak.looper.reload()
        if soak.looper.status != "running":
            failures.append("soak-looper is %s" % soak.looper.status)

        rcs = [p.stop(timeout=15) for p in procs]
        if any(rc != 0 for rc in rcs):
            failures.append("sockwall exit status on SIGTERM: %s" % rcs)
    finally:
        for p in procs:
            if p.alive():
                p.stop()
        d.destroy()

    # ---------------------------------------------------------------- summary
    # Under load the counts move with what the threads happen to be doing:
    # RSS is judged by its peaks, descriptors by their medians; the exact
    # descriptor check is the idle one above (back to the start's count).
    warm = [s for s in samples if WARMUP / 2 <= s[0] <= WARMUP]
    after = [s for s in samples if s[0] > WARMUP]
    tail = after[-max(3, len(after) // 4):]
    rss_warm = max((s[1] for s in warm), default=0)
    rss_tail = max((s[1] for s in tail), default=0)
    fds_warm = median([s[2] for s in warm])
    fds_tail = median([s[2] for s in tail])
    if warm and tail:
        if rss_tail > rss_warm * (1 + RSS_GROWTH):
            failures.append("RSS grew after warm-up: %d -> %d KiB" % (rss_warm, rss_tail))
        if fds_tail > fds_warm + FD_GROWTH:
            failures.append("fds grew after warm-up: %d -> %d" % (fds_warm, fds_tail))
    else:
        failures.append("too short to judge growth (SOAK_SECONDS > warm-up needed)")
    if STATS.n_unexpected:
        failures.append("%d unexpected results" % STATS.n_unexpected)
    if STATS.errors:
        failures.append("errors: %s" % STATS.errors)

    total = sum(STATS.served.values())
    print()
    print("soak summary (%ds, %d+%d threads, seed %d)" % (SECONDS, THREADS, FAST_THREADS, SEED))
    print("  requests served and checked: %d (%.0f/s)" % (total, total / max(SECONDS, 1)))
    for kind, _ in Soak.KINDS:
        print("    %-10s %7d responses  %6d scenarios"
              % (kind, STATS.served.get(kind, 0), STATS.actions.get(kind, 0)))
    print("  unexpected results: %d" % STATS.n_unexpected)
    for u in STATS.unexpected[:30]:
        print("    %s" % (u,))
    print("  errors by kind: %s" % (STATS.errors or "none"))
    print("  proxy log lines: %d" % a.n_lines)
    span = "%ds-%ds" % (tail[0][0], tail[-1][0]) if tail else "-"
    print("  RSS KiB: start %d, after warm-up %d (peak of %ds-%ds), end %d (peak of %s), "
          "idle at end %d" % (start[0], rss_warm, WARMUP / 2, WARMUP, rss_tail, span,
                              end_idle[0]))
    print("  fds: start %d, after warm-up %d (median), end %d (median of %s), idle at end %d;"
          " peak %d" % (start[1], fds_warm, fds_tail, span, end_idle[1],
                        max((s[2] for s in samples), default=0)))
    print("  samples: %d every %.0fs" % (len(samples), SAMPLE))
    if failures:
        print("FAIL")
        for f in failures:
            print("  - %s" % f)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    sys.exit(main())
