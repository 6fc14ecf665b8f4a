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


def test_a_refused_parameter_value_is_told_from_other_failures() -> None:
    from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

    from aliaudit.apierrors import refuses_parameter

    refused = ClientException(status_code=400, code="InvalidParameter", message="The InstanceType is invalid.")
    assert refuses_parameter(refused, "InstanceType")
    assert not refuses_parameter(refused, "GlobalInstance")
    assert not refuses_parameter(ClientException(status_code=400, code="InvalidPageSize.Malformed",
                                                 message="PageSize is invalid."), "InstanceType")
    assert not refuses_parameter(ClientException(status_code=403, code="Forbidden.RAM",
                                                 message="InstanceType denied"), "InstanceType")
    assert not refuses_parameter(ServerException(status_code=503, code="ServiceUnavailable", message="InstanceType"),
                                 "InstanceType")
