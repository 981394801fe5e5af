"""Shared bits for the protection / filter / seed-flow integration tests:
snapshots of what dockerd holds (to prove a refused request left no trace),
assertions on refusals, and a fixture that removes the volumes, networks
and images a test created (conftest only removes containers)."""

import json
import os
import shutil
import subprocess
import uuid

import docker
import pytest

import helpers

API = "/v1.41"
SOCKWALL_BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
                            "sockwall")


HOST_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")


def uniq(prefix="sw"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


# ---------------------------------------------------------------- dockerd state


class Snapshot:
    """What dockerd holds right now: containers, volumes, networks, images."""

    def __init__(self, direct):
        self.direct = direct
        self.containers = self._containers()
        self.volumes = self._volumes()
        self.networks = self._networks()
        self.images = self._images()

    def _containers(self):
        return {c.id for c in self.direct.containers.list(all=True)}

    def _volumes(self):
        return {v.name for v in self.direct.volumes.list()}

    def _networks(self):
        return {n.id for n in self.direct.networks.list()}

    def _images(self):
        return {(i.id, tuple(sorted(i.tags))) for i in self.direct.images.list(all=True)}

    def new_containers(self):
        return self._containers() - self.containers

    def new_volumes(self):
        return self._volumes() - self.volumes

    def assert_unchanged(self, what=""):
        """No new container, volume or network; no image or tag added."""
        assert self._containers() == self.containers, \
            "dockerd has new containers after %s: %r" % (what, self.new_containers())
        assert self._volumes() == self.volumes, \
            "dockerd has new volumes after %s: %r" % (what, self.new_volumes())
        assert self._networks() == self.networks, \
            "dockerd has new networks after %s" % what
        assert self._images() == self.images, "dockerd's images changed after %s" % what


# ---------------------------------------------------------------- refusals


def assert_cli_refused(r, *words):
    """A docker CLI run that sockwall refused: non-zero exit, the daemon-error
    shape, sockwall's message and every one of `words` in stderr."""
    assert r.returncode != 0, "expected a refusal, got success: %s%s" % (r.stdout, r.stderr)
    assert "Error response from daemon" in r.stderr, r.stderr
    assert "sockwall:" in r.stderr, r.stderr
    for w in words:
        assert w in r.stderr, "%r not in %r" % (w, r.stderr)


def assert_cli_ok(r):
    assert r.returncode == 0, "expected success:\nstdout=%s\nstderr=%s" % (r.stdout, r.stderr)
    return r.stdout.strip()


def raw(sw, method, path, body=None, headers=None, timeout=20.0):
    """One request through sockwall's unix socket; `body` str/bytes is sent verbatim."""
    if path.startswith("/") and not path.startswith("/v1."):
        path = API + path
    return helpers.one(sw.unix, method, path, headers=headers, body=body, timeout=timeout)


def raw_direct(dockerd, method, path, body=None, headers=None, timeout=20.0):
    """The same request straight to dockerd (no sockwall)."""
    if path.startswith("/") and not path.startswith("/v1."):
        path = API + path
    return helpers.one(dockerd.sock, method, path, headers=headers, body=body, timeout=timeout)


def assert_refused(resp, status, *words):
    """A local sockwall refusal: status, Docker-shaped JSON, sockwall's message."""
    msg = helpers.assert_json_error(resp, status)
    assert msg.startswith("sockwall:"), resp
    for w in words:
        assert w in msg, "%r not in %r" % (w, msg)
    return msg


# ---------------------------------------------------------------- sockwall start-up failures


def run_sockwall_expect_exit(dockerd, env, timeout=10):
    """Run build/sockwall with `env`; it must exit by itself (a start-up error).
    Returns (returncode, stderr)."""
    e = {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "SOCKET_PATH": dockerd.sock,
        "SOCKWALL_LISTEN": "unix://" + os.path.join(dockerd.tmp,
                                                    "bad-%s.sock" % uuid.uuid4().hex[:8]),
    }
    e.update({k: str(v) for k, v in env.items()})
    p = subprocess.Popen([str(SOCKWALL_BIN)], env=e, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=5)
        raise AssertionError("sockwall did not exit on a bad setting %r; log:\n%s"
                             % (env, (err + out).decode("utf-8", "replace")[-3000:]))
    return p.returncode, (err + out).decode("utf-8", "replace")


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def leftovers(dockerd, direct):
    """Removes, after the test, every volume, network and image tag the test
    added (containers first, so the volumes are free)."""
    before = Snapshot(direct)
    absent = [p for p in HOST_SOCKETS if not os.path.lexists(p)]
    yield before
    dockerd.remove_all_containers()
    # Had a refusal failed (or SOCKWALL_IT_PASSTHROUGH=1), dockerd would have
    # created a missing bind source as an empty directory: take it back.
    for p in absent:
        if os.path.isdir(p) and not os.path.islink(p):
            try:
                os.rmdir(p)
            except OSError:
                pass
    for name in {v.name for v in direct.volumes.list()} - before.volumes:
        try:
            direct.volumes.get(name).remove(force=True)
        except docker.errors.APIError:
            pass
    for n in direct.networks.list():
        if n.id not in before.networks:
            try:
                n.remove()
            except docker.errors.APIError:
                pass
    old_tags = {t for _, tags in before.images for t in tags}
    old_ids = {i for i, _ in before.images}
    for img in direct.images.list(all=True):
        for t in img.tags:
            if t not in old_tags:
                try:
                    direct.images.remove(t, noprune=False)
                except docker.errors.APIError:
                    pass
        if img.id not in old_ids:
            try:
                direct.images.remove(img.id, force=True)
            except docker.errors.APIError:
                pass


@pytest.fixture
def host_dir():
    """A fresh directory under /tmp (removed afterwards)."""
    d = "/tmp/swbind-%s" % uuid.uuid4().hex[:10]
    os.mkdir(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def proxy_ctr(direct):
    """A running container named docker-proxy, created directly on dockerd
    (before sockwall starts, like the real deployment)."""
    return direct.containers.run("bb:latest", ["sleep", "600"], name="docker-proxy",
                                 detach=True)


def unique_prefix(direct, cid):
    """The shortest prefix of `cid` that no other container ID starts with
    (and that is no container's name)."""
    others = [c for c in direct.containers.list(all=True) if c.id != cid]
    names = {c.name for c in others}
    for n in range(1, 13):
        p = cid[:n]
        if p not in names and not any(c.id.startswith(p) for c in others):
            return p
    raise AssertionError("no unique prefix for %s" % cid)


def running(direct, cid):
    return direct.containers.get(cid).attrs["State"]["Running"]


def decisions(sw, method, path_part):
    """sockwall's request log lines for `method` whose path contains path_part."""
    return [d for d in sw.request_logs()
            if d.get("method") == method and path_part in d.get("path", "")]


def wait_decision(sw, method, path_part, timeout=5):
    return helpers.wait_for(lambda: decisions(sw, method, path_part), timeout,
                            what="a log line for %s %s" % (method, path_part))


def js(obj):
    return json.dumps(obj)
