"""SOCKWALL_POLICY=compose: docker-compose v1 (Debian's docker-compose, run
for real) and the requests `docker compose` v2 makes (replayed) through
sockwall against the private dockerd, which says what happened: the
project's container, network and volume exist after `up` and are gone after
`down -v`.  Nothing the compose clients ask is refused; what the preset
leaves closed stays closed."""

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

import helpers
from protect_helpers import API

COMPOSE_FILE = """\
version: "3.7"
services:
  web:
    image: bb:latest
    command: ["sh", "-c", "echo compose-hello; exec sleep 600"]
    stop_grace_period: 1s
    volumes:
      - data:/data
volumes:
  data: {}
"""

SOCKET_FILE = """\
version: "3.7"
services:
  grab:
    image: bb:latest
    command: ["sleep", "600"]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
"""


def project_state(direct, project):
    label = "com.docker.compose.project=%s" % project
    return {
        "containers": sorted((c.name, c.status) for c in
                             direct.containers.list(all=True, filters={"label": label})),
        "networks": sorted(n.name for n in direct.networks.list(filters={"label": label})),
        "volumes": sorted(v.name for v in direct.volumes.list(filters={"label": label})),
    }


@pytest.fixture
def compose_v1(docker_env, tmp_path):
    """compose_v1(host, project, *args, file=COMPOSE_FILE) -> CompletedProcess (text)."""
    exe = shutil.which("docker-compose")
    if not exe:
        pytest.fail("docker-compose is not installed (scripts/deps.sh installs it)")

    def run(host, project, *args, file=COMPOSE_FILE, timeout=120):
        d = tmp_path / project
        d.mkdir(exist_ok=True)
        (d / "docker-compose.yml").write_text(file)
        env = dict(docker_env, DOCKER_HOST=host, COMPOSE_PROJECT_NAME=project,
                   COMPOSE_INTERACTIVE_NO_CLI="1")
        return subprocess.run([exe, "--no-ansi", *args], cwd=str(d), env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)
    return run


def ok(r):
    assert r.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (r.returncode, r.stdout,
                                                                    r.stderr)
    return r.stdout


def test_compose_v1_up_ps_logs_exec_down(sockwall, direct, compose_v1):
    sw = sockwall({"SOCKWALL_POLICY": "compose"})
    p = "cv1%s" % uuid.uuid4().hex[:6]
    ok(compose_v1(sw.host, p, "up", "-d"))
    st = project_state(direct, p)
    assert st == {"containers": [("%s_web_1" % p, "running")],
                  "networks": ["%s_default" % p], "volumes": ["%s_data" % p]}, st

    assert "%s_web_1" % p in ok(compose_v1(sw.host, p, "ps"))
    helpers.wait_for(lambda: "compose-hello" in ok(compose_v1(sw.host, p, "logs", "--no-color")),
                     20, what="the service's output through docker-compose logs")
    out = ok(compose_v1(sw.host, p, "exec", "-T", "web", "sh", "-c", "echo exec-$((6*7))"))
    assert "exec-42" in out, out

    ok(compose_v1(sw.host, p, "down", "-v"))
    st = project_state(direct, p)
    assert st == {"containers": [], "networks": [], "volumes": []}, st

    # nothing refused: every answer is dockerd's (an events stream the
    # client drops is logged "client went away", with dockerd's 200)
    logs = sw.request_logs()
    assert logs and all(d["decision"] != "deny" and d["status"] != 403 for d in logs), \
        json.dumps([d for d in logs if d["decision"] != "allow"])
    assert {d["path"].split("?")[0].split("/")[2] for d in logs if d["path"].startswith("/v1.")} \
        >= {"containers", "networks", "volumes", "images", "exec", "events"}, logs
    print("docker-compose v1 requests:\n" + "\n".join(
        "%s %s %s" % (d["method"], d["path"], d["status"]) for d in logs))


def test_compose_v1_socket_bind_refused(sockwall, direct, compose_v1):
    """The default protections hold under the preset: a service that binds
    the Docker socket is refused and dockerd has no such container."""
    sw = sockwall({"SOCKWALL_POLICY": "compose"})
    p = "cvs%s" % uuid.uuid4().hex[:6]
    r = compose_v1(sw.host, p, "up", "-d", file=SOCKET_FILE)
    assert r.returncode != 0 and "sockwall:" in r.stderr, r
    assert project_state(direct, p)["containers"] == []
    ok(compose_v1(sw.host, p, "down"))
    assert project_state(direct, p) == {"containers": [], "networks": [], "volumes": []}


# ---------------------------------------------------------------- docker compose v2

def _q(obj):
    from urllib.parse import quote
    return quote(json.dumps(obj, separators=(",", ":")), safe="")


def v2_calls(p):
    """The requests `docker compose` v2 makes for up -d, ps, logs, exec -T and
    down -v of the one-service project above, in order: method, target (API
    1.41, which it negotiates with dockerd 20.10; the ping is unversioned),
    body, the status dockerd answers, and whether the request only reads.
    Taken from compose's source (pkg/compose: up/create/convergence, ps,
    logs, exec via the CLI's RunExec, down; the Docker Go client's paths),
    not recorded from a running v2: this machine has no v2 (no Debian package;
    no Go toolchain to build one).  {cid}, {eid}, {nid} are filled in from
    earlier answers."""
    proj = {"label": ["com.docker.compose.project=%s" % p]}
    svc = {"label": ["com.docker.compose.project=%s" % p, "com.docker.compose.oneoff=False"]}
    labels = {"com.docker.compose.project": p, "com.docker.compose.version": "2.29.7"}
    net, vol, name = p + "_default", p + "_data", p + "-web-1"
    create = {
        "Image": "bb:latest", "Cmd": ["sh", "-c", "echo compose-hello; exec sleep 600"],
        "Labels": dict(labels, **{"com.docker.compose.service": "web",
                                  "com.docker.compose.oneoff": "False",
                                  "com.docker.compose.container-number": "1"}),
        "StopTimeout": 1,
        "HostConfig": {"Mounts": [{"Type": "volume", "Source": vol, "Target": "/data",
                                   "VolumeOptions": {}}],
                       "NetworkMode": net, "RestartPolicy": {"Name": ""}, "LogConfig": {}},
        "NetworkingConfig": {"EndpointsConfig": {net: {"Aliases": [name, "web"]}}},
    }
    return [
        # up -d
        ("HEAD", "/_ping", None, 200, True),
        ("GET", "/v1.41/info", None, 200, True),
        ("GET", "/v1.41/containers/json?all=1&filters=" + _q(svc), None, 200, True),
        ("GET", "/v1.41/networks?filters=" + _q(proj), None, 200, True),
        ("GET", "/v1.41/volumes?filters=" + _q(proj), None, 200, True),
        ("GET", "/v1.41/images/bb:latest/json", None, 200, True),
        ("GET", "/v1.41/networks/" + net, None, 404, True),
        ("GET", "/v1.41/networks?filters=" + _q({"name": [net]}), None, 200, True),
        ("POST", "/v1.41/networks/create",
         {"Name": net, "CheckDuplicate": True, "Driver": "bridge",
          "Labels": dict(labels, **{"com.docker.compose.network": "default"})}, 201, False),
        ("GET", "/v1.41/volumes/" + vol, None, 404, True),
        ("POST", "/v1.41/volumes/create",
         {"Name": vol, "Driver": "local",
          "Labels": dict(labels, **{"com.docker.compose.volume": "data"})}, 201, False),
        ("POST", "/v1.41/containers/create?name=" + name, create, 201, False),
        ("GET", "/v1.41/containers/{cid}/json", None, 200, True),
        ("POST", "/v1.41/containers/{cid}/start", None, 204, False),
        ("GET", "/v1.41/events?filters=" + _q(svc), None, 200, True),
        # ps
        ("GET", "/v1.41/containers/json?filters=" + _q(svc), None, 200, True),
        ("GET", "/v1.41/containers/{cid}/json", None, 200, True),
        # logs
        ("GET", "/v1.41/containers/{cid}/logs?stderr=1&stdout=1&tail=all", None, 200, True),
        # exec -T web echo hi
        ("POST", "/v1.41/containers/{cid}/exec",
         {"AttachStdout": True, "AttachStderr": True, "Cmd": ["echo", "hi"]}, 201, False),
        ("POST", "/v1.41/exec/{eid}/start", {"Detach": False, "Tty": False}, 101, False),
        ("GET", "/v1.41/exec/{eid}/json", None, 200, True),
        # down -v
        ("GET", "/v1.41/containers/json?all=1&filters=" + _q(proj), None, 200, True),
        ("POST", "/v1.41/containers/{cid}/stop?t=1", None, 204, False),
        ("DELETE", "/v1.41/containers/{cid}?force=1&v=1", None, 204, False),
        ("GET", "/v1.41/networks?filters=" + _q(proj), None, 200, True),
        ("GET", "/v1.41/networks/" + net, None, 200, True),
        ("DELETE", "/v1.41/networks/{nid}", None, 204, False),
        ("GET", "/v1.41/volumes?filters=" + _q(proj), None, 200, True),
        ("DELETE", "/v1.41/volumes/" + vol, None, 204, False),
    ]


def _send(sock, method, target, body):
    """One request; the answer's status and body (its head only for a
    stream: a 101 hijack, or events, which never end)."""
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    if target.startswith("/v1.41/exec/") and target.endswith("/start"):
        headers.update({"Connection": "Upgrade", "Upgrade": "tcp"})
    stream = "/events" in target or "Upgrade" in headers or method == "HEAD"
    s = helpers.connect(sock)
    try:
        s.sendall(helpers.request(method, target, headers, data))
        r = helpers.ResponseReader(s).read(timeout=20, head_request=stream)
        assert r is not None, "no answer to %s %s" % (method, target)
        return r
    finally:
        s.close()


def test_compose_v2_requests_answered_as_dockerd_answers(sockwall, dockerd, direct):
    sw = sockwall({"SOCKWALL_POLICY": "compose"})
    p = "cv2%s" % uuid.uuid4().hex[:6]
    ids = {}
    seen = []
    for method, target, body, want, reads in v2_calls(p):
        target = target.format(**ids)
        r = _send(sw.unix, method, target, body)
        seen.append((method, target, r.status))
        assert r.status == want, "%s %s: %d %r (want dockerd's %d)" % (
            method, target, r.status, r.body[:300], want)
        if reads and method == "GET" and "/events" not in target:
            d = _send(dockerd.sock, method, target, body)
            assert d.status == r.status, (method, target, d.status, r.status)
        if target.startswith("/v1.41/containers/create"):
            ids["cid"] = json.loads(r.body)["Id"]
            assert project_state(direct, p)["containers"] == [(p + "-web-1", "created")]
        elif target.endswith("/exec"):
            ids["eid"] = json.loads(r.body)["Id"]
        elif target == "/v1.41/networks/%s_default" % p and r.status == 200:
            ids["nid"] = json.loads(r.body)["Id"]
        elif target.endswith("/start") and "/containers/" in target:
            assert project_state(direct, p) == {
                "containers": [(p + "-web-1", "running")],
                "networks": [p + "_default"], "volumes": [p + "_data"]}
    # down -v removed all of it, as dockerd says
    assert project_state(direct, p) == {"containers": [], "networks": [], "volumes": []}
    logs = [d for d in sw.request_logs() if d["decision"] == "deny"]
    assert logs == [], logs
    print("\n".join("%s %s %d" % s for s in seen))


def test_compose_preset_leaves_the_rest_closed(sockwall, direct):
    """What compose does not need stays closed: builds and BuildKit
    sessions, swarm, archive, export, plugins, secrets."""
    sw = sockwall({"SOCKWALL_POLICY": "compose"})
    for method, target, rule in (("POST", "/v1.41/build", "BUILD"),
                                 ("GET", "/v1.41/services", "SERVICES"),
                                 ("GET", "/v1.41/swarm", "SWARM"),
                                 ("GET", "/v1.41/containers/x/export", "ALLOW_EXPORT"),
                                 ("GET", "/v1.41/containers/x/archive?path=/", "ALLOW_ARCHIVE"),
                                 ("GET", "/v1.41/plugins", "PLUGINS"),
                                 ("GET", "/v1.41/secrets", "SECRETS"),
                                 ("POST", "/session", "SESSION")):
        r = helpers.one(sw.unix, method, target)
        msg = helpers.assert_json_error(r, 403)
        assert "set %s=1" % rule in msg, (target, msg)
