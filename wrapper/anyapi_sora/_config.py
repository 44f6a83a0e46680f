"""Where the API key and base URL come from, and what makes them acceptable."""

from __future__ import annotations

import functools
import ipaddress
import os

import httpx

from ._exceptions import AnyAPIError

API_KEY_ENV = "ANYAPI_API_KEY"
BASE_URL_ENV = "ANYAPI_BASE_URL"
DEFAULT_BASE_URL = "https://www.anyapi.vip"

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class ConfigurationError(AnyAPIError):
    """The API key or base URL is unusable. `problem` names which rule it broke.

    The command line words its own message from `problem` (its options are not the
    library's arguments), so the library's wording can change freely.
    """

    problem: str

    def __init__(self, message: str, *, problem: str) -> None:
        self.problem = problem
        super().__init__(message)


def resolve_api_key(api_key: str | None) -> str:
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is not None and not isinstance(key, str):
        # Said without the value: bytes read from a key file would be the key itself.
        raise ConfigurationError(
            f"api_key must be a str, not {type(key).__name__}", problem="key_type"
        )
    if key is None or not key.strip():
        raise ConfigurationError(
            f"No API key: pass api_key=... or set the {API_KEY_ENV} environment variable.",
            problem="no_key",
        )
    key = key.strip()
    if any(ch.isspace() for ch in key) or not key.isprintable():
        # Checked here so that httpx's header error (which quotes the value) never fires.
        raise ConfigurationError(
            "The API key contains spaces or control characters; "
            f"check api_key or {API_KEY_ENV} for a stray newline or quote.",
            problem="key_spaces",
        )
    if not key.isascii():
        # An HTTP header cannot carry it: httpx would fail with a UnicodeEncodeError deep in
        # the first request. Usually a curly quote or dash pasted along with the key.
        raise ConfigurationError(
            "The API key contains a non-ASCII character (often a curly quote or dash pasted "
            f"with it); check api_key or {API_KEY_ENV}.",
            problem="key_non_ascii",
        )
    return key


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | httpx.URL | None, *, allow_insecure_http: bool) -> httpx.URL:
    raw = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    try:
        url = httpx.URL(str(raw).strip())
    except httpx.InvalidURL as exc:
        raise ConfigurationError(
            f"Invalid base_url {str(raw)!r}: {exc}", problem="base_url_invalid"
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(
            f"Invalid base_url {str(raw)!r}: expected an http(s) URL such as {DEFAULT_BASE_URL}",
            problem="base_url_invalid",
        )
    if url.userinfo:
        # Credentials in the URL would show up in every log line and repr that names it.
        raise ConfigurationError(
            "base_url must not contain a user name or password; pass the key as api_key=",
            problem="base_url_userinfo",
        )
    if url.query or url.fragment:
        # Every route is built on the base URL's path alone: a query or fragment would be
        # dropped without a word, and a signed or routed URL would silently stop working.
        # Not echoed whole: a query may carry a token.
        bare = str(url.copy_with(query=None, fragment=None))
        raise ConfigurationError(
            f"base_url must not contain a query string or fragment (after {bare!r}); "
            f"give the gateway's root URL such as {DEFAULT_BASE_URL}",
            problem="base_url_query",
        )
    if url.scheme == "http" and not allow_insecure_http and not is_loopback_host(url.host):
        # The bearer key would cross the network in clear text.
        raise ConfigurationError(
            f"Refusing plain-http base_url {str(url)!r}: the API key would be sent unencrypted. "
            "Use https, or pass allow_insecure_http=True if you really mean it.",
            problem="insecure_http",
        )
    return url


def ends_in_version(url: httpx.URL) -> bool:
    """True for a base URL whose path ends in /v1: the routes add /v1 themselves.

    An OpenAI habit (`https://host/v1`) that makes every request go to /v1/v1/... and
    fail with a bare 404; used for the hint that goes with such a 404.
    """
    return url.path.rstrip("/").lower().endswith("/v1")


# Every request asks for one of two URLs; building one parses it again (~15 us a call).
@functools.lru_cache(maxsize=64)
def route_url(base_url: httpx.URL, route: str) -> httpx.URL:
    """``route`` (an absolute path from the spec) under ``base_url``'s own path, if any."""
    return base_url.copy_with(path=base_url.path.rstrip("/") + route, query=None)
