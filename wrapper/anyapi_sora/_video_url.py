"""Where a task body keeps its video: the known places first, then a careful search.

Gateways put the video's URL in many places (``video_url``, ``detail.url``,
``data.video_url``, ``metadata.url``...) and new ones invent more. The known paths are
tried first, in order. When a task has succeeded and none of them holds a URL, the body
is searched, a few levels deep and lists included, for an http(s) URL under a key that
names a video, a file or a download. The search never returns a thumbnail, cover,
poster, gif or image (judged by every key on the way and by the URL's file extension),
nor an input the request echoes back (reference images, a character video).
"""

from __future__ import annotations

import re
from collections import deque
from typing import TYPE_CHECKING, Any

from ._json_readers import Path, at, http_url, is_mapping
from ._json_readers import key_words as _key_words

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["THUMBNAIL_URL_PATHS", "VIDEO_URL_PATHS", "search_video_url", "url_at_paths"]

VIDEO_URL_PATHS: tuple[Path, ...] = (
    ("video_url",),
    ("detail", "url"),
    ("detail", "draft_info", "downloadable_url"),
    ("detail", "draft_info", "url"),
    ("detail", "draft_info", "encodings", "source", "path"),
    ("data", "video_url"),
    ("metadata", "url"),
)
THUMBNAIL_URL_PATHS: tuple[Path, ...] = (
    ("thumbnail_url",),
    ("detail", "thumbnail_url"),
    ("data", "thumbnail_url"),
    ("detail", "draft_info", "encodings", "thumbnail", "path"),
    ("metadata", "thumbnail_url"),
)


def url_at_paths(
    body: Mapping[str, Any], paths: tuple[Path, ...], *, video: bool = False
) -> str | None:
    """The first http(s) URL found at one of ``paths``.

    With ``video``, a URL naming a picture or a sound file (``.jpg``, ``.gif``, ``.mp3``...)
    is passed over even there: a gateway that puts its cover in ``video_url`` before the
    video exists must not have the cover downloaded as the video.
    """
    for path in paths:
        url = http_url(at(body, path))
        if url is not None and not (video and _extension(url) in _NOT_VIDEO_EXTENSIONS):
            return url
    return None


# --- the search ---------------------------------------------------------------------------

# How far the search looks: a gateway's body is a few objects deep, and a hostile or huge
# body must not cost more than a glance.
MAX_DEPTH = 6
MAX_NODES = 500

# A key word (after splitting snake_case and camelCase) that starts with one of these means
# the value is not the output video: a picture of it, or an input the request echoed.
_NOT_THE_VIDEO_PREFIXES = (
    "thumb",
    "cover",
    "poster",
    "gif",
    "image",
    "img",
    "picture",
    "photo",
    "avatar",
    "icon",
    "logo",
    "snapshot",
    "sprite",
    "frame",
    "still",
    "jpg",
    "jpeg",
    "png",
    "webp",
    "input",
    "reference",
    "character",
    "remix",
    "prompt",
    "request",
    "param",
    "callback",
    "webhook",
    "notify",
    "share",
    "permalink",
    "webpage",
    "audio",
    "music",
    "sound",
    "voice",
    "subtitle",
    "caption",
    "mask",
)
_NOT_THE_VIDEO_WORDS = frozenset(
    {
        *("pic", "pics", "ref", "refs", "page", "mp3", "wav"),
        # people and pages: a profile, a site, the docs
        *("profile", "user", "owner", "author", "creator", "account", "homepage", "website"),
        *("doc", "docs", "help", "support", "terms", "policy", "license", "log", "logs"),
        # the API's own links (Replicate's "urls": {"get", "cancel", "stream"}, "self")
        *("api", "status", "poll", "polling", "query", "cancel", "get", "self", "next", "prev"),
    }
)
# "preview" names a picture as often as a short clip: only a video file passes under it.
_PREVIEW = "preview"
# Key words that name a file, a download or a video.
_VIDEO_WORDS = frozenset(
    {
        "url",
        "urls",
        "uri",
        "href",
        "link",
        "links",
        "output",
        "outputs",
        "video",
        "videos",
        "vid",
        "file",
        "files",
        "download",
        "downloads",
        "downloadable",
        "result",
        "results",
        "src",
        "source",
        "media",
        "path",
        "location",
        "asset",
        "assets",
        "mp4",
        "movie",
        "clip",
        "play",
        "playback",
        "stream",
        "content",
        "artifact",
        "artifacts",
        "generation",
        "generations",
    }
)
# The words among those that point at the video itself rather than at any resource.
_STRONG_WORDS = frozenset(
    {
        "video",
        "videos",
        "vid",
        "mp4",
        "movie",
        "clip",
        "download",
        "downloads",
        "downloadable",
        "output",
        "outputs",
        "result",
        "results",
        "media",
        "file",
        "files",
    }
)
VIDEO_EXTENSIONS = frozenset({"mp4", "mov", "webm", "m4v", "mkv", "avi", "m3u8", "flv", "ts"})
_NOT_VIDEO_EXTENSIONS = frozenset(
    {
        *("jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "ico", "heic", "heif", "avif"),
        *("tif", "tiff", "mp3", "wav", "m4a", "aac", "ogg", "flac", "json", "txt", "html"),
        *("htm", "srt", "vtt", "pdf"),
    }
)

_URL_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")


def _names_something_else(words: list[str]) -> bool:
    return any(w.startswith(_NOT_THE_VIDEO_PREFIXES) or w in _NOT_THE_VIDEO_WORDS for w in words)


def _extension(url: str) -> str | None:
    path = url.split("#", 1)[0].split("?", 1)[0]
    match = _URL_EXTENSION.search(path.rsplit("/", 1)[-1])
    return match.group(1).lower() if match else None


def _rank(url: str, key_words: list[list[str]], depth: int) -> tuple[int, int, int] | None:
    """How good a candidate is (higher is better), or None if it must never be picked."""
    extension = _extension(url)
    if extension in _NOT_VIDEO_EXTENSIONS:
        return None
    is_video_file = extension in VIDEO_EXTENSIONS
    words = [w for ws in key_words for w in ws]
    if _PREVIEW in words and not is_video_file:
        return None
    strong = any(w in _STRONG_WORDS for w in words)
    if not is_video_file and not any(w in _VIDEO_WORDS for w in words):
        return None
    return (int(is_video_file), int(strong), -depth)


def search_video_url(body: Mapping[str, Any]) -> str | None:
    """The most likely video URL anywhere in ``body`` (bounded), or None."""
    best: tuple[tuple[int, int, int], str] | None = None
    # Breadth first, so that on a tie the shallower (then the earlier) URL wins.
    queue: deque[tuple[object, tuple[list[str], ...], int]] = deque([(body, (), 0)])
    visited = 0
    while queue and visited < MAX_NODES:
        value, key_words, depth = queue.popleft()
        visited += 1
        if is_mapping(value):
            if depth >= MAX_DEPTH:
                continue
            for key, child in value.items():
                if not isinstance(key, str):
                    continue
                words = _key_words(key)
                if _names_something_else(words):
                    continue  # never look inside a thumbnail's or an input's object
                queue.append((child, (*key_words, words), depth + 1))
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                continue
            queue.extend((child, key_words, depth + 1) for child in value)
        elif key_words and (url := http_url(value)) is not None:
            rank = _rank(url, list(key_words), depth)
            if rank is not None and (best is None or rank > best[0]):
                best = (rank, url)
    return best[1] if best is not None else None
