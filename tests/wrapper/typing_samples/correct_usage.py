"""A user's script that uses the library as documented: `mypy --strict` finds nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from anyapi_sora import AnyAPI, AnyAPIError, AsyncAnyAPI, VideoTask


def show(task: VideoTask) -> None:
    print(task.status, task.progress)


def render(client: AnyAPI, prompt: str, wide: bool) -> Path | None:
    orientation: Literal["portrait", "landscape"] = "landscape" if wide else "portrait"
    try:
        task = client.videos.generate(
            prompt,
            model="sora-2-pro",
            orientation=orientation,
            size="large",
            duration=15,
            images=["https://example.com/ref.png"],
            watermark=False,
            private=True,
            extra_body={"style": "anime"},
            out="videos/",
            timeout=900,
            poll_interval=5,
            on_progress=show,
        )
    except AnyAPIError as error:
        print(error)
        return None
    print(task.id, task.video_url)
    return Path("videos")


def step_by_step(client: AnyAPI) -> Path:
    task = client.videos.create("a corgi", model="veo-3", size="1080p")
    task = client.videos.wait(task.id, timeout=None)
    client.videos.retrieve(task)
    return client.videos.download(task, "corgi.mp4", overwrite=True)


async def many(prompts: list[str]) -> list[VideoTask]:
    found: list[VideoTask] = []
    async with AsyncAnyAPI(on_orphaned_task=found.append) as client:
        tasks = [client.videos.generate(p, orientation="portrait") for p in prompts]
        done = await asyncio.gather(*tasks)
    return [*done, *client.orphaned_tasks]


with AnyAPI(timeout=120, max_retries=3) as sync_client:
    render(sync_client, "a corgi surfing", wide=True)
    step_by_step(sync_client)
asyncio.run(many(["a kite", "a boat"]))
