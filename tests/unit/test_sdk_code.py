"""apierrors.sdk_code: only the cloud's own answer (an OpenAPI SDK error) names a code a collector reads as a meaning;
any other exception that happens to carry a `code` attribute names none."""

from __future__ import annotations

from Tea.exceptions import TeaException

from aliaudit.apierrors import sdk_code


def test_an_sdk_error_names_its_code() -> None:
    err = TeaException({"code": "InvalidDBInstanceId.NotFound", "message": "The instance does not exist.",
                        "data": {"statusCode": 404}})
    assert sdk_code(err) == "InvalidDBInstanceId.NotFound"


def test_other_failures_name_none() -> None:
    class Odd(Exception):
        code = "InvalidDBInstanceId.NotFound"

    assert sdk_code(Odd()) == ""
    assert sdk_code(TimeoutError("read timed out")) == ""
    assert sdk_code(TeaException({"message": "no code"})) == ""
