"""Keep-alive and pipelining: every request on a connection is judged on its own."""

import json

import pytest

import helpers
from helpers import request

CREATE_BODY = json.dumps({"Image": "bb", "Cmd": ["true"]})


@pytest.mark.parametrize("denied", [
    ("POST", "/v1.41/containers/{id}/stop?t=1"),
    ("DELETE", "/v1.41/containers/{id}?force=1"),
    ("POST", "/containers/{id}/kill"),
])
def test_denied_then_allowed(sockwall, direct, looper, denied):
    sw = sockwall({"CONTAINERS": "1"})
    method, path = denied
    data = (request(method, path.format(id=looper.id))
            + request("GET", "/v1.41/containers/json"))
    rs, _ = helpers.exchange(sw.unix, data, 2)
    assert [r.status for r in rs] == [403, 200], rs
    assert "sockwall" in helpers.assert_json_error(rs[0], 403)
    listed = rs[1].json()
    assert looper.id in [c["Id"] for c in listed]
    # nothing reached dockerd: the container still runs
    assert direct.containers.get(looper.id).attrs["State"]["Running"] is True


@pytest.mark.parametrize("target", ["unix", "tcp"])
def test_allowed_then_denied_create(sockwall, direct, target):
    sw = sockwall({"CONTAINERS": "1"})
    before = sorted(c.id for c in direct.containers.list(all=True))
    data = (request("GET", "/v1.41/containers/json?all=1")
            + request("POST", "/v1.41/containers/create", body=CREATE_BODY))
    rs, _ = helpers.exchange(sw.unix if target == "unix" else sw.tcp, data, 2)
    assert [r.status for r in rs] == [200, 403], rs
    assert sorted(c["Id"] for c in rs[0].json()) == before
    msg = helpers.assert_json_error(rs[1], 403)
    assert "sockwall" in msg and "POST" in msg, msg
    assert sorted(c.id for c in direct.containers.list(all=True)) == before


def test_allowed_create_then_denied_delete(sockwall, direct, looper):
    """POST=1 with DELETE=0: a create passes, and the DELETE pipelined behind
    it in the same write is refused."""
    sw = sockwall({"CONTAINERS": "1", "POST": "1", "DELETE": "0"})
    before = set(c.id for c in direct.containers.list(all=True))
    data = (request("POST", "/v1.41/containers/create", body=CREATE_BODY)
            + request("DELETE", "/v1.41/containers/%s?force=1" % looper.id))
    rs, _ = helpers.exchange(sw.unix, data, 2)
    assert [r.status for r in rs] == [201, 403], rs
    new_id = rs[0].json()["Id"]
    assert set(c.id for c in direct.containers.list(all=True)) == before | {new_id}
    assert "DELETE" in helpers.assert_json_error(rs[1], 403)
    assert direct.containers.get(looper.id).attrs["State"]["Running"] is True


def test_three_pipelined_gets_in_order(sockwall):
    sw = sockwall({"CONTAINERS": "1"})
    data = (request("GET", "/_ping")
            + request("GET", "/v1.41/version")
            + request("GET", "/v1.41/containers/json"))
    rs, _ = helpers.exchange(sw.unix, data, 3)
    assert [r.status for r in rs] == [200, 200, 200], rs
    assert rs[0].body == b"OK"
    assert rs[1].json()["ApiVersion"] == "1.41"
    assert isinstance(rs[2].json(), list)


def test_keepalive_sequential_requests(sockwall, direct, looper):
    """One connection, requests written one at a time, answers read in between;
    allowed and denied alternate."""
    sw = sockwall({"CONTAINERS": "1"})
    s = helpers.connect(sw.unix)
    try:
        reader = helpers.ResponseReader(s)
        expect = []
        for i in range(10):
            if i % 2:
                s.sendall(request("POST", "/v1.41/containers/%s/stop" % looper.id))
                expect.append(403)
            else:
                s.sendall(request("GET", "/v1.41/containers/%s/json" % looper.id))
                expect.append(200)
            r = reader.read(timeout=10)
            assert r is not None, "connection closed after %d requests" % i
            assert r.status == expect[-1], r
            if r.status == 200:
                assert r.json()["Id"] == looper.id
    finally:
        s.close()
    assert direct.containers.get(looper.id).attrs["State"]["Running"] is True
