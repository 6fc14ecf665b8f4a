"""Block Public Access ignores only the grants OSS itself calls public: with the block on, each public grant is named
once, as left in force or as ignored for now."""

from __future__ import annotations

from tests.check_cases.oss import ANYWHERE, PRIVATE_RANGE, bucket, inv
from tests.check_inputs import run_check


def test_each_grant_is_named_once_behind_the_block() -> None:
    doc = {"Version": "1", "Statement": [
        {"Effect": "Allow", "Principal": ["*"], "Action": ["oss:GetObject"],
         "Resource": ["acs:oss:*:1234567890:b/*"], "Condition": cond} for cond in (PRIVATE_RANGE, ANYWHERE)]}
    (result,) = run_check("oss_bucket_policy_no_public_grant", inv(bucket("b", policy=doc, block_public_access=True)),
                          region="cn-hangzhou")
    assert result.status.value == "FAIL"
    assert result.message.count("policy statement 1") == 1 and result.message.count("policy statement 2") == 1
    assert "statement 1 allows oss:GetObject to * with only weak conditions (acs:sourceip 10.0.0.0/8 (private, " \
           "without acs:SourceVpc)), which Block Public Access leaves in force" in result.message
    assert result.message.endswith("(acs:sourceip 0.0.0.0/0) (Block Public Access ignores it for now)")
