"""Issue 14 follow-ups, against the real dockerd:

  A. attaching with stdin into a powerful container is exec (needs EXEC=1);
  B. an exec's own Privileged flag is judged (HARDENED, DENY_PRIVILEGED);
  C. checkpoint directories on the host (dir=, start's checkpoint-dir=) are refused;
  D. self-protection is not fooled by another container's shareable IPC
     (its /dev/shm mount on the host carries that container's ID).

Every refusal is checked in dockerd itself (nothing typed into the
container, no exec created, no directory made, the container not started or
not stopped) and has a benign twin that passes, so no test passes by
refusing everything."""

import base64
import json
import os
import shutil
import socket
import uuid

import docker
import pytest

import helpers

from protect_helpers import (API, assert_cli_ok, assert_cli_refused, assert_refused,  # noqa: F401
                             decisions, leftovers, proxy_ctr, raw, raw_direct, running, uniq)

HARD = "DKRPRX__CONTAINERS__HARDENED"
DENY_PRIV = "DKRPRX__CONTAINERS__DENY_PRIVILEGED"
PROXY_MSG = "proxy's own container"
EXEC_MSG = "set EXEC=1"
JSON_CT = {"Content-Type": "application/json"}
ATTACH_ENV = {"CONTAINERS": "1", "POST": "1"}
UPGRADE = [("Connection", "Upgrade"), ("Upgrade", "tcp")]


def js(obj):
    return json.dumps(obj)


# ================================================================ A. attach with stdin


def _root_equivalent_dir():
    """A root-equivalent host directory of the spec (item 8) that exists here."""
    for p in ("/run/docker", "/var/run/docker", "/run/containerd", "/var/run/containerd"):
        if os.path.isdir(p) and not os.path.islink(p):
            return p
    return None


def stdin_ctr(direct, prefix, hostconfig=None, once=False):
    """A running `cat` with an open stdin, created directly on dockerd: what
    is typed into its stdin comes back in its logs.  once=True closes the
    container's stdin (and so ends it) when the first attach closes its own."""
    cfg = {"Image": "bb:latest", "Cmd": ["cat"], "OpenStdin": True, "StdinOnce": once,
           "AttachStdin": once, "AttachStdout": once, "AttachStderr": once,
           "HostConfig": hostconfig or {}}
    name = uniq(prefix)
    cid = direct.api.create_container_from_config(cfg, name=name)["Id"]
    direct.api.start(cid)
    a = direct.api.inspect_container(cid)
    assert a["State"]["Running"] and a["Name"] == "/" + name, a["State"]
    return name, cid


def logs(direct, cid):
    return direct.api.logs(cid, stdout=True, stderr=True)


@pytest.fixture
def powerful(direct, dockerd):
    """Containers with powers that can run here (privileged ones cannot: runc
    lacks the caps in this sandbox), each a `cat` on an open stdin."""
    t = {
        "sockdir": stdin_ctr(direct, "asockdir",
                             {"Binds": ["%s:/d:ro" % os.path.dirname(dockerd.sock)]}),
        "hostpid": stdin_ctr(direct, "ahostpid", {"PidMode": "host"}),
        "capadd": stdin_ctr(direct, "acapadd", {"CapAdd": ["SYS_ADMIN"]}),
    }
    rootdir = _root_equivalent_dir()
    if rootdir:
        t["rootpath"] = stdin_ctr(direct, "arootpath", {"Binds": ["%s:/r:ro" % rootdir]})
    return t


def _ws_frame(payload):
    """One masked client->server websocket frame (binary, FIN)."""
    mask = os.urandom(4)
    assert len(payload) < 126
    return (bytes([0x82, 0x80 | len(payload)]) + mask +
            bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


WS_HEADERS = [("Connection", "Upgrade"), ("Upgrade", "websocket"),
              ("Sec-WebSocket-Version", "13"), ("Origin", "http://localhost")]


def _open_attach(target, path, ws, timeout=30):
    """Sends an attach request with upgrade headers; returns (socket, response
    head).  /attach/ws is a websocket handshake (GET), /attach an Upgrade: tcp
    POST."""
    if ws:
        key = base64.b64encode(os.urandom(16)).decode()
        headers, method = WS_HEADERS + [("Sec-WebSocket-Key", key)], "GET"
    else:
        headers, method = UPGRADE, "POST"
    if path.startswith("/") and not path.startswith("/v1."):
        path = API + path
    s = helpers.connect(target, timeout=timeout)
    try:
        s.sendall(helpers.request(method, path, headers=headers))
        r = helpers.ResponseReader(s).read(timeout=timeout)
    except BaseException:
        s.close()
        raise
    assert r is not None, "no answer to %s %s" % (method, path)
    return s, r


def attach(target, path, payload=b"", ws=False):
    """One attach the way a client makes it: the request, then -- once the
    answer is a 101 upgrade -- `payload` typed into the stream (a websocket
    frame for /attach/ws).  Returns the response (head only for a 101); the
    connection is closed afterwards (a container's stdin stays open unless
    StdinOnce)."""
    s, r = _open_attach(target, path, ws)
    try:
        if r.status == 101 and payload:
            s.sendall(_ws_frame(payload) if ws else payload)
            if not ws:
                s.shutdown(socket.SHUT_WR)
        return r
    finally:
        s.close()


def attach_until_typed(direct, cid, target, path, payload, ws=False):
    """An allowed attach that types payload: 101 with the upgrade asked for,
    and the payload reaches the process (its logs)."""
    s, r = _open_attach(target, path, ws)
    try:
        assert r.status == 101, (path, r)
        assert (r.header("upgrade") or "").lower() == ("websocket" if ws else "tcp"), r
        s.sendall(_ws_frame(payload) if ws else payload)
        helpers.wait_for(lambda: payload in logs(direct, cid), 60,
                         what="%r to reach container %s through %s" % (payload, cid[:12], path))
    finally:
        s.close()
    return r


def test_control_dockerd_feeds_websocket_frames_to_stdin_even_with_stdin_0(dockerd, direct,
                                                                         leftovers):
    """Without sockwall: dockerd 20.10 writes a websocket attach's frames into
    the container's stdin even when the request says stdin=0, so sockwall
    rightly judges every /attach/ws as writing."""
    name, cid = stdin_ctr(direct, "wsctl")
    s, r = _open_attach(dockerd.sock, "/containers/%s/attach/ws?stream=1&stdin=0&stdout=1"
                        % name, ws=True)
    try:
        assert r.status == 101, r
        s.sendall(_ws_frame(b"typed-with-stdin-0\n"))
        helpers.wait_for(lambda: b"typed-with-stdin-0\n" in logs(direct, cid), 60,
                         what="the frame to reach stdin")
    finally:
        s.close()


STDIN_ON = ("stdin=1", "stdin=true", "stdin=TRUE", "stdin=yes", "stdin=on",
            "stdin=1&stdin=0")
STDIN_OFF = ("stdin=0", "stdin=false", "stdin=no", "stdin=none", "stdin=", "logs=0")


def test_attach_with_stdin_into_a_powerful_container_needs_exec(sockwall, direct, leftovers,
                                                                powerful):
    sw = sockwall(ATTACH_ENV)
    for key, (name, cid) in powerful.items():
        for ref in (name, cid, cid[:12]):
            for q in STDIN_ON:
                path = "/containers/%s/attach?stream=1&stdout=1&stderr=1&%s" % (ref, q)
                r = attach(sw.unix, path, payload=b"typed-without-exec\n")
                msg = assert_refused(r, 403, EXEC_MSG, "stdin")
                assert "%.60s" % ref in msg, msg
            # a websocket attach types into stdin whatever stdin= says (see
            # the control test below)
            for q in ("stdin=1", "stdin=0", "stdout=1"):
                r = attach(sw.unix, "/containers/%s/attach/ws?stream=1&stdout=1&%s" % (ref, q),
                           payload=b"typed-over-ws\n", ws=True)
                assert_refused(r, 403, EXEC_MSG)
        # over TCP too, and below the current API version
        r = attach(sw.tcp, "/v1.24/containers/%s/attach?stream=1&stdin=1&stdout=1" % name,
                   payload=b"typed-over-tcp\n")
        assert_refused(r, 403, EXEC_MSG)
        # effect: nothing was typed into it, and it runs on
        assert logs(direct, cid) == b"", key
        assert running(direct, cid), key
    refusals = decisions(sw, "POST", "/attach") + decisions(sw, "GET", "/attach/ws")
    assert refusals and all(d["status"] == 403 and d["reason"] == "EXEC" for d in refusals), \
        refusals

    # benign twins under the same policy: reading only (stdin off) is allowed ...
    for key, (name, cid) in powerful.items():
        for q in STDIN_OFF:
            path = "/containers/%s/attach?stream=1&stdout=1&stderr=1&%s" % (name, q)
            r = attach(sw.unix, path)
            assert r.status == 101, (key, q, r)
            assert (r.header("upgrade") or "").lower() == "tcp", r
    # ... and typing into a plain container is allowed without EXEC
    pname, pid = stdin_ctr(direct, "aplain")
    attach_until_typed(direct, pid, sw.unix,
                       "/containers/%s/attach?stream=1&stdin=1&stdout=1" % pname, b"plain-in\n")
    attach_until_typed(direct, pid, sw.unix,
                       "/containers/%s/attach/ws?stream=1&stdin=1&stdout=1" % pid[:12],
                       b"plain-ws\n", ws=True)


def test_attach_with_stdin_into_a_powerful_container_with_exec(sockwall, direct, leftovers,
                                                               powerful):
    sw = sockwall(dict(ATTACH_ENV, EXEC="1"))
    for key, (name, cid) in powerful.items():
        attach_until_typed(direct, cid, sw.unix,
                           "/containers/%s/attach?stream=1&stdin=1&stdout=1" % name,
                           ("exec-ok-%s\n" % key).encode())
        attach_until_typed(direct, cid, sw.unix,
                           "/containers/%s/attach/ws?stream=1&stdin=1&stdout=1" % cid,
                           ("ws-ok-%s\n" % key).encode(), ws=True)
        assert running(direct, cid), key


def test_docker_attach_cli_into_a_powerful_container(sockwall, docker_cli, direct, leftovers):
    """`docker attach` sends stdin=1 when the container has an open stdin.
    The CLI does not show the body of a refused upgrade (it prints "unable
    to upgrade to tcp, received 403"): the rule is read from sockwall's log."""
    sw = sockwall(ATTACH_ENV)
    name, cid = stdin_ctr(direct, "clihostpid", {"PidMode": "host"}, once=True)
    r = docker_cli(sw.host, "attach", name, input="typed-by-cli\n")
    assert r.returncode != 0, (r.stdout, r.stderr)
    assert "403" in r.stderr, r.stderr
    assert r.stdout == "", r.stdout
    d = decisions(sw, "POST", "/containers/%s/attach" % name)
    assert d and d[-1]["status"] == 403 and d[-1]["reason"] == "EXEC", d
    # the CLI asked for stdin; the same request, replayed, shows the message
    assert "stdin=1" in d[-1]["path"], d[-1]
    r2 = attach(sw.unix, d[-1]["path"], payload=b"typed-by-replay\n")
    assert_refused(r2, 403, EXEC_MSG, name)
    assert logs(direct, cid) == b""
    assert running(direct, cid)
    # twin 1: the plain container takes the CLI's stdin without EXEC
    pname, pid = stdin_ctr(direct, "cliplain", once=True)
    r = docker_cli(sw.host, "attach", pname, input="plain-by-cli\n")
    assert assert_cli_ok(r) == "plain-by-cli", (r.stdout, r.stderr)
    assert direct.api.wait(pid, timeout=60)["StatusCode"] == 0
    # twin 2: with EXEC=1 the powerful one takes it too
    sw2 = sockwall(dict(ATTACH_ENV, EXEC="1"))
    r = docker_cli(sw2.host, "attach", name, input="exec-by-cli\n")
    assert assert_cli_ok(r) == "exec-by-cli", (r.stdout, r.stderr)
    assert direct.api.wait(cid, timeout=60)["StatusCode"] == 0
    assert logs(direct, cid) == b"exec-by-cli\n"


# ================================================================ B. exec Privileged


PRIV_BODIES = ({"Cmd": ["true"], "Privileged": True},
               {"Cmd": ["true"], "privileged": True},
               {"Cmd": ["true"], "PRIVILEGED": True},
               {"AttachStdout": True, "Privileged": True, "Cmd": ["id"], "User": "0"})
BENIGN_EXEC_BODIES = ({"Cmd": ["true"], "Privileged": False},
                      {"Cmd": ["true"]},
                      {"Cmd": ["true"], "privileged": False})


def _exec_ids(direct, cid):
    return direct.api.inspect_container(cid)["ExecIDs"] or []


@pytest.mark.parametrize("setting", [HARD, DENY_PRIV])
def test_privileged_exec_is_refused_under_the_filters(sockwall, docker_cli, direct, leftovers,
                                                      setting):
    c = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("ex"), detach=True)
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "EXEC": "1", setting: "true"})
    for ref in (c.name, c.id, c.id[:12]):
        for body in PRIV_BODIES:
            r = raw(sw, "POST", "/containers/%s/exec" % ref, body=js(body), headers=JSON_CT)
            assert_refused(r, 403, setting)
    # the key given twice (any case) cannot be judged: 400
    for body in ('{"Cmd": ["true"], "Privileged": false, "privileged": true}',
                 '{"Cmd": ["true"], "Privileged": true, "Privileged": false}'):
        r = raw(sw, "POST", "/containers/%s/exec" % c.name, body=body, headers=JSON_CT)
        assert_refused(r, 400, "ambiguous")
    with pytest.raises(docker.errors.APIError) as e:
        sw.client().api.exec_create(c.id, ["true"], privileged=True)
    assert e.value.status_code == 403 and setting in str(e.value), e.value
    r = docker_cli(sw.host, "exec", "--privileged", c.name, "touch", "/tmp/priv")
    assert_cli_refused(r, setting)
    # effect: dockerd holds no exec for the container
    assert _exec_ids(direct, c.id) == [], direct.api.inspect_container(c.id)["ExecIDs"]
    assert c.exec_run(["test", "-e", "/tmp/priv"]).exit_code == 1
    # benign twins under the same filter
    before = set(_exec_ids(direct, c.id))
    made = []
    for body in BENIGN_EXEC_BODIES:
        r = raw(sw, "POST", "/containers/%s/exec" % c.name, body=js(body), headers=JSON_CT)
        assert r.status == 201, (body, r)
        made.append(r.json()["Id"])
        assert direct.api.exec_inspect(made[-1])["ProcessConfig"]["privileged"] is False
    assert set(_exec_ids(direct, c.id)) >= before | set(made)
    out = assert_cli_ok(docker_cli(sw.host, "exec", c.name, "echo", "unprivileged-ok"))
    assert out == "unprivileged-ok"


def test_privileged_exec_without_the_filters_is_dockerds_call(sockwall, direct, leftovers):
    c = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("ex"), detach=True)
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "EXEC": "1"})
    r = raw(sw, "POST", "/containers/%s/exec" % c.name,
            body=js({"Cmd": ["true"], "Privileged": True}), headers=JSON_CT)
    assert r.status == 201, r
    eid = r.json()["Id"]
    assert eid in _exec_ids(direct, c.id)
    assert direct.api.exec_inspect(eid)["ProcessConfig"]["privileged"] is True
    # without EXEC at all, no exec is created, privileged or not
    sw2 = sockwall({"CONTAINERS": "1", "POST": "1"})
    for body in ({"Cmd": ["true"], "Privileged": True}, {"Cmd": ["true"]}):
        r = raw(sw2, "POST", "/containers/%s/exec" % c.name, body=js(body), headers=JSON_CT)
        assert_refused(r, 403, "EXEC")
    assert _exec_ids(direct, c.id) == [eid]


# ================================================================ C. checkpoint directories
#
# dockerd 20.10 without --experimental answers the checkpoint routes with 501
# and refuses start's checkpoint-dir= itself (403 "custom checkpointdir is not
# supported"): here sockwall's refusal is defence in depth, so the refusals
# are told apart from dockerd's by the "sockwall:" prefix and sockwall's log.


@pytest.fixture
def ckpt_dir():
    """A path under /tmp that does not exist (removed afterwards should it appear)."""
    d = "/tmp/swckpt-%s" % uuid.uuid4().hex[:10]
    assert not os.path.exists(d)
    yield d
    if os.path.isdir(d) and not os.path.islink(d):
        shutil.rmtree(d, ignore_errors=True)


def _enc(p):
    return p.replace("/", "%2F")


def test_checkpoint_dir_is_refused(sockwall, direct, dockerd, leftovers, ckpt_dir):
    c = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("ck"), detach=True)
    sw = sockwall({"CONTAINERS": "1", "POST": "1"})
    for ref in (c.name, c.id[:12]):
        for method, path in (
                ("GET", "/containers/%s/checkpoints?dir=%s" % (ref, ckpt_dir)),
                ("GET", "/containers/%s/checkpoints?dir=%s" % (ref, _enc(ckpt_dir))),
                ("DELETE", "/containers/%s/checkpoints/x?dir=%s" % (ref, ckpt_dir)),
                ("DELETE", "/containers/%s/checkpoints/x?dir=%s/x" % (ref, _enc(ckpt_dir)))):
            r = raw(sw, method, path)
            msg = assert_refused(r, 403, "checkpoint directory")
            assert "dir=" in msg, msg
            assert not os.path.exists(ckpt_dir), path
        # given twice: cannot be judged, 400
        r = raw(sw, "GET", "/containers/%s/checkpoints?dir=&dir=%s" % (ref, ckpt_dir))
        assert_refused(r, 400, "dir", "2 times")
    assert not os.path.exists(ckpt_dir)
    # ten refusals, each logged as it is answered (the reader thread may lag)
    def refusals():
        got = decisions(sw, "GET", "/checkpoints") + decisions(sw, "DELETE", "/checkpoints")
        return got if len(got) >= 10 else None
    logs_ = helpers.wait_for(refusals, 10, what="the ten decision lines")
    assert logs_ and all(d["status"] in (400, 403) for d in logs_), logs_
    assert {d["reason"] for d in logs_ if d["status"] == 403} == {"default:root-path"}, logs_
    assert running(direct, c.id)
    # benign twins: without dir= (or with an empty one) the request reaches
    # dockerd, which answers for itself (20.10 without experimental: 501)
    for method, path in (("GET", "/containers/%s/checkpoints" % c.name),
                         ("GET", "/containers/%s/checkpoints?dir=" % c.name),
                         ("DELETE", "/containers/%s/checkpoints/x" % c.name)):
        r = raw(sw, method, path)
        d = raw_direct(dockerd, method, path)
        assert (r.status, r.body) == (d.status, d.body), (path, r, d)
        if r.status >= 400:
            msg = helpers.assert_json_error(r, r.status)
            assert not msg.startswith("sockwall:"), (path, msg)
    assert not os.path.exists(ckpt_dir)


START_POLICIES = {"allow-start-alone": {"ALLOW_START": "1"},
                  "containers-post": {"CONTAINERS": "1", "POST": "1"}}


@pytest.mark.parametrize("policy", list(START_POLICIES.values()), ids=list(START_POLICIES))
def test_start_with_checkpoint_dir_is_refused(sockwall, direct, leftovers, ckpt_dir, policy):
    sw = sockwall(policy)
    c = direct.containers.create("bb:latest", ["sleep", "600"], name=uniq("cks"))
    for q in ("checkpoint-dir=%s" % ckpt_dir, "checkpoint=x&checkpoint-dir=%s" % ckpt_dir,
              "checkpoint-dir=%s" % _enc(ckpt_dir),
              "checkpoint-dir=&checkpoint-dir=%s" % ckpt_dir):
        for ref in (c.name, c.id):
            r = raw(sw, "POST", "/containers/%s/start?%s" % (ref, q))
            if q.count("checkpoint-dir=") > 1:  # cannot be judged: 400
                assert_refused(r, 400, "checkpoint-dir", "2 times")
            else:
                assert_refused(r, 403, "checkpoint-dir=")
            a = direct.api.inspect_container(c.id)["State"]
            assert a["Running"] is False and a["StartedAt"].startswith("0001-"), (q, a)
            assert not os.path.exists(ckpt_dir), q
    # benign twin: an empty checkpoint-dir, then none at all
    r = raw(sw, "POST", "/containers/%s/start?checkpoint-dir=" % c.name)
    assert r.status == 204, r
    assert running(direct, c.id)
    c2 = direct.containers.create("bb:latest", ["sleep", "600"], name=uniq("cks"))
    r = raw(sw, "POST", "/containers/%s/start" % c2.id)
    assert r.status == 204, r
    assert running(direct, c2.id)
    assert not os.path.exists(ckpt_dir)


# ================================================================ D. shareable IPC is not "self"


def test_a_shareable_ipc_container_is_not_taken_for_the_proxy(sockwall, docker_cli, direct,
                                                             leftovers, proxy_ctr):
    """sockwall on the host reads /proc/self/mountinfo for its own container
    ID; a container with --ipc shareable has its /dev/shm mounted on the host
    under .../containers/<its id>/mounts/shm.  Started before sockwall, it
    must still be an ordinary container."""
    shm = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("shm"), detach=True,
                                ipc_mode="shareable")
    assert direct.api.inspect_container(shm.id)["HostConfig"]["IpcMode"] == "shareable"
    with open("/proc/self/mountinfo") as f:
        mi = f.read()
    # the premise: the host's mount table names that container
    assert "/containers/%s/" % shm.id in mi, "no shm mount of %s on the host:\n%s" % (shm.id, mi)
    sw = sockwall({"CONTAINERS": "1", "POST": "1"})

    r = raw(sw, "POST", "/containers/%s/stop?t=1" % shm.id)
    assert r.status == 204, r
    assert not running(direct, shm.id)
    r = raw(sw, "POST", "/containers/%s/start" % shm.name)
    assert r.status == 204, r
    assert running(direct, shm.id)
    assert_cli_ok(docker_cli(sw.host, "stop", "-t", "1", shm.name))
    assert not running(direct, shm.id)

    # the proxy's own container (by name) stays protected
    for ref in ("docker-proxy", proxy_ctr.id):
        r = raw(sw, "POST", "/containers/%s/stop?t=1" % ref)
        assert_refused(r, 403, PROXY_MSG)
    assert_cli_refused(docker_cli(sw.host, "stop", "-t", "1", "docker-proxy"), PROXY_MSG)
    assert running(direct, proxy_ctr.id)
    d = [x for x in decisions(sw, "POST", "/containers/") if "docker-proxy" not in x["path"]
         and proxy_ctr.id not in x["path"]]
    assert len(d) == 3 and all(x["decision"] == "allow" for x in d), d
