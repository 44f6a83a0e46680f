"""Fixtures for the mock server's own tests (the public ones come from its pytest plugin)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import MockServer

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]


@pytest.fixture
def create_body() -> CreateBody:
    """Build a complete create body, as the wrapper sends it, with fields overridden."""

    def build(**overrides: Any) -> dict[str, Any]:
        return {
            "images": [],
            "model": "sora-2",
            "orientation": "portrait",
            "prompt": "a paper boat sails across a puddle",
            "size": "small",
            "duration": 10,
            "watermark": True,
            "private": False,
            **overrides,
        }

    return build


@pytest.fixture(scope="session")
def tls() -> ssl.SSLContext:
    """One TLS context for every client: httpx spends ~40 ms loading CA certificates for
    each client that makes its own, which would dominate these tests' run time."""
    return ssl.create_default_context()


@pytest.fixture
def cdn(tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    """A client without the API key, like a browser or CDN fetching a signed file URL."""
    with httpx.Client(verify=tls) as client:
        yield client


@pytest.fixture
def connect(tls: ssl.SSLContext) -> Iterator[Connect]:
    """Open an httpx client that talks to a server with its key; closed after the test."""
    clients: list[httpx.Client] = []

    def open_client(server: MockServer, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {server.api_key}"},
            verify=tls,
            **kwargs,
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        client.close()


@pytest.fixture
def anyapi_mock_options() -> dict[str, Any]:
    # Most of these tests are about the unified format's bodies; the other dialects have
    # tests of their own (test_mock_dialects*.py), which name the dialect they test.
    return {"queue_seconds": 0.0, "processing_seconds": 0.0, "dialect": "anyapi"}


@pytest.fixture
def make_server() -> Iterator[MakeServer]:
    """Start a MockServer with the given options (dialect "anyapi" unless one is given);
    each is stopped after the test."""
    servers: list[MockServer] = []

    def make(**options: Any) -> MockServer:
        options.setdefault("dialect", "anyapi")
        server = MockServer(**options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def client(anyapi_mock: MockServer, connect: Connect) -> httpx.Client:
    """A client for the plugin's `anyapi_mock` server."""
    return connect(anyapi_mock)
