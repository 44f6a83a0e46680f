"""Reading batch files: text and JSONL lines, stable keys, and errors before any spending."""

from __future__ import annotations

import pytest
from anyapi_sora.cli._batch_input import parse_batch_text
from anyapi_sora.cli._exit_codes import UsageProblem

DEFAULTS = {
    "model": "sora-2",
    "orientation": "portrait",
    "size": "small",
    "duration": 10,
    "images": [],
    "watermark": True,
    "private": False,
    "extra_body": {"style": "comic"},
}


def test_text_and_json_lines_comments_and_blanks():
    entries = parse_batch_text(
        "# comment\n\n  a corgi surfing  \n"
        '{"prompt": "a cat", "size": "large", "images": "https://x/a.png",'
        ' "extra": {"storyboard": true}, "out": "cat"}\n',
        DEFAULTS,
    )

    corgi, cat = entries
    assert (corgi.line, corgi.prompt, corgi.out) == (3, "a corgi surfing", None)
    assert corgi.create_kwargs(DEFAULTS) == DEFAULTS
    assert (cat.line, cat.prompt, cat.out) == (4, "a cat", "cat.mp4")
    kwargs = cat.create_kwargs(DEFAULTS)
    assert kwargs["size"] == "large"
    assert kwargs["images"] == ["https://x/a.png"]
    assert kwargs["extra_body"] == {"style": "comic", "storyboard": True}
    assert corgi.default_file_name().startswith("003-a-corgi-surfing-")
    assert corgi.default_file_name().endswith(".mp4")


def test_keys_follow_the_content_not_the_position():
    before = parse_batch_text("a corgi\na cat\n", DEFAULTS)
    after = parse_batch_text("a new first line\na cat\n# note\na corgi\n", DEFAULTS)

    assert {e.prompt: e.key for e in before} == {
        e.prompt: e.key for e in after if e.prompt != "a new first line"
    }
    # The same prompt as text or as JSON is the same prompt.
    (as_json,) = parse_batch_text('{"prompt": "a corgi"}', DEFAULTS)
    assert as_json.key == before[0].key


def test_repeated_prompts_get_distinct_keys():
    entries = parse_batch_text("a corgi\na corgi\na corgi\n", DEFAULTS)

    assert len({e.key for e in entries}) == 3
    assert len({e.default_file_name() for e in entries}) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"prompt": "x", "colour": "red"}', "unknown field(s) colour; known: "),
        ("{not json", "not valid JSON"),
        ("[1]", None),  # not JSON-looking: a plain prompt
        ('{"prompt": ""}', '"prompt" must be a non-empty string'),
        ('{"prompt": "x", "size": ""}', "invalid size"),
        ('{"prompt": "x", "duration": 0}', "invalid duration"),
        ('{"prompt": "x", "images": ["ftp://x"]}', "invalid images[0]"),
        ('{"prompt": "x", "extra": {"model": "y"}}', "invalid extra_body"),
        ('{"prompt": "x", "extra": [1]}', '"extra" must be a JSON object'),
        ('{"prompt": "x", "out": "../x.mp4"}', "inside the output folder"),
        ('{"prompt": "x", "out": "/tmp/x.mp4"}', "inside the output folder"),
        ('{"prompt": "x", "out": "index.html"}', "the batch writes that itself"),
        ('{"prompt": "x", "out": 3}', '"out" must be a file name'),
        ("# nothing\n\n", "no prompts"),
    ],
)
def test_bad_lines(text, message):
    if message is None:
        assert parse_batch_text(text, DEFAULTS)[0].prompt == text
        return
    with pytest.raises(UsageProblem) as caught:
        parse_batch_text(text, DEFAULTS)
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_every_bad_line_is_reported_at_once():
    text = "\n".join(['{"prompt": "x", "size": ""}'] * 25)

    with pytest.raises(UsageProblem) as caught:
        parse_batch_text(text, DEFAULTS)

    message = str(caught.value)
    assert "line 1:" in message
    assert "line 20:" in message
    assert "and 5 more" in message


def test_two_lines_may_not_write_the_same_file():
    with pytest.raises(UsageProblem, match="also used on line 1"):
        parse_batch_text(
            '{"prompt": "a", "out": "x.mp4"}\n{"prompt": "b", "out": "X.mp4"}', DEFAULTS
        )
