"""Operator tools: --explain offline, SOCKWALL_MODE=audit against the real
dockerd, and a preset chosen with SOCKWALL_POLICY driving the docker CLI."""

import json
import os
import subprocess

import helpers
from conftest import SOCKWALL_BIN


def explain(env, *args):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    e.update(env)
    return subprocess.run([str(SOCKWALL_BIN), "--explain", *args], env=e,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=10)


def test_explain_without_a_daemon(tmp_path):
    # No SOCKET_PATH that exists: --explain never connects anywhere.
    env = {"SOCKET_PATH": "/nonexistent/docker.sock"}
    r = explain(env, "GET", "/v1.41/containers/json")
    assert r.returncode == 1 and "deny 403 by CONTAINERS" in r.stdout, r.stdout
    r = explain(dict(env, CONTAINERS="1"), "GET", "/v1.41/containers/json")
    assert r.returncode == 0 and r.stdout.strip().endswith("allow"), r.stdout
    body = tmp_path / "create.json"
    body.write_text(json.dumps({"Image": "bb", "HostConfig": {"Binds": ["/:/host"]}}))
    r = explain(dict(env, CONTAINERS="1", POST="1"), "POST", "/containers/create", str(body))
    assert r.returncode == 1 and "default:docker-socket" in r.stdout, r.stdout
    body.write_text('{"Image":"bb","binds":["/srv:/x"],"Binds":["/srv:/y"]}')
    r = explain(dict(env, CONTAINERS="1", POST="1"), "POST", "/containers/create", str(body))
    assert r.returncode == 1 and "refuse 400" in r.stdout, r.stdout
    r = explain(dict(env, CONTAINERS="1", POST="1"), "POST", "/containers/abc/stop")
    assert r.returncode == 0 and "ask dockerd what container 'abc' is" in r.stdout, r.stdout
    r = explain(env, "GET", "/v1.41/containers/../json")
    assert r.returncode == 1 and "refuse 400" in r.stdout, r.stdout


def test_audit_mode_forwards_and_logs_what_would_be_denied(sockwall, docker_cli, direct):
    sw = sockwall({"SOCKWALL_MODE": "audit"})
    before = {c.id for c in direct.containers.list(all=True)}
    r = docker_cli(sw.host, "create", "--name", "audited", "bb", "true")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    assert cid not in before and direct.containers.get(cid).name == "audited"
    r = docker_cli(sw.host, "ps", "-a", "--format", "{{.Names}}")
    assert r.returncode == 0 and "audited" in r.stdout
    lines = sw.request_logs()
    audits = [d for d in lines if d["decision"] == "audit"]
    assert any(d["path"].endswith("/containers/create?name=audited") and d["reason"] == "CONTAINERS"
               and d["status"] == 201 for d in audits), audits
    assert all(d["decision"] != "deny" for d in lines)
    # Malformed requests are still refused: audit cannot forward what it cannot frame.
    rs, _ = helpers.exchange(sw.unix, b"GET /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n", 1)
    assert rs[0].status == 400


def test_preset_drives_the_cli(sockwall, docker_cli, direct):
    """SOCKWALL_POLICY=n8n-telegram-bot: list, logs, restart work; exec is refused;
    an explicit setting still wins over the preset."""
    c = direct.containers.run("bb:latest", ["sh", "-c", "echo ready; sleep 100"], detach=True)
    sw = sockwall({"SOCKWALL_POLICY": "n8n-telegram-bot"})
    r = docker_cli(sw.host, "ps", "--format", "{{.ID}}")
    assert r.returncode == 0 and c.id[:12] in r.stdout, r.stderr
    helpers.wait_for(lambda: "ready" in docker_cli(sw.host, "logs", c.id).stdout, 10,
                     what="logs through the preset")
    r = docker_cli(sw.host, "restart", "-t", "0", c.id)
    assert r.returncode == 0, r.stderr
    r = docker_cli(sw.host, "exec", c.id, "true")
    assert r.returncode != 0 and "EXEC" in r.stderr
    sw2 = sockwall({"SOCKWALL_POLICY": "n8n-telegram-bot", "CONTAINERS": "0"})
    r = docker_cli(sw2.host, "ps")
    assert r.returncode != 0 and "CONTAINERS" in r.stderr
