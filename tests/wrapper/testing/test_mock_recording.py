"""What the server records about each request it receives."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import MockServer

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]


def test_each_request_is_recorded_with_the_key_redacted(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    task_id = client.post("/v1/video/create", json=create_body(style="comic")).json()["id"]
    client.get("/v1/video/query", params={"id": task_id})
    client.get("/elsewhere")

    create, query, unknown = anyapi_mock.requests
    assert (create.method, create.path, create.route) == ("POST", "/v1/video/create", "create")
    assert create.json == create_body(style="comic")
    assert create.headers["authorization"] == "Bearer ***"
    assert create.headers["content-type"] == "application/json"
    assert anyapi_mock.api_key not in repr(anyapi_mock.requests)
    assert (query.method, query.route, query.query) == ("GET", "query", {"id": task_id})
    assert query.body == b""
    assert query.json is None
    assert unknown.route == "unknown"


def test_a_body_that_is_not_json_is_kept_raw(anyapi_mock: MockServer, client: httpx.Client) -> None:
    client.post("/v1/video/create", content=b"not json")
    recorded = anyapi_mock.requests[-1]
    assert recorded.body == b"not json"
    assert recorded.json is None


@pytest.mark.parametrize(
    ("authorization", "recorded"),
    [("Bearer sk-secret", "Bearer ***"), ("Basic abc", "Basic ***"), ("sk-bare", "sk-bare ***")],
)
def test_any_authorization_scheme_is_redacted(
    anyapi_mock: MockServer, authorization: str, recorded: str, cdn: httpx.Client
) -> None:
    cdn.get(anyapi_mock.url("/v1/video/query"), headers={"Authorization": authorization})
    assert anyapi_mock.requests[-1].headers["authorization"] == recorded


def test_requests_can_be_cleared_and_bounded(make_server: MakeServer, connect: Connect) -> None:
    server = make_server(max_recorded_requests=3)
    client = connect(server)
    for n in range(5):
        client.get("/v1/video/query", params={"id": f"task_{n}"})
    assert [request.query["id"] for request in server.requests] == ["task_2", "task_3", "task_4"]
    server.clear_requests()
    assert server.requests == []


def test_the_requests_list_is_a_snapshot(anyapi_mock: MockServer, client: httpx.Client) -> None:
    snapshot = anyapi_mock.requests
    client.get("/v1/video/query", params={"id": "task_x"})
    assert snapshot == []
    assert len(anyapi_mock.requests) == 1


def test_requests_are_logged_at_debug_not_printed(
    anyapi_mock: MockServer,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with caplog.at_level(logging.DEBUG, logger="anyapi_sora.testing"):
        client.get("/v1/video/query", params={"id": "task_x"})
    assert any(
        "GET /v1/video/query" in record.getMessage()
        for record in caplog.records
        if record.name == "anyapi_sora.testing" and record.levelno == logging.DEBUG
    )
    assert capsys.readouterr().err == ""


def test_a_bug_in_the_mock_is_a_500_and_is_kept_for_the_test(
    anyapi_mock: MockServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise ZeroDivisionError("mock bug")

    monkeypatch.setattr(anyapi_mock._api, "respond", broken)
    response = client.get("/v1/video/query", params={"id": "task_x"})
    assert response.status_code == 500
    assert [type(error) for error in anyapi_mock.internal_errors] == [ZeroDivisionError]
