"""The files behind video_url and thumbnail_url: ranges, signatures, expiry, large bodies."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from anyapi_sora.testing import MockServer, SyntheticVideo

CreateBody = Callable[..., dict[str, Any]]
Connect = Callable[..., httpx.Client]
MakeServer = Callable[..., MockServer]


def _finished_urls(client: httpx.Client, create_body: CreateBody) -> tuple[str, str, str]:
    """Create a task, let it finish, and return (task id, video url, thumbnail url)."""
    task_id = client.post("/v1/video/create", json=create_body()).json()["id"]
    body = client.get("/v1/video/query", params={"id": task_id}).json()
    assert body["status"] == "completed"
    return task_id, body["video_url"], body["thumbnail_url"]


@pytest.fixture
def video_url(client: httpx.Client, create_body: CreateBody) -> str:
    return _finished_urls(client, create_body)[1]


def test_the_video_url_serves_the_bundled_mp4(
    anyapi_mock: MockServer, video_url: str, cdn: httpx.Client
) -> None:
    # No Authorization: like a CDN, the signature in the URL is the credential.
    response = cdn.get(video_url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["accept-ranges"] == "bytes"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content == anyapi_mock.video.read()
    assert response.content[4:8] == b"ftyp"


def test_the_thumbnail_url_serves_a_webp_image(
    client: httpx.Client, create_body: CreateBody, cdn: httpx.Client
) -> None:
    response = cdn.get(_finished_urls(client, create_body)[2])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.content[:4] == b"RIFF"
    assert response.content[8:12] == b"WEBP"


def test_head_gives_the_size_without_the_body(
    anyapi_mock: MockServer, video_url: str, cdn: httpx.Client
) -> None:
    response = cdn.head(video_url)
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == anyapi_mock.video.size
    assert response.content == b""


@pytest.mark.parametrize(
    ("range_header", "start", "stop"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=100-100", 100, 101),
        ("bytes=1000-", 1000, None),
        ("bytes=-500", -500, None),
        ("bytes=50000-9999999", 50000, None),
        ("bytes=-99999999", 0, None),
    ],
)
def test_a_single_range_gets_a_206(
    anyapi_mock: MockServer,
    video_url: str,
    range_header: str,
    start: int,
    stop: int | None,
    cdn: httpx.Client,
) -> None:
    data = anyapi_mock.video.read()
    size = len(data)
    expected = data[start:stop]
    response = cdn.get(video_url, headers={"Range": range_header})

    assert response.status_code == 206
    assert response.content == expected
    first = start % size if start < 0 else start
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert int(response.headers["content-length"]) == len(expected)


@pytest.mark.parametrize("range_header", ["bytes=99999999-", "bytes=-0"])
def test_an_unsatisfiable_range_is_a_416(
    anyapi_mock: MockServer, video_url: str, range_header: str, cdn: httpx.Client
) -> None:
    response = cdn.get(video_url, headers={"Range": range_header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{anyapi_mock.video.size}"


@pytest.mark.parametrize(
    "range_header", ["bytes=0-1,5-6", "bytes=9-3", "items=0-5", "bytes=abc", "bytes=-"]
)
def test_ranges_it_does_not_serve_get_the_whole_file(
    anyapi_mock: MockServer, video_url: str, range_header: str, cdn: httpx.Client
) -> None:
    response = cdn.get(video_url, headers={"Range": range_header})
    assert response.status_code == 200
    assert len(response.content) == anyapi_mock.video.size


def test_if_range_restarts_the_download_when_the_file_differs(
    anyapi_mock: MockServer, video_url: str, cdn: httpx.Client
) -> None:
    etag = cdn.head(video_url).headers["etag"]
    same = cdn.get(video_url, headers={"Range": "bytes=10-", "If-Range": etag})
    other = cdn.get(video_url, headers={"Range": "bytes=10-", "If-Range": '"old"'})
    assert same.status_code == 206
    assert other.status_code == 200
    assert other.content == anyapi_mock.video.read()


def test_urls_expire_and_a_new_query_gives_a_working_one(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, cdn: httpx.Client
) -> None:
    server = make_server(queue_seconds=0, processing_seconds=0, url_ttl_seconds=60)
    client = connect(server)
    task_id, video_url, thumbnail_url = _finished_urls(client, create_body)
    assert cdn.head(video_url).status_code == 200

    server.advance(61)

    for expired in (video_url, thumbnail_url):
        refused = cdn.get(expired)
        assert refused.status_code == 403
        assert "Signed expiry time has passed" in refused.text
    fresh = client.get("/v1/video/query", params={"id": task_id}).json()["video_url"]
    assert cdn.get(fresh).status_code == 200


def test_urls_without_a_ttl_never_expire(
    make_server: MakeServer, connect: Connect, create_body: CreateBody, cdn: httpx.Client
) -> None:
    server = make_server(queue_seconds=0, processing_seconds=0, url_ttl_seconds=None)
    _, video_url, _ = _finished_urls(connect(server), create_body)
    assert "se=" not in video_url
    server.advance(10 * 365 * 24 * 3600)
    assert cdn.head(video_url).status_code == 200


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return parts._replace(query=urlencode(query)).geturl()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url: _with_query(url, sig="0" * 32),
        lambda url: _with_query(url, se="2999-01-01T00:00:00Z"),
        lambda url: url.split("?")[0],
        lambda url: url.replace(".mp4?", ".webp?"),
    ],
)
def test_a_url_with_a_bad_signature_is_a_403(
    video_url: str, tamper: Callable[[str], str], cdn: httpx.Client
) -> None:
    response = cdn.get(tamper(video_url))
    assert response.status_code == 403
    assert "AuthenticationFailed" in response.text


def test_a_file_of_an_unknown_task_is_a_404(anyapi_mock: MockServer, cdn: httpx.Client) -> None:
    response = cdn.get(anyapi_mock.url("/files/task_00000000000000000000000000.mp4"))
    assert response.status_code == 404
    assert "BlobNotFound" in response.text


LARGE = 48 * 1024 * 1024 + 7


@pytest.fixture
def large_video_url(make_server: MakeServer, connect: Connect, create_body: CreateBody) -> str:
    server = make_server(queue_seconds=0, processing_seconds=0, large_video_bytes=LARGE)
    return _finished_urls(connect(server), create_body)[1]


def test_a_large_video_is_streamed_without_being_held_in_memory(
    large_video_url: str, cdn: httpx.Client
) -> None:
    digest = hashlib.sha256()
    received = 0
    tracemalloc.start()
    try:
        with cdn.stream("GET", large_video_url) as response:
            assert int(response.headers["content-length"]) == LARGE
            for chunk in response.iter_raw(chunk_size=256 * 1024):
                digest.update(chunk)
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == LARGE
    assert digest.hexdigest() == SyntheticVideo(LARGE).sha256()
    # Server and client together; a body built in memory would take the full 48 MiB.
    assert peak < 8 * 1024 * 1024


def test_a_large_video_serves_ranges(large_video_url: str, cdn: httpx.Client) -> None:
    video = SyntheticVideo(LARGE)
    start = LARGE - 100_000
    response = cdn.get(large_video_url, headers={"Range": f"bytes={start}-"})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{LARGE - 1}/{LARGE}"
    assert response.content == video.read(start)


def test_the_synthetic_video_is_deterministic_and_offset_sensitive() -> None:
    video = SyntheticVideo(1_000_000)
    assert video.read(0, 200_000) == SyntheticVideo(1_000_000).read(0, 200_000)
    assert video.read(123, 456) == video.read()[123:456]
    # Shifted by a power of two, the bytes differ: a resume at a wrong offset shows.
    assert video.read(0, 4096) != video.read(65_536, 65_536 + 4096)
    with pytest.raises(ValueError, match="size"):
        SyntheticVideo(0)
