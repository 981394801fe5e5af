"""sockwall in front of Podman: a private rootful Podman API service
(podman_helpers), build/sockwall in front of its socket, the docker CLI and
python3-docker as clients.

1. The docker CLI flows a user of Podman's Docker-compatible API runs: ps,
   run (create+start+wait), logs -f, exec -i, attach, events.
2. The default protections: a container binding Podman's socket (the one
   sockwall uses, rootful /run/podman, rootless /run/user/<uid>/podman) or the
   Docker socket is refused, and Podman, asked itself, holds no such container.
3. A sockwall container run by Podman protects itself: stop, exec and pause of
   it are refused, by name (docker-proxy) and by the ID sockwall finds in its
   own /proc/self/mountinfo (vfs, and overlay where it mounts), and Podman
   reports it still running and not paused.

Containers get `--network none` or `--network host`: without a network Podman
would give them its netavark bridge (host iptables rules); the private dockerd
runs with --bridge=none for the same reason."""

import io
import os
import subprocess
import tarfile
import uuid

import docker
import pytest

import helpers
from conftest import REPO
from fault_helpers import free_port
from podman_helpers import BB, podman, podman_overlay, wait_state  # noqa: F401 - fixtures
from protect_helpers import assert_cli_ok, assert_cli_refused, uniq

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1"}
PROXY_MSG = "proxy's own container"


@pytest.fixture(autouse=True)
def _clean_podman(podman):
    yield
    podman.remove_all_containers()


@pytest.fixture
def open_sw(sockwall, podman):
    """sockwall in front of Podman with containers, images and POST open."""
    return sockwall(OPEN, socket_path=podman.sock)


def _run_direct(pm, *args):
    """A container made by Podman itself (not through sockwall); returns its ID."""
    r = pm.cli("run", "-d", "--network", "none", *args)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


# ================================================================ 1. client flows


def test_docker_ps_lists_podmans_containers(open_sw, docker_cli, podman):
    name = uniq("ps")
    cid = _run_direct(podman, "--name", name, BB, "sleep", "600")
    out = assert_cli_ok(docker_cli(open_sw.host, "ps", "--no-trunc"))
    assert cid in out and name in out, out
    # docker-py through the TCP listener sees the same container
    cl = open_sw.client(tcp=True)
    assert name in [c.name for c in cl.containers.list()]


def test_docker_run_creates_starts_and_waits(open_sw, docker_cli, podman):
    name = uniq("run")
    r = docker_cli(open_sw.host, "run", "--network", "none", "--name", name, BB,
                   "sh", "-c", "echo hello from podman; exit 3")
    assert r.returncode == 3, r.stderr
    assert "hello from podman" in r.stdout
    # Podman itself: the container ran and exited with that code
    state = podman.inspect(name)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 3, state


def test_docker_py_run(open_sw, podman):
    """create, start and logs with docker-py. Not containers.run(): its
    wait has no timeout, and Podman 4.3's compat wait once never answered
    for a container that had already exited (CI, ASan run), which hung the
    suite; the CLI test above covers wait."""
    cl = open_sw.client()
    name = uniq("py")
    c = cl.containers.create(BB, ["echo", "py"], network_mode="none", name=name)
    c.start()
    wait_state(podman, name, lambda s: s.get("Running") is False and s.get("ExitCode") == 0,
               what="exited")
    assert c.logs() == b"py\n"


def test_docker_logs_follow_ends_with_the_container(open_sw, docker_popen, podman):
    name = uniq("logs")
    # The container prints one line, then waits for /tmp/go before the rest:
    # the follow is open, live, when the rest is written.
    _run_direct(podman, "--name", name, BB, "sh", "-c",
                "echo line 1; while [ ! -e /tmp/go ]; do sleep 0.1; done; "
                "for i in 2 3 4 5; do echo line $i; done")
    p = docker_popen(open_sw.host, "logs", "-f", name)
    lines = helpers.LineReader(p.stdout, "logs")
    lines.wait_line(lambda s: s == "line 1", 30, what="the first line, followed")
    assert p.poll() is None, "logs -f ended while the container runs"
    r = podman.cli("exec", name, "touch", "/tmp/go")
    assert r.returncode == 0, r.stderr
    # `logs -f` returns by itself once the container ends (the 60 s bound a
    # hang; it is no timing assertion)
    assert p.wait(timeout=60) == 0, p.stderr.read()
    lines.done.wait(10)
    assert lines.lines == ["line %d" % i for i in range(1, 6)], lines.lines
    assert podman.inspect(name)["State"]["Status"] == "exited"


def test_docker_exec_with_stdin(sockwall, docker_cli, podman):
    name = uniq("exec")
    _run_direct(podman, "--name", name, BB, "sleep", "600")
    sw = sockwall(dict(OPEN, EXEC="1"), socket_path=podman.sock)
    r = docker_cli(sw.host, "exec", "-i", name, "sh", "-c", "tr a-z A-Z; echo done",
                   input="hello podman\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "HELLO PODMAN\ndone\n", r.stdout


def test_docker_exec_is_refused_without_exec(open_sw, docker_cli, podman):
    name = uniq("noexec")
    _run_direct(podman, "--name", name, BB, "sleep", "600")
    r = docker_cli(open_sw.host, "exec", name, "touch", "/tmp/pwned")
    assert_cli_refused(r, "EXEC=1")
    # Podman: nothing ran in it
    assert podman.cli("exec", name, "test", "-e", "/tmp/pwned").returncode == 1


def test_docker_attach(open_sw, docker_cli, podman):
    name = uniq("attach")
    _run_direct(podman, "-i", "--name", name, BB, "sh", "-c", "read x; echo got $x")
    r = docker_cli(open_sw.host, "attach", name, input="podman\n", timeout=60)
    assert r.returncode == 0, r.stderr
    assert "got podman" in r.stdout, (r.stdout, r.stderr)
    state = podman.inspect(name)["State"]
    assert state["Status"] == "exited" and state["ExitCode"] == 0, state


def test_docker_events_sees_an_event(sockwall, docker_popen, podman):
    sw = sockwall(dict(OPEN, EVENTS="1"), socket_path=podman.sock)
    label = "sw-events=" + uuid.uuid4().hex[:10]
    p = docker_popen(sw.host, "events", "--filter", "label=" + label,
                     "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
    lines = helpers.LineReader(p.stdout, "events")
    # Nothing tells the test when Podman has begun streaming (sockwall logs a
    # request once it ends): start labelled containers until one is seen.
    names = []

    def seen():
        name = uniq("ev")
        names.append(name)
        _run_direct(podman, "--label", label, "--name", name, BB, "true")
        try:
            return lines.wait_line(lambda s: s.startswith("container ") and
                                   s.split()[-1] in names, 2, what="an event")
        except AssertionError:
            return None
    line = helpers.wait_for(seen, 60, interval=0, what="an event through sockwall")
    assert p.poll() is None, p.stderr.read()
    assert line.split()[1] in ("create", "init", "start", "died", "cleanup", "remove"), line


# ================================================================ 2. default protections

EXPOSES = "exposes the Docker socket or /proc"
ROOT_EQ = "is root-equivalent (%s)"
ROOTLESS = ROOT_EQ % "rootless Podman's API socket"
# (host path, what sockwall's refusal says of it); "@sock" is the socket
# sockwall itself talks to, "@dir" the directory that holds it.
DANGEROUS = {
    "podman-socket-used": ("@sock", EXPOSES),
    "podman-socket-used-dir": ("@dir", EXPOSES),
    "run-podman": ("/run/podman", ROOT_EQ % "Podman's API socket"),
    "run-podman-socket": ("/run/podman/podman.sock", ROOT_EQ % "Podman's API socket"),
    "var-run-podman": ("/var/run/podman", ROOT_EQ % "Podman's API socket"),
    "rootless-socket": ("/run/user/1000/podman/podman.sock", ROOTLESS),
    "rootless-dir": ("/run/user/1000/podman", ROOTLESS),
    "docker-socket": ("/var/run/docker.sock", EXPOSES),
    "run-docker-socket": ("/run/docker.sock", EXPOSES),
}


def _host_path(pm, src):
    return {"@sock": pm.sock, "@dir": os.path.dirname(pm.sock)}.get(src, src)


@pytest.fixture
def host_paths_kept():
    """Had a refusal failed (or SOCKWALL_IT_PASSTHROUGH=1), Podman would have
    made a missing bind source, and its parents, as empty directories on the
    host: take back every one that was absent before the test."""
    absent = set()
    for src, _ in DANGEROUS.values():
        while src and src != "/":
            if not os.path.lexists(src):
                absent.add(src)
            src = os.path.dirname(src)
    yield
    for path in sorted(absent, key=len, reverse=True):
        if os.path.isdir(path) and not os.path.islink(path):
            try:
                os.rmdir(path)
            except OSError:
                pass


def _assert_no_container(pm, name, what):
    assert name not in pm.container_names(), "Podman holds %s after %s" % (name, what)


@pytest.mark.parametrize("case", list(DANGEROUS), ids=list(DANGEROUS))
def test_cli_create_binding_a_socket_is_refused(open_sw, docker_cli, podman, case,
                                                 host_paths_kept):
    src, why = DANGEROUS[case]
    src = _host_path(podman, src)
    name = uniq("bind")
    for args in (["-v", "%s:/s" % src],
                 ["--mount", "type=bind,source=%s,target=/s" % src]):
        r = docker_cli(open_sw.host, "create", "--network", "none", "--name", name, *args,
                       BB, "true")
        assert_cli_refused(r, "host path %s " % src, why, "DKRPRX__VOLUMES__ALLOWED_PATHS")
        _assert_no_container(podman, name, "docker create %s" % " ".join(args))


@pytest.mark.parametrize("case", list(DANGEROUS), ids=list(DANGEROUS))
def test_docker_py_create_binding_a_socket_is_refused(open_sw, podman, case,
                                                       host_paths_kept):
    src, why = DANGEROUS[case]
    src = _host_path(podman, src)
    name = uniq("pybind")
    cl = open_sw.client()
    with pytest.raises(docker.errors.APIError) as e:
        cl.containers.create(BB, ["true"], name=name, network_mode="none",
                             volumes={src: {"bind": "/s", "mode": "ro"}})
    assert e.value.status_code == 403, e.value
    msg = str(e.value.explanation)
    assert msg.startswith("sockwall: host path %s " % src) and why in msg, msg
    _assert_no_container(podman, name, "docker-py create binding " + src)


def test_control_a_benign_bind_is_created(open_sw, docker_cli, podman, tmp_path):
    """Control: the same create with a harmless host directory goes through,
    so the refusals above are the socket's, not the shape's."""
    name = uniq("benign")
    r = docker_cli(open_sw.host, "create", "--network", "none", "--name", name,
                   "-v", "%s:/s" % tmp_path, BB, "true")
    assert_cli_ok(r)
    assert name in podman.container_names()


# ================================================================ 3. a sockwall container run by Podman

# The image is the static binary alone (Dockerfile.scratch): under
# SOCKWALL_BIN=build/sockwall-asan (glibc, dynamic) the container still runs
# the static release build.
STATIC_BIN = REPO / "build" / "sockwall"


def _sockwall_rootfs():
    out = subprocess.run(["file", "-L", str(STATIC_BIN)], stdout=subprocess.PIPE, text=True)
    if "statically linked" not in out.stdout and "static-pie" not in out.stdout:
        pytest.fail("%s is not a static binary (%s): run `make`"
                    % (STATIC_BIN, out.stdout.strip()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        # Mount points runc would make anyway; no /etc: sockwall needs none.
        for d in ("proc", "sys", "dev", "etc", "run", "tmp"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            tar.addfile(ti)
        tar.add(str(STATIC_BIN), arcname="sockwall")
    return buf.getvalue()


def _import_sockwall_image(pm):
    tag = "localhost/sockwall-it:latest"
    p = subprocess.run(pm.argv + ["import", "--change", 'ENTRYPOINT ["/sockwall"]', "-", tag],
                       env=pm.env, cwd=pm.tmp, input=_sockwall_rootfs(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert p.returncode == 0, p.stderr
    return tag


def _start_proxy_container(pm, name):
    """sockwall in a Podman container, started by Podman itself (as a user
    would), Podman's socket bound in, listening on a TCP port of the host."""
    image = _import_sockwall_image(pm)
    port = free_port()
    r = pm.cli("run", "-d", "--network", "host", "--name", name,
               "-v", "%s:/var/run/docker.sock" % pm.sock,
               "-e", "SOCKWALL_LISTEN=tcp://127.0.0.1:%d" % port,
               "-e", "CONTAINERS=1", "-e", "POST=1", "-e", "EXEC=1",
               image)
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip().splitlines()[-1]
    assert pm.inspect(cid)["Driver"] == pm.driver

    def listening():
        if not pm.inspect(cid)["State"]["Running"]:
            raise AssertionError("the sockwall container stopped:\n%s"
                                 % pm.cli("logs", cid).stderr)
        return helpers.can_connect("127.0.0.1:%d" % port)
    helpers.wait_for(listening, 20, what="sockwall listening in its Podman container")
    return cid, "tcp://127.0.0.1:%d" % port


def _state(pm, cid):
    st = pm.inspect(cid)["State"]
    return st["Status"], st["Running"], st["Paused"], st["Pid"]


def _assert_self_protected(pm, docker_cli, cid, host, refs):
    """stop, exec and pause of the proxy's own container are refused by the
    sockwall inside it; Podman reports it still running and not paused."""
    before = _state(pm, cid)
    assert before[0] == "running" and before[1] and not before[2], before
    for ref in refs:
        for args in (["stop", "-t", "1", ref], ["exec", ref, "/sockwall", "--version"],
                     ["pause", ref]):
            r = docker_cli(host, *args, timeout=30)
            assert_cli_refused(r, PROXY_MSG, ref[:60])
            assert _state(pm, cid) == before, (args, _state(pm, cid))
    # Control: the same sockwall does stop, exec in and pause another container
    other = _run_direct(pm, "--name", uniq("other"), BB, "sleep", "600")
    assert_cli_ok(docker_cli(host, "exec", other, "true", timeout=30))
    assert_cli_ok(docker_cli(host, "pause", other, timeout=30))
    assert pm.inspect(other)["State"]["Paused"] is True
    assert_cli_ok(docker_cli(host, "unpause", other, timeout=30))
    assert_cli_ok(docker_cli(host, "stop", "-t", "1", other, timeout=30))
    assert pm.inspect(other)["State"]["Running"] is False
    assert _state(pm, cid) == before


def test_proxy_container_by_name(podman, docker_cli):
    cid, host = _start_proxy_container(podman, "docker-proxy")
    _assert_self_protected(podman, docker_cli, cid, host, ["docker-proxy", cid[:12], cid])


def _by_id(pm, docker_cli):
    name = "sockwall-%s" % uuid.uuid4().hex[:8]
    cid, host = _start_proxy_container(pm, name)
    # Only the ID sockwall read from its own /proc/self/mountinfo can tell it
    # this container is its own: its name is not PROXY_CONTAINER_NAME.  It
    # says at start-up which container it found.
    logs = pm.cli("logs", cid)
    assert "running in container %s" % cid[:12] in logs.stdout + logs.stderr, logs
    _assert_self_protected(pm, docker_cli, cid, host, [name, cid[:12], cid])


def test_proxy_container_by_id_vfs(podman, docker_cli):
    assert podman.driver == "vfs"
    _by_id(podman, docker_cli)


def test_proxy_container_by_id_overlay(podman_overlay, docker_cli):
    try:
        _by_id(podman_overlay, docker_cli)
    finally:
        podman_overlay.remove_all_containers()
