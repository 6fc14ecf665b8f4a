"""ecs.images lists the account's custom images in every state: DescribeImages answers only Available images when no
Status is given, so a public Deprecated or UnAvailable image (still shared) was never judged."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aliaudit.collectors.ecs import images

IMAGES = [("m-ok", "Available"), ("m-old", "Deprecated"), ("m-broken", "UnAvailable")]


class FakeEcs:
    def describe_images(self, request: Any) -> Any:
        states = (request.status or "Available").split(",")
        found = [SimpleNamespace(image_id=i, image_name=i, status=s) for i, s in IMAGES if s in states]
        return SimpleNamespace(body=SimpleNamespace(images=SimpleNamespace(image=found), total_count=len(found)))

    def describe_image_share_permission(self, request: Any) -> Any:
        groups = SimpleNamespace(share_group=[SimpleNamespace(group="all")])
        return SimpleNamespace(body=SimpleNamespace(share_groups=groups, accounts=None, total_count=0))


def test_public_images_in_every_state_are_listed() -> None:
    ctx = SimpleNamespace(region="cn-hangzhou", client=lambda product: FakeEcs(),
                          map=lambda fn, items: [fn(i) for i in items])
    got = {m.id: (m.status, m.public) for m in images(ctx)}  # type: ignore[arg-type]
    assert got == {"m-ok": ("Available", True), "m-old": ("Deprecated", True), "m-broken": ("UnAvailable", True)}


class NotFound(Exception):
    code = "InvalidImageId.NotFound"


class GoneEcs(FakeEcs):
    def describe_image_share_permission(self, request: Any) -> Any:
        if request.image_id == "m-old":
            raise NotFound("The specified image does not exist.")
        return super().describe_image_share_permission(request)


def test_an_image_deleted_since_listed_is_not_reported() -> None:
    ctx = SimpleNamespace(region="cn-hangzhou", client=lambda product: GoneEcs(),
                          map=lambda fn, items: [fn(i) for i in items])
    got = {m.id: m.error for m in images(ctx)}  # type: ignore[arg-type]
    assert got == {"m-ok": None, "m-broken": None}
