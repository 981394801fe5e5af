"""Podman's own API (libpod) through sockwall, with linuxserver's LIBPOD_*
settings, driven by the real `podman --remote` client against a private
rootful Podman (podman_helpers); what happened is asked of Podman itself.

1. What `podman --remote` sends: /v<its version>/libpod/... (sockwall logs
   each request) and reads work with LIBPOD_CONTAINERS/INFO/IMAGES: ps, info,
   images, logs.
2. start and stop: with LIBPOD_ALLOW_START/STOP alone, with
   LIBPOD_CONTAINERS=1 POST=1, and refused (Podman's state unchanged) when
   neither is set; stop, pause and kill of the proxy's own container refused.
3. Routes sockwall does not read are refused whatever is set, the message
   naming the Docker route sockwall judges: libpod create, play kube, pod
   create; Podman shows no new container or pod.
4. Pod stop/pause/kill of the pod that holds the proxy's own container is
   refused (sockwall asks libpod which pod that is), and it keeps running;
   another pod stops with LIBPOD_ALLOW_POD_STOP.
5. A three-part API version (/v1.41.0/...) against dockerd, as dockerd reads it.

Containers get `--network none`: without one Podman would give them its
netavark bridge (host iptables rules)."""

import json
import os
import re
import subprocess

import pytest

import helpers
from fault_helpers import busybox_tar
from podman_helpers import BB, podman, wait_state  # noqa: F401 - fixtures
from protect_helpers import uniq

READS = {"LIBPOD_CONTAINERS": "1", "LIBPOD_INFO": "1", "LIBPOD_IMAGES": "1"}
# Every libpod section and write switch open: what stays refused is refused
# because sockwall does not read it, not for want of a setting.
ALL_OPEN = dict(READS, LIBPOD_PLAY="1", LIBPOD_PODS="1", LIBPOD_VOLUMES="1",
                LIBPOD_NETWORKS="1", LIBPOD_EXEC="1", LIBPOD_SECRETS="1",
                LIBPOD_EVENTS="1", LIBPOD_SYSTEM="1", LIBPOD_GENERATE="1",
                CONTAINERS="1", IMAGES="1", POST="1", EXEC="1")


@pytest.fixture(autouse=True)
def _clean_podman(podman):
    yield
    podman.remove_all_containers()
    podman.cli("pod", "rm", "-f", "-a", timeout=60)


def _create(pm, name, *cmd):
    """A container made by Podman itself (not through sockwall)."""
    r = pm.cli("create", "--name", name, "--network", "none", BB, *(cmd or ("sleep", "300")))
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def _state(pm, name):
    doc = pm.inspect(name)
    assert doc is not None, "Podman has no container %s" % name
    return doc["State"]


def _refused(r, *words):
    out = r.stderr + r.stdout
    assert r.returncode != 0, "went through: %s" % out
    assert "sockwall" in out, out
    for w in words:
        assert w in out, "refusal lacks %r: %s" % (w, out)


def _libpod_paths(sw):
    return [d.get("path", "") for d in sw.request_logs() if "/libpod/" in d.get("path", "")]


# ================================================================ 1. reads


def test_remote_client_sends_versioned_libpod_paths_and_reads_work(sockwall, podman):
    name = uniq("lp-read")
    _create(podman, name, "echo", "hello-from-libpod")
    assert podman.cli("start", "--attach", name).returncode == 0
    sw = sockwall(READS, socket_path=podman.sock)

    r = podman.remote(sw.tcp_host, "ps", "-a", "--format", "{{.Names}}")
    assert r.returncode == 0, r.stderr
    assert name in r.stdout.split()

    r = podman.remote(sw.tcp_host, "info", "--format", "{{.Store.GraphDriverName}}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == podman.driver

    r = podman.remote(sw.tcp_host, "images", "--format", "{{.Repository}}:{{.Tag}}")
    assert r.returncode == 0, r.stderr
    assert "localhost/bb:latest" in r.stdout.split() or "bb:latest" in r.stdout, r.stdout

    r = podman.remote(sw.tcp_host, "logs", name)
    assert r.returncode == 0, r.stderr
    assert "hello-from-libpod" in r.stdout + r.stderr

    # What the client really sent: "/v<Podman's API version>/libpod/...",
    # a three-part version that sockwall accepts and strips.
    paths = _libpod_paths(sw)
    assert paths, sw.log_text()
    versioned = [p for p in paths if re.match(r"^/v\d+\.\d+\.\d+/libpod/", p)]
    assert versioned, paths
    assert any(p.split("?")[0].endswith("/libpod/containers/json") for p in versioned), paths
    assert all(d["decision"] == "allow" for d in sw.request_logs()), sw.request_logs()


def test_reads_closed_without_their_section(sockwall, podman):
    sw = sockwall({"LIBPOD_CONTAINERS": "1"}, socket_path=podman.sock)
    r = podman.remote(sw.tcp_host, "info")
    _refused(r, "LIBPOD_INFO=1")
    r = podman.remote(sw.tcp_host, "images")
    _refused(r, "LIBPOD_IMAGES=1")
    # ...while the Docker-side sections open no libpod route
    sw2 = sockwall({"CONTAINERS": "1", "INFO": "1"}, socket_path=podman.sock)
    _refused(podman.remote(sw2.tcp_host, "ps"), "LIBPOD_CONTAINERS=1")


def test_allow_logs_0_closes_libpod_logs(sockwall, podman):
    name = uniq("lp-logs")
    _create(podman, name, "echo", "secret-output")
    assert podman.cli("start", "--attach", name).returncode == 0
    sw = sockwall(dict(READS, ALLOW_LOGS="0"), socket_path=podman.sock)
    r = podman.remote(sw.tcp_host, "logs", name)
    # podman's client reads any answer to /logs as a log stream, so it shows
    # no message of its own; sockwall's log and a plain request do.
    assert r.returncode != 0 and "secret-output" not in r.stdout + r.stderr, r
    denied = [d for d in sw.request_logs() if d["decision"] == "deny"]
    assert [d["reason"] for d in denied] == ["ALLOW_LOGS"], denied
    assert "/libpod/containers/%s/logs" % name in denied[0]["path"]
    resp = helpers.one(sw.unix, "GET", "/v4.3.1/libpod/containers/%s/logs?stdout=true" % name)
    assert "set ALLOW_LOGS=1" in helpers.assert_json_error(resp, 403)


# ================================================================ 2. start and stop


@pytest.mark.parametrize("env", [
    {"LIBPOD_CONTAINERS": "1", "LIBPOD_ALLOW_START": "1", "LIBPOD_ALLOW_STOP": "1"},
    {"LIBPOD_CONTAINERS": "1", "POST": "1"},
], ids=["LIBPOD_ALLOW_START+STOP", "POST=1"])
def test_remote_start_and_stop(sockwall, podman, env):
    name = uniq("lp-ss")
    _create(podman, name)
    sw = sockwall(env, socket_path=podman.sock)

    r = podman.remote(sw.tcp_host, "start", name)
    assert r.returncode == 0, r.stderr + sw.log_text()[-2000:]
    wait_state(podman, name, lambda s: s.get("Running") is True, what="running")

    r = podman.remote(sw.tcp_host, "stop", "-t", "1", name)
    assert r.returncode == 0, r.stderr + sw.log_text()[-2000:]
    wait_state(podman, name, lambda s: s.get("Running") is False, what="stopped")


def test_remote_start_and_stop_refused_without_a_switch(sockwall, podman):
    name = uniq("lp-no")
    _create(podman, name)
    sw = sockwall({"LIBPOD_CONTAINERS": "1"}, socket_path=podman.sock)

    _refused(podman.remote(sw.tcp_host, "start", name), "LIBPOD_ALLOW_START=1")
    assert _state(podman, name)["Running"] is False

    assert podman.cli("start", name).returncode == 0
    wait_state(podman, name, lambda s: s.get("Running") is True, what="running")
    _refused(podman.remote(sw.tcp_host, "stop", "-t", "1", name), "LIBPOD_ALLOW_STOP=1")
    _refused(podman.remote(sw.tcp_host, "pause", name), "LIBPOD_ALLOW_PAUSE=1")
    st = _state(podman, name)
    assert st["Running"] is True and st["Paused"] is False, st

    # LIBPOD_ALLOW_START opens start only
    sw2 = sockwall({"LIBPOD_CONTAINERS": "1", "LIBPOD_ALLOW_START": "1"},
                   socket_path=podman.sock)
    _refused(podman.remote(sw2.tcp_host, "stop", "-t", "1", name), "LIBPOD_ALLOW_STOP=1")
    assert _state(podman, name)["Running"] is True


def test_remote_start_attach_and_logs_follow(sockwall, podman):
    """The hijacked libpod attach (Docker's action: proxy check, stdin rules)
    and a followed log stream that ends when the container ends."""
    name = uniq("lp-att")
    _create(podman, name, "sh", "-c", "echo attached-out; sleep 1; echo second-line")
    sw = sockwall({"LIBPOD_CONTAINERS": "1", "POST": "1"}, socket_path=podman.sock)
    r = podman.remote(sw.tcp_host, "start", "--attach", name, timeout=60)
    assert r.returncode == 0, r.stderr + sw.log_text()[-2000:]
    assert "attached-out" in r.stdout and "second-line" in r.stdout, r.stdout
    r = podman.remote(sw.tcp_host, "logs", "-f", name, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "attached-out" in r.stdout and "second-line" in r.stdout, r.stdout
    paths = [d["path"] for d in sw.request_logs() if d["decision"] == "allow"]
    assert any("/libpod/containers/" in p and "/attach" in p for p in paths), paths


def test_docker_side_allow_stop_opens_libpod_stop(sockwall, podman):
    """linuxserver's ALLOW_* match (/libpod)?/(containers|pods)/{id}/<action>."""
    name = uniq("lp-ds")
    _create(podman, name)
    assert podman.cli("start", name).returncode == 0
    sw = sockwall({"LIBPOD_CONTAINERS": "1", "ALLOW_STOP": "1"}, socket_path=podman.sock)
    r = podman.remote(sw.tcp_host, "stop", "-t", "1", name)
    assert r.returncode == 0, r.stderr
    wait_state(podman, name, lambda s: s.get("Running") is False, what="stopped")


def test_libpod_actions_keep_the_proxy_check(sockwall, podman):
    """A libpod stop/pause/kill takes Docker's action, so the proxy's own
    container (here by name, PROXY_CONTAINER_NAME) is looked up through
    Podman's Docker-compatible inspect and refused."""
    name = uniq("lp-proxy")
    _create(podman, name)
    assert podman.cli("start", name).returncode == 0
    wait_state(podman, name, lambda s: s.get("Running") is True, what="running")
    sw = sockwall({"LIBPOD_CONTAINERS": "1", "POST": "1", "PROXY_CONTAINER_NAME": name},
                  socket_path=podman.sock)
    for args in (("stop", "-t", "1", name), ("pause", name), ("kill", name)):
        _refused(podman.remote(sw.tcp_host, *args), "proxy's own container")
    st = _state(podman, name)
    assert st["Running"] is True and st["Paused"] is False, st


# ================================================================ 3. not read: refused


def test_libpod_create_refused_names_docker_create(sockwall, podman):
    sw = sockwall(ALL_OPEN, socket_path=podman.sock)
    before = podman.container_names()
    name = uniq("lp-create")
    # The client resolves the image first with POST /libpod/images/pull
    # (policy=never), which is refused too, naming POST /images/create.
    r = podman.remote(sw.tcp_host, "create", "--pull=never", "--name", name, "--network",
                      "none", "-v", "/:/host", "localhost/" + BB, "true")
    _refused(r, "POST /images/create")
    # The create itself, as the client would send it next: a SpecGenerator
    # binding the host's root
    spec = json.dumps({"name": name, "image": "localhost/" + BB, "command": ["true"],
                       "netns": {"nsmode": "none"},
                       "mounts": [{"destination": "/host", "type": "bind", "source": "/",
                                   "options": ["rbind"]}]}).encode()
    resp = helpers.one(sw.unix, "POST", "/v4.3.1/libpod/containers/create",
                       {"Content-Type": "application/json"}, spec)
    msg = helpers.assert_json_error(resp, 403)
    assert "POST /containers/create, which sockwall judges" in msg, msg
    assert "SpecGenerator" in msg, msg
    assert podman.container_names() == before
    assert podman.inspect(name) is None
    denied = [d for d in sw.request_logs() if d["decision"] != "allow"]
    assert [d["reason"] for d in denied] == ["not-inspected"] * 2, denied
    assert denied[1]["path"] == "/v4.3.1/libpod/containers/create", denied
    # the same create through Podman's Docker-compatible route is judged:
    # binding / is refused by the default protections, not by a toggle
    resp = helpers.one(sw.unix, "POST", "/v1.41/containers/create?name=" + name,
                       {"Content-Type": "application/json"},
                       json.dumps({"Image": BB, "Cmd": ["true"],
                                   "HostConfig": {"Binds": ["/:/host"],
                                                  "NetworkMode": "none"}}).encode())
    assert helpers.assert_json_error(resp, 403)
    assert podman.inspect(name) is None


def test_play_kube_refused_and_no_pod_made(sockwall, podman, tmp_path):
    sw = sockwall(ALL_OPEN, socket_path=podman.sock)
    before = podman.container_names()
    pod = uniq("lp-kube")
    yaml = tmp_path / "pod.yaml"
    yaml.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\nspec:\n"
        "  hostNetwork: true\n"
        "  containers:\n  - name: c\n    image: localhost/bb:latest\n"
        "    command: [\"sleep\", \"300\"]\n"
        "    volumeMounts:\n    - name: root\n      mountPath: /host\n"
        "  volumes:\n  - name: root\n    hostPath:\n      path: /\n" % pod)
    r = podman.remote(sw.tcp_host, "play", "kube", str(yaml))
    _refused(r, "POST /containers/create")
    assert podman.container_names() == before
    r = podman.cli("pod", "exists", pod)
    assert r.returncode == 1, "Podman has pod %s: %s" % (pod, r.stderr)


def test_pod_create_refused(sockwall, podman):
    sw = sockwall(ALL_OPEN, socket_path=podman.sock)
    pod = uniq("lp-pod")
    r = podman.remote(sw.tcp_host, "pod", "create", "--name", pod, "--infra=false")
    _refused(r, "POST /containers/create")
    assert podman.cli("pod", "exists", pod).returncode == 1


# ================================================================ 4. pods


def _pod_with(pm, member):
    pod = uniq("lp-pods")
    r = pm.cli("pod", "create", "--name", pod, "--infra=false")
    assert r.returncode == 0, r.stderr
    r = pm.cli("create", "--pod", pod, "--name", member, "--network", "none",
               BB, "sleep", "300")
    assert r.returncode == 0, r.stderr
    assert pm.cli("pod", "start", pod).returncode == 0
    wait_state(pm, member, lambda s: s.get("Running") is True, what="running")
    return pod


def test_pod_holding_the_proxy_refused_other_pods_obey_the_switch(sockwall, podman):
    """A pod's containers stop with it: sockwall asks libpod which pod the
    proxy's own container (here PROXY_CONTAINER_NAME) is in and refuses
    stop/pause/kill of that pod; a pod without it stops with
    LIBPOD_ALLOW_POD_STOP and no POST, as linuxserver's switch says."""
    proxy = uniq("lp-proxy")
    proxy_pod = _pod_with(podman, proxy)
    other = uniq("lp-member")
    other_pod = _pod_with(podman, other)

    sw = sockwall({"LIBPOD_PODS": "1", "POST": "1", "PROXY_CONTAINER_NAME": proxy},
                  socket_path=podman.sock)
    r = podman.remote(sw.tcp_host, "pod", "ps", "--format", "{{.Name}}")
    assert r.returncode == 0 and proxy_pod in r.stdout.split(), r.stderr
    _refused(podman.remote(sw.tcp_host, "pod", "stop", "-t", "1", proxy_pod),
             "holds the proxy's own container")
    _refused(podman.remote(sw.tcp_host, "pod", "pause", proxy_pod), "proxy's own container")
    _refused(podman.remote(sw.tcp_host, "pod", "kill", proxy_pod), "proxy's own container")
    st = _state(podman, proxy)
    assert st["Running"] is True and st["Paused"] is False, st

    sw2 = sockwall({"LIBPOD_PODS": "1", "LIBPOD_ALLOW_POD_STOP": "1",
                    "PROXY_CONTAINER_NAME": proxy},
                   socket_path=podman.sock)
    r = podman.remote(sw2.tcp_host, "pod", "stop", "-t", "1", other_pod)
    assert r.returncode == 0, r.stderr + r.stdout
    wait_state(podman, other, lambda s: s.get("Running") is False, what="stopped")
    _refused(podman.remote(sw2.tcp_host, "pod", "stop", "-t", "1", proxy_pod),
             "proxy's own container")
    assert _state(podman, proxy)["Running"] is True


def test_libpod_delete_with_depend_refused(sockwall, podman):
    """depend=true would also remove the containers that joined this one's
    namespaces, which sockwall does not look up: refused by the default
    protections, and both containers still exist; depend=false passes."""
    base = uniq("lp-base")
    _create(podman, base)
    joined = uniq("lp-joined")
    r = podman.cli("create", "--name", joined, "--network", "container:" + base,
                   BB, "sleep", "300")
    assert r.returncode == 0, r.stderr
    sw = sockwall({"LIBPOD_CONTAINERS": "1", "POST": "1"}, socket_path=podman.sock)
    for value in ("true", "1", "T", "yes", "0&DEPEND=1"):
        resp = helpers.one(sw.unix, "DELETE",
                           "/v4.3.1/libpod/containers/%s?depend=%s&force=true" % (base, value))
        helpers.assert_json_error(resp, 403)
        assert "depend" in resp.json()["message"], resp.body
    assert podman.inspect(base) is not None and podman.inspect(joined) is not None
    # `podman rm -fa` in the clean-up stops at a container with dependants
    assert podman.cli("rm", "-f", joined).returncode == 0
    other = uniq("lp-alone")
    _create(podman, other)
    resp = helpers.one(sw.unix, "DELETE",
                       "/v4.3.1/libpod/containers/%s?depend=false" % other)
    assert resp.status == 200, resp.body
    assert podman.inspect(other) is None


def _image_with_runner(pm, tag, runner):
    """A freshly imported image (its own ID) and a running container of it."""
    p = subprocess.run(pm.argv + ["import", "-", tag], input=busybox_tar(),
                       env=pm.env, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    r = pm.cli("run", "-d", "--name", runner, "--network", "none", tag, "sleep", "300")
    assert r.returncode == 0, r.stderr
    wait_state(pm, runner, lambda s: s.get("Running") is True, what="running")


def test_force_image_removal_spares_the_proxy_container(sockwall, podman, docker_cli):
    """Podman removes every container that uses an image removed with
    force=true, on its Docker route as on libpod's (dockerd refuses). The
    image the proxy's own container runs is refused, through the docker CLI
    and libpod; another image goes, and its container with it, which is why."""
    proxy = uniq("lp-proxy")
    mine = "localhost/sw-proxy-img:" + uniq("t")
    _image_with_runner(podman, mine, proxy)
    victim = uniq("lp-victim")
    other = "localhost/sw-other-img:" + uniq("t")
    _image_with_runner(podman, other, victim)

    sw = sockwall({"IMAGES": "1", "LIBPOD_IMAGES": "1", "POST": "1",
                   "PROXY_CONTAINER_NAME": proxy}, socket_path=podman.sock)
    r = docker_cli(sw.host, "rmi", "-f", mine)
    assert r.returncode != 0 and "proxy's own container" in r.stderr, r.stderr
    for path in ("/v4.3.1/libpod/images/%s?force=true" % mine.replace("/", "%2F"),
                 "/v4.3.1/libpod/images/remove?images=%s&force=1" % mine.replace("/", "%2F")):
        resp = helpers.one(sw.unix, "DELETE", path, timeout=60)
        helpers.assert_json_error(resp, 403)
    st = _state(podman, proxy)
    assert st["Running"] is True, st
    assert podman.cli("image", "exists", mine).returncode == 0

    r = docker_cli(sw.host, "rmi", "-f", other)
    assert r.returncode == 0, r.stderr
    assert podman.inspect(victim) is None, "Podman kept the container of a force-removed image"
    assert podman.cli("rm", "-f", "-t", "0", proxy).returncode == 0
    podman.cli("rmi", "-f", mine)


# ================================================================ 5. /v1.41.0 and dockerd


def test_three_part_version_is_dockers_version(sockwall, dockerd, direct):
    c = direct.containers.create(BB, ["true"], name=uniq("v3"))
    sw = sockwall({"CONTAINERS": "1"})
    # dockerd itself reads 1.41.0 as 1.41 ...
    raw = helpers.one(dockerd.sock, "GET", "/v1.41.0/containers/json?all=1")
    assert raw.status == 200, raw
    # ... and through sockwall it is the same answer
    r = helpers.one(sw.unix, "GET", "/v1.41.0/containers/json?all=1")
    assert r.status == 200, r
    ids = [x["Id"] for x in json.loads(r.body)]
    assert c.id in ids
    r = helpers.one(sw.unix, "GET", "/v1.41.0/containers/%s/json" % c.id)
    assert r.status == 200 and json.loads(r.body)["Id"] == c.id, r
    # empty parts are still refused before dockerd sees them
    r = helpers.one(sw.unix, "GET", "/v1.41..0/containers/json")
    assert r.status == 400, r
    # the section still decides
    r = helpers.one(sw.unix, "GET", "/v1.41.0/images/json")
    assert helpers.assert_json_error(r, 403)


def test_network_removal_with_force_refused(sockwall, dockerd, direct):
    """Podman's Docker route reads force= on a network removal and removes
    every container on the network (dockerd has no such parameter): refused
    in any key case and repetition, and dockerd still has the network; the
    plain removal goes through."""
    net = direct.networks.create(uniq("fnet"), driver="bridge", internal=True)
    sw = sockwall({"NETWORKS": "1", "POST": "1"})
    try:
        for q in ("force=true", "FORCE=1", "force=0&Force=t", "%66orce=yes"):
            r = helpers.one(sw.unix, "DELETE", "/v1.41/networks/%s?%s" % (net.name, q))
            assert "force" in helpers.assert_json_error(r, 403), r
        assert direct.networks.get(net.id).id == net.id
        r = helpers.one(sw.unix, "DELETE", "/v1.41/networks/%s?force=0" % net.name)
        assert r.status == 204, r
    finally:
        try:
            direct.networks.get(net.id).remove()
        except Exception:
            pass
    assert net.id not in [n.id for n in direct.networks.list()]


def test_query_key_in_another_case_refused(sockwall, podman):
    """Podman decodes a query with gorilla/schema, which reads NAME= as
    name= (dockerd does not): a judged parameter in another letter case is
    refused, so the name the proxy protects cannot be taken that way. Asked
    straight, Podman does rename by NAME=, which is why."""
    proxy = uniq("lp-proxy")
    victim = _create(podman, uniq("lp-ren"))
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "PROXY_CONTAINER_NAME": proxy},
                  socket_path=podman.sock)
    for q in ("NAME=" + proxy, "Name=%s&name=x" % proxy, "n%41me=" + proxy):
        r = helpers.one(sw.unix, "POST", "/v1.41/containers/%s/rename?%s" % (victim, q))
        assert "letter case" in helpers.assert_json_error(r, 400), r
    assert podman.inspect(victim)["Name"].lstrip("/") != proxy
    r = helpers.one(sw.unix, "POST", "/v1.41/containers/%s/rename?name=%s" % (victim, proxy))
    assert "proxy's own container" in helpers.assert_json_error(r, 403), r
    # the threat: Podman itself takes the upper-case key
    other = uniq("lp-renamed")
    r = helpers.one(podman.sock, "POST", "/v1.41/containers/%s/rename?NAME=%s" % (victim, other))
    assert r.status in (200, 204), r
    assert podman.inspect(victim)["Name"].lstrip("/") == other


def _context_tar():
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"FROM bb:latest\nRUN true\n"
        ti = tarfile.TarInfo("Dockerfile")
        ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def test_build_parameters_only_dockerd_reads(sockwall, dockerd, direct, docker_cli):
    """Podman's Docker-compatible /build reads parameters dockerd does not
    (devices, addcaps, nsoptions, securityopt, volume, rusagelogfile: read
    from Podman v4.3.1's images_build.go and its newest source): refused by
    the default protections, and dockerd built nothing. What the docker CLI
    sends still builds."""
    sw = sockwall({"BUILD": "1", "POST": "1", "IMAGES": "1"})
    ctx = _context_tar()
    tag = uniq("podbuild")
    for extra in ("devices=%5B%22%2Fdev%2Fsda%22%5D", "addcaps=%5B%22ALL%22%5D",
                  "nsoptions=%5B%5D", "volume=%2F%3A%2Fhost", "Rusagelogfile=%2Fetc%2Fx"):
        r = helpers.one(sw.unix, "POST", "/v1.41/build?t=%s&%s" % (tag, extra),
                        headers={"Content-Type": "application/x-tar"}, body=ctx, timeout=60)
        assert "not one dockerd reads" in helpers.assert_json_error(r, 403), r
    assert not [i for i in direct.images.list() if any(tag in t for t in i.tags)]
    ok = uniq("cli-build")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "Dockerfile"), "w") as f:
            f.write("FROM bb:latest\nRUN true\n")
        r = docker_cli(sw.host, "build", "-q", "-t", ok, d,
                       env={"DOCKER_BUILDKIT": "0"})
    assert r.returncode == 0, r.stderr
    assert [i for i in direct.images.list() if any(ok in t for t in i.tags)]
