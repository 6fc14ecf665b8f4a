"""Placeholder: filled in by the oss module work."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..rest import RestApi

api = RestApi("oss", "oss", "oss")


class OssState(BaseModel):
    items: list[dict] = Field(default_factory=list)
