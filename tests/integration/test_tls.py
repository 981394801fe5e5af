"""mTLS listeners (issue 4): the real docker CLI with --tlsverify through
sockwall, refused clients (nothing reaches dockerd), stalled handshakes,
start-up errors naming the file, unix + tls listeners together, and
--healthcheck on a TLS-only configuration.

Certificates are made by tls_helpers.Pki with the openssl CLI, once per
module."""

import base64
import os
import shutil
import ssl
import subprocess
import time
import warnings

import pytest

import helpers
import tls_helpers
from conftest import SOCKWALL_BIN, _free_port
from tls_helpers import TlsSockwall, client_context, refused_request, tls_request

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "EXEC": "1"}
CREATE_BODY = {"Image": "bb:latest", "Cmd": ["true"]}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return tls_helpers.Pki(str(tmp_path_factory.mktemp("pki"))).build()


def tls_env(pki, server="rsa", ca=True, **extra):
    env = dict(OPEN, SOCKWALL_TLS_CERT=pki.p("server-%s.pem" % server),
               SOCKWALL_TLS_KEY=pki.p("server-%s-key.pem" % server))
    if ca:
        env["SOCKWALL_TLS_CA"] = pki.p("ca.pem")
    env.update(extra)
    return env


@pytest.fixture
def tls_sockwall(dockerd):
    """Factory: tls_sockwall(env, unix=False) -> a running TlsSockwall."""
    started = []

    def start(env, unix=False):
        sw = TlsSockwall(dockerd, env, unix=unix)
        started.append(sw)
        return sw.start()

    yield start
    for sw in started:
        sw.stop()
        if sw.log_text():
            print("---- sockwall %s log ----\n%s" % (sw.env["SOCKWALL_LISTEN"],
                                                      sw.log_text()[-8000:]))


class Cli:
    """The docker CLI against a TLS sockwall, configured either with flags
    (--tlsverify --tlscacert --tlscert --tlskey -H) or with the environment
    (DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH DOCKER_HOST)."""

    def __init__(self, docker_env, pki, sw, mode, procs):
        self.exe = shutil.which("docker")
        self.env = dict(docker_env)
        self.procs = procs
        host = sw.tls_host
        if mode == "flags":
            self.env["DOCKER_HOST"] = "unix:///nonexistent.sock"  # the flags must win
            self.prefix = ["--tlsverify", "--tlscacert", pki.p("ca.pem"),
                           "--tlscert", pki.p("ci.pem"), "--tlskey", pki.p("ci-key.pem"),
                           "-H", host]
        else:
            self.env.update(DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=pki.p("docker-ci"),
                            DOCKER_HOST=host)
            self.prefix = []

    def run(self, *args, input=None, timeout=60):
        return subprocess.run([self.exe, *self.prefix, *args], input=input, env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                              text=True)

    def popen(self, *args):
        p = subprocess.Popen([self.exe, *self.prefix, *args], env=self.env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, bufsize=1)
        self.procs.append(p)
        return p


@pytest.fixture
def tls_cli(docker_env, pki):
    """Factory: tls_cli(sockwall, "flags" | "env") -> Cli; its Popens are killed
    at teardown."""
    procs = []
    yield lambda sw, mode: Cli(docker_env, pki, sw, mode, procs)
    for p in procs:
        helpers.kill_proc(p)
        for f in (p.stdout, p.stderr):
            f.close()


def stdin_payload(size=200 * 1024):
    lines, n, i = [], 0, 0
    while n < size:
        line = "stdin line %d %s\n" % (i, "x" * (i % 50))
        lines.append(line)
        n += len(line)
        i += 1
    return "".join(lines)


def assert_ps_and_run(cli, direct):
    r = cli.run("ps", "-a")
    assert r.returncode == 0, r.stderr
    assert "CONTAINER ID" in r.stdout, r.stdout
    before = set(c.id for c in direct.containers.list(all=True))
    r = cli.run("run", "--rm", "bb", "echo", "hi")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "hi\n", r.stdout
    helpers.wait_for(lambda: set(c.id for c in direct.containers.list(all=True)) == before,
                     10, what="the --rm container to be removed")


# ---------------------------------------------------------------- 1. the docker CLI


@pytest.mark.parametrize("mode", ["flags", "env"])
def test_docker_cli_rsa_server_ps_run_logs_exec_events(mode, pki, tls_sockwall, tls_cli,
                                                       direct, looper):
    sw = tls_sockwall(tls_env(pki, "rsa"))
    cli = tls_cli(sw, mode)

    assert_ps_and_run(cli, direct)
    r = cli.run("ps")
    assert r.returncode == 0, r.stderr
    assert looper.id[:12] in r.stdout, r.stdout

    # logs -f: lines printed after the stream opened keep arriving.
    p = cli.popen("logs", "-f", looper.id)
    out = helpers.LineReader(p.stdout, "logs-f")
    out.wait_line(lambda l: l == "line 0", 15, "the first log line")
    printed = len(direct.containers.get(looper.id).logs().splitlines())
    out.wait_line(lambda l: l == "line %d" % (printed + 2), 15,
                  "lines printed after the stream opened")
    nums = helpers.line_numbers(list(out.lines))
    assert nums == list(range(len(nums))), "lines lost or reordered: %r" % nums[:50]
    assert p.poll() is None, "logs -f ended while the container still runs"
    helpers.kill_proc(p)

    # exec -i with 200 KB of stdin from a pipe: everything comes back after
    # stdin EOF, which has to cross TLS as a half-close.
    payload = stdin_payload()
    r = cli.run("exec", "-i", looper.id, "cat", input=payload, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == payload, "got %d of %d bytes" % (len(r.stdout), len(payload))

    # events: an event for a container started afterwards arrives.
    p = cli.popen("events", "--format", "{{.Action}} {{.Actor.ID}}")
    ev = helpers.LineReader(p.stdout, "events")
    probes = []

    def probe():
        probes.append(direct.containers.create("bb:latest", ["true"]).id)
        return any(l.split()[-1:] == [c] for l in list(ev.lines) for c in probes)
    helpers.wait_for(probe, 20, interval=0.3, what="the events stream to deliver")
    r = cli.run("run", "-d", "bb", "sleep", "30")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    ev.wait_line(lambda l: l == "start " + cid, 15, "the start event of " + cid)
    assert p.poll() is None, "events ended by itself: %s" % p.stderr.read()
    helpers.kill_proc(p)

    refusals = [d for d in sw.tls_errors() if any(
        w in d["reason"] for w in ("certificate", "version", "ALLOW", "not TLS", "timeout"))]
    assert not refusals, refusals


@pytest.mark.parametrize("mode", ["flags", "env"])
def test_docker_cli_ec_server_ps_run(mode, pki, tls_sockwall, tls_cli, direct):
    sw = tls_sockwall(tls_env(pki, "ec"))
    assert_ps_and_run(tls_cli(sw, mode), direct)
    s = tls_helpers.tls_connect(client_context(pki, "other.pem", "other-key.pem"), sw.port)
    try:
        assert s.version() == "TLSv1.2" and "ECDHE-ECDSA" in s.cipher()[0], s.cipher()
    finally:
        s.close()


def test_server_chain_pem_and_python_client(pki, tls_sockwall):
    """SOCKWALL_TLS_CERT may hold the chain (leaf then CA); a python ssl client
    with a client cert gets /_ping over TLS 1.2 with an AEAD suite."""
    sw = tls_sockwall(tls_env(pki, SOCKWALL_TLS_CERT=pki.p("server-chain.pem")))
    ctx = client_context(pki, "ci.pem", "ci-key.pem")
    s = tls_helpers.tls_connect(ctx, sw.port)
    try:
        assert s.version() == "TLSv1.2", s.version()
        cipher = s.cipher()[0]
        assert "GCM" in cipher or "CHACHA20" in cipher, cipher
        assert "ECDHE" in cipher, cipher
        s.sendall(helpers.request("GET", "/_ping"))
        r = helpers.ResponseReader(s).read(timeout=10)
        assert r is not None and r.status == 200 and r.body == b"OK", r
    finally:
        s.close()


# ---------------------------------------------------------------- 2. refused clients


def assert_nothing_forwarded(sw, dockerd, before):
    assert dockerd.container_ids() == before, "a refused client created a container"
    assert not [d for d in sw.request_logs() if "/containers/create" in str(d.get("path"))], \
        sw.request_logs()


def curl(pki, port, *args):
    return subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", pki.p("ca.pem"),
                           *args, "-X", "POST", "-H", "Content-Type: application/json",
                           "-d", '{"Image":"bb:latest","Cmd":["true"]}',
                           "https://127.0.0.1:%d/containers/create" % port],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=30)


def test_refused_without_client_certificate(pki, tls_sockwall, dockerd):
    sw = tls_sockwall(tls_env(pki))
    before = dockerd.container_ids()
    how = refused_request(client_context(pki), sw.port, "POST", "/containers/create",
                          CREATE_BODY)
    sw.wait_tls_error("tls: no client certificate")
    r = curl(pki, sw.port)
    assert r.returncode != 0 and "Id" not in r.stdout, (how, r.stdout, r.stderr)
    helpers.wait_for(lambda: len([d for d in sw.tls_errors()
                                  if d["reason"] == "tls: no client certificate"]) >= 2,
                     10, what="a second 'no client certificate' line (curl)")
    assert_nothing_forwarded(sw, dockerd, before)
    # the same sockwall serves a client with a certificate
    r = tls_request(client_context(pki, "ci.pem", "ci-key.pem"), sw.port, "GET", "/_ping")
    assert r.status == 200, r


@pytest.mark.parametrize("cert,reason", [
    ("foreign.pem", "tls: certificate not trusted"),
    ("expired.pem", "tls: certificate expired or not yet valid"),
    ("future.pem", "tls: certificate expired or not yet valid"),
])
def test_refused_bad_client_certificate(cert, reason, pki, tls_sockwall, dockerd):
    sw = tls_sockwall(tls_env(pki))
    before = dockerd.container_ids()
    refused_request(client_context(pki, cert, "ci-key.pem"), sw.port, "POST",
                    "/containers/create", CREATE_BODY)
    sw.wait_tls_error(reason)
    r = curl(pki, sw.port, "--cert", pki.p(cert), "--key", pki.p("ci-key.pem"))
    assert r.returncode != 0 and "Id" not in r.stdout, (r.stdout, r.stderr)
    assert_nothing_forwarded(sw, dockerd, before)
    # the same key with a good certificate passes
    r = tls_request(client_context(pki, "ci.pem", "ci-key.pem"), sw.port, "GET", "/_ping")
    assert r.status == 200, r


def test_allow_cn(pki, tls_sockwall, tls_cli, dockerd, direct):
    sw = tls_sockwall(tls_env(pki, SOCKWALL_TLS_ALLOW_CN="someone,ci"))
    before = dockerd.container_ids()
    refused_request(client_context(pki, "other.pem", "other-key.pem"), sw.port, "POST",
                    "/containers/create", CREATE_BODY)
    sw.wait_tls_error("tls: client not in SOCKWALL_TLS_ALLOW_CN")
    r = curl(pki, sw.port, "--cert", pki.p("other.pem"), "--key", pki.p("other-key.pem"))
    assert r.returncode != 0 and "Id" not in r.stdout, (r.stdout, r.stderr)
    assert_nothing_forwarded(sw, dockerd, before)
    # CN=ci is in the list
    assert_ps_and_run(tls_cli(sw, "flags"), direct)
    r = curl(pki, sw.port, "--cert", pki.p("ci.pem"), "--key", pki.p("ci-key.pem"))
    assert r.returncode == 0 and '"Id"' in r.stdout, (r.stdout, r.stderr)


@pytest.mark.parametrize("form", ["hex", "base64"])
def test_allow_pins(form, pki, tls_sockwall, tls_cli, dockerd, direct):
    pin = pki.ci_pin_hex if form == "hex" else pki.ci_pin_b64
    sw = tls_sockwall(tls_env(pki, SOCKWALL_TLS_ALLOW_PINS="%s,%s" % (
        "00" * 32 if form == "hex" else "A" * 43 + "=", pin)))
    before = dockerd.container_ids()
    refused_request(client_context(pki, "other.pem", "other-key.pem"), sw.port, "POST",
                    "/containers/create", CREATE_BODY)
    sw.wait_tls_error("tls: client not in SOCKWALL_TLS_ALLOW_PINS")
    r = curl(pki, sw.port, "--cert", pki.p("other.pem"), "--key", pki.p("other-key.pem"))
    assert r.returncode != 0 and "Id" not in r.stdout, (r.stdout, r.stderr)
    assert_nothing_forwarded(sw, dockerd, before)
    # ci's key is pinned
    assert_ps_and_run(tls_cli(sw, "env"), direct)


def test_plain_http_to_the_tls_port(pki, tls_sockwall, dockerd, docker_cli):
    """A plain HTTP client gets the 400 Go's TLS servers send, then a close;
    nothing reaches dockerd."""
    sw = tls_sockwall(tls_env(pki))
    before = dockerd.container_ids()
    for req in (b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n",
                helpers.request("POST", "/containers/create", body=CREATE_BODY)):
        s = helpers.connect(sw.tcp)
        try:
            s.sendall(req)
            reader = helpers.ResponseReader(s)
            assert reader.wait_eof(10), "the connection was not closed: %r" % reader.buf[:200]
            assert reader.buf.startswith(b"HTTP/1.0 400 Bad Request\r\n"), reader.buf[:300]
            assert reader.buf.endswith(b"\r\n\r\nClient sent an HTTP request to an HTTPS "
                                       b"server.\n"), reader.buf[:300]
        finally:
            s.close()
    sw.wait_tls_error("tls: not TLS (plain HTTP?)")
    r = docker_cli("tcp://" + sw.tcp, "ps")
    assert r.returncode != 0 and "Client sent an HTTP request to an HTTPS server" in r.stderr, \
        r.stderr
    assert_nothing_forwarded(sw, dockerd, before)


@pytest.mark.parametrize("cert,key,extra,told", [
    ("other.pem", "other-key.pem", {"SOCKWALL_TLS_ALLOW_CN": "ci"}, "access denied"),
    ("other.pem", "other-key.pem", {"SOCKWALL_TLS_ALLOW_PINS": "00" * 32}, "access denied"),
    ("expired.pem", "ci-key.pem", {}, "expired certificate"),
    # Go sends no certificate that the server's CA list does not name
    ("foreign.pem", "ci-key.pem", {}, "bad certificate"),
    (None, None, {}, "bad certificate"),
])
def test_refused_cli_is_told_why(cert, key, extra, told, pki, tls_sockwall, dockerd, docker_env):
    """The docker CLI with a refused certificate reads a TLS alert that says
    why ("remote error: tls: ..."), not a connection reset."""
    sw = tls_sockwall(tls_env(pki, **extra))
    before = dockerd.container_ids()
    env = dict(docker_env, DOCKER_HOST="unix:///nonexistent.sock")
    # no --tlscert: the CLI's default cert path (DOCKER_CONFIG) holds none
    creds = ["--tlscert", pki.p(cert), "--tlskey", pki.p(key)] if cert else []
    r = subprocess.run([shutil.which("docker"), "--tlsverify", "--tlscacert", pki.p("ca.pem"),
                        *creds, "-H", sw.tls_host, "run", "-d", "bb", "true"],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    assert r.returncode != 0, r.stdout
    assert "remote error: tls: " + told in r.stderr, r.stderr
    assert_nothing_forwarded(sw, dockerd, before)


def test_tls_1_1_client_refused(pki, tls_sockwall, dockerd):
    sw = tls_sockwall(tls_env(pki))
    before = dockerd.container_ids()
    ctx = client_context(pki, "ci.pem", "ci-key.pem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    ctx.set_ciphers("ALL:@SECLEVEL=0")  # OpenSSL 3 only offers TLS < 1.2 at level 0
    refused_request(ctx, sw.port, "POST", "/containers/create", CREATE_BODY)
    sw.wait_tls_error("tls: unsupported TLS version")
    r = curl(pki, sw.port, "--cert", pki.p("ci.pem"), "--key", pki.p("ci-key.pem"),
             "--tlsv1.0", "--tls-max", "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0")
    assert r.returncode != 0 and "Id" not in r.stdout, (r.stdout, r.stderr)
    helpers.wait_for(lambda: len([d for d in sw.tls_errors()
                                  if d["reason"] == "tls: unsupported TLS version"]) >= 2,
                     10, what="a second 'unsupported TLS version' line (curl)")
    assert_nothing_forwarded(sw, dockerd, before)


def test_stalled_handshakes_time_out_and_block_nobody(pki, tls_sockwall):
    sw = tls_sockwall(tls_env(pki, SOCKWALL_TLS_HANDSHAKE_TIMEOUT="1"))
    good = client_context(pki, "ci.pem", "ci-key.pem")
    # an established connection, idle for longer than the handshake timeout
    early = tls_helpers.tls_connect(good, sw.port)
    t0 = time.monotonic()
    silent = [helpers.connect(sw.tcp) for _ in range(40)]  # TCP only, nothing sent
    partial = helpers.connect(sw.tcp)
    partial.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01")  # a ClientHello that stops early
    stalled = silent + [partial]
    try:
        for _ in range(3):
            r = tls_request(good, sw.port, "GET", "/_ping", timeout=5)
            assert r.status == 200, r
        elapsed = time.monotonic() - t0
        assert elapsed < 0.9, "3 handshakes took %.2fs while stalled ones waited" % elapsed
        assert all(tls_helpers.is_open(s) for s in stalled), \
            "a stalled handshake was closed before SOCKWALL_TLS_HANDSHAKE_TIMEOUT"
        for s in stalled:
            assert helpers.ResponseReader(s).wait_eof(max(0.1, t0 + 6 - time.monotonic())), \
                "a stalled handshake still open %.1fs after it began" % (time.monotonic() - t0)
        closed = time.monotonic() - t0
        assert 0.9 <= closed < 6, closed
        # the idle, established connection was not cut by the handshake timeout
        early.sendall(helpers.request("GET", "/_ping"))
        r = helpers.ResponseReader(early).read(timeout=5)
        assert r is not None and r.status == 200, r
    finally:
        early.close()
        for s in stalled:
            s.close()
    helpers.wait_for(
        lambda: len([d for d in sw.tls_errors() if d["reason"] ==
                     "tls: handshake timeout (SOCKWALL_TLS_HANDSHAKE_TIMEOUT)"]) >= len(stalled),
        5, what="a handshake timeout log line per stalled connection; log:\n"
        + sw.log_text()[-3000:])
    r = tls_request(good, sw.port, "GET", "/_ping")
    assert r.status == 200, r


# ---------------------------------------------------------------- 3. start-up errors


def _start_expect_exit(dockerd, env, timeout=10):
    port = _free_port()
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOCKET_PATH": dockerd.sock,
         "SOCKWALL_LISTEN": "tls://127.0.0.1:%d" % port}
    e.update(env)
    p = subprocess.Popen([str(SOCKWALL_BIN)], env=e, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        pytest.fail("sockwall did not exit at start-up (it ran for %ds):\n%s" % (timeout, err))
    return p.returncode, out + err


@pytest.mark.parametrize("case", ["missing-cert", "cert-holds-no-certificate", "garbage-key",
                                  "random-der-key", "key-mismatch-rsa", "key-mismatch-ec",
                                  "garbage-ca", "missing-ca"])
def test_startup_errors_name_the_file(case, pki, dockerd, tmp_path):
    garbage = str(tmp_path / "garbage.pem")
    with open(garbage, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nthis is not base64 at all!\n"
                "-----END PRIVATE KEY-----\n")
    random_der = str(tmp_path / "random.pem")
    with open(random_der, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n"
                % base64.b64encode(os.urandom(120)).decode())
    env = tls_env(pki)
    named = {
        "missing-cert": ("SOCKWALL_TLS_CERT", str(tmp_path / "no-such-cert.pem")),
        "cert-holds-no-certificate": ("SOCKWALL_TLS_CERT", pki.p("server-rsa-key.pem")),
        "garbage-key": ("SOCKWALL_TLS_KEY", garbage),
        "random-der-key": ("SOCKWALL_TLS_KEY", random_der),
        "key-mismatch-rsa": ("SOCKWALL_TLS_KEY", pki.p("ci-key.pem")),       # another RSA key
        "key-mismatch-ec": ("SOCKWALL_TLS_KEY", pki.p("server-ec-key.pem")),  # EC key, RSA cert
        "garbage-ca": ("SOCKWALL_TLS_CA", garbage),
        "missing-ca": ("SOCKWALL_TLS_CA", str(tmp_path / "no-such-ca.pem")),
    }[case]
    env[named[0]] = named[1]
    rc, text = _start_expect_exit(dockerd, env)
    assert rc == 2, (rc, text)
    assert named[1] in text, "the message does not name %s:\n%s" % (named[1], text)


# ---------------------------------------------------------------- 4. several listeners


def test_unix_and_tls_listeners_together(pki, tls_sockwall, tls_cli, docker_cli, direct):
    sw = tls_sockwall(tls_env(pki), unix=True)
    assert sw.env["SOCKWALL_LISTEN"] == "unix://%s,tls://%s" % (sw.unix, sw.tcp)
    cli = tls_cli(sw, "env")
    ctx = client_context(pki, "ci.pem", "ci-key.pem")

    # a container created through one listener is seen through the other
    r = docker_cli(sw.host, "create", "--name", "via-unix", "bb", "true")
    assert r.returncode == 0, r.stderr
    via_unix = r.stdout.strip()
    r = cli.run("create", "--name", "via-tls", "bb", "true")
    assert r.returncode == 0, r.stderr
    via_tls = r.stdout.strip()

    for run in (lambda *a: docker_cli(sw.host, *a), cli.run):
        r = run("ps", "-a", "--no-trunc", "--format", "{{.ID}}")
        assert r.returncode == 0, r.stderr
        assert {via_unix, via_tls} <= set(r.stdout.split()), r.stdout
        r = run("run", "--rm", "bb", "echo", "hi")
        assert r.returncode == 0 and r.stdout == "hi\n", (r.stdout, r.stderr)

    a = helpers.one(sw.unix, "GET", "/containers/json?all=1")
    b = tls_request(ctx, sw.port, "GET", "/containers/json?all=1")
    assert a.status == b.status == 200, (a, b)
    ids = lambda resp: sorted(c["Id"] for c in resp.json())  # noqa: E731
    assert ids(a) == ids(b) and {via_unix, via_tls} <= set(ids(a))
    # the same policy on both: /info is closed (INFO=0) on each
    assert helpers.one(sw.unix, "GET", "/info").status == 403
    assert tls_request(ctx, sw.port, "GET", "/info").status == 403
    # ... and the TLS listener still refuses a client without a certificate
    refused_request(client_context(pki), sw.port, "GET", "/_ping")
    sw.wait_tls_error("tls: no client certificate")
    assert direct.containers.get(via_tls).name == "via-tls"


# ---------------------------------------------------------------- 5. healthcheck


@pytest.mark.parametrize("mtls", [True, False], ids=["mtls", "server-only"])
def test_healthcheck_tls_only(mtls, pki, tls_sockwall):
    sw = tls_sockwall(tls_env(pki, ca=mtls))
    # Up = it has served a request (the TLS port accepts connections a moment
    # before the health channel of a TLS-only configuration exists).
    ctx = client_context(pki, "ci.pem", "ci-key.pem") if mtls else client_context(pki)
    assert tls_request(ctx, sw.port, "GET", "/_ping").status == 200
    hc = sw.healthcheck()
    assert hc.returncode == 0, "healthcheck failed (%d): %s" % (
        hc.returncode, (hc.stdout + hc.stderr).decode("utf-8", "replace"))
    sw.stop()
    hc = sw.healthcheck()
    assert hc.returncode != 0, "healthcheck passed with the proxy stopped"
