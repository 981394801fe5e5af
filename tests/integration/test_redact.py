"""Issue 17 part 1: Env values hidden in the answers that carry them.

A policy that cannot create containers (the dashboards: CONTAINERS=1 and
nothing else) gets Config.Env of container inspect, the container spec's Env
of services and tasks, and a plugin's Settings.Env with every value replaced
by sockwall's marker; the keys stay.  Podman's answers are read the same way
(its libpod inspect also carries the `podman run -e` command line).  A policy
that can create (Watchtower, Portainer) gets them whole, unless
DKRPRX__CONTAINERS__REDACT_ENV says otherwise.  Each answer is compared with
what dockerd itself answers (asked directly): everything but the hidden
values is the same, and no secret is left anywhere in the bytes the client
got.
"""

import json
import socket
import subprocess
import uuid
from urllib.parse import quote

import pytest

import helpers
from conftest import SOCKWALL_BIN, Sockwall
from protect_helpers import API, assert_refused, raw, raw_direct, uniq
from podman_helpers import BB, podman  # noqa: F401 - the fixture
from test_power_routes import (PRIVILEGED_PLUGIN, create_plugin_direct, plugins,  # noqa: F401
                               pname, service_body, services, swarm)

MARK = "<redacted by sockwall>"
REDACT = "DKRPRX__CONTAINERS__REDACT_ENV"


def secret():
    return "s3cr3t-" + uuid.uuid4().hex


def hidden(env):
    """Env as sockwall shows it: each KEY=value with its value replaced."""
    return None if env is None else [e.split("=", 1)[0] + "=" + MARK if "=" in e else e
                                     for e in env]


@pytest.fixture
def ctr(direct):
    """A created (never started) container with secrets in its Env."""
    made = []

    def make(env, **kw):
        c = direct.containers.create("bb:latest", ["true"], name=uniq("redact"),
                                     environment=env, **kw)
        made.append(c)
        return c
    yield make
    for c in made:
        c.remove(force=True)


def inspect_both(sw, dockerd, path):
    via = raw(sw, "GET", path, timeout=60)
    direct = raw_direct(dockerd, "GET", path, timeout=60)
    assert via.status == 200, via
    assert direct.status == 200, direct
    return via, direct


def assert_redacted_container(via, direct, secrets):
    got, want = via.json(), direct.json()
    assert got["Config"]["Env"] == hidden(want["Config"]["Env"])
    # everything else is dockerd's answer as it was
    want["Config"]["Env"] = got["Config"]["Env"]
    assert got == want
    for s in secrets:
        assert s.encode() not in via.body
    # re-framed: one Content-Length that matches the body
    assert via.header("Transfer-Encoding") is None
    assert int(via.header("Content-Length")) == len(via.body)


def test_reader_gets_keys_not_values(sockwall, dockerd, ctr, docker_cli):
    s1, s2 = secret(), secret()
    c = ctr(["DB_PASSWORD=" + s1, "TOKEN=a=b=" + s2, "EMPTY=", "NOVALUE"])
    sw = sockwall({"CONTAINERS": "1"})
    via, direct = inspect_both(sw, dockerd, "/containers/%s/json" % c.id)
    assert_redacted_container(via, direct, [s1, s2])
    env = via.json()["Config"]["Env"]
    assert "DB_PASSWORD=" + MARK in env and "NOVALUE" in env and "EMPTY=" + MARK in env
    # dockerd still holds the real values: only the answer changed
    assert "DB_PASSWORD=" + s1 in direct.json()["Config"]["Env"]
    # the docker CLI and python3-docker see the same
    out = docker_cli(sw.host, "inspect", "--format", "{{json .Config.Env}}", c.id)
    assert out.returncode == 0, out.stderr
    assert s1 not in out.stdout and json.loads(out.stdout) == env
    attrs = sw.client().containers.get(c.id).attrs
    assert attrs["Config"]["Env"] == env
    # by name, and on the libpod-less versioned path too
    via2 = raw(sw, "GET", "/containers/%s/json" % c.name)
    assert via2.status == 200 and s1.encode() not in via2.body


def test_large_env_chunked_upstream(sockwall, dockerd, ctr):
    """A big answer dockerd sends chunked comes out whole, with a Content-Length."""
    secrets = [secret() for _ in range(3000)]
    c = ctr(["K%d=%s" % (i, s) for i, s in enumerate(secrets)])
    direct = raw_direct(dockerd, "GET", "/containers/%s/json" % c.id)
    assert (direct.header("Transfer-Encoding") or "").lower() == "chunked", direct.headers
    sw = sockwall({"CONTAINERS": "1"})
    via, direct = inspect_both(sw, dockerd, "/containers/%s/json" % c.id)
    assert_redacted_container(via, direct, secrets[:50] + secrets[-50:])
    assert b"s3cr3t-" not in via.body


def test_keep_alive_after_a_rewritten_answer(sockwall, dockerd, ctr):
    s = secret()
    c = ctr(["PASS=" + s])
    sw = sockwall({"CONTAINERS": "1"})
    sock = helpers.connect(sw.unix)
    try:
        reader = helpers.ResponseReader(sock)
        for path in ("/containers/%s/json" % c.id, "/_ping", "/containers/%s/json" % c.id,
                     "/containers/json?all=1"):
            sock.sendall(helpers.request("GET", API + path))
            r = reader.read()
            assert r.status == 200, r
            assert s.encode() not in r.body
    finally:
        sock.close()


def test_answer_over_the_cap_is_refused(sockwall, dockerd, ctr):
    """Never passed on unredacted: an answer too large to hold is a 502."""
    s = secret()
    c = ctr(["BIG=%s%s" % (s, "x" * (200 * 1024))])
    sw = sockwall({"CONTAINERS": "1", "SOCKWALL_MAX_ANSWER": "65536"})
    r = raw(sw, "GET", "/containers/%s/json" % c.id)
    assert_refused(r, 502, "SOCKWALL_MAX_ANSWER")
    assert s.encode() not in r.body
    # the proxy is fine afterwards, and a small answer still passes
    c2 = ctr(["SMALL=" + s])
    r = raw(sw, "GET", "/containers/%s/json" % c2.id)
    assert r.status == 200 and s.encode() not in r.body


def test_nine_mib_answer_refused_at_the_default_cap(sockwall, dockerd, ctr):
    s = secret()
    c = ctr(["K%d=%s%s" % (i, s, "y" * (1 << 20)) for i in range(9)])
    sw = sockwall({"CONTAINERS": "1"})
    r = raw(sw, "GET", "/containers/%s/json" % c.id, timeout=120)
    assert_refused(r, 502, "SOCKWALL_MAX_ANSWER")
    assert s.encode() not in r.body


def test_errors_and_other_reads_pass_untouched(sockwall, dockerd, ctr):
    sw = sockwall({"CONTAINERS": "1"})
    r = raw(sw, "GET", "/containers/%s/json" % uniq("nosuch"))
    assert r.status == 404 and "No such container" in r.json()["message"]
    c = ctr(["PASS=" + secret()])
    via = raw(sw, "GET", "/containers/json?all=1")
    assert via.status == 200 and c.id in [x["Id"] for x in via.json()]


@pytest.mark.parametrize("env, redacted", [
    ({"CONTAINERS": "1"}, True),
    ({"CONTAINERS": "1", "POST": "1"}, False),           # can create: Env whole
    ({"CONTAINERS": "1", "POST": "1", REDACT: "true"}, True),
    ({"CONTAINERS": "1", REDACT: "false"}, False),
    ({"SOCKWALL_POLICY": "homepage"}, True),
    ({"SOCKWALL_POLICY": "portainer"}, False),
    ({"SOCKWALL_POLICY": "watchtower"}, False),
])
def test_default_follows_whether_the_policy_can_create(sockwall, dockerd, ctr, env, redacted):
    s = secret()
    c = ctr(["PASS=" + s])
    sw = sockwall(env)
    r = raw(sw, "GET", "/containers/%s/json" % c.id)
    assert r.status == 200, r
    assert (s.encode() not in r.body) == redacted
    assert ("PASS=" + MARK in r.json()["Config"]["Env"]) == redacted


def test_check_config_and_explain_show_the_effective_value(dockerd):
    def show(env):
        e = {"PATH": "/usr/bin:/bin", "SOCKET_PATH": dockerd.sock}
        e.update(env)
        return subprocess.run([str(SOCKWALL_BIN), "--check-config"], env=e, capture_output=True,
                              text=True, timeout=30)
    r = show({"CONTAINERS": "1"})
    assert r.returncode == 0, r.stderr
    assert REDACT + "=true" in r.stdout + r.stderr
    r = show({"CONTAINERS": "1", "POST": "1"})
    assert REDACT + "=false" in r.stdout + r.stderr

    def explain(env):
        e = {"PATH": "/usr/bin:/bin", "SOCKET_PATH": dockerd.sock}
        e.update(env)
        return subprocess.run([str(SOCKWALL_BIN), "--explain", "GET", "/v1.41/containers/x/json"],
                              env=e, capture_output=True, text=True, timeout=30)
    r = explain({"CONTAINERS": "1"})
    assert r.returncode == 0 and "Env values hidden" in r.stdout, r
    r = explain({"CONTAINERS": "1", "POST": "1"})
    assert r.returncode == 0 and "Env values hidden" not in r.stdout, r


def test_per_listener_policies(dockerd, ctr, tmp_path):
    """One proxy: a read-only listener hides Env, a Portainer-like one does not."""
    s = secret()
    c = ctr(["PASS=" + s])
    sw = Sockwall(dockerd, {"CONTAINERS": "1", "POST": "1"})
    extra = str(tmp_path / "ro.sock")
    sw.env["SOCKWALL_LISTEN"] += ",unix://%s?policy=homepage" % extra
    sw.start()
    try:
        helpers.wait_for(lambda: helpers.can_connect(extra), 10, what="the third listener")
        r = helpers.one(extra, "GET", API + "/containers/%s/json" % c.id)
        assert r.status == 200 and s.encode() not in r.body
        r = raw(sw, "GET", "/containers/%s/json" % c.id)
        assert r.status == 200 and s.encode() in r.body
    finally:
        sw.stop()


# ---------------------------------------------------------------- services and tasks


def test_services_and_tasks(sockwall, dockerd, services):
    s1, s2 = secret(), secret()
    name = uniq("rsvc")
    body = service_body(name, spec={"Env": ["API_KEY=" + s1, "MODE=prod"]},
                        top={"Mode": {"Replicated": {"Replicas": 1}}})
    r = raw_direct(dockerd, "POST", "/services/create", body=json.dumps(body))
    assert r.status == 201, r
    sid = r.json()["ID"]
    svc = raw_direct(dockerd, "GET", "/services/" + sid).json()
    spec = svc["Spec"]
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = ["API_KEY=" + s2]
    r = raw_direct(dockerd, "POST", "/services/%s/update?version=%d" % (sid, svc["Version"]["Index"]),
                   body=json.dumps(spec))
    assert r.status == 200, r
    tasks_of = "/tasks?filters=" + quote(json.dumps({"service": [sid]}))
    helpers.wait_for(lambda: raw_direct(dockerd, "GET", tasks_of).json(), 60, interval=0.5,
                     what="a task of the service")
    sw = sockwall({"SERVICES": "1", "TASKS": "1"})
    for path in ("/services/" + sid, "/services"):
        via, direct = inspect_both(sw, dockerd, path)
        assert s1.encode() not in via.body and s2.encode() not in via.body
        mine = [x for x in (via.json() if path == "/services" else [via.json()]) if x["ID"] == sid]
        assert mine[0]["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"] == ["API_KEY=" + MARK]
        assert mine[0]["PreviousSpec"]["TaskTemplate"]["ContainerSpec"]["Env"] == [
            "API_KEY=" + MARK, "MODE=" + MARK]
        assert s2.encode() in direct.body
    tasks = raw(sw, "GET", tasks_of)
    assert tasks.status == 200 and tasks.json(), tasks
    assert s1.encode() not in tasks.body and s2.encode() not in tasks.body
    for t in tasks.json():
        assert all(e.endswith("=" + MARK) for e in t["Spec"]["ContainerSpec"]["Env"])
        one = raw(sw, "GET", "/tasks/" + t["ID"])
        assert one.status == 200 and b"s3cr3t-" not in one.body
        assert one.json()["Spec"]["ContainerSpec"]["Env"] == t["Spec"]["ContainerSpec"]["Env"]


# ---------------------------------------------------------------- plugins


def test_plugin_settings_env(sockwall, dockerd, plugins):
    s = secret()
    name = pname()
    create_plugin_direct(dockerd, name, PRIVILEGED_PLUGIN)
    r = raw_direct(dockerd, "POST", "/plugins/%s/set" % name, body=json.dumps(["DEBUG=" + s]))
    assert r.status == 204, r
    assert "DEBUG=" + s in raw_direct(dockerd, "GET", "/plugins/%s/json" % name).json()[
        "Settings"]["Env"]
    sw = sockwall({"PLUGINS": "1"})
    for path in ("/plugins/%s/json" % name, "/plugins"):
        via = raw(sw, "GET", path)
        assert via.status == 200, via
        assert s.encode() not in via.body
        docs = via.json() if isinstance(via.json(), list) else [via.json()]
        mine = [p for p in docs if p["Name"] == name]
        assert mine[0]["Settings"]["Env"] == ["DEBUG=" + MARK]


def test_raw_socket_sees_no_secret_through_any_spelling(sockwall, dockerd, ctr):
    """Versioned, unversioned and percent-encoded paths all reach the same route."""
    s = secret()
    c = ctr(["PASS=" + s])
    sw = sockwall({"CONTAINERS": "1"})
    for path in ("/containers/%s/json" % c.id, "/v1.41/containers/%s/json" % c.id,
                 "/containers/%s/%%6Ason" % c.id):
        r = helpers.one(sw.unix, "GET", path)
        assert r.status in (200, 400), r
        assert s.encode() not in r.body
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(20)
        sock.connect(sw.unix)
        sock.sendall(("GET /containers/%s/json HTTP/1.0\r\n\r\n" % c.id).encode())
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.") and s.encode() not in data


# ---------------------------------------------------------------- Podman as the upstream


def test_podman_compat_and_libpod_inspect(sockwall, podman):
    """`podman run -e` puts the value in Env and in libpod's CreateCommand: neither passes."""
    s = secret()
    r = podman.cli("create", "--network", "none", "-e", "PASS=" + s, "--name", uniq("pr"), BB,
                   "true")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip().splitlines()[-1]
    try:
        sw = sockwall({"CONTAINERS": "1", "LIBPOD_CONTAINERS": "1"}, socket_path=podman.sock)
        for path in ("/v1.41/containers/%s/json" % cid,
                     "/v4.3.1/libpod/containers/%s/json" % cid):
            direct = helpers.one(podman.sock, "GET", path)
            assert direct.status == 200 and s.encode() in direct.body, direct
            r = helpers.one(sw.unix, "GET", path)
            assert r.status == 200, r
            assert s.encode() not in r.body, path
            assert "PASS=" + MARK in r.json()["Config"]["Env"]
            assert int(r.header("Content-Length")) == len(r.body)
    finally:
        podman.cli("rm", "-f", cid)
