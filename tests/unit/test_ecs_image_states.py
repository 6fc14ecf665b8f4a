"""ecs.images: an image deleted between DescribeImages and DescribeImageSharePermission (InvalidImageId.NotFound) is
no longer shared and is left out, not reported as ERROR; any other failure is the image's ERROR. The emulator cannot
delete an image between the two calls of one scan, so unreadable_image is fed the SDK's own exception. (That images
in every state are listed and judged is proved through the SDK against the emulator:
tests/e2e/test_checks_ecs.py::test_public_images_in_every_state_are_judged.)"""

from __future__ import annotations

from alibabacloud_tea_openapi.exceptions import ClientException, ThrottlingException

from aliaudit.collectors.ecs import ImageInfo, unreadable_image


def test_an_image_deleted_since_listed_is_not_reported() -> None:
    gone = ClientException(status_code=404, code="InvalidImageId.NotFound",
                           message="The specified image does not exist.")
    assert unreadable_image(ImageInfo(id="m-old", status="Deprecated"), gone) is None


def test_another_failure_is_the_images_error() -> None:
    err = ThrottlingException(status_code=400, code="Throttling.User", message="Request was denied.")
    info = unreadable_image(ImageInfo(id="m-ok"), err)
    assert info is not None and info.error is not None and info.error.startswith("Throttling.User")

