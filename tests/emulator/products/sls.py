"""Placeholder: filled in by the sls module work."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..rest import RestApi

api = RestApi("sls", "sls", "sls")


class SlsState(BaseModel):
    items: list[dict] = Field(default_factory=list)
