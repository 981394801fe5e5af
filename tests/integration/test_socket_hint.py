"""A non-root proxy that may not open the Docker socket says why and how to
fix it: at start-up and in the log line of every 502, the uid/gid it runs
as, who owns the socket, and the compose `user:` line; the client gets a
Docker-shaped 502 that points at the log.  Following the hint works.

The proxy runs under setpriv as uid 65534; the socket it is given is a
socat relay to the test dockerd, root:<group> 0660, in a directory anyone
may enter (the test dockerd's own socket lives in a 0700 directory)."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

import conftest
import helpers

NOBODY = 65534


class SetprivSockwall(conftest.Sockwall):
    """conftest's Sockwall, started as uid:gid with no supplementary groups,
    listening where that user may create its socket."""

    def __init__(self, dockerd, env, socket_path, uid, gid, listen_dir):
        super().__init__(dockerd, env, socket_path)
        self.ids = (uid, gid)
        self.unix = os.path.join(listen_dir, "sw-%d-%d.sock" % (uid, gid))
        self.host = "unix://" + self.unix
        self.env["SOCKWALL_LISTEN"] = "unix://%s,tcp://%s" % (self.unix, self.tcp)

    def _spawn(self, argv):
        return super()._spawn(["setpriv", "--reuid=%d" % self.ids[0], "--regid=%d" % self.ids[1],
                               "--clear-groups", *argv])


@pytest.fixture
def relay(dockerd):
    """(path, gid): a root:<gid> 0660 socket relaying to the test dockerd."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is missing")
    d = tempfile.mkdtemp(prefix="swhint.", dir="/tmp")
    os.chmod(d, 0o1777)
    gid = os.stat(dockerd.sock).st_gid or 105
    path = os.path.join(d, "docker.sock")
    p = subprocess.Popen(["socat", "UNIX-LISTEN:%s,fork,mode=0660,user=0,group=%d" % (path, gid),
                          "UNIX-CONNECT:" + dockerd.sock],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    helpers.wait_for(lambda: os.path.exists(path), 10, what="the socat relay")
    yield path, gid, d
    helpers.kill_proc(p)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def as_user(dockerd):
    started = []

    def start(env, socket_path, uid, gid, listen_dir):
        sw = SetprivSockwall(dockerd, env, socket_path, uid, gid, listen_dir)
        started.append(sw)
        return sw.start()

    yield start
    for sw in started:
        sw.stop()
        if sw.log_text():
            print("---- sockwall as %d:%d ----\n%s" % (*sw.ids, sw.log_text()[-4000:]))


def test_nobody_gets_the_user_line_to_use(relay, as_user, docker_cli):
    path, gid, d = relay
    sw = as_user({"CONTAINERS": "1"}, path, NOBODY, NOBODY, d)
    hint = 'user: "%d:%d"' % (NOBODY, gid)
    facts = "sockwall runs as uid %d gid %d; the socket is owned by uid 0 gid %d mode 0660" % (
        NOBODY, NOBODY, gid)

    # At start-up, before any client came (written before the proxy listens;
    # the reader thread may still be catching up with it).
    start = helpers.wait_for(
        lambda: [d for d in sw.log_json()
                 if "msg" in d and "cannot open the Docker socket" in d["msg"]],
        10, what="the start-up warning")
    assert start[0]["level"] == "warning", sw.log_text()
    assert facts in start[0]["msg"] and hint in start[0]["msg"], start[0]["msg"]

    # A client: a Docker-shaped 502 that points at the log (the uid/gid and
    # the socket's owner are the operator's business, not a remote client's).
    r = helpers.one(sw.unix, "GET", "/v1.41/containers/json")
    msg = helpers.assert_json_error(r, 502)
    assert "Permission denied" in msg and "the proxy's log says how to fix it" in msg, msg
    assert "user:" not in msg, msg
    c = docker_cli(sw.tcp_host, "ps")
    assert c.returncode != 0 and "Permission denied" in c.stderr, c

    # Every 502 has its log line, with the hint as the reason.
    # (a line is written once its response has been sent: it may trail the response)
    lines = helpers.wait_for(
        lambda: [x for x in sw.request_logs() if x["status"] == 502][1:] and
        [x for x in sw.request_logs() if x["status"] == 502], 10,
        what="two 502 log lines:\n" + sw.log_text())
    for x in lines:
        assert x["decision"] == "error" and hint in x["reason"] and facts in x["reason"], x
        assert "group_add: [\"%d\"]" % gid in x["reason"], x


def test_following_the_hint_works(relay, as_user, docker_cli, direct):
    path, gid, d = relay
    sw = as_user({"CONTAINERS": "1"}, path, NOBODY, gid, d)
    assert "cannot open the Docker socket" not in sw.log_text(), sw.log_text()
    c = direct.containers.run("bb:latest", ["sleep", "60"], detach=True)
    out = docker_cli(sw.tcp_host, "ps", "-q", "--no-trunc")
    assert out.returncode == 0 and c.id in out.stdout, out
    assert all(x["status"] != 502 for x in sw.request_logs()), sw.log_text()


def test_closed_directory_is_named(dockerd, as_user, relay):
    """The test dockerd's socket sits in a 0700 directory: nobody cannot even
    look at it, and the hint says to mount the socket itself."""
    _, _, d = relay
    sw = as_user({}, dockerd.sock, NOBODY, NOBODY, d)
    r = helpers.one(sw.unix, "GET", "/_ping")
    helpers.assert_json_error(r, 502)
    line = helpers.wait_for(lambda: [x for x in sw.request_logs() if x["status"] == 502], 10,
                            what="the 502's log line")[-1]
    assert "cannot be examined (Permission denied)" in line["reason"], line
    assert "mount the socket itself" in line["reason"], line
    assert json.dumps(line)  # a well-formed JSON line despite the quotes and backticks
