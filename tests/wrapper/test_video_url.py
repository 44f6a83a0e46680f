"""Finding the video URL: the known paths, then the bounded search that never takes a picture."""

from __future__ import annotations

import string
from typing import Any

import pytest
from anyapi_sora import TaskStatus, VideoTask, _video_url
from anyapi_sora._video_url import (
    MAX_DEPTH,
    MAX_NODES,
    THUMBNAIL_URL_PATHS,
    VIDEO_URL_PATHS,
    search_video_url,
)
from hypothesis import assume, given
from hypothesis import strategies as st

VIDEO = "https://cdn.example.com/v/abc.mp4?sig=1"


def nest(path: tuple[str, ...], value: object) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    assert isinstance(value, dict)
    return value


def completed(**fields: Any) -> VideoTask:
    return VideoTask.from_json({"id": "t", "status": "completed", **fields})


# --------------------------------------------------------------------------- known paths

# Written out, not read from the code: a path dropped or moved there fails here.
KNOWN_VIDEO_PATHS = [
    ("video_url",),
    ("detail", "url"),
    ("detail", "draft_info", "downloadable_url"),
    ("detail", "draft_info", "url"),
    ("detail", "draft_info", "encodings", "source", "path"),
    ("data", "video_url"),
    ("metadata", "url"),
]
KNOWN_THUMBNAIL_PATHS = [
    ("thumbnail_url",),
    ("detail", "thumbnail_url"),
    ("data", "thumbnail_url"),
    ("detail", "draft_info", "encodings", "thumbnail", "path"),
    ("metadata", "thumbnail_url"),
]


def test_the_known_paths_are_these() -> None:
    assert list(VIDEO_URL_PATHS) == KNOWN_VIDEO_PATHS
    assert list(THUMBNAIL_URL_PATHS) == KNOWN_THUMBNAIL_PATHS


@pytest.mark.parametrize("path", KNOWN_VIDEO_PATHS, ids=".".join)
def test_each_known_path_holds_the_video(path: tuple[str, ...]) -> None:
    for status in ("pending", "completed"):
        body = {"id": "t", "status": status, **nest(path, VIDEO)}
        assert VideoTask.from_json(body).video_url == VIDEO


def test_known_paths_are_tried_in_order() -> None:
    for index, path in enumerate(KNOWN_VIDEO_PATHS[:-1]):
        later = KNOWN_VIDEO_PATHS[index + 1]
        body: dict[str, Any] = {"id": "t", "status": "completed"}
        merge(body, nest(later, "https://later.example/v.mp4"))
        merge(body, nest(path, VIDEO))
        assert VideoTask.from_json(body).video_url == VIDEO, path


def merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


@pytest.mark.parametrize("path", KNOWN_THUMBNAIL_PATHS, ids=".".join)
def test_each_known_thumbnail_path(path: tuple[str, ...]) -> None:
    thumbnail = "https://cdn.example.com/v/abc.webp"
    task = completed(**nest(path, thumbnail))
    assert task.thumbnail_url == thumbnail
    assert task.video_url is None


@pytest.mark.parametrize(
    "junk", ["ftp://x/v.mp4", "/v/relative.mp4", "null", "https://", "see the page", 5]
)
def test_a_known_path_holds_only_an_http_url(junk: object) -> None:
    assert completed(video_url=junk).video_url is None
    assert completed(video_url=junk, detail={"url": VIDEO}).video_url == VIDEO


# --------------------------------------------------------------------------- the search

FOUND = [
    ({"output": ["https://x.example/a.mp4"]}, "https://x.example/a.mp4"),
    ({"output": "https://x.example/a"}, "https://x.example/a"),
    ({"result": {"videos": [{"url": "https://x.example/r.webm"}]}}, "https://x.example/r.webm"),
    ({"data": {"downloadUrl": "https://x.example/d?sig=1"}}, "https://x.example/d?sig=1"),
    ({"assets": {"video": "https://x.example/asset.mov"}}, "https://x.example/asset.mov"),
    ({"media": [{"type": "video", "src": "https://x.example/m"}]}, "https://x.example/m"),
    ({"response": {"files": ["https://x.example/f.MP4"]}}, "https://x.example/f.MP4"),
    ({"hd_url": "https://x.example/hd"}, "https://x.example/hd"),
    ({"mp4": "https://x.example/no-extension"}, "https://x.example/no-extension"),
    ({"MP4Url": "https://x.example/m"}, "https://x.example/m"),
    (
        # Replicate's shape: the output beats the API's own links.
        {
            "output": "https://replicate.example/o/abc",
            "urls": {"get": "https://api.example/p", "stream": "https://stream.example/s"},
        },
        "https://replicate.example/o/abc",
    ),
    ({"no_watermark_url": "https://x.example/clean"}, "https://x.example/clean"),
    ({"preview_url": "https://x.example/p.mp4"}, "https://x.example/p.mp4"),
    # A video file under a key that says nothing still beats having no video.
    ({"a": {"b": "https://x.example/v.mp4"}}, "https://x.example/v.mp4"),
    # Preferences: a video file; then a key naming the video; then the shallower.
    (
        {"url": "https://x.example/page", "clip": {"file": "https://x.example/v.mp4"}},
        "https://x.example/v.mp4",
    ),
    (
        {"link": "https://x.example/l", "download": "https://x.example/d"},
        "https://x.example/d",
    ),
    (
        {"x": {"y": {"video": "https://x.example/deep"}}, "video": "https://x.example/top"},
        "https://x.example/top",
    ),
]


@pytest.mark.parametrize(("fields", "url"), FOUND)
def test_the_search_finds_a_video_under_an_unknown_key(fields: dict[str, Any], url: str) -> None:
    assert completed(**fields).video_url == url


def test_the_search_runs_only_for_a_completed_task() -> None:
    for status in ("pending", "processing", "failed", "weird"):
        body = {"id": "t", "status": status, "output": {"video": VIDEO}}
        assert VideoTask.from_json(body).video_url is None


NEVER = [
    {"thumbnail": "https://x.example/t.mp4"},
    {"cover_url": "https://x.example/c"},
    {"video": {"cover": "https://x.example/c"}},
    {"videoPoster": "https://x.example/p"},
    {"gif_url": "https://x.example/a.gif"},
    {"output": {"gif": "https://x.example/a"}},
    {"images": ["https://x.example/1.png"]},
    {"image_url": "https://x.example/i"},
    {"url": "https://x.example/a.jpg?sig=1"},
    {"video": "https://x.example/frame.webp"},
    {"result": {"url": "https://x.example/poster.jpeg"}},
    {"preview_url": "https://x.example/p"},
    {"preview_image": "https://x.example/p.mp4"},
    {"last_frame_url": "https://x.example/f"},
    {"input": {"video_url": "https://x.example/in.mp4"}},
    {"character_url": "https://x.example/cameo.mp4"},
    {"remixed_from_video_url": "https://x.example/old.mp4"},
    {"request": {"images": ["https://x.example/ref.png"]}},
    {"reference_video": "https://x.example/ref.mp4"},
    {"callback_url": "https://my.example/hook"},
    {"share_url": "https://x.example/p/123"},
    {"audio_url": "https://x.example/a.mp3"},
    {"output": {"subtitles": "https://x.example/s.vtt"}},
    {"output": "gs://bucket/v.mp4"},
    {"user": {"profile_url": "https://x.example/u/1"}},
    {"urls": {"get": "https://api.example/v1/p/1", "cancel": "https://api.example/c"}},
    {"links": {"self": "https://api.example/v1/tasks/1"}},
    {"status_url": "https://api.example/v1/tasks/1"},
    {"docs_url": "https://x.example/docs"},
    {"video": "not a url"},
    {"video": ""},
]


@pytest.mark.parametrize("fields", NEVER)
def test_the_search_never_takes_a_picture_or_an_input(fields: dict[str, Any]) -> None:
    assert completed(**fields).video_url is None


def test_the_real_completed_body_is_found_without_its_known_paths() -> None:
    # query-completed.json's detail, with the known places removed: what is left holds
    # a gif, a thumbnail, the md encoding and the source; the search takes a video file.
    detail = {
        "gif_url": "https://cdn.example.com/preview.gif?sig=ghi",
        "thumbnail_url": "https://cdn.example.com/thumbnail.webp?sig=def",
        "input": {"images": ["https://example.com/in/first.png"]},
        "draft": {
            "encodings": {
                "thumbnail": {"path": "https://videos.example.com/thumbnail.webp?sig=pqr"},
                "md": {"path": "https://videos.example.com/md.mp4?sig=mno"},
            }
        },
    }
    assert completed(detail=detail).video_url == "https://videos.example.com/md.mp4?sig=mno"


def test_the_search_is_bounded_in_depth() -> None:
    reachable = nest(("a",) * (MAX_DEPTH - 1), VIDEO)
    assert search_video_url({"video": reachable}) == VIDEO
    too_deep = nest(("a",) * MAX_DEPTH, VIDEO)
    assert search_video_url({"video": too_deep}) is None


def nest_lists(count: int, value: object) -> list[Any]:
    for _ in range(count):
        value = [value]
    assert isinstance(value, list)
    return value


def test_a_list_is_one_level_of_the_depth_bound_like_an_object() -> None:
    reachable = nest_lists(MAX_DEPTH - 1, VIDEO)
    assert search_video_url({"video": reachable}) == VIDEO
    too_deep = nest_lists(MAX_DEPTH, VIDEO)
    assert search_video_url({"video": too_deep}) is None
    # Objects and lists count alike along one path.
    assert search_video_url({"video": nest(("a",) * (MAX_DEPTH - 3), [[VIDEO]])}) == VIDEO
    assert search_video_url({"video": nest(("a",) * (MAX_DEPTH - 2), [[VIDEO]])}) is None


def test_a_value_too_deep_to_open_does_not_end_the_search() -> None:
    # The object and the list at the bound are passed over; the URL beside them, at the
    # bound too, is still a value the search reads.
    for too_deep in ({"x": {"y": "z"}}, [["z"]]):
        beside = nest(("a",) * (MAX_DEPTH - 2), {"b": too_deep, "c": VIDEO})
        assert search_video_url({"video": beside}) == VIDEO


def test_a_key_that_is_not_a_string_is_passed_over() -> None:
    # Not JSON, but `VideoTask.from_json` takes any mapping: the keys after it still count.
    body: dict[Any, Any] = {1: "https://x.example/one.mp4", "video": VIDEO}
    assert search_video_url(body) == VIDEO
    del body["video"]
    assert search_video_url(body) is None


def test_the_search_is_bounded_in_nodes() -> None:
    crowd = [{"n": i} for i in range(MAX_NODES)]
    assert search_video_url({"items": crowd, "z": {"video": VIDEO}}) is None
    assert search_video_url({"z": {"video": VIDEO}, "items": crowd}) == VIDEO


def test_the_search_reads_exactly_max_nodes_values() -> None:
    # Read in turn: the body, the list, then the list's items; the URL comes last.
    last = [None] * (MAX_NODES - 3) + [VIDEO]
    assert search_video_url({"video": last}) == VIDEO  # value number MAX_NODES
    one_more = [None] * (MAX_NODES - 2) + [VIDEO]
    assert search_video_url({"video": one_more}) is None  # value number MAX_NODES + 1


def test_a_huge_body_is_searched_without_trouble() -> None:
    body = {"status": "completed", "id": "t", "data": [list(range(1000))] * 1000}
    body["deep"] = nest(("x",) * 5000, "y")
    task = VideoTask.from_json(body)
    assert task.video_url is None
    assert task.status is TaskStatus.COMPLETED


# --------------------------------------------------------------------------- any shape

VIDEO_KEYS = [
    "url",
    "video",
    "video_url",
    "videoUrl",
    "output",
    "outputs",
    "result",
    "results",
    "file",
    "file_url",
    "download",
    "download_url",
    "downloadURL",
    "src",
    "media",
    "asset",
    "mp4",
    "link",
    "uri",
    "play_url",
    "stream",
    "hd_url",
    "source",
]
NEUTRAL_KEYS = ["data", "payload", "response", "task", "info", "item", "extra", "meta", "detail"]
DECOY_KEYS = [
    "thumbnail",
    "thumbnail_url",
    "thumb",
    "cover",
    "coverUrl",
    "cover_image",
    "poster",
    "poster_url",
    "gif",
    "gif_url",
    "image",
    "image_url",
    "images",
    "preview_image",
    "previewImage",
    "img",
    "avatar",
]
IMAGE_EXTENSIONS = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".JPG"]

hosts = st.sampled_from(["cdn.example.com", "files.test", "bucket.oss.example.net"])
names = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
queries = st.sampled_from(["", "?sig=abc", "?se=2025-10-12&sig=x%3D", "?token=1"])


@st.composite
def urls(draw: st.DrawFn, extensions: list[str]) -> str:
    return (
        f"https://{draw(hosts)}/{draw(names)}/{draw(names)}"
        f"{draw(st.sampled_from(extensions))}{draw(queries)}"
    )


@st.composite
def video_paths(draw: st.DrawFn) -> tuple[str, ...]:
    depth = draw(st.integers(min_value=1, max_value=3))
    heads = draw(
        st.lists(
            st.sampled_from([*VIDEO_KEYS, *NEUTRAL_KEYS]), min_size=depth - 1, max_size=depth - 1
        )
    )
    return (*heads, draw(st.sampled_from(VIDEO_KEYS)))


@st.composite
def decoys(draw: st.DrawFn) -> tuple[tuple[str, ...], str]:
    """A picture: under a picture's key (any URL), or under a video key with a picture's URL."""
    depth = draw(st.integers(min_value=1, max_value=3))
    keys = draw(
        st.lists(st.sampled_from([*VIDEO_KEYS, *NEUTRAL_KEYS]), min_size=depth, max_size=depth)
    )
    if draw(st.booleans()):
        keys[draw(st.integers(min_value=0, max_value=depth - 1))] = draw(
            st.sampled_from(DECOY_KEYS)
        )
        url = draw(urls([*IMAGE_EXTENSIONS, "", ".mp4"]))
    else:
        url = draw(urls(IMAGE_EXTENSIONS))
    return tuple(keys), url


def place(body: dict[str, Any], path: tuple[str, ...], value: object, as_list: bool) -> bool:
    """Put ``value`` at ``path`` (in a one-item list if asked); False if the path is taken."""
    target = body
    for key in path[:-1]:
        child = target.setdefault(key, {})
        if not isinstance(child, dict):
            return False
        target = child
    if path[-1] in target or path[-1] in ("id", "status"):
        return False
    target[path[-1]] = [value] if as_list else value
    return True


@given(
    path=video_paths(),
    video=urls(["", ".mp4", ".mov", ".webm", ".m3u8"]),
    in_list=st.booleans(),
    pictures=st.lists(decoys(), max_size=6),
)
def test_a_video_under_any_video_key_is_found_among_pictures(
    path: tuple[str, ...], video: str, in_list: bool, pictures: list[tuple[tuple[str, ...], str]]
) -> None:
    body: dict[str, Any] = {"id": "t", "status": "completed"}
    placed = [place(body, p, url, as_list=False) for p, url in pictures]
    assume(all(placed))
    assume(place(body, path, video, as_list=in_list))
    assert VideoTask.from_json(body).video_url == video


@given(pictures=st.lists(decoys(), min_size=1, max_size=8), in_list=st.booleans())
def test_pictures_alone_never_give_a_video_url(
    pictures: list[tuple[tuple[str, ...], str]], in_list: bool
) -> None:
    body: dict[str, Any] = {"id": "t", "status": "completed"}
    assume(all([place(body, p, url, as_list=in_list) for p, url in pictures]))
    assert VideoTask.from_json(body).video_url is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | urls([".mp4"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from([*VIDEO_KEYS, *DECOY_KEYS, "x"]), children, max_size=4)
    ),
    max_leaves=20,
)


@given(output=json_values)
def test_whatever_the_search_returns_is_an_http_url_from_the_body(output: object) -> None:
    body = {"id": "t", "status": "completed", "output": output}
    url = VideoTask.from_json(body).video_url
    assert url is None or (url.startswith("https://") and url in repr(output))


@pytest.mark.parametrize("path", KNOWN_VIDEO_PATHS, ids=".".join)
def test_a_picture_at_a_known_path_is_not_the_video(path: tuple[str, ...]) -> None:
    assert completed(**nest(path, "https://cdn.example.com/v/cover.jpg?sig=1")).video_url is None
    picture_then_video = {**nest(path, "https://cdn.example.com/v/cover.PNG"), "output": VIDEO}
    assert completed(**picture_then_video).video_url == VIDEO


@pytest.mark.parametrize("key", VIDEO_KEYS)
def test_every_video_key_of_the_generator_names_a_video(key: str) -> None:
    assert completed(**{key: "https://x.example/no-extension"}).video_url is not None
    assert completed(data={key: ["https://x.example/v.mp4"]}).video_url is not None


@pytest.mark.parametrize("key", DECOY_KEYS)
def test_every_decoy_key_of_the_generator_names_a_picture(key: str) -> None:
    assert completed(**{key: "https://x.example/v.mp4"}).video_url is None
    assert completed(output={key: {"url": "https://x.example/v"}}).video_url is None


# --------------------------------------------------------------------------- the word lists

# The search's word lists, written out: each entry is checked for the job it is there for,
# so an entry dropped from the code fails its case, and one added there fails the equality.
DECOY_PREFIXES = [
    *("thumb", "cover", "poster", "gif", "image", "img", "picture", "photo", "avatar", "icon"),
    *("logo", "snapshot", "sprite", "frame", "still", "jpg", "jpeg", "png", "webp", "input"),
    *("reference", "character", "remix", "prompt", "request", "param", "callback", "webhook"),
    *("notify", "share", "permalink", "audio", "music", "sound", "voice", "subtitle"),
    *("caption", "mask"),
    # "webpage" is there too, and "webp" already covers it.
]
DECOY_WORDS = [
    *("pic", "pics", "ref", "refs", "page", "mp3", "wav", "profile", "user", "owner", "author"),
    *("creator", "account", "homepage", "website", "doc", "docs", "help", "support", "terms"),
    *("policy", "license", "log", "logs", "api", "status", "poll", "polling", "query"),
    *("cancel", "get", "self", "next", "prev"),
]
STRONG_WORDS = [
    *("video", "videos", "vid", "mp4", "movie", "clip", "download", "downloads"),
    *("downloadable", "output", "outputs", "result", "results", "media", "file", "files"),
]
WEAK_WORDS = [
    *("url", "urls", "uri", "href", "link", "links", "src", "source", "path", "location"),
    *("asset", "assets", "play", "playback", "stream", "content", "artifact", "artifacts"),
    *("generation", "generations"),
]
VIDEO_FILE_EXTENSIONS = ["mp4", "mov", "webm", "m4v", "mkv", "avi", "m3u8", "flv", "ts"]
OTHER_FILE_EXTENSIONS = [
    *("jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "ico", "heic", "heif", "avif", "tif"),
    *("tiff", "mp3", "wav", "m4a", "aac", "ogg", "flac", "json", "txt", "html", "htm", "srt"),
    *("vtt", "pdf"),
]
URL = "https://cdn.example.com/v/1"


def test_the_word_lists_are_these() -> None:
    assert set(_video_url._NOT_THE_VIDEO_PREFIXES) == {*DECOY_PREFIXES, "webpage"}
    assert set(_video_url._NOT_THE_VIDEO_WORDS) == set(DECOY_WORDS)
    assert set(_video_url._STRONG_WORDS) == set(STRONG_WORDS)
    assert set(_video_url._VIDEO_WORDS) == {*STRONG_WORDS, *WEAK_WORDS}
    assert set(_video_url.VIDEO_EXTENSIONS) == set(VIDEO_FILE_EXTENSIONS)
    assert set(_video_url._NOT_VIDEO_EXTENSIONS) == set(OTHER_FILE_EXTENSIONS)


@pytest.mark.parametrize("prefix", DECOY_PREFIXES)
def test_a_key_word_starting_with_a_decoy_prefix_is_never_searched(prefix: str) -> None:
    assert search_video_url({"output": {f"{prefix}_url": URL}}) is None
    assert search_video_url({"output": {f"{prefix}s": {"url": URL}}}) is None
    assert search_video_url({"output": {"x_url": URL}}) == URL


@pytest.mark.parametrize("word", DECOY_WORDS)
def test_a_decoy_key_word_is_never_searched(word: str) -> None:
    assert search_video_url({"output": {f"{word}_url": URL}}) is None
    assert search_video_url({"output": {f"{word}X": {"url": URL}}}) is None


@pytest.mark.parametrize("word", STRONG_WORDS + WEAK_WORDS)
def test_a_video_word_makes_its_url_a_candidate(word: str) -> None:
    assert search_video_url({word: URL}) == URL
    assert search_video_url({"zzz": URL}) is None


@pytest.mark.parametrize("word", STRONG_WORDS)
def test_a_strong_word_beats_a_weak_one(word: str) -> None:
    other = "https://cdn.example.com/v/2"
    assert search_video_url({"url": URL, word: other}) == other
    assert search_video_url({"url": URL, "link": other}) == URL


@pytest.mark.parametrize("extension", VIDEO_FILE_EXTENSIONS)
def test_a_video_file_needs_no_video_word(extension: str) -> None:
    assert search_video_url({"zzz": f"{URL}.{extension}?sig=1"}) == f"{URL}.{extension}?sig=1"
    assert search_video_url({"zzz": f"{URL}.bin"}) is None


@pytest.mark.parametrize("extension", OTHER_FILE_EXTENSIONS)
def test_a_file_that_is_not_a_video_is_never_taken(extension: str) -> None:
    assert search_video_url({"video": f"{URL}.{extension.upper()}"}) is None
    assert search_video_url({"video": f"{URL}.{extension}#t=1"}) is None


def test_the_extension_is_read_from_the_path_whatever_the_query_and_fragment_hold() -> None:
    # A query may hold a "?" of its own (RFC 3986), a fragment a "#": neither hides the file.
    assert search_video_url({"video": f"{URL}.jpg?next=/a?b=1"}) is None
    assert search_video_url({"video": f"{URL}.jpg#a#b"}) is None
    assert search_video_url({"zzz": f"{URL}.mp4?next=/a?b=1"}) == f"{URL}.mp4?next=/a?b=1"
    assert search_video_url({"zzz": f"{URL}.mp4#a#b.jpg"}) == f"{URL}.mp4#a#b.jpg"
