"""Files a batch keeps in its output folder besides the videos: thumbnails, stale temps."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from ._gallery import PUBLIC_FILE_MODE

if TYPE_CHECKING:
    from .._models import VideoTask

logger = logging.getLogger("anyapi_sora")

THUMBNAIL_FOLDER = "thumbnails"
_THUMBNAIL_SUFFIXES = frozenset({".webp", ".jpg", ".jpeg", ".png", ".gif"})


async def fetch_thumbnail(
    http: httpx.AsyncClient | None, folder: Path, task: VideoTask, file: str
) -> str | None:
    """Save the thumbnail next to the videos; None (the gallery links the URL) on failure."""
    url = task.thumbnail_url
    if not url or http is None:
        return None
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix not in _THUMBNAIL_SUFFIXES:
        suffix = ".jpg"
    relative = PurePosixPath(THUMBNAIL_FOLDER) / PurePosixPath(file).with_suffix(suffix)
    target = folder / relative
    try:
        response = await http.get(url)
        response.raise_for_status()
        _write_atomically(target, response.content)
    except (httpx.HTTPError, OSError) as exc:
        logger.warning("task %s: could not save the thumbnail (%s)", task.id, exc)
        return None
    return str(relative)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(target.stat().st_mode):
            # A FIFO or a device someone put there is never replaced.
            raise FileExistsError(f"{target} is there and is not a regular file")
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temp, PUBLIC_FILE_MODE)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_stale_temp_files(folder: Path) -> None:
    """Temp files left by a run that was killed mid-download.

    The caller holds the folder's lock, so no other batch is writing them.
    """
    for temp in folder.rglob(".*.part"):
        with contextlib.suppress(OSError):
            temp.unlink()
