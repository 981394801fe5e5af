"""python3-docker through sockwall, over the unix socket and over TCP."""

import docker
import pytest

import helpers

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "POST": "1", "EXEC": "1"}


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_core_calls(sockwall, direct, transport):
    sw = sockwall(OPEN)
    client = sw.client(tcp=(transport == "tcp"))
    try:
        assert client.ping() is True
        before = {c.id for c in client.containers.list(all=True)}
        assert before == {c.id for c in direct.containers.list(all=True)}

        c = client.containers.run("bb:latest", helpers.LOOP_CMD, detach=True)
        assert direct.containers.get(c.id).attrs["State"]["Running"] is True
        assert c.id in {x.id for x in client.containers.list()}

        logs = helpers.ChunkLines(c.logs(stream=True, follow=True), "py-logs")
        logs.wait_line(lambda l: l == "line 0", 15, "the first log line")
        printed = len(direct.containers.get(c.id).logs().splitlines())
        logs.wait_line(lambda l: l == "line %d" % (printed + 2), 15,
                       "lines printed after the stream opened")

        code, output = c.exec_run(["sh", "-c", "echo exec-out; echo exec-err >&2; exit 4"],
                                  demux=True)
        assert code == 4
        assert output == (b"exec-out\n", b"exec-err\n")
        code, output = c.exec_run(["echo", "hello"])
        assert (code, output) == (0, b"hello\n")

        c.stop(timeout=1)
        assert direct.containers.get(c.id).attrs["State"]["Running"] is False
        # the follow stream ends when the container stops
        assert logs.done.wait(15), "logs stream did not end after stop"
        assert logs.error is None, logs.error
        nums = helpers.line_numbers(logs.lines)
        assert nums == list(range(len(nums))), nums[:50]

        c.remove()
        with pytest.raises(docker.errors.NotFound):
            direct.containers.get(c.id)

        tags = [t for img in client.images.list() for t in img.tags]
        assert "bb:latest" in tags
        assert client.images.get("bb:latest").id == direct.images.get("bb:latest").id
    finally:
        client.close()


def test_denied_call_raises_api_error_with_message(sockwall, direct):
    sw = sockwall({"CONTAINERS": "1"})
    client = sw.client()
    try:
        before = direct.containers.list(all=True)
        with pytest.raises(docker.errors.APIError) as e:
            client.containers.create("bb:latest", ["true"])
        assert e.value.response.status_code == 403
        assert "sockwall" in e.value.explanation and "POST" in e.value.explanation
        assert direct.containers.list(all=True) == before
        # the same client still works for what is allowed
        assert isinstance(client.containers.list(all=True), list)
    finally:
        client.close()
