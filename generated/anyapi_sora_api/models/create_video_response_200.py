from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.create_video_response_200_choices_item import (
        CreateVideoResponse200ChoicesItem,
    )
    from ..models.create_video_response_200_usage import CreateVideoResponse200Usage


T = TypeVar("T", bound="CreateVideoResponse200")


@_attrs_define
class CreateVideoResponse200:
    """
    Attributes:
        id (str):
        object_ (str):
        created (int):
        choices (list[CreateVideoResponse200ChoicesItem]):
        usage (CreateVideoResponse200Usage):
    """

    id: str
    object_: str
    created: int
    choices: list[CreateVideoResponse200ChoicesItem]
    usage: CreateVideoResponse200Usage
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        created = self.created

        choices = []
        for choices_item_data in self.choices:
            choices_item = choices_item_data.to_dict()
            choices.append(choices_item)

        usage = self.usage.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "created": created,
                "choices": choices,
                "usage": usage,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_video_response_200_choices_item import (
            CreateVideoResponse200ChoicesItem,
        )
        from ..models.create_video_response_200_usage import CreateVideoResponse200Usage

        d = dict(src_dict)
        id = d.pop("id")

        object_ = d.pop("object")

        created = d.pop("created")

        choices = []
        _choices = d.pop("choices")
        for choices_item_data in _choices:
            choices_item = CreateVideoResponse200ChoicesItem.from_dict(
                choices_item_data
            )

            choices.append(choices_item)

        usage = CreateVideoResponse200Usage.from_dict(d.pop("usage"))

        create_video_response_200 = cls(
            id=id,
            object_=object_,
            created=created,
            choices=choices,
            usage=usage,
        )

        create_video_response_200.additional_properties = d
        return create_video_response_200

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
