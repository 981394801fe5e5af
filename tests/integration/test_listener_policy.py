"""A policy per listener (issue 8): one sockwall serving three clients on
three unix sockets with three presets, a policy file with filters, mTLS
clients whose certificate CN chooses the policy, and start-up errors that
name the policy file and line."""

import os
import shutil
import subprocess

import pytest

import helpers
import tls_helpers
from conftest import SOCKWALL_BIN, Sockwall
from tls_helpers import TlsSockwall, client_context, tls_request


def _start_multi(dockerd, env, extra_listeners):
    """A Sockwall with its usual unix+tcp listeners (the environment's
    policy) plus extra ones; waits until every extra socket accepts."""
    sw = Sockwall(dockerd, env)
    sw.env["SOCKWALL_LISTEN"] += "," + ",".join(extra_listeners)
    sw.start()
    for item in extra_listeners:
        if item.startswith("unix://"):
            path = item[len("unix://"):].split("?")[0]
            helpers.wait_for(lambda: helpers.can_connect(path), 10, what=path)
    return sw


def _status(target, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else None
    return helpers.one(target, method, path, headers=headers, body=body).status


def _log_for(sw, listener_prefix, method, path_part):
    return [d for d in sw.request_logs()
            if str(d.get("listener", "")).startswith(listener_prefix)
            and d.get("method") == method and path_part in str(d.get("path", ""))]


@pytest.fixture
def three(dockerd):
    """traefik, dozzle and watchtower, each on its own socket; the default
    listeners keep the environment's policy (nothing but the defaults)."""
    # One directory per client, as in docs/access-control.md's compose example; sockwall
    # makes the directories that do not exist yet.
    d = os.path.join(dockerd.tmp, "pl-%d" % dockerd.next_n())
    socks = {name: os.path.join(d, name, "docker.sock")
             for name in ("traefik", "dozzle", "watchtower")}
    listeners = ["unix://%s?policy=traefik" % socks["traefik"],
                 "unix://%s?policy=dozzle&mode=0600" % socks["dozzle"],
                 "unix://%s?policy=watchtower" % socks["watchtower"]]
    sw = _start_multi(dockerd, {}, listeners)
    yield sw, socks
    sw.stop()


def test_three_listeners_three_presets(three, docker_cli, direct):
    sw, socks = three
    host = {name: "unix://" + path for name, path in socks.items()}
    c = direct.containers.run("bb:latest", ["sh", "-c", "echo hello-from-bb; sleep 600"],
                              detach=True, name="pl-target")
    helpers.wait_for(lambda: b"hello-from-bb" in c.logs(), 10, what="the container's log line")

    # Every client lists containers on its own socket.
    for name in socks:
        r = docker_cli(host[name], "ps")
        assert r.returncode == 0, (name, r.stderr)
        assert c.short_id in r.stdout, (name, r.stdout)
    # The environment's listener allows none of it.
    r = docker_cli(sw.host, "ps")
    assert r.returncode != 0 and "CONTAINERS=1" in r.stderr, r.stderr

    # Logs: dozzle's preset reads them, traefik's and watchtower's do not.
    r = docker_cli(host["dozzle"], "logs", "pl-target")
    assert r.returncode == 0 and "hello-from-bb" in r.stdout, r.stderr
    for name in ("traefik", "watchtower"):
        r = docker_cli(host[name], "logs", "pl-target")
        assert r.returncode != 0 and "ALLOW_LOGS" in r.stderr, (name, r.stderr)

    # /info: dozzle has INFO=1, traefik does not (`docker info` exits 0 either way).
    assert _status(socks["dozzle"], "GET", "/v1.41/info") == 200
    r = helpers.one(socks["traefik"], "GET", "/v1.41/info")
    assert "INFO=1" in helpers.assert_json_error(r, 403)

    # Stop/start: watchtower only.
    for name in ("traefik", "dozzle"):
        r = docker_cli(host[name], "stop", "-t", "0", "pl-target")
        assert r.returncode != 0, (name, r.stdout)
        assert "POST" in r.stderr or "ALLOW_" in r.stderr, (name, r.stderr)
        assert direct.containers.get(c.id).status == "running"
    r = docker_cli(host["watchtower"], "stop", "-t", "0", "pl-target")
    assert r.returncode == 0, r.stderr
    assert direct.containers.get(c.id).status == "exited"
    r = docker_cli(host["watchtower"], "start", "pl-target")
    assert r.returncode == 0, r.stderr

    # Watchtower's preset carries DENY_PRIVILEGED on its socket only.
    body = {"Image": "bb:latest", "Cmd": ["true"], "HostConfig": {"Privileged": True}}
    assert _status(socks["watchtower"], "POST", "/v1.41/containers/create", body) == 403
    plain = {"Image": "bb:latest", "Cmd": ["true"]}
    assert _status(socks["watchtower"], "POST", "/v1.41/containers/create", plain) == 201
    # The default protections hold on every listener: no socket mounts.
    sock_bind = {"Image": "bb:latest", "HostConfig": {"Binds": ["/var/run:/h"]}}
    assert _status(socks["watchtower"], "POST", "/v1.41/containers/create", sock_bind) == 403

    # Every line names the listener and the policy that judged it.
    helpers.wait_for(lambda: _log_for(sw, "unix://" + socks["watchtower"], "POST", "/create"),
                     10, what="the last log line")
    for name in socks:
        lines = _log_for(sw, "unix://" + socks[name], "GET", "/containers/json")
        assert lines, "no log line for %s:\n%s" % (name, sw.log_text()[-3000:])
        assert all(d["policy"] == name for d in lines), lines
    env_lines = _log_for(sw, sw.host, "GET", "/containers/json")
    assert env_lines and all(d["policy"] == "env" and d["decision"] == "deny"
                             for d in env_lines), env_lines
    denied = _log_for(sw, "unix://" + socks["traefik"], "POST", "/stop")
    assert denied and denied[0]["decision"] == "deny" and denied[0]["policy"] == "traefik"
    st = os.stat(socks["dozzle"])
    assert st.st_mode & 0o777 == 0o600, oct(st.st_mode)


def test_policy_file_with_filters_and_audit(dockerd, direct, tmp_path):
    pol = tmp_path / "bot.env"
    pol.write_text("# the n8n bot, narrowed further\n"
                   "SOCKWALL_POLICY=n8n-telegram-bot\n"
                   "DKRPRX__CONTAINERS__ALLOWED_IMAGES=^bb(:latest)?$\n"
                   "DKRPRX__CONTAINERS__REQUIRE_LABELS=owner=bot\n")
    audit = tmp_path / "audit.env"
    audit.write_text("SOCKWALL_MODE=audit\n")
    d = os.path.join(dockerd.tmp, "pf-%d" % dockerd.next_n())
    os.makedirs(d)
    bot, disc = os.path.join(d, "bot.sock"), os.path.join(d, "discover.sock")
    sw = _start_multi(dockerd, {"CONTAINERS": "1", "POST": "1"},
                      ["unix://%s?policy=%s" % (bot, pol), "unix://%s?policy=%s" % (disc, audit)])
    try:
        labelled = {"Image": "bb:latest", "Cmd": ["true"], "Labels": {"owner": "bot"}}
        unlabelled = {"Image": "bb:latest", "Cmd": ["true"]}
        assert _status(bot, "POST", "/v1.41/containers/create", labelled) == 201
        assert _status(bot, "POST", "/v1.41/containers/create", unlabelled) == 403
        # The environment's listener has no such filter.
        assert _status(sw.unix, "POST", "/v1.41/containers/create", unlabelled) == 201
        # The bot's base preset denies exec; the file did not open it.
        cid = direct.containers.run("bb:latest", ["sleep", "600"], detach=True).id
        exec_body = {"Cmd": ["true"]}
        assert _status(bot, "POST", "/v1.41/containers/%s/exec" % cid, exec_body) == 403
        # Audit on one listener only: forwarded there, logged as "audit".
        assert _status(disc, "POST", "/v1.41/containers/%s/exec" % cid, exec_body) == 201
        assert _status(sw.unix, "POST", "/v1.41/containers/%s/exec" % cid, exec_body) == 403
        lines = helpers.wait_for(lambda: _log_for(sw, "unix://" + disc, "POST", "/exec"), 10,
                                 what="the audit line")
        assert lines[0]["decision"] == "audit" and lines[0]["policy"] == str(audit)
        bind = {"Image": "bb:latest", "HostConfig": {"Binds": ["/var/run/docker.sock:/s"]}}
        assert _status(bot, "POST", "/v1.41/containers/create", bind) == 403
    finally:
        sw.stop()


def test_policy_file_problem_names_file_and_line(dockerd, tmp_path):
    pol = tmp_path / "typo.env"
    pol.write_text("CONTAINERS=1\n# fine so far\nCONTAINRES=1\nPOST=perhaps\n"
                   "LOG_LEVEL=debug\n")
    sock = os.path.join(dockerd.tmp, "typo-%d.sock" % dockerd.next_n())
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOCKET_PATH": dockerd.sock,
           "SOCKWALL_LISTEN": "unix://%s?policy=%s" % (sock, pol)}
    for args in ([], ["--check-config"]):
        r = subprocess.run([str(SOCKWALL_BIN), *args], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "policy %s:3: CONTAINRES: unknown setting" % pol in r.stderr, r.stderr
        assert "policy %s:4: POST=perhaps" % pol in r.stderr, r.stderr
        assert "policy %s:5: LOG_LEVEL applies to the whole process" % pol in r.stderr, r.stderr
        assert not os.path.exists(sock), "listened despite the problems"
    env["SOCKWALL_LISTEN"] = "unix://%s?policy=traefk" % sock
    r = subprocess.run([str(SOCKWALL_BIN)], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert r.returncode == 2 and "traefk" in r.stderr and "traefik" in r.stderr, r.stderr


def test_check_config_and_explain_per_listener(dockerd, tmp_path):
    a = os.path.join(dockerd.tmp, "cc-a.sock")
    b = os.path.join(dockerd.tmp, "cc-b.sock")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOCKET_PATH": dockerd.sock,
           "SOCKWALL_LISTEN": "unix://%s?policy=traefik,unix://%s?policy=readonly,"
                              "tcp://127.0.0.1:1" % (a, b),
           "IMAGES": "1"}

    def run(*args):
        return subprocess.run([str(SOCKWALL_BIN), *args], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=10)

    r = run("--check-config")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.split("\n  unix://")
    assert "policy: traefik" in blocks[1] and "CONTAINERS=1" in blocks[1] \
        and "IMAGES=0" in blocks[1], r.stdout
    assert "policy: readonly" in blocks[2] and "IMAGES=1" in blocks[2] \
        and "VOLUMES=1" in blocks[2], r.stdout
    tail = r.stdout.split("tcp://127.0.0.1:1")[1]
    assert "policy: env" in tail and "CONTAINERS=0" in tail and "IMAGES=1" in tail, r.stdout

    r = run("--explain", "--listener", a, "GET", "/v1.41/containers/json")
    assert r.returncode == 0 and "policy: traefik" in r.stdout, r.stdout
    r = run("--explain", "--listener", "unix://" + b, "GET", "/volumes")
    assert r.returncode == 0 and "policy: readonly" in r.stdout, r.stdout
    r = run("--explain", "--listener", a, "GET", "/volumes")
    assert r.returncode == 1 and "VOLUMES=1" in r.stdout, r.stdout
    r = run("--explain", "GET", "/v1.41/containers/json")
    assert r.returncode == 1 and "policy: env" in r.stdout, r.stdout
    r = run("--explain", "--listener", "/nope.sock", "GET", "/_ping")
    assert r.returncode == 2 and "no listener /nope.sock" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return tls_helpers.Pki(str(tmp_path_factory.mktemp("pki8"))).build()


def test_mtls_client_cn_chooses_the_policy(dockerd, direct, pki, docker_env):
    """CN=ci gets portainer (exec, create), CN=other gets the listener's
    readonly; a request both may make passes for both."""
    env = {"SOCKWALL_TLS_CERT": pki.p("server-rsa.pem"),
           "SOCKWALL_TLS_KEY": pki.p("server-rsa-key.pem"),
           "SOCKWALL_TLS_CA": pki.p("ca.pem"),
           "SOCKWALL_TLS_POLICY_BY_CN": "ci:portainer"}
    sw = TlsSockwall(dockerd, env)
    sw.env["SOCKWALL_LISTEN"] += "?policy=readonly"
    sw.start()
    try:
        ci = client_context(pki, "ci.pem", "ci-key.pem")
        other = client_context(pki, "other.pem", "other-key.pem")
        body = {"Image": "bb:latest", "Cmd": ["true"]}
        for ctx in (ci, other):
            assert tls_request(ctx, sw.port, "GET", "/v1.41/containers/json").status == 200
            assert tls_request(ctx, sw.port, "GET", "/v1.41/volumes").status == 200
        r = tls_request(ci, sw.port, "POST", "/v1.41/containers/create", body=body)
        assert r.status == 201, r
        r = tls_request(other, sw.port, "POST", "/v1.41/containers/create", body=body)
        helpers.assert_json_error(r, 403)
        assert "POST=1" in r.json()["message"], r.json()

        # The real docker CLI with ci's certificate: exec passes (portainer).
        cid = direct.containers.run("bb:latest", ["sleep", "600"], detach=True).id
        cli_env = dict(docker_env, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=pki.p("docker-ci"),
                       DOCKER_HOST=sw.tls_host)
        r = subprocess.run([shutil.which("docker"), "exec", cid, "echo", "via-ci"], env=cli_env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.strip() == "via-ci", r.stderr

        def creates():
            found = [d for d in sw.request_logs() if d.get("method") == "POST"
                     and "/containers/create" in d.get("path", "")]
            return found if len(found) >= 2 else None
        lines = helpers.wait_for(creates, 10, what="both create lines")
        by_policy = {d["policy"]: d["decision"] for d in lines}
        assert by_policy == {"portainer": "allow", "readonly": "deny"}, lines
    finally:
        sw.stop()
