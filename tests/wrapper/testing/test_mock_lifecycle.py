"""Starting and stopping MockServer: address, key, and nothing left behind."""

from __future__ import annotations

import gc
import os
import re
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import DEFAULT_API_KEY, Fault, MockServer

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]


def _mock_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("anyapi-mock")}


def _port_accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_base_url_and_key() -> None:
    with MockServer() as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
        assert server.port > 0
        assert server.api_key == DEFAULT_API_KEY
        assert server.api_key.startswith("sk-mock-")
        assert server.env == {"ANYAPI_BASE_URL": server.base_url, "ANYAPI_API_KEY": server.api_key}
        assert server.url("/v1/video/query") == server.base_url + "/v1/video/query"


def test_api_key_is_configurable(connect: Connect, create_body: CreateBody) -> None:
    with MockServer(api_key="sk-custom") as server:
        client = connect(server)
        assert client.post("/v1/video/create", json=create_body()).status_code == 200
        default_key = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
        refused = client.post("/v1/video/create", json=create_body(), headers=default_key)
        assert refused.status_code == 401


def test_start_stop_and_close_without_context_manager() -> None:
    server = MockServer().start()
    assert server.running
    port = server.port
    assert _port_accepts(port)
    server.stop()
    assert not server.running
    assert not _port_accepts(port)
    server.close()  # a second stop is harmless


def test_a_server_starts_only_once() -> None:
    server = MockServer()
    with server, pytest.raises(RuntimeError):
        server.start()
    with pytest.raises(RuntimeError):
        server.start()


def test_base_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError, match="not been started"):
        _ = MockServer().base_url


def test_stop_leaves_no_threads_even_with_open_keep_alive_connections(
    connect: Connect, create_body: CreateBody
) -> None:
    before = _mock_threads()
    server = MockServer().start()
    # Clients that keep their connections open park a server thread in recv().
    for _ in range(5):
        assert connect(server).post("/v1/video/create", json=create_body()).status_code == 200
    assert len(_mock_threads() - before) >= 6  # the accept loop and one per connection
    server.stop()
    assert _mock_threads() - before == set()


def _serve_a_few_requests(create_body: CreateBody) -> None:
    server = MockServer().start()
    # A fresh client, not a fixture's: its sockets must be opened and closed in the count.
    with httpx.Client(headers={"Authorization": f"Bearer {server.api_key}"}) as client:
        for _ in range(3):
            response = client.post(server.url("/v1/video/create"), json=create_body())
            assert response.status_code == 200
    server.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
def test_stop_closes_every_socket(create_body: CreateBody) -> None:
    _serve_a_few_requests(create_body)  # warm up whatever httpx opens once per process
    gc.collect()  # so no earlier test's garbage is closed in the middle of the count
    baseline = len(os.listdir("/proc/self/fd"))
    _serve_a_few_requests(create_body)
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == baseline


def test_stop_cuts_a_hung_request_short(connect: Connect) -> None:
    before = _mock_threads()
    server = MockServer().start()
    server.inject("query", Fault.hang(seconds=3600))
    client = connect(server, timeout=60)
    outcome: list[object] = []

    def query() -> None:
        try:
            outcome.append(client.get("/v1/video/query", params={"id": "x"}))
        except httpx.HTTPError as error:
            outcome.append(error)

    caller = threading.Thread(target=query)
    caller.start()
    while not server.requests:
        threading.Event().wait(0.01)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    # Generous bounds, not timings: without the wake-up both would block for an hour.
    stopper.join(timeout=20)
    caller.join(timeout=20)
    assert not stopper.is_alive()
    assert not caller.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    assert _mock_threads() - before == set()


def test_the_server_is_tuned_for_many_clients_at_low_latency() -> None:
    from anyapi_sora.testing._handler import MockRequestHandler
    from anyapi_sora.testing._httpd import TrackingHTTPServer

    # Nagle plus delayed ACKs would add ~40 ms to each keep-alive request.
    assert MockRequestHandler.disable_nagle_algorithm is True
    assert MockRequestHandler.protocol_version == "HTTP/1.1"
    assert TrackingHTTPServer.request_queue_size >= 1024
    assert TrackingHTTPServer.daemon_threads is True
