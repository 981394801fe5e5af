"""The real docker CLI through sockwall with CONTAINERS=1 IMAGES=1 POST=1."""

import json
import re
import docker
import pytest

import helpers

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1"}


def stdin_payload(n=20000):
    return "".join("stdin line %d %s\n" % (i, "x" * (i % 50)) for i in range(n))


def test_run_detached_ps_logs_follow_stop_rm(sockwall, docker_cli, docker_popen, direct):
    sw = sockwall(OPEN)

    r = docker_cli(sw.host, "run", "-d", "bb", "sh", "-c", helpers.LOOP_SH)
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", cid), r.stdout
    assert direct.containers.get(cid).attrs["State"]["Running"] is True

    r = docker_cli(sw.host, "ps")
    assert r.returncode == 0, r.stderr
    assert "CONTAINER ID" in r.stdout and cid[:12] in r.stdout, r.stdout

    # logs -f: the backlog, then lines written after the stream opened.
    p = docker_popen(sw.host, "logs", "-f", cid)
    out = helpers.LineReader(p.stdout, "logs-f")
    first = out.wait_line(lambda l: l.startswith("line "), 15, "the first log line")
    n_first = int(first.split()[1])
    assert n_first == 0, first
    # The stream is open now: a line that dockerd has not logged yet can only
    # arrive by following.
    printed = len(direct.containers.get(cid).logs().splitlines())
    out.wait_line(lambda l: l == "line %d" % (printed + 2), 15,
                  "lines printed after the stream opened")
    nums = helpers.line_numbers(list(out.lines))
    assert nums == list(range(len(nums))), "lines lost or reordered: %r" % nums[:50]
    assert p.poll() is None, "logs -f ended while the container still runs"
    helpers.kill_proc(p)

    r = docker_cli(sw.host, "stop", "-t", "1", cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == cid
    assert direct.containers.get(cid).attrs["State"]["Running"] is False

    r = docker_cli(sw.host, "rm", cid)
    assert r.returncode == 0, r.stderr
    with pytest.raises(docker.errors.NotFound):
        direct.containers.get(cid)


def test_run_interactive_from_pipe(sockwall, docker_cli, direct):
    sw = sockwall(OPEN)
    before = set(c.id for c in direct.containers.list(all=True))
    payload = stdin_payload()
    r = docker_cli(sw.host, "run", "-i", "--rm", "bb", "cat", input=payload, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == payload, "got %d of %d bytes" % (len(r.stdout), len(payload))
    # --rm: the container is gone once the CLI returns (auto-remove in dockerd)
    helpers.wait_for(lambda: set(c.id for c in direct.containers.list(all=True)) == before,
                     10, what="the --rm container to be removed")


def test_run_interactive_exit_status_and_stderr(sockwall, docker_cli):
    sw = sockwall(OPEN)
    r = docker_cli(sw.host, "run", "-i", "--rm", "bb", "sh", "-c",
                   "read x; echo out:$x; echo err:$x >&2; exit 7", input="hello\n")
    assert r.returncode == 7, r.stderr
    assert r.stdout == "out:hello\n"
    assert "err:hello" in r.stderr


def test_exec_interactive_from_pipe(sockwall, docker_cli, looper):
    sw = sockwall(dict(OPEN, EXEC="1"))
    payload = stdin_payload()
    r = docker_cli(sw.host, "exec", "-i", looper.id, "cat", input=payload, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == payload, "got %d of %d bytes" % (len(r.stdout), len(payload))

    r = docker_cli(sw.host, "exec", looper.id, "sh", "-c", "echo out; echo err >&2; exit 3")
    assert r.returncode == 3, r.stderr
    assert r.stdout == "out\n"
    assert "err" in r.stderr


def test_attach_sees_output(sockwall, docker_popen, looper, direct):
    sw = sockwall(OPEN)
    p = docker_popen(sw.host, "attach", "--no-stdin", "--sig-proxy=false", looper.id)
    out = helpers.LineReader(p.stdout, "attach")
    first = out.wait_line(lambda l: l.startswith("line "), 15, "output through attach")
    n = int(first.split()[1])
    out.wait_line(lambda l: l == "line %d" % (n + 3), 15, "more output through attach")
    nums = helpers.line_numbers(list(out.lines))
    assert nums == list(range(n, n + len(nums))), nums
    assert p.poll() is None
    helpers.kill_proc(p)
    assert direct.containers.get(looper.id).attrs["State"]["Running"] is True


def test_start_attach_interactive_stdin_eof(sockwall, docker_cli, direct):
    """docker create -i + docker start -ai: stdin EOF reaches the container
    (half-close through the tunnel), cat exits and all output arrives."""
    sw = sockwall(OPEN)
    r = docker_cli(sw.host, "create", "-i", "bb", "cat")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    payload = stdin_payload(5000)
    r = docker_cli(sw.host, "start", "-ai", cid, input=payload, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == payload, "got %d of %d bytes" % (len(r.stdout), len(payload))
    state = direct.containers.get(cid).attrs["State"]
    assert state["Running"] is False and state["ExitCode"] == 0


def test_events_see_container_started_afterwards(sockwall, docker_cli, docker_popen, direct):
    sw = sockwall(OPEN)
    p = docker_popen(sw.host, "events", "--format", "{{.Action}} {{.Actor.ID}}")
    out = helpers.LineReader(p.stdout, "events")
    # Make sure the stream is live: create throw-away containers directly
    # until one of their events comes through.
    probes = []

    def probe():
        probes.append(direct.containers.create("bb:latest", ["true"]).id)
        return any(l.split()[-1:] == [c] for l in list(out.lines) for c in probes)
    helpers.wait_for(probe, 20, interval=0.5, what="the events stream to deliver")

    r = docker_cli(sw.host, "create", "bb", "sleep", "30")
    assert r.returncode == 0, r.stderr
    cid = r.stdout.strip()
    r = docker_cli(sw.host, "start", cid)
    assert r.returncode == 0, r.stderr
    out.wait_line(lambda l: l == "start " + cid, 15, "the start event of " + cid)
    assert p.poll() is None


def test_images_and_inspect(sockwall, docker_cli, direct, looper):
    sw = sockwall(OPEN)
    r = docker_cli(sw.host, "images")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^bb\s+latest\s", r.stdout, re.M), r.stdout

    r = docker_cli(sw.host, "image", "inspect", "bb")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["Id"] == direct.images.get("bb:latest").id

    r = docker_cli(sw.host, "inspect", looper.id)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc[0]["Id"] == looper.id and doc[0]["State"]["Running"] is True

    r = docker_cli(sw.host, "inspect", "--format", "{{.Name}}", looper.name)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "/" + looper.name


def test_output_keeps_flowing_after_stdin_eof(sockwall, docker_cli, looper):
    """exec -i: the client half-closes stdin; a large output written only
    after the EOF must still arrive completely."""
    sw = sockwall(dict(OPEN, EXEC="1"))
    r = docker_cli(sw.host, "exec", "-i", looper.id, "sh", "-c", "cat >/dev/null; seq 1 200000",
                   input="ignored\n" * 1000, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "".join("%d\n" % i for i in range(1, 200001))


def test_large_logs(sockwall, docker_cli, direct):
    """A few MB of logs through the proxy, byte for byte."""
    sw = sockwall(OPEN)
    c = direct.containers.run("bb:latest", ["seq", "1", "400000"], detach=True)
    assert c.wait(timeout=60)["StatusCode"] == 0
    r = docker_cli(sw.host, "logs", c.id, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "".join("%d\n" % i for i in range(1, 400001))
