"""IMS: the credential report (GenerateCredentialReport / GetCredentialReport), the only API that
tells root-account key and MFA state to a non-root caller. CSV columns as documented by Alibaba Cloud;
the root account's row is named '<root>'."""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime
from typing import Any

from ..call import Call
from ..clock import iso
from ..errors import ApiError
from ..pop import PopApi, int_param

api = PopApi("ims", "2019-08-15", ram_prefix="ram")

COLUMNS = ["user", "user_creation_time", "user_last_logon", "password_exist", "password_active",
           "password_last_changed", "password_next_rotation", "mfa_active"]
for _n in (1, 2):
    COLUMNS += [f"access_key_{_n}_exist", f"access_key_{_n}_active", f"access_key_{_n}_last_rotated",
                f"access_key_{_n}_last_used"]


def _t(dt: datetime | None) -> str:
    return iso(dt) if dt else "N/A"


def _row(name: str, created: datetime, last_logon: datetime | None, password: bool, mfa: bool,
         keys: list[Any]) -> dict[str, str]:
    row = {"user": name, "user_creation_time": _t(created), "user_last_logon": _t(last_logon),
           "password_exist": str(password).lower(), "password_active": str(password).lower() if password else "N/A",
           "password_last_changed": "N/A", "password_next_rotation": "N/A", "mfa_active": str(mfa).lower()}
    for n in (1, 2):
        key = keys[n - 1] if len(keys) >= n else None
        row[f"access_key_{n}_exist"] = str(key is not None).lower()
        row[f"access_key_{n}_active"] = str(key.status == "Active").lower() if key else "N/A"
        row[f"access_key_{n}_last_rotated"] = _t(key.created) if key else "N/A"
        row[f"access_key_{n}_last_used"] = _t(key.last_used) if key else "N/A"
    return row


@api.action("GenerateCredentialReport")
def generate_credential_report(call: Call) -> dict[str, Any]:
    acct = call.acct
    rows = [_row("<root>", acct.root.created, acct.root.last_login, True, acct.root.mfa_bound, acct.root.access_keys)]
    for u in acct.ram.users:
        rows.append(_row(u.name, u.created, u.last_login, u.login_profile is not None,
                         bool(u.mfa_device and u.mfa_device.bound), u.access_keys))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    call.world.extras.setdefault("ims.reports", {})[acct.id] = (out.getvalue(), iso(call.now()))
    return {"State": "COMPLETE"}


@api.action("GetCredentialReport")
def get_credential_report(call: Call) -> dict[str, Any]:
    report = call.world.extras.get("ims.reports", {}).get(call.acct.id)
    if report is None:
        raise ApiError("CredentialReportNotExist", "The credential report does not exist; generate it first.", 404)
    content, generated = report
    # pages of MaxItems rows (default and maximum 3501); the header line comes with the first page
    lines = content.splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    size = int_param(call.params, "MaxItems", 3501, 1, 3501)
    token = call.params.get("NextToken", "")
    start = int(token) if token.isdigit() else 0
    page = rows[start:start + size]
    text = (header if start == 0 else "") + "".join(page)
    out: dict[str, Any] = {"Content": base64.b64encode(text.encode()).decode(), "GeneratedTime": generated,
                           "IsTruncated": start + size < len(rows)}
    if out["IsTruncated"]:
        out["NextToken"] = str(start + size)
    return out
