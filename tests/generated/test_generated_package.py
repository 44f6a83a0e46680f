"""The generated low-level client: it imports, and it still has the gaps we work around."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import anyapi_sora_api
import httpx
import pytest
from anyapi_sora_api import AuthenticatedClient
from anyapi_sora_api.api.video import create_video, query_task
from anyapi_sora_api.models import CreateVideoBody

from vendor_fixtures import load_fixture


def test_every_module_imports_and_has_an_ascii_path() -> None:
    names = [
        m.name for m in pkgutil.walk_packages(anyapi_sora_api.__path__, "anyapi_sora_api.")
    ]
    assert "anyapi_sora_api.api.video.create_video" in names
    assert "anyapi_sora_api.api.video.query_task" in names
    for name in names:
        assert name.isascii(), name
        importlib.import_module(name)


def _client(handler: Any) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url="http://127.0.0.1:1",
        token="sk-test",
        httpx_args={"transport": httpx.MockTransport(handler)},
    )


def test_generated_create_parser_fails_on_the_real_create_response() -> None:
    """Gap 1. When this test fails, the vendor fixed its create response schema:
    remove the wrapper's own create parsing and this test."""
    real = load_fixture("create-200.json")
    client = _client(lambda request: httpx.Response(200, json=real))
    body = CreateVideoBody(
        images=[],
        model="sora-2",
        orientation="portrait",
        prompt="a corgi",
        size="small",
        duration=10,
        watermark=True,
        private=False,
    )
    with pytest.raises(KeyError, match="object"):
        create_video.sync_detailed(client=client, body=body)


def test_query_sends_no_multipart_body_and_takes_auth_from_the_client() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=load_fixture("query-completed.json"))

    client = _client(handler)
    response = query_task.sync_detailed(client=client, id="sora-2:task_01k9")
    assert response.status_code == 200
    (request,) = seen
    assert request.url.params["id"] == "sora-2:task_01k9"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert "content-type" not in request.headers
    assert request.content == b""


def test_create_body_keeps_fields_the_spec_does_not_know() -> None:
    body = CreateVideoBody.from_dict(
        {
            "images": [],
            "model": "sora-2",
            "orientation": "portrait",
            "prompt": "p",
            "size": "small",
            "duration": 10,
            "watermark": True,
            "private": False,
            "style": "anime",
        }
    )
    assert json.loads(json.dumps(body.to_dict()))["style"] == "anime"
