"""Issue 14, the container side, against the real dockerd: every route that
can give a container more power is judged, not only container create.

  1. start bodies below API 1.24 (a HostConfig dockerd applies)
  2. container/volume/network references longer than sockwall's buffers
  3. sharing (container:<ref>, VolumesFrom) with a powerful container
  4. HARDENED and SecurityOpt
  8. root-equivalent host paths beyond the socket
  9. the proxy's own container (commit, network connect, resize) and image (tag, commit)
 10. writing into a powerful container (PUT archive) is exec
  and what must keep working: recreate from inspect under HARDENED; lookups
  that dockerd answers with a 4xx give a 4xx, not 502.

Every refusal is checked in dockerd itself (no new container, HostConfig
unchanged, the file absent, the image ID unchanged), and has a benign twin
that passes, so no test can pass by refusing everything."""

import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import uuid

import docker
import pytest

import helpers

from conftest import Sockwall
from protect_helpers import (Snapshot, assert_cli_ok, assert_cli_refused, assert_refused,
                             decisions, leftovers, proxy_ctr, raw, raw_direct,  # noqa: F401
                             running, uniq, unique_prefix, host_dir)

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "VOLUMES": "1", "NETWORKS": "1"}
SOCKET_MSG = "exposes the Docker socket or /proc"
PROXY_MSG = "proxy's own container"
PROXY_IMAGE_MSG = "proxy's own image"
ROOT_MSG = "root-equivalent"
HOLDS_MSG = "holds the Docker socket"
HARD = "DKRPRX__CONTAINERS__HARDENED"
DENY_PRIV = "DKRPRX__CONTAINERS__DENY_PRIVILEGED"
DENY_HOSTNET = "DKRPRX__CONTAINERS__DENY_HOST_NETWORK"
JSON_CT = {"Content-Type": "application/json"}
TAR_CT = {"Content-Type": "application/x-tar"}

# Every policy that can start a container.
START_POLICIES = {
    "allow-start-alone": {"ALLOW_START": "1"},
    "containers-post": {"CONTAINERS": "1", "POST": "1"},
    "preset-watchtower": {"SOCKWALL_POLICY": "watchtower"},
    "preset-portainer": {"SOCKWALL_POLICY": "portainer"},
}


def js(obj):
    return obj if isinstance(obj, (str, bytes)) else json.dumps(obj)


@pytest.fixture
def keep_bb(direct, leftovers):
    """bb:latest is the session's only image.  Should a refusal below fail (a
    tag or commit onto bb:latest getting through), the original would be an
    untagged parent that `leftovers` prunes with the new image: move the tag
    back first (this teardown runs before leftovers')."""
    bb_id = direct.images.get("bb:latest").id
    yield bb_id
    try:
        if direct.images.get("bb:latest").id == bb_id:
            return
    except docker.errors.ImageNotFound:
        pass
    direct.api.tag(bb_id, "bb", "latest", force=True)




def sleeper(direct, name=None, **kw):
    return direct.containers.run("bb:latest", ["sleep", "600"], name=name or uniq("c"),
                                 detach=True, **kw)


def created(direct, name=None, **kw):
    return direct.containers.create("bb:latest", ["sleep", "600"], name=name or uniq("c"), **kw)


def create_body(**hostconfig):
    return {"Image": "bb", "Cmd": ["true"], "HostConfig": hostconfig}


def assert_created(r, direct):
    assert r.status == 201, r
    cid = r.json()["Id"]
    return direct.api.inspect_container(cid)


def assert_refused_in_dockerd(sw, direct, path, body, status, *words):
    """A create-like request refused by sockwall, and dockerd holds nothing new."""
    before = Snapshot(direct)
    r = raw(sw, "POST", path, body=js(body), headers=JSON_CT)
    msg = assert_refused(r, status, *words)
    before.assert_unchanged("%s %s" % (path, js(body)[:300]))
    return msg


# ================================================================ 1. start bodies below 1.24


def _start_state(direct, cid):
    a = direct.api.inspect_container(cid)
    return a["State"]["Running"], a["State"]["StartedAt"], a["HostConfig"]


def _assert_start_refused(sw, direct, cid, body, status, *words, version="/v1.23"):
    before = _start_state(direct, cid)
    r = raw(sw, "POST", "%s/containers/%s/start" % (version, cid), body=js(body),
            headers=JSON_CT)
    msg = assert_refused(r, status, *words)
    after = _start_state(direct, cid)
    assert after[0] is False and after[1].startswith("0001-"), (body, after[:2])
    assert after[2] == before[2], "HostConfig changed by a refused start %s" % js(body)
    return msg


def test_control_dockerd_applies_start_bodies_in_every_spelling(dockerd, direct, host_dir):
    """Without sockwall: dockerd 20.10 applies a start body below 1.24 as the
    create wrapper -- nested HostConfig in any key case and the top-level
    fields; the nested object wins when both are given.  So the holes the
    tests below close are real."""
    b = "%s:/x" % host_dir
    for body in ({"HostConfig": {"Binds": [b]}}, {"hostconfig": {"Binds": [b]}},
                 {"HOSTCONFIG": {"Binds": [b]}}, {"Hostconfig": {"binds": [b]}},
                 {"Binds": [b]}, {"HostConfig": {"Binds": [b]}, "Binds": ["/tmp:/y"]}):
        c = created(direct)
        r = raw_direct(dockerd, "POST", "/v1.23/containers/%s/start" % c.id, body=js(body),
                       headers=JSON_CT)
        assert r.status == 204, (body, r)
        a = direct.api.inspect_container(c.id)
        assert a["HostConfig"]["Binds"] == [b], (body, a["HostConfig"]["Binds"])
        assert a["State"]["Running"], body
        assert any(m["Source"] == host_dir and m["Destination"] == "/x" for m in a["Mounts"])
    # not only binds: a nested PidMode joins the host's PID namespace
    c = created(direct)
    r = raw_direct(dockerd, "POST", "/v1.23/containers/%s/start" % c.id,
                   body=js({"hostconfig": {"PidMode": "host"}}), headers=JSON_CT)
    assert r.status == 204, r
    assert direct.api.inspect_container(c.id)["HostConfig"]["PidMode"] == "host"


@pytest.mark.parametrize("policy", list(START_POLICIES.values()), ids=list(START_POLICIES))
def test_start_body_default_protections(sockwall, direct, dockerd, leftovers, host_dir, policy):
    sock = dockerd.sock
    sockdir = os.path.dirname(sock)
    holder = sleeper(direct, uniq("holder"), volumes=["%s:/s" % sock])
    created(direct, "docker-proxy")
    sw = sockwall(policy)
    c = created(direct)
    bodies = [
        ({"HostConfig": {"Binds": [sock + ":/s"]}}, SOCKET_MSG),
        ({"hostconfig": {"Binds": [sockdir + ":/d"]}}, SOCKET_MSG),
        ({"HOSTCONFIG": {"binds": [sock + ":/s:ro"]}}, SOCKET_MSG),
        ({"Hostconfig": {"BINDS": ["/:/h"]}}, SOCKET_MSG),
        ({"Binds": [sockdir + ":/d"]}, SOCKET_MSG),
        ({"binds": ["/proc/1/root:/h"]}, SOCKET_MSG),
        # dockerd takes the nested HostConfig over the top-level fields
        ({"HostConfig": {"Binds": [sock + ":/s"]}, "Binds": [host_dir + ":/x"]}, SOCKET_MSG),
        ({"HostConfig": {"Mounts": [{"Type": "bind", "Source": sockdir, "Target": "/d"}]}},
         SOCKET_MSG),
        ({"hostconfig": {"Binds": ["/run/docker:/x"]}}, ROOT_MSG),
        ({"HostConfig": {"Binds": ["/sys:/x"]}}, ROOT_MSG),
        ({"HostConfig": {"VolumesFrom": [holder.name]}}, HOLDS_MSG),
        ({"HOSTCONFIG": {"NetworkMode": "container:" + holder.name}}, HOLDS_MSG),
        ({"hostconfig": {"PidMode": "container:docker-proxy"}}, PROXY_MSG),
        ({"HostConfig": {"Links": ["docker-proxy:p"]}}, PROXY_MSG),
    ]
    for body, word in bodies:
        _assert_start_refused(sw, direct, c.id, body, 403, word)
    _assert_start_refused(sw, direct, c.id, {"hostconfig": {"Binds": [sock + ":/s"]}}, 403,
                          SOCKET_MSG, version="/v1.12")
    # benign twins: a harmless bind in the nested HostConfig, and an empty body
    r = raw(sw, "POST", "/v1.23/containers/%s/start" % c.id,
            body=js({"HostConfig": {"Binds": [host_dir + ":/x"]}}), headers=JSON_CT)
    assert r.status == 204, r
    a = direct.api.inspect_container(c.id)
    assert a["State"]["Running"] and a["HostConfig"]["Binds"] == [host_dir + ":/x"]
    c2 = created(direct)
    r = raw(sw, "POST", "/v1.23/containers/%s/start" % c2.id, body="{}", headers=JSON_CT)
    assert r.status == 204, r
    assert running(direct, c2.id)


START_HARDENING = [
    ({HARD: "true"}, {"HostConfig": {"CapAdd": ["SYS_ADMIN"]}}, (HARD,)),
    ({HARD: "true"}, {"hostconfig": {"PidMode": "host"}}, (HARD,)),
    ({HARD: "true"}, {"IpcMode": "host"}, (HARD,)),
    ({HARD: "true"}, {"HOSTCONFIG": {"SecurityOpt": ["seccomp=unconfined"]}},
     (HARD, "SecurityOpt")),
    ({HARD: "true"}, {"Hostconfig": {"Devices": [{"PathOnHost": "/dev/null",
                                                  "PathInContainer": "/dev/xnull",
                                                  "CgroupPermissions": "rwm"}]}}, (HARD,)),
    ({DENY_PRIV: "true"}, {"HostConfig": {"Privileged": True}}, (DENY_PRIV,)),
    ({DENY_PRIV: "true"}, {"privileged": True}, (DENY_PRIV,)),
    ({DENY_HOSTNET: "true"}, {"Hostconfig": {"NetworkMode": "host"}}, (DENY_HOSTNET,)),
    ({DENY_HOSTNET: "true"}, {"NetworkMode": "host"}, (DENY_HOSTNET,)),
]


@pytest.mark.parametrize("policy", list(START_POLICIES.values()), ids=list(START_POLICIES))
def test_start_body_hardening_filters(sockwall, direct, leftovers, host_dir, policy):
    by_env = {}
    for extra, body, words in START_HARDENING:
        by_env.setdefault(tuple(sorted(extra.items())), []).append((body, words))
    for extra, cases in by_env.items():
        sw = sockwall(dict(policy, **dict(extra)))
        c = created(direct)
        for body, words in cases:
            _assert_start_refused(sw, direct, c.id, body, 403, *words)
        # benign twin under the same filter
        r = raw(sw, "POST", "/v1.23/containers/%s/start" % c.id,
                body=js({"HostConfig": {"Binds": [host_dir + ":/x"], "CapDrop": ["NET_RAW"]}}),
                headers=JSON_CT)
        assert r.status == 204, (extra, r)
        hc = direct.api.inspect_container(c.id)["HostConfig"]
        assert hc["Binds"] == [host_dir + ":/x"] and hc["CapDrop"] == ["NET_RAW"], hc
        assert running(direct, c.id)


# ================================================================ 2. references too long


def test_references_of_128_bytes_or_more_are_refused(sockwall, direct, dockerd, leftovers):
    """A holder of the socket named with 130 bytes next to a plain container
    named with the first 127 of them: a proxy that shortened the reference
    would judge the plain one and let dockerd bind the holder's socket."""
    long_holder = "h" * 130
    created(direct, long_holder, volumes=["%s:/s" % dockerd.sock])
    created(direct, "h" * 127)
    p127, p128 = "p" * 127, "q" * 128
    c127 = sleeper(direct, p127)
    c128 = sleeper(direct, p128)
    v127, v128 = "v" * 127, "w" * 128
    direct.volumes.create(v127)
    direct.volumes.create(v128)
    n127 = direct.networks.create("n" * 127, driver="bridge")
    n128 = direct.networks.create("m" * 128, driver="bridge")
    net = direct.networks.create(uniq("net"), driver="bridge")
    sw = sockwall(dict(OPEN, EXEC="1", ALLOW_ARCHIVE="1"))

    for hc in ({"VolumesFrom": [long_holder]}, {"VolumesFrom": [long_holder + ":ro"]},
               {"NetworkMode": "container:" + long_holder},
               {"PidMode": "container:" + p128}, {"IpcMode": "container:/" + p128},
               {"VolumesFrom": ["/" + p128]}, {"Links": [p128 + ":a"]}):
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(**hc), 400,
                                  "too long")
    assert_refused_in_dockerd(sw, direct, "/containers/create",
                              {"Image": "bb", "Cmd": ["true"], "VolumesFrom": [long_holder]},
                              400, "too long")
    # a start body below 1.24 names containers too
    s = created(direct)
    _assert_start_refused(sw, direct, s.id, {"HostConfig": {"VolumesFrom": [long_holder]}},
                          400, "too long")
    # network connect
    r = raw(sw, "POST", "/networks/%s/connect" % net.id, body=js({"Container": p128}),
            headers=JSON_CT)
    assert_refused(r, 400, "too long")
    assert p128 not in [c.name for c in direct.networks.get(net.id).containers]
    # the {name} in paths
    for method, path, body in (("POST", "/containers/%s/stop?t=1" % p128, None),
                               ("POST", "/containers/%s/kill" % p128, None),
                               ("POST", "/containers/%s/exec" % p128, js({"Cmd": ["true"]})),
                               ("GET", "/containers/%s/archive?path=/etc" % p128, None),
                               ("POST", "/containers/%s/rename?name=%s" % (p128, uniq()), None),
                               ("DELETE", "/containers/%s?force=1" % p128, None)):
        r = raw(sw, method, path, body=body, headers=JSON_CT if body else None)
        assert_refused(r, 400, "too long")
        a = direct.api.inspect_container(c128.id)
        assert a["State"]["Running"] and a["Name"] == "/" + p128 and not a["ExecIDs"], path
    r = raw(sw, "DELETE", "/volumes/%s" % v128)
    assert_refused(r, 400, "too long")
    assert direct.volumes.get(v128).name == v128
    r = raw(sw, "DELETE", "/networks/%s" % n128.name)
    assert_refused(r, 400, "too long")
    assert direct.networks.get(n128.id).name == n128.name

    # benign twins: 127 bytes (after a leading "/" is dropped) pass
    for hc in ({"VolumesFrom": [p127]}, {"VolumesFrom": ["/" + p127]},
               {"PidMode": "container:" + p127}, {"NetworkMode": "container:/" + p127}):
        r = raw(sw, "POST", "/containers/create", body=js(create_body(**hc)), headers=JSON_CT)
        assert_created(r, direct)
    r = raw(sw, "POST", "/networks/%s/connect" % net.id, body=js({"Container": p127}),
            headers=JSON_CT)
    assert r.status == 200, r
    assert c127.id in [c.id for c in direct.networks.get(net.id).containers]
    r = raw(sw, "POST", "/containers/%s/stop?t=1" % p127)
    assert r.status == 204, r
    assert not running(direct, c127.id)
    r = raw(sw, "DELETE", "/volumes/%s" % v127)
    assert r.status == 204, r
    with pytest.raises(docker.errors.NotFound):
        direct.volumes.get(v127)
    r = raw(sw, "DELETE", "/networks/%s" % n127.name)
    assert r.status == 204, r
    with pytest.raises(docker.errors.NotFound):
        direct.networks.get(n127.id)


# ================================================================ 3. sharing a powerful container


@pytest.fixture
def targets(direct, dockerd):
    """Containers with powers, created directly.  Privileged ones cannot run
    here (runc cannot apply all caps in this sandbox): created only, which is
    all sharing needs to be judged (and VolumesFrom resolves at create)."""
    t = {
        "priv": created(direct, uniq("tpriv"), privileged=True),
        "hostnet": sleeper(direct, uniq("thostnet"), network_mode="host"),
        "hostpid": sleeper(direct, uniq("thostpid"), pid_mode="host"),
        "hostipc": sleeper(direct, uniq("thostipc"), ipc_mode="host"),
        "hostuts": sleeper(direct, uniq("thostuts"), uts_mode="host"),
        "userns": sleeper(direct, uniq("tuserns"), userns_mode="host"),
        "capadd": sleeper(direct, uniq("tcapadd"), cap_add=["SYS_ADMIN"]),
        "devices": sleeper(direct, uniq("tdevices"), devices=["/dev/null:/dev/xnull"]),
        "socket": sleeper(direct, uniq("tsocket"), volumes=["%s:/s" % dockerd.sock]),
        # never started; /run/docker exists while dockerd runs (an archive PUT
        # that got through would mount it, making a missing source)
        "rootpath": created(direct, uniq("trootpath"), volumes=["/run/docker:/x:ro"]),
        # (not --ipc shareable: its shm mount on the host carries the container's
        # ID, and sockwall on the host takes that for its own container)
        "plain": sleeper(direct, uniq("tplain")),
    }
    for k, v in t.items():
        assert direct.api.inspect_container(v.id)["Name"] == "/" + v.name, k
    return t


HARDENED_TARGETS = ("priv", "hostpid", "hostipc", "hostuts", "userns", "capadd", "devices")


def test_sharing_a_powerful_container_under_hardened(sockwall, docker_cli, direct, leftovers,
                                                    targets):
    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    for key in HARDENED_TARGETS:
        name = targets[key].name
        for mode in ("NetworkMode", "PidMode", "IpcMode"):
            for ref in (name, targets[key].id[:12]):
                assert_refused_in_dockerd(sw, direct, "/containers/create",
                                          create_body(**{mode: "container:" + ref}), 403, HARD)
    # a host-network target: named DENY_HOST_NETWORK by the spec (HARDENED implies it)
    for mode in ("NetworkMode", "PidMode"):
        msg = assert_refused_in_dockerd(
            sw, direct, "/containers/create",
            create_body(**{mode: "container:" + targets["hostnet"].name}), 403)
        assert DENY_HOSTNET in msg or HARD in msg, msg
    # the same through the CLI
    before = Snapshot(direct)
    for args in (["--pid", "container:" + targets["hostpid"].name],
                 ["--network", "container:" + targets["capadd"].name],
                 ["--ipc", "container:" + targets["priv"].name]):
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        assert_cli_refused(r, HARD)
    before.assert_unchanged("CLI sharing under HARDENED")
    # benign twins: a plain container may be shared under HARDENED
    for mode in ("NetworkMode", "PidMode", "IpcMode"):
        r = raw(sw, "POST", "/containers/create",
                body=js(create_body(**{mode: "container:" + targets["plain"].name})),
                headers=JSON_CT)
        a = assert_created(r, direct)
        assert a["HostConfig"][mode] in ("container:" + targets["plain"].name,
                                         "container:" + targets["plain"].id), a["HostConfig"]


def test_sharing_a_privileged_container_under_deny_privileged(sockwall, docker_cli, direct,
                                                              leftovers, targets):
    sw = sockwall(dict(OPEN, **{DENY_PRIV: "true"}))
    priv = targets["priv"]
    for hc in ({"VolumesFrom": [priv.name]}, {"VolumesFrom": ["/" + priv.name + ":ro"]},
               {"NetworkMode": "container:" + priv.name}, {"PidMode": "container:" + priv.id},
               {"IpcMode": "container:" + priv.id[:12]}):
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(**hc), 403,
                                  DENY_PRIV)
    r = docker_cli(sw.host, "create", "--volumes-from", priv.name, "bb", "true")
    assert_cli_refused(r, DENY_PRIV)
    # benign twins: DENY_PRIVILEGED says nothing about host PID or capabilities
    for hc in ({"PidMode": "container:" + targets["hostpid"].name},
               {"VolumesFrom": [targets["capadd"].name]},
               {"VolumesFrom": [targets["plain"].name]}):
        assert_created(raw(sw, "POST", "/containers/create", body=js(create_body(**hc)),
                           headers=JSON_CT), direct)


def test_sharing_a_host_network_container_under_deny_host_network(sockwall, docker_cli, direct,
                                                                  leftovers, targets):
    sw = sockwall(dict(OPEN, **{DENY_HOSTNET: "true"}))
    hn = targets["hostnet"]
    for hc in ({"NetworkMode": "container:" + hn.name}, {"NetworkMode": "container:" + hn.id},
               {"PidMode": "container:" + hn.name}, {"VolumesFrom": [hn.name]}):
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(**hc), 403,
                                  DENY_HOSTNET)
    r = docker_cli(sw.host, "create", "--network", "container:" + hn.name, "bb", "true")
    assert_cli_refused(r, DENY_HOSTNET)
    # benign twins: a privileged or host-PID target is not this filter's business
    for hc in ({"NetworkMode": "container:" + targets["hostpid"].name},
               {"VolumesFrom": [targets["priv"].name]},
               {"NetworkMode": "container:" + targets["plain"].name}):
        assert_created(raw(sw, "POST", "/containers/create", body=js(create_body(**hc)),
                           headers=JSON_CT), direct)


def test_sharing_powerful_containers_without_filters_is_allowed(sockwall, direct, leftovers,
                                                                targets):
    """Without HARDENED/DENY_*: only the default protections apply; sharing a
    privileged or host-namespace container is allowed (so the refusals above
    come from the filters, not from refusing every container: reference)."""
    sw = sockwall(OPEN)
    for key, mode in (("priv", "VolumesFrom"), ("hostpid", "PidMode"),
                      ("hostnet", "NetworkMode"), ("capadd", "IpcMode"),
                      ("devices", "PidMode")):
        ref = targets[key].name
        hc = {mode: [ref]} if mode == "VolumesFrom" else {mode: "container:" + ref}
        assert_created(raw(sw, "POST", "/containers/create", body=js(create_body(**hc)),
                           headers=JSON_CT), direct)


def test_sharing_a_root_equivalent_holder_is_refused_by_default(sockwall, direct, leftovers,
                                                                targets):
    sw = sockwall(OPEN)
    for key in ("socket", "rootpath"):
        t = targets[key]
        for hc in ({"VolumesFrom": [t.name]}, {"NetworkMode": "container:" + t.name},
                   {"PidMode": "container:" + t.id[:12]}):
            msg = assert_refused_in_dockerd(sw, direct, "/containers/create",
                                            create_body(**hc), 403, "holds")
            if key == "socket":
                assert HOLDS_MSG in msg, msg
    assert_created(raw(sw, "POST", "/containers/create",
                       body=js(create_body(VolumesFrom=[targets["plain"].name])),
                       headers=JSON_CT), direct)


def test_sharing_chains_are_followed(sockwall, docker_cli, direct, leftovers):
    """B has PidMode container:A (dockerd stores A's ID), A has PidMode host:
    joining B's PID namespace is joining the host's."""
    a = sleeper(direct, uniq("chaina"), pid_mode="host")
    b = sleeper(direct, uniq("chainb"), pid_mode="container:" + a.name)
    c = sleeper(direct, uniq("chainc"), pid_mode="container:" + b.name)
    assert direct.api.inspect_container(b.id)["HostConfig"]["PidMode"] == "container:" + a.id
    na = sleeper(direct, uniq("neta"), network_mode="host")
    nb = sleeper(direct, uniq("netb"), network_mode="container:" + na.name)
    pa = sleeper(direct, uniq("plaina"))
    pb = sleeper(direct, uniq("plainb"), pid_mode="container:" + pa.name)

    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    for ref in (b.name, c.name, b.id[:12]):
        msg = assert_refused_in_dockerd(sw, direct, "/containers/create",
                                        create_body(PidMode="container:" + ref), 403, HARD)
        # the spec: says "shares" / names the container (main says "sharing" and
        # names the container at the chain's end by its ID)
        assert "shar" in msg, msg
        assert any(x in msg for x in (ref, a.name, b.name, a.id[:12], b.id[:12])), msg
    r = docker_cli(sw.host, "create", "--pid", "container:" + c.name, "bb", "true")
    assert_cli_refused(r, HARD)
    # start bodies are judged the same
    s = created(direct)
    _assert_start_refused(sw, direct, s.id, {"HostConfig": {"PidMode": "container:" + b.name}},
                          403, HARD)
    # benign twin: a chain that ends in a plain container
    a2 = assert_created(raw(sw, "POST", "/containers/create",
                            body=js(create_body(PidMode="container:" + pb.name)),
                            headers=JSON_CT), direct)
    assert a2["HostConfig"]["PidMode"] in ("container:" + pb.name, "container:" + pb.id)

    sw2 = sockwall(dict(OPEN, **{DENY_HOSTNET: "true"}))
    assert_refused_in_dockerd(sw2, direct, "/containers/create",
                              create_body(NetworkMode="container:" + nb.name), 403, DENY_HOSTNET)
    assert_created(raw(sw2, "POST", "/containers/create",
                       body=js(create_body(NetworkMode="container:" + pb.name)),
                       headers=JSON_CT), direct)


def test_start_body_sharing_a_powerful_container(sockwall, direct, leftovers, targets):
    for extra, hc, word in (
        ({HARD: "true"}, {"PidMode": "container:" + targets["hostpid"].name}, HARD),
        ({HARD: "true"}, {"IpcMode": "container:" + targets["capadd"].name}, HARD),
        ({DENY_PRIV: "true"}, {"NetworkMode": "container:" + targets["priv"].name}, DENY_PRIV),
        ({DENY_PRIV: "true"}, {"VolumesFrom": [targets["priv"].name]}, DENY_PRIV),
        ({DENY_HOSTNET: "true"}, {"NetworkMode": "container:" + targets["hostnet"].name},
         DENY_HOSTNET),
    ):
        for policy in ({"ALLOW_START": "1"}, {"CONTAINERS": "1", "POST": "1"}):
            sw = sockwall(dict(policy, **extra))
            s = created(direct)
            _assert_start_refused(sw, direct, s.id, {"HostConfig": hc}, 403, word)
            _assert_start_refused(sw, direct, s.id, hc, 403, word)
            # benign twin: sharing the plain container
            r = raw(sw, "POST", "/v1.23/containers/%s/start" % s.id,
                    body=js({"HostConfig": {"PidMode": "container:" + targets["plain"].name}}),
                    headers=JSON_CT)
            assert r.status == 204, r
            assert running(direct, s.id)


# ================================================================ 4. HARDENED and SecurityOpt


def _seccomp_profile(size=20000):
    """A valid seccomp profile (as the CLI inlines it) well past any small buffer."""
    names = ["sw_fake_syscall_%05d" % i for i in range(size // 24)]
    return {"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": names, "action": "SCMP_ACT_ERRNO"}]}


REFUSED_SECOPTS = [
    "seccomp=unconfined", "seccomp=/etc/sw-profile.json", "seccomp:unconfined",
    "apparmor=unconfined", "apparmor=docker-default", "apparmor:sw-custom",
    "label=disable", "label=type:foo_t", "label=user:root", "label:disable", "disable",
    "systempaths=unconfined",
]
ALLOWED_SECOPTS = ["no-new-privileges", "no-new-privileges=true", "no-new-privileges:true",
                   "no-new-privileges=1", "no-new-privileges=false", "no-new-privileges:false"]


def test_hardened_refuses_every_security_opt_but_no_new_privileges(sockwall, direct, leftovers):
    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    inline = "seccomp=" + json.dumps(_seccomp_profile())
    assert len(inline) > 16000
    for opt in REFUSED_SECOPTS + [inline, 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']:
        assert_refused_in_dockerd(sw, direct, "/containers/create",
                                  create_body(SecurityOpt=[opt]), 403, HARD, "SecurityOpt")
    # any key case, at the top level, after an allowed entry
    for body in ({"Image": "bb", "Cmd": ["true"],
                  "HostConfig": {"securityopt": ["apparmor=unconfined"]}},
                 {"Image": "bb", "Cmd": ["true"], "SecurityOpt": ["label=disable"]},
                 create_body(SecurityOpt=["no-new-privileges", "seccomp=unconfined"])):
        assert_refused_in_dockerd(sw, direct, "/containers/create", body, 403, HARD,
                                  "SecurityOpt")
    # benign twins
    for opt in ALLOWED_SECOPTS:
        a = assert_created(raw(sw, "POST", "/containers/create",
                               body=js(create_body(SecurityOpt=[opt])), headers=JSON_CT), direct)
        assert a["HostConfig"]["SecurityOpt"] == [opt]
    a = assert_created(raw(sw, "POST", "/containers/create",
                           body=js(create_body(SecurityOpt=ALLOWED_SECOPTS[:3])),
                           headers=JSON_CT), direct)
    assert a["HostConfig"]["SecurityOpt"] == ALLOWED_SECOPTS[:3]


def test_hardened_security_opt_through_the_cli(sockwall, docker_cli, direct, leftovers,
                                               tmp_path):
    """`docker create --security-opt seccomp=file.json`: the CLI inlines the
    file's JSON -- a custom profile of any length is refused."""
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps(_seccomp_profile()))
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW"}))
    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    before = Snapshot(direct)
    for opt in ("seccomp=%s" % profile, "seccomp=%s" % small, "seccomp=unconfined",
                "apparmor=unconfined", "label=disable"):
        r = docker_cli(sw.host, "create", "--security-opt", opt, "bb", "true")
        assert_cli_refused(r, HARD, "SecurityOpt")
    # the CLI turns systempaths=unconfined into empty MaskedPaths/ReadonlyPaths
    r = docker_cli(sw.host, "create", "--security-opt", "systempaths=unconfined", "bb", "true")
    assert_cli_refused(r, HARD)
    before.assert_unchanged("--security-opt under HARDENED")
    cid = assert_cli_ok(docker_cli(sw.host, "create", "--security-opt", "no-new-privileges",
                                   "bb", "true"))
    assert direct.api.inspect_container(cid)["HostConfig"]["SecurityOpt"] == [
        "no-new-privileges"]

    # without HARDENED nothing changes: the same options pass
    sw2 = sockwall(OPEN)
    for opt in ("seccomp=%s" % profile, "seccomp=unconfined", "apparmor=unconfined",
                "label=disable"):
        cid = assert_cli_ok(docker_cli(sw2.host, "create", "--security-opt", opt, "bb", "true"))
        so = direct.api.inspect_container(cid)["HostConfig"]["SecurityOpt"]
        assert len(so) == 1 and so[0].split("=")[0] == opt.split("=")[0], so
    for opt in REFUSED_SECOPTS[:-1]:
        assert_created(raw(sw2, "POST", "/containers/create",
                           body=js(create_body(SecurityOpt=[opt])), headers=JSON_CT), direct)


# ================================================================ 8. root-equivalent host paths


def _assert_allowed_paths_hint(msg, path):
    """The message's "to allow it set DKRPRX__VOLUMES__ALLOWED_PATHS=^<p>$"
    (regex characters in <p> escaped) matches exactly that path."""
    key = "DKRPRX__VOLUMES__ALLOWED_PATHS="
    assert key in msg, msg
    regex = msg[msg.index(key) + len(key):].split()[0]
    assert regex.startswith("^") and regex.endswith("$"), msg
    assert re.fullmatch(regex, path), (regex, path)
    assert not re.fullmatch(regex, path + "x"), regex


ROOT_PATHS = ["/run/containerd", "/var/run/containerd", "/run/docker", "/var/run/docker",
              "/var/lib/docker", "/var/lib/containerd",
              # inside the data roots and runtime directories
              "/var/lib/docker/volumes", "/var/lib/containerd/io.containerd.content.v1.content",
              "/run/containerd/containerd.sock", "/run/docker/netns",
              # containing one
              "/var/lib",
              # Podman: rootful socket and state, rootless sockets of any uid
              "/run/podman", "/var/run/podman/podman.sock", "/var/lib/containers",
              "/run/containers/storage", "/run/user", "/run/user/1000",
              "/run/user/1000/podman/podman.sock"]


def test_root_equivalent_binds_are_refused(sockwall, direct, leftovers):
    sw = sockwall(OPEN)
    for p in ROOT_PATHS:
        for bind in ("%s:/x" % p, "%s:/x:ro" % p):
            msg = assert_refused_in_dockerd(sw, direct, "/containers/create",
                                            create_body(Binds=[bind]), 403, ROOT_MSG)
            assert "host path %s is root-equivalent" % p in msg, msg
            _assert_allowed_paths_hint(msg, p)
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(Mounts=[
            {"Type": "bind", "Source": p, "Target": "/x", "ReadOnly": True}]), 403, ROOT_MSG)
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(Mounts=[
            {"Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {
                "Name": "local", "Options": {"type": "none", "o": "bind", "device": p}}}}]),
            403, ROOT_MSG)
    # cleaned like the socket paths
    for bind in ("//var//lib/docker/:/x", "/var/lib/./docker:/x", "/tmp/../run/containerd:/x",
                 "/var/lib/docker/../containerd:/x"):
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(Binds=[bind]),
                                  403, ROOT_MSG)
    logs = [d for d in decisions(sw, "POST", "/containers/create") if d["status"] == 403]
    assert logs and all(d["reason"] == "default:root-path" for d in logs), logs
    # the socket paths keep their message
    for bind in ("/var/run/docker.sock:/s:ro", "/run/docker.sock:/s"):
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(Binds=[bind]),
                                  403, SOCKET_MSG)
    # benign look-alikes: created (never started: the sources need not exist)
    for bind in ("/var/lib/dockerx:/x", "/var/lib/docker-data:/x", "/run/containerd-x:/x",
                 "/run/dockerd:/x", "/var/lib/containerdx/y:/x", "/sysx:/x",
                 "/run/user/1000/pulse:/x", "/run/podmanx:/x"):
        a = assert_created(raw(sw, "POST", "/containers/create",
                               body=js(create_body(Binds=[bind])), headers=JSON_CT), direct)
        assert a["HostConfig"]["Binds"] == [bind]


def test_sys_is_refused_only_writable(sockwall, direct, leftovers):
    sw = sockwall(OPEN)
    for hc in ({"Binds": ["/sys:/x"]}, {"Binds": ["/sys:/x:rw"]},
               {"Binds": ["/sys/fs/cgroup:/x"]}, {"Binds": ["/sys/kernel:/x:z"]},
               {"Mounts": [{"Type": "bind", "Source": "/sys", "Target": "/x"}]},
               {"Mounts": [{"Type": "bind", "Source": "/sys/fs", "Target": "/x",
                            "ReadOnly": False}]}):
        msg = assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(**hc),
                                        403, ROOT_MSG, "the kernel's /sys, writable")
        _assert_allowed_paths_hint(msg, hc["Binds"][0].split(":")[0] if "Binds" in hc
                                   else hc["Mounts"][0]["Source"])
    for hc in ({"Binds": ["/sys:/x:ro"]}, {"Binds": ["/sys/fs/cgroup:/x:ro"]},
               {"Mounts": [{"Type": "bind", "Source": "/sys", "Target": "/x",
                            "ReadOnly": True}]}):
        a = assert_created(raw(sw, "POST", "/containers/create", body=js(create_body(**hc)),
                               headers=JSON_CT), direct)
        assert a["HostConfig"].get("Binds") == hc.get("Binds")
    # a read-only /sys really is read-only in the container
    r = raw(sw, "POST", "/containers/create", headers=JSON_CT, body=js({
        "Image": "bb", "Cmd": ["sh", "-c", "touch /x/kernel/uevent_helper 2>/dev/null "
                                           "&& echo WROTE; true"],
        "HostConfig": {"Binds": ["/sys:/x:ro"]}}))
    cid = assert_created(r, direct)["Id"]
    c = direct.containers.get(cid)
    c.start()
    assert c.wait(timeout=60)["StatusCode"] == 0
    assert b"WROTE" not in c.logs()


def test_root_equivalent_volume_create_is_refused(sockwall, docker_cli, direct, leftovers,
                                                  host_dir):
    sw = sockwall(OPEN)
    for dev, o in (("/var/lib/docker", "bind"), ("/run/containerd", "bind,ro"),
                   ("/var/lib/containerd", "rbind"), ("var/lib/docker", "bind"),
                   ("/sys", "bind")):
        name = uniq("v")
        assert_refused_in_dockerd(sw, direct, "/volumes/create", {
            "Name": name, "DriverOpts": {"type": "none", "o": o, "device": dev}}, 403, ROOT_MSG)
        with pytest.raises(docker.errors.NotFound):
            direct.volumes.get(name)
    r = docker_cli(sw.host, "volume", "create", "--opt", "type=none", "--opt", "o=bind",
                   "--opt", "device=/run/docker", uniq("v"))
    assert_cli_refused(r, ROOT_MSG)
    r = docker_cli(sw.host, "create", "--mount",
                   "type=bind,src=/var/lib/containerd,dst=/x,readonly", "bb", "true")
    assert_cli_refused(r, ROOT_MSG)
    r = docker_cli(sw.host, "create", "-v", "/run/containerd:/x:ro", "bb", "true")
    assert_cli_refused(r, ROOT_MSG)
    # benign twin
    name = uniq("okvol")
    r = raw(sw, "POST", "/volumes/create", headers=JSON_CT, body=js({
        "Name": name, "DriverOpts": {"type": "none", "o": "bind", "device": host_dir}}))
    assert r.status == 201, r
    assert direct.volumes.get(name).attrs["Options"]["device"] == host_dir

    # a volume someone else made as a bind of a root-equivalent path, named in a
    # create, or shared through a container that mounts it
    vol = direct.volumes.create(uniq("rootvol"), driver="local", driver_opts={
        "type": "none", "o": "bind", "device": "/run/docker"})
    holder = created(direct, uniq("volholder"), volumes=["%s:/x" % vol.name])
    for hc in ({"Binds": ["%s:/x:ro" % vol.name]},
               {"Mounts": [{"Type": "volume", "Source": vol.name, "Target": "/x"}]}):
        assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(**hc), 403,
                                  ROOT_MSG)
    assert_refused_in_dockerd(sw, direct, "/containers/create",
                              create_body(VolumesFrom=[holder.name]), 403, "holds")
    a = assert_created(raw(sw, "POST", "/containers/create", headers=JSON_CT,
                           body=js(create_body(Binds=["%s:/x" % name]))), direct)
    assert a["HostConfig"]["Binds"] == ["%s:/x" % name]


def test_allowed_paths_lifts_a_root_equivalent_path(sockwall, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__VOLUMES__ALLOWED_PATHS="^/var/lib/docker$"))
    a = assert_created(raw(sw, "POST", "/containers/create",
                           body=js(create_body(Binds=["/var/lib/docker:/x"])), headers=JSON_CT),
                       direct)
    assert a["HostConfig"]["Binds"] == ["/var/lib/docker:/x"]
    assert_refused_in_dockerd(sw, direct, "/containers/create",
                              create_body(Binds=["/var/lib/containerd:/x"]), 403)


def test_sockwall_listener_sockets_are_root_equivalent(dockerd, direct, leftovers):
    """A client of one listener must not bind another (maybe wider) listener's
    socket into a container."""
    d = tempfile.mkdtemp(prefix="swl-", dir="/tmp")
    wide = os.path.join(d, "wide.sock")
    sw = Sockwall(dockerd, OPEN)
    sw.env["SOCKWALL_LISTEN"] += ",unix://%s?policy=portainer" % wide
    try:
        sw.start()
        # start() waits for the first two listeners; the third opens just after
        helpers.wait_for(lambda: helpers.can_connect(wide), 10, what=wide)
        # root-equivalent by item 8; the spec also says "the socket paths keep
        # their old message": main gives listener sockets the socket message
        for bind in ("%s:/s" % wide, "%s:/s:ro" % wide, "%s:/d" % d, "%s/./wide.sock:/s" % d):
            msg = assert_refused_in_dockerd(sw, direct, "/containers/create",
                                            create_body(Binds=[bind]), 403)
            assert ROOT_MSG in msg or SOCKET_MSG in msg, msg
        msg = assert_refused_in_dockerd(sw, direct, "/containers/create", create_body(Mounts=[
            {"Type": "bind", "Source": wide, "Target": "/s", "ReadOnly": True}]), 403)
        assert ROOT_MSG in msg or SOCKET_MSG in msg, msg
        # sockwall's main listener socket too (its directory holds dockerd's socket here)
        assert_refused_in_dockerd(sw, direct, "/containers/create",
                                  create_body(Binds=["%s:/s" % sw.unix]), 403)
        # benign twin: a sibling path that does not contain the listener
        a = assert_created(raw(sw, "POST", "/containers/create",
                               body=js(create_body(Binds=["%s/other:/o" % d])),
                               headers=JSON_CT), direct)
        assert a["HostConfig"]["Binds"] == ["%s/other:/o" % d]
    finally:
        sw.stop()
        if sw.log_text():
            print("---- sockwall log ----\n" + sw.log_text()[-6000:])
        shutil.rmtree(d, ignore_errors=True)


# ================================================================ 9. the proxy's own container


COMMIT_ENV = dict(OPEN, COMMIT="1")


def test_commit_of_the_proxy_container_is_refused(sockwall, docker_cli, direct, proxy_ctr,
                                                  keep_bb):
    sw = sockwall(COMMIT_ENV)
    cid = proxy_ctr.id
    before = Snapshot(direct)
    for ref in ("docker-proxy", "%2Fdocker-proxy", cid, cid[:12], unique_prefix(direct, cid)):
        r = raw(sw, "POST", "/commit?container=%s&repo=stolen&tag=1" % ref, body="{}",
                headers=JSON_CT)
        assert_refused(r, 403, PROXY_MSG)
    r = docker_cli(sw.host, "commit", "docker-proxy", "stolen:2")
    assert_cli_refused(r, PROXY_MSG)
    before.assert_unchanged("commit of docker-proxy")
    for t in ("stolen:1", "stolen:2"):
        with pytest.raises(docker.errors.ImageNotFound):
            direct.images.get(t)
    # benign twin
    other = sleeper(direct)
    r = raw(sw, "POST", "/commit?container=%s&repo=mine&tag=1" % other.name, body="{}",
            headers=JSON_CT)
    assert r.status == 201, r
    assert direct.images.get("mine:1").id == r.json()["Id"]


def test_network_connect_of_the_proxy_container_is_refused(sockwall, docker_cli, direct,
                                                           proxy_ctr, leftovers):
    net = direct.networks.create(uniq("net"), driver="bridge")
    sw = sockwall(OPEN)
    cid = proxy_ctr.id

    def attached(c):
        nets = direct.api.inspect_container(c)["NetworkSettings"]["Networks"]
        return net.id in {n["NetworkID"] for n in nets.values()}

    for body in ({"Container": "docker-proxy"}, {"container": cid[:12]},
                 {"Container": "/docker-proxy"}, {"CONTAINER": unique_prefix(direct, cid)},
                 {"Container": cid, "EndpointConfig": {"Aliases": ["x"]}}):
        r = raw(sw, "POST", "/networks/%s/connect" % net.id, body=js(body), headers=JSON_CT)
        assert_refused(r, 403, PROXY_MSG)
        assert not attached(cid), body
    r = docker_cli(sw.host, "network", "connect", net.name, "docker-proxy")
    assert_cli_refused(r, PROXY_MSG)
    assert not attached(cid)
    # benign twin
    other = sleeper(direct)
    r = docker_cli(sw.host, "network", "connect", net.name, other.name)
    assert_cli_ok(r)
    assert attached(other.id)


def _tty_size(direct, cid):
    r = direct.containers.get(cid).exec_run(["sh", "-c", "busybox stty size < /proc/1/fd/0"])
    return r.output.decode("utf-8", "replace").strip()


def test_resize_of_the_proxy_container_is_refused(sockwall, docker_cli, direct, leftovers):
    proxy = direct.containers.run("bb:latest", ["sleep", "600"], name="docker-proxy",
                                  detach=True, tty=True, stdin_open=True)
    other = direct.containers.run("bb:latest", ["sleep", "600"], name=uniq("tty"),
                                  detach=True, tty=True, stdin_open=True)
    sw = sockwall(OPEN)
    size = _tty_size(direct, proxy.id)
    assert size != "33 77"
    for ref in ("docker-proxy", "/docker-proxy", proxy.id[:12],
                unique_prefix(direct, proxy.id)):
        r = raw(sw, "POST", "/containers/%s/resize?h=33&w=77" % ref.replace("/", "%2F"))
        if ref.startswith("/"):  # %2F in a path: refused one way or another
            assert r.status in (400, 403), r
            assert_refused(r, r.status)
        else:
            assert_refused(r, 403, PROXY_MSG)
        assert _tty_size(direct, proxy.id) == size, ref
    # benign twin: the same resize of another container takes effect
    r = raw(sw, "POST", "/containers/%s/resize?h=33&w=77" % other.name)
    assert r.status == 200, r
    assert _tty_size(direct, other.id) == "33 77"
    assert _tty_size(direct, proxy.id) == size


@pytest.fixture
def evil_image(direct, keep_bb):
    """An image with another ID than bb:latest (committed directly)."""
    c = direct.containers.run("bb:latest", ["sh", "-c", "echo evil > /evil"], detach=True)
    assert c.wait(timeout=60)["StatusCode"] == 0
    img = c.commit("evil", "1")
    c.remove(force=True)
    assert img.id != direct.images.get("bb:latest").id
    return img


def test_tag_onto_the_proxy_image_is_refused(sockwall, docker_cli, direct, proxy_ctr, keep_bb,
                                             evil_image):
    assert direct.api.inspect_container(proxy_ctr.id)["Config"]["Image"] == "bb:latest"
    bb_id = direct.images.get("bb:latest").id
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    for src in ("evil:1", evil_image.id, evil_image.id.split(":")[1][:12]):
        for q in ("repo=bb&tag=latest", "repo=bb", "repo=docker.io/library/bb&tag=latest"):
            r = raw(sw, "POST", "/images/%s/tag?%s" % (src, q))
            assert_refused(r, 403, PROXY_IMAGE_MSG)
            assert direct.images.get("bb:latest").id == bb_id, (src, q)
    for dst in ("bb:latest", "bb"):
        r = docker_cli(sw.host, "tag", "evil:1", dst)
        assert_cli_refused(r, PROXY_IMAGE_MSG)
    before.assert_unchanged("tags onto bb:latest")
    assert direct.images.get("bb:latest").id == bb_id
    assert direct.images.get(evil_image.id).tags == ["evil:1"]
    # benign twins: another tag of the same repository, another repository
    for q, ref in (("repo=bb&tag=other", "bb:other"), ("repo=evil2&tag=x", "evil2:x")):
        r = raw(sw, "POST", "/images/evil:1/tag?%s" % q)
        assert r.status == 201, r
        assert direct.images.get(ref).id == evil_image.id
    assert direct.images.get("bb:latest").id == bb_id


def test_tag_onto_the_proxy_image_given_without_tag(sockwall, direct, keep_bb, evil_image):
    """docker-proxy created from "bb" (Config.Image has no tag): bb:latest is still its image."""
    direct.containers.create("bb", ["sleep", "600"], name="docker-proxy")
    assert direct.api.inspect_container("docker-proxy")["Config"]["Image"] == "bb"
    bb_id = direct.images.get("bb:latest").id
    sw = sockwall(OPEN)
    for q in ("repo=bb&tag=latest", "repo=bb"):
        r = raw(sw, "POST", "/images/evil:1/tag?%s" % q)
        assert_refused(r, 403, PROXY_IMAGE_MSG)
        assert direct.images.get("bb:latest").id == bb_id
    r = raw(sw, "POST", "/images/evil:1/tag?repo=bb&tag=v2")
    assert r.status == 201, r


def test_commit_onto_the_proxy_image_is_refused(sockwall, docker_cli, direct, proxy_ctr,
                                                keep_bb):
    bb_id = direct.images.get("bb:latest").id
    other = sleeper(direct)
    sw = sockwall(COMMIT_ENV)
    before = Snapshot(direct)
    for q in ("repo=bb&tag=latest", "repo=bb", "repo=docker.io/library/bb"):
        r = raw(sw, "POST", "/commit?container=%s&%s" % (other.name, q), body="{}",
                headers=JSON_CT)
        assert_refused(r, 403, PROXY_IMAGE_MSG)
        assert direct.images.get("bb:latest").id == bb_id
    r = docker_cli(sw.host, "commit", other.name, "bb:latest")
    assert_cli_refused(r, PROXY_IMAGE_MSG)
    before.assert_unchanged("commit onto bb:latest")
    assert direct.images.get("bb:latest").id == bb_id
    # benign twin
    r = raw(sw, "POST", "/commit?container=%s&repo=bb&tag=mine" % other.name, body="{}",
            headers=JSON_CT)
    assert r.status == 201, r
    assert direct.images.get("bb:mine").id == r.json()["Id"] != bb_id


# ================================================================ 10. PUT archive is exec


def _tar(name, data=b"#!/bin/sh\necho planted\n"):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        ti.mode = 0o755
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _has_file(dockerd, cid, path):
    r = raw_direct(dockerd, "GET", "/containers/%s/archive?path=%s" % (cid, path))
    assert r.status in (200, 404), r
    return r.status == 200


ARCHIVE_ENV = {"CONTAINERS": "1", "POST": "1", "ALLOW_ARCHIVE": "1"}
POWERFUL_FOR_ARCHIVE = ("socket", "rootpath", "priv", "hostnet", "hostpid", "hostipc",
                        "hostuts", "userns", "capadd", "devices")


def test_put_archive_into_a_powerful_container_needs_exec(sockwall, docker_cli, direct, dockerd,
                                                          leftovers, targets, tmp_path):
    sw = sockwall(ARCHIVE_ENV)
    for key in POWERFUL_FOR_ARCHIVE:
        t = targets[key]
        name = "planted-%s" % key
        r = raw(sw, "PUT", "/containers/%s/archive?path=/tmp" % t.name, body=_tar(name),
                headers=TAR_CT)
        assert_refused(r, 403, "EXEC")
        assert not _has_file(dockerd, t.id, "/tmp/" + name), key
    src = tmp_path / "planted-cli"
    src.write_text("x\n")
    r = docker_cli(sw.host, "cp", str(src), "%s:/tmp/" % targets["hostpid"].name)
    assert_cli_refused(r, "EXEC")
    assert not _has_file(dockerd, targets["hostpid"].id, "/tmp/planted-cli")
    # benign twin: a plain container takes the file without EXEC
    r = raw(sw, "PUT", "/containers/%s/archive?path=/tmp" % targets["plain"].name,
            body=_tar("planted-plain"), headers=TAR_CT)
    assert r.status == 200, r
    assert _has_file(dockerd, targets["plain"].id, "/tmp/planted-plain")

    # with EXEC=1 as well: allowed
    sw2 = sockwall(dict(ARCHIVE_ENV, EXEC="1"))
    for key in ("socket", "hostpid", "capadd", "hostnet"):
        t = targets[key]
        r = raw(sw2, "PUT", "/containers/%s/archive?path=/tmp" % t.id[:12],
                body=_tar("exec-ok"), headers=TAR_CT)
        assert r.status == 200, (key, r)
        assert _has_file(dockerd, t.id, "/tmp/exec-ok"), key


# ================================================================ must keep working


def _recreate_body(a):
    body = dict(a["Config"])
    body["HostConfig"] = a["HostConfig"]
    body["NetworkingConfig"] = {"EndpointsConfig": a["NetworkSettings"]["Networks"]}
    return body


RECREATE_CLI_ARGS = {
    "defaults": [],
    "network-none": ["--network", "none"],
    "network-bridge": ["--network", "bridge"],
    "network-default": ["--network", "default"],
    "ipc-private": ["--ipc", "private"],
    "ipc-shareable": ["--ipc", "shareable"],
    "bind-and-nnp": ["-v", "{host_dir}:/d:ro", "--security-opt", "no-new-privileges",
                     "--cap-drop", "NET_RAW", "-e", "A=b", "-l", "k=v"],
}


@pytest.mark.parametrize("args", list(RECREATE_CLI_ARGS.values()), ids=list(RECREATE_CLI_ARGS))
def test_recreate_from_inspect_under_hardened_cli(sockwall, docker_cli, direct, leftovers,
                                                  host_dir, args):
    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    args = [a.format(host_dir=host_dir) for a in args]
    cid = assert_cli_ok(docker_cli(sw.host, "create", *args, "bb", "sleep", "60"))
    a = json.loads(assert_cli_ok(docker_cli(sw.host, "inspect", cid)))[0]
    hc = a["HostConfig"]
    assert hc["MaskedPaths"] and hc["ReadonlyPaths"], hc
    r = raw(sw, "POST", "/containers/create?name=%s" % uniq("re"), body=js(_recreate_body(a)),
            headers=JSON_CT)
    b = assert_created(r, direct)
    for k in ("Binds", "NetworkMode", "IpcMode", "MaskedPaths", "ReadonlyPaths", "CgroupnsMode",
              "SecurityOpt", "CapDrop"):
        assert b["HostConfig"][k] == hc[k], k
    assert b["Config"]["Env"] == a["Config"]["Env"]
    assert b["Config"]["Labels"] == a["Config"]["Labels"]


def test_recreate_from_inspect_under_hardened_python_docker(sockwall, direct, leftovers,
                                                            host_dir):
    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    client = sw.client()
    try:
        for kw in ({}, {"network_mode": "none"}, {"ipc_mode": "shareable"},
                   {"volumes": ["%s:/d" % host_dir], "security_opt": ["no-new-privileges"]}):
            c = client.containers.create("bb:latest", ["sleep", "60"], **kw)
            a = client.api.inspect_container(c.id)
            new = client.api.create_container_from_config(_recreate_body(a), name=uniq("re"))
            b = direct.api.inspect_container(new["Id"])
            assert b["HostConfig"]["MaskedPaths"] == a["HostConfig"]["MaskedPaths"]
            assert b["HostConfig"]["CgroupnsMode"] == a["HostConfig"]["CgroupnsMode"]
            assert b["HostConfig"]["NetworkMode"] == a["HostConfig"]["NetworkMode"]
            # and it runs
            client.api.start(new["Id"])
            assert running(direct, new["Id"])
    finally:
        client.close()


def test_recreate_with_loosened_system_paths_is_refused(sockwall, direct, leftovers):
    sw = sockwall(dict(OPEN, **{HARD: "true"}))
    c = direct.containers.create("bb:latest", ["sleep", "60"])
    a = direct.api.inspect_container(c.id)
    masked, ro = a["HostConfig"]["MaskedPaths"], a["HostConfig"]["ReadonlyPaths"]
    assert len(masked) > 2 and len(ro) > 2
    for key, value in (("MaskedPaths", []), ("MaskedPaths", masked[:-1]),
                       ("MaskedPaths", masked[1:] + ["/proc/sw-extra"]),
                       ("ReadonlyPaths", []), ("ReadonlyPaths", ro[:-1])):
        body = _recreate_body(a)
        body["HostConfig"] = dict(body["HostConfig"], **{key: value})
        assert_refused_in_dockerd(sw, direct, "/containers/create", body, 403, HARD)
    # benign twins: the same lists, longer, reordered, or absent (dockerd's defaults)
    for key, value in (("MaskedPaths", masked + ["/proc/sw-extra"]),
                       ("MaskedPaths", list(reversed(masked))),
                       ("ReadonlyPaths", ro + ["/proc/sw-extra"]),
                       ("MaskedPaths", None)):
        body = _recreate_body(a)
        body["HostConfig"] = dict(body["HostConfig"], **{key: value})
        b = assert_created(raw(sw, "POST", "/containers/create", body=js(body),
                               headers=JSON_CT), direct)
        assert set(b["HostConfig"][key]) >= set(value or []), key


def test_lookup_answered_with_a_4xx_gives_that_4xx(sockwall, direct, dockerd, leftovers):
    """dockerd answers the lookup of an ambiguous network ID prefix with 400:
    the client gets that 400 with dockerd's message, not 502."""
    nets = {}
    while True:
        n = direct.networks.create(uniq("net"), driver="bridge")
        if n.id[0] in nets:
            break
        nets[n.id[0]] = n
    pre = n.id[0]
    assert not any(x.name == pre for x in direct.networks.list())
    r = raw_direct(dockerd, "GET", "/networks/%s" % pre)
    assert r.status == 400, r
    sw = sockwall(dict(OPEN, PROXY_NETWORK_NAME="docker-proxy"))
    before = Snapshot(direct)
    r = raw(sw, "DELETE", "/networks/%s" % pre)
    msg = assert_refused(r, 400, "sockwall: dockerd: ", "ambiguous")
    assert msg.startswith("sockwall: dockerd: "), msg
    before.assert_unchanged("DELETE of an ambiguous network prefix")
    # a lookup answered with 404 still ends in dockerd's own 4xx
    r = raw(sw, "POST", "/containers/create", headers=JSON_CT,
            body=js(create_body(VolumesFrom=["nosuch-ctr"])))
    assert 400 <= r.status < 500, r
    r = raw(sw, "POST", "/containers/nosuch-ctr/stop")
    assert r.status == 404, r
    before.assert_unchanged("lookups of missing containers")
    # benign twin: a unique prefix is removed
    r = raw(sw, "DELETE", "/networks/%s" % unique_net_prefix(direct, n))
    assert r.status == 204, r
    with pytest.raises(docker.errors.NotFound):
        direct.networks.get(n.id)


def unique_net_prefix(direct, net):
    others = [x for x in direct.networks.list() if x.id != net.id]
    for k in range(1, 13):
        p = net.id[:k]
        if not any(o.id.startswith(p) or o.name == p for o in others):
            return p
    raise AssertionError("no unique network prefix")


def test_invalid_volume_name_gives_a_4xx(sockwall, direct, dockerd, leftovers):
    """A volume Source that is no valid volume name (the spec's example of a
    4xx lookup): dockerd refuses such a create with 400.  Note: dockerd
    answers sockwall's lookup GET /volumes/%2Fvar%2Frun (or .%2Fx) with a 301
    (its router cleans the decoded path), not a 4xx -- still the client must
    get a 4xx, not 502."""
    sw = sockwall(OPEN)
    for hc in ({"Mounts": [{"Type": "volume", "Source": "/var/run", "Target": "/x"}]},
               {"Mounts": [{"Type": "volume", "Source": "./var/run", "Target": "/x"}]},
               {"Mounts": [{"Type": "volume", "Source": "./x", "Target": "/x"}]},
               {"Binds": ["./var/run:/x"]}):
        body = create_body(**hc)
        direct_r = raw_direct(dockerd, "POST", "/containers/create?name=%s" % uniq("probe"),
                              body=js(body), headers=JSON_CT)
        assert direct_r.status == 400, direct_r
        before = Snapshot(direct)
        r = raw(sw, "POST", "/containers/create", body=js(body), headers=JSON_CT)
        assert 400 <= r.status < 500, (hc, r)
        msg = helpers.assert_json_error(r, r.status)
        assert msg.startswith("sockwall: dockerd: ") or "invalid characters" in msg, msg
        before.assert_unchanged(js(hc))
