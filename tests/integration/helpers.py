"""Helpers for sockwall's integration tests: raw HTTP over sockets, the
docker CLI, polling with deadlines, and reading streams from threads."""

import json
import os
import queue
import socket
import subprocess
import threading
import time

# ---------------------------------------------------------------- polling


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Poll predicate() until it returns a truthy value or the deadline passes.
    Returns the value; raises AssertionError naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------- sockets


def connect(target, timeout=5.0):
    """target: a unix socket path ("/...") or "host:port" for TCP."""
    if target.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(target)
    else:
        host, port = target.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    return s


def can_connect(target):
    try:
        s = connect(target, timeout=0.5)
    except OSError:
        return False
    s.close()
    return True


def request(method, target, headers=None, body=None, host="docker"):
    """Build the exact bytes of one HTTP/1.1 request.  A body gets a
    Content-Length unless `headers` already frames it."""
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: %s" % host]
    hdrs = list((headers or {}).items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in hdrs}
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        hdrs.append(("Content-Length", str(len(body))))
    if body is not None and "content-type" not in names:
        hdrs.append(("Content-Type", "application/json"))
    for k, v in hdrs:
        lines.append("%s: %s" % (k, v))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value), names as sent
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return "<Response %d %r headers=%r body=%r>" % (
            self.status, self.reason, self.headers, self.body[:300])


class IncompleteResponse(Exception):
    pass


class ResponseReader:
    """Reads consecutive HTTP/1.1 responses from one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def _fill(self, deadline):
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _until(self, marker, deadline):
        while marker not in self.buf:
            if not self._fill(deadline):
                raise IncompleteResponse("EOF before %r; have %r" % (marker, self.buf[:300]))
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _exactly(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise IncompleteResponse("EOF inside body; have %d of %d bytes" % (len(self.buf), n))
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def wait_eof(self, timeout):
        """True if the peer closes (after any pending bytes) within timeout."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                pass
        except socket.timeout:
            return False
        return True

    def read(self, timeout=10.0, head_request=False):
        """One response, or None on a clean EOF before its first byte."""
        deadline = time.monotonic() + timeout
        while not self.buf:
            if not self._fill(deadline):
                return None
        head = self._until(b"\r\n\r\n", deadline).decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        assert parts[0].startswith("HTTP/1."), "bad status line %r" % lines[0]
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            if not line:
                continue
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        resp = Response(status, reason, headers, b"")
        if head_request or status in (204, 304) or 100 <= status < 200:
            return resp
        te = resp.header("transfer-encoding")
        cl = resp.header("content-length")
        if te and "chunked" in te.lower():
            body = b""
            while True:
                size_line = self._until(b"\r\n", deadline)
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers until an empty line
                    while self._until(b"\r\n", deadline) != b"\r\n":
                        pass
                    break
                body += self._exactly(size, deadline)
                assert self._exactly(2, deadline) == b"\r\n"
            resp.body = body
        elif cl is not None:
            resp.body = self._exactly(int(cl), deadline)
        else:  # delimited by close
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""
        return resp


def exchange(target, data, expect, timeout=10.0):
    """Send `data` in one write, then read up to `expect` responses.
    Returns (responses, reader); stops early at EOF or when `timeout`
    (for all of them) has passed."""
    s = connect(target)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the proxy may answer and close before reading everything
        reader = ResponseReader(s)
        out = []
        deadline = time.monotonic() + timeout
        for _ in range(expect):
            try:
                r = reader.read(timeout=max(0.01, deadline - time.monotonic()))
            except socket.timeout:
                break  # the caller compares what arrived with what it expected
            if r is None:
                break
            out.append(r)
        return out, reader
    finally:
        s.close()


def one(target, method, path, headers=None, body=None, timeout=10.0):
    rs, _ = exchange(target, request(method, path, headers, body), 1, timeout)
    assert rs, "no response to %s %s" % (method, path)
    return rs[0]


def assert_json_error(resp, status):
    assert resp.status == status, resp
    ctype = resp.header("content-type") or ""
    assert ctype.split(";")[0].strip().lower() == "application/json", resp
    doc = resp.json()
    assert isinstance(doc, dict) and isinstance(doc.get("message"), str) and doc["message"], resp
    return doc["message"]


# ---------------------------------------------------------------- streams


class LineReader:
    """Reads a file object's lines on a thread into a queue."""

    def __init__(self, fobj, name="stream"):
        self.q = queue.Queue()
        self.lines = []
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run, args=(fobj,), name=name, daemon=True)
        self.t.start()

    def _run(self, fobj):
        try:
            for line in iter(fobj.readline, ""):
                if isinstance(line, bytes):
                    line = line.decode("utf-8", "replace")
                line = line.rstrip("\r\n")
                self.lines.append(line)
                self.q.put(line)
        except (ValueError, OSError):
            pass
        finally:
            self.done.set()

    def wait_line(self, predicate, timeout, what="a matching line"):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("timed out after %.1fs waiting for %s; got %r"
                                     % (timeout, what, self.lines[-20:]))
            try:
                line = self.q.get(timeout=remaining)
            except queue.Empty:
                continue
            if predicate(line):
                return line


class ChunkLines:
    """Consumes an iterator of bytes chunks (docker-py streams) on a thread
    and splits them into lines."""

    def __init__(self, it, name="chunks"):
        self.q = queue.Queue()
        self.lines = []
        self.error = None
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run, args=(it,), name=name, daemon=True)
        self.t.start()

    def _run(self, it):
        pending = b""
        try:
            for chunk in it:
                if isinstance(chunk, str):
                    chunk = chunk.encode()
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    line = line.decode("utf-8", "replace")
                    self.lines.append(line)
                    self.q.put(line)
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.error = e
        finally:
            self.done.set()

    wait_line = LineReader.wait_line


class ItemReader:
    """Consumes an iterator of objects (e.g. decoded events) on a thread."""

    def __init__(self, it, name="items"):
        self.q = queue.Queue()
        self.items = []
        self.error = None
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run, args=(it,), name=name, daemon=True)
        self.t.start()

    def _run(self, it):
        try:
            for item in it:
                self.items.append(item)
                self.q.put(item)
        except Exception as e:  # noqa: BLE001
            self.error = e
        finally:
            self.done.set()

    def wait_item(self, predicate, timeout, what="a matching item"):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("timed out after %.1fs waiting for %s; got %r (error %r)"
                                     % (timeout, what, self.items[-10:], self.error))
            try:
                item = self.q.get(timeout=remaining)
            except queue.Empty:
                continue
            if predicate(item):
                return item


def line_numbers(lines, prefix="line "):
    out = []
    for line in lines:
        if line.startswith(prefix):
            try:
                out.append(int(line[len(prefix):]))
            except ValueError:
                pass
    return out


def file_tail(path, n=40):
    """The last n lines of a daemon's log file, for a failure message."""
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
    except OSError:
        return ""


def kill_proc(p, timeout=10):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=timeout)


# A shell loop that prints "line N" every 0.2 s, forever.
LOOP_CMD = ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"]
LOOP_SH = "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
