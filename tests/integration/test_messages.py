"""What a refused user reads from a sockwall running in a container it was
never told the name of: the proxy's own container is named as found by
the ID in its /proc/self/mountinfo, with the whole 64-digit ID, not as
PROXY_CONTAINER_NAME; routes are written /containers/{id}/..."""

import helpers
from protect_helpers import API, assert_cli_refused
from test_image import ProxyContainer, image  # noqa: F401 (the fixture)


def test_the_proxy_says_how_it_knew_its_own_container(dockerd, docker_cli, direct, image,  # noqa: F811
                                                     tmp_path):
    proxy = ProxyContainer(dockerd, docker_cli, image, {"CONTAINERS": "1", "POST": "1"})
    proxy.wait_healthy()
    assert "running in container %s (the ID in its own /proc/self/mountinfo)" % proxy.id \
        in proxy.log_texts(), proxy.logs()

    for ref in (proxy.name, proxy.id[:12], proxy.id):
        r = docker_cli(proxy.host, "stop", "-t", "1", ref)
        assert_cli_refused(r, "'%s' is the proxy's own container (ID %s, which sockwall "
                           "found in its own /proc/self/mountinfo)" % (ref, proxy.id))
        assert "PROXY_CONTAINER_NAME" not in r.stderr, r.stderr
    assert direct.containers.get(proxy.id).status == "running"

    # a toggle refusal names the route as the API reference writes it
    r = docker_cli(proxy.host, "export", "-o", str(tmp_path / "e.tar"), proxy.name)
    assert_cli_refused(r, "GET /containers/{id}/export is denied: set ALLOW_EXPORT=1")


def head(sock, path):
    """HEAD API+path on a unix socket; the answer's head (a HEAD has no body)."""
    s = helpers.connect(sock)
    try:
        s.sendall(helpers.request("HEAD", API + path))
        r = helpers.ResponseReader(s).read(timeout=10, head_request=True)
        assert r is not None, "no answer to HEAD %s" % path
        return r
    finally:
        s.close()


def test_head_on_a_get_only_route_is_what_the_docs_say(dockerd, sockwall):
    """docs/access-control.md: dockerd 20.10 has no HEAD route for GET-only endpoints and
    answers 404 (page not found), not 405; sockwall refuses such a HEAD
    itself, 403, whatever is enabled; HEAD /_ping and HEAD archive pass."""
    direct = [head(dockerd.sock, p) for p in ("/containers/json", "/version",
                                                         "/images/json")]
    assert [r.status for r in direct] == [404, 404, 404], direct
    assert head(dockerd.sock, "/_ping").status == 200

    sw = sockwall({"CONTAINERS": "1", "IMAGES": "1", "POST": "1"})
    for p in ("/containers/json", "/version", "/images/json"):
        r = head(sw.unix, p)
        assert r.status == 403, r
        assert (r.header("content-type") or "").startswith("application/json"), r
    assert helpers.one(sw.unix, "GET", API + "/containers/json").status == 200
    assert head(sw.unix, "/_ping").status == 200
    r = head(sw.unix, "/containers/nope/archive?path=/")
    assert r.status == 403, r  # ALLOW_ARCHIVE is off
    sw2 = sockwall({"CONTAINERS": "1", "ALLOW_ARCHIVE": "1"})
    assert head(sw2.unix, "/containers/nope/archive?path=/").status == 404  # dockerd's
    msgs = [d for d in sw.request_logs() if d["method"] == "HEAD" and "/version" in d["path"]]
    assert [(d["decision"], d["reason"]) for d in msgs] == [("deny", "unknown-route")], msgs


def test_explain_prints_routes_in_the_api_form():
    """--explain (offline) names the route as the API reference does."""
    import subprocess
    from conftest import SOCKWALL_BIN
    env = {"PATH": "/usr/bin:/bin", "SOCKET_PATH": "/nonexistent/docker.sock"}
    r = subprocess.run([str(SOCKWALL_BIN), "--explain", "GET", "/v1.41/containers/abc/logs"],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=10)
    assert r.returncode == 1, r
    assert "route: GET /containers/{id}/logs (CONTAINERS)" in r.stdout, r.stdout
    assert "GET /containers/{id}/logs is denied: set CONTAINERS=1" in r.stdout, r.stdout
    assert ":.*" not in r.stdout, r.stdout
