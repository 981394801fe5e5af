"""One client on events, one on logs -f, a third doing short requests: none
blocks another."""

import threading
import traceback

import helpers
from helpers import request


def _event_for(ev, action, cid):
    actor = (ev.get("Actor") or {}).get("ID") or ev.get("id")
    return (ev.get("Action") or ev.get("status")) == action and actor == cid


def test_streams_and_short_requests(sockwall, direct, looper):
    sw = sockwall({"CONTAINERS": "1"})
    ev_client = sw.client()
    logs_client = sw.client(tcp=True)
    events = logs_stream = None
    try:
        # 1: events, made sure to be live with probe containers created directly
        events = ev_client.events(decode=True)
        ev = helpers.ItemReader(events, "events")
        probes = []

        def probe():
            probes.append(direct.containers.create("bb:latest", ["true"]).id)
            return any(_event_for(e, "create", p) for e in list(ev.items) for p in probes)
        helpers.wait_for(probe, 20, interval=0.5, what="the events stream to deliver")

        # 2: logs -f, made sure to be following
        logs_stream = logs_client.containers.get(looper.id).logs(stream=True, follow=True)
        logs = helpers.ChunkLines(logs_stream, "logs")
        logs.wait_line(lambda l: l == "line 0", 15, "the log backlog")
        printed = len(direct.containers.get(looper.id).logs().splitlines())
        logs.wait_line(lambda l: l == "line %d" % (printed + 1), 15, "a followed log line")

        # 3: fifty short requests while both streams are open: half on one
        # keep-alive connection (unix), half on fresh connections (tcp).
        results = []
        errors = []

        def short_requests():
            try:
                s = helpers.connect(sw.unix)
                reader = helpers.ResponseReader(s)
                for i in range(25):
                    path = "/_ping" if i % 2 else "/v1.41/containers/json"
                    s.sendall(request("GET", path))
                    r = reader.read(timeout=5)
                    assert r is not None, "keep-alive connection closed at request %d" % i
                    results.append((path, r.status))
                s.close()
                for i in range(25):
                    path = "/_ping" if i % 2 else "/v1.41/containers/json"
                    results.append((path, helpers.one(sw.tcp, "GET", path, timeout=5).status))
            except Exception:  # noqa: BLE001
                errors.append(traceback.format_exc())

        t = threading.Thread(target=short_requests, name="short")
        t.start()
        t.join(60)
        assert not t.is_alive(), "short requests blocked (%d done)" % len(results)
        assert not errors, errors
        assert len(results) == 50
        assert all(status == 200 for _, status in results), results

        assert not ev.done.is_set(), "events stream ended: %r" % ev.error
        assert not logs.done.is_set(), "logs stream ended: %r" % logs.error

        # both streams still deliver
        last = max(helpers.line_numbers(list(logs.lines)))
        logs.wait_line(lambda l: l == "line %d" % (last + 2), 15, "new log lines afterwards")
        c = direct.containers.run("bb:latest", ["sleep", "30"], detach=True)
        ev.wait_item(lambda e: _event_for(e, "start", c.id), 15, "the start event of a new container")
    finally:
        for s in (events, logs_stream):
            if s is not None:
                try:
                    s.close()
                except Exception:  # noqa: BLE001
                    pass
        ev_client.close()
        logs_client.close()


def test_two_event_streams_and_parallel_clients(sockwall, direct):
    """Eight clients in parallel, each on its own connection, while two event
    streams are open: all complete, both streams see the same new container."""
    sw = sockwall({"CONTAINERS": "1"})
    clients = [sw.client(), sw.client(tcp=True)]
    streams = [cl.events(decode=True) for cl in clients]
    try:
        readers = [helpers.ItemReader(s, "events%d" % i) for i, s in enumerate(streams)]
        probes = []

        def probe():
            probes.append(direct.containers.create("bb:latest", ["true"]).id)
            return all(any(_event_for(e, "create", p) for e in list(r.items) for p in probes)
                       for r in readers)
        helpers.wait_for(probe, 20, interval=0.5, what="both event streams to deliver")

        errors = []
        done = []

        def worker(k):
            try:
                target = sw.unix if k % 2 else sw.tcp
                for _ in range(10):
                    r = helpers.one(target, "GET", "/v1.41/containers/json?all=1", timeout=5)
                    assert r.status == 200, r
                    done.append(k)
            except Exception:  # noqa: BLE001
                errors.append(traceback.format_exc())

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "requests blocked"
        assert not errors, errors
        assert len(done) == 80

        c = direct.containers.create("bb:latest", ["true"])
        for r in readers:
            r.wait_item(lambda e: _event_for(e, "create", c.id), 15, "the create event")
    finally:
        for s in streams:
            s.close()
        for cl in clients:
            cl.close()
