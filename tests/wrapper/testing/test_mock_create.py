"""POST /v1/video/create: the task it makes, and what it refuses."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from vendor_fixtures import load_fixture

if TYPE_CHECKING:
    import httpx
    from anyapi_sora.testing import MockServer

CreateBody = Callable[..., dict[str, Any]]
CREATE = "/v1/video/create"
TASK_ID = re.compile(r"^(?P<model>[^:]+):(?P<upstream>task_[0-9a-hjkmnp-tv-z]{26})$")


@pytest.mark.anyapi_mock(queue_seconds=60)
def test_create_returns_a_pending_task_shaped_like_the_real_one(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    response = client.post(CREATE, json=create_body())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body.keys() == load_fixture("create-200.json").keys()
    assert body["status"] == "pending"
    match = TASK_ID.match(body["id"])
    assert match is not None
    assert match["model"] == "sora-2"
    assert anyapi_mock.get_task(body["id"]).upstream_id == match["upstream"]
    # The time the task became pending, in Unix milliseconds, as a later query reports it.
    pending = client.get("/v1/video/query", params={"id": body["id"]}).json()
    assert pending["status"] == "pending"
    assert body["status_update_time"] == pending["status_update_time"]
    assert body["status_update_time"] > 1_700_000_000_000
    assert anyapi_mock.create_count == 1


def test_the_model_prefixes_the_id(client: httpx.Client, create_body: CreateBody) -> None:
    body = client.post(CREATE, json=create_body(model="sora-2-pro", size="large")).json()
    assert body["id"].startswith("sora-2-pro:task_")


def test_ids_are_unique_and_tasks_remember_their_request(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    ids = [
        client.post(CREATE, json=create_body(prompt=f"shot {n}")).json()["id"] for n in range(20)
    ]
    assert len(set(ids)) == 20
    assert anyapi_mock.create_count == 20
    assert [anyapi_mock.tasks[task_id].prompt for task_id in ids] == [
        f"shot {n}" for n in range(20)
    ]
    assert [anyapi_mock.tasks[task_id].index for task_id in ids] == list(range(20))


def test_unknown_fields_are_accepted_and_kept(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    extra = {"style": "anime", "storyboard": [{"prompt": "a", "seconds": 5}]}
    response = client.post(CREATE, json=create_body(**extra))

    assert response.status_code == 200
    task = anyapi_mock.get_task(response.json()["id"])
    assert task.extra == extra
    assert anyapi_mock.requests_to("create")[-1].json == create_body(**extra)


@pytest.mark.parametrize("field", ["images", "watermark", "private"])
def test_fields_the_wrapper_always_sends_may_be_left_out(
    client: httpx.Client, create_body: CreateBody, field: str
) -> None:
    body = create_body()
    del body[field]
    assert client.post(CREATE, json=body).status_code == 200


@pytest.mark.parametrize("field", ["prompt", "model", "orientation", "size", "duration"])
def test_a_missing_required_field_is_named_in_a_400(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody, field: str
) -> None:
    body = create_body()
    del body[field]
    response = client.post(CREATE, json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_request"
    assert f"'{field}'" in error["message"]
    assert anyapi_mock.create_count == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orientation", "square"),
        ("orientation", "PORTRAIT"),
        ("size", "huge"),
        ("size", "1280*720"),
        ("size", 720),
        ("duration", 0),
        ("duration", -10),
        ("duration", 10.5),
        ("duration", "10"),
        ("duration", True),
        ("images", "https://example.com/a.png"),
        ("images", [1, 2]),
        ("prompt", ""),
        ("prompt", "   "),
        ("prompt", 42),
        ("model", ""),
        ("model", "sora 2"),
        ("model", "sora-2\n"),
        ("watermark", "yes"),
        ("private", 1),
    ],
)
def test_a_bad_value_is_named_in_a_400(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody, field: str, value: Any
) -> None:
    response = client.post(CREATE, json=create_body(**{field: value}))

    assert response.status_code == 400
    assert f"'{field}'" in response.json()["error"]["message"]
    assert anyapi_mock.create_count == 0


@pytest.mark.parametrize("content", [b"{not json", b"", b"[1, 2]", b'"prompt"'])
def test_a_body_that_is_not_a_json_object_is_a_400(
    anyapi_mock: MockServer, client: httpx.Client, content: bytes
) -> None:
    response = client.post(CREATE, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert anyapi_mock.create_count == 0


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer sk-wrong", "Basic c2stbW9jaw==", "sk-mock-anyapi-sora"],
)
def test_a_missing_or_wrong_key_is_a_401_in_new_api_shape(
    anyapi_mock: MockServer, create_body: CreateBody, authorization: str | None, cdn: httpx.Client
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = cdn.post(anyapi_mock.url(CREATE), json=create_body(), headers=headers)

    assert response.status_code == 401
    expected = load_fixture("error-401-invalid-token.json")["error"]
    error = response.json()["error"]
    assert error["type"] == expected["type"] == "new_api_error"
    assert error["code"] == expected["code"] == ""
    assert re.fullmatch(r"无效的令牌 \(request id: \d{29}\)", error["message"])
    assert error["message"].endswith(f"{response.headers['x-oneapi-request-id']})")
    assert anyapi_mock.create_count == 0


def test_the_key_may_come_with_any_case_of_bearer(
    anyapi_mock: MockServer, create_body: CreateBody, cdn: httpx.Client
) -> None:
    headers = {"Authorization": f"bearer {anyapi_mock.api_key}"}
    assert cdn.post(anyapi_mock.url(CREATE), json=create_body(), headers=headers).is_success


def test_a_prompt_with_the_reject_word_is_refused_at_submit_and_not_created(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    response = client.post(CREATE, json=create_body(prompt="please REJECT this"))

    assert response.status_code == 400
    assert response.json() == load_fixture("error-400-sentinel-block.json")
    assert anyapi_mock.create_count == 0


@pytest.mark.anyapi_mock(reject_trigger=None)
def test_the_reject_word_can_be_turned_off(client: httpx.Client, create_body: CreateBody) -> None:
    assert client.post(CREATE, json=create_body(prompt="REJECT")).status_code == 200


def test_a_chunked_body_is_read(
    anyapi_mock: MockServer, client: httpx.Client, create_body: CreateBody
) -> None:
    import json

    def chunks() -> Any:
        data = json.dumps(create_body()).encode()
        yield data[:10]
        yield data[10:]

    response = client.post(CREATE, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert anyapi_mock.requests[-1].headers["transfer-encoding"] == "chunked"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", CREATE), ("POST", "/v1/video/query"), ("GET", "/"), ("POST", "/v1/videos")],
)
def test_an_unknown_route_is_an_html_404(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "404 Not Found" in response.text
