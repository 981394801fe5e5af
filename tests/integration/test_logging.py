"""One JSON log line per request on stderr."""

import json

import helpers
from helpers import request

KEYS = {"time", "client", "method", "path", "decision", "reason", "status",
        "bytes_in", "bytes_out", "duration_ms"}


def test_one_json_line_per_request(sockwall, direct):
    sw = sockwall({"CONTAINERS": "1"})
    before = sorted(c.id for c in direct.containers.list(all=True))
    create = request("POST", "/v1.41/containers/create",
                     body=json.dumps({"Image": "bb", "Cmd": ["true"]}))
    rs, _ = helpers.exchange(sw.unix, request("GET", "/_ping")
                             + request("GET", "/v1.41/containers/json"), 2)
    assert [r.status for r in rs] == [200, 200]
    rs, _ = helpers.exchange(sw.tcp, create, 1)
    assert [r.status for r in rs] == [403]
    assert sorted(c.id for c in direct.containers.list(all=True)) == before

    logs = helpers.wait_for(lambda: len(sw.request_logs()) >= 3 and sw.request_logs(), 10,
                            what="three request log lines")
    assert len(logs) == 3, logs
    for entry in logs:
        assert KEYS <= set(entry), "missing %s in %r" % (KEYS - set(entry), entry)
        assert isinstance(entry["status"], int)
        assert isinstance(entry["bytes_in"], int) and isinstance(entry["bytes_out"], int)
        assert isinstance(entry["duration_ms"], (int, float)) and entry["duration_ms"] >= 0
    ping, listing, denied = logs
    assert (ping["method"], ping["decision"], ping["status"]) == ("GET", "allow", 200), ping
    assert "/_ping" in ping["path"]
    assert ping["bytes_out"] > 0
    assert (listing["method"], listing["decision"], listing["status"]) == ("GET", "allow", 200)
    assert "/containers/json" in listing["path"]
    assert (denied["method"], denied["decision"], denied["status"]) == ("POST", "deny", 403)
    assert "/containers/create" in denied["path"]
    assert denied["reason"]
    assert "127.0.0.1" in str(denied["client"])


def _debug_msgs(sw):
    return [d["msg"] for d in sw.log_json() if d.get("level") == "debug" and "msg" in d]


def test_debug_says_route_policy_lookups_and_words(sockwall, direct, docker_cli):
    """LOG_LEVEL=debug, for a user asking why `docker stop` was refused: the
    route in the API reference's form, the policy and its verdict, the
    question put to dockerd with its status and what it found, and the words
    the client was sent.  At the default level none of it."""
    proxy = direct.containers.run("bb:latest", ["sleep", "600"], name="docker-proxy",
                                  detach=True)
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "LOG_LEVEL": "debug"})
    r = docker_cli(sw.host, "stop", "-t", "1", "docker-proxy")
    assert r.returncode != 0 and "its name is PROXY_CONTAINER_NAME=docker-proxy" in r.stderr, r
    assert direct.containers.get(proxy.id).status == "running"

    msgs = helpers.wait_for(lambda: any(m.startswith("answered 403") for m in _debug_msgs(sw))
                            and _debug_msgs(sw), 10, what="the debug lines")
    route = [m for m in msgs if m.startswith("route: POST /containers/{id}/stop")]
    assert len(route) == 1, msgs
    assert "names 'docker-proxy'" in route[0] and "policy env: allow by CONTAINERS" in route[0]
    assert "{name" not in " ".join(msgs) and ":.*" not in " ".join(msgs), msgs
    lookup = [m for m in msgs if m.startswith("lookup: ")]
    assert len(lookup) == 1, msgs
    assert "asked dockerd GET /containers/docker-proxy/json HTTP/1.0 -> 200" in lookup[0]
    assert "container 'docker-proxy' ID %s" % proxy.id in lookup[0], lookup
    answered = [m for m in msgs if m.startswith("answered 403: ")]
    assert len(answered) == 1 and "proxy's own container" in answered[0], msgs
    req = [d for d in sw.request_logs() if "/stop" in d["path"]]
    assert [(d["decision"], d["reason"]) for d in req] == [("deny", "default:proxy-container")]

    # a name dockerd does not know: the lookup says so, dockerd answers the client
    r = docker_cli(sw.host, "stop", "-t", "1", "no-such-ctr")
    assert r.returncode != 0 and "No such container" in r.stderr, r
    msgs = helpers.wait_for(lambda: any("'no-such-ctr'" in m and "-> 404" in m
                                        for m in _debug_msgs(sw)) and _debug_msgs(sw), 10,
                            what="the 404 lookup line")
    assert any("not found (dockerd answers the request itself)" in m for m in msgs), msgs

    # a toggle refusal: the route and the verdict, then the words
    r = docker_cli(sw.host, "volume", "ls")
    assert r.returncode != 0 and "VOLUMES" in r.stderr
    msgs = helpers.wait_for(lambda: any(m.startswith("route: GET /volumes ")
                                        for m in _debug_msgs(sw)) and _debug_msgs(sw), 10,
                            what="the volumes route line")
    assert any(m.startswith("route: GET /volumes ") and "deny by VOLUMES" in m
               for m in msgs), msgs
    assert any(m.startswith("answered 403: sockwall: GET /volumes is denied: set VOLUMES=1")
               for m in msgs), msgs

    quiet = sockwall({"CONTAINERS": "1", "POST": "1"})
    r = docker_cli(quiet.host, "stop", "-t", "1", "docker-proxy")
    assert r.returncode != 0
    helpers.wait_for(lambda: quiet.request_logs(), 10, what="the request line")
    assert _debug_msgs(quiet) == [], quiet.log_text()
