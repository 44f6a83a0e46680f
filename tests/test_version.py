"""The version is written once (wrapper/anyapi_sora/_version.py) and read everywhere else."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import anyapi_sora
import httpx
import pytest
from anyapi_sora import AnyAPI
from anyapi_sora._http import USER_AGENT

ROOT = Path(__file__).resolve().parents[1]
# PEP 440 public versions: 0.1.0, 0.2.0rc1, 1.0.0.post1 ...
PEP_440 = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")


def test_the_installed_distribution_the_package_and_the_user_agent_agree() -> None:
    installed = importlib.metadata.version("anyapi-sora")
    assert anyapi_sora.__version__ == installed, (
        "the installed metadata is stale: reinstall (pip install -e .) after changing "
        "wrapper/anyapi_sora/_version.py"
    )
    assert PEP_440.fullmatch(installed)
    assert f"anyapi-sora/{installed}" == USER_AGENT


def test_requests_carry_the_versioned_user_agent() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "t1", "status": "pending"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with http, AnyAPI("sk-test", base_url="https://gw.test", http_client=http) as client:
        client.videos.retrieve("t1")
    assert seen[0].headers["user-agent"] == f"anyapi-sora/{anyapi_sora.__version__}"


def test_pyproject_takes_the_version_from_the_package() -> None:
    pyproject = ROOT / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not run from a source tree")
    text = pyproject.read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]', text, re.MULTILINE)
    assert not re.search(r"^version\s*=", text, re.MULTILINE)  # no second copy
    assert 'path = "wrapper/anyapi_sora/_version.py"' in text
