"""Which GetAccessPointPolicy errors mean "this access point has no policy" (collectors/oss.py _no_ap_policy): a 404
NoSuch... answer, except those naming the bucket or the access point itself missing (that access point's ERROR); the
errors as oss2 raises them (oss2.exceptions.ServerError with the answer's status and Code)."""

from __future__ import annotations

from oss2.exceptions import ServerError

from aliaudit.collectors.oss import _no_ap_policy


def _err(status: int, code: str) -> ServerError:
    return ServerError(status, {}, b"", {"Code": code, "Message": "..."})


def test_a_missing_policy_is_no_policy() -> None:
    assert _no_ap_policy(_err(404, "NoSuchAccessPointPolicy"))
    assert _no_ap_policy(_err(404, "NoSuchAccessPointPolicyConfiguration"))


def test_a_missing_access_point_or_bucket_or_other_failure_is_not() -> None:
    assert not _no_ap_policy(_err(404, "NoSuchAccessPoint"))
    assert not _no_ap_policy(_err(404, "NoSuchBucket"))
    assert not _no_ap_policy(_err(403, "AccessDenied"))
    assert not _no_ap_policy(_err(400, "NoSuchAccessPointPolicy"))  # a NoSuch code with another status: unknown
    assert not _no_ap_policy(_err(503, "ServiceUnavailable"))
