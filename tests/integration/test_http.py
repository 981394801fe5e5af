"""HTTP/1.1 details on the wire: Expect: 100-continue, HEAD, chunked request
bodies, the connection limit."""

import json

import helpers
from helpers import request

BODY = json.dumps({"Image": "bb", "Cmd": ["true"], "Labels": {"via": "sockwall-http-test"}})


def _created(direct):
    return [c for c in direct.containers.list(all=True, filters={"label": "via=sockwall-http-test"})]


def test_expect_100_continue_allowed(sockwall, direct):
    sw = sockwall({"CONTAINERS": "1", "POST": "1"})
    s = helpers.connect(sw.unix)
    try:
        reader = helpers.ResponseReader(s)
        head = request("POST", "/v1.41/containers/create",
                       headers=[("Content-Type", "application/json"),
                                ("Content-Length", str(len(BODY))),
                                ("Expect", "100-continue")])
        s.sendall(head)
        r = reader.read(timeout=5)
        assert r is not None and r.status == 100, r
        s.sendall(BODY.encode())
        r = reader.read(timeout=10)
        assert r is not None and r.status == 201, r
        cid = r.json()["Id"]
        assert [c.id for c in _created(direct)] == [cid]
    finally:
        s.close()


def test_expect_100_continue_denied_without_body(sockwall, direct):
    sw = sockwall({"CONTAINERS": "1"})
    s = helpers.connect(sw.unix)
    try:
        reader = helpers.ResponseReader(s)
        s.sendall(request("POST", "/v1.41/containers/create",
                          headers=[("Content-Type", "application/json"),
                                   ("Content-Length", str(len(BODY))),
                                   ("Expect", "100-continue")]))
        r = reader.read(timeout=5)  # the refusal comes before the body is sent
        assert r is not None
        assert "POST" in helpers.assert_json_error(r, 403)
    finally:
        s.close()
    assert not _created(direct)


def test_head_then_get_on_one_connection(sockwall):
    sw = sockwall({})
    s = helpers.connect(sw.unix)
    try:
        s.sendall(request("HEAD", "/_ping") + request("GET", "/_ping"))
        reader = helpers.ResponseReader(s)
        r = reader.read(timeout=5, head_request=True)
        assert r is not None and r.status == 200, r
        r = reader.read(timeout=5)
        assert r is not None and r.status == 200 and r.body == b"OK", r
    finally:
        s.close()


def test_chunked_request_body(sockwall, direct):
    sw = sockwall({"CONTAINERS": "1", "POST": "1"})
    raw = BODY.encode()
    half = len(raw) // 2
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, raw[:half], len(raw) - half, raw[half:])
    data = request("POST", "/v1.41/containers/create",
                   headers=[("Content-Type", "application/json"),
                            ("Transfer-Encoding", "chunked")], body=chunked)
    data += request("GET", "/v1.41/containers/json?all=1")
    rs, _ = helpers.exchange(sw.unix, data, 2)
    assert [r.status for r in rs] == [201, 200], rs
    cid = rs[0].json()["Id"]
    assert [c.id for c in _created(direct)] == [cid]
    assert direct.containers.get(cid).attrs["Config"]["Cmd"] == ["true"]
    assert cid in [c["Id"] for c in rs[1].json()]


def test_connection_limit_is_503(sockwall):
    sw = sockwall({"SOCKWALL_MAX_CONNS": "2"})
    held = []

    def hold_one():
        # Connections closed just before (the fixture's readiness probes) may
        # still be counted until the loop sees their EOF: retry on 503.
        s = helpers.connect(sw.unix)
        s.sendall(request("GET", "/_ping"))
        r = helpers.ResponseReader(s).read(timeout=5)
        if r is not None and r.status == 200:
            held.append(s)
            return True
        s.close()
        return False
    try:
        for _ in range(2):
            helpers.wait_for(hold_one, 5, interval=0.1, what="a connection slot")
        # both slots are taken by live keep-alive connections now
        r = helpers.one(sw.unix, "GET", "/_ping")
        helpers.assert_json_error(r, 503)
        r = helpers.one(sw.tcp, "GET", "/_ping")
        helpers.assert_json_error(r, 503)
        held.pop().close()
        helpers.wait_for(lambda: helpers.one(sw.tcp, "GET", "/_ping").status == 200, 5,
                         what="a free slot after closing a connection")
    finally:
        for s in held:
            s.close()
