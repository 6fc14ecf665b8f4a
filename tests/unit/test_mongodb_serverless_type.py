"""MongoDB Serverless listing (DescribeDBInstances DBInstanceType serverless, documented on the China site only): only a
400 refusal that names DBInstanceType means "no Serverless instance can exist here"; any other failure of that listing
is an ERROR (the errors as the SDK raises them: alibabacloud_tea_openapi ClientException / ServerException)."""

from __future__ import annotations

from alibabacloud_tea_openapi.exceptions import ClientException, ServerException

from aliaudit.apierrors import refuses_parameter


def type_not_offered(err: Exception) -> bool:
    return refuses_parameter(err, "DBInstanceType")


def test_a_refusal_of_the_type_value_means_none_can_exist():
    assert type_not_offered(ClientException(status_code=400, code="InvalidParameter",
                                            message="code: 400, The specified parameter DBInstanceType is not valid."))
    assert type_not_offered(ClientException(status_code=400, code="InvalidDBInstanceType.Malformed",
                                            message="code: 400, The specified instance type is invalid."))


def test_any_other_failure_is_the_listings_error():
    assert not type_not_offered(ClientException(status_code=400, code="InvalidPageSize.Malformed",
                                                message="code: 400, The specified parameter PageSize is not valid."))
    assert not type_not_offered(ClientException(status_code=403, code="Forbidden.RAM",
                                                message="code: 403, DBInstanceType: not authorized"))
    assert not type_not_offered(ServerException(status_code=503, code="ServiceUnavailable", message="busy"))
    assert not type_not_offered(ValueError("DBInstanceType"))
