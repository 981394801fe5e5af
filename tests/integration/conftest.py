"""Fixtures for sockwall's integration tests.

A private dockerd (its own socket, data root and exec root under a short
/tmp directory) is started once per session with a busybox image `bb:latest`
imported from /bin/busybox.  The `sockwall` factory starts build/sockwall in
front of it with the environment a test asks for, listening on a unix socket
and on a TCP port of 127.0.0.1.

Harness check only: SOCKWALL_IT_PASSTHROUGH=1 puts a plain socat
pass-through where sockwall would be (every allowed path must then pass,
every "denied" assertion fails).
"""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path

import docker
import pytest

import helpers
from fault_helpers import ping_ok, umount_under

REPO = Path(__file__).resolve().parents[2]
# make test runs the suite twice: against the release binary, and against
# an ASan+UBSan build (SOCKWALL_BIN=build/sockwall-asan).
SOCKWALL_BIN = Path(os.environ.get("SOCKWALL_BIN") or REPO / "build" / "sockwall")
PASSTHROUGH = os.environ.get("SOCKWALL_IT_PASSTHROUGH") == "1"
# SOCKWALL_IT_LOOP=poll: every proxy the tests start runs the poll(2) backend
# (make test runs a subset so), and start() checks that it really does.
IT_LOOP = os.environ.get("SOCKWALL_IT_LOOP", "")

BUSYBOX_APPLETS = [
    "sh", "echo", "cat", "sleep", "seq", "ls", "true", "false", "head", "tail",
    "wc", "sed", "printf", "env", "id", "date", "grep", "tr", "yes", "dd", "kill",
    "ps", "mkdir", "rm", "touch", "test", "[",
]


def pytest_configure(config):
    # python3-docker 5 compares versions with distutils
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:docker.*")


def _busybox_tar():
    bb = shutil.which("busybox") or "/bin/busybox"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o1777 if d == "tmp" else 0o755
            tar.addfile(ti)
        tar.add(bb, arcname="bin/busybox")
        for applet in BUSYBOX_APPLETS:
            ti = tarfile.TarInfo("bin/" + applet)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "busybox"
            tar.addfile(ti)
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
                           ("etc/group", "root:x:0:\n")):
            data = text.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


class Dockerd:
    def __init__(self, tmp):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "docker.sock")
        self.host = "unix://" + self.sock
        self.pidfile = os.path.join(tmp, "docker.pid")
        self.log_path = os.path.join(tmp, "dockerd.log")
        self.config_dir = os.path.join(tmp, "cfg")
        os.makedirs(self.config_dir)
        self.proc = None
        self.client = None
        self._n = 0

    def next_n(self):
        self._n += 1
        return self._n

    def start(self):
        dockerd = shutil.which("dockerd")
        if not dockerd:
            pytest.fail("dockerd is not installed (apt-get install docker.io)")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [dockerd, "--iptables=false", "--ip6tables=false", "--bridge=none",
             # Networks created by the tests need subnets: dockerd's default
             # pools can overlap the host's own and run out after a few.
             "--default-address-pool", "base=10.213.0.0/16,size=24",
             "--storage-driver=vfs", "-H", self.host,
             "--data-root", os.path.join(self.tmp, "data"),
             "--exec-root", os.path.join(self.tmp, "e"),
             "--pidfile", self.pidfile],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while not ping_ok(self.sock):
            if self.proc.poll() is not None:
                pytest.fail("dockerd exited with %s:\n%s" % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                pytest.fail("dockerd did not answer /_ping within 60s:\n" + self.log_tail())
            time.sleep(0.1)
        self.client = docker.DockerClient(base_url=self.host, timeout=60)
        self.client.api.import_image_from_data(_busybox_tar(), repository="bb", tag="latest")
        self.client.images.get("bb:latest")

    def log_tail(self, n=40):
        return helpers.file_tail(self.log_path, n)

    def container_ids(self):
        return sorted(c.id for c in self.client.containers.list(all=True))

    def remove_all_containers(self):
        for c in self.client.containers.list(all=True):
            try:
                c.remove(force=True)
            except docker.errors.NotFound:
                pass

    def stop(self):
        if self.client is not None:
            try:
                self.remove_all_containers()
                # A user network is a bridge in the host's namespace that
                # outlives a stopped dockerd: remove them while it can.
                self.client.networks.prune()
            except Exception:  # noqa: BLE001 - best effort before stopping
                pass
            self.client.close()
        containerd_pid = None
        try:
            with open(os.path.join(self.tmp, "e", "containerd", "containerd.pid")) as f:
                containerd_pid = int(f.read().strip())
        except (OSError, ValueError):
            pass
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                if containerd_pid and helpers.pid_alive(containerd_pid):
                    os.kill(containerd_pid, signal.SIGKILL)
        if self.proc is not None:
            self.log.close()
        umount_under(self.tmp)


@pytest.fixture(scope="session")
def dockerd():
    tmp = tempfile.mkdtemp(prefix="swit.", dir="/tmp")
    d = Dockerd(tmp)
    try:
        d.start()
        yield d
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def direct(dockerd):
    """docker-py client talking to the test dockerd directly (no sockwall)."""
    return dockerd.client


@pytest.fixture(autouse=True)
def _clean_containers(dockerd):
    yield
    dockerd.remove_all_containers()


# ---------------------------------------------------------------- sockwall


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sockwall:
    def __init__(self, dockerd, env, socket_path=None):
        n = dockerd.next_n()
        self.unix = os.path.join(dockerd.tmp, "sw-%d.sock" % n)
        self.port = _free_port()
        self.tcp = "127.0.0.1:%d" % self.port
        self.host = "unix://" + self.unix
        self.tcp_host = "tcp://" + self.tcp
        self.upstream = socket_path or dockerd.sock
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "SOCKET_PATH": self.upstream,
            "SOCKWALL_LISTEN": "unix://%s,tcp://%s" % (self.unix, self.tcp),
        }
        if IT_LOOP:
            self.env["SOCKWALL_LOOP"] = IT_LOOP
        self.env.update({k: str(v) for k, v in (env or {}).items()})
        self.stderr_lines = []
        self.stdout_lines = []
        self.procs = []
        self.proc = None

    def _reader(self, f, sink):
        for raw in iter(f.readline, b""):
            sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
        f.close()

    def _spawn(self, argv):
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        for f, sink in ((p.stdout, self.stdout_lines), (p.stderr, self.stderr_lines)):
            threading.Thread(target=self._reader, args=(f, sink), daemon=True).start()
        self.procs.append(p)
        return p

    def start(self):
        if PASSTHROUGH:
            up = "UNIX-CONNECT:" + self.upstream
            self.proc = self._spawn(["socat", "UNIX-LISTEN:%s,fork" % self.unix, up])
            self._spawn(["socat", "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork" % self.port, up])
        else:
            if not os.access(SOCKWALL_BIN, os.X_OK):
                pytest.fail("%s is missing: run `make` first" % SOCKWALL_BIN)
            self.proc = self._spawn([str(SOCKWALL_BIN)])
        deadline = time.monotonic() + 10
        while not (helpers.can_connect(self.unix) and helpers.can_connect(self.tcp)):
            for p in self.procs:
                if p.poll() is not None:
                    time.sleep(0.1)  # let the reader threads catch the last words
                    pytest.fail("sockwall exited with %s before listening:\n%s"
                                % (p.returncode, self.log_text()))
            if time.monotonic() > deadline:
                pytest.fail("sockwall did not listen on %s and %s within 10s:\n%s"
                            % (self.unix, self.tcp, self.log_text()))
            time.sleep(0.02)
        if self.proc is not None and not PASSTHROUGH:
            self._check_loop_backend()
        return self

    def _check_loop_backend(self):
        """epoll shows as an anon inode among the proxy's descriptors."""
        fds = "/proc/%d/fd" % self.proc.pid
        links = []
        for name in os.listdir(fds):
            try:
                links.append(os.readlink(os.path.join(fds, name)))
            except OSError:
                pass
        uses_epoll = "anon_inode:[eventpoll]" in links
        want_poll = self.env.get("SOCKWALL_LOOP") == "poll"
        assert uses_epoll != want_poll, \
            "SOCKWALL_LOOP=%r but the proxy %s epoll" % (
                self.env.get("SOCKWALL_LOOP"), "uses" if uses_epoll else "does not use")

    def log_text(self):
        return "\n".join(self.stderr_lines + self.stdout_lines)

    def log_json(self):
        """Every stderr line that is a JSON object."""
        out = []
        for line in list(self.stderr_lines):
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict):
                out.append(doc)
        return out

    def request_logs(self):
        return [d for d in self.log_json()
                if "decision" in d and d.get("method") not in (None, "", "-")]

    def client(self, tcp=False, **kw):
        kw.setdefault("timeout", 60)
        return docker.DockerClient(base_url=self.tcp_host if tcp else self.host, **kw)

    def healthcheck(self, timeout=15):
        return subprocess.run([str(SOCKWALL_BIN), "--healthcheck"], env=self.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        for path in (self.unix,):
            try:
                os.unlink(path)
            except OSError:
                pass


@pytest.fixture
def sockwall(dockerd):
    """Factory: sockwall(env_dict, socket_path=None) -> a running Sockwall."""
    started = []

    def start(env=None, socket_path=None):
        sw = Sockwall(dockerd, env, socket_path)
        started.append(sw)
        return sw.start()

    yield start
    for sw in started:
        sw.stop()
        if sw.log_text():
            print("---- sockwall %s log ----\n%s" % (sw.unix, sw.log_text()[-8000:]))


# ---------------------------------------------------------------- docker CLI


@pytest.fixture(scope="session")
def docker_env(dockerd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    env["DOCKER_CONFIG"] = dockerd.config_dir
    env["DOCKER_CLI_HINTS"] = "false"
    return env


@pytest.fixture(scope="session")
def docker_cli(docker_env):
    """docker_cli(host, *args, input=None, timeout=60, env=None) -> CompletedProcess (text)."""
    exe = shutil.which("docker")
    if not exe:
        pytest.fail("the docker CLI is not installed")

    def run(host, *args, input=None, timeout=60, env=None):
        e = dict(docker_env, DOCKER_HOST=host, **(env or {}))
        return subprocess.run([exe, *args], input=input, env=e, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout,
                              text=isinstance(input, str) or input is None)
    return run


@pytest.fixture
def docker_popen(docker_env):
    """docker_popen(host, *args, stdin=DEVNULL) -> Popen with text stdout/stderr pipes;
    killed at teardown."""
    exe = shutil.which("docker")
    procs = []

    def start(host, *args, stdin=subprocess.DEVNULL):
        p = subprocess.Popen([exe, *args], env=dict(docker_env, DOCKER_HOST=host),
                             stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, bufsize=1)
        procs.append(p)
        return p

    yield start
    for p in procs:
        helpers.kill_proc(p)
        for f in (p.stdout, p.stderr, p.stdin):
            if f:
                try:
                    f.close()
                except OSError:
                    pass


@pytest.fixture
def looper(direct):
    """A running container that prints 'line N' every 0.2 s (created directly)."""
    c = direct.containers.run("bb:latest", helpers.LOOP_CMD, detach=True)
    return c
