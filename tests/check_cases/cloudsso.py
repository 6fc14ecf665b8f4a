"""CloudSSO cases, from the documented samples: ListDirectories (d-00fc2p61****, new-example, Region cn-shanghai)
and GetMFAAuthenticationSettingInfo (MfaAuthenticationAdvanceSettings OnlyRiskyLogin, OperationForRiskLogin
EnforceVerify; documented values Enabled | Byuser | Disabled | OnlyRiskyLogin)."""

from __future__ import annotations

from aliaudit.collectors.cloudsso import SsoDirectory
from tests.check_cases import Case

DIR = "d-00fc2p61****"


def directory(did: str = DIR, **kw: object) -> SsoDirectory:
    base: dict[str, object] = {"id": did, "name": "new-example", "region": "cn-shanghai", "mfa": "Enabled"}
    base.update(kw)
    return SsoDirectory(**base)  # type: ignore[arg-type]


_M = "cloudsso_mfa_required"
CASES: list[Case] = [
    Case(_M, "Enabled passes", {"cloudsso.directories": [directory()]}, {DIR: "PASS"}),
    Case(_M, "Disabled fails", {"cloudsso.directories": [directory(mfa="Disabled")]}, {DIR: "FAIL"}),
    Case(_M, "the documented sample: OnlyRiskyLogin with EnforceVerify fails",
         {"cloudsso.directories": [directory(mfa="OnlyRiskyLogin", risky_login="EnforceVerify")]}, {DIR: "FAIL"}),
    Case(_M, "Byuser and an unknown value are MANUAL",
         {"cloudsso.directories": [directory(mfa="Byuser", risky_login="Autonomous"), directory("d-x", mfa="")]},
         {DIR: "MANUAL", "d-x": "MANUAL"}),
    Case(_M, "the setting could not be read", {"cloudsso.directories": [directory(mfa="", error="NoPermission")]},
         {DIR: "ERROR"}),
    Case(_M, "no directory: no result", {"cloudsso.directories": []}, {}),
    Case(_M, "a region whose listing failed is its ERROR; the directory found elsewhere is judged",
         {"cloudsso.directories": [directory(), SsoDirectory(id="cloudsso-us-west-1", region="us-west-1",
                                                             listing_error="ServiceUnavailable: down")]},
         {DIR: "PASS", "cloudsso-us-west-1": "ERROR"}),
]
