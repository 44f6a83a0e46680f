"""Request options: the caller's http_client, default and per-call headers, query and timeouts.

What reaches the wire is read off the fake gateway's recorded requests; a hung query is
timed against a real loopback server.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPI,
    APITimeoutError,
    AsyncAnyAPI,
    InvalidParameterError,
    VideoTask,
)
from anyapi_sora._http import USER_AGENT
from anyapi_sora.testing import Fault, MockServer
from client_harness import (
    API_KEY,
    BASE_URL,
    TASK_ID,
    VIDEO_URL,
    Harness,
    done_reply,
    file_reply,
    task_body,
    task_reply,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("no_env")

SECRET_HEADER_VALUE = "routing-secret-8f3a"


def own_http(api: Harness, **options: Any) -> httpx.Client | httpx.AsyncClient:
    """An httpx client of the harness's kind on its fake gateway, with `options`."""
    transport = api.gateway.transport()
    http: httpx.Client | httpx.AsyncClient
    if api.is_async:
        http = httpx.AsyncClient(transport=transport, **options)
    else:
        http = httpx.Client(transport=transport, **options)
    api._http.append(http)  # closed with the harness
    return http


def timeouts(request: httpx.Request) -> dict[str, float | None]:
    return dict(request.extensions["timeout"])


def completed() -> VideoTask:
    return VideoTask.from_json(task_body("completed", video_url=VIDEO_URL))


# --------------------------------------------------------------------------- the http_client


def test_the_http_clients_timeout_applies_when_none_is_given(api: Harness) -> None:
    client = api.make_client(http_client=own_http(api, timeout=httpx.Timeout(0.5, read=7.0)))
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    (request,) = api.gateway.query.requests
    assert timeouts(request) == {"connect": 0.5, "read": 7.0, "write": 0.5, "pool": 0.5}
    assert client.timeout == httpx.Timeout(0.5, read=7.0)


def test_a_timeout_given_to_the_client_wins_over_the_http_clients(api: Harness) -> None:
    client = api.make_client(http_client=own_http(api, timeout=0.5), timeout=120)
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    assert timeouts(api.gateway.query.requests[0])["read"] == 120.0


def test_an_http_client_left_at_httpx_default_timeout_gets_ours(api: Harness) -> None:
    # httpx.Client() without a timeout has 5 s, chosen by nobody: our 60 s applies.
    client = api.make_client(http_client=own_http(api))
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    assert timeouts(api.gateway.query.requests[0]) == {
        "connect": 10.0,
        "read": 60.0,
        "write": 60.0,
        "pool": 60.0,
    }


def test_our_user_agent_follows_the_http_clients_own(api: Harness) -> None:
    http = own_http(api, headers={"User-Agent": "acme-render/2.1", "X-Team": "video"})
    client = api.make_client(http_client=http)
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    (request,) = api.gateway.query.requests
    assert request.headers["user-agent"] == f"acme-render/2.1 {USER_AGENT}"
    assert request.headers["x-team"] == "video"
    assert http.headers["user-agent"] == "acme-render/2.1"  # the caller's client is untouched


def test_a_user_agent_changed_between_calls_is_followed(api: Harness) -> None:
    # The headers of a plain request are built once per http_client User-Agent, not once.
    http = own_http(api, headers={"User-Agent": "acme-render/2.1"})
    client = api.make_client(http_client=http)
    api.gateway.query.queue(task_reply(), task_reply(), task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    http.headers["User-Agent"] = "acme-render/3.0"
    api.videos_of(client).retrieve(TASK_ID)
    del http.headers["User-Agent"]
    api.videos_of(client).retrieve(TASK_ID)
    agents = [r.headers["user-agent"] for r in api.gateway.query.requests]
    assert agents == [f"acme-render/2.1 {USER_AGENT}", f"acme-render/3.0 {USER_AGENT}", USER_AGENT]


def test_httpx_own_user_agent_is_replaced_not_extended(api: Harness) -> None:
    api.gateway.query.queue(task_reply())
    api.videos.retrieve(TASK_ID)
    assert api.gateway.query.requests[0].headers["user-agent"] == USER_AGENT


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_http_client_timeout_bounds_a_hung_query_on_a_real_socket(mode: str) -> None:
    with MockServer(queue_seconds=0, processing_seconds=0) as server:
        server.inject("query", Fault.hang(30))
        started = time.monotonic()
        if mode == "sync":
            with httpx.Client(timeout=0.5) as http:
                client = AnyAPI(
                    server.api_key, base_url=server.base_url, http_client=http, max_retries=0
                )
                with pytest.raises(APITimeoutError):
                    client.videos.retrieve(TASK_ID)
        else:

            async def main() -> None:
                async with httpx.AsyncClient(timeout=0.5) as http:
                    client = AsyncAnyAPI(
                        server.api_key, base_url=server.base_url, http_client=http, max_retries=0
                    )
                    with pytest.raises(APITimeoutError):
                        await client.videos.retrieve(TASK_ID)

            asyncio.run(main())
        elapsed = time.monotonic() - started
    assert elapsed < 3  # loosely: the 30 s hang was cut off at about 0.5 s


# ------------------------------------------------------------------- default headers and query


def test_default_headers_and_query_go_on_every_api_request_not_to_the_file_host(
    api: Harness, tmp_path: Path
) -> None:
    client = api.make_client(
        default_headers={"X-Route": "eu-2", "X-Gateway-Key": SECRET_HEADER_VALUE},
        default_query={"group": "video", "n": 2},
    )
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos_of(client).generate("a corgi", out=tmp_path / "v.mp4", poll_interval=1)
    for request in (*api.gateway.create.requests, *api.gateway.query.requests):
        assert request.headers["x-route"] == "eu-2"
        assert request.url.params["group"] == "video"
        assert request.url.params["n"] == "2"
    assert api.gateway.query.requests[0].url.params["id"] == TASK_ID
    (file_request,) = api.gateway.files.requests
    assert "x-route" not in file_request.headers
    assert "x-gateway-key" not in file_request.headers
    assert str(file_request.url) == VIDEO_URL  # the signed URL exactly as given


def test_a_default_user_agent_gets_ours_after_it(api: Harness) -> None:
    client = api.make_client(default_headers={"user-agent": "acme/1"})
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    assert api.gateway.query.requests[0].headers["user-agent"] == f"acme/1 {USER_AGENT}"


def test_default_headers_may_replace_accept_but_never_authorization(api: Harness) -> None:
    client = api.make_client(default_headers={"Accept": "application/json; v=2"})
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    (request,) = api.gateway.query.requests
    assert request.headers["accept"] == "application/json; v=2"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


# --------------------------------------------------------------------------- per-call options

PER_CALL = {
    "extra_headers": {"X-Trace": "t-1", "User-Agent": "batch-job/3"},
    "extra_query": {"region": "us", "debug": True},
    "request_timeout": 42,
}


def _check_api_request(request: httpx.Request) -> None:
    assert request.headers["x-trace"] == "t-1"
    assert request.headers["user-agent"] == f"batch-job/3 {USER_AGENT}"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.url.params["region"] == "us"
    assert request.url.params["debug"] == "true"
    assert timeouts(request) == {"connect": 10.0, "read": 42.0, "write": 42.0, "pool": 42.0}


def test_per_call_options_reach_the_create_request(api: Harness) -> None:
    api.gateway.create.queue(task_reply())
    api.videos.create("a corgi", extra_body={"style": "anime"}, **PER_CALL)
    (request,) = api.gateway.create.requests
    _check_api_request(request)
    assert api.gateway.create_bodies()[0]["style"] == "anime"


def test_per_call_options_reach_the_query_of_retrieve(api: Harness) -> None:
    api.gateway.query.queue(task_reply())
    api.videos.retrieve(TASK_ID, **PER_CALL)
    (request,) = api.gateway.query.requests
    _check_api_request(request)
    assert request.url.params["id"] == TASK_ID


def test_per_call_options_reach_every_poll_of_wait(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing"), done_reply())
    api.videos.wait(TASK_ID, poll_interval=1, **PER_CALL)
    assert api.gateway.query.count == 2
    for request in api.gateway.query.requests:
        _check_api_request(request)


def test_a_polls_request_timeout_is_cut_to_the_deadline(api: Harness) -> None:
    api.gateway.query.queue(task_reply("processing"), done_reply())
    api.videos.wait(TASK_ID, timeout=20, poll_interval=1, request_timeout=300)
    first, second = api.gateway.query.requests
    assert timeouts(first)["read"] == 20.0  # the deadline is nearer than 300 s
    assert timeouts(second)["read"] == 19.0  # one fake second later


def test_download_uses_its_request_timeout_for_the_file_too(api: Harness, tmp_path: Path) -> None:
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos.download(TASK_ID, tmp_path / "v.mp4", **PER_CALL)
    (query,) = api.gateway.query.requests
    _check_api_request(query)
    (file_request,) = api.gateway.files.requests
    assert timeouts(file_request)["read"] == 42.0
    # The file host (another domain) gets neither the headers nor the query.
    assert "x-trace" not in file_request.headers
    assert "region" not in file_request.url.params
    assert str(file_request.url) == VIDEO_URL


def test_generate_passes_the_per_call_options_to_each_request(api: Harness, tmp_path: Path) -> None:
    api.gateway.create.queue(task_reply())
    api.gateway.query.queue(done_reply())
    api.gateway.files.queue(file_reply())
    api.videos.generate("a corgi", out=tmp_path / "v.mp4", poll_interval=1, **PER_CALL)
    for request in (*api.gateway.create.requests, *api.gateway.query.requests):
        _check_api_request(request)
    assert timeouts(api.gateway.files.requests[0])["read"] == 42.0


def test_extra_headers_win_over_default_headers(api: Harness) -> None:
    client = api.make_client(default_headers={"X-Route": "eu", "X-Keep": "1"})
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID, extra_headers={"x-route": "us"})
    (request,) = api.gateway.query.requests
    assert request.headers.get_list("x-route") == ["us"]
    assert request.headers["x-keep"] == "1"


def test_an_httpx_timeout_per_call_is_used_as_given(api: Harness) -> None:
    api.gateway.query.queue(task_reply())
    api.videos.retrieve(TASK_ID, request_timeout=httpx.Timeout(3.0, read=90.0))
    assert timeouts(api.gateway.query.requests[0]) == {
        "connect": 3.0,
        "read": 90.0,
        "write": 3.0,
        "pool": 3.0,
    }


# ------------------------------------------------------------------- refused before any request

CALLS: list[Any] = [
    pytest.param(lambda v, tmp, **o: v.create("x", **o), id="create"),
    pytest.param(lambda v, tmp, **o: v.retrieve(TASK_ID, **o), id="retrieve"),
    pytest.param(lambda v, tmp, **o: v.wait(TASK_ID, **o), id="wait"),
    pytest.param(lambda v, tmp, **o: v.download(TASK_ID, tmp / "v.mp4", **o), id="download"),
    pytest.param(lambda v, tmp, **o: v.generate("x", **o), id="generate"),
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
def test_authorization_in_extra_headers_is_refused_before_any_request(
    api: Harness, call: Callable[..., object], name: str, tmp_path: Path
) -> None:
    with pytest.raises(InvalidParameterError, match="api_key") as info:
        call(api.videos, tmp_path, extra_headers={name: "Bearer sk-other-key"})
    assert info.value.param == "extra_headers"
    assert "sk-other-key" not in str(info.value)
    assert api.gateway.requests == []


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"extra_headers": {"X-Bad": "line\r\nInjected: 1"}}, "extra_headers"),
        ({"extra_headers": {"X Bad": "v"}}, "extra_headers"),
        ({"extra_headers": {"X-Key": "caf\u00e9"}}, "extra_headers"),
        ({"extra_headers": {"X-Num": 1}}, "extra_headers"),
        ({"extra_headers": ["X-A", "b"]}, "extra_headers"),
        ({"extra_query": {"id": "other-task"}}, "extra_query"),
        ({"extra_query": {"n": float("nan")}}, "extra_query"),
        ({"extra_query": {"n": [1, 2]}}, "extra_query"),
        ({"extra_query": "a=b"}, "extra_query"),
        ({"request_timeout": 0}, "request_timeout"),
        ({"request_timeout": float("inf")}, "request_timeout"),
        ({"request_timeout": "30"}, "request_timeout"),
    ],
)
@pytest.mark.parametrize("call", CALLS)
def test_bad_request_options_are_refused_before_any_request(
    api: Harness,
    call: Callable[..., object],
    options: dict[str, Any],
    param: str,
    tmp_path: Path,
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        call(api.videos, tmp_path, **options)
    assert info.value.param == param
    assert "caf" not in str(info.value)  # header values (often secrets) are never echoed
    assert api.gateway.requests == []


@pytest.mark.parametrize("call", CALLS[:2] + CALLS[3:4])
def test_timeout_where_there_is_no_deadline_points_to_request_timeout(
    api: Harness, call: Callable[..., object], tmp_path: Path
) -> None:
    with pytest.raises(InvalidParameterError, match="request_timeout=") as info:
        call(api.videos, tmp_path, timeout=30)
    assert info.value.param == "timeout"
    assert api.gateway.requests == []


@pytest.mark.parametrize("cls", [AnyAPI, AsyncAnyAPI])
@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"default_headers": {"Authorization": "Bearer sk-other"}}, "default_headers"),
        ({"default_headers": {"X-A": "a\nb"}}, "default_headers"),
        ({"default_query": {"id": "x"}}, "default_query"),
        ({"default_query": {"": "x"}}, "default_query"),
    ],
)
def test_bad_client_defaults_are_refused_at_construction(
    cls: type[AnyAPI | AsyncAnyAPI], options: dict[str, Any], param: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        cls(API_KEY, **options)
    assert info.value.param == param
    assert "sk-other" not in str(info.value)


def test_a_retrieve_argument_that_does_not_exist_is_named(api: Harness) -> None:
    with pytest.raises(InvalidParameterError, match="extra_query") as info:
        api.videos.retrieve(TASK_ID, extra_params={"a": "b"})
    assert info.value.param == "extra_params"
    assert api.gateway.requests == []


# --------------------------------------------------------------------------- with_options


def test_with_options_changes_only_what_it_is_given(api: Harness) -> None:
    base = api.make_client(default_headers={"X-Route": "eu"}, default_query={"group": "a"})
    fast = base.with_options(timeout=5, max_retries=0, default_headers={"X-Extra": "1"})
    assert (fast.timeout.read, fast.max_retries, fast.base_url) == (5.0, 0, base.base_url)
    assert (base.timeout.read, base.max_retries) == (60.0, 2)
    api.gateway.query.queue(task_reply(), task_reply())
    api.videos_of(fast).retrieve(TASK_ID)
    api.videos_of(base).retrieve(TASK_ID)
    copied, original = api.gateway.query.requests
    assert timeouts(copied)["read"] == 5.0
    assert (copied.headers["x-route"], copied.headers["x-extra"]) == ("eu", "1")
    assert copied.url.params["group"] == "a"
    assert copied.headers["authorization"] == f"Bearer {API_KEY}"
    assert timeouts(original)["read"] == 60.0
    assert "x-extra" not in original.headers


def test_set_default_headers_replaces_and_default_headers_adds(api: Harness) -> None:
    base = api.make_client(default_headers={"X-A": "1", "X-B": "2"})
    replaced = base.with_options(set_default_headers={"X-C": "3"})
    added = base.with_options(default_headers={"x-b": "two"}, set_default_query={"q": "1"})
    api.gateway.query.queue(task_reply(), task_reply())
    api.videos_of(replaced).retrieve(TASK_ID)
    api.videos_of(added).retrieve(TASK_ID)
    first, second = api.gateway.query.requests
    assert ("x-a" in first.headers, "x-b" in first.headers, first.headers["x-c"]) == (
        False,
        False,
        "3",
    )
    assert (second.headers["x-a"], second.headers.get_list("x-b")) == ("1", ["two"])
    assert second.url.params["q"] == "1"
    with pytest.raises(InvalidParameterError, match="not both"):
        base.with_options(default_headers={"X-D": "4"}, set_default_headers={"X-E": "5"})


def test_with_options_can_change_key_and_base_url(api: Harness) -> None:
    other = api.client.with_options(api_key="sk-second", base_url=f"{BASE_URL}/tenant-b")
    api.gateway.query.queue(task_reply())
    api.videos_of(other).retrieve(TASK_ID)
    (request,) = api.gateway.query.requests
    assert request.headers["authorization"] == "Bearer sk-second"
    assert request.url.path == "/tenant-b/v1/video/query"
    assert api.client.base_url == httpx.URL(BASE_URL)
    with pytest.raises(InvalidParameterError, match="api_key"):
        api.client.with_options(default_headers={"Authorization": "Bearer x"})


def test_with_options_keeps_the_plain_http_rule(api: Harness) -> None:
    with pytest.raises(Exception, match="allow_insecure_http"):
        api.client.with_options(base_url="http://gateway.example")
    insecure = api.client.with_options(base_url="http://gateway.example", allow_insecure_http=True)
    assert insecure.base_url.scheme == "http"


def test_a_copy_shares_the_pool_and_closing_it_closes_nothing_shared(api: Harness) -> None:
    http = own_http(api)
    base = api.make_client(http_client=http)
    copy = base.copy(timeout=5)  # `copy` is with_options under openai-python's other name
    copy_of_copy = copy.with_options(max_retries=1)
    assert copy._http_client is http
    assert copy_of_copy._http_client is http
    api.close_client(copy)
    assert not http.is_closed
    api.gateway.query.queue(task_reply(), task_reply())
    api.videos_of(base).retrieve(TASK_ID)
    api.videos_of(copy_of_copy).retrieve(TASK_ID)
    with pytest.raises(Exception, match="closed"):
        api.videos_of(copy).retrieve(TASK_ID)


@pytest.mark.parametrize("cls", [AnyAPI, AsyncAnyAPI])
def test_a_copy_of_a_client_owning_its_pool_does_not_close_it(
    cls: type[AnyAPI | AsyncAnyAPI],
) -> None:
    async def close(client: AnyAPI | AsyncAnyAPI) -> None:
        result = client.close()
        if asyncio.iscoroutine(result):
            await result

    async def main() -> None:
        base = cls(API_KEY)
        copy = base.with_options(timeout=5)
        await close(copy)
        assert not base._http_client.is_closed
        await close(base)
        assert base._http_client.is_closed

    asyncio.run(main())


def test_closing_the_original_closes_the_copy_with_a_clear_error(api: Harness) -> None:
    base = api.make_client()
    copy = base.with_options(timeout=5)
    api.close_client(base)
    with pytest.raises(Exception, match="with_options") as info:
        api.videos_of(copy).retrieve(TASK_ID)
    assert type(info.value).__name__ == "ClientClosedError"
    assert api.gateway.requests == []


def test_a_copy_names_the_callers_closed_http_client_not_the_original(api: Harness) -> None:
    http = own_http(api)
    copy = api.make_client(http_client=http).with_options(timeout=5)
    api.run(http.aclose()) if isinstance(http, httpx.AsyncClient) else http.close()
    with pytest.raises(Exception, match="passed as http_client") as info:
        api.videos_of(copy).retrieve(TASK_ID)
    assert "with_options" not in str(info.value)


def test_a_copy_with_its_own_http_client_uses_it(api: Harness) -> None:
    other = own_http(api, headers={"User-Agent": "second/1"})
    copy = api.client.with_options(http_client=other)
    api.gateway.query.queue(task_reply())
    api.videos_of(copy).retrieve(TASK_ID)
    assert api.gateway.query.requests[0].headers["user-agent"] == f"second/1 {USER_AGENT}"
    assert copy._http_client is other


def test_with_options_refuses_an_http_client_of_the_wrong_kind(api: Harness) -> None:
    wrong = httpx.Client() if api.is_async else httpx.AsyncClient()
    with pytest.raises(InvalidParameterError, match="http_client"):
        api.client.with_options(http_client=wrong)  # type: ignore[arg-type]
    if isinstance(wrong, httpx.Client):
        wrong.close()
    else:
        asyncio.run(wrong.aclose())


def test_with_options_keeps_the_subclass() -> None:
    class Mine(AnyAPI):
        pass

    with Mine(API_KEY) as client:
        copy = client.with_options(timeout=3)
        assert type(copy) is Mine
        assert copy.timeout.read == 3.0
