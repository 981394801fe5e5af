"""What a refused user reads from a sockwall running in a container it was
never told the name of: the proxy's own container is named as found by
the ID in its /proc/self/mountinfo, with the whole 64-digit ID, not as
PROXY_CONTAINER_NAME; routes are written /containers/{id}/..."""

from protect_helpers import assert_cli_refused
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
