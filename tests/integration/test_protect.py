"""Default protections against the real dockerd: no Docker socket (or a
directory holding it, or /proc) in a new container in any shape dockerd
honours, the proxy's own container and network cannot be touched, and no
namespace/volume sharing with a container that holds the socket.

Every refusal is checked twice: sockwall's message reaches the client, and
dockerd (asked directly) holds no new container or volume."""

import json
import os
import shutil
import uuid

import docker
import pytest

from protect_helpers import (Snapshot, assert_cli_ok, assert_cli_refused, assert_refused,
                             leftovers, proxy_ctr, raw, raw_direct, running, uniq,
                             unique_prefix, wait_decision, host_dir)  # noqa: F401 - fixtures

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "VOLUMES": "1", "NETWORKS": "1"}
SOCKET_MSG = "exposes the Docker socket or /proc"
PROXY_MSG = "proxy's own container"




# ================================================================ 1. the docker CLI

DANGEROUS_RUN = {
    "bind-socket": ["-v", "/var/run/docker.sock:/s"],
    "bind-socket-ro": ["-v", "/var/run/docker.sock:/s:ro"],
    "bind-run-socket": ["-v", "/run/docker.sock:/s"],
    "bind-root": ["-v", "/:/host"],
    "bind-var": ["-v", "/var:/x"],
    "bind-var-run": ["-v", "/var/run:/x"],
    "bind-proc-root": ["-v", "/proc/1/root:/host"],
    "mount-bind-run": ["--mount", "type=bind,src=/run,dst=/x"],
    "mount-bind-socket": ["--mount", "type=bind,source=/var/run/docker.sock,target=/s,readonly"],
    "mount-local-volume-bind": [
        "--mount", "type=volume,dst=/x,volume-driver=local,volume-opt=type=none,"
                   "volume-opt=o=bind,volume-opt=device=/var/run"],
    "mount-volume-bind-no-driver": [
        "--mount", "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,"
                   "volume-opt=device=/"],
}


@pytest.mark.parametrize("args", list(DANGEROUS_RUN.values()), ids=list(DANGEROUS_RUN))
def test_cli_run_with_socket_is_refused(sockwall, docker_cli, direct, leftovers, args):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    r = docker_cli(sw.host, "run", "--rm", *args, "bb", "true")
    assert_cli_refused(r, SOCKET_MSG, "DKRPRX__VOLUMES__ALLOWED_PATHS")
    before.assert_unchanged("docker run %s" % " ".join(args))


def test_cli_run_with_upstream_socket_and_its_directory_is_refused(sockwall, docker_cli,
                                                                   direct, dockerd, leftovers):
    """The socket sockwall itself uses (SOCKET_PATH) is protected wherever it is."""
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    for src in (dockerd.sock, os.path.dirname(dockerd.sock), dockerd.sock + "/",
                os.path.dirname(dockerd.sock) + "/./"):
        r = docker_cli(sw.host, "run", "--rm", "-v", "%s:/s" % src, "bb", "true")
        assert_cli_refused(r, SOCKET_MSG)
        r = docker_cli(sw.host, "create", "--mount", "type=bind,src=%s,dst=/s" % src, "bb", "true")
        assert_cli_refused(r, SOCKET_MSG)
    before.assert_unchanged("binds of the upstream socket")


VOLUME_CREATE_DANGEROUS = {
    "bind-var-run": ["--opt", "type=none", "--opt", "o=bind", "--opt", "device=/var/run"],
    "bind-socket": ["-d", "local", "--opt", "type=none", "--opt", "o=bind",
                    "--opt", "device=/var/run/docker.sock"],
    "rbind-root": ["--opt", "type=none", "--opt", "o=rbind,ro", "--opt", "device=/"],
    "bind-dirty-path": ["--opt", "type=none", "--opt", "o=bind", "--opt", "device=//var//run/"],
    "bind-proc": ["--opt", "type=none", "--opt", "o=bind", "--opt", "device=/proc/self/root"],
}


@pytest.mark.parametrize("opts", list(VOLUME_CREATE_DANGEROUS.values()),
                         ids=list(VOLUME_CREATE_DANGEROUS))
def test_cli_volume_create_bind_is_refused(sockwall, docker_cli, direct, leftovers, opts):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    name = uniq("v")
    r = docker_cli(sw.host, "volume", "create", *opts, name)
    assert_cli_refused(r, SOCKET_MSG)
    before.assert_unchanged("docker volume create %s" % " ".join(opts))
    with pytest.raises(docker.errors.NotFound):
        direct.volumes.get(name)


def test_cli_benign_look_alikes_are_created(sockwall, docker_cli, direct, leftovers, host_dir):
    sw = sockwall(OPEN)
    named = uniq("namedvol")
    runner = "/var/runner-%s" % uuid.uuid4().hex[:8]
    os.mkdir(runner)
    try:
        cases = [
            (["-v", "%s:/d" % host_dir], "%s:/d" % host_dir),
            (["-v", "%s:/d" % named], "%s:/d" % named),
            (["-v", "docker.sock:/d"], "docker.sock:/d"),  # a volume NAMED docker.sock
            (["-v", "%s:/d" % runner], "%s:/d" % runner),
            (["-v", "/d"], None),  # anonymous volume
        ]
        for args, bind in cases:
            r = docker_cli(sw.host, "run", "-d", *args, "bb", "true")
            cid = assert_cli_ok(r)
            attrs = direct.containers.get(cid).attrs
            if bind:
                assert attrs["HostConfig"]["Binds"] == [bind], attrs["HostConfig"]["Binds"]
        assert direct.volumes.get(named).name == named
        assert direct.volumes.get("docker.sock").name == "docker.sock"

        # --mount: a named volume, a bind of a harmless dir, a tmpfs local volume
        r = docker_cli(sw.host, "create", "--mount", "type=volume,src=%s,dst=/x" % named,
                       "bb", "true")
        assert_cli_ok(r)
        r = docker_cli(sw.host, "create", "--mount", "type=bind,src=%s,dst=/x" % host_dir,
                       "bb", "true")
        assert_cli_ok(r)
        r = docker_cli(sw.host, "create", "--mount",
                       "type=volume,dst=/x,volume-driver=local,volume-opt=type=tmpfs,"
                       "volume-opt=device=tmpfs", "bb", "true")
        assert_cli_ok(r)

        # docker volume create: plain, a tmpfs, a bind of a harmless directory
        for opts in ([], ["--opt", "type=tmpfs", "--opt", "device=tmpfs"],
                     ["--opt", "type=none", "--opt", "o=bind", "--opt", "device=" + host_dir]):
            name = uniq("okvol")
            r = docker_cli(sw.host, "volume", "create", *opts, name)
            assert assert_cli_ok(r) == name
            if opts:
                assert direct.volumes.get(name).attrs["Options"] == dict(
                    o.split("=", 1) for o in opts[1::2])
    finally:
        shutil.rmtree(runner, ignore_errors=True)


def test_allowed_paths_lifts_only_that_path(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__VOLUMES__ALLOWED_PATHS=r"^/var/run/docker\.sock$"))
    before = Snapshot(direct)
    for args in (["-v", "/var/run:/x"], ["-v", "/run/docker.sock:/s"], ["-v", "/:/h"]):
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        assert_cli_refused(r)
    before.assert_unchanged("binds outside ALLOWED_PATHS")
    # created only, never started (the path may not exist on this host)
    r = docker_cli(sw.host, "create", "-v", "/var/run/docker.sock:/s", "bb", "true")
    cid = assert_cli_ok(r)
    assert direct.containers.get(cid).attrs["HostConfig"]["Binds"] == ["/var/run/docker.sock:/s"]


def test_disable_defaults_allows_the_socket(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__DISABLE_DEFAULTS="true"))
    r = docker_cli(sw.host, "create", "-v", "/var/run/docker.sock:/s", "bb", "true")
    cid = assert_cli_ok(r)
    assert direct.containers.get(cid).attrs["HostConfig"]["Binds"] == ["/var/run/docker.sock:/s"]


# ================================================================ 2. raw API bodies


def test_control_dockerd_honours_the_shapes_sockwall_inspects(dockerd, direct, host_dir, leftovers):
    """Without sockwall: dockerd really reads these bodies as binds, so refusing
    them through sockwall is meaningful (a harmless directory stands in for
    the socket)."""
    b = "%s:/d" % host_dir

    def create(body):
        r = raw_direct(dockerd, "POST", "/containers/create", body=body)
        assert r.status == 201, r
        return direct.containers.get(r.json()["Id"]).attrs["HostConfig"]

    # HostConfig fields at the top level, with no HostConfig key
    assert create(json.dumps({"Image": "bb", "Cmd": ["true"], "Binds": [b]}))["Binds"] == [b]
    # "HostConfig": null and the fields at the top level
    assert create(json.dumps({"Image": "bb", "Cmd": ["true"], "HostConfig": None,
                               "Binds": [b]}))["Binds"] == [b]
    # key case, \u escapes and Unicode simple folding (U+017F is s)
    head = '{"Image":"bb","Cmd":["true"],'
    assert create(head + '"HostConfig":{"binds":["%s"]}}' % b)["Binds"] == [b]
    assert create(head + '"hostconfig":{"\\u0042inds":["%s"]}}' % b)["Binds"] == [b]
    assert create(head + '"HostConfig":{"Bind\\u017f":["%s"]}}' % b)["Binds"] == [b]
    # a repeated object key merges: the second HostConfig keeps the first's Binds
    hc = create(head + '"HostConfig":{"Binds":["%s"]},"HostConfig":{"Init":false}}' % b)
    assert hc["Binds"] == [b]
    # a Mounts entry of a local volume with bind options
    # (no driver name: the default, local): the container sees the host dir
    with open(os.path.join(host_dir, "marker"), "w") as f:
        f.write("from-the-host\n")
    r = raw_direct(dockerd, "POST", "/containers/create", body=json.dumps({
        "Image": "bb", "Cmd": ["cat", "/x/marker"], "HostConfig": {"Mounts": [{
            "Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {
                "Options": {"type": "none", "o": "bind", "device": host_dir}}}}]}}))
    assert r.status == 201, r
    c = direct.containers.get(r.json()["Id"])
    c.start()
    assert c.wait(timeout=30)["StatusCode"] == 0
    assert c.logs() == b"from-the-host\n"
    # a start body below API 1.24 is a HostConfig dockerd applies
    c = direct.containers.create("bb:latest", ["sleep", "60"])
    r = raw_direct(dockerd, "POST", "/v1.23/containers/%s/start" % c.id,
                   body=json.dumps({"Binds": [b]}))
    assert r.status == 204, r
    assert direct.containers.get(c.id).attrs["HostConfig"]["Binds"] == [b]
    # the legacy link alias path addresses the linked container
    target = direct.containers.create("bb:latest", ["true"], name=uniq("target"))
    linker = direct.containers.create("bb:latest", ["true"], name=uniq("linker"),
                                      links={target.name: "alias"})
    r = raw_direct(dockerd, "GET", "/containers/%s/alias/json" % linker.name)
    assert r.status == 200 and r.json()["Id"] == target.id, r


SOCK = "/var/run/docker.sock:/s"

# (body, expected status)
RAW_CREATE_REFUSED = {
    "lower-case-binds": ('{"Image":"bb","HostConfig":{"binds":["%s"]}}' % SOCK, 403),
    "upper-case-binds": ('{"Image":"bb","HostConfig":{"BINDS":["/:/h"]}}', 403),
    "escaped-key": ('{"Image":"bb","HostConfig":{"\\u0042inds":["%s"]}}' % SOCK, 403),
    "escaped-hostconfig": ('{"Image":"bb","\\u0048ostConfig":{"Binds":["%s"]}}' % SOCK, 403),
    "lower-hostconfig": ('{"Image":"bb","hostconfig":{"Binds":["%s"]}}' % SOCK, 403),
    "long-s-escaped": ('{"Image":"bb","HostConfig":{"Bind\\u017f":["%s"]}}' % SOCK, 403),
    "long-s-utf8": ('{"Image":"bb","HostConfig":{"Bind\u017f":["%s"]}}' % SOCK, 403),
    "escaped-path": ('{"Image":"bb","HostConfig":{"Binds":["/var/run/docker\\u002esock:/s"]}}',
                     403),
    "escaped-slashes": ('{"Image":"bb","HostConfig":{"Binds":["\\/var\\/run:/x"]}}', 403),
    "top-level-binds": ('{"Image":"bb","Binds":["%s"]}' % SOCK, 403),
    "top-level-binds-lower": ('{"Image":"bb","binds":["/:/h"]}', 403),
    "hostconfig-null-top-binds": ('{"Image":"bb","HostConfig":null,"Binds":["%s"]}' % SOCK, 403),
    "top-binds-hostconfig-null": ('{"Image":"bb","Binds":["/:/h"],"HostConfig":null}', 403),
    "top-level-mounts": ('{"Image":"bb","Mounts":[{"Type":"bind","Source":"/var/run",'
                         '"Target":"/x"}]}', 403),
    "mounts-lower-keys": ('{"Image":"bb","HostConfig":{"mounts":[{"type":"bind",'
                          '"source":"/run","target":"/x"}]}}', 403),
    "mounts-volume-local-bind": (json.dumps({"Image": "bb", "HostConfig": {"Mounts": [{
        "Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {
            "Name": "local", "Options": {"type": "none", "o": "bind", "device": "/var/run"}}}}]}}),
        403),
    "mounts-volume-no-driver-name": (json.dumps({"Image": "bb", "HostConfig": {"Mounts": [{
        "Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {
            "Options": {"type": "none", "o": "rbind", "device": "/"}}}}]}}), 403),
    "mounts-volume-relative-device": (json.dumps({"Image": "bb", "HostConfig": {"Mounts": [{
        "Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {
            "Name": "local", "Options": {"type": "none", "o": "bind", "device": "var/run"}}}}]}}),
        403),
    "path-double-slashes": ('{"Image":"bb","HostConfig":{"Binds":["//var//run//docker.sock:/s"]}}',
                            403),
    "path-dotdot": ('{"Image":"bb","HostConfig":{"Binds":["/var/lib/../run/docker.sock:/s"]}}',
                    403),
    "path-dotdot-tmp": ('{"Image":"bb","HostConfig":{"Binds":'
                        '["/tmp/x/../../var/run/docker.sock:/s"]}}', 403),
    "path-dot-trailing": ('{"Image":"bb","HostConfig":{"Binds":["/var/./run/:/x"]}}', 403),
    "path-proc-1-root": ('{"Image":"bb","HostConfig":{"Binds":["/proc/1/root:/h"]}}', 403),
    "path-proc-self-root": ('{"Image":"bb","HostConfig":{"Binds":["/proc/self/root:/h"]}}', 403),
    "path-proc": ('{"Image":"bb","HostConfig":{"Binds":["/proc:/p"]}}', 403),
    "second-bind-is-bad": ('{"Image":"bb","HostConfig":{"Binds":["/tmp:/t","/:/h"]}}', 403),
    # repeated keys: dockerd merges objects / keeps the last scalar: ambiguous
    "repeat-binds": ('{"Image":"bb","HostConfig":{"Binds":[],"Binds":["%s"]}}' % SOCK, 400),
    "repeat-binds-other-case": ('{"Image":"bb","HostConfig":{"Binds":["/tmp:/t"],'
                                '"binds":["%s"]}}' % SOCK, 400),
    "repeat-hostconfig": ('{"Image":"bb","HostConfig":{},"HostConfig":{"Binds":["%s"]}}' % SOCK,
                          400),
    "repeat-hostconfig-case": ('{"Image":"bb","HostConfig":{"Binds":["%s"]},"hostConfig":{}}'
                               % SOCK, 400),
    "repeat-image": ('{"Image":"bb","image":"bb"}', 400),
    "repeat-mount-type": ('{"Image":"bb","HostConfig":{"Mounts":[{"Type":"volume",'
                          '"Type":"bind","Source":"/","Target":"/h"}]}}', 400),
}


@pytest.mark.parametrize("body,status", list(RAW_CREATE_REFUSED.values()),
                         ids=list(RAW_CREATE_REFUSED))
def test_raw_create_body_is_refused(sockwall, direct, leftovers, body, status):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    r = raw(sw, "POST", "/containers/create", body=body.encode("utf-8"))
    msg = assert_refused(r, status)
    if status == 400:
        assert "refused request body" in msg, msg
    else:
        assert SOCKET_MSG in msg, msg
    before.assert_unchanged(body)


# Refused in some way (400 or 403) by sockwall; never reaches dockerd.
RAW_CREATE_REFUSED_ANY = {
    # dockerd itself rejects "BIND" (types are case-sensitive), but sockwall
    # must not guess: refuse it rather than let it through uninspected.
    "mount-type-upper": '{"Image":"bb","HostConfig":{"Mounts":[{"Type":"BIND",'
                        '"Source":"/var/run","Target":"/x"}]}}',
    # dockerd cleans the NUL-carrying path to the socket
    "nul-in-path": '{"Image":"bb","HostConfig":{"Binds":["/tmp/x\\u0000/../../var/run/'
                   'docker.sock:/s"]}}',
}


@pytest.mark.parametrize("body", list(RAW_CREATE_REFUSED_ANY.values()),
                         ids=list(RAW_CREATE_REFUSED_ANY))
def test_raw_create_body_is_refused_400_or_403(sockwall, direct, leftovers, body):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    r = raw(sw, "POST", "/containers/create", body=body)
    assert r.status in (400, 403), r
    assert_refused(r, r.status)
    before.assert_unchanged(body)


def test_raw_create_benign_bodies_pass(sockwall, direct, leftovers, host_dir):
    sw = sockwall(OPEN)
    for body, binds in (
            ({"Image": "bb", "HostConfig": {"Binds": ["%s:/d" % host_dir]}}, ["%s:/d" % host_dir]),
            ({"Image": "bb", "Binds": ["%s:/d" % host_dir]}, ["%s:/d" % host_dir]),
            ({"Image": "bb", "HostConfig": {"Binds": ["/var/lib/data-%s:/d" % uuid.uuid4().hex[:6],
                                                      "/run-foo-x:/r", "docker.sock:/v"]}},
             None),
            ({"Image": "bb", "HostConfig": {"Binds": ["/anon"], "Mounts": None}}, ["/anon"]),
            ({"Image": "bb", "HostConfig": {"Mounts": [{"Type": "tmpfs", "Target": "/t"}]}},
             None),
    ):
        body["Cmd"] = ["true"]
        r = raw(sw, "POST", "/containers/create", body=json.dumps(body))
        assert r.status == 201, (body, r)
        hc = direct.containers.get(r.json()["Id"]).attrs["HostConfig"]
        if binds:
            assert hc["Binds"] == binds
    # never started: dockerd would create the missing /var/lib/data-*, /run-foo-x dirs


def test_raw_start_with_hostconfig_body_is_refused(sockwall, direct, leftovers):
    sw = sockwall(OPEN)
    c = direct.containers.create("bb:latest", ["sleep", "60"])
    for body in ('{"Binds":["%s"]}' % SOCK, '{"binds":["/:/h"]}',
                 '{"Binds":["//var//run/:/x"]}',
                 '{"Mounts":[{"Type":"bind","Source":"/run","Target":"/x"}]}',
                 '{"Bind\\u017f":["/proc/self/root:/h"]}'):
        for prefix in ("/v1.23", "/v1.12"):
            r = raw(sw, "POST", "%s/containers/%s/start" % (prefix, c.id), body=body)
            assert r.status in (400, 403), (body, r)
            assert_refused(r, r.status)
            attrs = direct.containers.get(c.id).attrs
            assert attrs["State"]["Running"] is False, body
            assert attrs["State"]["StartedAt"].startswith("0001-"), body
            assert not attrs["HostConfig"]["Binds"], body
    # a start body can name containers to share with, too
    direct.containers.run("bb:latest", ["sleep", "600"], name="holder", detach=True,
                          volumes=["%s:/s" % sw.upstream])
    direct.containers.create("bb:latest", ["sleep", "600"], name="docker-proxy")
    for body, word in (('{"VolumesFrom":["holder"]}', "holds the Docker socket"),
                       ('{"NetworkMode":"container:holder"}', "holds the Docker socket"),
                       ('{"Links":["docker-proxy:p"]}', PROXY_MSG)):
        r = raw(sw, "POST", "/v1.23/containers/%s/start" % c.id, body=body)
        assert_refused(r, 403, word)
        assert not running(direct, c.id), body
    # control: the same container starts through sockwall without a body
    r = raw(sw, "POST", "/containers/%s/start" % c.id)
    assert r.status == 204, r
    assert running(direct, c.id)


def test_raw_volume_create_bodies(sockwall, direct, leftovers):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    for body in (
        {"Name": uniq("v"), "DriverOpts": {"type": "none", "o": "bind", "device": "/var/run"}},
        {"Name": uniq("v"), "Driver": "local",
         "DriverOpts": {"type": "none", "o": "bind", "device": "/tmp/a/../../run"}},
        {"name": uniq("v"), "driveropts": {"type": "none", "o": "bind", "device": "/"}},
        {"Name": uniq("v"), "DriverOpts": {"type": "none", "o": "bind", "device": "var/run"}},
    ):
        r = raw(sw, "POST", "/volumes/create", body=json.dumps(body))
        assert_refused(r, 403, SOCKET_MSG)
    r = raw(sw, "POST", "/volumes/create",
            body='{"Name":"x","DriverOpts":{"device":"/tmp"},"driverOpts":{"device":"/"}}')
    assert_refused(r, 400, "refused request body")
    before.assert_unchanged("volume create bodies")


HOST_FS_MSG = "mounts a host filesystem"


def test_host_filesystem_volumes_are_refused(sockwall, docker_cli, direct, leftovers):
    """A local volume of a disk or overlay type mounts the host's files
    (the socket among them) without any bind: refused on create, and when a
    volume made elsewhere is named in a create through the proxy."""
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    for opts in (["--opt", "type=ext4", "--opt", "device=/dev/vda1"],
                 ["--opt", "type=overlay", "--opt", "device=overlay", "--opt",
                  "o=lowerdir=/var/run,upperdir=/tmp/u,workdir=/tmp/w"]):
        r = docker_cli(sw.host, "volume", "create", *opts, uniq("v"))
        assert_cli_refused(r, HOST_FS_MSG)
    r = docker_cli(sw.host, "create", "--mount",
                   "type=volume,dst=/x,volume-opt=type=ext4,volume-opt=device=/dev/vda1",
                   "bb", "true")
    assert_cli_refused(r, HOST_FS_MSG)
    before.assert_unchanged("host filesystem volumes")

    disk, mem = uniq("disk"), uniq("mem")
    direct.volumes.create(disk, driver="local", driver_opts={"type": "ext4", "device": "/dev/vda1"})
    direct.volumes.create(mem, driver="local", driver_opts={"type": "tmpfs", "device": "tmpfs"})
    r = docker_cli(sw.host, "create", "-v", "%s:/x" % disk, "bb", "true")
    assert_cli_refused(r, HOST_FS_MSG)
    r = docker_cli(sw.host, "create", "--mount", "type=volume,src=%s,dst=/x" % disk, "bb", "true")
    assert_cli_refused(r, HOST_FS_MSG)
    assert_cli_ok(docker_cli(sw.host, "create", "-v", "%s:/x" % mem, "bb", "true"))
    assert_cli_ok(docker_cli(sw.host, "volume", "create", "--opt", "type=tmpfs", "--opt",
                             "device=tmpfs", uniq("v")))


# ================================================================ 3. the proxy's container


def _proxy_state(direct, cid):
    a = direct.containers.get(cid).attrs
    return (a["Name"], a["State"]["Running"], a["State"]["Paused"], a["State"]["StartedAt"],
            a["RestartCount"], a["HostConfig"]["RestartPolicy"]["Name"], a["ExecIDs"])


def test_proxy_container_cannot_be_touched_via_cli(sockwall, docker_cli, direct, proxy_ctr,
                                                   tmp_path):
    sw = sockwall(dict(OPEN, EXEC="1", ALLOW_ARCHIVE="1", ALLOW_EXPORT="1"))
    cid = proxy_ctr.id
    state = _proxy_state(direct, cid)
    prefix = unique_prefix(direct, cid)
    for args in (
        ["stop", "-t", "1", "docker-proxy"],
        ["stop", "-t", "1", prefix],
        ["stop", "-t", "1", cid[:12]],
        ["kill", "/docker-proxy"],
        ["kill", prefix],
        ["rm", "-f", cid],
        ["rm", "-f", "docker-proxy"],
        ["restart", "-t", "1", "docker-proxy"],
        ["pause", cid[:5]],
        ["update", "--restart", "always", "docker-proxy"],
        ["rename", "docker-proxy", "pwned"],
        ["rename", prefix, "pwned"],
        ["exec", "docker-proxy", "true"],
        ["exec", prefix, "true"],
        ["cp", "docker-proxy:/etc/passwd", str(tmp_path / "x")],
        ["cp", str(tmp_path), "%s:/tmp/" % prefix],
        ["export", "-o", str(tmp_path / "e.tar"), "docker-proxy"],
    ):
        r = docker_cli(sw.host, *args, timeout=20)
        assert_cli_refused(r, PROXY_MSG, "PROXY_CONTAINER_NAME")
        assert _proxy_state(direct, cid) == state, args
    # attach is a hijacked request: the CLI shows only the status, the log the rule
    r = docker_cli(sw.host, "attach", "--no-stdin", prefix, timeout=20)
    assert r.returncode != 0 and "403" in r.stderr, r.stderr
    logs = wait_decision(sw, "POST", "/attach")
    assert [(d["decision"], d["reason"], d["status"]) for d in logs] == [
        ("deny", "default:proxy-container", 403)], logs
    assert _proxy_state(direct, cid) == state
    with pytest.raises(docker.errors.NotFound):
        direct.containers.get("pwned")


def test_proxy_container_cannot_be_touched_via_raw_paths(sockwall, direct, dockerd, proxy_ctr):
    sw = sockwall(dict(OPEN, EXEC="1"))
    cid = proxy_ctr.id
    state = _proxy_state(direct, cid)
    linker = direct.containers.create("bb:latest", ["true"], name="linker",
                                      links={"docker-proxy": "alias"})
    # control: dockerd resolves the alias path to the proxy's container
    r = raw_direct(dockerd, "GET", "/containers/linker/alias/json")
    assert r.status == 200 and r.json()["Id"] == cid, r
    for method, path in (
        ("POST", "/containers/linker/alias/stop?t=1"),
        ("POST", "/containers/linker/alias/kill"),
        ("POST", "/containers/linker/alias/restart?t=1"),
        ("DELETE", "/containers/linker/alias?force=1"),
        ("POST", "/containers/%s/stop?t=1" % unique_prefix(direct, cid)),
        ("POST", "/containers/docker-proxy/kill"),
        ("POST", "/containers/%s/pause" % cid),
        ("POST", "/containers/%s/update" % cid[:20]),
        ("POST", "/containers/docker-proxy/rename?name=x"),
        ("POST", "/containers/docker-proxy/exec"),
        ("POST", "/containers/docker-proxy/attach?stream=1&stdout=1"),
        ("DELETE", "/containers/docker-proxy?force=1"),
    ):
        body = None
        if path.endswith("/exec"):
            body = json.dumps({"Cmd": ["true"]})
        elif path.endswith("/update"):
            body = json.dumps({"RestartPolicy": {"Name": "always"}})
        r = raw(sw, method, path, body=body)
        assert_refused(r, 403, PROXY_MSG)
        assert _proxy_state(direct, cid) == state, path
    # the encoded "/docker-proxy" and a second version prefix: refused one way or another
    for path in ("/containers/%2Fdocker-proxy/stop", "/containers/%2fdocker-proxy/kill"):
        r = raw(sw, "POST", path)
        assert r.status in (400, 403), (path, r)
        assert_refused(r, r.status)
        assert _proxy_state(direct, cid) == state, path
    assert linker.id in {c.id for c in direct.containers.list(all=True)}


def test_proxy_container_name_cannot_be_taken_or_linked(sockwall, docker_cli, direct, proxy_ctr,
                                                        leftovers):
    sw = sockwall(OPEN)
    other = direct.containers.create("bb:latest", ["true"], name=uniq("other"))
    before = Snapshot(direct)
    for args in (
        ["create", "--name", "docker-proxy", "bb", "true"],
        ["create", "--name", "/docker-proxy", "bb", "true"],
        ["create", "--link", "docker-proxy:p", "bb", "true"],
        ["create", "--link", "%s:p" % proxy_ctr.id[:12], "bb", "true"],
        ["create", "--volumes-from", "docker-proxy", "bb", "true"],
        ["create", "--network", "container:docker-proxy", "bb", "true"],
        ["create", "--pid", "container:docker-proxy", "bb", "true"],
        ["create", "--ipc", "container:%s" % proxy_ctr.id, "bb", "true"],
    ):
        r = docker_cli(sw.host, *args)
        assert_cli_refused(r, "proxy")
    r = docker_cli(sw.host, "rename", other.name, "docker-proxy")
    assert_cli_refused(r, PROXY_MSG)
    before.assert_unchanged("creates naming the proxy")
    assert direct.containers.get(other.id).name == other.name


def test_other_containers_are_not_protected(sockwall, docker_cli, direct, proxy_ctr):
    """Control: with docker-proxy present, other containers stop/rename/rm normally."""
    sw = sockwall(dict(OPEN, EXEC="1"))
    c = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("victim"), detach=True)
    prefix = unique_prefix(direct, c.id)
    r = docker_cli(sw.host, "exec", c.name, "true")
    assert_cli_ok(r)
    r = docker_cli(sw.host, "rename", c.name, c.name + "-2")
    assert_cli_ok(r)
    r = docker_cli(sw.host, "stop", "-t", "1", prefix)
    assert assert_cli_ok(r) == prefix
    assert not running(direct, c.id)
    r = docker_cli(sw.host, "rm", c.id)
    assert_cli_ok(r)
    with pytest.raises(docker.errors.NotFound):
        direct.containers.get(c.id)
    assert running(direct, proxy_ctr.id)


def test_other_proxy_container_name(sockwall, docker_cli, direct, proxy_ctr):
    """PROXY_CONTAINER_NAME=some-other-name: that one is protected, docker-proxy is not."""
    mine = direct.containers.run("bb:latest", ["sleep", "600"], name="some-other-name",
                                 detach=True)
    sw = sockwall(dict(OPEN, PROXY_CONTAINER_NAME="some-other-name"))
    r = docker_cli(sw.host, "stop", "-t", "1", "some-other-name")
    assert_cli_refused(r, PROXY_MSG, "PROXY_CONTAINER_NAME=some-other-name")
    r = docker_cli(sw.host, "kill", mine.id[:12])
    assert_cli_refused(r, PROXY_MSG)
    assert running(direct, mine.id)
    r = docker_cli(sw.host, "stop", "-t", "1", "docker-proxy")
    assert assert_cli_ok(r) == "docker-proxy"
    assert not running(direct, proxy_ctr.id)
    r = docker_cli(sw.host, "rm", "docker-proxy")
    assert_cli_ok(r)
    with pytest.raises(docker.errors.NotFound):
        direct.containers.get(proxy_ctr.id)


def test_disable_defaults_unprotects_the_proxy(sockwall, docker_cli, direct, proxy_ctr):
    sw = sockwall(dict(OPEN, DKRPRX__DISABLE_DEFAULTS="true"))
    r = docker_cli(sw.host, "stop", "-t", "1", "docker-proxy")
    assert assert_cli_ok(r) == "docker-proxy"
    assert not running(direct, proxy_ctr.id)


# ================================================================ the proxy's network


def _net_prefix(direct, net):
    others = [n for n in direct.networks.list() if n.id != net.id]
    names = {n.name for n in others}
    for n in range(1, 13):
        p = net.id[:n]
        if p not in names and not any(o.id.startswith(p) for o in others):
            return p
    raise AssertionError("no unique network prefix")


def test_proxy_network_cannot_be_removed(sockwall, docker_cli, direct, proxy_ctr, leftovers):
    net = direct.networks.create("docker-proxy", driver="bridge")
    other = direct.networks.create(uniq("othernet"), driver="bridge")
    sw = sockwall(dict(OPEN, PROXY_NETWORK_NAME="docker-proxy"))
    prefix = _net_prefix(direct, net)
    for ref in ("docker-proxy", net.id, net.id[:12], prefix):
        r = docker_cli(sw.host, "network", "rm", ref)
        assert_cli_refused(r, "proxy's own network", "PROXY_NETWORK_NAME")
        assert direct.networks.get(net.id).name == "docker-proxy"
    r = raw(sw, "DELETE", "/networks/%s" % prefix)
    assert_refused(r, 403, "proxy's own network")
    assert direct.networks.get(net.id).name == "docker-proxy"
    # control: another network goes
    r = docker_cli(sw.host, "network", "rm", other.name)
    assert_cli_ok(r)
    with pytest.raises(docker.errors.NotFound):
        direct.networks.get(other.id)


def test_proxy_container_cannot_be_disconnected(sockwall, docker_cli, direct, proxy_ctr,
                                                leftovers):
    net = direct.networks.create("docker-proxy", driver="bridge")
    net.connect(proxy_ctr)
    victim = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("victim"),
                                   detach=True)
    net.connect(victim)
    sw = sockwall(dict(OPEN, PROXY_NETWORK_NAME="docker-proxy"))

    def attached(cid):
        return net.id in {n["NetworkID"] for n in direct.containers.get(cid).attrs[
            "NetworkSettings"]["Networks"].values()}

    for ref in ("docker-proxy", proxy_ctr.id[:12], unique_prefix(direct, proxy_ctr.id)):
        r = docker_cli(sw.host, "network", "disconnect", "docker-proxy", ref)
        assert_cli_refused(r, PROXY_MSG)
        r = docker_cli(sw.host, "network", "disconnect", "-f", net.id[:12], ref)
        assert_cli_refused(r, PROXY_MSG)
        assert attached(proxy_ctr.id)
    r = raw(sw, "POST", "/networks/docker-proxy/disconnect",
            body='{"container":"docker-proxy","Force":true}')
    assert_refused(r, 403, PROXY_MSG)
    assert attached(proxy_ctr.id)
    # control: another container can be disconnected
    r = docker_cli(sw.host, "network", "disconnect", "docker-proxy", victim.name)
    assert_cli_ok(r)
    assert not attached(victim.id)


# ================================================================ 4. sharing with a socket holder


def test_sharing_with_a_socket_holder_is_refused(sockwall, docker_cli, direct, dockerd,
                                                 leftovers):
    holder = direct.containers.run("bb:latest", ["sleep", "600"], name="holder", detach=True,
                                   volumes=["%s:/s" % dockerd.sock])
    # a --mount bind of the directory that holds the socket
    holder2 = direct.containers.run(
        "bb:latest", ["sleep", "600"], name="holder2", detach=True,
        mounts=[docker.types.Mount("/d", os.path.dirname(dockerd.sock), type="bind")])
    plain = direct.containers.run("bb:latest", ["sleep", "600"], name="plain", detach=True)
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    hp = unique_prefix(direct, holder.id)
    for args in (
        ["--volumes-from", "holder"],
        ["--volumes-from", "holder:ro"],
        ["--volumes-from", hp],
        ["--volumes-from", "plain", "--volumes-from", "holder2"],
        ["--network", "container:holder"],
        ["--network", "container:%s" % holder.id],
        ["--pid", "container:holder"],
        ["--ipc", "container:holder2"],
        ["--pid", "container:%s" % hp],
    ):
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        assert_cli_refused(r, "holds the Docker socket")
    for body in ('{"Image":"bb","HostConfig":{"volumesfrom":["holder"]}}',
                 '{"Image":"bb","VolumesFrom":["holder"]}',
                 '{"Image":"bb","HostConfig":{"NetworkMode":"container:holder"}}',
                 '{"Image":"bb","PidMode":"container:holder"}'):
        r = raw(sw, "POST", "/containers/create", body=body)
        assert_refused(r, 403, "holds the Docker socket")
    before.assert_unchanged("sharing with holder")
    # controls: the same with a container that holds no socket
    for args in (["--volumes-from", "plain"], ["--volumes-from", "plain:ro"],
                 ["--network", "container:plain"], ["--pid", "container:plain"],
                 ["--ipc", "container:%s" % plain.id[:12]]):
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        cid = assert_cli_ok(r)
        assert cid in {c.id for c in direct.containers.list(all=True)}
    r = docker_cli(sw.host, "run", "--rm", "--pid", "container:plain", "bb", "true")
    assert_cli_ok(r)


def test_slash_name_references_in_bodies(sockwall, docker_cli, direct, dockerd, proxy_ctr,
                                         leftovers):
    """dockerd accepts "/name" wherever it takes a container name (VolumesFrom,
    container:<ref>, network disconnect): sockwall must resolve it like the
    bare name -- refuse the holder and the proxy, let a plain container pass."""
    direct.containers.run("bb:latest", ["sleep", "600"], name="holder", detach=True,
                          volumes=["%s:/s" % dockerd.sock])
    plain = direct.containers.run("bb:latest", ["sleep", "600"], name="plain", detach=True)
    net = direct.networks.create(uniq("net"), driver="bridge")
    net.connect(proxy_ctr)
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    for args in (["--volumes-from", "/holder"], ["--network", "container:/holder"]):
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        assert_cli_refused(r, "holds the Docker socket")
    r = docker_cli(sw.host, "network", "disconnect", net.name, "/docker-proxy")
    assert_cli_refused(r, PROXY_MSG)
    before.assert_unchanged("/name references")
    r = docker_cli(sw.host, "create", "--volumes-from", "/plain", "bb", "true")
    cid = assert_cli_ok(r)
    assert direct.containers.get(cid).attrs["HostConfig"]["VolumesFrom"] == ["/plain"]
    assert plain.id


def test_sharing_with_a_local_bind_volume_holder_is_refused(sockwall, docker_cli, direct,
                                                            dockerd, leftovers):
    """A container whose *volume* is a local bind of the socket's directory
    (created before/around the proxy) exposes the socket just as well."""
    vol = direct.volumes.create(uniq("sockvol"), driver="local", driver_opts={
        "type": "none", "o": "bind", "device": os.path.dirname(dockerd.sock)})
    direct.containers.create("bb:latest", ["sleep", "600"], name="volholder",
                             volumes=["%s:/d" % vol.name])
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    r = docker_cli(sw.host, "create", "--volumes-from", "volholder", "bb", "true")
    assert_cli_refused(r, "holds the Docker socket")
    before.assert_unchanged("--volumes-from volholder")


def test_named_volume_with_local_bind_options_is_refused(sockwall, docker_cli, direct, dockerd,
                                                         leftovers):
    """A volume that already exists (made before the proxy, or directly) and
    is a local bind of the socket's directory: using it by name in a new
    container mounts the socket as surely as a bind would."""
    vol = direct.volumes.create(uniq("sockvol"), driver="local", driver_opts={
        "type": "none", "o": "bind", "device": os.path.dirname(dockerd.sock)})
    ok = direct.volumes.create(uniq("okvol"))
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    for args in (["-v", "%s:/d" % vol.name], ["-v", "%s:/d:ro" % vol.name],
                 ["--mount", "type=volume,src=%s,dst=/d" % vol.name]):
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        assert_cli_refused(r, "Docker socket")
    before.assert_unchanged("using a volume that binds the socket")
    r = docker_cli(sw.host, "create", "-v", "%s:/d" % ok.name, "bb", "true")
    assert_cli_ok(r)


def test_symlink_in_a_bindable_dir_does_not_reach_the_socket(sockwall, docker_cli, direct,
                                                             dockerd, leftovers, host_dir):
    """Everything through the proxy: a container with a harmless bind writes a
    symlink to the socket into it; a second container binds the symlink.
    dockerd (the kernel) follows it, so a lexical check alone lets the
    socket in."""
    sw = sockwall(OPEN)
    r = docker_cli(sw.host, "run", "--rm", "-v", "%s:/x" % host_dir, "bb",
                   "sh", "-c", "ln -s %s /x/link" % dockerd.sock)
    assert_cli_ok(r)
    assert os.path.islink(os.path.join(host_dir, "link"))
    r = docker_cli(sw.host, "run", "--rm", "-v", "%s/link:/s" % host_dir, "bb",
                   "sh", "-c", "if test -S /s; then echo GOT-SOCKET; fi")
    assert "GOT-SOCKET" not in r.stdout, \
        "a container got the Docker socket through a symlink: %r %r" % (r.stdout, r.stderr)
    assert_cli_refused(r)
