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
