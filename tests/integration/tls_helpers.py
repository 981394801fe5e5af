"""Helpers for the TLS integration tests: a throw-away PKI made with the
openssl CLI, python ssl clients, and a Sockwall whose listeners are tls://
(and optionally unix://) instead of the usual unix + tcp pair."""

import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest

import helpers
from conftest import SOCKWALL_BIN, Sockwall

# ---------------------------------------------------------------- PKI

_EXTS = """\
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

# A minimal `openssl ca` configuration: the only way (OpenSSL 3.0) to give
# a certificate validity dates in the past or the future.
_CA_CNF = """\
[ ca ]
default_ca = ca_default

[ ca_default ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
x509_extensions = client_ext
email_in_dn = no

[ policy_any ]
commonName = supplied

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = unused

""" + _EXTS


def _openssl(*args, cwd, input=None):
    r = subprocess.run(["openssl", *args], cwd=cwd, input=input, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        pytest.fail("openssl %s failed:\n%s" % (" ".join(args), r.stderr.decode("utf-8", "replace")))
    return r.stdout


class Pki:
    """Files under `dir`:
    ca.pem/ca-key.pem            the client (and server) CA, RSA
    other-ca.pem                 an unrelated CA, EC
    server-rsa.pem/-key.pem      RSA server cert (PKCS#8 key), SAN IP:127.0.0.1 DNS:localhost
    server-ec.pem/-key.pem       EC P-256 server cert (SEC1 "EC PRIVATE KEY")
    server-chain.pem             server-rsa.pem followed by ca.pem
    ci.pem/ci-key.pem            client CN=ci, RSA (PKCS#1 key)
    other.pem/other-key.pem      client CN=other, EC
    expired.pem                  client CN=ci (ci's key), valid 2020-2021
    future.pem                   client CN=ci (ci's key), valid from 2099
    foreign.pem                  client CN=ci (ci's key), signed by other-ca
    docker-ci/{ca,cert,key}.pem  a DOCKER_CERT_PATH for ci
    and ci_pin_hex, ci_pin_b64, other_pin_b64: SHA-256 of the SPKI."""

    def __init__(self, d):
        self.dir = d
        os.makedirs(os.path.join(d, "newcerts"))
        with open(os.path.join(d, "index.txt"), "w"):
            pass
        with open(os.path.join(d, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(d, "ca.cnf"), "w") as f:
            f.write(_CA_CNF.format(dir=d))
        self.cnf = os.path.join(d, "ca.cnf")
        self._serial = 5000

    def p(self, name):
        return os.path.join(self.dir, name)

    def _key(self, name, kind):
        if kind == "rsa":
            _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                     "-out", name, cwd=self.dir)
        elif kind == "rsa-pkcs1":
            _openssl("genrsa", "-traditional", "-out", name, "2048", cwd=self.dir)
        else:
            _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name,
                     cwd=self.dir)

    def _ca(self, name, cn, kind):
        self._key(name + "-key.pem", kind)
        _openssl("req", "-x509", "-new", "-config", self.cnf, "-key", name + "-key.pem",
                 "-subj", "/CN=" + cn, "-days", "3650", "-sha256", "-extensions", "ca_ext",
                 "-out", name + ".pem", cwd=self.dir)

    def _csr(self, key, cn):
        return _openssl("req", "-new", "-config", self.cnf, "-key", key, "-subj", "/CN=" + cn,
                        cwd=self.dir)

    def _sign(self, out, key, cn, ca, ext, days=30):
        csr = out + ".csr"
        with open(self.p(csr), "wb") as f:
            f.write(self._csr(key, cn))
        self._serial += 1
        _openssl("x509", "-req", "-in", csr, "-CA", ca + ".pem", "-CAkey", ca + "-key.pem",
                 "-set_serial", str(self._serial), "-days", str(days), "-sha256",
                 "-extfile", self.cnf, "-extensions", ext, "-out", out, cwd=self.dir)

    def _sign_dated(self, out, key, cn, start, end):
        csr = out + ".csr"
        with open(self.p(csr), "wb") as f:
            f.write(self._csr(key, cn))
        _openssl("ca", "-batch", "-config", self.cnf, "-cert", "ca.pem", "-keyfile", "ca-key.pem",
                 "-in", csr, "-out", out, "-notext", "-startdate", start, "-enddate", end,
                 "-extensions", "client_ext", cwd=self.dir)

    def _pin(self, cert, fmt):
        pub = _openssl("x509", "-pubkey", "-noout", "-in", cert, cwd=self.dir)
        der = _openssl("pkey", "-pubin", "-outform", "der", input=pub, cwd=self.dir)
        digest = _openssl("dgst", "-sha256", "-binary", input=der, cwd=self.dir)
        if fmt == "hex":
            return digest.hex()
        return _openssl("base64", input=digest, cwd=self.dir).decode().strip()

    def build(self):
        self._ca("ca", "sockwall test CA", "rsa")
        self._ca("other-ca", "some other CA", "ec")
        self._key("server-rsa-key.pem", "rsa")
        self._sign("server-rsa.pem", "server-rsa-key.pem", "localhost", "ca", "server_ext")
        self._key("server-ec-key.pem", "ec")
        self._sign("server-ec.pem", "server-ec-key.pem", "localhost", "ca", "server_ext")
        with open(self.p("server-chain.pem"), "wb") as out:
            for name in ("server-rsa.pem", "ca.pem"):
                with open(self.p(name), "rb") as f:
                    out.write(f.read())
        self._key("ci-key.pem", "rsa-pkcs1")
        self._sign("ci.pem", "ci-key.pem", "ci", "ca", "client_ext")
        self._key("other-key.pem", "ec")
        self._sign("other.pem", "other-key.pem", "other", "ca", "client_ext")
        self._sign_dated("expired.pem", "ci-key.pem", "ci", "20200101000000Z", "20210101000000Z")
        self._sign_dated("future.pem", "ci-key.pem", "ci", "20990101000000Z", "20991231000000Z")
        self._sign("foreign.pem", "ci-key.pem", "ci", "other-ca", "client_ext")
        dc = self.p("docker-ci")
        os.makedirs(dc)
        shutil.copy(self.p("ca.pem"), os.path.join(dc, "ca.pem"))
        shutil.copy(self.p("ci.pem"), os.path.join(dc, "cert.pem"))
        shutil.copy(self.p("ci-key.pem"), os.path.join(dc, "key.pem"))
        self.ci_pin_hex = self._pin("ci.pem", "hex")
        self.ci_pin_b64 = self._pin("ci.pem", "b64")
        self.other_pin_b64 = self._pin("other.pem", "b64")
        assert len(self.ci_pin_hex) == 64 and len(self.ci_pin_b64) == 44
        return self


# ---------------------------------------------------------------- sockwall


class TlsSockwall(Sockwall):
    """A sockwall listening on tls://127.0.0.1:PORT, and with unix=True on a
    unix socket as well."""

    def __init__(self, dockerd, env, unix=False):
        super().__init__(dockerd, env)
        self.with_unix = unix
        listen = "tls://" + self.tcp
        if unix:
            listen = "unix://%s,%s" % (self.unix, listen)
        self.env["SOCKWALL_LISTEN"] = listen
        self.tls_host = "tcp://" + self.tcp

    def start(self):
        self.proc = self._spawn([str(SOCKWALL_BIN)])
        deadline = time.monotonic() + 10
        while not (helpers.can_connect(self.tcp)
                   and (not self.with_unix or helpers.can_connect(self.unix))):
            if self.proc.poll() is not None:
                time.sleep(0.1)
                pytest.fail("sockwall exited with %s before listening:\n%s"
                            % (self.proc.returncode, self.log_text()))
            if time.monotonic() > deadline:
                pytest.fail("sockwall did not listen on %s within 10s:\n%s"
                            % (self.env["SOCKWALL_LISTEN"], self.log_text()))
            time.sleep(0.02)
        return self

    def tls_errors(self):
        """The JSON log lines of refused handshakes: reason "tls: ..."."""
        return [d for d in self.log_json()
                if d.get("decision") == "error" and str(d.get("reason", "")).startswith("tls: ")]

    def wait_tls_error(self, reason, timeout=10):
        return helpers.wait_for(
            lambda: [d for d in self.tls_errors() if d.get("reason") == reason], timeout,
            what="a log line with reason %r; log:\n%s" % (reason, self.log_text()[-3000:]))


# ---------------------------------------------------------------- clients


def client_context(pki, cert=None, key=None, verify=True):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        ctx.load_verify_locations(pki.p("ca.pem"))
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(pki.p(cert), pki.p(key))
    return ctx


def tls_connect(ctx, port, timeout=10):
    """A TLS socket to 127.0.0.1:port with the handshake done (raises
    ssl.SSLError / OSError when refused)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        return ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    except BaseException:
        raw.close()
        raise


def tls_request(ctx, port, method, path, body=None, timeout=10):
    """One request over a new TLS connection: the Response."""
    s = tls_connect(ctx, port, timeout)
    try:
        s.sendall(helpers.request(method, path, body=body))
        r = helpers.ResponseReader(s).read(timeout=timeout)
        assert r is not None, "no response to %s %s over TLS" % (method, path)
        return r
    finally:
        s.close()


def refused_request(ctx, port, method, path, body=None, timeout=10):
    """Try a request over TLS with a client the server must refuse, driving
    the handshake through memory BIOs so that the TCP socket stays ours.
    Fails the test unless the server closes the connection without an HTTP
    response; returns how the client saw the refusal."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="127.0.0.1")
    deadline = time.monotonic() + timeout
    seen = None
    plain = b""

    def flush():
        data = out.read()
        if data:
            try:
                sock.sendall(data)
            except OSError:
                pass

    def pump():
        """Feeds the engine what the server sent; False at EOF."""
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            raise AssertionError("the server neither answered nor closed within %ss "
                                 "(client error so far: %r)" % (timeout, seen))
        except ConnectionResetError:
            data = b""
        if not data:
            inc.write_eof()
            return False
        inc.write(data)
        return True

    try:
        try:
            while True:
                try:
                    obj.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    flush()
                    if not pump():
                        obj.do_handshake()  # raises: EOF in the handshake
            flush()
            obj.write(helpers.request(method, path, body=body))
            flush()
            while True:
                try:
                    chunk = obj.read(65536)
                    if not chunk:
                        break
                    plain += chunk
                    assert not plain.startswith(b"HTTP/"), \
                        "the refused client got an answer: %r" % plain[:300]
                except ssl.SSLWantReadError:
                    if not pump():
                        break
        except ssl.SSLError as e:
            seen = e
        flush()
        assert not plain.startswith(b"HTTP/"), "the refused client got an answer: %r" % plain[:300]
        # whatever happened on the client's side, the server closes the connection
        while pump():
            try:
                plain += obj.read(65536)
            except ssl.SSLError:
                pass
        assert not plain.startswith(b"HTTP/"), "the refused client got an answer: %r" % plain[:300]
        return "closed by the server; client saw %r" % (seen,)
    finally:
        sock.close()


def is_open(sock):
    """True if the peer has neither closed nor reset the socket (and has sent
    nothing either)."""
    sock.setblocking(False)
    try:
        data = sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
    return bool(data)
