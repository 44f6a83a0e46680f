"""index.html: every prompt, its video and thumbnail by relative path, all text escaped."""

from __future__ import annotations

import os
from html.parser import HTMLParser

from anyapi_sora.cli._gallery import render_gallery, write_gallery
from anyapi_sora.cli._journal import Record, State


class Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())

    def attrs(self, tag: str, name: str) -> list[str | None]:
        return [attributes.get(name) for t, attributes in self.tags if t == tag]


def _downloaded(**fields) -> Record:
    record = Record("k", line=1, prompt="a corgi", state=State.DOWNLOADED, task_id="sora-2:t1")
    for name, value in fields.items():
        setattr(record, name, value)
    return record


def test_a_downloaded_video_is_played_from_its_relative_path():
    record = _downloaded(path="sub dir/a #1.mp4", thumbnail="thumbnails/a #1.webp")

    page = Page(render_gallery([(record, "downloaded", "a corgi", 1)], title="t"))

    assert page.attrs("video", "src") == ["sub%20dir/a%20%231.mp4"]
    assert page.attrs("video", "poster") == ["thumbnails/a%20%231.webp"]
    assert "sub%20dir/a%20%231.mp4" in page.attrs("a", "href")
    assert "a corgi" in page.text
    assert "downloaded" in page.text
    assert "sora-2:t1" in " ".join(page.text)


def test_everything_from_prompts_and_servers_is_escaped():
    evil = '<script>alert("x")</script> & <b>'
    failed = Record(
        "k",
        line=2,
        prompt=evil,
        state=State.FAILED,
        task_id='t"><img src=x onerror=alert(1)>',
        failure_reason=evil,
        thumbnail_url='https://cdn.example/t.webp?a=1&b="><script>',
    )

    html = render_gallery([(failed, "failed", evil, 2)], title=evil)
    page = Page(html)

    assert [tag for tag, _ in page.tags].count("script") == 0
    assert "<b>" not in html
    assert page.text.count(evil) >= 3  # title, heading, prompt; reason too
    assert page.attrs("img", "src") == ['https://cdn.example/t.webp?a=1&b="><script>']
    assert page.attrs("video", "src") == []


def test_a_missing_video_is_not_linked(tmp_path):
    record = _downloaded(path="a.mp4")

    target = write_gallery(tmp_path, [(record, "completed", "a corgi", 1)], title="t")

    page = Page(target.read_text(encoding="utf-8"))
    assert page.attrs("video", "src") == []
    assert "completed" in page.text
    if os.name != "nt":
        assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_a_prompt_never_started_still_shows_its_text_and_line():
    # The journal has nothing for it (e.g. creating stopped after a rejected key).
    untouched = Record("k")

    page = Page(
        render_gallery([(untouched, "pending", 'a cat <b>bold</b> & "quoted"', 7)], title="t")
    )

    assert 'a cat <b>bold</b> & "quoted"' in page.text
    assert "line 7" in page.text
    assert ("article", {"class": "card", "id": "line-7"}) in page.tags
