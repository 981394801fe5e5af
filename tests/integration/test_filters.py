"""DKRPRX__ filters against the real dockerd (through the docker CLI), start-up
errors for bad filter settings, and the body inspector's edge cases (400 /
411 / 413) on the routes it reads."""

import json
import os
import shutil
import uuid

import pytest

from protect_helpers import (Snapshot, assert_cli_ok, assert_cli_refused, assert_refused,
                             leftovers, raw, run_sockwall_expect_exit, uniq,
                             wait_decision)  # noqa: F401 - fixtures

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "VOLUMES": "1", "NETWORKS": "1"}


@pytest.fixture
def tools_image(direct, leftovers):
    """bb:latest also tagged tools/busy:v1 and other/busy:v1 (non-hex names:
    with an allow list, a bare all-hex name like "bb" may be an ID prefix)."""
    img = direct.images.get("bb:latest")
    img.tag("tools/busy", "v1")
    img.tag("other/busy", "v1")
    return img


def refused_create(sw, docker_cli, direct, args, *words):
    before = Snapshot(direct)
    r = docker_cli(sw.host, "create", *args)
    assert_cli_refused(r, *words)
    before.assert_unchanged("docker create %s" % " ".join(args))


def created(sw, docker_cli, direct, args):
    r = docker_cli(sw.host, "create", *args)
    cid = assert_cli_ok(r)
    return direct.containers.get(cid)


# ================================================================ container filters


def test_deny_privileged(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__DENY_PRIVILEGED="true"))
    refused_create(sw, docker_cli, direct, ["--privileged", "bb", "true"],
                   "privileged containers are denied by DKRPRX__CONTAINERS__DENY_PRIVILEGED")
    before = Snapshot(direct)
    for body in ('{"Image":"bb","Cmd":["true"],"HostConfig":{"privileged":true}}',
                 '{"Image":"bb","Cmd":["true"],"Privileged":true}',
                 '{"Image":"bb","Cmd":["true"],"HostConfig":{"Privileged":false,'
                 '"Privileged":true}}'):
        r = raw(sw, "POST", "/containers/create", body=body)
        assert r.status in (400, 403), (body, r)
        assert_refused(r, r.status)
    before.assert_unchanged("privileged raw bodies")
    # a start body below API 1.24 is a HostConfig too
    c = direct.containers.create("bb:latest", ["sleep", "60"])
    r = raw(sw, "POST", "/v1.23/containers/%s/start" % c.id, body='{"Privileged":true}')
    assert_refused(r, 403, "DENY_PRIVILEGED")
    a = direct.containers.get(c.id).attrs
    assert a["State"]["Running"] is False and a["HostConfig"]["Privileged"] is False
    # controls
    c = created(sw, docker_cli, direct, ["bb", "true"])
    assert c.attrs["HostConfig"]["Privileged"] is False
    r = raw(sw, "POST", "/containers/create",
            body='{"Image":"bb","Cmd":["true"],"HostConfig":{"Privileged":false}}')
    assert r.status == 201, r


def test_deny_host_network(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__DENY_HOST_NETWORK="1"))
    refused_create(sw, docker_cli, direct, ["--network", "host", "bb", "true"],
                   "host network is denied by DKRPRX__CONTAINERS__DENY_HOST_NETWORK")
    refused_create(sw, docker_cli, direct, ["--net=host", "bb", "true"], "host network")
    before = Snapshot(direct)
    for body in ('{"Image":"bb","Cmd":["true"],"NetworkMode":"host"}',
                 '{"Image":"bb","Cmd":["true"],"HostConfig":{"networkmode":"host"}}'):
        r = raw(sw, "POST", "/containers/create", body=body)
        assert_refused(r, 403, "host network")
    before.assert_unchanged("host network raw bodies")
    c = created(sw, docker_cli, direct, ["--network", "none", "bb", "true"])
    assert c.attrs["HostConfig"]["NetworkMode"] == "none"
    # privileged is still fine: the filters are independent
    assert created(sw, docker_cli, direct, ["--privileged", "bb", "true"]).attrs[
        "HostConfig"]["Privileged"] is True


HARDENED_REFUSED = {
    "privileged": (["--privileged"], "privileged"),
    "host-network": (["--network", "host"], "host network"),
    "cap-add": (["--cap-add", "SYS_ADMIN"], "CapAdd"),
    "cap-add-all": (["--cap-add", "ALL"], "CapAdd"),
    "pid-host": (["--pid", "host"], "PidMode=host"),
    "ipc-host": (["--ipc", "host"], "IpcMode=host"),
    "uts-host": (["--uts", "host"], "UTSMode=host"),
    "userns-host": (["--userns", "host"], "UsernsMode=host"),
    "seccomp": (["--security-opt", "seccomp=unconfined"], "SecurityOpt"),
    "apparmor": (["--security-opt", "apparmor=unconfined"], "SecurityOpt"),
    "label-disable": (["--security-opt", "label=disable"], "SecurityOpt"),
    "systempaths": (["--security-opt", "systempaths=unconfined"], "SecurityOpt"),
    "sysctl": (["--sysctl", "net.ipv4.ip_forward=1"], "Sysctls"),
    "device": (["--device", "/dev/null"], "devices"),
    "device-cgroup-rule": (["--device-cgroup-rule", "c 1:3 rwm"], "devices"),
    "gpus": (["--gpus", "all"], "devices"),
    "volumes-from": (["--volumes-from", "plain"], "VolumesFrom"),
}

# dockerd's default cgroup namespace is private on cgroup v2 and host on v1,
# where inspect shows "host" and a recreate sends it back: only on v2 is
# --cgroupns host a loosening that HARDENED refuses.
CGROUP_V2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
if CGROUP_V2:
    HARDENED_REFUSED["cgroupns-host"] = (["--cgroupns", "host"], "CgroupnsMode=host")


def test_hardened(sockwall, docker_cli, direct, leftovers):
    direct.containers.create("bb:latest", ["true"], name="plain")
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__HARDENED="true"))
    before = Snapshot(direct)
    let_through = {}
    for name, (args, word) in HARDENED_REFUSED.items():
        r = docker_cli(sw.host, "create", *args, "bb", "true")
        if r.returncode == 0:
            hc = direct.containers.get(r.stdout.strip()).attrs["HostConfig"]
            let_through[name] = {k: hc.get(k) for k in ("SecurityOpt", "MaskedPaths",
                                                        "ReadonlyPaths")}
            continue
        assert_cli_refused(r, word, "DKRPRX__CONTAINERS__")
    # what `--security-opt systempaths=unconfined` becomes in the body
    r = raw(sw, "POST", "/containers/create",
            body='{"Image":"bb","Cmd":["true"],"HostConfig":{"MaskedPaths":[],"ReadonlyPaths":[]}}')
    if r.status != 403:
        let_through["raw-empty-masked-paths"] = r.status
    assert not let_through, "HARDENED let these through: %r" % let_through
    for body in ('{"Image":"bb","Cmd":["true"],"capadd":["NET_ADMIN"]}',
                 '{"Image":"bb","Cmd":["true"],"HostConfig":{"SecurityOpt":'
                 '["seccomp:unconfined"]}}',
                 '{"Image":"bb","Cmd":["true"],"HostConfig":{"Devices":[{"PathOnHost":"/dev/mem",'
                 '"PathInContainer":"/dev/mem","CgroupPermissions":"rwm"}]}}',
                 # HostConfig fields at the top level (no HostConfig key, or null)
                 '{"Image":"bb","Cmd":["true"],"HostConfig":null,"CapAdd":["SYS_ADMIN"]}',
                 '{"Image":"bb","Cmd":["true"],"PidMode":"host"}',
                 '{"Image":"bb","Cmd":["true"],"Devices":[{"PathOnHost":"/dev/null",'
                 '"PathInContainer":"/dev/x","CgroupPermissions":"rwm"}]}',
                 '{"Image":"bb","Cmd":["true"],"Sysctls":{"net.ipv4.ip_forward":"1"}}'):
        r = raw(sw, "POST", "/containers/create", body=body)
        assert_refused(r, 403, "DKRPRX__CONTAINERS__HARDENED")
    before.assert_unchanged("hardened refusals")
    # controls: tightening options pass
    c = created(sw, docker_cli, direct, ["--cap-drop", "ALL", "--read-only",
                                         "--security-opt", "no-new-privileges",
                                         "--ipc", "private", "bb", "true"])
    assert c.attrs["HostConfig"]["CapDrop"] == ["ALL"]


def test_allowed_and_denied_images(sockwall, docker_cli, direct, tools_image):
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__ALLOWED_IMAGES="^tools/",
                       DKRPRX__CONTAINERS__DENIED_IMAGES=":bad$"))
    tools_image.tag("tools/busy", "bad")
    created(sw, docker_cli, direct, ["tools/busy:v1", "true"])
    created(sw, docker_cli, direct, ["docker.io/tools/busy:v1", "true"])
    refused_create(sw, docker_cli, direct, ["other/busy:v1", "true"],
                   "not allowed by DKRPRX__CONTAINERS__ALLOWED_IMAGES")
    refused_create(sw, docker_cli, direct, ["tools/busy:bad", "true"],
                   "denied by DKRPRX__CONTAINERS__DENIED_IMAGES")
    # "bb" (all hex) and an image ID prefix could name any local image
    refused_create(sw, docker_cli, direct, ["bb", "true"], "image ID prefix")
    refused_create(sw, docker_cli, direct, [tools_image.id.split(":")[1][:12], "true"])


def test_denied_images_short_and_full_names(sockwall, docker_cli, direct, tools_image):
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__DENIED_IMAGES="^other/"))
    refused_create(sw, docker_cli, direct, ["other/busy:v1", "true"],
                   "DKRPRX__CONTAINERS__DENIED_IMAGES")
    refused_create(sw, docker_cli, direct, ["docker.io/other/busy:v1", "true"],
                   "DKRPRX__CONTAINERS__DENIED_IMAGES")
    created(sw, docker_cli, direct, ["tools/busy:v1", "true"])
    created(sw, docker_cli, direct, ["bb", "true"])


def test_container_names(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__DENIED_NAMES="^evil-"))
    refused_create(sw, docker_cli, direct, ["--name", "evil-x", "bb", "true"],
                   "container name 'evil-x' is denied by DKRPRX__CONTAINERS__DENIED_NAMES")
    refused_create(sw, docker_cli, direct, ["--name", "/evil-y", "bb", "true"],
                   "DKRPRX__CONTAINERS__DENIED_NAMES")
    ok = created(sw, docker_cli, direct, ["--name", "good-x", "bb", "true"])
    assert ok.name == "good-x"
    sw2 = sockwall(dict(OPEN, DKRPRX__CONTAINERS__ALLOWED_NAMES="^ok-"))
    refused_create(sw2, docker_cli, direct, ["bb", "true"], "DKRPRX__CONTAINERS__ALLOWED_NAMES")
    refused_create(sw2, docker_cli, direct, ["--name", "nope", "bb", "true"],
                   "DKRPRX__CONTAINERS__ALLOWED_NAMES")
    assert created(sw2, docker_cli, direct, ["--name", "ok-1", "bb", "true"]).name == "ok-1"


def test_require_labels(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__REQUIRE_LABELS="team=a,owner"))
    refused_create(sw, docker_cli, direct, ["bb", "true"],
                   "label team=a is required by DKRPRX__CONTAINERS__REQUIRE_LABELS")
    refused_create(sw, docker_cli, direct, ["--label", "team=a", "bb", "true"],
                   "label owner is required")
    refused_create(sw, docker_cli, direct, ["--label", "team=b", "--label", "owner=x",
                                            "bb", "true"], "team=a")
    c = created(sw, docker_cli, direct, ["--label", "team=a", "--label", "owner=me",
                                         "bb", "true"])
    assert c.labels == {"team": "a", "owner": "me"}
    c = created(sw, docker_cli, direct, ["--label", "team=a", "--label", "owner",
                                         "bb", "true"])
    assert c.labels == {"team": "a", "owner": ""}


# ================================================================ image filters


def test_images_denied_tags_on_tag_and_create(sockwall, docker_cli, direct, tools_image):
    sw = sockwall(dict(OPEN, DKRPRX__IMAGES__DENIED_TAGS="^latest$"))
    before = Snapshot(direct)
    for target in ("tools/busy:latest", "tools/busy", "docker.io/tools/x:latest"):
        r = docker_cli(sw.host, "tag", "tools/busy:v1", target)
        assert_cli_refused(r, "image tag 'latest' is denied by DKRPRX__IMAGES__DENIED_TAGS")
    before.assert_unchanged("docker tag :latest")
    r = docker_cli(sw.host, "tag", "tools/busy:v1", "tools/busy:v2")
    assert_cli_ok(r)
    assert "tools/busy:v2" in direct.images.get("tools/busy:v1").tags
    refused_create(sw, docker_cli, direct, ["bb:latest", "true"], "DKRPRX__IMAGES__DENIED_TAGS")
    refused_create(sw, docker_cli, direct, ["bb", "true"], "DKRPRX__IMAGES__DENIED_TAGS")
    created(sw, docker_cli, direct, ["tools/busy:v2", "true"])


def test_images_allowed_repos_on_tag_and_pull(sockwall, docker_cli, direct, tools_image):
    sw = sockwall(dict(OPEN, DKRPRX__IMAGES__ALLOWED_REPOS="^tools/"))
    before = Snapshot(direct)
    for target in ("evil/x:v2", "docker.io/evil/x:v2", "toolsx:v1"):
        r = docker_cli(sw.host, "tag", "tools/busy:v1", target)
        assert_cli_refused(r, "is not allowed by DKRPRX__IMAGES__ALLOWED_REPOS")
    r = raw(sw, "POST", "/images/create?fromImage=evil/x&tag=1")
    assert_refused(r, 403, "DKRPRX__IMAGES__ALLOWED_REPOS")
    r = raw(sw, "POST", "/images/create?fromImage=bb&tag=latest")
    assert_refused(r, 403, "image ID prefix")
    before.assert_unchanged("tags outside ALLOWED_REPOS")
    r = docker_cli(sw.host, "tag", "tools/busy:v1", "tools/x:v2")
    assert_cli_ok(r)
    assert "tools/x:v2" in direct.images.get("tools/busy:v1").tags
    # allowed pull: sockwall lets it through, dockerd fails (no registry here)
    r = raw(sw, "POST", "/images/create?fromImage=tools/nothere&tag=1", timeout=60)
    assert not (r.body or b"").decode("utf-8", "replace").startswith('{"message":"sockwall')
    log = wait_decision(sw, "POST", "fromImage=tools/nothere")
    assert [d["decision"] for d in log] == ["allow"], log


def test_images_denied_repos_short_and_full(sockwall, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__IMAGES__DENIED_REPOS="^busybox$,^docker\\.io/evil/"))
    for q in ("fromImage=busybox&tag=1", "fromImage=docker.io/library/busybox&tag=1",
              "fromImage=library/busybox", "fromImage=evil/x&tag=1",
              "fromImage=docker.io/evil/x:1"):
        r = raw(sw, "POST", "/images/create?" + q)
        assert_refused(r, 403, "DKRPRX__IMAGES__DENIED_REPOS")


# ================================================================ volume / network filters


def test_volume_names_drivers_paths(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__VOLUMES__DENIED_NAMES="^evil",
                       DKRPRX__VOLUMES__ALLOWED_DRIVERS="^local$",
                       DKRPRX__VOLUMES__DENIED_PATHS="^/etc(/|$)"))
    before = Snapshot(direct)
    r = docker_cli(sw.host, "volume", "create", "evil1")
    assert_cli_refused(r, "volume name 'evil1' is denied by DKRPRX__VOLUMES__DENIED_NAMES")
    r = docker_cli(sw.host, "volume", "create", "-d", "fancy", uniq("v"))
    assert_cli_refused(r, "volume driver 'fancy' is not allowed by "
                          "DKRPRX__VOLUMES__ALLOWED_DRIVERS")
    r = docker_cli(sw.host, "create", "-v", "/etc:/e", "bb", "true")
    assert_cli_refused(r, "host path /etc is denied by DKRPRX__VOLUMES__DENIED_PATHS")
    r = docker_cli(sw.host, "create", "-v", "/tmp/../etc/ssl:/e", "bb", "true")
    assert_cli_refused(r, "/etc/ssl", "DKRPRX__VOLUMES__DENIED_PATHS")
    # the defaults still hold next to a user's path filter
    r = docker_cli(sw.host, "create", "-v", "/var/run:/x", "bb", "true")
    assert_cli_refused(r, "exposes the Docker socket")
    before.assert_unchanged("volume filter refusals")
    name = uniq("goodvol")
    assert assert_cli_ok(docker_cli(sw.host, "volume", "create", name)) == name
    assert direct.volumes.get(name).attrs["Driver"] == "local"
    created(sw, docker_cli, direct, ["-v", "/etcetera-%s:/e" % uuid.uuid4().hex[:6], "bb", "true"])


def test_volume_allowed_paths(sockwall, docker_cli, direct, leftovers):
    d = "/tmp/swallowed-%s" % uuid.uuid4().hex[:8]
    os.mkdir(d)
    try:
        sw = sockwall(dict(OPEN, DKRPRX__VOLUMES__ALLOWED_PATHS="^/tmp/"))
        before = Snapshot(direct)
        r = docker_cli(sw.host, "create", "-v", "/srv:/s", "bb", "true")
        assert_cli_refused(r, "host path /srv is not allowed by DKRPRX__VOLUMES__ALLOWED_PATHS")
        r = docker_cli(sw.host, "create", "-v", "/tmp/../var/run:/s", "bb", "true")
        assert_cli_refused(r, "/var/run")
        before.assert_unchanged("paths outside ALLOWED_PATHS")
        created(sw, docker_cli, direct, ["-v", "%s:/d" % d, "bb", "true"])
        # named volumes are not host paths
        created(sw, docker_cli, direct, ["-v", "%s:/d" % uniq("nv"), "bb", "true"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_network_filters(sockwall, docker_cli, direct, leftovers):
    sw = sockwall(dict(OPEN, DKRPRX__NETWORKS__DENIED_NAMES="^evil",
                       DKRPRX__NETWORKS__ALLOWED_DRIVERS="^bridge$"))
    before = Snapshot(direct)
    r = docker_cli(sw.host, "network", "create", "evil-net")
    assert_cli_refused(r, "network name 'evil-net' is denied by DKRPRX__NETWORKS__DENIED_NAMES")
    r = docker_cli(sw.host, "network", "create", "-d", "macvlan", uniq("mv"))
    assert_cli_refused(r, "network driver 'macvlan' is not allowed by "
                          "DKRPRX__NETWORKS__ALLOWED_DRIVERS")
    r = raw(sw, "POST", "/networks/create", body='{"Name":"a","name":"evil"}')
    assert_refused(r, 400, "refused request body")
    before.assert_unchanged("network filter refusals")
    name = uniq("goodnet")
    nid = assert_cli_ok(docker_cli(sw.host, "network", "create", name))
    assert direct.networks.get(nid).name == name
    # a network named like a denied one cannot be removed either
    direct.networks.create("evil-old", driver="bridge")
    r = docker_cli(sw.host, "network", "rm", "evil-old")
    assert_cli_refused(r, "DKRPRX__NETWORKS__DENIED_NAMES")
    assert direct.networks.get("evil-old")


def test_filters_never_open_a_route(sockwall, docker_cli, direct, leftovers):
    sw = sockwall({"CONTAINERS": "1", "DKRPRX__CONTAINERS__ALLOWED_IMAGES": ".*",
                   "DKRPRX__VOLUMES__ALLOWED_NAMES": ".*"})
    before = Snapshot(direct)
    r = docker_cli(sw.host, "create", "--name", "x", "docker.io/library/bb:latest", "true")
    assert_cli_refused(r, "POST")
    r = docker_cli(sw.host, "volume", "create", uniq("v"))
    assert_cli_refused(r, "VOLUMES")
    before.assert_unchanged("requests the toggles close")


# ================================================================ start-up errors


@pytest.mark.parametrize("env,key", [
    ({"DKRPRX__VOLUMES__DENIED_PATH": "^/etc"}, "DKRPRX__VOLUMES__DENIED_PATH"),
    ({"DKRPRX__CONTAINER__DENY_PRIVILEGED": "true"}, "DKRPRX__CONTAINER__DENY_PRIVILEGED"),
    ({"DKRPRX__VOLUMES__DENIED_PATHS": "("}, "DKRPRX__VOLUMES__DENIED_PATHS"),
    ({"DKRPRX__IMAGES__ALLOWED_REPOS": "^ok/,a{2"}, "DKRPRX__IMAGES__ALLOWED_REPOS"),
    ({"DKRPRX__CONTAINERS__DENY_PRIVILEGED": "maybe"}, "DKRPRX__CONTAINERS__DENY_PRIVILEGED"),
    ({"DKRPRX__CONTAINERS__REQUIRE_LABELS": "=v"}, "DKRPRX__CONTAINERS__REQUIRE_LABELS"),
], ids=["unknown-key", "unknown-section", "bad-regex", "bad-regex-in-list", "bad-bool",
        "bad-labels"])
def test_bad_filter_setting_is_a_startup_error(dockerd, env, key):
    rc, out = run_sockwall_expect_exit(dockerd, env)
    assert rc == 2, (rc, out)
    assert key in out, out


# ================================================================ inspection edge cases


@pytest.mark.parametrize("body", [
    b'{"Image":"bb",}',
    b'{"Image":"bb"',
    b'{"Image":"bb"} {}',
    b'{"Image":"bb"}x',
    b'{"Image":"bb","HostConfig":{"Bind\xff":["/:/h"]}}',
    b'{"Image":"bb","\xc3\x28":1}',
    b'{"Image":"bb","HostConfig":{"Binds":"/:/h"}}',
    b'{"Image":"bb","HostConfig":{"Binds":[1]}}',
    b'{"Image":"bb","HostConfig":[]}',
    b'{"Image":"bb","HostConfig":{"Mounts":{"Type":"bind"}}}',
    b'[]',
], ids=["trailing-comma", "truncated", "trailing-object", "trailing-garbage",
        "invalid-utf8-key", "invalid-utf8-top-key", "binds-string", "binds-number",
        "hostconfig-array", "mounts-object", "array"])
def test_malformed_create_body_is_400(sockwall, direct, leftovers, body):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    r = raw(sw, "POST", "/containers/create", body=body)
    assert_refused(r, 400, "refused request body")
    before.assert_unchanged(repr(body))


def _chunked(body):
    return ("%x\r\n" % len(body)).encode() + body + b"\r\n0\r\n\r\n"


def test_chunked_bodies_on_inspected_routes(sockwall, direct, leftovers):
    """A chunked body on a route sockwall reads is refused (411) -- or, if it
    is decoded, judged exactly as the same body with a Content-Length."""
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    te = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    for path, body in (
            ("/containers/create", b'{"Image":"bb","Cmd":["true"],'
                                   b'"HostConfig":{"Binds":["/var/run/docker.sock:/s"]}}'),
            ("/volumes/create", b'{"Name":"cv","DriverOpts":{"type":"none","o":"bind",'
                                b'"device":"/"}}')):
        r = raw(sw, "POST", path, body=_chunked(body), headers=te)
        assert r.status in (411, 403), r
        assert_refused(r, r.status)
    before.assert_unchanged("chunked dangerous bodies")
    r = raw(sw, "POST", "/containers/create", headers=te,
            body=_chunked(b'{"Image":"bb","Cmd":["true"]}'))
    assert r.status in (411, 201), r
    if r.status == 201:
        assert direct.containers.get(r.json()["Id"])
    else:
        assert_refused(r, 411)


def test_body_size_limit(sockwall, direct, leftovers):
    sw = sockwall(OPEN)
    before = Snapshot(direct)
    pad = "x" * (1 << 20)
    body = '{"Image":"bb","Cmd":["true"],"Labels":{"pad":"%s"},' \
           '"HostConfig":{"Binds":["/:/h"]}}' % pad
    r = raw(sw, "POST", "/containers/create", body=body, timeout=30)
    assert_refused(r, 413, "SOCKWALL_MAX_BODY")
    before.assert_unchanged("an oversized body")
    sw2 = sockwall(dict(OPEN, SOCKWALL_MAX_BODY="2048"))
    small = '{"Image":"bb","Cmd":["true"],"Labels":{"pad":"%s"}}' % ("y" * 1900)
    r = raw(sw2, "POST", "/containers/create", body=small)
    assert r.status == 201, r
    r = raw(sw2, "POST", "/containers/create",
            body='{"Image":"bb","Cmd":["true"],"Labels":{"pad":"%s"}}' % ("y" * 2100))
    assert_refused(r, 413, "SOCKWALL_MAX_BODY")


def test_form_bodies_are_refused(sockwall, direct, leftovers):
    sw = sockwall(OPEN)
    c = direct.containers.run("bb:latest", ["sleep", "600"], detach=True)
    before = Snapshot(direct)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for method, path, body, headers in (
            ("POST", "/containers/create?name=ok", "name=docker-proxy", form),
            ("POST", "/images/create?fromImage=tools/x&tag=1", "fromImage=evil/x", form),
            ("POST", "/containers/%s/stop?t=1" % c.id, "t=0", form),
            ("POST", "/volumes/create", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n"
                                        "\r\n1\r\n--b--\r\n",
             {"Content-Type": "multipart/form-data; boundary=b"})):
        r = raw(sw, method, path, body=body, headers=headers)
        assert_refused(r, 400, "form")
    before.assert_unchanged("form bodies")
    assert direct.containers.get(c.id).attrs["State"]["Running"] is True


def test_services_mounts_are_inspected(sockwall, direct):
    """No swarm here: an allowed service create reaches dockerd and gets its
    503; a dangerous one never gets that far."""
    sw = sockwall(dict(OPEN, SERVICES="1"))
    spec = {"Name": "s", "TaskTemplate": {"ContainerSpec": {"Image": "tools/busy:v1", "Mounts": [
        {"Type": "bind", "Source": "/var/run", "Target": "/x"}]}}}
    r = raw(sw, "POST", "/services/create", body=json.dumps(spec))
    assert_refused(r, 403, "exposes the Docker socket")
    spec["TaskTemplate"]["ContainerSpec"]["Mounts"] = [{
        "Type": "volume", "Target": "/x", "VolumeOptions": {"DriverConfig": {
            "Name": "local", "Options": {"type": "none", "o": "bind", "device": "/"}}}}]
    r = raw(sw, "POST", "/services/create", body=json.dumps(spec))
    assert_refused(r, 403, "exposes the Docker socket")
    r = raw(sw, "POST", "/services/xyz/update?version=1", body=json.dumps(spec))
    assert_refused(r, 403, "exposes the Docker socket")
    spec["TaskTemplate"]["ContainerSpec"]["Mounts"] = [
        {"Type": "bind", "Source": "/srv", "Target": "/x"}]
    r = raw(sw, "POST", "/services/create", body=json.dumps(spec))
    assert r.status == 503 and not r.json()["message"].startswith("sockwall"), r


def test_many_labels_pass_and_are_read(sockwall, docker_cli, direct, leftovers):
    """Traefik and compose put many labels on a container: 300 pass, and the
    required one is found among them."""
    sw = sockwall(dict(OPEN, DKRPRX__CONTAINERS__REQUIRE_LABELS="owner=bot"))
    labels = ["--label", "owner=bot"]
    for i in range(300):
        labels += ["--label", "traefik.http.routers.r%d.rule=Host(`r%d.example`)" % (i, i)]
    c = created(sw, docker_cli, direct, labels + ["bb", "true"])
    assert len(c.labels) == 301 and c.labels["owner"] == "bot"
    refused_create(sw, docker_cli, direct, labels[2:] + ["bb", "true"], "owner")
