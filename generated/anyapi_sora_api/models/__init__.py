"""Contains all the data models used in inputs/outputs"""

from .create_video_body import CreateVideoBody
from .create_video_response_200 import CreateVideoResponse200
from .create_video_response_200_choices_item import CreateVideoResponse200ChoicesItem
from .create_video_response_200_choices_item_message import (
    CreateVideoResponse200ChoicesItemMessage,
)
from .create_video_response_200_usage import CreateVideoResponse200Usage
from .query_task_response_200 import QueryTaskResponse200

__all__ = (
    "CreateVideoBody",
    "CreateVideoResponse200",
    "CreateVideoResponse200ChoicesItem",
    "CreateVideoResponse200ChoicesItemMessage",
    "CreateVideoResponse200Usage",
    "QueryTaskResponse200",
)
