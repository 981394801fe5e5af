"""Helpers for the fault tests (test_faults.py) and the soak (scripts/soak.py):
a private dockerd that a test may stop and start again on the same socket,
and a sockwall process started by hand whose descriptors, CPU time and RSS
can be read from /proc.

No pytest here: scripts/soak.py uses these outside pytest.  Every process is
stopped by its own PID, never by name."""

import collections
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import helpers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOCKWALL_BIN = os.environ.get("SOCKWALL_BIN") or os.path.join(REPO, "build", "sockwall")
if not os.path.isabs(SOCKWALL_BIN):
    SOCKWALL_BIN = os.path.join(REPO, SOCKWALL_BIN)


class FaultError(Exception):
    pass


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def busybox_tar():
    import conftest  # noqa: PLC0415 - the suite's image builder; imports pytest
    return conftest._busybox_tar()  # noqa: SLF001


def umount_under(root):
    prefix = root.rstrip("/") + "/"
    points = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mp = line.split()[4]
                if mp.startswith(prefix):
                    points.append(mp)
    except OSError:
        return
    for mp in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


def ping_ok(target, timeout=2):
    try:
        r = helpers.one(target, "GET", "/_ping", timeout=timeout)
    except (OSError, AssertionError, helpers.IncompleteResponse):
        return False
    return r.status == 200


# ---------------------------------------------------------------- dockerd


class PrivateDockerd:
    """A dockerd of our own under a short /tmp directory.  stop() and start()
    may be called again and again: the socket path, data root and images stay.
    --shutdown-timeout=1 keeps a stop short even with containers running."""

    def __init__(self, prefix="swf."):
        self.tmp = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
        self.sock = os.path.join(self.tmp, "d.sock")
        self.host = "unix://" + self.sock
        self.pidfile = os.path.join(self.tmp, "d.pid")
        self.log_path = os.path.join(self.tmp, "dockerd.log")
        self.proc = None
        self.client = None
        self._log = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=60):
        dockerd = shutil.which("dockerd")
        if not dockerd:
            raise FaultError("dockerd is not installed (apt-get install docker.io)")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [dockerd, "--iptables=false", "--ip6tables=false", "--bridge=none",
             "--storage-driver=vfs", "--shutdown-timeout=1", "-H", self.host,
             "--data-root", os.path.join(self.tmp, "data"),
             "--exec-root", os.path.join(self.tmp, "e"),
             "--pidfile", self.pidfile],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while not ping_ok(self.sock):
            if self.proc.poll() is not None:
                raise FaultError("dockerd exited with %s:\n%s"
                                 % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                raise FaultError("dockerd did not answer /_ping within %ss:\n%s"
                                 % (timeout, self.log_tail()))
            time.sleep(0.05)
        if self.client is None:
            import docker  # noqa: PLC0415
            self.client = docker.DockerClient(base_url=self.host, timeout=60)
        return self

    def import_busybox(self, ref="bb:latest"):
        repo, tag = ref.split(":")
        self.client.api.import_image_from_data(busybox_tar(), repository=repo, tag=tag)
        self.client.images.get(ref)

    def log_tail(self, n=40):
        return helpers.file_tail(self.log_path, n)

    def _containerd_pid(self):
        try:
            with open(os.path.join(self.tmp, "e", "containerd", "containerd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout=30):
        """SIGTERM to our dockerd (by PID); waits for it to exit."""
        if self.proc is None:
            return
        containerd_pid = self._containerd_pid()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        # containerd is dockerd's child; it normally goes with it
        if containerd_pid and helpers.pid_alive(containerd_pid):
            deadline = time.monotonic() + 10
            while helpers.pid_alive(containerd_pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if helpers.pid_alive(containerd_pid):
                os.kill(containerd_pid, signal.SIGKILL)
        if self._log:
            self._log.close()
            self._log = None
        umount_under(os.path.join(self.tmp, "e"))

    def destroy(self):
        if self.client is not None:
            if self.running:
                try:
                    for c in self.client.containers.list(all=True):
                        c.remove(force=True)
                except Exception:  # noqa: BLE001 - best effort before stopping
                    pass
            self.client.close()
            self.client = None
        self.stop()
        umount_under(self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- sockwall


def _set_nofile(n):
    def pre():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    return pre


class Proxy:
    """build/sockwall started by hand: unix socket `unix` and TCP `tcp`
    (127.0.0.1:port), upstream `upstream`.  nofile: a descriptor limit
    (soft = hard) for the process."""

    _n = 0

    def __init__(self, upstream, env=None, tmp=None, nofile=None, binary=None,
                 max_lines=None):
        Proxy._n += 1
        self.tmp = tmp or tempfile.mkdtemp(prefix="swp.", dir="/tmp")
        self._own_tmp = tmp is None
        self.unix = os.path.join(self.tmp, "p%d.sock" % Proxy._n)
        self.port = free_port()
        self.tcp = "127.0.0.1:%d" % self.port
        self.host = "unix://" + self.unix
        self.upstream = upstream
        self.binary = binary or SOCKWALL_BIN
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "SOCKET_PATH": upstream,
            "SOCKWALL_LISTEN": "unix://%s,tcp://%s" % (self.unix, self.tcp),
        }
        # the ASan build: keep its reports on stderr, and abort on them
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update({k: str(v) for k, v in (env or {}).items()})
        self.nofile = nofile
        self.proc = None
        # every output line, or the last max_lines of them (a long soak)
        self.lines = collections.deque(maxlen=max_lines) if max_lines else []
        self.n_lines = 0
        self._readers = []

    @property
    def pid(self):
        return self.proc.pid

    def _reader(self, f):
        for raw in iter(f.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
            self.n_lines += 1
        f.close()

    def start(self, timeout=10):
        if not os.access(self.binary, os.X_OK):
            raise FaultError("%s is missing: run `make` first" % self.binary)
        self.proc = subprocess.Popen(
            [self.binary], env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_set_nofile(self.nofile) if self.nofile else None)
        t = threading.Thread(target=self._reader, args=(self.proc.stdout,), daemon=True)
        t.start()
        self._readers.append(t)
        deadline = time.monotonic() + timeout
        while not (helpers.can_connect(self.unix) and helpers.can_connect(self.tcp)):
            if self.proc.poll() is not None:
                t.join(1)
                raise FaultError("sockwall exited with %s before listening:\n%s"
                                 % (self.proc.returncode, self.log_text()))
            if time.monotonic() > deadline:
                raise FaultError("sockwall did not listen within %ss:\n%s"
                                 % (timeout, self.log_text()))
            time.sleep(0.02)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        return "\n".join(self.lines)

    def log_json(self):
        out = []
        for line in list(self.lines):
            if line.startswith("{"):
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, dict):
                    out.append(doc)
        return out

    # -- /proc
    def fds(self):
        """The proxy's open descriptors: {fd: link target}."""
        out = {}
        base = "/proc/%d/fd" % self.pid
        for name in os.listdir(base):
            try:
                out[int(name)] = os.readlink(os.path.join(base, name))
            except OSError:
                pass  # closed while we looked
        return out

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def cpu_ticks(self):
        """utime + stime in clock ticks."""
        with open("/proc/%d/stat" % self.pid) as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5)

    def rss_kb(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def wait_fds(self, want, timeout=10, what=None):
        """Poll until the descriptor count is `want`; returns it or raises,
        naming the descriptors left over."""
        deadline = time.monotonic() + timeout
        while True:
            n = self.fd_count()
            if n == want:
                return n
            if time.monotonic() >= deadline:
                raise AssertionError("%s: %d descriptors after %.0fs, expected %d: %r"
                                     % (what or "fd count", n, timeout, want, self.fds()))
            time.sleep(0.05)

    def settle_fds(self, timeout=5, quiet=0.3):
        """The descriptor count once it has stayed the same for `quiet` s."""
        deadline = time.monotonic() + timeout
        last, since = self.fd_count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            n = self.fd_count()
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return n
        return last

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM (by PID) and wait; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for t in self._readers:
            t.join(2)
        if self._own_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return self.proc.returncode


# ---------------------------------------------------------------- raw HTTP


def open_stream(target, method, path, headers=None, body=None, timeout=10):
    """Send one request and read its response head; returns
    (socket, ResponseReader, status, headers).  The body is left unread."""
    s = helpers.connect(target, timeout=timeout)
    try:
        s.sendall(helpers.request(method, path, headers, body))
    except (BrokenPipeError, ConnectionResetError):
        pass  # answered and closed before reading it all (503, 4xx): read that
    reader = helpers.ResponseReader(s)
    deadline = time.monotonic() + timeout
    head = reader._until(b"\r\n\r\n", deadline)  # noqa: SLF001
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        if line:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
    return s, reader, status, hdrs


def read_some(reader, n, timeout):
    """Read until the reader holds at least n body bytes (or EOF/deadline)."""
    deadline = time.monotonic() + timeout
    try:
        while len(reader.buf) < n:
            if not reader._fill(deadline):  # noqa: SLF001
                break
    except socket.timeout:
        pass
    return reader.buf


def wait_bytes(reader, needle, timeout):
    """Read until `needle` is among the bytes received; False at EOF or deadline."""
    deadline = time.monotonic() + timeout
    while needle not in reader.buf:
        if reader.eof or time.monotonic() >= deadline:
            return False
        read_some(reader, len(reader.buf) + 1, max(0.01, deadline - time.monotonic()))
    return True


def ended_cleanly_chunked(data):
    """True if a chunked body in `data` ends with its last-chunk."""
    return data.endswith(b"0\r\n\r\n")


def client_hello():
    """The bytes of a real TLS ClientHello (Python's ssl module, in memory)."""
    import ssl  # noqa: PLC0415
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="docker")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    data = out.read()
    assert data[:1] == b"\x16", data[:16]
    return data
