"""Every setting gets a clear word: a typo'd toggle stops the start-up with a
hint, the anchors' names sockwall reads differently are named once at
start-up, and ALLOW_CHANGES closes `docker diff` against the real dockerd."""

import os
import subprocess

import docker
import pytest

import helpers
from conftest import SOCKWALL_BIN


def _env(dockerd, tmp_path, **kw):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SOCKET_PATH": dockerd.sock,
           "SOCKWALL_LISTEN": "unix://%s" % (tmp_path / "sw.sock")}
    env.update(kw)
    return env


def _check_config(env):
    return subprocess.run([str(SOCKWALL_BIN), "--check-config"], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=10)


def _start_and_wait(env):
    """A proxy that must refuse to start: its exit status and stderr."""
    return subprocess.run([str(SOCKWALL_BIN)], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=10)


def test_a_typo_stops_check_config_and_the_start_with_a_hint(dockerd, tmp_path):
    env = _env(dockerd, tmp_path, CONTAINER="1")
    r = _check_config(env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "CONTAINER: unknown setting; did you mean CONTAINERS?" in r.stderr, r.stderr
    assert "SOCKWALL_IGNORE_VARS" in r.stderr, r.stderr

    r = _start_and_wait(env)
    assert r.returncode == 2, r.stderr
    assert "did you mean CONTAINERS" in r.stderr, r.stderr
    assert not (tmp_path / "sw.sock").exists(), "it listened before refusing to start"


@pytest.mark.parametrize("name,value,hint", [
    ("ALLOW_CHANGE", "0", "did you mean ALLOW_CHANGES?"),
    ("ALLOW_EXEC", "1", "did you mean EXEC?"),
    ("IMAGE", "yes", "did you mean IMAGES?"),
    ("LIBPOD_NOTHING", "1", "LIBPOD_NOTHING: unknown setting"),
])
def test_toggle_shaped_names_sockwall_does_not_read(dockerd, tmp_path, name, value, hint):
    r = _check_config(_env(dockerd, tmp_path, **{name: value}))
    assert r.returncode == 2, r.stdout
    assert hint in r.stderr, r.stderr


def test_ignore_vars_lets_another_programs_names_through(sockwall, docker_cli, looper):
    """A deployment whose environment holds CONTAINER=1 for another program
    names it in SOCKWALL_IGNORE_VARS: sockwall starts, and reads nothing from it."""
    sw = sockwall({"CONTAINER": "1", "ALLOW_EMPTY_PASSWORD": "yes",
                   "SOCKWALL_IGNORE_VARS": "CONTAINER,ALLOW_EMPTY_*"})
    r = docker_cli(sw.host, "ps")
    assert r.returncode != 0, r.stdout
    assert "CONTAINERS=1" in r.stderr, r.stderr
    assert not any("CONTAINER" in line and "unknown" in line for line in sw.stderr_lines)


def test_policy_file_typo_gets_the_hint(dockerd, tmp_path):
    pol = tmp_path / "p.env"
    pol.write_text("CONTAINERS=1\nALOW_LOGS=0\n")
    env = _env(dockerd, tmp_path)
    env["SOCKWALL_LISTEN"] = "unix://%s?policy=%s" % (tmp_path / "sw.sock", pol)
    r = _check_config(env)
    assert r.returncode == 2, r.stdout
    assert "policy %s:2: ALOW_LOGS: unknown setting" % pol in r.stderr, r.stderr
    assert "did you mean ALLOW_LOGS?" in r.stderr, r.stderr


def _notes(sw, text):
    return [d for d in sw.log_json() if text in d.get("msg", "")]


def test_containers_yes_opens_and_says_so_once(sockwall, direct, looper):
    sw = sockwall({"CONTAINERS": "yes", "ALLOW_LOGS": "true"})
    ids = [c.id for c in sw.client().containers.list()]
    assert looper.id in ids
    notes = _notes(sw, "CONTAINERS=yes: sockwall reads it as on")
    assert len(notes) == 1, sw.log_text()
    assert notes[0]["level"] == "warning"
    assert "tecnativa and linuxserver read it as off" in notes[0]["msg"]
    assert '"yes" is 0' in notes[0]["msg"]
    # linuxserver alone has ALLOW_LOGS
    notes = _notes(sw, "ALLOW_LOGS=true: sockwall reads it as on; linuxserver reads it as off")
    assert len(notes) == 1, sw.log_text()
    # and it is read as on: the logs come through
    assert b"line 0" in sw.client().containers.get(looper.id).logs()


def test_tz_gets_its_line_and_times_stay_utc(sockwall, dockerd, tmp_path):
    sw = sockwall({"TZ": "Europe/Paris"})
    helpers.wait_for(lambda: _notes(sw, "listening on"), 5, what="the start-up lines")
    notes = _notes(sw, "TZ=Europe/Paris: sockwall writes every log time in UTC")
    assert len(notes) == 1, sw.log_text()
    assert all(d["time"].endswith("Z") for d in sw.log_json())
    r = _check_config(_env(dockerd, tmp_path, TZ="Europe/Paris"))
    assert r.returncode == 0, r.stderr
    assert "sockwall: notice: TZ=Europe/Paris" in r.stderr, r.stderr
    assert r.stderr.count("TZ=Europe/Paris") == 1


def test_check_config_names_the_anchor_differences(dockerd, tmp_path):
    r = _check_config(_env(dockerd, tmp_path, POST="on", DISABLE_IPV6="yes",
                           LOG_LEVEL="warning", ALLOW_CHANGES="0"))
    assert r.returncode == 0, r.stderr
    assert "sockwall: warning: POST=on: sockwall reads it as on" in r.stderr, r.stderr
    assert "DISABLE_IPV6=yes" in r.stderr and "linuxserver tests for exactly 1" in r.stderr
    assert "LOG_LEVEL=warning: sockwall still logs refused requests" in r.stderr
    assert "ALLOW_CHANGES=0" in r.stdout and "POST=1" in r.stdout, r.stdout
    # Plain 1 and 0 are read alike everywhere: nothing to say.
    r = _check_config(_env(dockerd, tmp_path, CONTAINERS="1", POST="0", ALLOW_CHANGES="1"))
    assert r.returncode == 0 and r.stderr == "", r.stderr


def _changed_container(direct):
    c = direct.containers.run("bb:latest", ["sh", "-c", "touch /changed-by-test; sleep 60"],
                              detach=True)
    helpers.wait_for(lambda: any(ch["Path"] == "/changed-by-test" for ch in c.diff() or []),
                     10, what="the container's change")
    return c


def test_allow_changes_0_closes_docker_diff(sockwall, docker_cli, direct):
    c = _changed_container(direct)
    sw = sockwall({"CONTAINERS": "1", "ALLOW_CHANGES": "0"})
    r = docker_cli(sw.host, "diff", c.id)
    assert r.returncode != 0, r.stdout
    assert "sockwall" in r.stderr and "ALLOW_CHANGES" in r.stderr, r.stderr
    assert "/changed-by-test" not in r.stdout
    denied = [d for d in sw.request_logs() if d["path"].endswith("/changes")]
    assert denied and denied[-1]["status"] == 403 and denied[-1]["reason"] == "ALLOW_CHANGES"
    # the rest of CONTAINERS is untouched
    r = docker_cli(sw.host, "inspect", c.id)
    assert r.returncode == 0, r.stderr
    r = docker_cli(sw.host, "logs", c.id)
    assert r.returncode == 0, r.stderr


def test_allow_changes_is_on_by_default_as_tecnativa(sockwall, docker_cli, direct):
    c = _changed_container(direct)
    sw = sockwall({"CONTAINERS": "1"})
    r = docker_cli(sw.host, "diff", c.id)
    assert r.returncode == 0, r.stderr
    assert "A /changed-by-test" in r.stdout, r.stdout
    # what dockerd itself says
    assert {"Path": "/changed-by-test", "Kind": 1} in direct.containers.get(c.id).diff()
    with pytest.raises(docker.errors.APIError) as e:
        sockwall({"CONTAINERS": "0"}).client().api.diff(c.id)
    assert e.value.status_code == 403
