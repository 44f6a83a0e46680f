"""`AnyAPI` / `AsyncAnyAPI`: construction, what each request carries, repr, and closing."""

from __future__ import annotations

import asyncio
import gc
import inspect
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from anyapi_sora import (
    AnyAPI,
    AnyAPIError,
    AsyncAnyAPI,
    ClientClosedError,
    InvalidParameterError,
    VideoTask,
)
from anyapi_sora._clock import SystemClock
from anyapi_sora._videos_async import AsyncVideos
from anyapi_sora._videos_sync import Videos
from anyapi_sora.testing import MockServer
from client_harness import API_KEY, BASE_URL, TASK_ID, VIDEO_URL, Harness, task_body, task_reply

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("no_env")

CLIENTS = [AnyAPI, AsyncAnyAPI]


def _close(client: AnyAPI | AsyncAnyAPI) -> None:
    if isinstance(client, AsyncAnyAPI):
        asyncio.run(client.close())
    else:
        client.close()


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("cls", CLIENTS)
def test_key_and_base_url_come_from_the_environment(
    cls: type[AnyAPI | AsyncAnyAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANYAPI_API_KEY", "sk-env")
    monkeypatch.setenv("ANYAPI_BASE_URL", "https://gateway.example/api")
    client = cls()
    try:
        assert client.base_url == httpx.URL("https://gateway.example/api")
        assert client._settings.api_key == "sk-env"
    finally:
        _close(client)


@pytest.mark.parametrize("cls", CLIENTS)
def test_default_base_url_is_anyapi(cls: type[AnyAPI | AsyncAnyAPI]) -> None:
    client = cls("sk-positional")
    try:
        assert client.base_url == httpx.URL("https://www.anyapi.vip")
        assert client.max_retries == 2
        assert isinstance(client._settings.clock, SystemClock)
    finally:
        _close(client)


@pytest.mark.parametrize("cls", CLIENTS)
def test_missing_key_fails_at_construction_naming_the_variable(
    cls: type[AnyAPI | AsyncAnyAPI],
) -> None:
    with pytest.raises(AnyAPIError, match="ANYAPI_API_KEY"):
        cls()


@pytest.mark.parametrize("cls", CLIENTS)
def test_plain_http_needs_loopback_or_an_opt_in(cls: type[AnyAPI | AsyncAnyAPI]) -> None:
    with pytest.raises(AnyAPIError, match="allow_insecure_http"):
        cls(API_KEY, base_url="http://gateway.example")
    for client in (
        cls(API_KEY, base_url="http://127.0.0.1:8080"),
        cls(API_KEY, base_url="http://gateway.example", allow_insecure_http=True),
    ):
        assert client.base_url.scheme == "http"
        _close(client)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), True, "60"])
def test_bad_timeout_is_refused(cls: type[AnyAPI | AsyncAnyAPI], timeout: Any) -> None:
    with pytest.raises(InvalidParameterError, match="timeout"):
        cls(API_KEY, timeout=timeout)


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize("max_retries", [-1, 1.5, True, "2"])
def test_bad_max_retries_is_refused(cls: type[AnyAPI | AsyncAnyAPI], max_retries: Any) -> None:
    with pytest.raises(InvalidParameterError, match="max_retries"):
        cls(API_KEY, max_retries=max_retries)


@pytest.mark.parametrize(
    ("cls", "wrong"),
    [
        (AnyAPI, httpx.AsyncClient),
        (AsyncAnyAPI, httpx.Client),
        (AnyAPI, object),
        (AsyncAnyAPI, object),
    ],
)
def test_the_wrong_kind_of_http_client_is_refused(
    cls: type[AnyAPI | AsyncAnyAPI], wrong: type[Any]
) -> None:
    http = wrong()
    try:
        with pytest.raises(InvalidParameterError, match="http_client"):
            cls(API_KEY, http_client=http)
    finally:
        if isinstance(http, httpx.AsyncClient):
            asyncio.run(http.aclose())
        elif isinstance(http, httpx.Client):
            http.close()


# --------------------------------------------------------------------------- requests


def test_api_requests_carry_the_key_and_go_under_the_base_path(api: Harness) -> None:
    client = api.make_client(base_url=f"{BASE_URL}/proxy/")
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    (request,) = api.gateway.query.requests
    assert request.url.path == "/proxy/v1/video/query"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("anyapi-sora/")


def test_a_number_timeout_applies_to_each_request_with_a_short_connect(api: Harness) -> None:
    client = api.make_client(timeout=120)
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    timeouts = api.gateway.query.requests[0].extensions["timeout"]
    assert timeouts == {"connect": 10.0, "read": 120.0, "write": 120.0, "pool": 120.0}


def test_a_short_timeout_also_shortens_connect(api: Harness) -> None:
    client = api.make_client(timeout=3)
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    assert api.gateway.query.requests[0].extensions["timeout"]["connect"] == 3.0


def test_an_httpx_timeout_is_used_as_given(api: Harness) -> None:
    client = api.make_client(timeout=httpx.Timeout(5.0, read=300.0))
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    timeouts = api.gateway.query.requests[0].extensions["timeout"]
    assert timeouts == {"connect": 5.0, "read": 300.0, "write": 5.0, "pool": 5.0}


def test_the_callers_http_client_keeps_its_own_settings(api: Harness) -> None:
    # The key goes on each API request, not on the caller's client, which stays untouched.
    http = api.http_client()
    client = api.make_client(http_client=http)
    api.gateway.query.queue(task_reply())
    api.videos_of(client).retrieve(TASK_ID)
    assert "authorization" not in http.headers
    assert api.gateway.query.count == 1


# --------------------------------------------------------------------------- repr and closing


def test_repr_shows_the_base_url_but_never_the_key(api: Harness) -> None:
    text = repr(api.client)
    assert BASE_URL in text
    assert API_KEY not in text
    assert API_KEY not in repr(api.client._settings)
    assert API_KEY not in repr(api.client.videos)


def test_close_leaves_the_callers_http_client_open(api: Harness) -> None:
    http = api.http_client()
    client = api.make_client(http_client=http)
    api.close_client(client)
    assert not http.is_closed
    api.gateway.query.queue(task_reply())
    response = api.run(http.get(f"{BASE_URL}/v1/video/query"))
    assert response.status_code == 200


def test_sync_context_manager_closes_its_own_http_client() -> None:
    with AnyAPI(API_KEY) as client:
        http = client._http
        assert not http.is_closed
    assert http.is_closed


def test_sync_context_manager_leaves_the_callers_http_client_open() -> None:
    with httpx.Client() as http:
        with AnyAPI(API_KEY, http_client=http) as client:
            assert client._http is http
        assert not http.is_closed


async def test_async_context_manager_closes_its_own_http_client() -> None:
    async with AsyncAnyAPI(API_KEY) as client:
        http = client._http
        assert not http.is_closed
    assert http.is_closed


async def test_async_context_manager_leaves_the_callers_http_client_open() -> None:
    async with httpx.AsyncClient() as http:
        async with AsyncAnyAPI(API_KEY, http_client=http) as client:
            assert client._http is http
        assert not http.is_closed


def test_context_manager_closes_even_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), AnyAPI(API_KEY) as client:
        raise RuntimeError("inside")
    assert client._http_client.is_closed


def _public(cls: type) -> set[str]:
    return {name for name in vars(cls) if not name.startswith("_")}


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


# Only an async create can outlive its caller (see AsyncAnyAPI).
ASYNC_ONLY = {"orphaned_tasks", "on_orphaned_task"}


def test_both_clients_have_the_same_shape() -> None:
    assert _public(AnyAPI) == _public(AsyncAnyAPI) - ASYNC_ONLY
    assert _public(Videos) == _public(AsyncVideos)
    assert {"create", "retrieve", "wait", "download", "generate"} <= _public(Videos)
    for name in _public(Videos):
        sync_method, async_method = getattr(Videos, name), getattr(AsyncVideos, name)
        assert _parameters(sync_method) == _parameters(async_method), name
        assert inspect.iscoroutinefunction(async_method), name
        assert not inspect.iscoroutinefunction(sync_method), name
    init = [p for p in _parameters(AnyAPI.__init__) if p[0] != "http_client"]
    assert init == [
        p
        for p in _parameters(AsyncAnyAPI.__init__)
        if p[0] != "http_client" and p[0] not in ASYNC_ONLY
    ]


def test_the_documented_signatures() -> None:
    create = inspect.signature(Videos.create).parameters
    assert create["prompt"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    defaults = {n: p.default for n, p in create.items() if p.kind is p.KEYWORD_ONLY}
    assert defaults == {
        "model": "sora-2",
        "orientation": "portrait",
        "size": "small",
        "duration": 10,
        "images": (),
        "watermark": True,
        "private": False,
        "extra_body": None,
        **REQUEST_OPTIONS,
    }
    client = inspect.signature(AnyAPI.__init__).parameters
    assert client["api_key"].default is None
    assert client["api_key"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    # timeout None: the http_client's own timeout, else 60 s (test_client_options.py).
    assert (client["timeout"].default, client["max_retries"].default) == (None, 2)
    assert (client["default_headers"].default, client["default_query"].default) == (None, None)
    wait = inspect.signature(Videos.wait).parameters
    assert (wait["timeout"].default, wait["poll_interval"].default) == (1800.0, None)
    download = inspect.signature(Videos.download).parameters
    assert download["overwrite"].default is False
    # Every method takes the request options; only wait and generate have a deadline.
    for name in ("create", "retrieve", "wait", "download", "generate"):
        parameters = inspect.signature(getattr(Videos, name)).parameters
        assert {n: parameters[n].default for n in REQUEST_OPTIONS} == REQUEST_OPTIONS, name
        assert ("timeout" in parameters) == (name in ("wait", "generate")), name


REQUEST_OPTIONS = {"extra_headers": None, "extra_query": None, "request_timeout": None}


# --------------------------------------------------------------------------- a closed client

CALLS = [
    pytest.param(lambda videos, tmp: videos.create("x"), id="create"),
    pytest.param(lambda videos, tmp: videos.retrieve(TASK_ID), id="retrieve"),
    pytest.param(lambda videos, tmp: videos.wait(TASK_ID), id="wait"),
    pytest.param(lambda videos, tmp: videos.generate("x"), id="generate"),
    pytest.param(lambda videos, tmp: videos.download(DONE, tmp / "v.mp4"), id="download"),
]
DONE = VideoTask.from_json(task_body("completed", video_url=VIDEO_URL))


@pytest.mark.parametrize("call", CALLS)
def test_a_closed_client_refuses_every_call_clearly(
    api: Harness, call: Callable[[Any, Path], object], tmp_path: Path
) -> None:
    api.close_client(api.client)
    with pytest.raises(ClientClosedError, match="closed"):
        call(api.videos, tmp_path)
    assert api.gateway.requests == []


@pytest.mark.parametrize("call", CALLS)
def test_a_closed_http_client_of_the_caller_is_named(
    api: Harness, call: Callable[[Any, Path], object], tmp_path: Path
) -> None:
    http = api.http_client()
    client = api.make_client(http_client=http)
    api.run(http.aclose()) if isinstance(http, httpx.AsyncClient) else http.close()
    with pytest.raises(ClientClosedError, match="http_client"):
        call(api.videos_of(client), tmp_path)


def test_a_closed_client_of_our_own_refuses_before_any_request() -> None:
    client = AnyAPI(API_KEY, base_url="http://127.0.0.1:9")
    client.close()
    with pytest.raises(ClientClosedError):
        client.videos.retrieve(TASK_ID)
    client.close()  # closing twice is fine


# --------------------------------------------------------------------------- event loops


# asyncio.run closes its loop but not the connections left open on it; they warn when
# collected, as they would in any program that does this.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_async_client_works_on_a_second_event_loop() -> None:
    with MockServer(queue_seconds=0, processing_seconds=0) as server:
        client = AsyncAnyAPI(server.api_key, base_url=server.base_url)
        task = asyncio.run(client.videos.create("a corgi"))
        # The first loop is closed now, and with it the connections it opened.
        assert asyncio.run(client.videos.retrieve(task.id)).succeeded
        asyncio.run(client.close())
        assert server.create_count == 1
        # Collected here, under this test's filters: the connection the second loop left
        # open would otherwise warn in whichever test the collector next runs in.
        del client
        gc.collect()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_callers_async_http_client_on_a_second_loop_is_refused_clearly() -> None:
    with MockServer(queue_seconds=0, processing_seconds=0) as server:
        http = httpx.AsyncClient()
        client = AsyncAnyAPI(server.api_key, base_url=server.base_url, http_client=http)
        task = asyncio.run(client.videos.create("a corgi"))
        with pytest.raises(AnyAPIError, match="event loop"):
            asyncio.run(client.videos.retrieve(task.id))
        del http, client
        gc.collect()


# ------------------------------------------------------------------------ an http_client with auth


@pytest.mark.parametrize(
    "options",
    [{"auth": ("user", "password")}, {"headers": {"Authorization": "Bearer sk-other"}}],
    ids=["auth", "header"],
)
@pytest.mark.parametrize("cls", CLIENTS)
def test_an_http_client_with_its_own_auth_is_refused(
    cls: type[AnyAPI | AsyncAnyAPI], options: dict[str, Any]
) -> None:
    http = httpx.AsyncClient(**options) if cls is AsyncAnyAPI else httpx.Client(**options)
    with pytest.raises(InvalidParameterError, match="authentication") as info:
        cls(API_KEY, http_client=http)  # type: ignore[arg-type]
    assert "api_key" in str(info.value)
    assert "sk-other" not in str(info.value)
