"""OCSF Detection Finding JSON, built with py-ocsf-models (OCSF 1.5.0) so the output follows the schema.

One finding per (check, resource, region), with a stable uid (finding_info.uid) so runs can be compared.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, TextIO

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
from pydantic_core import to_json

from .. import __version__
from ..findings import Finding, Severity, Status

OCSF_VERSION = "1.5.0"
_SEVERITY = {Severity.CRITICAL: SeverityID.Critical, Severity.HIGH: SeverityID.High, Severity.MEDIUM: SeverityID.Medium,
             Severity.LOW: SeverityID.Low, Severity.INFO: SeverityID.Informational}


def to_ocsf(f: Finding, when: datetime | None = None) -> dict[str, Any]:
    return _event(f, when or datetime.now(timezone.utc))


def _event(f: Finding, when: datetime) -> dict[str, Any]:
    # OCSF 1.5.0 (ocsf-schema dictionary.json, timestamp_t): "the number of milliseconds since the Epoch"
    ms = int(when.timestamp() * 1000)
    status_id = StatusID.Suppressed if f.muted else (StatusID.New if f.status == Status.FAIL else StatusID.Other)
    event = DetectionFinding(
        metadata=Metadata(product=Product(name="aliaudit", vendor_name="aliaudit", version=__version__),
                          version=OCSF_VERSION, event_code=f.check_id, profiles=["cloud", "datetime"]),
        severity_id=_SEVERITY[f.severity], severity=_SEVERITY[f.severity].name,
        # status "normalized to the caption of the status_id value. In the case of 'Other', it is defined by the
        # source" (finding.json): PASS, MANUAL or ERROR, told apart
        status_id=status_id, status=f.status.value if status_id == StatusID.Other else status_id.name,
        status_code=f.status.value, status_detail=f.message,
        message=f.message,
        activity_id=ActivityID.Create, activity_name="Create", type_uid=DetectionFindingTypeID.Create,
        type_name="Detection Finding: Create",
        finding_info=FindingInformation(uid=f.uid, title=f.title, desc=f.risk, types=[f.family],
                                        created_time=ms, created_time_dt=when),
        time=ms, time_dt=when,
        cloud=Cloud(provider="alibabacloud", region=f.region,
                    account=Account(uid=f.account_id,
                                    name=f.account_name or f.account_id, type_id=TypeID.Other, type="Alibaba Cloud")),
        # (no resource group: OCSF's is "the related resource group", an Alibaba Cloud resource group, not the family)
        resources=[ResourceDetails(uid=f.resource_id, name=f.resource_name or f.resource_id, type=f.resource_type,
                                   region=f.region, cloud_partition="alibabacloud",
                                   data={"details": f.details} if f.details else None)],
        remediation=Remediation(desc=f.remediation),
        risk_details=f.risk,
        unmapped={"check_id": f.check_id, "cis": f.cis, "muted": f.muted, "mute_reason": f.mute_reason,
                  "family": f.family},
    )
    out: dict[str, Any] = json.loads(event.model_dump_json(exclude_none=True))
    # is_alert (detection_finding.json, recommended; not in py_ocsf_models 0.10): "an alertable signal": an unmuted
    # FAIL, never a PASS, MANUAL or ERROR (all Create events, which rules would otherwise take for alerts)
    out["is_alert"] = f.status == Status.FAIL and not f.muted
    return out


class _Renderer:
    """to_ocsf for many findings, fast: the schema model renders the first finding of each severity and outcome;
    the findings after it reuse that event with their own fields put in (the model costs ~2 ms a finding: a
    fifth of a small account's scan, seconds for a large one). tests/unit/test_html_report.py checks both give
    the same events."""

    def __init__(self, when: datetime) -> None:
        self.when = when
        self.templates: dict[tuple[object, ...], dict[str, Any]] = {}

    def event(self, f: Finding) -> dict[str, Any]:
        key = (f.severity, f.status, f.muted)  # (what decides the event's ids and names)
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = _event(f, self.when)
            return template
        event = dict(template)
        event["metadata"] = {**template["metadata"], "event_code": f.check_id}
        event["message"] = event["status_detail"] = f.message
        event["risk_details"] = f.risk
        event["remediation"] = {**template["remediation"], "desc": f.remediation}
        event["unmapped"] = {**template["unmapped"], "check_id": f.check_id, "cis": list(f.cis),
                             "mute_reason": f.mute_reason, "family": f.family}
        event["finding_info"] = {**template["finding_info"], "uid": f.uid, "title": f.title, "desc": f.risk,
                                 "types": [f.family]}
        event["cloud"] = {**template["cloud"], "region": f.region,
                          "account": {**template["cloud"]["account"], "uid": f.account_id,
                                      "name": f.account_name or f.account_id}}
        resource = {**template["resources"][0], "uid": f.resource_id, "name": f.resource_name or f.resource_id,
                    "type": f.resource_type, "region": f.region}
        resource.pop("data", None)
        if f.details:
            resource["data"] = {"details": dict(f.details)}
        event["resources"] = [resource]
        return event


class Writer:
    """A JSON array into out, one finding per line, written as each is added: a large account's report never
    sits in memory whole (as objects it would take gigabytes); close() ends the array."""

    def __init__(self, out: TextIO, when: datetime | None = None) -> None:
        self.out = out
        self.renderer = _Renderer(when or datetime.now(timezone.utc))
        self.n = 0
        out.write("[")

    def add(self, f: Finding) -> None:
        self.out.write(",\n" if self.n else "\n")
        self.out.write(to_json(self.renderer.event(f)).decode())  # (pydantic-core's: a third of json.dumps' time)
        self.n += 1

    def close(self) -> None:
        self.out.write("\n]\n")


def load_findings(text: str) -> list[dict[str, Any]]:
    """Read an OCSF output back (for diff): each item validated against the schema model."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON array of OCSF Detection Findings")
    for item in data:
        DetectionFinding.model_validate(item)
    return data
