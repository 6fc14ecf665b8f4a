"""Documented-sample test of the cloudsso collector: cloudsso/ListDirectories.json (d-00fc2p61****, new-example,
Region cn-shanghai; answered in each of the five endpoint regions the collector asks, and kept once) and
GetMFAAuthenticationSettingInfo.json (MfaAuthenticationAdvanceSettings OnlyRiskyLogin, OperationForRiskLogin
EnforceVerify)."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import collect, covers, pick


@covers("cloudsso.directories")
def test_cloudsso_directories(replay: WireReplay) -> None:
    got = collect(replay, "cloudsso.directories")
    expected = [{"id": "d-00fc2p61****", "name": "new-example", "region": "cn-shanghai", "mfa": "OnlyRiskyLogin",
                 "risky_login": "EnforceVerify", "error": None}]
    assert pick(got, expected) == expected
