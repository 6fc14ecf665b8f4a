"""An alert's enabled flag comes from the documented `status` (ListAlerts / GetAlert, API 2020-12-30), not from the
`state` an alert job was created with."""

from __future__ import annotations

import pytest

from aliaudit.collectors.sls import _alert


@pytest.mark.parametrize(("raw", "enabled"), [
    ({"status": "ENABLED"}, True),
    ({"status": "DISABLED"}, False),
    ({"state": "Enabled", "status": "DISABLED"}, False),  # disabled after it was created enabled
    ({"state": "Disabled", "status": "ENABLED"}, True),
    ({"state": "Enabled"}, True),  # a /jobs answer without status
    ({}, False),
])
def test_enabled_follows_the_documented_status(raw: dict[str, str], enabled: bool) -> None:
    assert _alert({"name": "a1", **raw}, "p").enabled is enabled
