"""Where the API key and base URL come from, and which base URLs are acceptable."""

from __future__ import annotations

import httpx
import pytest
from anyapi_sora import AnyAPIError
from anyapi_sora._config import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    ends_in_version,
    is_loopback_host,
    resolve_api_key,
    resolve_base_url,
    route_url,
)

pytestmark = pytest.mark.usefixtures("no_env")

KEY = "sk-config-SECRET-42"


# --------------------------------------------------------------------------- api key


def test_explicit_key_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "sk-from-env")
    assert resolve_api_key(KEY) == KEY


def test_key_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "sk-from-env")
    assert resolve_api_key(None) == "sk-from-env"


def test_key_from_the_environment_loses_a_trailing_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(API_KEY_ENV, "sk-from-file\n")
    assert resolve_api_key(None) == "sk-from-file"


@pytest.mark.parametrize("env_value", [None, "", "   "])
def test_no_key_anywhere_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env_value: str | None
) -> None:
    if env_value is not None:
        monkeypatch.setenv(API_KEY_ENV, env_value)
    with pytest.raises(AnyAPIError, match=API_KEY_ENV) as info:
        resolve_api_key(None)
    assert "api_key" in str(info.value)


def test_an_empty_explicit_key_is_refused_not_replaced_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(API_KEY_ENV, "sk-from-env")
    with pytest.raises(AnyAPIError, match=API_KEY_ENV):
        resolve_api_key("")


@pytest.mark.parametrize("bad", [f"{KEY} extra", f"{KEY}\x00", f'"{KEY}\r\nX: y"'])
def test_a_key_with_spaces_or_control_characters_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(AnyAPIError) as info:
        resolve_api_key(bad)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    assert API_KEY_ENV in str(info.value)


@pytest.mark.parametrize("bad", [KEY.encode(), 42])
def test_a_key_that_is_not_a_string_is_refused_without_echoing_it(bad: object) -> None:
    with pytest.raises(AnyAPIError, match="api_key must be a str") as info:
        resolve_api_key(bad)  # type: ignore[arg-type]
    assert KEY not in str(info.value)


# --------------------------------------------------------------------------- base url


def test_base_url_defaults_to_anyapi() -> None:
    assert resolve_base_url(None, allow_insecure_http=False) == httpx.URL(DEFAULT_BASE_URL)
    assert DEFAULT_BASE_URL == "https://www.anyapi.vip"


def test_base_url_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_URL_ENV, "https://gateway.example/")
    assert resolve_base_url(None, allow_insecure_http=False) == httpx.URL(
        "https://gateway.example/"
    )


def test_an_empty_environment_base_url_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_URL_ENV, "")
    assert resolve_base_url(None, allow_insecure_http=False) == httpx.URL(DEFAULT_BASE_URL)


def test_explicit_base_url_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BASE_URL_ENV, "https://from-env.example")
    url = resolve_base_url(httpx.URL("https://explicit.example"), allow_insecure_http=False)
    assert url.host == "explicit.example"


@pytest.mark.parametrize(
    "raw", ["", "gateway.example", "ftp://gateway.example", "https://", "http://[::1"]
)
def test_a_base_url_that_is_not_http_is_refused(raw: str) -> None:
    with pytest.raises(AnyAPIError, match="base_url"):
        resolve_base_url(raw, allow_insecure_http=False)


@pytest.mark.parametrize(
    "url", ["http://gateway.example", "http://10.0.0.5:3000", "http://localhost.evil.example"]
)
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(AnyAPIError, match="allow_insecure_http=True"):
        resolve_base_url(url, allow_insecure_http=False)


@pytest.mark.parametrize("url", ["http://gateway.example", "http://10.0.0.5:3000"])
def test_plain_http_to_a_remote_host_is_allowed_when_asked_for(url: str) -> None:
    assert resolve_base_url(url, allow_insecure_http=True) == httpx.URL(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000",
        "http://LOCALHOST",
        "http://127.0.0.1:8000",
        "http://127.8.9.10",
        "http://[::1]:8000",
        "http://api.localhost",
    ],
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert resolve_base_url(url, allow_insecure_http=False) == httpx.URL(url)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.2", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://gw.test", "https://gw.test/v1/video/query"),
        ("https://gw.test/", "https://gw.test/v1/video/query"),
        ("https://gw.test/proxy", "https://gw.test/proxy/v1/video/query"),
        ("https://gw.test/proxy/?x=1", "https://gw.test/proxy/v1/video/query"),
    ],
)
def test_routes_go_under_the_base_urls_own_path(base: str, expected: str) -> None:
    assert route_url(httpx.URL(base), "/v1/video/query") == httpx.URL(expected)


def test_credentials_in_the_base_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(AnyAPIError, match="must not contain a user name") as info:
        resolve_base_url("https://user:hunter2@gw.example.com", allow_insecure_http=False)
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    "key", ["sk-“pasted”-0123456789", "sk-0123456789—abc", "sk-ключ-0123456789"]
)
def test_a_non_ascii_key_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(AnyAPIError, match="non-ASCII") as info:
        resolve_api_key(key)
    assert key not in str(info.value)
    assert "“" not in str(info.value)
    assert info.value.problem == "key_non_ascii"  # type: ignore[attr-defined]


def test_a_non_ascii_key_never_reaches_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    from anyapi_sora import AnyAPI

    monkeypatch.setenv(API_KEY_ENV, "sk-“0123456789”")
    with pytest.raises(AnyAPIError, match="ANYAPI_API_KEY"):
        AnyAPI()


@pytest.mark.parametrize(
    "url",
    [
        "https://gw.example/?region=eu",
        "https://gw.example/proxy?token=SECRET",
        "https://gw.example/#x",
    ],
)
def test_a_base_url_with_a_query_or_fragment_is_refused(url: str) -> None:
    with pytest.raises(AnyAPIError, match="query string or fragment") as info:
        resolve_base_url(url, allow_insecure_http=False)
    assert "SECRET" not in str(info.value)
    assert info.value.problem == "base_url_query"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "versioned"),
    [
        ("https://gw.example/v1", True),
        ("https://gw.example/v1/", True),
        ("https://gw.example/proxy/V1", True),
        ("https://gw.example", False),
        ("https://gw.example/v1beta", False),
        ("https://gw.example/api", False),
    ],
)
def test_a_base_url_ending_in_v1_is_recognised(url: str, versioned: bool) -> None:
    assert ends_in_version(httpx.URL(url)) is versioned
