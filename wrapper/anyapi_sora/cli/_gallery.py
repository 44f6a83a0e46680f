"""`index.html` in the batch folder: every prompt with its video, thumbnail and status."""

from __future__ import annotations

import html
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._journal import Record

GALLERY_NAME = "index.html"
PUBLIC_FILE_MODE = 0o644

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; background: #fafafa; color: #222; }
h1 { font-size: 1.4rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 1rem; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: .8rem; }
.card video, .card img { width: 100%; border-radius: 4px; background: #000; }
.prompt { white-space: pre-wrap; margin: .5rem 0; }
.status { display: inline-block; padding: .1rem .5rem; border-radius: 4px; font-size: .85rem; }
.downloaded { background: #d9f2dd; } .failed { background: #f9d6d5; }
.unknown, .not_created { background: #fbe9c4; } .pending { background: #e4e8f0; }
.reason { color: #a11; } .meta { color: #777; font-size: .8rem; word-break: break-all; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _href(relative: str) -> str:
    """An escaped relative URL for a file inside the folder."""
    return _e(quote(relative.replace(os.sep, "/")))


#: One card: the prompt's record, its displayed state, and its prompt text and line number
#: from the batch file (the journal knows them only for prompts that were started).
GalleryRow = tuple["Record", str, str, int]


def _card(record: Record, state: str, prompt: str, line: int) -> str:
    parts = [f'<article class="card" id="line-{_e(line)}">']
    poster = _href(record.thumbnail) if record.thumbnail else _e(record.thumbnail_url or "")
    if record.path and state == "downloaded":
        poster_attr = f' poster="{poster}"' if poster else ""
        parts.append(
            f'<video controls preload="metadata"{poster_attr} src="{_href(record.path)}"></video>'
        )
        parts.append(f'<p><a href="{_href(record.path)}">{_e(record.path)}</a></p>')
    elif poster:
        parts.append(f'<img src="{poster}" alt="thumbnail">')
    parts.append(f'<p class="prompt">{_e(prompt)}</p>')
    parts.append(f'<span class="status {_e(state)}">{_e(state)}</span>')
    reason = record.failure_reason or record.error
    if reason:
        parts.append(f'<p class="reason">{_e(reason)}</p>')
    meta = [f"line {line}"]
    if record.task_id:
        meta.append(record.task_id)
    parts.append(f'<p class="meta">{_e(" · ".join(meta))}</p>')
    parts.append("</article>")
    return "\n".join(parts)


def render_gallery(rows: Sequence[GalleryRow], *, title: str) -> str:
    """The page for `rows` of (record, displayed state, prompt, line), in batch-file order."""
    done = sum(1 for _, state, _, _ in rows if state == "downloaded")
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cards = "\n".join(_card(*row) for row in rows)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{_e(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{_e(title)}</h1>
<p>{done} of {len(rows)} videos downloaded · generated {_e(generated)} by anyapi-sora</p>
<main class="grid">
{cards}
</main>
</body>
</html>
"""


def write_gallery(folder: Path, rows: Sequence[GalleryRow], *, title: str) -> Path:
    """Write DIR/index.html atomically (a reader never sees half a page)."""
    target = folder / GALLERY_NAME
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".index.", suffix=".html.part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(render_gallery(rows, title=title))
        os.chmod(temp, PUBLIC_FILE_MODE)  # mkstemp makes it private; a gallery is for sharing
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
