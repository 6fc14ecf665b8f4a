"""OCSF Detection Finding JSON, built with py-ocsf-models (OCSF 1.5.0) so the output follows the schema.

One finding per (check, resource, region), with a stable uid (finding_info.uid) so runs can be compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from py_ocsf_models.events.findings.activity_id import ActivityID
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID
from py_ocsf_models.objects.account import Account, TypeID
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.finding_info import FindingInformation
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

from .. import __version__
from ..findings import Finding, Severity, Status

OCSF_VERSION = "1.5.0"
_SEVERITY = {Severity.CRITICAL: SeverityID.Critical, Severity.HIGH: SeverityID.High, Severity.MEDIUM: SeverityID.Medium,
             Severity.LOW: SeverityID.Low, Severity.INFO: SeverityID.Informational}


def to_ocsf(f: Finding, when: datetime | None = None) -> dict[str, Any]:
    when = when or datetime.now(timezone.utc)
    status_id = StatusID.Suppressed if f.muted else (StatusID.New if f.status == Status.FAIL else StatusID.Other)
    event = DetectionFinding(
        metadata=Metadata(product=Product(name="aliaudit", vendor_name="aliaudit", version=__version__),
                          version=OCSF_VERSION, event_code=f.check_id, profiles=["cloud"]),
        severity_id=_SEVERITY[f.severity], severity=_SEVERITY[f.severity].name,
        status_id=status_id, status=status_id.name, status_code=f.status.value, status_detail=f.message,
        message=f.message,
        activity_id=ActivityID.Create, activity_name="Create", type_uid=DetectionFindingTypeID.Create,
        type_name="Detection Finding: Create",
        finding_info=FindingInformation(uid=f.uid, title=f.title, desc=f.risk, types=[f.family],
                                        created_time=int(when.timestamp()), created_time_dt=when),
        time=int(when.timestamp()), time_dt=when,
        cloud=Cloud(provider="alibabacloud", region=f.region,
                    account=Account(uid=f.account_id, name=f.account_id, type_id=TypeID.Other, type="Alibaba Cloud")),
        resources=[ResourceDetails(uid=f.resource_id, name=f.resource_name or f.resource_id, type=f.resource_type,
                                   region=f.region, cloud_partition="alibabacloud", group={"name": f.family},
                                   data={"details": f.details} if f.details else None)],
        remediation=Remediation(desc=f.remediation),
        risk_details=f.risk,
        unmapped={"check_id": f.check_id, "cis": f.cis, "muted": f.muted, "mute_reason": f.mute_reason,
                  "family": f.family},
    )
    return json.loads(event.model_dump_json(exclude_none=True))


def dumps(findings: Iterable[Finding], when: datetime | None = None) -> str:
    when = when or datetime.now(timezone.utc)
    return json.dumps([to_ocsf(f, when) for f in findings], indent=1)


def load_findings(text: str) -> list[dict[str, Any]]:
    """Read an OCSF output back (for diff): each item validated against the schema model."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON array of OCSF Detection Findings")
    for item in data:
        DetectionFinding.model_validate(item)
    return data
