"""Errors, faults, expiring file URLs and ranges in every dialect: the same failures, in
the shape each gateway sends them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import DIALECTS, Fault, MockServer
from mock_dialects import CREATE, QUERY, VIDEO_URL, create, query

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]

SATURATED = "当前分组上游负载已饱和，请稍后再试"  # noqa: RUF001
# dialects/vectorengine-error-body.json, the whole body
EMPTY_ID_BODY = {"id": "", "status": "error", "error": SATURATED}
TASK_ROUTE_429 = {"code": "upstream_error", "message": SATURATED, "data": None}
OPENAI_STYLE = ("openai-video", "newapi-video")


def _finished(server: MockServer, client: httpx.Client, body: dict[str, Any]) -> tuple[str, str]:
    task_id, _ = create(client, server.dialect, body)
    return task_id, VIDEO_URL[server.dialect](query(client, task_id))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("status", [500, 429, 200])
def test_saturated_is_the_empty_id_body_and_creates_nothing(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    dialect: str,
    status: int,
) -> None:
    server = make_server(dialect=dialect)
    client = connect(server)
    server.inject("create", Fault.saturated(status=status))

    refused = client.post(CREATE, json=create_body())

    assert refused.status_code == status
    assert refused.json() == EMPTY_ID_BODY
    assert server.create_count == 0
    create(client, dialect, create_body())
    assert server.create_count == 1


def test_saturated_defaults_to_500_and_checks_its_status() -> None:
    assert Fault.saturated().status == 500
    for status in (100, 302, 600):
        with pytest.raises(ValueError, match="saturated"):
            Fault.saturated(status=status)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("retry_after", [None, 2])
def test_a_rate_limited_create_comes_in_the_dialects_shape(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    dialect: str,
    retry_after: int | None,
) -> None:
    server = make_server(dialect=dialect)
    client = connect(server)
    server.inject("create", Fault.rate_limited(retry_after=retry_after))

    response = client.post(CREATE, json=create_body())

    assert response.status_code == 429
    assert response.headers.get("retry-after") == (None if retry_after is None else "2")
    body = response.json()
    if dialect in OPENAI_STYLE:
        assert SATURATED in body["error"]["message"]
        assert body["error"]["code"] == "rate_limit_exceeded"
    elif dialect == "veo-upsample":
        assert body == EMPTY_ID_BODY
    else:
        assert body == TASK_ROUTE_429
    assert server.create_count == 0


@pytest.mark.parametrize("dialect", ["veo-upsample", "newapi-task"])
def test_a_rate_limited_query_is_a_task_route_429(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, dialect: str
) -> None:
    server = make_server(dialect=dialect)
    client = connect(server)
    task_id, _ = create(client, dialect, create_body())
    server.inject("query", Fault.rate_limited())
    response = client.get(QUERY, params={"id": task_id})
    assert response.status_code == 429
    assert response.json() == TASK_ROUTE_429


@pytest.mark.parametrize("dialect", DIALECTS)
def test_bad_key_quota_bad_input_and_a_blocked_prompt_in_every_dialect(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, dialect: str
) -> None:
    server = make_server(dialect=dialect)
    client = connect(server)
    server.inject("create", Fault.insufficient_quota())

    quota = client.post(CREATE, json=create_body())
    bad_key = client.post(CREATE, json=create_body(), headers={"Authorization": "Bearer sk-no"})
    no_prompt = client.post(CREATE, json=create_body(prompt=None))
    blocked = client.post(CREATE, json=create_body(prompt="please REJECT"))

    assert [r.status_code for r in (quota, bad_key, no_prompt, blocked)] == [403, 401, 400, 400]
    assert server.create_count == 0
    if dialect == "newapi-task":
        # Every error as {code, message, data: null} (dialects/error-newapi-*.json)
        for response in (quota, bad_key, no_prompt, blocked):
            assert set(response.json()) == {"code", "message", "data"}
            assert response.json()["data"] is None
        assert quota.json()["code"] == "insufficient_user_quota"
        assert "无效的令牌" in bad_key.json()["message"]
        assert "'prompt'" in no_prompt.json()["message"]
        # The upstream's refusal is passed on with its raw body as the message.
        assert blocked.json()["code"] == "fail_to_fetch_task"
        assert json.loads(blocked.json()["message"])["error"]["code"] == "sentinel_block"
    else:
        assert quota.json()["error"]["code"] == "insufficient_user_quota"
        assert "无效的令牌" in bad_key.json()["error"]["message"]
        assert "'prompt'" in no_prompt.json()["error"]["message"]
        assert blocked.json()["error"]["code"] == "sentinel_block"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("route", ["create", "query"])
def test_a_server_error_comes_in_the_dialects_shape(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    dialect: str,
    route: str,
) -> None:
    server = make_server(dialect=dialect)
    client = connect(server)
    task_id, _ = create(client, dialect, create_body())
    server.inject("create" if route == "create" else "query", Fault.server_error(502))

    if route == "create":
        response = client.post(CREATE, json=create_body())
    else:
        response = client.get(QUERY, params={"id": task_id})

    assert response.status_code == 502
    body = response.json()
    if dialect != "newapi-task":
        assert body["error"]["code"] == "bad_response_status_code"
    elif route == "create":
        assert body["code"] == "do_request_failed"
        assert body["data"] is None
    else:
        # dialects/error-newapi-fail-to-fetch-task-500.json: the message is itself JSON.
        assert body["code"] == "fail_to_fetch_task"
        assert json.loads(body["message"])["error"]["message"]
    assert server.create_count == 1


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_unknown_task_is_task_not_exist_in_every_dialect(
    make_server: MakeServer, connect: Connect, dialect: str
) -> None:
    client = connect(make_server(dialect=dialect))
    response = client.get(QUERY, params={"id": "sora-2:task_doesnotexist"})
    assert response.status_code == 400
    assert response.json() == {"code": "task_not_exist", "message": "task_not_exist", "data": None}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_urls_expire_and_a_new_query_signs_them_again_in_every_dialect(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    cdn: httpx.Client,
    dialect: str,
) -> None:
    server = make_server(dialect=dialect, queue_seconds=0, processing_seconds=0, url_ttl_seconds=60)
    client = connect(server)
    task_id, video_url = _finished(server, client, create_body())
    assert cdn.head(video_url).status_code == 200

    server.advance(61)

    refused = cdn.get(video_url)
    assert refused.status_code == 403
    assert "Signed expiry time has passed" in refused.text
    fresh = VIDEO_URL[dialect](query(client, task_id))
    assert fresh != video_url
    assert cdn.get(fresh).content == server.video.read()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_ranges_and_a_cut_download_work_in_every_dialect(
    make_server: MakeServer,
    connect: Connect,
    create_body: CreateBody,
    cdn: httpx.Client,
    dialect: str,
) -> None:
    server = make_server(dialect=dialect, queue_seconds=0, processing_seconds=0)
    client = connect(server)
    _, video_url = _finished(server, client, create_body())
    server.inject("download", Fault.truncated_body(at_byte=1000))

    with pytest.raises(httpx.RemoteProtocolError):
        cdn.get(video_url)
    rest = cdn.get(video_url, headers={"Range": "bytes=1000-"})

    assert rest.status_code == 206
    assert rest.content == server.video.read()[1000:]
    assert (
        rest.headers["content-range"] == f"bytes 1000-{server.video.size - 1}/{server.video.size}"
    )


def test_mixed_answers_errors_in_the_dialect_of_the_task_concerned(
    make_server: MakeServer, connect: Connect, create_body: CreateBody
) -> None:
    server = make_server(dialect="mixed")
    client = connect(server)
    ids = [create(client, DIALECTS[i], create_body())[0] for i in range(4)]
    # The next task would be veo-upsample's, whose refused create has an empty id.
    server.inject("create", Fault.rate_limited())
    assert client.post(CREATE, json=create_body()).json() == EMPTY_ID_BODY
    # A query is answered in the dialect of the task it names.
    server.inject("query", Fault.server_error(500))
    newapi_task = client.get(QUERY, params={"id": ids[DIALECTS.index("newapi-task")]})
    assert newapi_task.json()["code"] == "fail_to_fetch_task"
    server.inject("query", Fault.server_error(500))
    anyapi = client.get(QUERY, params={"id": ids[0]})
    assert anyapi.json()["error"]["code"] == "bad_response_status_code"
    # A refused create made nothing, so the next create still gets veo-upsample.
    task_id, _ = create(client, "veo-upsample", create_body())
    assert server.get_task(task_id).dialect == "veo-upsample"
