from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreateVideoBody")


@_attrs_define
class CreateVideoBody:
    """
    Attributes:
        images (list[str]): 图片链接
        model (str): 模型名字
        orientation (str): portrait 竖屏
            landscape 横屏
        prompt (str): 提示词
        size (str): small 一般720p
        duration (int): 支持 10
        watermark (bool): 默认为: true  会优先无水印,如果出错,会兜底到有水印
            传递 false 的话 会强制让视频无水印,遇到去水印错误的会一直自动重试
        private (bool): 是否隐藏视频,true-视频不会发布,同时视频无法进行 remix(二次编辑), 默认为 false
    """

    images: list[str]
    model: str
    orientation: str
    prompt: str
    size: str
    duration: int
    watermark: bool
    private: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        images = self.images

        model = self.model

        orientation = self.orientation

        prompt = self.prompt

        size = self.size

        duration = self.duration

        watermark = self.watermark

        private = self.private

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "images": images,
                "model": model,
                "orientation": orientation,
                "prompt": prompt,
                "size": size,
                "duration": duration,
                "watermark": watermark,
                "private": private,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        images = cast(list[str], d.pop("images"))

        model = d.pop("model")

        orientation = d.pop("orientation")

        prompt = d.pop("prompt")

        size = d.pop("size")

        duration = d.pop("duration")

        watermark = d.pop("watermark")

        private = d.pop("private")

        create_video_body = cls(
            images=images,
            model=model,
            orientation=orientation,
            prompt=prompt,
            size=size,
            duration=duration,
            watermark=watermark,
            private=private,
        )

        create_video_body.additional_properties = d
        return create_video_body

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
