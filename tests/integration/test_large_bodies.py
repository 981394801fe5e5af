"""Large response bodies (docker export, save, cp) through sockwall, byte for
byte, on one keep-alive connection that carries small requests between them.

A body that fills the 64 KiB buffer in one read goes on in a 256 KiB one for
as long as that response lasts (STREAM_BUF_SIZE in src/conn.c); the requests
after it must find the connection, and its framing, as they were."""

import hashlib

import docker

from helpers import wait_for

OPEN = {"CONTAINERS": "1", "IMAGES": "1", "ALLOW_EXPORT": "1", "ALLOW_ARCHIVE": "1"}
BIG = 8 << 20


def digest(chunks):
    h = hashlib.sha256()
    n = 0
    for chunk in chunks:
        h.update(chunk)
        n += len(chunk)
    return n, h.hexdigest()


def test_large_bodies_byte_for_byte_on_one_connection(sockwall, direct):
    sw = sockwall(OPEN)
    c = direct.containers.run("bb:latest", ["sh", "-c", "head -c %d /dev/urandom > /big" % BIG],
                              detach=True)
    assert c.wait(timeout=60)["StatusCode"] == 0
    want_export = digest(direct.api.export(c.id))
    want_cp = digest(direct.api.get_archive(c.id, "/big")[0])
    want_save = digest(direct.api.get_image("bb:latest"))
    assert want_cp[0] > BIG and want_export[0] > BIG

    api = docker.APIClient(base_url=sw.host, timeout=60)  # one pooled, kept-alive connection
    try:
        assert api.ping()
        for _ in range(2):
            assert digest(api.export(c.id)) == want_export
            assert [x["Id"] for x in api.containers(all=True, filters={"id": c.id})] == [c.id]
            stream, stat = api.get_archive(c.id, "/big")
            assert stat["size"] == BIG
            assert digest(stream) == want_cp
            assert api.version()["ApiVersion"]
            assert digest(api.get_image("bb:latest")) == want_save
        assert api.ping()
    finally:
        api.close()

    def lines():
        got = [d for d in sw.request_logs() if d.get("decision") == "allow"]
        return got if sum(d["path"].endswith("/_ping") for d in got) == 2 else None

    got = wait_for(lines, 10, what="the last request's log line")
    # Each body was counted whole in its own line; nothing was cut or merged.
    exports = [d for d in got if d["path"].endswith("/export")]
    archives = [d for d in got if "/archive" in d["path"]]
    assert len(exports) == 2 and len(archives) == 2
    assert all(d["status"] == 200 and d["bytes_out"] > want_export[0] for d in exports)
    assert all(d["status"] == 200 and d["bytes_out"] > want_cp[0] for d in archives)
