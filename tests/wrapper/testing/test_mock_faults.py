"""Injected faults: each kind, on each route, and what they do to billing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import Fault, FaultKind, FaultPlan, MockServer
from vendor_fixtures import load_fixture

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]
CREATE = "/v1/video/create"
QUERY = "/v1/video/query"


def _finished_task(client: httpx.Client, create_body: CreateBody) -> tuple[str, str]:
    task_id = client.post(CREATE, json=create_body()).json()["id"]
    video_url = client.get(QUERY, params={"id": task_id}).json()["video_url"]
    return task_id, video_url


@pytest.mark.parametrize("retry_after", [None, 3])
def test_rate_limited_is_a_429_that_creates_nothing(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody, retry_after: int | None
) -> None:
    anyapi_mock.inject("create", Fault.rate_limited(retry_after=retry_after))
    response = client.post(CREATE, json=create_body())

    assert response.status_code == 429
    assert response.json() == load_fixture("error-429-upstream-saturated.json")
    if retry_after is None:
        assert "retry-after" not in response.headers
    else:
        assert response.headers["retry-after"] == "3"
    assert anyapi_mock.create_count == 0
    assert client.post(CREATE, json=create_body()).status_code == 200  # only once by default
    assert anyapi_mock.create_count == 1


def test_insufficient_quota_is_a_403_that_creates_nothing(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    anyapi_mock.inject("create", Fault.insufficient_quota())
    response = client.post(CREATE, json=create_body())
    assert response.status_code == 403
    expected = load_fixture("error-403-insufficient-quota.json")["error"]
    assert response.json()["error"]["code"] == expected["code"]
    assert response.json()["error"]["type"] == expected["type"]
    assert anyapi_mock.create_count == 0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_as_an_html_page(
    anyapi_mock: MockServer, client: httpx.Client, status: int
) -> None:
    anyapi_mock.inject("query", Fault.server_error(status, html=True))
    response = client.get(QUERY, params={"id": "sora-2:task_x"})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{status} " in response.text


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_as_json(anyapi_mock: MockServer, client: httpx.Client, status: int) -> None:
    anyapi_mock.inject("query", Fault.server_error(status))
    response = client.get(QUERY, params={"id": "sora-2:task_x"})
    assert response.status_code == status
    assert response.json()["error"]["code"] == "bad_response_status_code"


@pytest.mark.parametrize(("after_create", "created"), [(False, 0), (True, 1)])
def test_a_create_server_error_bills_only_after_create(
    anyapi_mock: MockServer,
    client: httpx.Client,
    create_body: CreateBody,
    after_create: bool,
    created: int,
) -> None:
    anyapi_mock.inject("create", Fault.server_error(502, after_create=after_create))
    assert client.post(CREATE, json=create_body()).status_code == 502
    assert anyapi_mock.create_count == created


def test_hang_trips_a_client_read_timeout(
    anyapi_mock: MockServer, connect: Connect, create_body: CreateBody
) -> None:
    # An hour: the fixture's stop() must cut it short, or teardown would hang.
    anyapi_mock.inject("create", Fault.hang(seconds=3600))
    client = connect(anyapi_mock, timeout=httpx.Timeout(5.0, read=0.2))
    with pytest.raises(httpx.ReadTimeout):
        client.post(CREATE, json=create_body())
    assert anyapi_mock.create_count == 0


def test_hang_before_create_then_drops_the_connection_without_a_task(
    anyapi_mock: MockServer, connect: Connect, create_body: CreateBody
) -> None:
    anyapi_mock.inject("create", Fault.hang(seconds=0.05))
    client = connect(anyapi_mock, timeout=30)
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CREATE, json=create_body())
    assert anyapi_mock.create_count == 0


def test_hang_after_create_answers_late_with_the_real_response(
    anyapi_mock: MockServer, connect: Connect, create_body: CreateBody
) -> None:
    anyapi_mock.inject("create", Fault.hang(seconds=0.05, after_create=True))
    response = connect(anyapi_mock, timeout=30).post(CREATE, json=create_body())
    assert response.status_code == 200
    assert anyapi_mock.get_task(response.json()["id"])
    assert anyapi_mock.create_count == 1


@pytest.mark.parametrize(("after_create", "created"), [(False, 0), (True, 1)])
def test_disconnect_sends_nothing(
    anyapi_mock: MockServer,
    client: httpx.Client,
    create_body: CreateBody,
    after_create: bool,
    created: int,
) -> None:
    anyapi_mock.inject("create", Fault.disconnect(after_create=after_create))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CREATE, json=create_body())
    assert anyapi_mock.create_count == created
    # The client's pool recovers with a new connection.
    assert client.post(CREATE, json=create_body()).status_code == 200


def test_truncated_create_response_means_the_task_exists(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    anyapi_mock.inject("create", Fault.truncated_body())
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CREATE, json=create_body())
    assert anyapi_mock.create_count == 1


def test_truncated_query_response(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    task_id = client.post(CREATE, json=create_body()).json()["id"]
    anyapi_mock.inject("query", Fault.truncated_body(at_byte=10))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(QUERY, params={"id": task_id})
    assert client.get(QUERY, params={"id": task_id}).status_code == 200


def _download_until_cut(cdn: httpx.Client, url: str) -> bytes:
    received = bytearray()
    with cdn.stream("GET", url) as response:
        assert response.status_code == 200
        try:
            for chunk in response.iter_raw():
                received += chunk
        except httpx.RemoteProtocolError:
            return bytes(received)
    raise AssertionError("the download was not cut")


def test_a_cut_download_can_be_resumed_with_range(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody, cdn: httpx.Client
) -> None:
    _, video_url = _finished_task(client, create_body)
    anyapi_mock.inject("download", Fault.truncated_body(at_byte=20_000))
    received = _download_until_cut(cdn, video_url)
    assert len(received) == 20_000
    rest = cdn.get(video_url, headers={"Range": f"bytes={len(received)}-"})
    assert rest.status_code == 206
    assert received + rest.content == anyapi_mock.video.read()


@pytest.mark.parametrize(("after_create", "created"), [(False, 0), (True, 1)])
def test_malformed_json(
    anyapi_mock: MockServer,
    client: httpx.Client,
    create_body: CreateBody,
    after_create: bool,
    created: int,
) -> None:
    anyapi_mock.inject("create", Fault.malformed_json(after_create=after_create))
    response = client.post(CREATE, json=create_body())
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert anyapi_mock.create_count == created


def test_times_fails_exactly_that_many_requests(
    anyapi_mock: MockServer, client: httpx.Client
) -> None:
    rule = anyapi_mock.inject("query", Fault.server_error(503, html=True), times=2)
    statuses = [client.get(QUERY, params={"id": "task_x"}).status_code for _ in range(4)]
    assert statuses == [503, 503, 400, 400]
    assert rule.fired == 2
    assert rule.exhausted


def test_rate_is_reproducible_with_a_seed(make_server: MakeServer, connect: Connect) -> None:
    def statuses(seed: int) -> list[int]:
        server = make_server(seed=seed)
        server.inject("query", Fault.rate_limited(), rate=0.3)
        client = connect(server)
        return [client.get(QUERY, params={"id": "task_x"}).status_code for _ in range(40)]

    first = statuses(seed=3)
    assert first == statuses(seed=3)
    assert 0 < first.count(429) < 40
    assert set(first) == {400, 429}


def test_rate_one_always_and_rate_zero_never(anyapi_mock: MockServer, client: httpx.Client) -> None:
    anyapi_mock.inject("query", Fault.server_error(500), rate=0.0)
    anyapi_mock.inject("query", Fault.server_error(502), rate=1.0, times=3)
    statuses = [client.get(QUERY, params={"id": "task_x"}).status_code for _ in range(4)]
    assert statuses == [502, 502, 502, 400]


def test_faults_apply_to_their_route_only_unless_any(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody, cdn: httpx.Client
) -> None:
    task_id, video_url = _finished_task(client, create_body)
    anyapi_mock.inject("download", Fault.server_error(503), times=5)
    assert client.get(QUERY, params={"id": task_id}).status_code == 200
    assert cdn.get(video_url).status_code == 503
    anyapi_mock.clear_faults()

    anyapi_mock.inject("any", Fault.rate_limited(), times=3)
    assert client.post(CREATE, json=create_body()).status_code == 429
    assert client.get(QUERY, params={"id": task_id}).status_code == 429
    assert cdn.get(video_url).status_code == 429
    assert client.get(QUERY, params={"id": task_id}).status_code == 200


def test_rules_are_checked_in_order(anyapi_mock: MockServer, client: httpx.Client) -> None:
    anyapi_mock.inject("query", Fault.server_error(500))
    anyapi_mock.inject("query", Fault.server_error(502))
    statuses = [client.get(QUERY, params={"id": "task_x"}).status_code for _ in range(3)]
    assert statuses == [500, 502, 400]


def test_unknown_routes_are_never_faulted(anyapi_mock: MockServer, client: httpx.Client) -> None:
    anyapi_mock.inject("any", Fault.server_error(500))
    assert client.get("/nowhere").status_code == 404
    assert anyapi_mock.faults.rules[0].fired == 0


def test_the_recorded_request_names_its_fault(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    fault = Fault.rate_limited(retry_after=1)
    anyapi_mock.inject("create", fault)
    client.post(CREATE, json=create_body())
    client.post(CREATE, json=create_body())
    assert [request.fault for request in anyapi_mock.requests_to("create")] == [fault, None]
    assert fault.kind is FaultKind.RATE_LIMITED


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Fault.server_error(404), "5xx"),
        (lambda: Fault.hang(-1), "seconds"),
        (lambda: Fault.truncated_body(at_byte=-1), "at_byte"),
    ],
)
def test_fault_arguments_are_checked(build: Callable[[], Fault], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    ("route", "times", "rate", "message"),
    [
        ("delete", None, None, "route"),
        ("query", 0, None, "times"),
        ("query", None, 1.5, "rate"),
    ],
)
def test_rule_arguments_are_checked(
    route: Any, times: int | None, rate: float | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        FaultPlan().add(route, Fault.disconnect(), times=times, rate=rate)
