"""Denied calls fail with sockwall's message and leave no trace in dockerd."""

import uuid


def test_defaults_deny_run(sockwall, docker_cli, direct):
    sw = sockwall({})
    before = sorted(c.id for c in direct.containers.list(all=True))
    r = docker_cli(sw.host, "run", "bb", "true")
    assert r.returncode != 0
    assert "sockwall" in r.stderr, r.stderr
    assert "CONTAINERS" in r.stderr or "POST" in r.stderr, r.stderr
    assert "Error response from daemon" in r.stderr, r.stderr
    assert sorted(c.id for c in direct.containers.list(all=True)) == before


def test_defaults_deny_ps_but_allow_version(sockwall, docker_cli):
    sw = sockwall({})
    r = docker_cli(sw.host, "ps")
    assert r.returncode != 0
    assert "sockwall" in r.stderr and "CONTAINERS" in r.stderr, r.stderr
    r = docker_cli(sw.host, "version", "--format", "{{.Server.APIVersion}}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1.41"


def test_containers_without_post_denies_writes(sockwall, docker_cli, direct, looper):
    sw = sockwall({"CONTAINERS": "1"})
    before = sorted(c.id for c in direct.containers.list(all=True))
    r = docker_cli(sw.host, "ps", "-q", "--no-trunc")
    assert r.returncode == 0, r.stderr
    assert looper.id in r.stdout.split()
    for args in (["stop", "-t", "1", looper.id], ["rm", "-f", looper.id],
                 ["create", "bb", "true"]):
        r = docker_cli(sw.host, *args)
        assert r.returncode != 0, args
        assert "sockwall" in r.stderr, (args, r.stderr)
        assert "POST" in r.stderr or (args[0] == "rm" and "DELETE" in r.stderr), (args, r.stderr)
    assert direct.containers.get(looper.id).attrs["State"]["Running"] is True
    assert sorted(c.id for c in direct.containers.list(all=True)) == before


def test_exec_denied_without_exec(sockwall, docker_cli, direct, looper):
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "EXEC": "0"})
    for args in (["exec", looper.id, "echo", "hi"], ["exec", "-i", looper.id, "cat"]):
        r = docker_cli(sw.host, *args, input="data\n")
        assert r.returncode != 0, args
        assert "sockwall" in r.stderr and "EXEC" in r.stderr, (args, r.stderr)
        assert "hi" not in r.stdout and "data" not in r.stdout
    assert not direct.containers.get(looper.id).attrs["ExecIDs"]
    assert direct.containers.get(looper.id).attrs["State"]["Running"] is True


def test_build_denied_without_build(sockwall, docker_cli, direct, tmp_path):
    sw = sockwall({"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "BUILD": "0"})
    tag = "swtest-%s" % uuid.uuid4().hex[:12]
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM bb\nLABEL sockwall.test=%s\n" % tag)
    images_before = sorted(i.id for i in direct.images.list(all=True))
    r = docker_cli(sw.host, "build", "-t", tag, str(ctx), env={"DOCKER_BUILDKIT": "0"})
    assert r.returncode != 0, r.stdout + r.stderr
    assert "sockwall" in r.stderr and "BUILD" in r.stderr, r.stderr
    assert not direct.images.list(filters={"label": "sockwall.test=" + tag})
    assert not direct.images.list(name=tag)
    assert sorted(i.id for i in direct.images.list(all=True)) == images_before
    assert not direct.containers.list(all=True)  # no intermediate build container


def test_build_allowed_with_build(sockwall, docker_cli, direct, tmp_path):
    """The positive control for the test above: the same build passes with BUILD=1."""
    sw = sockwall({"IMAGES": "1", "POST": "1", "BUILD": "1"})
    tag = "swtest-%s" % uuid.uuid4().hex[:12]
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM bb\nLABEL sockwall.test=%s\n" % tag)
    r = docker_cli(sw.host, "build", "-q", "-t", tag, str(ctx), env={"DOCKER_BUILDKIT": "0"})
    assert r.returncode == 0, r.stderr
    assert direct.images.list(filters={"label": "sockwall.test=" + tag})
    direct.images.remove(tag)
