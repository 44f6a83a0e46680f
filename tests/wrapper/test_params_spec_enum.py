"""A regenerated spec can close a value the library keeps open: say so before any request.

When a new vendor spec turns `orientation` (or `size`, `model`) into an enum, the generated
request model refuses values outside it with a bare ValueError from inside its `from_dict`.
The library turns that into InvalidParameterError naming the field, before anything is sent.
"""

from __future__ import annotations

import enum
from typing import Any

import httpx
import pytest
from anyapi_sora import AnyAPI, InvalidParameterError
from anyapi_sora_api.models import CreateVideoBody


class Orientation(str, enum.Enum):
    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"


@pytest.fixture
def orientation_is_an_enum(monkeypatch: pytest.MonkeyPatch) -> None:
    """What openapi-python-client generates for `orientation: {enum: [portrait, landscape]}`."""
    original = CreateVideoBody.from_dict.__func__  # type: ignore[attr-defined]

    def from_dict(cls: type[CreateVideoBody], src: dict[str, Any]) -> CreateVideoBody:
        body = original(cls, src)
        body.orientation = Orientation(src["orientation"])  # type: ignore[assignment]
        return body

    monkeypatch.setattr(CreateVideoBody, "from_dict", classmethod(from_dict))


def test_a_value_the_spec_now_closes_is_refused_before_any_request(
    orientation_is_an_enum: None,
) -> None:
    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    client = AnyAPI(api_key="sk-test-0123456789", http_client=httpx.Client(transport=transport))

    with pytest.raises(InvalidParameterError) as info:
        client.videos.create("a corgi", orientation="square")

    assert info.value.param == "orientation"
    assert "'square'" in str(info.value)
    assert "the API's spec" in str(info.value)
    assert sent == []
