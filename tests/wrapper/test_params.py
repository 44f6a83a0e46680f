"""`build_create_body`: the request body create sends, and every argument it refuses."""

from __future__ import annotations

import logging
from typing import Any

import anyapi_sora_api.models as generated_models
import pytest
from anyapi_sora import InvalidParameterError, _params
from anyapi_sora._params import CREATE_OPTIONS, build_create_body, reject_unknown_options
from hypothesis import given
from hypothesis import strategies as st

DEFAULTS: dict[str, Any] = {
    "model": "sora-2",
    "orientation": "portrait",
    "size": "small",
    "duration": 10,
    "images": (),
    "watermark": True,
    "private": False,
    "extra_body": None,
}


def body(prompt: object = "a corgi surfing", **overrides: Any) -> dict[str, Any]:
    return build_create_body(prompt, **{**DEFAULTS, **overrides}).to_dict()


def refused(prompt: object = "a corgi surfing", **overrides: Any) -> InvalidParameterError:
    with pytest.raises(InvalidParameterError) as info:
        build_create_body(prompt, **{**DEFAULTS, **overrides})
    return info.value


def test_defaults_fill_every_field_the_gateway_requires() -> None:
    assert body() == {
        "prompt": "a corgi surfing",
        "model": "sora-2",
        "orientation": "portrait",
        "size": "small",
        "duration": 10,
        "images": [],
        "watermark": True,
        "private": False,
    }


def test_every_named_option_reaches_the_body() -> None:
    sent = body(
        "city at night",
        model="sora-2-pro",
        orientation="landscape",
        size="large",
        duration=25,
        images=("https://example.com/a.png", "http://example.com/b.jpg?x=1"),
        watermark=False,
        private=True,
    )
    assert sent == {
        "prompt": "city at night",
        "model": "sora-2-pro",
        "orientation": "landscape",
        "size": "large",
        "duration": 25,
        "images": ["https://example.com/a.png", "http://example.com/b.jpg?x=1"],
        "watermark": False,
        "private": True,
    }


def test_model_and_duration_combinations_are_left_to_the_gateway() -> None:
    assert body(model="sora-2", duration=25, size="large")["duration"] == 25
    assert body(model="veo3-fast", duration=8)["model"] == "veo3-fast"


def test_extra_body_fields_pass_through_unchanged() -> None:
    extra = {
        "style": "anime",
        "character_url": "https://example.com/c.mp4",
        "character_timestamps": "1,3",
        "storyboard": [{"prompt": "x"}],
    }
    sent = body(extra_body=extra)
    assert {k: sent[k] for k in extra} == extra
    assert sent["prompt"] == "a corgi surfing"


@pytest.mark.parametrize("name", [*CREATE_OPTIONS, "prompt"])
def test_extra_body_cannot_override_a_named_argument(name: str) -> None:
    error = refused(extra_body={name: "sneaky"})
    assert error.param == "extra_body"
    assert f"{name}=" in str(error)


@pytest.mark.parametrize("extra", [["style", "anime"], "style=anime", {1: "x"}])
def test_extra_body_must_be_a_dict_with_string_keys(extra: object) -> None:
    assert refused(extra_body=extra).param == "extra_body"


@pytest.mark.parametrize(
    "value", [object(), float("nan"), float("inf"), {"nested": {1, 2}}, b"bytes"]
)
def test_extra_body_values_must_fit_in_json(value: object) -> None:
    error = refused(extra_body={"style": value})
    assert error.param == "extra_body['style']"
    assert "JSON" in str(error)


@pytest.mark.parametrize("prompt", ["", "   \n\t", None, 42, b"bytes"])
def test_prompt_must_be_non_empty_text(prompt: object) -> None:
    error = refused(prompt)
    assert error.param == "prompt"
    assert "prompt" in str(error)


@pytest.mark.parametrize("model", ["", "  ", None, 2, "sora 2", "sora-2\n"])
def test_model_must_be_named(model: object) -> None:
    assert refused(model=model).param == "model"


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each unfamiliar value is warned about once per process; start every test afresh.
    monkeypatch.setattr(_params, "_warned_values", set())


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "anyapi_sora" and r.levelno == logging.WARNING
    ]


@pytest.mark.parametrize(
    ("name", "value", "known"),
    [
        ("size", "medium", "'small', 'large'"),
        ("size", "1280x720", "'small', 'large'"),
        ("size", "1080p", "'small', 'large'"),
        ("orientation", "square", "'portrait', 'landscape'"),
        ("orientation", "Portrait", "'portrait', 'landscape'"),
        ("model", "veo3-fast", "'sora-2', 'sora-2-pro'"),
    ],
)
@pytest.mark.usefixtures("fresh_warnings")
def test_an_unfamiliar_value_is_sent_as_given_with_one_warning(
    name: str, value: str, known: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    assert body(**{name: value})[name] == value
    assert body(**{name: value})[name] == value
    (warning,) = warnings_of(caplog)
    assert f"{name}={value!r}" in warning
    assert known in warning
    assert "sending it as given" in warning


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("size", "small"),
        ("size", "large"),
        ("orientation", "portrait"),
        ("orientation", "landscape"),
        *(("model", m) for m in _params.MODELS),
    ],
)
@pytest.mark.usefixtures("fresh_warnings")
def test_a_documented_value_is_sent_without_a_warning(
    name: str, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    assert body(**{name: value})[name] == value
    assert warnings_of(caplog) == []


@pytest.mark.usefixtures("fresh_warnings")
def test_each_unfamiliar_value_gets_its_own_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    body(size="medium")
    body(size="1280x720")
    body(size="medium", orientation="square")
    assert len(warnings_of(caplog)) == 3


@pytest.mark.usefixtures("fresh_warnings")
def test_a_refused_call_warns_about_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="anyapi_sora")
    refused(size="medium", watermark="yes")
    assert warnings_of(caplog) == []


@pytest.mark.parametrize("name", ["orientation", "size"])
@pytest.mark.parametrize("value", ["", "   ", None, 1, 1.5, True, ["small"], "small\n", "a\x00b"])
def test_open_values_must_still_be_printable_text(name: str, value: object) -> None:
    error = refused(**{name: value})
    assert isinstance(error, ValueError)
    assert error.param == name
    assert name in str(error)


@given(
    st.text(min_size=1).filter(lambda t: t.strip() and t.isprintable()),
    st.sampled_from(["size", "orientation"]),
)
def test_any_printable_size_or_orientation_is_sent_as_given(value: str, name: str) -> None:
    assert body(**{name: value})[name] == value


def test_the_body_is_built_through_the_generated_from_dict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A spec that made a field an enum would have from_dict convert it; the constructor
    # would take the plain string and break to_dict.
    seen: list[dict[str, Any]] = []
    original = generated_models.CreateVideoBody

    class Spy(original):  # type: ignore[misc, valid-type]
        @classmethod
        def from_dict(cls, src_dict: Any) -> Any:
            seen.append(dict(src_dict))
            return original.from_dict(src_dict)

    monkeypatch.setattr(generated_models, "CreateVideoBody", Spy)
    sent = body(extra_body={"style": "anime"})
    assert seen == [sent]
    assert all(type(v) in (str, int, bool, list) for v in seen[0].values())


@pytest.mark.parametrize("duration", [0, -10, 10.0, 10.5, "10", True, False, None])
def test_duration_must_be_a_positive_int(duration: object) -> None:
    error = refused(duration=duration)
    assert error.param == "duration"
    assert "positive" in str(error)


@given(st.integers(min_value=1, max_value=10**6))
def test_any_positive_duration_is_accepted(duration: int) -> None:
    assert body(duration=duration)["duration"] == duration


@given(st.integers(max_value=0))
def test_no_non_positive_duration_is_accepted(duration: int) -> None:
    assert refused(duration=duration).param == "duration"


@pytest.mark.parametrize(
    "images", ["https://example.com/a.png", b"https://example.com/a.png", None, 3, {"a": 1}]
)
def test_images_must_be_a_list(images: object) -> None:
    error = refused(images=images)
    assert error.param == "images"
    assert "list of http(s) URLs" in str(error)
    assert "data:image/" in str(error)


@pytest.mark.parametrize(
    ("images", "bad_index"),
    [
        (["ftp://example.com/a.png"], 0),
        (["https://example.com/a.png", "/local/file.png"], 1),
        (["https://example.com/a.png", "https://"], 1),
        (["data:text/plain,hello"], 0),
        (["data:image/png;base64,"], 0),
        (["data:image/png;base64,AA AA"], 0),
        (["data:,AAAA"], 0),
        (["https://example.com/a b.png"], 0),
        (["https://example.com/a.png\n"], 0),
        ([None], 0),
        ([b"https://example.com/a.png"], 0),
    ],
)
def test_each_image_must_be_an_http_url(images: list[object], bad_index: int) -> None:
    error = refused(images=images)
    assert error.param == f"images[{bad_index}]"
    assert "http(s) URL" in str(error)


def test_data_image_urls_are_accepted() -> None:
    images = ["data:image/png;base64,iVBORw0KGgo=", "DATA:image/svg+xml;charset=utf-8,%3Csvg%3E"]
    assert body(images=images)["images"] == images


@given(st.text().filter(lambda t: not t.lower().startswith(("http://", "https://", "data:image/"))))
def test_no_string_that_is_not_an_http_url_is_taken_as_an_image(text: str) -> None:
    assert refused(images=[text]).param == "images[0]"


@pytest.mark.parametrize("name", ["watermark", "private"])
@pytest.mark.parametrize("value", [1, 0, "true", None])
def test_flags_must_be_bools(name: str, value: object) -> None:
    assert refused(**{name: value}).param == name


def test_unknown_options_are_named_with_the_known_ones_and_the_way_out() -> None:
    with pytest.raises(InvalidParameterError) as info:
        reject_unknown_options({"style": "anime", "aspect": "9:16"}, CREATE_OPTIONS)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.param == "aspect"
    text = str(error)
    assert "aspect, style" in text
    for name in CREATE_OPTIONS:
        assert name in text
    assert "extra_body=" in text


def test_no_unknown_options_is_fine() -> None:
    reject_unknown_options({}, CREATE_OPTIONS)
