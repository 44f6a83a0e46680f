"""A user's script with mistakes: `mypy --strict` must flag the line under each `# E:`."""

# ruff: noqa: E501, B018

from __future__ import annotations

from anyapi_sora import AnyAPI, AsyncAnyAPI

client = AnyAPI()
# E: Argument "modle" to "generate" of "Videos"
client.videos.generate("x", modle="sora-2")
# E: Argument "duration" to "generate" of "Videos" has incompatible type "str"; expected "int"
client.videos.generate("x", duration="10")
# E: Argument "orientation" to "generate" of "Videos" has incompatible type "Literal['sideways']"
client.videos.generate("x", orientation="sideways")
# E: Argument "orientation" to "create" of "Videos" has incompatible type "Literal['square']"
client.videos.create("x", orientation="square")
# E: Argument "size" to "create" of "Videos" has incompatible type "int"; expected "str"
client.videos.create("x", size=1080)
# E: Argument "watermark" to "create" of "Videos" has incompatible type "str"; expected "bool"
client.videos.create("x", watermark="no")
# E: Argument "style" to "create" of "Videos"
client.videos.create("x", style="anime")
# E: Argument "timeout" to "wait" of "Videos" has incompatible type "str"
client.videos.wait("id", timeout="60")
# E: "VideoTask" has no attribute "progres"
client.videos.generate("x", on_progress=lambda task: task.progres)
# E: "VideoTask" has no attribute "video_urll"
client.videos.generate("x").video_urll


async def main() -> None:
    async with AsyncAnyAPI() as aclient:
        # E: Argument "modle" to "generate" of "AsyncVideos"
        await aclient.videos.generate("x", modle="sora-2")
        # E: Argument "duration" to "generate" of "AsyncVideos" has incompatible type "float"; expected "int"
        await aclient.videos.generate("x", duration=10.5)
        # E: "VideoTask" has no attribute "idd"
        aclient.orphaned_tasks[0].idd
