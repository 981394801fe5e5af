#!/usr/bin/env python3
"""sockwall benchmark: one run, one table (see bench/README.md).

Started by bench/run.sh, which installs the tools first.  `bench.py run` does
the whole run; the other sub-commands are small load clients it starts on the
load core (hold, tlshs, tlska, post).

Everything this script starts is started in a new session and recorded; it is
stopped by its process id (its own process group) on exit, on SIGINT and on
SIGTERM.
"""

import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

BIG_SIZE = 100 * 1024 * 1024
PATHS = ("direct", "socat", "haproxy", "sockwall")


def env_num(name, default, kind=float):
    v = os.environ.get(name, "")
    return kind(v) if v.strip() else default


# --------------------------------------------------------------------------
# /proc readings

def proc_stat(pid):
    """(utime+stime, cutime+cstime) in clock ticks, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime is field 14, cstime field 17
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        ppid = int(s[s.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def descendants(pid):
    kids = children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


def task_runtime_ns(pid):
    """On-CPU time of a live process's threads in ns (/proc/PID/task/*/schedstat:
    the sum_exec_runtime that utime+stime are scaled to), or None."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total = 0
    for t in tids:
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


HAVE_SCHEDSTAT = os.path.exists("/proc/self/schedstat")


def cpu_seconds(pid):
    """CPU time (user + system) of a process, of its reaped children and of its
    live descendants (socat forks one per connection).  Live processes are read
    from schedstat (ns) where the kernel has it, else utime+stime (ticks);
    reaped children from cutime+cstime."""
    st = proc_stat(pid)
    if st is None:
        return None
    secs = st[1] / CLK_TCK
    for p in [pid] + descendants(pid):
        ns = task_runtime_ns(p) if HAVE_SCHEDSTAT else None
        if ns is not None:
            secs += ns / 1e9
            if p != pid:
                ps = proc_stat(p)
                secs += ps[1] / CLK_TCK if ps else 0
        else:
            ps = proc_stat(p)
            if ps:
                secs += ps[0] / CLK_TCK + (ps[1] / CLK_TCK if p != pid else 0)
    return secs


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


TREE_PIDS = set()  # processes that fork per connection (socat)


def rss_kib(pid):
    """VmRSS of a process; for socat (a fork per connection) the sum of the
    PSS of it and its descendants, so that shared pages count once."""
    if pid not in TREE_PIDS:
        return status_kib(pid, "VmRSS")
    return sum(pss_kib(p) for p in [pid] + descendants(pid))


class RssSampler(threading.Thread):
    def __init__(self, pid, period=0.05):
        super().__init__(daemon=True)
        self.pid, self.period, self.peak = pid, period, 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            v = rss_kib(self.pid)
            if v:
                self.peak = max(self.peak, v)
            self.halt.wait(self.period)

    def stop(self):
        self.halt.set()
        self.join()
        v = rss_kib(self.pid)
        if v:
            self.peak = max(self.peak, v)
        return self.peak


# --------------------------------------------------------------------------
# a small HTTP/1.1 client (keep-alive, Content-Length and chunked)

class HttpConn:
    def __init__(self, port, host="127.0.0.1", tls_ctx=None, timeout=30):
        s = socket.create_connection((host, port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls_ctx is not None:
            s = tls_ctx.wrap_socket(s, server_hostname="localhost")
        self.sock, self.buf = s, bytearray()

    def _fill(self):
        d = self.sock.recv(1 << 18)
        if not d:
            raise ConnectionError("connection closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line = bytes(self.buf[:i])
        del self.buf[:i + 2]
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        d = bytes(self.buf[:n])
        del self.buf[:n]
        return d

    def request(self, method, path, body=b"", headers=()):
        head = f"{method} {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: sockwall-bench\r\n"
        for h in headers:
            head += h + "\r\n"
        if body or method in ("POST", "PUT"):
            head += f"Content-Length: {len(body)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + body)
        return self.response(method == "HEAD")

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n\r\n")
        raw = bytes(self.buf[:i])
        del self.buf[:i + 4]
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdr = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdr[k.strip().lower()] = v.strip()
        body = b""
        if head_only or status in (204, 304) or 100 <= status < 200:
            pass
        elif "chunked" in hdr.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                parts.append(self._take(size))
                self._take(2)
            body = b"".join(parts)
        elif "content-length" in hdr:
            body = self._take(int(hdr["content-length"]))
        else:
            try:
                while True:
                    self._fill()
            except ConnectionError:
                pass
            body, self.buf = bytes(self.buf), bytearray()
        return status, hdr, body

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def tls_client_ctx(tmp):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f"{tmp}/tls/ca.pem")
    ctx.load_cert_chain(f"{tmp}/tls/client.pem", f"{tmp}/tls/client.key")
    # BearSSL speaks TLS 1.2 at most: both proxies are measured with it.
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


# --------------------------------------------------------------------------
# load clients (sub-commands, run on the load core)

def cmd_hold(port, n):
    """Open n keep-alive connections, one GET /_ping each, then hold them."""
    socks, failed, t0 = [], 0, time.perf_counter()
    for _ in range(n):
        if time.perf_counter() - t0 > 60:
            failed += 1
            continue
        try:
            c = HttpConn(port, timeout=10)
            st, _, _ = c.request("GET", "/_ping")
            if st != 200:
                failed += 1
            socks.append(c)
        except Exception:
            failed += 1
    print(json.dumps({"opened": len(socks), "failed": failed,
                      "seconds": time.perf_counter() - t0}), flush=True)
    sys.stdin.readline()  # "check"
    still = 0
    for c in socks:
        try:
            c.sock.setblocking(False)
            d = c.sock.recv(1, socket.MSG_PEEK)
            if d:
                still += 1  # unexpected data, but open
        except BlockingIOError:
            still += 1
        except OSError:
            pass
    print(json.dumps({"open": still}), flush=True)
    sys.stdin.readline()
    for c in socks:
        c.close()


def cmd_tlshs(port, seconds, tmp):
    """Full mTLS handshakes, one per connection, no session resumption."""
    ctx = tls_client_ctx(tmp)
    n = errors = 0
    version = cipher = None
    last_err = ""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            t = ctx.wrap_socket(s, server_hostname="localhost")
            version, cipher = t.version(), t.cipher()[0]
            t.close()
            n += 1
        except Exception as e:  # noqa: BLE001
            errors += 1
            last_err = repr(e)
            if errors > 50 and n == 0:
                break
    el = time.perf_counter() - t0
    print(json.dumps({"handshakes": n, "seconds": el, "errors": errors,
                      "version": version, "cipher": cipher, "last_error": last_err}))


def cmd_tlska(port, seconds, tmp):
    """Keep-alive GET /_ping over one mTLS connection."""
    ctx = tls_client_ctx(tmp)
    n = bad = 0
    err = ""
    t0 = time.perf_counter()
    try:
        c = HttpConn(port, tls_ctx=ctx)
        while time.perf_counter() - t0 < seconds:
            st, _, _ = c.request("GET", "/_ping")
            n += 1
            bad += st != 200
    except Exception as e:  # noqa: BLE001
        err = repr(e)
    el = time.perf_counter() - t0
    print(json.dumps({"requests": n, "seconds": el, "non200": bad, "error": err}))


def cmd_post(port, count, body_file):
    """POST the containers/create body `count` times on keep-alive connections."""
    body = open(body_file, "rb").read()
    statuses, reconnects, err, msg = {}, 0, "", ""
    c = HttpConn(port)
    t0 = time.perf_counter()
    done = 0
    for _ in range(count):
        try:
            st, hdr, rb = c.request("POST", "/v1.41/containers/create",
                                    body, ["Content-Type: application/json"])
        except Exception as e:  # noqa: BLE001
            err = repr(e)
            c.close()
            reconnects += 1
            if reconnects > 5:
                break
            c = HttpConn(port)
            continue
        done += 1
        statuses[st] = statuses.get(st, 0) + 1
        if st != 201:
            msg = rb[:300].decode("utf-8", "replace")
        if hdr.get("connection", "").lower() == "close":
            c.close()
            c = HttpConn(port)
            reconnects += 1
    el = time.perf_counter() - t0
    c.close()
    print(json.dumps({"requests": done, "seconds": el, "statuses": statuses,
                      "reconnects": reconnects, "error": err, "message": msg,
                      "body_bytes": len(body)}))


# --------------------------------------------------------------------------
# the run

class Bench:
    def __init__(self):
        self.seconds = max(1, int(env_num("BENCH_SECONDS", 5)))
        self.port0 = env_num("BENCH_PORT_BASE", 23800, int)
        self.stream_runs = max(1, env_num("BENCH_STREAM_RUNS", 5, int))
        self.latency_rounds = max(1, env_num("BENCH_LATENCY_ROUNDS", 3, int))
        self.target_rounds = max(1, env_num("BENCH_ROUNDS", 3, int))
        self.hold_n = env_num("BENCH_IDLE_CONNS", 1000, int)
        self.post_n = env_num("BENCH_CREATE_N", 200, int)
        self.startup_n = env_num("BENCH_STARTUP_N", 10, int)
        self.do_dockerd = os.environ.get("BENCH_DOCKERD", "1") != "0"
        self.do_variant = os.environ.get("BENCH_BUILD_VARIANT", "1") != "0"
        self.sockwall = os.environ.get("SOCKWALL", f"{ROOT}/build/sockwall")
        self.out_dir = os.environ.get("BENCH_OUT", f"{ROOT}/build/bench")
        ncpu = os.cpu_count() or 1
        self.proxy_cpu = "0"
        self.load_cpu = "1" if ncpu > 1 else "0"
        self.procs = []  # (name, Popen, whole group?)
        self.rows = []
        self.raw = {}
        self.errors = []
        self.tmp = None
        self.upstream_pid = None
        self.t_start = time.time()

    # ---- processes

    def start(self, name, argv, env=None, cpu=None, log=None):
        if cpu is not None:
            argv = ["taskset", "-c", cpu] + argv  # taskset execs: same pid
        out = open(log, "ab") if log else subprocess.DEVNULL
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
                             start_new_session=True)
        if log:
            out.close()
        self.procs.append((name, p))
        return p

    def stop(self, p, timeout=5.0):
        if p.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    # its own group (start_new_session): socat's forks go too
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    p.wait(timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.procs = [x for x in self.procs if x[1] is not p]

    def stop_all(self):
        for name, p in reversed(list(self.procs)):
            # dockerd stops its own containerd on SIGTERM: give it the time
            if name.startswith("dockerd") and p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                    p.wait(30)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    pass
            self.stop(p)

    def log(self, msg):
        print(f"[{time.time() - self.t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    def err(self, msg):
        self.errors.append(msg)
        self.log("!! " + msg)

    def alive(self, name, p):
        if p.poll() is not None:
            self.err(f"{name} exited (status {p.returncode})")
            return False
        return True

    # ---- set-up

    def gen_data(self):
        www = f"{self.tmp}/www"
        os.makedirs(www)
        containers = []
        i = 0
        while len(json.dumps(containers)) < 20 * 1024:
            cid = ("%064x" % (0x5ca1ab1e * (i + 7) ** 5))[-64:]
            name = ["traefik", "portainer", "watchtower", "homepage", "dozzle",
                    "postgres", "redis", "nextcloud", "gitea", "grafana"][i % 10]
            containers.append({
                "Id": cid, "Names": [f"/{name}-{i}"],
                "Image": f"docker.io/library/{name}:latest",
                "ImageID": "sha256:" + ("%064x" % (0xbeef * (i + 3) ** 7))[-64:],
                "Command": f"/docker-entrypoint.sh {name} --config /etc/{name}/config.yml",
                "Created": 1700000000 + i * 3600,
                "Ports": [{"IP": "0.0.0.0", "PrivatePort": 8080 + i, "PublicPort": 18080 + i,
                           "Type": "tcp"}],
                "Labels": {"com.docker.compose.project": "homelab",
                           "com.docker.compose.service": name,
                           "com.docker.compose.version": "2.24.5",
                           "traefik.enable": "true",
                           f"traefik.http.routers.{name}.rule": f"Host(`{name}.example.org`)"},
                "State": "running", "Status": f"Up {i + 2} hours",
                "HostConfig": {"NetworkMode": "homelab_default"},
                "NetworkSettings": {"Networks": {"homelab_default": {
                    "IPAMConfig": None, "Links": None, "Aliases": None,
                    "NetworkID": ("%064x" % (0xfeed * (i + 5) ** 6))[-64:],
                    "EndpointID": ("%064x" % (0xcafe * (i + 9) ** 6))[-64:],
                    "Gateway": "172.18.0.1", "IPAddress": f"172.18.0.{i + 2}",
                    "IPPrefixLen": 16, "IPv6Gateway": "", "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0, "MacAddress": "02:42:ac:12:00:%02x" % (i + 2),
                    "DriverOpts": None}}},
                "Mounts": [{"Type": "volume", "Name": f"homelab_{name}_data",
                            "Source": f"/var/lib/docker/volumes/homelab_{name}_data/_data",
                            "Destination": "/data", "Driver": "local", "Mode": "z",
                            "RW": True, "Propagation": ""}],
            })
            i += 1
        self.containers_json = json.dumps(containers).encode()
        with open(f"{www}/containers.json", "wb") as f:
            f.write(self.containers_json)
        version = {"Platform": {"Name": "Docker Engine - Community"}, "Version": "20.10.24",
                   "ApiVersion": "1.41", "MinAPIVersion": "1.12", "GitCommit": "5d6db84",
                   "GoVersion": "go1.19.8", "Os": "linux", "Arch": "amd64",
                   "KernelVersion": os.uname().release, "BuildTime": "2023-05-18T16:30:31Z"}
        with open(f"{www}/version.json", "w") as f:
            json.dump(version, f)
        chunk = os.urandom(1 << 20)
        with open(f"{www}/big.bin", "wb") as f:
            for _ in range(BIG_SIZE >> 20):
                f.write(chunk)
        # a ~1 MiB containers/create body: a realistic head, 32 labels, and
        # bulk in Env (just under SOCKWALL_MAX_BODY's default of 1 MiB)
        body = {
            "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False,
            "AttachStdout": True, "AttachStderr": True, "Tty": False, "OpenStdin": False,
            "StdinOnce": False, "Env": [],
            "Cmd": ["/bin/sh", "-c", "exec /app/server --config /etc/app/config.yaml"],
            "Image": "registry.example.com/team/app:1.2.3",
            "Labels": {"com.example.app.label-%02d" % k: "label value %02d" % k
                       for k in range(32)},
            "WorkingDir": "/app", "Entrypoint": None, "NetworkDisabled": False,
            "HostConfig": {
                "Binds": ["/srv/app/data:/data:rw", "/srv/app/config:/etc/app:ro"],
                "NetworkMode": "bridge",
                "RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0},
                "Memory": 536870912, "CpuShares": 512, "Privileged": False,
                "ReadonlyRootfs": True, "CapDrop": ["ALL"],
                "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m"}}},
            "NetworkingConfig": {"EndpointsConfig": {}},
        }
        k = 0
        limit = 1048576 - 200
        while True:
            body["Env"].append("APP_SETTING_%05d=value-%05d-abcdefghijklmnopqrstuvwxyz0123456789"
                               % (k, k))
            k += 1
            if k % 500 == 0 and len(json.dumps(body)) > limit - 40000:
                break
        while len(json.dumps(body)) < limit:
            body["Env"].append("APP_SETTING_%05d=value-%05d-abcdefghijklmnopqrstuvwxyz0123456789"
                               % (k, k))
            k += 1
        body["Env"].pop()
        self.create_body = f"{self.tmp}/create.json"
        with open(self.create_body, "w") as f:
            json.dump(body, f)

    def fill(self, template, out, subs):
        s = open(f"{BENCH_DIR}/{template}").read()
        for k, v in subs.items():
            s = s.replace(f"@{k}@", v)
        with open(out, "w") as f:
            f.write(s)
        return out

    def wait_port(self, port, p, timeout=10.0):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if p is not None and p.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.01)
        return False

    def start_nginx(self):
        self.port_direct = self.port0
        conf = self.fill("nginx.conf.in", f"{self.tmp}/nginx.conf",
                         {"TMP": self.tmp, "DIRECT_PORT": str(self.port_direct)})
        p = self.start("nginx", ["nginx", "-c", conf, "-p", self.tmp], cpu=self.proxy_cpu,
                       log=f"{self.tmp}/nginx.out")
        if not self.wait_port(self.port_direct, p):
            raise SystemExit(f"nginx did not start: see {self.tmp}/nginx-error.log "
                             f"and {self.tmp}/nginx.out")
        self.upstream_pid = p.pid
        return p

    def start_socat(self, name, port, sock):
        p = self.start(name, ["socat",
                              f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr,backlog=4096,nodelay",
                              f"UNIX-CONNECT:{sock}"], cpu=self.proxy_cpu,
                       log=f"{self.tmp}/{name}.log")
        TREE_PIDS.add(p.pid)
        if not self.wait_port(port, p):
            self.err(f"{name} did not start")
        return p

    def haproxy_env(self, post=False):
        e = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
             "CONTAINERS": "1", "IMAGES": "1", "PING": "1", "VERSION": "1", "EVENTS": "1"}
        if post:
            e["POST"] = "1"
        return e

    def haproxy_cfg(self, name, bind, sock, logging=False):
        return self.fill("haproxy.cfg.in", f"{self.tmp}/{name}.cfg", {
            "BIND": bind, "SOCKET": sock,
            "LOG_GLOBAL": "    log stdout format raw daemon info" if logging else "",
            "LOG_DEFAULTS": "    log global\n    option httplog" if logging else "",
        })

    def start_haproxy(self, name, port, sock, post=False, logging=False, bind=None):
        cfg = self.haproxy_cfg(name, bind or f"127.0.0.1:{port}", sock, logging)
        p = self.start(name, ["haproxy", "-db", "-f", cfg], env=self.haproxy_env(post),
                       cpu=self.proxy_cpu, log=f"{self.tmp}/{name}.log")
        if not self.wait_port(port, p):
            self.err(f"{name} did not start (see {self.tmp}/{name}.log)")
        return p

    def sockwall_env(self, port, sock, extra=None, scheme="tcp"):
        e = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
             "SOCKET_PATH": sock, "SOCKWALL_LISTEN": f"{scheme}://127.0.0.1:{port}",
             "CONTAINERS": "1", "IMAGES": "1", "LOG_LEVEL": "warning"}
        e.update(extra or {})
        return e

    def start_sockwall(self, name, port, sock, extra=None, scheme="tcp", log=None):
        env = self.sockwall_env(port, sock, extra, scheme)
        p = self.start(name, [self.sockwall], env=env, cpu=self.proxy_cpu,
                       log=log or f"{self.tmp}/{name}.log")
        if not self.wait_port(port, p):
            self.err(f"{name} did not start (see {log or f'{self.tmp}/{name}.log'})")
        return p

    # ---- results

    def row(self, key, label, unit, values, better, note=""):
        r = {"key": key, "figure": label, "unit": unit, "better": better, "note": note}
        for k in PATHS:
            r[k] = values.get(k)
        d, s, h = r["direct"], r["sockwall"], r["haproxy"]
        num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
        r["sockwall/direct"] = s / d if num(s) and num(d) and d else None
        r["sockwall/haproxy"] = s / h if num(s) and num(h) and h else None
        self.rows.append(r)
        return r

    # ---- measurements

    def wrk(self, port, path, conns, pid, seconds=None):
        seconds = seconds or self.seconds
        threads = 1 if conns == 1 else 2
        url = f"http://127.0.0.1:{port}{path}"
        kids = descendants(pid) if pid else ()
        c0 = cpu_seconds(pid) if pid else None
        u0 = cpu_seconds(self.upstream_pid) if self.upstream_pid else None
        try:
            out = subprocess.run(["taskset", "-c", self.load_cpu, "wrk", "-t", str(threads),
                                  "-c", str(conns), "-d", f"{seconds}s", "--latency",
                                  "--timeout", "10s", url],
                                 capture_output=True, text=True, timeout=seconds + 60).stdout
        except subprocess.TimeoutExpired:
            self.err(f"wrk {url} c={conns}: timed out")
            return None
        self.settle(pid, kids)
        c1 = cpu_seconds(pid) if pid else None
        u1 = cpu_seconds(self.upstream_pid) if self.upstream_pid else None
        r = parse_wrk(out)
        if r is None:
            self.err(f"wrk {url} c={conns}: no result: {out.strip()[-300:]}")
            return None
        if r["non2xx"] or r["socket_errors"]:
            self.err(f"wrk {url} c={conns}: {r['non2xx']} non-2xx responses, "
                     f"socket errors {r['socket_errors']}")
        if c0 is not None and c1 is not None and r["requests"]:
            r["cpu_us_per_req"] = (c1 - c0) * 1e6 / r["requests"]
        if u0 is not None and u1 is not None and r["requests"]:
            r["upstream_cpu_us_per_req"] = (u1 - u0) * 1e6 / r["requests"]
        return r

    def settle(self, pid, before=None, timeout=3.0):
        """Wait for per-connection children (socat forks one per connection) to
        exit and be reaped, so that their CPU time is in the parent's cutime.
        `before`: the descendants there were before the load (dockerd's
        containerd stays)."""
        if not pid:
            return
        before = set(before or ())
        t0 = time.time()
        while set(descendants(pid)) - before and time.time() - t0 < timeout:
            time.sleep(0.05)
        time.sleep(0.05)

    def ab(self, port, path, pid):
        url = f"http://127.0.0.1:{port}{path}"
        c0 = cpu_seconds(pid)
        try:
            out = subprocess.run(["taskset", "-c", self.load_cpu, "ab", "-q", "-t",
                                  str(self.seconds), "-n", "100000000", "-c", "16", "-s", "30",
                                  url], capture_output=True, text=True,
                                 timeout=self.seconds + 90)
        except subprocess.TimeoutExpired:
            self.err(f"ab {url}: timed out")
            return None
        self.settle(pid)
        c1 = cpu_seconds(pid)
        text = out.stdout

        def grab(pat, conv=float):
            m = re.search(pat, text)
            return conv(m.group(1)) if m else None
        r = {"complete": grab(r"Complete requests:\s+(\d+)", int),
             "failed": grab(r"Failed requests:\s+(\d+)", int) or 0,
             "non2xx": grab(r"Non-2xx responses:\s+(\d+)", int) or 0,
             "rps": grab(r"Requests per second:\s+([\d.]+)")}
        if not r["complete"]:
            self.err(f"ab {url}: no result: {(text + out.stderr).strip()[-300:]}")
            return None
        if r["failed"] or r["non2xx"]:
            self.err(f"ab {url}: {r['failed']} failed, {r['non2xx']} non-2xx")
        if c0 is not None and c1 is not None:
            r["cpu_us_per_req"] = (c1 - c0) * 1e6 / r["complete"]
        return r

    def curl_download(self, port, path, pid):
        """One 100 MiB download: MiB/s, the peak RSS of `pid` during it, and the
        CPU time of `pid` and of the upstream over it (ms)."""
        url = f"http://127.0.0.1:{port}{path}"
        sampler = RssSampler(pid)
        sampler.start()
        up = self.upstream_pid
        c0, u0 = cpu_seconds(pid), cpu_seconds(up) if up else None
        try:
            out = subprocess.run(["taskset", "-c", self.load_cpu, "curl", "-s", "-o",
                                  "/dev/null", "--max-time", "120", "-w",
                                  "%{http_code} %{size_download} %{speed_download}", url],
                                 capture_output=True, text=True, timeout=150).stdout
        except subprocess.TimeoutExpired:
            out = ""
        self.settle(pid)
        c1, u1 = cpu_seconds(pid), cpu_seconds(up) if up else None
        peak = sampler.stop()
        parts = out.split()
        if len(parts) != 3 or parts[0] != "200" or int(parts[1]) != BIG_SIZE:
            self.err(f"curl {url}: {out!r} (want 200 and {BIG_SIZE} bytes)")
            return None
        ms = lambda a, b: (b - a) * 1e3 if a is not None and b is not None else None  # noqa: E731
        return {"mib_s": float(parts[2]) / 2**20, "peak_rss_kib": peak,
                "cpu_ms": ms(c0, c1), "upstream_cpu_ms": ms(u0, u1)}

    @staticmethod
    def stream_summary(runs):
        """Medians over the downloads of one column (None when all failed)."""
        m = Bench.median_runs(runs, ("mib_s", "cpu_ms", "upstream_cpu_ms"))
        if m is None:
            return None
        runs = m["rounds"]
        return {"mib_s_median": m["mib_s"], "mib_s_best": max(r["mib_s"] for r in runs),
                "runs": [r["mib_s"] for r in runs],
                "peak_rss_kib": max(r["peak_rss_kib"] for r in runs),
                "cpu_ms_per_100mib": m.get("cpu_ms"),
                "upstream_cpu_ms_per_100mib": m.get("upstream_cpu_ms"), "downloads": runs}

    def helper(self, args, timeout):
        out = subprocess.run(["taskset", "-c", self.load_cpu, sys.executable,
                              os.path.abspath(__file__)] + [str(a) for a in args],
                             capture_output=True, text=True, timeout=timeout)
        try:
            return json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            self.err(f"helper {args[0]}: {out.stderr.strip()[-300:]}")
            return None

    def hold_conns(self, port, pid):
        """RSS before, and with N idle keep-alive connections open."""
        time.sleep(0.3)
        before = rss_kib(pid)
        h = subprocess.Popen(["taskset", "-c", self.load_cpu, sys.executable,
                              os.path.abspath(__file__), "hold", str(port), str(self.hold_n)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
        self.procs.append(("hold", h))
        try:
            ready = json.loads(h.stdout.readline())
            time.sleep(1.0)
            with_conns = rss_kib(pid)
            h.stdin.write("check\n")
            h.stdin.flush()
            still = json.loads(h.stdout.readline())["open"]
            h.stdin.write("done\n")
            h.stdin.flush()
            h.wait(30)
        except (ValueError, subprocess.TimeoutExpired, BrokenPipeError) as e:
            self.err(f"hold {port}: {e!r}")
            self.stop(h)
            return None
        self.stop(h)
        if ready["failed"]:
            self.err(f"hold {port}: {ready['failed']} of {self.hold_n} connections failed")
        if still != ready["opened"]:
            self.err(f"hold {port}: only {still} of {ready['opened']} connections still open "
                     f"when RSS was read")
        return {"rss_before_kib": before, "rss_conns_kib": with_conns, "opened": ready["opened"],
                "open_at_check": still,
                "kib_per_conn": (with_conns - before) / max(1, ready["opened"])
                if with_conns and before else None}

    def startup(self, kind, port):
        """ms from spawn to the first accepted connection, and to the first /_ping answer."""
        acc, first = [], []
        for i in range(self.startup_n):
            p_port = port + i
            if kind == "sockwall":
                argv = [self.sockwall]
                env = self.sockwall_env(p_port, f"{self.tmp}/docker.sock")
            elif kind == "haproxy":
                cfg = self.haproxy_cfg(f"haproxy-start{i}", f"127.0.0.1:{p_port}",
                                       f"{self.tmp}/docker.sock")
                argv, env = ["haproxy", "-db", "-f", cfg], self.haproxy_env()
            else:
                argv = ["socat", f"TCP-LISTEN:{p_port},bind=127.0.0.1,fork,reuseaddr",
                        f"UNIX-CONNECT:{self.tmp}/docker.sock"]
                env = {"PATH": os.environ.get("PATH", "")}
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            self.procs.append((f"{kind}-start", p))
            s = None
            while time.perf_counter() - t0 < 5:
                try:
                    s = socket.create_connection(("127.0.0.1", p_port), timeout=2)
                    break
                except OSError:
                    if p.poll() is not None:
                        break
                    time.sleep(0.0002)
            t1 = time.perf_counter()
            if s is None:
                self.err(f"start-up {kind}: no connection accepted")
                self.stop(p)
                return None
            try:
                s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
                d = s.recv(4096)
                t2 = time.perf_counter()
                if b" 200 " not in d.split(b"\r\n")[0]:
                    self.err(f"start-up {kind}: first answer {d[:60]!r}")
            except OSError as e:
                self.err(f"start-up {kind}: {e!r}")
                t2 = None
            s.close()
            self.stop(p)
            acc.append((t1 - t0) * 1e3)
            if t2:
                first.append((t2 - t0) * 1e3)
        return {"accept_ms": statistics.median(acc),
                "first_ping_ms": statistics.median(first) if first else None,
                "runs_accept_ms": acc}

    # ---- phases

    def phase_start(self):
        self.log(f"temp dir {self.tmp}; generating data")
        self.gen_data()
        sock = f"{self.tmp}/docker.sock"
        nginx = self.start_nginx()
        P = self.port0
        self.ports = {"direct": P, "socat": P + 1, "haproxy": P + 2, "sockwall": P + 3}
        self.pids = {"direct": nginx.pid}
        self.popen = {"direct": nginx}
        time.sleep(0.3)
        self.idle = {"direct": rss_kib(nginx.pid)}
        for name, fn in (("socat", lambda: self.start_socat("socat", P + 1, sock)),
                         ("haproxy", lambda: self.start_haproxy("haproxy", P + 2, sock)),
                         ("sockwall", lambda: self.start_sockwall("sockwall", P + 3, sock))):
            p = fn()
            self.pids[name], self.popen[name] = p.pid, p
            time.sleep(0.3)
            self.idle[name] = rss_kib(p.pid)
        self.log(f"started: {self.pids}; ports {self.ports}")

    def phase_check(self):
        """Each path answers like the upstream: otherwise its figures mean little."""
        ok = {}
        for name, port in self.ports.items():
            good = True
            try:
                c = HttpConn(port)
                st, _, body = c.request("GET", "/_ping")
                if (st, body) != (200, b"OK"):
                    self.err(f"check {name}: GET /_ping -> {st} {body[:100]!r}")
                    good = False
                st, _, body = c.request("GET", "/v1.41/containers/json")
                if st != 200 or body != self.containers_json:
                    self.err(f"check {name}: GET /v1.41/containers/json -> {st}, "
                             f"{len(body)} bytes")
                    good = False
                c.close()
                for path, want in (("/v1.41/containers/bench/logs?follow=1&stdout=1",
                                    "transfer-encoding: chunked"),
                                   ("/v1.41/images/bench/get",
                                    f"content-length: {BIG_SIZE}")):
                    out = subprocess.run(
                        ["curl", "-s", "-D", "-", "-o", "/dev/null", "--max-time", "120",
                         "-w", "%{http_code} %{size_download}\n",
                         f"http://127.0.0.1:{port}{path}"],
                        capture_output=True, text=True, timeout=150).stdout
                    last = out.strip().splitlines()[-1] if out.strip() else ""
                    if last != f"200 {BIG_SIZE}" or want not in out.lower():
                        self.err(f"check {name}: GET {path}: {last!r}, want 200, {BIG_SIZE} "
                                 f"bytes and {want!r}")
                        good = False
            except Exception as e:  # noqa: BLE001
                self.err(f"check {name}: {e!r}")
                good = False
            ok[name] = good
        # the proxies must deny what is switched off
        for name in ("haproxy", "sockwall"):
            try:
                c = HttpConn(self.ports[name])
                st, _, _ = c.request("GET", "/v1.41/info")
                c.close()
                if st != 403:
                    self.err(f"check {name}: GET /info (INFO=0) -> {st}, want 403")
            except Exception as e:  # noqa: BLE001
                self.err(f"check {name}: deny: {e!r}")
        self.raw["check"] = ok

    def in_rounds(self, rounds, what, measure, procs=None, tag="", pause=0.0):
        """measure(name) for every column, in `rounds` rounds that each take the
        columns in turn, so that the drift of this shared VM over a phase falls
        on all of them alike.  Returns {column: [result per round]}."""
        procs = procs or self.popen
        runs = {n: [] for n in PATHS}
        for rnd in range(rounds):
            for name in PATHS:
                if not self.alive(name + tag, procs[name]):
                    continue
                self.log(f"{what}: {name}" + (f" (round {rnd + 1}/{rounds})" if rounds > 1 else ""))
                runs[name].append(measure(name))
                if pause:
                    time.sleep(pause)
        return runs

    @staticmethod
    def median_runs(runs, keys=("rps", "p50_us", "p99_us", "cpu_us_per_req",
                                "upstream_cpu_us_per_req")):
        """One figure per key from the rounds of one point: each key's median
        over the rounds that measured it; every round is kept."""
        runs = [r for r in runs if r]
        if not runs:
            return None
        out = {"rounds": runs}
        for k in keys:
            vals = [r[k] for r in runs if r.get(k) is not None]
            if vals:
                out[k] = statistics.median(vals)
        return out

    def phase_keepalive(self):
        """c=16 is the target's point: it runs in rounds that take every column
        in turn (median shown), so that one slow stretch of this shared VM
        does not decide a ratio; c=1 and c=256 run once."""
        res = {}
        for path, label in (("/_ping", "/_ping"), ("/v1.41/containers/json",
                                                   f"/containers/json "
                                                   f"({len(self.containers_json) // 1024} KiB)")):
            for conns in (1, 16, 256):
                rounds = self.target_rounds if conns == 16 else 1
                runs = self.in_rounds(rounds, f"wrk {path} c={conns}",
                                      lambda n: self.wrk(self.ports[n], path, conns,
                                                         self.pids[n]), pause=0.2)
                for name in PATHS:
                    res[(path, conns, name)] = self.median_runs(runs[name])
                get = lambda k: {n: (res.get((path, conns, n)) or {}).get(k)  # noqa: E731
                                 for n in PATHS}
                base = f"ka{path}:c{conns}"
                self.row(base + ":rps", f"keep-alive {label} c={conns}"
                         + (f" (median of {rounds})" if rounds > 1 else ""), "req/s",
                         get("rps"), "higher")
                self.row(base + ":p50", "  p50 latency", "µs", get("p50_us"), "lower")
                self.row(base + ":p99", "  p99 latency", "µs", get("p99_us"), "lower")
                self.row(base + ":cpu", "  CPU per request", "µs", get("cpu_us_per_req"),
                         "lower", "direct: nginx's own")
        self.raw["keepalive"] = {f"{p} c={c} {n}": v for (p, c, n), v in res.items()}

    def phase_ab(self):
        runs = self.in_rounds(self.target_rounds, "ab /_ping c=16",
                              lambda n: self.ab(self.ports[n], "/_ping", self.pids[n]),
                              pause=0.5)
        res = {n: self.median_runs(runs[n]) for n in PATHS}
        self.raw["ab"] = res
        self.row("cpr:rps", f"connection per request /_ping c=16 (ab, median of "
                 f"{self.target_rounds})", "req/s",
                 {n: (res.get(n) or {}).get("rps") for n in PATHS}, "higher")
        self.row("cpr:cpu", "  CPU per request", "µs",
                 {n: (res.get(n) or {}).get("cpu_us_per_req") for n in PATHS}, "lower",
                 "direct: nginx's own")

    def phase_stream(self):
        """Downloads in rounds, each round taking every column in turn, so that
        drift of this shared VM over the phase falls on all columns alike."""
        res = {}
        for path, key, label in (("/v1.41/images/bench/get", "big",
                                  "100 MiB Content-Length stream"),
                                 ("/v1.41/containers/bench/logs?follow=1&stdout=1", "chunked",
                                  "100 MiB chunked stream")):
            runs = self.in_rounds(self.stream_runs, f"stream {key}",
                                  lambda n: self.curl_download(self.ports[n], path,
                                                               self.pids[n]))
            for name in PATHS:
                res[(key, name)] = self.stream_summary(runs[name])
            get = lambda k: {n: (res.get((key, n)) or {}).get(k) for n in PATHS}  # noqa: E731
            self.row(f"stream:{key}:mibs", f"{label} (median of {self.stream_runs})", "MiB/s",
                     get("mib_s_median"), "higher")
            self.row(f"stream:{key}:cpu", "  CPU per 100 MiB", "ms", get("cpu_ms_per_100mib"),
                     "lower", "direct: nginx's own")
            ups = get("upstream_cpu_ms_per_100mib")
            ups["direct"] = None  # the same process as the row above
            self.row(f"stream:{key}:upcpu", "  upstream's CPU per 100 MiB", "ms", ups,
                     "lower", "nginx, on the proxy's core")
            self.row(f"stream:{key}:rss", "  peak RSS during it", "KiB", get("peak_rss_kib"),
                     "lower", "direct: nginx's own")
        self.raw["stream"] = {f"{k} {n}": v for (k, n), v in res.items()}

    def phase_idle(self):
        """Fresh proxies (earlier load grew their pools), warmed with a few
        requests, then N idle keep-alive connections; nginx is the one that
        served everything before."""
        sock = f"{self.tmp}/docker.sock"
        P = self.port0
        fresh = {"direct": (self.popen["direct"], P),
                 "socat": (self.start_socat("socat-idle", P + 10, sock), P + 10),
                 "haproxy": (self.start_haproxy("haproxy-idle", P + 11, sock), P + 11),
                 "sockwall": (self.start_sockwall("sockwall-idle", P + 12, sock), P + 12)}
        res = {}
        for name in PATHS:
            p, port = fresh[name]
            if not self.alive(name, p):
                continue
            try:
                c = HttpConn(port)
                c.request("GET", "/_ping")
                c.request("GET", "/v1.41/containers/json")
                c.close()
            except Exception as e:  # noqa: BLE001
                self.err(f"idle {name}: warm-up: {e!r}")
            self.settle(p.pid)
            self.log(f"{self.hold_n} idle keep-alive connections: {name}")
            res[name] = self.hold_conns(port, p.pid)
            if name != "direct":
                self.stop(p)
            time.sleep(0.5)
        self.raw["idle"] = {"rss_after_start_kib": self.idle, "hold": res}
        self.row("rss:idle", "RSS idle, after start", "KiB", self.idle, "lower",
                 "direct: nginx's own; socat: PSS sum")
        self.row("rss:conns", f"RSS with {self.hold_n} idle keep-alive connections", "KiB",
                 {n: (res.get(n) or {}).get("rss_conns_kib") for n in PATHS}, "lower",
                 "fresh proxies, warmed by 2 requests")
        self.row("rss:perconn", "  per idle connection", "KiB",
                 {n: (res.get(n) or {}).get("kib_per_conn") for n in PATHS}, "lower",
                 "(RSS with - RSS just before) / N")

    def phase_loginfo(self):
        sock = f"{self.tmp}/docker.sock"
        P = self.port0
        hp = self.start_haproxy("haproxy-info", P + 4, sock, logging=True)
        sw = self.start_sockwall("sockwall-info", P + 5, sock, {"LOG_LEVEL": "info"})
        res = {}
        for path in ("/_ping", "/v1.41/containers/json"):
            for name, p, port in (("haproxy", hp, P + 4), ("sockwall", sw, P + 5)):
                if not self.alive(name + "-info", p):
                    continue
                self.log(f"wrk {name} (per-request logging) {path} c=16")
                res[(path, name)] = self.wrk(port, path, 16, p.pid)
        logs = {n: os.path.getsize(f"{self.tmp}/{n}-info.log")
                for n in ("haproxy", "sockwall") if os.path.exists(f"{self.tmp}/{n}-info.log")}
        self.stop(hp)
        self.stop(sw)
        for path, label in (("/_ping", "/_ping"), ("/v1.41/containers/json", "/containers/json")):
            get = lambda k: {n: (res.get((path, n)) or {}).get(k)  # noqa: E731
                             for n in ("haproxy", "sockwall")}
            self.row(f"log:{path}:rps", f"logging each request: keep-alive {label} c=16", "req/s",
                     get("rps"), "higher", "haproxy: httplog; sockwall: LOG_LEVEL=info")
            self.row(f"log:{path}:cpu", "  CPU per request", "µs", get("cpu_us_per_req"),
                     "lower")
        self.raw["loginfo"] = {"runs": {f"{p} {n}": v for (p, n), v in res.items()},
                               "log_bytes": logs}

    def phase_create(self):
        sock = f"{self.tmp}/docker.sock"
        P = self.port0
        hp = self.start_haproxy("haproxy-post", P + 6, sock, post=True)
        sw = self.start_sockwall("sockwall-post", P + 7, sock, {"POST": "1"})
        targets = {"direct": (P, self.pids["direct"]), "socat": (P + 1, self.pids["socat"]),
                   "haproxy": (P + 6, hp.pid), "sockwall": (P + 7, sw.pid)}
        res = {}
        size = os.path.getsize(self.create_body)
        for name, (port, pid) in targets.items():
            self.log(f"POST {size}-byte containers/create x{self.post_n}: {name}")
            c0 = cpu_seconds(pid)
            r = self.helper(["post", port, self.post_n, self.create_body], timeout=600)
            self.settle(pid)
            c1 = cpu_seconds(pid)
            if r is None:
                continue
            if r["statuses"] != {"201": r["requests"]} or r["error"]:
                self.err(f"POST create {name}: statuses {r['statuses']} {r['error']} "
                         f"{r['message']}")
            if r["requests"]:
                r["ms_per_req"] = r["seconds"] * 1e3 / r["requests"]
                if c0 is not None and c1 is not None:
                    r["cpu_us_per_req"] = (c1 - c0) * 1e6 / r["requests"]
            res[name] = r
        self.stop(hp)
        self.stop(sw)
        self.raw["create"] = res
        kib = size // 1024
        self.row("create:ms", f"POST containers/create, {kib} KiB body, keep-alive", "ms/req",
                 {n: (res.get(n) or {}).get("ms_per_req") for n in PATHS}, "lower",
                 "sockwall inspects it; the others pass it")
        self.row("create:cpu", "  CPU per request", "µs",
                 {n: (res.get(n) or {}).get("cpu_us_per_req") for n in PATHS}, "lower",
                 "direct: nginx's own")

    def has_tls(self, binary):
        """Does this sockwall build take a tls:// listener (--check-config)?"""
        d = self.make_certs()
        env = self.sockwall_env(self.port0 + 9, f"{self.tmp}/docker.sock",
                                self.sockwall_tls_env(0, d), "tls")
        chk = subprocess.run([binary, "--check-config"], env=env, capture_output=True,
                             text=True)
        why = (chk.stderr.strip().splitlines() or [""])[-1]
        self.raw.setdefault("tls_check", {})[binary] = {"status": chk.returncode, "why": why}
        return chk.returncode == 0

    def make_certs(self):
        d = f"{self.tmp}/tls"
        if os.path.exists(f"{d}/server-combined.pem"):
            return d
        os.makedirs(d, exist_ok=True)

        def ossl(*a):
            subprocess.run(["openssl"] + list(a), cwd=d, check=True, capture_output=True)
        ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
        ossl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=sockwall bench CA",
             "-days", "2", "-out", "ca.pem",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        for who, eku, san in (("server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                              ("client", "clientAuth", None)):
            ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{who}.key")
            ossl("req", "-new", "-key", f"{who}.key", "-subj",
                 "/CN=localhost" if who == "server" else "/CN=bench-client", "-out", f"{who}.csr")
            with open(f"{d}/{who}.ext", "w") as f:
                f.write(f"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                        f"extendedKeyUsage={eku}\n" + (san + "\n" if san else ""))
            ossl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "2", "-extfile", f"{who}.ext", "-out", f"{who}.pem")
        with open(f"{d}/server-combined.pem", "w") as f:
            f.write(open(f"{d}/server.pem").read() + open(f"{d}/server.key").read())
        return d

    def sockwall_tls_env(self, port, d):
        return {"SOCKWALL_TLS_CERT": f"{d}/server.pem", "SOCKWALL_TLS_KEY": f"{d}/server.key",
                "SOCKWALL_TLS_CA": f"{d}/ca.pem"}

    def phase_tls(self):
        sock = f"{self.tmp}/docker.sock"
        P = self.port0
        d = self.make_certs()
        extra = self.sockwall_tls_env(P + 9, d)
        if not self.has_tls(self.sockwall):
            self.log(f"TLS: n/a ({self.raw['tls_check'][self.sockwall]['why']})")
            for key, label, unit in (("tls:hs", "mTLS full handshakes (TLS 1.2, P-256)", "/s"),
                                     ("tls:hscpu", "  CPU per handshake", "µs"),
                                     ("tls:ka", "mTLS keep-alive /_ping c=1", "req/s"),
                                     ("tls:kacpu", "  CPU per request", "µs")):
                self.row(key, label, unit, {"sockwall": "n/a"}, "", "no TLS in this build")
            return
        hp = self.start_haproxy("haproxy-tls", P + 8, sock,
                                bind=f"127.0.0.1:{P + 8} ssl crt {d}/server-combined.pem "
                                f"ca-file {d}/ca.pem verify required")
        sw = self.start_sockwall("sockwall-tls", P + 9, sock, extra, "tls")
        res = {}
        for name, p, port in (("haproxy", hp, P + 8), ("sockwall", sw, P + 9)):
            if not self.alive(name + "-tls", p):
                continue
            self.log(f"TLS handshakes: {name}")
            c0 = cpu_seconds(p.pid)
            hs = self.helper(["tlshs", port, self.seconds, self.tmp], timeout=self.seconds + 60)
            c1 = cpu_seconds(p.pid)
            if hs and hs["handshakes"]:
                hs["per_s"] = hs["handshakes"] / hs["seconds"]
                hs["cpu_us"] = (c1 - c0) * 1e6 / hs["handshakes"]
            if hs and (hs["errors"] or not hs["handshakes"]):
                self.err(f"TLS {name}: {hs['errors']} failed handshakes: {hs['last_error']}")
            self.log(f"TLS keep-alive: {name}")
            c0 = cpu_seconds(p.pid)
            ka = self.helper(["tlska", port, self.seconds, self.tmp], timeout=self.seconds + 60)
            c1 = cpu_seconds(p.pid)
            if ka and ka["requests"]:
                ka["rps"] = ka["requests"] / ka["seconds"]
                ka["cpu_us"] = (c1 - c0) * 1e6 / ka["requests"]
            if ka and (ka["error"] or ka["non200"]):
                self.err(f"TLS keep-alive {name}: {ka['non200']} non-200, {ka['error']}")
            res[name] = {"handshakes": hs, "keepalive": ka}
        self.stop(hp)
        self.stop(sw)
        self.raw["tls"] = res

        def get(part, k):
            return {n: ((res.get(n) or {}).get(part) or {}).get(k) for n in ("haproxy", "sockwall")}
        self.row("tls:hs", "mTLS full handshakes (TLS 1.2, P-256), 1 client", "/s",
                 get("handshakes", "per_s"), "higher")
        self.row("tls:hscpu", "  CPU per handshake", "µs", get("handshakes", "cpu_us"), "lower")
        self.row("tls:ka", "mTLS keep-alive /_ping c=1 (Python client)", "req/s",
                 get("keepalive", "rps"), "higher")
        self.row("tls:kacpu", "  CPU per request", "µs", get("keepalive", "cpu_us"), "lower")

    def phase_startup(self):
        res = {}
        P = self.port0 + 100
        for i, kind in enumerate(("socat", "haproxy", "sockwall")):
            self.log(f"start-up x{self.startup_n}: {kind}")
            res[kind] = self.startup(kind, P + i * 20)
        self.raw["startup"] = res
        self.row("start:accept", f"start-up to first accepted connection (median of "
                 f"{self.startup_n})", "ms",
                 {n: (res.get(n) or {}).get("accept_ms") for n in res}, "lower")
        self.row("start:ping", "  to first /_ping answered", "ms",
                 {n: (res.get(n) or {}).get("first_ping_ms") for n in res}, "lower")

    def phase_dockerd(self):
        if not self.do_dockerd:
            return
        if not shutil.which("dockerd"):
            self.err("dockerd: not installed (docker.io): real-dockerd figures skipped")
            return
        d = f"{self.tmp}/dk"
        os.makedirs(d)
        dsock = f"{d}/d.sock"
        P = self.port0 + 40
        argv = ["dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
                "--storage-driver=vfs", "-H", f"unix://{dsock}", "-H", f"tcp://127.0.0.1:{P}",
                "--data-root", f"{d}/data", "--exec-root", f"{d}/e", "--pidfile", f"{d}/d.pid",
                "--containerd-namespace", "swbench", "--containerd-plugins-namespace",
                "swbench-plugins"]
        self.log("starting dockerd")
        dk = self.start("dockerd", argv, cpu=self.proxy_cpu, log=f"{d}/dockerd.log")
        t0 = time.time()
        up = False
        while time.time() - t0 < 90 and dk.poll() is None:
            try:
                c = HttpConn(P, timeout=2)
                st, _, _ = c.request("GET", "/_ping")
                c.close()
                if st == 200:
                    up = True
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if not up:
            self.err(f"dockerd did not answer within 90 s (see {d}/dockerd.log)")
            return
        self.log(f"dockerd up after {time.time() - t0:.1f} s; creating containers")
        ncont = self.make_dockerd_containers(P)
        saved_upstream = self.upstream_pid
        self.upstream_pid = dk.pid
        ports = {"direct": P, "socat": P + 1, "haproxy": P + 2, "sockwall": P + 3}
        ps = {"direct": dk,
              "socat": self.start_socat("socat-dockerd", P + 1, dsock),
              "haproxy": self.start_haproxy("haproxy-dockerd", P + 2, dsock),
              "sockwall": self.start_sockwall("sockwall-dockerd", P + 3, dsock)}
        res = {}
        for path in ("/_ping", "/v1.41/containers/json"):
            # c=1 latency: rounds that take every column in turn, so that the
            # machine's drift (dockerd's own threads, containerd, the VM)
            # falls on all of them alike; a column's figure is its median
            # round, and the latency it adds is the median over the rounds of
            # its p50 minus direct's p50 in the same round.
            def latency(name):
                r = self.wrk(ports[name], path, 1, ps[name].pid)
                return r if r and r.get("p50_us") is not None else None
            rounds = self.in_rounds(self.latency_rounds, f"wrk dockerd {path} c=1", latency,
                                    procs=ps, tag=" (dockerd)", pause=0.2)
            for name in PATHS:
                runs = [r for r in rounds[name] if r]
                if not runs:
                    continue
                p50s = [r["p50_us"] for r in runs]
                mid = sorted(runs, key=lambda r: r["p50_us"])[(len(runs) - 1) // 2]
                best = dict(mid, p50_us=statistics.median(p50s), p50_rounds=p50s)
                added = [r["p50_us"] - d["p50_us"]
                         for r, d in zip(rounds[name], rounds["direct"]) if r and d]
                if added and name != "direct":
                    best["added_us"] = statistics.median(added)
                    best["added_rounds"] = added
                res[(path, 1, name)] = best
            runs = self.in_rounds(1, f"wrk dockerd {path} c=16",
                                  lambda n: self.wrk(ports[n], path, 16, ps[n].pid),
                                  procs=ps, tag=" (dockerd)", pause=0.2)
            for name in PATHS:
                if runs[name]:
                    res[(path, 16, name)] = runs[name][0]
        self.upstream_pid = saved_upstream
        for name in ("socat", "haproxy", "sockwall"):
            self.stop(ps[name])
        self.raw["dockerd"] = {"containers": ncont,
                               "runs": {f"{p} c={c} {n}": v for (p, c, n), v in res.items()}}
        for path, label in (("/_ping", "/_ping"),
                            ("/v1.41/containers/json", f"/containers/json ({ncont} containers)")):
            r1 = {n: res.get((path, 1, n)) or {} for n in PATHS}
            r16 = {n: res.get((path, 16, n)) or {} for n in PATHS}
            p50 = {n: r1[n].get("p50_us") for n in PATHS}
            self.row(f"dk:{path}:p50", f"real dockerd: keep-alive {label} c=1 p50", "µs", p50,
                     "lower")
            added = {n: r1[n].get("added_us") for n in ("socat", "haproxy", "sockwall")}
            self.row(f"dk:{path}:added",
                     f"  latency added to direct (p50, median of {self.latency_rounds} rounds)",
                     "µs", added, "lower")
            self.row(f"dk:{path}:rps", f"real dockerd: keep-alive {label} c=16", "req/s",
                     {n: r16[n].get("rps") for n in PATHS}, "higher")
            self.row(f"dk:{path}:cpu", "  proxy CPU per request (c=16)", "µs",
                     {n: r16[n].get("cpu_us_per_req") for n in PATHS}, "lower",
                     "direct: dockerd's own, with its containerd")
        self.log("stopping dockerd")
        try:
            dk.send_signal(signal.SIGTERM)
            dk.wait(30)
        except subprocess.TimeoutExpired:
            pass
        self.stop(dk)

    def make_dockerd_containers(self, port, n=10):
        """Import a one-file image (busybox-static) and create n containers from it,
        so containers/json has something to list."""
        import io
        import tarfile
        bb = shutil.which("busybox") or "/bin/busybox"
        if not os.path.exists(bb):
            self.err("dockerd: busybox not found: containers/json lists none")
            return 0
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            tf.add(bb, arcname="bin/busybox")
        try:
            c = HttpConn(port, timeout=60)
            st, _, b = c.request("POST", "/v1.41/images/create?fromSrc=-&repo=swbench&tag=1",
                                 buf.getvalue(), ["Content-Type: application/x-tar"])
            if st != 200:
                self.err(f"dockerd: image import -> {st} {b[:200]!r}")
                return 0
            made = 0
            for i in range(n):
                body = json.dumps({"Image": "swbench:1", "Cmd": ["/bin/busybox", "true"],
                                   "Labels": {"com.docker.compose.project": "bench",
                                              "com.docker.compose.service": f"svc{i}"}}).encode()
                st, _, b = c.request("POST", f"/v1.41/containers/create?name=swbench{i}", body,
                                     ["Content-Type: application/json"])
                made += st == 201
                if st != 201:
                    self.err(f"dockerd: create -> {st} {b[:200]!r}")
            c.close()
            return made
        except OSError as e:
            self.err(f"dockerd: {e!r}")
            return 0

    def phase_size(self):
        sizes = {}
        sw_tls = self.has_tls(self.sockwall)
        sizes["current"] = {"bytes": os.path.getsize(self.sockwall), "tls": sw_tls}
        variant = None
        mk = open(f"{ROOT}/Makefile").read() if os.path.exists(f"{ROOT}/Makefile") else ""
        if self.do_variant and re.search(r"\bTLS\b", mk):
            want = "0" if sw_tls else "1"
            self.log(f"building a TLS={want} variant in a copy of the tree")
            d = f"{self.tmp}/variant"
            os.makedirs(d)
            for item in ("Makefile", "src", "scripts", "policies", "patches", "tests"):
                src = f"{ROOT}/{item}"
                if os.path.isdir(src):
                    shutil.copytree(src, f"{d}/{item}", symlinks=True)
                elif os.path.exists(src):
                    shutil.copy2(src, d)
            if os.path.isdir(f"{ROOT}/build/bearssl"):
                shutil.copytree(f"{ROOT}/build/bearssl", f"{d}/build/bearssl", symlinks=True)
            try:
                out = subprocess.run(["make", "-C", d, f"TLS={want}", "build/sockwall"],
                                     capture_output=True, text=True, timeout=600)
                vb = f"{d}/build/sockwall"
                if out.returncode == 0 and os.path.exists(vb):
                    variant = {"bytes": os.path.getsize(vb), "tls": self.has_tls(vb)}
                    if variant["tls"] != (want == "1"):
                        self.err(f"the TLS={want} build answers --check-config for tls:// "
                                 f"with status {self.raw['tls_check'][vb]['status']}")
                else:
                    self.err(f"TLS={want} build failed: "
                             f"{(out.stdout + out.stderr).strip()[-300:]}")
            except subprocess.TimeoutExpired:
                self.err(f"TLS={want} build timed out")
        sizes["variant"] = variant
        self.raw["binary"] = sizes
        with_tls = sizes["current"] if sw_tls else variant
        without = variant if sw_tls else sizes["current"]
        hp = shutil.which("haproxy")
        sc = shutil.which("socat")
        self.row("size:tls", "binary size, with TLS", "KiB",
                 {"socat": os.path.getsize(sc) / 1024 if sc else None,
                  "haproxy": os.path.getsize(hp) / 1024 if hp else None,
                  "sockwall": with_tls["bytes"] / 1024 if with_tls else "n/a"}, "lower",
                 "socat, haproxy: dynamic executables, libraries not counted")
        self.row("size:notls", "  sockwall without TLS", "KiB",
                 {"sockwall": without["bytes"] / 1024 if without else "n/a"}, "lower")

    # ---- output

    def machine(self):
        cpu = ""
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass

        def ver(argv, pat=None):
            try:
                o = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                t = (o.stdout + o.stderr).strip()
                if pat:
                    m = re.search(pat, t)
                    return m.group(1) if m else t.splitlines()[0]
                return t.splitlines()[0] if t else ""
            except (OSError, subprocess.TimeoutExpired, IndexError):
                return ""
        return {
            "cpu": cpu, "cores": os.cpu_count(), "kernel": os.uname().release,
            "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "load_avg_at_start": os.getloadavg(),
            "sockwall": ver([self.sockwall, "--version"]),
            "git": ver(["git", "-C", ROOT, "describe", "--always", "--dirty"]),
            "nginx": ver(["nginx", "-v"], r"nginx/(\S+)"),
            "haproxy": ver(["haproxy", "-v"], r"version (\S+)"),
            "socat": ver(["socat", "-V"], r"socat version (\S+)"),
            "wrk": ver(["wrk", "-v"], r"wrk (\S+)"),
            "dockerd": ver(["dockerd", "--version"], r"version (\S+),") if self.do_dockerd else "",
            "seconds_per_point": self.seconds,
            "pinning": f"proxies and upstream (nginx, dockerd) on core {self.proxy_cpu}; "
                       f"wrk/ab/curl/clients on core {self.load_cpu}",
        }

    def report(self):
        m = self.raw["machine"]
        m["load_avg_at_end"] = os.getloadavg()
        m["run_seconds"] = time.time() - self.t_start
        cols = ["direct", "socat", "haproxy", "sockwall", "sockwall/direct", "sockwall/haproxy"]
        head = ["figure", "unit"] + cols
        lines = []
        for r in self.rows:
            cells = [r["figure"], r["unit"]]
            for c in cols:
                v = r.get(c)
                cells.append(fmt_ratio(v) if "/" in c else fmt(v))
            lines.append(cells)
        w = [max(len(str(x[i])) for x in lines + [head]) for i in range(len(head))]
        out = []
        out.append(f"sockwall benchmark: {m['sockwall']} ({m['git']}); {m['cpu']}, "
                   f"{m['cores']} cores, {m['mem_gib']} GiB, Linux {m['kernel']}")
        out.append(f"nginx {m['nginx']} (canned upstream), haproxy {m['haproxy']}, "
                   f"socat {m['socat']}, wrk {m['wrk']}"
                   + (f", dockerd {m['dockerd']}" if m.get("dockerd") else "")
                   + f"; {m['seconds_per_point']} s per point; {m['pinning']}; "
                   f"load average (1 min) at start {m['load_avg_at_start'][0]:.2f}, "
                   f"at end {m['load_avg_at_end'][0]:.2f}; run took {m['run_seconds']:.0f} s")
        out.append("")
        fmt_line = lambda cells: "  ".join(  # noqa: E731
            (str(c).ljust(w[i]) if i < 2 else str(c).rjust(w[i])) for i, c in enumerate(cells))
        out.append(fmt_line(head))
        out.append("  ".join("-" * x for x in w))
        for cells in lines:
            out.append(fmt_line(cells))
        out.append("")
        out.append("CPU per request: the proxy process's user+system CPU time (/proc) over the "
                   "run divided by the requests served; in the direct column, the upstream's own.")
        out.append("Ratios: sockwall's figure divided by the other column's; below 1 is better "
                   "for µs, ms and KiB, worse for req/s, /s and MiB/s.")
        if self.errors:
            out.append("")
            out.append("Problems seen during the run:")
            for e in self.errors:
                out.append("  - " + e)
        text = "\n".join(out)
        print(text)
        os.makedirs(self.out_dir, exist_ok=True)
        with open(f"{self.out_dir}/results.json", "w") as f:
            json.dump({"machine": m, "rows": self.rows, "errors": self.errors, "raw": self.raw},
                      f, indent=1, default=str)
        with open(f"{self.out_dir}/results.txt", "w") as f:
            f.write(text + "\n")
        print(f"\n(written to {self.out_dir}/results.json and results.txt)")

    def run(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 20000 if hard == resource.RLIM_INFINITY else min(hard, 65536)
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        try:
            os.sched_setaffinity(0, {int(self.load_cpu)})
        except OSError:
            pass
        if not os.access(self.sockwall, os.X_OK):
            raise SystemExit(f"{self.sockwall}: not built (make build/sockwall)")
        self.tmp = tempfile.mkdtemp(prefix="swb", dir="/tmp")
        os.chmod(self.tmp, 0o755)
        self.raw["machine"] = self.machine()
        try:
            self.phase_start()
            self.phase_check()
            phases = [self.phase_keepalive, self.phase_ab, self.phase_stream, self.phase_idle,
                      self.phase_loginfo, self.phase_create, self.phase_tls, self.phase_startup,
                      self.phase_dockerd, self.phase_size]
            only = os.environ.get("BENCH_ONLY", "").split(",")
            for ph in phases:
                name = ph.__name__[len("phase_"):]
                if only != [""] and name not in only:
                    continue
                try:
                    ph()
                except Exception as e:  # noqa: BLE001  a broken phase must not lose the rest
                    import traceback
                    traceback.print_exc()
                    self.err(f"phase {name} failed: {e!r}")
            for name in ("socat", "haproxy", "sockwall"):
                self.alive(name, self.popen[name])
        finally:
            self.stop_all()
            self.report_safe()
            if os.environ.get("BENCH_KEEP") == "1":
                print(f"(temp dir kept: {self.tmp})")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def report_safe(self):
        if self.rows or self.errors:
            try:
                self.report()
            except Exception as e:  # noqa: BLE001
                print(f"report failed: {e!r}", file=sys.stderr)


def parse_wrk(out):
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m or not rps:
        return None
    lat = {}
    for pct, val, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[pct] = float(val) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"requests": int(m.group(1)), "rps": float(rps.group(1)),
            "p50_us": lat.get("50"), "p99_us": lat.get("99"),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sock.group(1).strip() if sock else ""}


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(v):
    return "-" if v is None else f"{v:.2f}x"


def main():
    args = sys.argv[1:]
    cmd = args[0] if args else "run"
    if cmd == "hold":
        cmd_hold(int(args[1]), int(args[2]))
    elif cmd == "tlshs":
        cmd_tlshs(int(args[1]), float(args[2]), args[3])
    elif cmd == "tlska":
        cmd_tlska(int(args[1]), float(args[2]), args[3])
    elif cmd == "post":
        cmd_post(int(args[1]), int(args[2]), args[3])
    elif cmd == "run":
        b = Bench()

        hit = []

        def on_signal(sig, _frame):
            # once: the clean-up that follows must not be interrupted (Ctrl-C
            # reaches us both directly and as run.sh's forwarded SIGTERM)
            if hit:
                return
            hit.append(sig)
            raise KeyboardInterrupt(f"signal {sig}")
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            b.run()
        except KeyboardInterrupt:
            print("interrupted: everything started was stopped", file=sys.stderr)
            sys.exit(130)
    else:
        sys.exit(f"usage: {sys.argv[0]} [run | hold PORT N | tlshs PORT S TMP | "
                 f"tlska PORT S TMP | post PORT N FILE]")


if __name__ == "__main__":
    main()
