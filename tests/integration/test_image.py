"""The FROM scratch image, for real: built on the test dockerd from the
release binary (Dockerfile.scratch --target runtime-prebuilt: this machine
has no registry for the build stage's base image), run there with the
socket mounted, and driven through the container with the docker CLI and
python3-docker.

The proxy's container has a name of its own (not PROXY_CONTAINER_NAME's
default): it must protect itself because it found its own ID in
/proc/self/mountinfo, whichever way a client names it."""

import io
import json
import os
import socket
import tarfile
import uuid

import docker
import pytest

import helpers
from protect_helpers import assert_cli_ok, assert_cli_refused, unique_prefix

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Always the static release binary: SOCKWALL_BIN may be the ASan build,
# which is dynamic and would not run in an empty image.
BINARY = os.path.join(REPO, "build", "sockwall")
PROXY_MSG = "proxy's own container"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def image(dockerd, docker_cli):
    """sockwall-it:<random>, built from build/sockwall; removed afterwards."""
    if not os.access(BINARY, os.X_OK):
        pytest.fail("%s is missing: run `make` first" % BINARY)
    tag = "sockwall-it:%s" % uuid.uuid4().hex[:8]
    # The legacy builder: dockerd 20.10 here, and a docker CLI without buildx
    # refuses BuildKit builds.
    r = docker_cli(dockerd.host, "build", "-q", "-f", os.path.join(REPO, "Dockerfile.scratch"),
                   "--target", "runtime-prebuilt", "-t", tag, REPO,
                   env={"DOCKER_BUILDKIT": "0"}, timeout=120)
    assert r.returncode == 0, "docker build failed:\n%s%s" % (r.stdout, r.stderr)
    yield tag
    try:
        dockerd.client.images.remove(tag, force=True)
    except docker.errors.APIError:
        pass


def test_image_holds_the_binary_alone(dockerd, image):
    saved = io.BytesIO()
    for chunk in dockerd.client.images.get(image).save():
        saved.write(chunk)
    saved.seek(0)
    with tarfile.open(fileobj=saved) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        layers = manifest[0]["Layers"]
        assert len(layers) == 1, manifest
        with tarfile.open(fileobj=io.BytesIO(t.extractfile(layers[0]).read())) as layer:
            members = layer.getmembers()
    assert [(m.name, m.isfile()) for m in members] == [("sockwall", True)], \
        [m.name for m in members]
    assert members[0].mode & 0o111, oct(members[0].mode)
    assert members[0].size == os.path.getsize(BINARY)

    attrs = dockerd.client.api.inspect_image(image)
    cfg = attrs["Config"]
    assert cfg["Entrypoint"] == ["/sockwall"]
    assert cfg["Healthcheck"]["Test"] == ["CMD", "/sockwall", "--healthcheck"]
    assert "2375/tcp" in cfg["ExposedPorts"]
    assert not cfg.get("User"), "root by default, as the proxies it replaces"
    # The figure docs/operating.md reports.
    print("image size: %d bytes (binary %d)" % (attrs["Size"], os.path.getsize(BINARY)))
    assert attrs["Size"] < 1024 * 1024


def test_image_version_and_check_config(dockerd, docker_cli, image):
    r = docker_cli(dockerd.host, "run", "--rm", image, "--version")
    assert r.returncode == 0 and r.stdout.startswith("sockwall "), r
    r = docker_cli(dockerd.host, "run", "--rm", "-e", "SOCKWALL_POLICY=traefik", image,
                   "--check-config")
    assert r.returncode == 0, r
    assert "tcp://[::]:2375" in r.stdout and "upstream: unix:///var/run/docker.sock" in r.stdout, \
        r.stdout
    r = docker_cli(dockerd.host, "run", "--rm", "-e", "CONTAINERS=maybe", "-e", "POST=2", image,
                   "--check-config")
    assert r.returncode == 2, r
    assert "CONTAINERS" in r.stderr and "POST" in r.stderr, r.stderr


class ProxyContainer:
    """The image running on the test dockerd with its socket mounted, on the
    host's network (the test dockerd has no bridge) at a free port."""

    def __init__(self, dockerd, docker_cli, image, env, user=None):
        self.port = free_port()
        self.host = "tcp://127.0.0.1:%d" % self.port
        self.name = "edge-sockwall-%s" % uuid.uuid4().hex[:6]
        args = ["run", "-d", "--name", self.name, "--network", "host",
                "--health-interval=1s", "--health-timeout=5s",
                "-v", "%s:/var/run/docker.sock" % dockerd.sock,
                "-e", "SOCKWALL_LISTEN=tcp://127.0.0.1:%d" % self.port]
        if user:
            args += ["--user", user]
        for k, v in env.items():
            args += ["-e", "%s=%s" % (k, v)]
        r = docker_cli(dockerd.host, *args, image)
        assert r.returncode == 0, r
        self.id = r.stdout.strip()
        assert len(self.id) == 64, r.stdout
        self.dockerd = dockerd

    def health(self):
        return self.dockerd.client.api.inspect_container(self.id)["State"].get(
            "Health", {}).get("Status")

    def wait_healthy(self, timeout=30):
        try:
            helpers.wait_for(lambda: self.health() == "healthy", timeout, interval=0.2,
                             what="the proxy container to turn healthy")
        except AssertionError:
            raise AssertionError("%s; health %r; log:\n%s" % (
                self.health(),
                self.dockerd.client.api.inspect_container(self.id)["State"].get("Health"),
                self.logs()))

    def logs(self):
        return self.dockerd.client.api.logs(self.id).decode("utf-8", "replace")

    def log_texts(self):
        """The message (or reason) of each JSON log line, unescaped."""
        out = []
        for line in self.logs().splitlines():
            if line.startswith("{"):
                d = json.loads(line)
                out.append(d.get("msg") or d.get("reason") or "")
        return "\n".join(out)


def test_container_protects_itself_by_id_prefix_and_name(dockerd, docker_cli, direct, image):
    proxy = ProxyContainer(dockerd, docker_cli, image,
                           {"CONTAINERS": "1", "POST": "1", "EXEC": "1"})
    proxy.wait_healthy()
    assert "running in container %s" % proxy.id[:12] in proxy.logs(), proxy.logs()
    cli = lambda *a: docker_cli(proxy.host, *a)  # noqa: E731

    # Through the container, the client sees dockerd.
    assert proxy.name in assert_cli_ok(cli("ps", "--format", "{{.Names}}")).split()

    refs = {"full ID": proxy.id, "short ID": proxy.id[:12],
            "shortest unique prefix": unique_prefix(direct, proxy.id), "name": proxy.name}
    for what, ref in refs.items():
        for args in (["stop", "-t", "1", ref], ["kill", ref], ["rm", "-f", ref],
                     ["exec", ref, "/sockwall", "--version"], ["restart", ref]):
            r = cli(*args)
            assert_cli_refused(r, PROXY_MSG)
    # All of it refused: the proxy is still there and still serving.
    assert direct.containers.get(proxy.id).status == "running"
    assert proxy.health() == "healthy"

    # python3-docker, the way a bot talks to it.
    client = docker.DockerClient(base_url=proxy.host, timeout=30)
    try:
        own = client.containers.get(proxy.name)
        assert own.id == proxy.id
        for call in (lambda: own.stop(timeout=1), lambda: own.kill(),
                     lambda: own.remove(force=True), lambda: own.exec_run(["true"])):
            with pytest.raises(docker.errors.APIError) as e:
                call()
            assert e.value.status_code == 403, e.value
            assert PROXY_MSG in str(e.value), e.value

        # The same calls on another container pass.
        other = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                      name="other-%s" % uuid.uuid4().hex[:6])
        assert "hi" in assert_cli_ok(cli("exec", other.id[:12], "echo", "hi"))
        assert client.containers.get(other.name).exec_run(["echo", "py"]).output == b"py\n"
        assert_cli_ok(cli("stop", "-t", "1", other.name))
        assert_cli_ok(cli("start", other.name))
        client.containers.get(other.id).kill()
        assert_cli_ok(cli("rm", "-f", other.id))
        with pytest.raises(docker.errors.NotFound):
            direct.containers.get(other.id)
    finally:
        client.close()

    # Each refusal is one log line that names the rule (read with `docker logs`).
    denials = [json.loads(line) for line in proxy.logs().splitlines()
               if line.startswith("{") and '"decision":"deny"' in line]
    assert len(denials) >= len(refs) * 5 + 4, proxy.logs()[-3000:]
    assert all(d["status"] == 403 for d in denials), denials
    assert direct.containers.get(proxy.id).status == "running"


def test_container_as_nobody_says_which_user_line_to_use(dockerd, docker_cli, direct, image):
    """Non-root without the socket's group: the log names the fix; with the
    `--user 65534:<socket gid>` it suggests, the same image serves."""
    st = os.stat(dockerd.sock)
    if st.st_mode & 0o006 == 0o006:
        pytest.skip("the test dockerd's socket is world-writable")
    proxy = ProxyContainer(dockerd, docker_cli, image, {"CONTAINERS": "1"},
                           user="65534:65534")
    helpers.wait_for(lambda: "user:" in proxy.log_texts(), 15,
                     what="the socket permission hint")
    text = proxy.log_texts()
    assert 'user: "65534:%d"' % st.st_gid in text, text
    assert "runs as uid 65534 gid 65534; the socket is owned by uid %d gid %d" % (
        st.st_uid, st.st_gid) in text, text
    r = docker_cli(proxy.host, "ps")
    assert r.returncode != 0 and "Permission denied" in r.stderr, r
    assert "the proxy's log says how to fix it" in r.stderr, r.stderr

    fixed = ProxyContainer(dockerd, docker_cli, image, {"CONTAINERS": "1"},
                           user="65534:%d" % st.st_gid)
    fixed.wait_healthy()
    assert fixed.name in assert_cli_ok(docker_cli(fixed.host, "ps", "--format",
                                                  "{{.Names}}")).split()
    assert "user:" not in fixed.logs(), fixed.logs()
