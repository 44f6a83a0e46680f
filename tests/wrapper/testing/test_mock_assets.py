"""The bundled sample video and thumbnail are real, valid media files."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from importlib import resources
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ASSETS = resources.files("anyapi_sora.testing").joinpath("assets")
# Boxes that only hold other boxes, on the paths this test walks.
CONTAINERS = {b"moov", b"trak", b"mdia"}


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each ISO-BMFF box in data[start:end], failing on a bad size."""
    end = len(data) if end is None else end
    offset = start
    while offset < end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        assert header <= size <= end - offset, f"box {kind!r} at {offset} overruns its parent"
        yield kind, data[offset + header : offset + size]
        offset += size


def _child(payload: bytes, kind: bytes) -> bytes:
    return next(body for found, body in _boxes(payload) if found == kind)


def _sample() -> bytes:
    return ASSETS.joinpath("sample.mp4").read_bytes()


def test_sample_mp4_box_structure() -> None:
    data = _sample()
    assert 10_000 < len(data) < 200_000  # a few tens of KB
    top = [kind for kind, _ in _boxes(data)]
    assert top[0] == b"ftyp"
    assert b"moov" in top
    assert b"mdat" in top
    # Faststart: the index comes before the media, so players can start while downloading.
    assert top.index(b"moov") < top.index(b"mdat")

    ftyp = dict(_boxes(data))[b"ftyp"]
    assert ftyp[:4] in {b"isom", b"mp42", b"mp41"}


def test_sample_mp4_lasts_a_few_seconds_with_video_and_audio() -> None:
    moov = dict(_boxes(_sample()))[b"moov"]
    mvhd = _child(moov, b"mvhd")
    if mvhd[0] == 1:
        timescale, duration = struct.unpack_from(">IQ", mvhd, 20)
    else:
        timescale, duration = struct.unpack_from(">II", mvhd, 12)
    assert 3.5 <= duration / timescale <= 4.5

    handlers = set()
    for kind, trak in _boxes(moov):
        if kind == b"trak":
            hdlr = _child(_child(trak, b"mdia"), b"hdlr")
            handlers.add(hdlr[8:12])
    assert handlers == {b"vide", b"soun"}


def test_the_box_parser_rejects_a_truncated_file() -> None:
    with pytest.raises(AssertionError, match="overruns"):
        list(_boxes(_sample()[:5000]))


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
def test_ffprobe_reads_the_sample_as_h264_and_aac() -> None:
    with resources.as_file(ASSETS.joinpath("sample.mp4")) as path:
        result = subprocess.run(
            [
                "ffprobe", "-v", "error", "-of", "json",
                "-show_entries", "format=duration:stream=codec_type,codec_name,width,height",
                str(path),
            ],
            capture_output=True, check=True, text=True, timeout=30,
        )  # fmt: skip
    probe = json.loads(result.stdout)
    assert float(probe["format"]["duration"]) == pytest.approx(4.0, abs=0.1)
    streams = {stream["codec_type"]: stream for stream in probe["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert (streams["video"]["width"], streams["video"]["height"]) == (180, 320)
    assert streams["audio"]["codec_name"] == "aac"


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_ffmpeg_decodes_every_frame_without_error() -> None:
    with resources.as_file(ASSETS.joinpath("sample.mp4")) as path:
        result = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 0
    assert result.stderr == ""


def test_thumbnail_is_a_webp_image() -> None:
    data = ASSETS.joinpath("thumbnail.webp").read_bytes()
    riff, size, webp = struct.unpack_from("<4sI4s", data)
    assert (riff, webp) == (b"RIFF", b"WEBP")
    assert size == len(data) - 8
    assert data[12:16] in {b"VP8 ", b"VP8L", b"VP8X"}


def test_the_assets_readme_records_how_they_were_made() -> None:
    readme = ASSETS.joinpath("README.md").read_text(encoding="utf-8")
    assert "ffmpeg" in readme
    assert "sample.mp4" in readme
    assert "thumbnail.webp" in readme
