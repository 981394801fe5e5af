"""Drop-in toggles seen from the docker CLI: linuxserver's per-action
switches, DELETE=0 narrowing POST=1, ALLOW_LOGS=0."""

import docker
import pytest

import helpers


def _running(direct, cid):
    return direct.containers.get(cid).attrs["State"]["Running"]


def test_allow_start_and_stop_without_post(sockwall, docker_cli, direct):
    sw = sockwall({"CONTAINERS": "1", "ALLOW_START": "1", "ALLOW_STOP": "1"})
    c = direct.containers.create("bb:latest", ["sleep", "60"])
    r = docker_cli(sw.host, "start", c.id)
    assert r.returncode == 0, r.stderr
    assert _running(direct, c.id) is True
    r = docker_cli(sw.host, "restart", "-t", "1", c.id)
    assert r.returncode != 0 and "sockwall" in r.stderr, r.stderr
    r = docker_cli(sw.host, "pause", c.id)
    assert r.returncode != 0 and "sockwall" in r.stderr, r.stderr
    assert direct.containers.get(c.id).attrs["State"]["Paused"] is False
    r = docker_cli(sw.host, "stop", "-t", "1", c.id)
    assert r.returncode == 0, r.stderr
    assert _running(direct, c.id) is False
    r = docker_cli(sw.host, "rm", c.id)
    assert r.returncode != 0 and "sockwall" in r.stderr, r.stderr
    direct.containers.get(c.id)  # still there


def test_allow_restarts_covers_restart_and_kill(sockwall, docker_cli, direct, looper):
    sw = sockwall({"CONTAINERS": "1", "ALLOW_RESTARTS": "1"})
    started = direct.containers.get(looper.id).attrs["State"]["StartedAt"]
    r = docker_cli(sw.host, "restart", "-t", "0", looper.id)
    assert r.returncode == 0, r.stderr
    assert direct.containers.get(looper.id).attrs["State"]["StartedAt"] != started
    r = docker_cli(sw.host, "kill", looper.id)
    assert r.returncode == 0, r.stderr
    helpers.wait_for(lambda: not _running(direct, looper.id), 10, what="the container to die")
    r = docker_cli(sw.host, "start", looper.id)
    assert r.returncode != 0 and "sockwall" in r.stderr, r.stderr
    assert _running(direct, looper.id) is False


def test_delete_0_narrows_post(sockwall, docker_cli, direct, looper):
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "DELETE": "0"})
    r = docker_cli(sw.host, "rm", "-f", looper.id)
    assert r.returncode != 0
    assert "sockwall" in r.stderr and "DELETE" in r.stderr, r.stderr
    assert _running(direct, looper.id) is True
    r = docker_cli(sw.host, "stop", "-t", "1", looper.id)
    assert r.returncode == 0, r.stderr
    assert _running(direct, looper.id) is False


def test_allow_logs_0_closes_logs(sockwall, docker_cli, looper):
    sw = sockwall({"CONTAINERS": "1", "ALLOW_LOGS": "0"})
    r = docker_cli(sw.host, "logs", looper.id)
    assert r.returncode != 0
    assert "sockwall" in r.stderr and "ALLOW_LOGS" in r.stderr, r.stderr
    assert "line 0" not in r.stdout
    r = docker_cli(sw.host, "inspect", looper.id)
    assert r.returncode == 0, r.stderr


def test_images_toggle(sockwall, docker_cli, direct):
    sw = sockwall({"IMAGES": "1"})
    r = docker_cli(sw.host, "images", "-q", "--no-trunc")
    assert r.returncode == 0, r.stderr
    assert direct.images.get("bb:latest").id in r.stdout.split()
    r = docker_cli(sw.host, "tag", "bb", "bb:sockwall-denied")
    assert r.returncode != 0 and "sockwall" in r.stderr and "POST" in r.stderr, r.stderr
    with pytest.raises(docker.errors.ImageNotFound):
        direct.images.get("bb:sockwall-denied")
