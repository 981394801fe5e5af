"""--explain and the running proxy give the same verdict.

Each row is one request under one configuration: it goes through
`sockwall --explain` (offline, the same environment) and through a live
sockwall in front of the real dockerd; allow or deny, the status and the
rule (the proxy's log reason) must agree.  Both run on the host, so both
judge a symlinked host path by its real path too."""

import json
import os

import pytest

import helpers
from conftest import SOCKWALL_BIN
from test_operator import explain

OPEN = {"CONTAINERS": "1", "POST": "1"}
CREATE = "/v1.41/containers/create"


def explained(env, method, path, body, tmp_path):
    args = [method, path]
    if body is not None:
        f = tmp_path / "body.json"
        f.write_text(body if isinstance(body, str) else json.dumps(body))
        args.append(str(f))
    r = explain(env, *args)
    out = r.stdout.strip().splitlines()
    assert r.returncode in (0, 1) and out, (r.returncode, r.stdout, r.stderr)
    last = out[-1]
    if last == "allow":
        assert r.returncode == 0, r.stdout
        rule = next(line.split(" by ", 1)[1] for line in out if line.startswith("toggles:"))
        questions = [line for line in out if line.startswith("then: ask dockerd")]
        return "allow", None, rule, questions
    assert r.returncode == 1, r.stdout
    for line in out:
        if line.startswith("deny "):
            status, rule = line[len("deny "):].split(" by ", 1)
            return "deny", int(status), rule, []
        if line.startswith("refuse "):
            status, why = line[len("refuse "):].split(": ", 1)
            return "deny", int(status), why, []
    raise AssertionError("no verdict in %r" % r.stdout)


def proxied(sw, method, path, body):
    resp = helpers.one(sw.unix, method, path,
                       body=None if body is None else
                       (body if isinstance(body, str) else json.dumps(body)))
    line = helpers.wait_for(
        lambda: next((d for d in sw.request_logs() if d["method"] == method and
                      d["path"] == path), None), 10, what="the request's log line")
    decision = "allow" if line["decision"] == "allow" else "deny"
    return decision, resp.status, line["reason"]


def rows(tmp_dir, created):
    link = os.path.join(tmp_dir, "link")
    return [
        # (what, env, method, path, body)
        ("plain allowed GET", {"CONTAINERS": "1"}, "GET", "/v1.41/containers/json", None),
        ("toggle-denied POST", {"CONTAINERS": "1"}, "POST", CREATE, {"Image": "bb:latest", "Cmd": ["true"]}),
        ("section closed", {}, "GET", "/v1.41/images/json", None),
        ("allowed create", OPEN, "POST", CREATE, {"Image": "bb:latest", "Cmd": ["true"]}),
        ("privileged with DENY_PRIVILEGED",
         dict(OPEN, DKRPRX__CONTAINERS__DENY_PRIVILEGED="true"), "POST", CREATE,
         {"Image": "bb", "HostConfig": {"Privileged": True}}),
        ("the socket bound", OPEN, "POST", CREATE,
         {"Image": "bb", "HostConfig": {"Binds": ["/var/run/docker.sock:/s"]}}),
        ("malformed body", OPEN, "POST", CREATE,
         '{"Image":"bb","binds":["/srv:/x"],"Binds":["/srv:/y"]}'),
        ("bad target", OPEN, "GET", "/v1.41/containers/../json", None),
        ("a symlink to /var/run bound", OPEN, "POST", CREATE,
         {"Image": "bb", "HostConfig": {"Binds": ["%s:/s" % link]}}),
        ("a lookup dockerd answers harmlessly", OPEN, "POST",
         "/v1.41/containers/%s/stop" % created, None),
    ]


ROW_NAMES = [r[0] for r in rows("/x", "c")]


@pytest.mark.parametrize("what", ROW_NAMES)
def test_explain_agrees_with_the_proxy(what, sockwall, direct, tmp_path):
    d = tmp_path / "bindable"
    d.mkdir()
    os.symlink("/var/run", str(d / "link"))
    c = direct.containers.create("bb:latest", ["true"])
    row = {r[0]: r for r in rows(str(d), c.id[:12])}[what]
    _, env, method, path, body = row
    sw = sockwall(env)
    ex = explained(sw.env, method, path, body, tmp_path)
    px = proxied(sw, method, path, body)
    if px[0] == "allow":
        assert px[1] < 400 and ex[:3] == ("allow", None, px[2]), (ex, px)
    else:
        assert ex[:3] == px, (ex, px)
    if what == "a symlink to /var/run bound":
        assert px == ("deny", 403, "default:docker-socket"), px
    if what == "a lookup dockerd answers harmlessly":
        assert ex[3] and "ask dockerd what container '%s' is" % c.id[:12] in ex[3][0], ex
    if what == "plain allowed GET":
        assert px[1] == 200
