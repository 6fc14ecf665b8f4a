"""A check that raises (a bug) gives one ERROR finding for the account and region, and the others still run; its
message is the error described as every cloud failure is (apierrors.describe: one line, bounded, known secrets
scrubbed), never the exception's whole text (a pydantic ValidationError quotes the input it refused)."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel

from aliaudit.checks.registry import Check, all_checks
from aliaudit.findings import Status
from aliaudit.redact import SECRETS
from aliaudit.scan import ScanRequest, _run_check


class _Strict(BaseModel):
    count: int


def test_a_failing_check_is_one_scrubbed_line_of_error():
    secret = "check-bug-secret-0123456789"
    SECRETS.add(secret)

    def broken(inp: object) -> list[object]:
        _Strict.model_validate({"count": f"{secret}\nsecond line"})
        return []

    real = all_checks()["ram_password_policy_min_length"]
    check = Check(meta=real.meta.model_copy(update={"needs": []}), fn=broken)
    (finding,) = _run_check(check, "global", {}, ScanRequest(account_id="1234567890123456", regions=["global"]),
                            datetime.now(timezone.utc))
    assert finding.status == Status.ERROR and finding.message.startswith("check failed: ")
    assert secret not in finding.message and "\n" not in finding.message and len(finding.message) <= 320
