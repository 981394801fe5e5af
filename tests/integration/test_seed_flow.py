"""The seed 000 flow: an automation bot (n8n style) drives dockerd through
sockwall with python3-docker and CONTAINERS=1 IMAGES=1 POST=1 EXEC=0
BUILD=0 COMMIT=0.  Day-to-day container management works end to end;
exec, build and commit are refused with 403 and leave no trace."""

import io
import os
import shutil
import tarfile
import uuid

import docker
import pytest

import helpers
from protect_helpers import Snapshot, leftovers, running, uniq, wait_decision  # noqa: F401

SEED = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "EXEC": "0", "BUILD": "0",
        "COMMIT": "0"}


@pytest.fixture
def app(direct, leftovers):
    """A running workload created directly on dockerd: a bind of a harmless
    host directory, a named volume, labels, env, a restart policy."""
    d = "/tmp/swseed-%s" % uuid.uuid4().hex[:8]
    os.mkdir(d)
    vol = uniq("seedvol")
    c = direct.containers.run(
        "bb:latest", helpers.LOOP_CMD, name=uniq("app"), detach=True,
        volumes=["%s:/data" % d, "%s:/vol" % vol], labels={"role": "web", "team": "bots"},
        environment={"MODE": "prod"}, restart_policy={"Name": "unless-stopped"})
    yield c
    shutil.rmtree(d, ignore_errors=True)


def _started_at(direct, cid):
    return direct.containers.get(cid).attrs["State"]["StartedAt"]


def test_seed_flow_allowed_operations(sockwall, direct, app):
    sw = sockwall(SEED)
    client = sw.client()
    try:
        # list + inspect
        assert app.id in {c.id for c in client.containers.list()}
        webs = client.containers.list(all=True, filters={"label": "role=web"})
        assert app.id in {c.id for c in webs}
        info = client.api.inspect_container(app.name)
        assert info["Id"] == app.id and info["Config"]["Labels"]["team"] == "bots"

        # logs (poll until the loop has written a few lines)
        c = client.containers.get(app.name)
        helpers.wait_for(lambda: b"line 2" in c.logs(), 15, what="three log lines")
        assert c.logs(tail=1).startswith(b"line ")

        # stop, start, restart
        c.stop(timeout=1)
        assert not running(direct, app.id)
        c.start()
        helpers.wait_for(lambda: running(direct, app.id), 10, what="the app to run again")
        before = _started_at(direct, app.id)
        c.restart(timeout=1)
        helpers.wait_for(lambda: running(direct, app.id) and _started_at(direct, app.id) != before,
                         15, what="the restart")

        # pull-equivalent, 1: tag an image that is already there
        client.images.get("bb:latest").tag("seed/bb", "v1")
        assert "seed/bb:v1" in direct.images.get("bb:latest").tags
        # 2: a real pull (POST /images/create?fromImage=bb&tag=latest); no
        # registry is reachable, so dockerd fails it -- but sockwall let it
        # through (decision=allow in its log) and the local image is intact
        image_id = direct.images.get("bb:latest").id
        with pytest.raises(docker.errors.APIError) as e:
            client.api.pull("bb", tag="latest")
        assert e.value.response.status_code != 403, e.value
        assert "sockwall" not in str(e.value.explanation), e.value
        log = wait_decision(sw, "POST", "/images/create?")
        assert [d["decision"] for d in log] == ["allow"], log
        assert "fromImage=bb" in log[0]["path"] and "tag=latest" in log[0]["path"]
        assert direct.images.get("bb:latest").id == image_id

        # remove (a stopped one, then a running one with force)
        tmp = client.containers.create("bb:latest", ["true"])
        tmp.remove()
        with pytest.raises(docker.errors.NotFound):
            direct.containers.get(tmp.id)
        tmp = client.containers.run("bb:latest", ["sleep", "60"], detach=True)
        tmp.remove(force=True)
        with pytest.raises(docker.errors.NotFound):
            direct.containers.get(tmp.id)

        # recreate from inspect: save the inspect, stop + remove the container,
        # POST its Config with HostConfig back under the same name, start it
        info = client.api.inspect_container(app.id)
        c.stop(timeout=1)
        c.remove()
        body = dict(info["Config"])
        body["HostConfig"] = info["HostConfig"]
        res = client.api._post_json(client.api._url("/containers/create"), data=body,
                                    params={"name": info["Name"].lstrip("/")})
        new_id = client.api._result(res, True)["Id"]
        client.api.start(new_id)
        helpers.wait_for(lambda: running(direct, new_id), 10, what="the recreated app to run")
        new = direct.containers.get(new_id)
        assert new.name == app.name
        assert new.attrs["HostConfig"]["Binds"] == info["HostConfig"]["Binds"]
        assert new.attrs["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
        assert new.labels == {"role": "web", "team": "bots"}
        assert "MODE=prod" in new.attrs["Config"]["Env"]
        helpers.wait_for(lambda: b"line 1" in new.logs(), 15, what="the recreated app's logs")
    finally:
        client.close()
    assert not [d for d in sw.request_logs() if d["decision"] != "allow"], sw.request_logs()


def _context_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"FROM bb\nLABEL seed.built=1\n"
        ti = tarfile.TarInfo("Dockerfile")
        ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
    buf.seek(0)
    return buf


def test_seed_flow_exec_build_commit_refused(sockwall, direct, app):
    sw = sockwall(SEED)
    client = sw.client()
    before = Snapshot(direct)
    try:
        c = client.containers.get(app.id)
        with pytest.raises(docker.errors.APIError) as e:
            c.exec_run(["echo", "pwned"])
        assert e.value.response.status_code == 403
        assert "sockwall" in e.value.explanation and "EXEC" in e.value.explanation

        with pytest.raises(docker.errors.APIError) as e:
            for _ in client.api.build(fileobj=_context_tar(), custom_context=True,
                                      tag="seed/built:1", decode=True):
                pass
        assert e.value.response.status_code == 403
        assert "sockwall" in e.value.explanation and "BUILD" in e.value.explanation

        with pytest.raises(docker.errors.APIError) as e:
            c.commit(repository="seed/committed", tag="1")
        assert e.value.response.status_code == 403
        assert "sockwall" in e.value.explanation and "COMMIT" in e.value.explanation
    finally:
        client.close()
    before.assert_unchanged("exec/build/commit")
    assert not direct.containers.get(app.id).attrs["ExecIDs"]
    assert not direct.images.list(filters={"label": "seed.built=1"})
    assert running(direct, app.id)
    # the last line is written once its response is out: it may trail the response
    denied = helpers.wait_for(
        lambda: [d for d in sw.request_logs() if d["decision"] != "allow"][2:] and
        [d for d in sw.request_logs() if d["decision"] != "allow"], 10, what="three denials")
    assert sorted((d["method"], d["decision"], d["status"]) for d in denied) == [
        ("POST", "deny", 403), ("POST", "deny", 403), ("POST", "deny", 403)]
