"""500 clients at once: every task is created, polled through every state, and downloaded."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyapi_sora.testing import MockServer

CreateBody = Callable[..., dict[str, Any]]
MakeServer = Callable[..., MockServer]
TASKS = 500


@pytest.fixture
def enough_file_descriptors() -> None:
    """Both ends of 500 connections live in this process: about 1,000 descriptors."""
    if sys.platform == "win32":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * TASKS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@pytest.mark.timeout(90)
@pytest.mark.usefixtures("enough_file_descriptors")
async def test_500_tasks_created_and_polled_concurrently(
    make_server: MakeServer, create_body: CreateBody
) -> None:
    # A frozen clock moved only by advance(), so each polling round sees one known state
    # however long the rounds take on a slow machine.
    server = make_server(queue_seconds=1, processing_seconds=2, clock=lambda: 0.0)
    # One client (so one connection) per task: 500 concurrent clients, as in production.
    # A single AsyncClient with a 500-connection pool would mostly measure httpcore's pool
    # bookkeeping, which grows with pool size times queued requests.
    tls = ssl.create_default_context()  # unused on http://, but costly to make 500 times
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=server.base_url,
                    headers={"Authorization": f"Bearer {server.api_key}"},
                    verify=tls,
                    timeout=60,
                )
            )
            for _ in range(TASKS)
        ]

        async def create(client: httpx.AsyncClient, n: int) -> str:
            response = await client.post("/v1/video/create", json=create_body(prompt=f"clip {n}"))
            assert response.status_code == 200, response.text
            task_id: str = response.json()["id"]
            return task_id

        async def query_all(ids: list[str]) -> list[dict[str, Any]]:
            responses = await asyncio.gather(
                *(
                    client.get("/v1/video/query", params={"id": i})
                    for client, i in zip(clients, ids, strict=True)
                )
            )
            assert {response.status_code for response in responses} == {200}
            return [response.json() for response in responses]

        ids = await asyncio.gather(*(create(client, n) for n, client in enumerate(clients)))
        assert len(set(ids)) == TASKS

        assert {body["status"] for body in await query_all(ids)} == {"pending"}
        server.advance(2)
        processing = await query_all(ids)
        assert {body["status"] for body in processing} == {"processing"}
        server.advance(1)
        completed = await query_all(ids)
        assert {body["status"] for body in completed} == {"completed"}
        assert [body["id"] for body in completed] == ids

        downloads = await asyncio.gather(
            *(
                client.get(body["video_url"], headers={"Range": "bytes=0-1023"})
                for client, body in zip(clients, completed, strict=True)
            )
        )
        assert {response.status_code for response in downloads} == {206}
        assert {len(response.content) for response in downloads} == {1024}

    assert server.create_count == TASKS
    assert len(server.requests) == 5 * TASKS
    assert server.internal_errors == []
