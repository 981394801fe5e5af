"""A private, rootful Podman API service for the integration tests.

Started the way conftest.py starts the private dockerd: its own storage
(--root), run state (--runroot), --tmpdir and containers.conf, all under one
short /tmp directory, `podman system service --time=0 unix://<tmp>/podman.sock`
as a child process, stopped by PID at teardown and its storage removed.  A
busybox image `bb:latest` (conftest's _busybox_tar) is imported into it.

API (kept stable: other test files import it)
---------------------------------------------
A test module imports the fixture by name (a helper module's fixtures are
not seen otherwise):

    from podman_helpers import podman  # noqa: F401  (the fixture)

`podman` (session scope; one service shared by every module that imports
it) yields a `Podman` with:

    .sock            path of the API socket (give it to the `sockwall`
                     fixture as `socket_path=podman.sock`)
    .host            "unix://" + .sock (DOCKER_HOST for the docker CLI)
    .client          docker.DockerClient straight to Podman (no sockwall)
    .tmp             the private directory (root/, run/, tmp/, net/, ...)
    .driver          storage driver, "vfs" (or "overlay", see below)
    .env             environment for podman commands (CONTAINERS_CONF=...)
    .argv            the podman CLI bound to the same storage, e.g.
                     podman.argv + ["ps", "-a"]; it does not go through the
                     API: it is how a test asks Podman itself what happened
    .cli(*args, input=None, timeout=60) -> CompletedProcess (text)
                     runs .argv + args
    .remote(url, *args, input=None, timeout=60) -> CompletedProcess (text)
                     runs `podman --remote --url URL args`, e.g.
                     podman.remote(sw.tcp_host, "ps") through sockwall
    .inspect(name) -> dict or None    `podman container inspect`, asked of
                     Podman directly (None: no such container)
    .container_ids() -> sorted list of every container's full ID
    .container_names() -> set of every container's name
    .remove_all_containers()
    .log_tail(n=40) -> str   the service's own output

Every container a test creates goes through Podman's containers.conf here:
    default_ulimits = nofile=1024:1024, nproc=4096:4096
        the limits rootful Podman asks for by default exceed the hard limits
        this machine grants (nofile 20000 here) and runc then fails with
        "error setting rlimit type 7 (NOFILE; 6, NPROC, once NOFILE is set):
        operation not permitted"; containers.conf sets them for every
        client, so API clients (docker CLI, docker-py, podman --remote)
        need no --ulimit.
    network_config_dir = <tmp>/net
        Podman's network definitions stay private.  A container created
        without a network gets Podman's "bridge" (netavark, or the CNI
        plugins, add a bridge and iptables rules on the host): tests pass `--network none` (or
        network_mode="none"), or `--network host`, as the private dockerd
        runs with --bridge=none.

`podman_overlay` (session scope) is the same on the overlay storage driver;
it skips, with Podman's own error text, where overlay cannot mount.

`BB` is "bb:latest"; `wait_state(pm, name, pred, timeout=30)` polls Podman's
own inspect until pred(State dict) holds, e.g.
    wait_state(podman, "c1", lambda st: st["Status"] == "exited")

`start_podman(driver="vfs")` returns a started Podman (the caller stops it
with .destroy()); it calls pytest.skip with Podman's error text when the
service or a first container cannot run, and pytest.fail when podman is not
installed (scripts/deps.sh installs it).
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import docker
import pytest

import helpers
from fault_helpers import busybox_tar, ping_ok, umount_under

BB = "bb:latest"


def _conf_text(tmp):
    return ("[containers]\n"
            "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n"
            "[network]\n"
            "network_config_dir = \"%s/net\"\n"
            "[engine]\n"
            "events_logger = \"file\"\n"
            "cgroup_manager = \"cgroupfs\"\n"
            "image_copy_tmp_dir = \"%s/tmp\"\n") % (tmp, tmp)


class PodmanCannotRun(Exception):
    """Podman's own words for why it cannot run here."""


class Podman:
    def __init__(self, driver="vfs"):
        self.driver = driver
        self.tmp = tempfile.mkdtemp(prefix="swpm.", dir="/tmp")
        self.sock = os.path.join(self.tmp, "podman.sock")
        self.host = "unix://" + self.sock
        self.log_path = os.path.join(self.tmp, "podman.log")
        for d in ("root", "run", "tmp", "net"):
            os.makedirs(os.path.join(self.tmp, d))
        conf = os.path.join(self.tmp, "containers.conf")
        with open(conf, "w") as f:
            f.write(_conf_text(self.tmp))
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("CONTAINER", "DOCKER_", "REGISTRY_AUTH"))}
        self.env["CONTAINERS_CONF"] = conf
        self.env["TMPDIR"] = os.path.join(self.tmp, "tmp")
        self.exe = shutil.which("podman")
        self.argv = [self.exe or "podman",
                     "--root", os.path.join(self.tmp, "root"),
                     "--runroot", os.path.join(self.tmp, "run"),
                     "--tmpdir", os.path.join(self.tmp, "tmp"),
                     "--storage-driver", driver,
                     "--cgroup-manager", "cgroupfs",
                     "--events-backend", "file"]
        self.proc = None
        self.log = None
        self.client = None

    # ------------------------------------------------------------ lifecycle

    def start(self, timeout=60):
        """Start the service and import bb:latest.  Raises PodmanCannotRun."""
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.argv + ["system", "service", "--time=0", self.host],
            env=self.env, cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not ping_ok(self.sock):
            if self.proc.poll() is not None:
                raise PodmanCannotRun("`podman system service` exited with %s:\n%s"
                                      % (self.proc.returncode, self.log_tail()))
            if time.monotonic() > deadline:
                raise PodmanCannotRun("`podman system service` did not answer /_ping "
                                      "within %ds:\n%s" % (timeout, self.log_tail()))
            time.sleep(0.1)
        self.client = docker.DockerClient(base_url=self.host, timeout=120)
        self.client.api.import_image_from_data(busybox_tar(), repository="bb", tag="latest")
        self.client.images.get(BB)
        # A first container, asked of Podman itself: storage that cannot mount
        # or a runtime that cannot start is Podman unable to run here.
        r = self.cli("run", "--rm", "--network", "none", BB, "true", timeout=120)
        if r.returncode != 0:
            raise PodmanCannotRun("`podman run --storage-driver %s` failed: %s"
                                  % (self.driver, (r.stderr or r.stdout).strip()))
        return self

    def log_tail(self, n=40):
        return helpers.file_tail(self.log_path, n)

    def stop(self):
        if self.client is not None:
            self.client.close()
            self.client = None
        # Containers (their conmon) outlive the service: remove them first,
        # asking Podman itself, while its storage is still there.
        if self.exe:
            self.cli("rm", "-f", "-a", "-t", "0", timeout=120)
            self.cli("pod", "rm", "-f", "-a", timeout=60)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.log is not None:
            self.log.close()
            self.log = None
        self._end_conmons()
        if self.exe:
            # Unmounts the storage driver's layers and removes Podman's state.
            self.cli("system", "reset", "--force", timeout=120)

    def _conmon_pids(self):
        """conmon processes of this Podman (their argv names our directory)."""
        mine = (self.tmp + "/").encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"conmon") and any(mine in a for a in argv):
                pids.append(int(d))
        return pids

    def _end_conmons(self):
        # An exec session's conmon waits 5 minutes (containers.conf
        # exit_command_delay, as dockerd keeps an exec's state) after the
        # exec ends: end ours, by PID, so no process outlives the storage.
        pids = self._conmon_pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(helpers.pid_alive(p) for p in pids):
            time.sleep(0.1)
        for pid in pids:
            if helpers.pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def destroy(self):
        try:
            self.stop()
        finally:
            umount_under(self.tmp)
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------ asking Podman

    def cli(self, *args, input=None, timeout=60):
        return subprocess.run(self.argv + [str(a) for a in args], env=self.env, cwd=self.tmp,
                              input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)

    def remote(self, url, *args, input=None, timeout=60):
        return subprocess.run([self.exe or "podman", "--remote", "--url", url]
                              + [str(a) for a in args], env=self.env, cwd=self.tmp,
                              input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)

    def inspect(self, name):
        r = self.cli("container", "inspect", name)
        if r.returncode != 0:
            return None
        doc = json.loads(r.stdout)
        return doc[0] if doc else None

    def _ps(self):
        r = self.cli("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}")
        assert r.returncode == 0, "podman ps failed: %s" % r.stderr
        return [line.split(None, 1) for line in r.stdout.splitlines() if line.strip()]

    def container_ids(self):
        return sorted(row[0] for row in self._ps())

    def container_names(self):
        return {row[1] for row in self._ps() if len(row) > 1}

    def remove_all_containers(self):
        r = self.cli("rm", "-f", "-a", "-t", "0", timeout=120)
        assert r.returncode == 0, "podman rm -fa failed: %s" % r.stderr


def start_podman(driver="vfs"):
    """A started Podman; skips with Podman's own words when it cannot run."""
    if not shutil.which("podman"):
        pytest.fail("podman is not installed (scripts/deps.sh installs it)")
    pm = Podman(driver)
    try:
        return pm.start()
    except PodmanCannotRun as e:
        pm.destroy()
        pytest.skip("Podman cannot run here (%s storage): %s" % (driver, e))
    except BaseException:
        pm.destroy()
        raise


# One service per driver for the whole session, however many modules import
# the fixtures (pytest makes one session fixture per importing module).
_shared = {}


def _session_podman(driver):
    entry = _shared.get(driver)
    if entry is None:
        entry = _shared[driver] = [start_podman(driver), 0]
    entry[1] += 1
    try:
        yield entry[0]
    finally:
        entry[1] -= 1
        if entry[1] == 0:
            del _shared[driver]
            entry[0].destroy()


@pytest.fixture(scope="session")
def podman():
    """A private rootful Podman API service on vfs storage (see the module doc)."""
    yield from _session_podman("vfs")


@pytest.fixture(scope="session")
def podman_overlay():
    """The same on overlay storage; skips with Podman's words where overlay cannot mount."""
    yield from _session_podman("overlay")


def wait_state(pm, name, pred, timeout=30, what="state"):
    """Poll Podman's own inspect until pred(State dict) holds."""
    def ok():
        doc = pm.inspect(name)
        return doc is not None and pred(doc.get("State") or {})
    return helpers.wait_for(ok, timeout, interval=0.1, what="%s of %s" % (what, name))
