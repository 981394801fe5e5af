"""Issue 14, the routes around container create, against the real dockerd:
swarm services (item 5), plugins and ALLOW_PLUGIN_PRIVILEGES (6), build
networkmode/cgroupparent and URL fetches with ALLOW_URL_FETCH (7), image
filters on tag/commit/import/build/load (11), GET /swarm and
/swarm/unlockkey with ALLOW_SWARM_UNLOCKKEY (12).

Every refusal is checked in dockerd (asked directly: the service, plugin or
image does not exist or is unchanged; a URL fetch: the HTTP server on
127.0.0.1 given as the URL saw no connection), and every refusal has a
benign twin that passes, so that refusing everything fails the file.

Swarm: a module fixture turns the shared session dockerd into a one-node
swarm (listen and advertise on 127.0.0.1, a free port) and always leaves it
at teardown.  Services are created with 0 replicas: nothing ever runs.
"""

import http.server
import io
import json
import os
import socket
import tarfile
import threading
import uuid

import docker
import pytest

import helpers
from conftest import REPO, _busybox_tar, _free_port
from protect_helpers import (Snapshot, assert_refused, js, leftovers, proxy_ctr,  # noqa: F401
                             raw, raw_direct, run_sockwall_expect_exit, uniq)

# The plugin that is really enabled serves its socket with the static
# release binary (busybox here cannot listen on a unix socket).
STATIC_SOCKWALL = os.path.join(REPO, "build", "sockwall")

TAR = {"Content-Type": "application/x-tar"}
HARDENED = "DKRPRX__CONTAINERS__HARDENED"
DENY_HOST_NET = "DKRPRX__CONTAINERS__DENY_HOST_NETWORK"
DENY_PRIV = "DKRPRX__CONTAINERS__DENY_PRIVILEGED"


def not_sockwall(resp):
    """The request reached dockerd: whatever it answered, it is not sockwall's refusal."""
    body = (resp.body or b"").decode("utf-8", "replace")
    assert "sockwall:" not in body, resp
    return resp


# ================================================================ a local URL server


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def verify_request(self, request, client_address):
        # every connection counts, HTTP or not (a registry client tries TLS first)
        self.owner.connections.append(client_address)
        return True


class UrlServer:
    """An HTTP server on 127.0.0.1 that records every connection and path and
    serves `files` (path -> bytes); anything else is a 404."""

    def __init__(self):
        self.connections = []
        self.paths = []
        self.files = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                owner.paths.append(self.path)
                data = owner.files.get(self.path.split("?")[0])
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-tar")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.srv = _Server(("127.0.0.1", 0), Handler)
        self.srv.owner = self
        self.port = self.srv.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def url_server():
    s = UrlServer()
    yield s
    s.stop()


# ================================================================ tars


def _tar(files, dirs=()):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for d in dirs:
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            t.addfile(ti)
        for name, data in files.items():
            if isinstance(data, str):
                data = data.encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def build_context(marker=None):
    """FROM bb:latest + a RUN that no earlier build cached (the build really runs)."""
    marker = marker or uuid.uuid4().hex
    return _tar({"Dockerfile": "FROM bb:latest\nRUN echo %s\n" % marker})


def variant_rootfs(marker):
    """The busybox rootfs plus one file: an image with an ID of its own."""
    src = tarfile.open(fileobj=io.BytesIO(_busybox_tar()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for m in src.getmembers():
            t.addfile(m, src.extractfile(m) if m.isreg() else None)
        data = marker.encode()
        ti = tarfile.TarInfo("marker")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def image_id(direct, ref):
    try:
        return direct.images.get(ref).id
    except docker.errors.ImageNotFound:
        return None


# ================================================================ swarm


def _free_udp_port():
    # DataPathPort must be in 1024-49151 (Linux ephemeral ports go above that)
    for _ in range(200):
        port = 20000 + int.from_bytes(os.urandom(2), "big") % 12000
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            continue
        finally:
            s.close()
        return port
    raise AssertionError("no free UDP port for the swarm data path")


class SwarmInfo:
    pass


@pytest.fixture(scope="module")
def swarm(dockerd):
    """The session dockerd as a one-node swarm manager for this module.

    docker_gwbridge (a bridge in the host's namespace) is created first with
    a bridge name of its own, so that it cannot collide with another
    dockerd's; the data path gets a free UDP port.  Gossip (7946) is not
    configurable in dockerd 20.10: if another swarm on this host holds it,
    dockerd logs "error in agentInit" but services are still stored, which
    is all these tests need (0 replicas, no overlay traffic)."""
    d = dockerd.client
    info = raw_direct(dockerd, "GET", "/info").json()
    state = info["Swarm"]["LocalNodeState"]
    if state != "inactive":
        pytest.fail("the test dockerd is already in a swarm (LocalNodeState=%s): another "
                    "test left it there" % state)
    made_gw = None
    if not d.networks.list(names=["docker_gwbridge"]):
        made_gw = d.networks.create(
            "docker_gwbridge", driver="bridge",
            options={"com.docker.network.bridge.name": "swgw%s" % uuid.uuid4().hex[:8],
                     "com.docker.network.bridge.enable_icc": "false",
                     "com.docker.network.bridge.enable_ip_masquerade": "false"})
    port = _free_port()
    r = raw_direct(dockerd, "POST", "/swarm/init", timeout=60, body=js({
        "ListenAddr": "127.0.0.1:%d" % port, "AdvertiseAddr": "127.0.0.1",
        "DataPathPort": _free_udp_port()}))
    if r.status != 200:
        if made_gw is not None:
            made_gw.remove()
        pytest.fail("swarm init on the test dockerd failed: %r\ndockerd log:\n%s"
                    % (r, dockerd.log_tail()))
    try:
        s = SwarmInfo()
        s.port = port
        s.local_host_id = raw_direct(dockerd, "GET", "/networks/host").json()["Id"]
        # dockerd stores a service's "host" target as the swarm's own host network
        probe = uniq("probe")
        r = raw_direct(dockerd, "POST", "/services/create", body=js(
            service_body(probe, task={"Networks": [{"Target": "host"}]})))
        assert r.status == 201, r
        spec = raw_direct(dockerd, "GET", "/services/" + probe).json()["Spec"]
        s.swarm_host_id = spec["TaskTemplate"]["Networks"][0]["Target"]
        assert raw_direct(dockerd, "DELETE", "/services/" + probe).status == 200
        assert raw_direct(dockerd, "GET", "/networks/" + s.swarm_host_id).json()["Name"] == "host"
        yield s
    finally:
        for svc in raw_direct(dockerd, "GET", "/services").json() or []:
            raw_direct(dockerd, "DELETE", "/services/" + svc["ID"])
        r = raw_direct(dockerd, "POST", "/swarm/leave?force=1", timeout=60)
        assert r.status == 200, "swarm leave --force failed: %r" % r
        if made_gw is not None:
            def gone():
                try:
                    made_gw.remove()
                except docker.errors.NotFound:
                    return True
                except docker.errors.APIError:
                    return False
                return True
            helpers.wait_for(gone, 120, interval=0.5, what="docker_gwbridge to be removable")


def service_body(name, spec=None, task=None, top=None):
    """A service that never runs anything (0 replicas)."""
    cs = {"Image": "bb:latest", "Args": ["true"]}
    cs.update(spec or {})
    tt = {"ContainerSpec": cs}
    tt.update(task or {})
    body = {"Name": name, "TaskTemplate": tt, "Mode": {"Replicated": {"Replicas": 0}}}
    body.update(top or {})
    return body


def service(dockerd, name):
    """The service as dockerd holds it (None when it does not exist)."""
    r = raw_direct(dockerd, "GET", "/services/" + name)
    if r.status == 404:
        return None
    assert r.status == 200, r
    return r.json()


def service_names(dockerd):
    return sorted(s["Spec"]["Name"] for s in raw_direct(dockerd, "GET", "/services").json())


@pytest.fixture
def services(swarm, dockerd):
    """Removes the services, secrets and configs a test added."""
    def ids(kind):
        return {x["ID"] for x in raw_direct(dockerd, "GET", "/" + kind).json() or []}
    before = {k: ids(k) for k in ("services", "secrets", "configs")}
    yield swarm
    for kind in ("services", "secrets", "configs"):
        for i in ids(kind) - before[kind]:
            raw_direct(dockerd, "DELETE", "/%s/%s" % (kind, i))


def refused_service(sw, dockerd, body, *words):
    names = service_names(dockerd)
    r = raw(sw, "POST", "/services/create", body=js(body) if not isinstance(body, str) else body)
    assert_refused(r, 403, *words)
    name = body["Name"] if isinstance(body, dict) else json.loads(body).get("Name")
    assert service(dockerd, name) is None, "dockerd holds service %s after a refusal" % name
    assert service_names(dockerd) == names


def created_service(sw, dockerd, body):
    r = raw(sw, "POST", "/services/create", body=js(body) if not isinstance(body, str) else body)
    assert r.status == 201, r
    name = body["Name"] if isinstance(body, dict) else json.loads(body).get("Name")
    svc = service(dockerd, name)
    assert svc is not None and svc["ID"] == r.json()["ID"]
    return svc


def refused_update(sw, dockerd, svc, new_spec, *words):
    r = raw(sw, "POST", "/services/%s/update?version=%d" % (svc["ID"], svc["Version"]["Index"]),
            body=js(new_spec))
    assert_refused(r, 403, *words)
    now = service(dockerd, svc["ID"])
    assert now["Version"] == svc["Version"] and now["Spec"] == svc["Spec"], \
        "service %s changed after a refused update" % svc["Spec"]["Name"]


SERVICES = {"SERVICES": "1", "POST": "1"}

# (ContainerSpec additions, TaskTemplate additions, what dockerd 20.10 stores)
HARDENED_SERVICE = {
    "cap-add": ({"CapabilityAdd": ["CAP_SYS_ADMIN"]}, None,
                lambda t: t["ContainerSpec"].get("CapabilityAdd") == ["CAP_SYS_ADMIN"]),
    "cap-add-all": ({"CapabilityAdd": ["ALL"]}, None,
                    lambda t: t["ContainerSpec"].get("CapabilityAdd") == ["ALL"]),
    "sysctls": ({"Sysctls": {"net.ipv4.ip_forward": "1"}}, None,
                lambda t: t["ContainerSpec"].get("Sysctls") == {"net.ipv4.ip_forward": "1"}),
    "selinux-disable": ({"Privileges": {"SELinuxContext": {"Disable": True}}}, None,
                        lambda t: t["ContainerSpec"]["Privileges"]["SELinuxContext"]["Disable"]),
    "selinux-type": ({"Privileges": {"SELinuxContext": {"Type": "spc_t"}}}, None,
                     lambda t: t["ContainerSpec"]["Privileges"]["SELinuxContext"]["Type"]
                     == "spc_t"),
    "selinux-user": ({"Privileges": {"SELinuxContext": {"User": "system_u"}}}, None, None),
    "selinux-role": ({"Privileges": {"SELinuxContext": {"Role": "system_r"}}}, None, None),
    "selinux-level": ({"Privileges": {"SELinuxContext": {"Level": "s0"}}}, None, None),
    # Privileges.Seccomp and .AppArmor came after API 1.41: dockerd 20.10
    # drops them (checked: they are not in the stored spec), newer daemons
    # honour them.
    "seccomp-unconfined": ({"Privileges": {"Seccomp": {"Mode": "unconfined"}}}, None, None),
    "seccomp-custom": ({"Privileges": {"Seccomp": {
        "Mode": "custom", "Profile": "eyJkZWZhdWx0QWN0aW9uIjoiU0NNUF9BQ1RfQUxMT1cifQ=="}}},
        None, None),
    "apparmor-disabled": ({"Privileges": {"AppArmor": {"Mode": "disabled"}}}, None, None),
    "generic-resources": (None, {"Resources": {"Reservations": {"GenericResources": [
        {"DiscreteResourceSpec": {"Kind": "gpu", "Value": 1}}]}}},
        lambda t: t["Resources"]["Reservations"]["GenericResources"]),
    "generic-resources-named": (None, {"Resources": {"Reservations": {"GenericResources": [
        {"NamedResourceSpec": {"Kind": "gpu", "Value": "GPU-0"}}]}}},
        lambda t: t["Resources"]["Reservations"]["GenericResources"]),
}


@pytest.mark.parametrize("case", list(HARDENED_SERVICE), ids=list(HARDENED_SERVICE))
def test_service_hardened_create_and_update(sockwall, dockerd, services, case):
    spec, task, stored = HARDENED_SERVICE[case]
    sw = sockwall(dict(SERVICES, DKRPRX__CONTAINERS__HARDENED="true"))
    name = uniq("svc")
    refused_service(sw, dockerd, service_body(name, spec, task), HARDENED)
    # an update that adds it to a harmless service
    plain = created_service(sw, dockerd, service_body(uniq("svc")))
    new = json.loads(json.dumps(plain["Spec"]))
    new["TaskTemplate"]["ContainerSpec"].update(spec or {})
    new["TaskTemplate"].update(task or {})
    refused_update(sw, dockerd, plain, new, HARDENED)
    # the twin: the same body without HARDENED is a real service
    open_sw = sockwall(SERVICES)
    svc = created_service(open_sw, dockerd, service_body(name, spec, task))
    if stored:
        assert stored(svc["Spec"]["TaskTemplate"]), svc["Spec"]["TaskTemplate"]


def test_service_hardened_key_case_folded(sockwall, dockerd, services):
    sw = sockwall(dict(SERVICES, DKRPRX__CONTAINERS__HARDENED="1"))
    n1, n2, n3 = uniq("svc"), uniq("svc"), uniq("svc")
    b1 = ('{"Name":"%s","tasktemplate":{"containerspec":{"Image":"bb:latest",'
          '"capabilityadd":["CAP_NET_ADMIN"]}},"Mode":{"Replicated":{"Replicas":0}}}' % n1)
    b2 = ('{"Name":"%s","TASKTEMPLATE":{"ContainerSpec":{"Image":"bb:latest",'
          '"SYSCTLS":{"net.ipv4.ip_forward":"1"}}},"Mode":{"Replicated":{"Replicas":0}}}' % n2)
    b3 = ('{"Name":"%s","TaskTemplate":{"ContainerSpec":{"Image":"bb:latest",'
          '"privileges":{"selinuxcontext":{"disable":true}}}},'
          '"Mode":{"Replicated":{"Replicas":0}}}' % n3)
    for b in (b1, b2, b3):
        refused_service(sw, dockerd, b, HARDENED)
    # dockerd folds those keys: the same bodies are real services without HARDENED
    open_sw = sockwall(SERVICES)
    t = created_service(open_sw, dockerd, b1)["Spec"]["TaskTemplate"]
    assert t["ContainerSpec"]["CapabilityAdd"] == ["CAP_NET_ADMIN"]
    t = created_service(open_sw, dockerd, b2)["Spec"]["TaskTemplate"]
    assert t["ContainerSpec"]["Sysctls"] == {"net.ipv4.ip_forward": "1"}
    t = created_service(open_sw, dockerd, b3)["Spec"]["TaskTemplate"]
    assert t["ContainerSpec"]["Privileges"]["SELinuxContext"]["Disable"] is True


def test_service_hardened_benign_specs_pass(sockwall, dockerd, services):
    """Tightening settings, Init and default profiles are not refused under HARDENED."""
    sw = sockwall(dict(SERVICES, DKRPRX__CONTAINERS__HARDENED="true",
                       DKRPRX__CONTAINERS__DENY_HOST_NETWORK="true",
                       DKRPRX__CONTAINERS__DENY_PRIVILEGED="true"))
    svc = created_service(sw, dockerd, service_body(uniq("svc"), {
        "Init": True, "CapabilityDrop": ["ALL"], "ReadOnly": True,
        "Privileges": {"SELinuxContext": {"Disable": False},
                       "Seccomp": {"Mode": "default"}, "AppArmor": {"Mode": "default"}},
        "Sysctls": {}, "CapabilityAdd": []}, {"Networks": []}))
    cs = svc["Spec"]["TaskTemplate"]["ContainerSpec"]
    assert cs["Init"] is True and cs["CapabilityDrop"] == ["ALL"] and cs["ReadOnly"] is True
    svc2 = created_service(sw, dockerd, service_body(uniq("svc")))
    # an update that changes nothing dangerous passes too
    new = json.loads(json.dumps(svc2["Spec"]))
    new["Labels"] = {"touched": "yes"}
    new["TaskTemplate"]["ContainerSpec"]["Init"] = True
    r = raw(sw, "POST", "/services/%s/update?version=%d"
            % (svc2["ID"], svc2["Version"]["Index"]), body=js(new))
    assert r.status == 200, r
    now = service(dockerd, svc2["ID"])
    assert now["Spec"]["Labels"] == {"touched": "yes"}
    assert now["Spec"]["TaskTemplate"]["ContainerSpec"]["Init"] is True


def _host_targets(swarm):
    return {
        "name": "host",
        "local-id": swarm.local_host_id,
        "local-id-prefix": swarm.local_host_id[:12],
        "swarm-id": swarm.swarm_host_id,
        "swarm-id-prefix": swarm.swarm_host_id[:10],
    }


def _host_net_bodies(name, target):
    return {
        "task-networks": service_body(name, task={"Networks": [{"Target": target}]}),
        "top-networks": service_body(name, top={"Networks": [{"Target": target}]}),
        "folded-task": ('{"Name":"%s","tasktemplate":{"containerspec":{"Image":"bb:latest"},'
                        '"networks":[{"target":"%s"}]},"Mode":{"Replicated":{"Replicas":0}}}'
                        % (name, target)),
        "folded-top": ('{"Name":"%s","TaskTemplate":{"ContainerSpec":{"Image":"bb:latest"}},'
                       '"NETWORKS":[{"TARGET":"%s"}],"Mode":{"Replicated":{"Replicas":0}}}'
                       % (name, target)),
        # Go folds U+017F (long s) to s, and \u escapes are decoded before
        "folded-unicode": ('{"Name":"%s","TaskTemplate":{"ContainerSpec":{"Image":"bb:latest"},'
                           '"Network\u017f":[{"T\\u0061rget":"%s"}]},'
                           '"Mode":{"Replicated":{"Replicas":0}}}' % (name, target)),
    }


@pytest.mark.parametrize("policy", ["DENY_HOST_NETWORK", "HARDENED"])
def test_service_host_network(sockwall, dockerd, services, policy):
    sw = sockwall(dict(SERVICES, **{"DKRPRX__CONTAINERS__" + policy: "true"}))
    open_sw = sockwall(SERVICES)
    let_through = []
    for tname, target in _host_targets(services).items():
        for bname in ("task-networks", "top-networks", "folded-task", "folded-top",
                      "folded-unicode"):
            if tname not in ("name", "local-id") and bname.startswith("folded"):
                continue
            name = uniq("svc")
            body = _host_net_bodies(name, target)[bname]
            r = raw(sw, "POST", "/services/create",
                    body=body if isinstance(body, str) else js(body))
            if r.status != 403 or service(dockerd, name) is not None:
                let_through.append((tname, bname, r.status))
                continue
            assert_refused(r, 403, DENY_HOST_NET)
            # the twin: the same body without the policy is a service on the host network
            svc = created_service(open_sw, dockerd, body)
            nets = (svc["Spec"]["TaskTemplate"].get("Networks") or []) + \
                (svc["Spec"].get("Networks") or [])
            assert [n["Target"] for n in nets] == [services.swarm_host_id], svc["Spec"]
    assert not let_through, "host network targets that got through: %r" % let_through
    # an update onto the host network
    plain = created_service(sw, dockerd, service_body(uniq("svc")))
    new = json.loads(json.dumps(plain["Spec"]))
    new["TaskTemplate"]["Networks"] = [{"Target": "host"}]
    refused_update(sw, dockerd, plain, new, DENY_HOST_NET)
    new = json.loads(json.dumps(plain["Spec"]))
    new["Networks"] = [{"Target": services.swarm_host_id}]
    refused_update(sw, dockerd, plain, new, DENY_HOST_NET)
    # benign: no network, or an empty list
    created_service(sw, dockerd, service_body(uniq("svc"), task={"Networks": []}))


def test_service_secrets_need_secrets(sockwall, dockerd, services):
    sname = uniq("sec")
    r = raw_direct(dockerd, "POST", "/secrets/create",
                   body=js({"Name": sname, "Data": "c2VjcmV0"}))
    assert r.status == 201, r
    sid = r.json()["ID"]
    ref = [{"File": {"Name": "s", "UID": "0", "GID": "0", "Mode": 292},
            "SecretID": sid, "SecretName": sname}]
    sw = sockwall(SERVICES)
    name = uniq("svc")
    refused_service(sw, dockerd, service_body(name, {"Secrets": ref}), "SECRETS")
    refused_service(sw, dockerd, service_body(uniq("svc"), {"secrets": ref}), "SECRETS")
    plain = created_service(sw, dockerd, service_body(uniq("svc")))
    new = json.loads(json.dumps(plain["Spec"]))
    new["TaskTemplate"]["ContainerSpec"]["Secrets"] = ref
    refused_update(sw, dockerd, plain, new, "SECRETS")
    # empty is fine
    created_service(sw, dockerd, service_body(uniq("svc"), {"Secrets": []}))
    # with SECRETS=1: a real service holding the secret
    sw2 = sockwall(dict(SERVICES, SECRETS="1"))
    svc = created_service(sw2, dockerd, service_body(name, {"Secrets": ref}))
    assert svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"][0]["SecretID"] == sid


def test_service_configs_need_configs(sockwall, dockerd, services):
    cname = uniq("cfg")
    r = raw_direct(dockerd, "POST", "/configs/create",
                   body=js({"Name": cname, "Data": "Y29uZmln"}))
    assert r.status == 201, r
    cid = r.json()["ID"]
    ref = [{"File": {"Name": "/c", "UID": "0", "GID": "0", "Mode": 292},
            "ConfigID": cid, "ConfigName": cname}]
    sw = sockwall(dict(SERVICES, SECRETS="1"))
    name = uniq("svc")
    refused_service(sw, dockerd, service_body(name, {"Configs": ref}), "CONFIGS")
    refused_service(sw, dockerd, service_body(uniq("svc"), {"CONFIGS": ref}), "CONFIGS")
    plain = created_service(sw, dockerd, service_body(uniq("svc")))
    new = json.loads(json.dumps(plain["Spec"]))
    new["TaskTemplate"]["ContainerSpec"]["Configs"] = ref
    refused_update(sw, dockerd, plain, new, "CONFIGS")
    sw2 = sockwall(dict(SERVICES, CONFIGS="1"))
    svc = created_service(sw2, dockerd, service_body(name, {"Configs": ref}))
    assert svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Configs"][0]["ConfigID"] == cid


# ================================================================ 12. GET /swarm, unlock key


def test_swarm_inspect_needs_post(sockwall, dockerd, swarm):
    direct_doc = raw_direct(dockerd, "GET", "/swarm").json()
    worker = direct_doc["JoinTokens"]["Worker"]
    manager = direct_doc["JoinTokens"]["Manager"]
    assert worker.startswith("SWMTKN-") and manager.startswith("SWMTKN-")
    sw = sockwall({"SWARM": "1"})
    for path in ("/swarm", "/v1.41/swarm", "/v1.24/swarm"):
        r = raw(sw, "GET", path)
        assert_refused(r, 403, "POST", "join tokens")
        assert b"SWMTKN" not in r.body
    sw2 = sockwall({"SWARM": "1", "POST": "1"})
    r = raw(sw2, "GET", "/swarm")
    assert r.status == 200, r
    doc = r.json()
    assert doc["JoinTokens"] == {"Worker": worker, "Manager": manager}
    assert doc["ID"] == direct_doc["ID"]


@pytest.fixture
def autolocked(dockerd, swarm):
    """The swarm with autolock on (so that an unlock key exists); off again afterwards."""
    def set_autolock(on):
        doc = raw_direct(dockerd, "GET", "/swarm").json()
        spec = doc["Spec"]
        spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = on
        r = raw_direct(dockerd, "POST", "/swarm/update?version=%d" % doc["Version"]["Index"],
                       body=js(spec))
        assert r.status == 200, r
    set_autolock(True)
    key = helpers.wait_for(
        lambda: raw_direct(dockerd, "GET", "/swarm/unlockkey").json().get("UnlockKey"),
        30, what="an unlock key")
    yield key
    set_autolock(False)


def test_swarm_unlockkey_needs_switch(sockwall, dockerd, autolocked):
    key = autolocked
    assert key.startswith("SWMKEY-")
    for env in ({"SWARM": "1"}, {"SWARM": "1", "POST": "1"},
                {"SOCKWALL_POLICY": "portainer"}):
        sw = sockwall(env)
        r = raw(sw, "GET", "/swarm/unlockkey")
        assert_refused(r, 403, "ALLOW_SWARM_UNLOCKKEY")
        assert key.encode() not in r.body
    # the switch alone does not open it without SWARM
    sw = sockwall({"ALLOW_SWARM_UNLOCKKEY": "1"})
    r = raw(sw, "GET", "/swarm/unlockkey")
    assert_refused(r, 403)
    assert key.encode() not in r.body
    for env in ({"SWARM": "1", "ALLOW_SWARM_UNLOCKKEY": "1"},
                {"SWARM": "1", "POST": "1", "ALLOW_SWARM_UNLOCKKEY": "true"}):
        sw = sockwall(env)
        r = raw(sw, "GET", "/swarm/unlockkey")
        assert r.status == 200, r
        assert r.json()["UnlockKey"] == key


# ================================================================ 6. plugins


def plugin_tar(config, with_sockwall=False):
    """A plugin as POST /plugins/create takes it: config.json + rootfs/ (busybox).
    The rootfs gets a file of its own: dockerd 20.10 refuses a second plugin
    whose rootfs blob it already holds ("content sha256:...: already exists")."""
    src = tarfile.open(fileobj=io.BytesIO(_busybox_tar()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        data = json.dumps(config).encode()
        ti = tarfile.TarInfo("config.json")
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
        for d in ("rootfs", "rootfs/run", "rootfs/run/docker", "rootfs/run/docker/plugins"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            t.addfile(ti)
        for m in src.getmembers():
            f = src.extractfile(m) if m.isreg() else None
            m.name = "rootfs/" + m.name
            t.addfile(m, f)
        if with_sockwall:
            t.add(STATIC_SOCKWALL, arcname="rootfs/sockwall")
        marker = uuid.uuid4().hex.encode()
        ti = tarfile.TarInfo("rootfs/marker")
        ti.size = len(marker)
        t.addfile(ti, io.BytesIO(marker))
    return buf.getvalue()


# What makes a plugin root-equivalent: capabilities, the host's network and a
# settable bind of /var/run (the Docker socket's directory).
PRIVILEGED_PLUGIN = {
    "Description": "sockwall test plugin (privileged)",
    "Documentation": "https://example.invalid/",
    "Entrypoint": ["/bin/sleep", "600"],
    "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "p.sock"},
    "Network": {"Type": "host"},
    "Linux": {"Capabilities": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]},
    "Mounts": [{"Name": "run", "Source": "/var/run", "Destination": "/host-run",
                "Type": "bind", "Options": ["rbind"], "Settable": ["source"]}],
    "Env": [{"Name": "DEBUG", "Settable": ["value"], "Value": "0"}],
}

# A plugin that really starts: sockwall (static) listens on the plugin socket.
RUNNABLE_PLUGIN = {
    "Description": "sockwall test plugin (runnable, no privileges)",
    "Documentation": "https://example.invalid/",
    "Entrypoint": ["/sockwall"],
    "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "p.sock"},
    "Network": {"Type": "none"},
    "Env": [{"Name": "SOCKET_PATH", "Value": "/nonexistent/docker.sock"},
            {"Name": "SOCKWALL_LISTEN", "Value": "unix:///run/docker/plugins/p.sock"}],
}


def plugin(dockerd, name):
    r = raw_direct(dockerd, "GET", "/plugins/%s/json" % name)
    if r.status == 404:
        return None
    assert r.status == 200, r
    return r.json()


def plugin_names(dockerd):
    return sorted(p["Name"] for p in raw_direct(dockerd, "GET", "/plugins").json() or [])


def create_plugin_direct(dockerd, name, config, with_sockwall=False):
    r = raw_direct(dockerd, "POST", "/plugins/create?name=" + name, headers=TAR,
                   body=plugin_tar(config, with_sockwall), timeout=120)
    assert r.status == 204, r
    return plugin(dockerd, name)


@pytest.fixture
def plugins(dockerd):
    """Removes (forcibly, enabled or not) every plugin a test added."""
    before = set(plugin_names(dockerd))
    yield
    for name in set(plugin_names(dockerd)) - before:
        raw_direct(dockerd, "DELETE", "/plugins/%s?force=1" % name, timeout=60)


def pname():
    return "swtest/%s:latest" % uniq("p")


PLUGINS = {"PLUGINS": "1", "POST": "1"}


def test_plugin_create_needs_switch(sockwall, dockerd, plugins):
    body = plugin_tar(PRIVILEGED_PLUGIN)
    before = plugin_names(dockerd)
    name = pname()
    for env in (PLUGINS, {"SOCKWALL_POLICY": "portainer"},
                {"PLUGINS": "1", "ALLOW_PLUGIN_PRIVILEGES": "1"},  # no POST
                dict(PLUGINS, ALLOW_PLUGIN_PRIVILEGES="0")):
        sw = sockwall(env)
        r = raw(sw, "POST", "/plugins/create?name=" + name, headers=TAR, body=body, timeout=120)
        if "POST" in env or "SOCKWALL_POLICY" in env:
            assert_refused(r, 403, "ALLOW_PLUGIN_PRIVILEGES")
        else:
            assert_refused(r, 403)
        assert plugin(dockerd, name) is None, "plugin %s created under %r" % (name, env)
    assert plugin_names(dockerd) == before
    # portainer still reads plugins
    sw = sockwall({"SOCKWALL_POLICY": "portainer"})
    assert raw(sw, "GET", "/plugins").status == 200
    # the switch opens it: the plugin exists with what it asked for
    for env in (dict(PLUGINS, ALLOW_PLUGIN_PRIVILEGES="1"),
                {"SOCKWALL_POLICY": "portainer", "ALLOW_PLUGIN_PRIVILEGES": "true"}):
        sw = sockwall(env)
        name = pname()
        r = raw(sw, "POST", "/plugins/create?name=" + name, headers=TAR,
                body=plugin_tar(PRIVILEGED_PLUGIN), timeout=120)
        assert r.status == 204, r
        p = plugin(dockerd, name)
        assert p is not None and p["Enabled"] is False
        assert p["Config"]["Linux"]["Capabilities"] == ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]
        assert p["Settings"]["Mounts"][0]["Source"] == "/var/run"


def test_plugin_set_needs_switch(sockwall, dockerd, plugins):
    name = pname()
    p0 = create_plugin_direct(dockerd, name, PRIVILEGED_PLUGIN)
    sw = sockwall(PLUGINS)
    for args in (["run.source=/"], ["DEBUG=1"], ["run.source=/tmp", "DEBUG=1"]):
        r = raw(sw, "POST", "/plugins/%s/set" % name, body=js(args))
        assert_refused(r, 403, "ALLOW_PLUGIN_PRIVILEGES")
    assert plugin(dockerd, name)["Settings"] == p0["Settings"]
    # reads and removal stay open without the switch
    assert raw(sw, "GET", "/plugins/%s/json" % name).json()["Id"] == p0["Id"]
    sw2 = sockwall(dict(PLUGINS, ALLOW_PLUGIN_PRIVILEGES="1"))
    r = raw(sw2, "POST", "/plugins/%s/set" % name, body=js(["DEBUG=1", "run.source=/tmp"]))
    assert r.status == 204, r
    s = plugin(dockerd, name)["Settings"]
    assert s["Env"] == ["DEBUG=1"] and s["Mounts"][0]["Source"] == "/tmp", s
    r = raw(sw, "DELETE", "/plugins/%s" % name)
    assert r.status == 200, r
    assert plugin(dockerd, name) is None


def test_plugin_enable_needs_switch(sockwall, dockerd, plugins):
    priv = pname()
    create_plugin_direct(dockerd, priv, PRIVILEGED_PLUGIN)
    runnable = pname()
    create_plugin_direct(dockerd, runnable, RUNNABLE_PLUGIN, with_sockwall=True)
    for env in (PLUGINS, {"SOCKWALL_POLICY": "portainer"}):
        sw = sockwall(env)
        for name in (runnable, priv):  # a let-through enables the harmless one first
            r = raw(sw, "POST", "/plugins/%s/enable?timeout=30" % name, timeout=60)
            assert_refused(r, 403, "ALLOW_PLUGIN_PRIVILEGES")
            assert plugin(dockerd, name)["Enabled"] is False
    sw = sockwall(dict(PLUGINS, ALLOW_PLUGIN_PRIVILEGES="1"))
    r = raw(sw, "POST", "/plugins/%s/enable?timeout=30" % runnable, timeout=90)
    assert r.status == 200, r
    assert plugin(dockerd, runnable)["Enabled"] is True
    # disable stays open without the switch
    sw0 = sockwall(PLUGINS)
    r = raw(sw0, "POST", "/plugins/%s/disable" % runnable, timeout=60)
    assert r.status == 200, r
    assert plugin(dockerd, runnable)["Enabled"] is False


def test_plugin_pull_and_upgrade_need_switch(sockwall, dockerd, plugins, url_server):
    reg = "127.0.0.1:%d" % url_server.port
    name = pname()
    p0 = create_plugin_direct(dockerd, name, PRIVILEGED_PLUGIN)
    pulled = pname()
    for env in (PLUGINS, {"SOCKWALL_POLICY": "portainer"}):
        sw = sockwall(env)
        r = raw(sw, "POST", "/plugins/pull?remote=%s/swtest/x:latest&name=%s" % (reg, pulled),
                body="[]", timeout=60)
        assert_refused(r, 403, "ALLOW_PLUGIN_PRIVILEGES")
        r = raw(sw, "POST", "/plugins/%s/upgrade?remote=%s/swtest/y:latest" % (name, reg),
                body="[]", timeout=60)
        assert_refused(r, 403, "ALLOW_PLUGIN_PRIVILEGES")
    assert url_server.connections == [], "dockerd contacted the registry: %r" % url_server.paths
    assert plugin(dockerd, pulled) is None
    p = plugin(dockerd, name)
    assert p["Id"] == p0["Id"] and p["Config"] == p0["Config"]
    # the twins: with the switch dockerd goes to the registry (which has nothing)
    sw = sockwall(dict(PLUGINS, ALLOW_PLUGIN_PRIVILEGES="1"))
    not_sockwall(raw(sw, "POST", "/plugins/pull?remote=%s/swtest/x:latest&name=%s"
                     % (reg, pulled), body="[]", timeout=120))
    n = helpers.wait_for(lambda: len(url_server.connections), 60,
                         what="dockerd's pull to reach the local registry")
    not_sockwall(raw(sw, "POST", "/plugins/%s/upgrade?remote=%s/swtest/y:latest" % (name, reg),
                     body="[]", timeout=120))
    helpers.wait_for(lambda: len(url_server.connections) > n, 60,
                     what="dockerd's upgrade to reach the local registry")


# ================================================================ 7. build and fetches

BUILD = {"BUILD": "1", "POST": "1"}


def build(sw, query, ctx=None, timeout=180):
    return raw(sw, "POST", "/build?" + query, headers=TAR, body=ctx or build_context(),
               timeout=timeout)


def refused_build(sw, direct, query, tag, *words):
    r = build(sw, "t=%s&%s" % (tag, query))
    assert_refused(r, 403, *words)
    assert image_id(direct, tag) is None, "dockerd built %s after a refusal" % tag


def built(sw, direct, query, tag):
    r = build(sw, "t=%s&%s" % (tag, query) if query else "t=" + tag)
    assert r.status == 200, r
    assert image_id(direct, tag) is not None, "no image %s: %r" % (tag, r.body[-600:])


@pytest.mark.parametrize("policy", ["DENY_HOST_NETWORK", "HARDENED"])
def test_build_networkmode_host(sockwall, direct, leftovers, policy):
    sw = sockwall(dict(BUILD, **{"DKRPRX__CONTAINERS__" + policy: "true"}))
    word = DENY_HOST_NET if policy == "DENY_HOST_NETWORK" else "DKRPRX__CONTAINERS__"
    # Go's ParseQuery decodes keys as well as values
    for q in ("networkmode=host", "networkmode=%68ost", "networkm%6Fde=host"):
        refused_build(sw, direct, q, "swtest/nethost:%s" % uniq("t"), word)
    # twins: other modes build under the same policy, host builds without it
    built(sw, direct, "networkmode=none", "swtest/netnone:%s" % uniq("t"))
    built(sw, direct, "", "swtest/netdefault:%s" % uniq("t"))
    built(sockwall(BUILD), direct, "networkmode=host", "swtest/nethost:%s" % uniq("t"))


def test_build_networkmode_container(sockwall, direct, dockerd, leftovers, proxy_ctr):
    holder = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                   network_mode="none", volumes=["%s:/s" % dockerd.sock])
    # A privileged container cannot start here (runc: "unable to apply caps",
    # the test host lacks CAP_SYS_RESOURCE): it is only created, and for it
    # only sockwall's answer tells (dockerd would not join a stopped one).
    priv = direct.containers.create("bb:latest", ["sleep", "600"], network_mode="none",
                                    privileged=True)
    capadd = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                   network_mode="none", cap_add=["NET_ADMIN"])
    hostnet = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                    network_mode="host")
    pidhost = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                    network_mode="none", pid_mode="host")
    plain = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                  network_mode="none")
    # chains: B shares A's namespace, A is in the host's
    netchain = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                     network_mode="container:" + hostnet.id)
    pidchain = direct.containers.run("bb:latest", ["sleep", "600"], detach=True,
                                     network_mode="none", pid_mode="container:" + pidhost.id)
    sw = sockwall(BUILD)
    for ref in ("docker-proxy", proxy_ctr.id, proxy_ctr.id[:12]):
        refused_build(sw, direct, "networkmode=container:" + ref,
                      "swtest/netproxy:%s" % uniq("t"), "proxy's own container")
    for ref in (holder.id, holder.name):
        refused_build(sw, direct, "networkmode=container:" + ref,
                      "swtest/netholder:%s" % uniq("t"), "holds the Docker socket")
    # item 3 rules on the target
    refused_build(sockwall(dict(BUILD, DKRPRX__CONTAINERS__DENY_PRIVILEGED="1")), direct,
                  "networkmode=container:" + priv.name, "swtest/netpriv:%s" % uniq("t"),
                  DENY_PRIV)
    dsw = sockwall(dict(BUILD, DKRPRX__CONTAINERS__DENY_HOST_NETWORK="1"))
    refused_build(dsw, direct, "networkmode=container:" + hostnet.name,
                  "swtest/nethn:%s" % uniq("t"), DENY_HOST_NET)
    refused_build(dsw, direct, "networkmode=container:" + netchain.name,
                  "swtest/netchain:%s" % uniq("t"), DENY_HOST_NET)
    hsw = sockwall(dict(BUILD, DKRPRX__CONTAINERS__HARDENED="1"))
    refused_build(hsw, direct, "networkmode=container:" + pidhost.name,
                  "swtest/netpid:%s" % uniq("t"), HARDENED)
    refused_build(hsw, direct, "networkmode=container:" + priv.name,
                  "swtest/netpriv2:%s" % uniq("t"), HARDENED)
    refused_build(hsw, direct, "networkmode=container:" + capadd.name,
                  "swtest/netcap:%s" % uniq("t"), HARDENED)
    refused_build(hsw, direct, "networkmode=container:" + pidchain.name,
                  "swtest/pidchain:%s" % uniq("t"), HARDENED)
    # twins: a plain container's network is fine under every policy; the
    # powerful targets are fine where no rule covers them
    built(sw, direct, "networkmode=container:" + plain.name, "swtest/netplain:%s" % uniq("t"))
    built(hsw, direct, "networkmode=container:" + plain.id, "swtest/netplain:%s" % uniq("t"))
    built(sw, direct, "networkmode=container:" + pidhost.name, "swtest/netpid:%s" % uniq("t"))
    built(sw, direct, "networkmode=container:" + capadd.name, "swtest/netcap:%s" % uniq("t"))
    built(sw, direct, "networkmode=container:" + hostnet.name, "swtest/nethn:%s" % uniq("t"))
    built(sw, direct, "networkmode=container:" + netchain.name, "swtest/netchain:%s" % uniq("t"))
    built(sw, direct, "networkmode=container:" + pidchain.name, "swtest/pidchain:%s" % uniq("t"))
    built(dsw, direct, "networkmode=container:" + pidchain.name,
          "swtest/pidchain:%s" % uniq("t"))


def test_build_cgroupparent_hardened(sockwall, direct, leftovers):
    sw = sockwall(dict(BUILD, DKRPRX__CONTAINERS__HARDENED="true"))
    for q in ("cgroupparent=swtest", "cgroupparent=/", "cgroupparent=%2Fsystem.slice",
              "cgroupp%61rent=swtest"):
        refused_build(sw, direct, q, "swtest/cg:%s" % uniq("t"), HARDENED)
    # the twin: the same build without cgroupparent (or an empty one)
    built(sw, direct, "", "swtest/cg:%s" % uniq("t"))
    built(sw, direct, "cgroupparent=", "swtest/cg:%s" % uniq("t"))


def test_build_remote_needs_switch(sockwall, direct, leftovers, url_server):
    url_server.files["/ctx.tar"] = build_context()
    url = url_server.base + "/ctx.tar"
    for env in (BUILD, {"SOCKWALL_POLICY": "portainer"}, dict(BUILD, ALLOW_URL_FETCH="0")):
        sw = sockwall(env)
        for key, remote in (("remote", url), ("remote", "127.0.0.1:%d/ctx.tar" % url_server.port),
                            ("remote", "git@127.0.0.1:%d/x.git" % url_server.port),
                            ("re%6Dote", url)):  # Go's ParseQuery decodes keys
            tag = "swtest/remote:%s" % uniq("t")
            r = raw(sw, "POST", "/build?%s=%s&t=%s" % (key, remote, tag), timeout=120)
            assert_refused(r, 403, "ALLOW_URL_FETCH")
            assert image_id(direct, tag) is None
    assert url_server.connections == [], "dockerd fetched %r" % url_server.paths
    # the twins: a context in the body needs no switch; with the switch the URL is fetched
    built(sockwall(BUILD), direct, "", "swtest/remote:%s" % uniq("t"))
    built(sockwall(BUILD), direct, "remote=", "swtest/remote:%s" % uniq("t"))
    assert url_server.connections == []
    for env in (dict(BUILD, ALLOW_URL_FETCH="1"),
                {"SOCKWALL_POLICY": "portainer", "ALLOW_URL_FETCH": "true"}):
        sw = sockwall(env)
        tag = "swtest/remote:%s" % uniq("t")
        r = raw(sw, "POST", "/build?remote=%s&t=%s" % (url, tag), timeout=180)
        assert r.status == 200, r
        assert image_id(direct, tag) is not None, r.body[-600:]
        assert "/ctx.tar" in url_server.paths


def test_images_create_fromsrc_url_needs_switch(sockwall, direct, leftovers, url_server):
    url_server.files["/rootfs.tar"] = variant_rootfs(uniq("m"))
    url = url_server.base + "/rootfs.tar"
    images = {"IMAGES": "1", "POST": "1"}
    for env in (images, {"SOCKWALL_POLICY": "portainer"}):
        sw = sockwall(env)
        for key, src in (("fromSrc", url), ("fromSrc", "127.0.0.1:%d/rootfs.tar" % url_server.port),
                         ("fromSrc", "HTTP://127.0.0.1:%d/rootfs.tar" % url_server.port),
                         ("fr%6FmSrc", url)):  # Go's ParseQuery decodes keys
            repo = "swtest/imp-%s" % uuid.uuid4().hex[:8]
            r = raw(sw, "POST", "/images/create?%s=%s&repo=%s&tag=v1" % (key, src, repo),
                    timeout=60)
            assert_refused(r, 403, "ALLOW_URL_FETCH")
            assert image_id(direct, repo + ":v1") is None
    assert url_server.connections == [], "dockerd fetched %r" % url_server.paths
    # twins: fromSrc=- (the body) needs no switch; with the switch the URL is fetched
    sw = sockwall(images)
    repo = "swtest/imp-%s" % uuid.uuid4().hex[:8]
    r = raw(sw, "POST", "/images/create?fromSrc=-&repo=%s&tag=v1" % repo, headers=TAR,
            body=variant_rootfs(uniq("m")), timeout=60)
    assert r.status == 200, r
    assert image_id(direct, repo + ":v1") is not None
    assert url_server.connections == []
    sw = sockwall(dict(images, ALLOW_URL_FETCH="1"))
    repo = "swtest/imp-%s" % uuid.uuid4().hex[:8]
    r = raw(sw, "POST", "/images/create?fromSrc=%s&repo=%s&tag=v1" % (url, repo), timeout=60)
    assert r.status == 200, r
    assert image_id(direct, repo + ":v1") is not None, r.body[-600:]
    assert url_server.paths == ["/rootfs.tar"]


def test_new_switches_reject_bad_values(dockerd):
    for var in ("ALLOW_URL_FETCH", "ALLOW_PLUGIN_PRIVILEGES", "ALLOW_SWARM_UNLOCKKEY"):
        rc, log = run_sockwall_expect_exit(dockerd, {var: "maybe"})
        assert rc != 0 and var in log, (var, rc, log)


# ================================================================ 11. image filters


@pytest.fixture
def two_images(direct, leftovers):
    """tools/busy:v1 (bb) and other/busy:v1, a different image (own ID)."""
    direct.images.get("bb:latest").tag("tools/busy", "v1")
    direct.api.import_image_from_data(variant_rootfs(uniq("other")), repository="other/busy",
                                      tag="v1")
    tools, other = direct.images.get("tools/busy:v1"), direct.images.get("other/busy:v1")
    assert tools.id != other.id
    return tools, other


IMAGES = {"IMAGES": "1", "POST": "1"}


def _tag(sw, src, repo, tag):
    return raw(sw, "POST", "/images/%s/tag?repo=%s&tag=%s" % (src, repo, tag))


@pytest.mark.parametrize("filt", [
    ("DKRPRX__CONTAINERS__ALLOWED_IMAGES", "^(docker\\.io/)?tools/"),
    ("DKRPRX__CONTAINERS__DENIED_IMAGES", "^(docker\\.io/)?other/"),
    ("DKRPRX__IMAGES__ALLOWED_REPOS", "^(docker\\.io/)?tools/"),
    ("DKRPRX__IMAGES__DENIED_REPOS", "^(docker\\.io/)?other/"),
], ids=lambda f: f[0].split("__", 1)[1])
def test_tag_judges_source_and_destination(sockwall, direct, two_images, filt):
    tools, other = two_images
    var, pattern = filt
    sw = sockwall(dict(IMAGES, **{var: pattern}))
    before = Snapshot(direct)
    # retagging a disallowed image onto an approved name
    r = _tag(sw, "other/busy:v1", "tools/busy", "v1")
    assert_refused(r, 403, var)
    r = _tag(sw, "other/busy:v1", "tools/busy", "v9")
    assert_refused(r, 403, var)
    # the destination
    r = _tag(sw, "tools/busy:v1", "other/busy", "v2")
    assert_refused(r, 403, var)
    before.assert_unchanged("tags refused by %s" % var)
    assert direct.images.get("tools/busy:v1").id == tools.id
    assert image_id(direct, "tools/busy:v9") is None
    # the twin: approved onto approved
    r = _tag(sw, "tools/busy:v1", "tools/busy", "v2")
    assert r.status == 201, r
    assert direct.images.get("tools/busy:v2").id == tools.id


@pytest.mark.parametrize("var", ["DKRPRX__CONTAINERS__ALLOWED_IMAGES",
                                 "DKRPRX__IMAGES__ALLOWED_REPOS"])
def test_tag_source_by_id_cannot_satisfy_an_allow_list(sockwall, direct, two_images, var):
    tools, other = two_images
    sw = sockwall(dict(IMAGES, **{var: "^(docker\\.io/)?tools/"}))
    before = Snapshot(direct)
    hexid = other.id.split(":", 1)[1]
    family = var.rsplit("__", 1)[0] + "__"
    for src in (other.id, hexid, hexid[:12]):
        for tag in ("v1", "fresh"):
            r = _tag(sw, src, "tools/busy", tag)
            msg = assert_refused(r, 403)
            # "403 naming the filter" (the setting itself or its family)
            assert var in msg or family in msg, msg
    before.assert_unchanged("tags from an image ID")
    assert direct.images.get("tools/busy:v1").id == tools.id
    # the twin: by an approved name
    r = _tag(sw, "tools/busy:v1", "tools/busy", "fresh")
    assert r.status == 201, r
    assert direct.images.get("tools/busy:fresh").id == tools.id


def test_tag_with_container_denied_images_tag_pattern(sockwall, direct, two_images):
    tools, _ = two_images
    sw = sockwall(dict(IMAGES, DKRPRX__CONTAINERS__DENIED_IMAGES=":bad$"))
    r = _tag(sw, "tools/busy:v1", "tools/busy", "bad")
    assert_refused(r, 403, "DKRPRX__CONTAINERS__DENIED_IMAGES")
    assert image_id(direct, "tools/busy:bad") is None
    r = _tag(sw, "tools/busy:v1", "tools/busy", "good")
    assert r.status == 201, r
    assert direct.images.get("tools/busy:good").id == tools.id


def test_commit_judged_by_image_filters(sockwall, direct, two_images):
    c = direct.containers.create("tools/busy:v1", ["true"])
    var = "DKRPRX__CONTAINERS__ALLOWED_IMAGES"
    sw = sockwall({"COMMIT": "1", "POST": "1", var: "^(docker\\.io/)?tools/"})
    before = Snapshot(direct)
    for q in ("repo=other/c&tag=v1", "repo=other/c"):
        r = raw(sw, "POST", "/commit?container=%s&%s" % (c.id, q))
        assert_refused(r, 403, var)
    before.assert_unchanged("commits refused by %s" % var)
    sw2 = sockwall({"COMMIT": "1", "POST": "1",
                    "DKRPRX__CONTAINERS__DENIED_IMAGES": ":bad$"})
    r = raw(sw2, "POST", "/commit?container=%s&repo=tools/c&tag=bad" % c.id)
    assert_refused(r, 403, "DKRPRX__CONTAINERS__DENIED_IMAGES")
    assert image_id(direct, "tools/c:bad") is None
    # the twin
    r = raw(sw, "POST", "/commit?container=%s&repo=tools/c&tag=v1" % c.id)
    assert r.status == 201, r
    assert direct.images.get("tools/c:v1").id == r.json()["Id"]


def test_import_judged_by_image_filters(sockwall, direct, two_images):
    var = "DKRPRX__CONTAINERS__ALLOWED_IMAGES"
    sw = sockwall(dict(IMAGES, **{var: "^(docker\\.io/)?tools/"}))
    before = Snapshot(direct)
    for q in ("repo=other/imp&tag=v1", "repo=other/imp"):
        r = raw(sw, "POST", "/images/create?fromSrc=-&" + q, headers=TAR,
                body=variant_rootfs(uniq("m")), timeout=60)
        assert_refused(r, 403, var)
    before.assert_unchanged("imports refused by %s" % var)
    r = raw(sw, "POST", "/images/create?fromSrc=-&repo=tools/imp&tag=v1", headers=TAR,
            body=variant_rootfs(uniq("m")), timeout=60)
    assert r.status == 200, r
    assert image_id(direct, "tools/imp:v1") is not None


def test_build_t_judged_by_image_filters(sockwall, direct, two_images):
    var = "DKRPRX__CONTAINERS__ALLOWED_IMAGES"
    sw = sockwall(dict(BUILD, **{var: "^(docker\\.io/)?tools/"}))
    before = Snapshot(direct)
    for q in ("t=other/b:v1", "t=tools/b:v1&t=other/b:v2", "t=other/b"):
        r = build(sw, q)
        assert_refused(r, 403, var)
    before.assert_unchanged("builds refused by %s" % var)
    assert image_id(direct, "tools/b:v1") is None
    built(sw, direct, "", "tools/b:v3")


LOAD_FILTERS = [
    ("DKRPRX__IMAGES__ALLOWED_REPOS", "^(docker\\.io/)?tools/"),
    ("DKRPRX__IMAGES__DENIED_REPOS", "^(docker\\.io/)?evil/"),
    ("DKRPRX__IMAGES__ALLOWED_TAGS", "^v[0-9]+$"),
    ("DKRPRX__IMAGES__DENIED_TAGS", "^bad$"),
    ("DKRPRX__CONTAINERS__ALLOWED_IMAGES", "^(docker\\.io/)?tools/"),
    ("DKRPRX__CONTAINERS__DENIED_IMAGES", "^(docker\\.io/)?evil/"),
]


@pytest.fixture
def saved_image(direct, dockerd, two_images):
    """A `docker save` tarball of other/busy as swtest/loadme:<x>; the tag is
    removed from dockerd again (the image stays, under other/busy:v1)."""
    ref = "swtest/loadme:%s" % uniq("t")
    direct.images.get("other/busy:v1").tag(ref)
    r = raw_direct(dockerd, "GET", "/images/%s/get" % ref, timeout=60)
    assert r.status == 200, r
    direct.images.remove(ref)
    assert image_id(direct, ref) is None
    return ref, r.body


@pytest.mark.parametrize("filt", LOAD_FILTERS, ids=[f[0].split("__", 1)[1] for f in LOAD_FILTERS])
def test_load_refused_with_image_filters(sockwall, direct, saved_image, filt):
    ref, tarball = saved_image
    var, pattern = filt
    sw = sockwall(dict(IMAGES, **{var: pattern}))
    before = Snapshot(direct)
    for q in ("", "?quiet=1"):
        r = raw(sw, "POST", "/images/load" + q, headers=TAR, body=tarball, timeout=60)
        msg = assert_refused(r, 403, "load")
        # "names the filter setting": the setting itself or its family
        # (sockwall says "DKRPRX__IMAGES__* or DKRPRX__CONTAINERS__*_IMAGES")
        assert var in msg or var.rsplit("__", 1)[0] + "__" in msg, msg
    before.assert_unchanged("load refused by %s" % var)
    assert image_id(direct, ref) is None
    # the twin: no filter set, the same tarball loads
    sw2 = sockwall(IMAGES)
    r = raw(sw2, "POST", "/images/load?quiet=1", headers=TAR, body=tarball, timeout=60)
    assert r.status == 200, r
    assert image_id(direct, ref) is not None


def _renamed_tarball(tarball, repo_tag):
    """A `docker save` tarball whose manifest names its image repo_tag instead."""
    src, out = tarfile.open(fileobj=io.BytesIO(tarball)), io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as dst:
        for m in src.getmembers():
            if m.name == "repositories":
                continue
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name == "manifest.json":
                manifest = json.loads(data)
                for entry in manifest:
                    entry["RepoTags"] = [repo_tag]
                data = json.dumps(manifest).encode()
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def test_load_onto_the_proxys_image_needs_its_switch(sockwall, direct, saved_image, proxy_ctr):
    """While the proxy's container runs bb:latest, a tarball naming its image
    bb:latest would replace what the proxy runs next: refused unless
    ALLOW_IMAGE_LOAD=1 (the names in a tarball cannot be judged)."""
    ref, tarball = saved_image
    forged = _renamed_tarball(tarball, "bb:latest")
    bb_before = image_id(direct, "bb:latest")
    sw = sockwall(IMAGES)
    before = Snapshot(direct)
    r = raw(sw, "POST", "/images/load?quiet=1", headers=TAR, body=forged, timeout=60)
    assert_refused(r, 403, "ALLOW_IMAGE_LOAD", "proxy's own image")
    before.assert_unchanged("a load while the proxy's container exists")
    assert image_id(direct, "bb:latest") == bb_before
    # the twin: the operator opened loads; a harmless tarball goes through
    sw2 = sockwall(dict(IMAGES, ALLOW_IMAGE_LOAD="1"))
    r = raw(sw2, "POST", "/images/load?quiet=1", headers=TAR, body=tarball, timeout=60)
    assert r.status == 200, r
    assert image_id(direct, ref) is not None
    assert image_id(direct, "bb:latest") == bb_before
