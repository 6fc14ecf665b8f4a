"""Issue 21 items 2 and 7 on the trigger parser: a payload can only narrow a run (no accounts or roles of its
own choosing), daily run ids come from the timer's own time, and no run id can become a path segment."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from aliaudit.runtime.models import RUN_ID
from aliaudit.runtime.triggers import TriggerError, parse

OWN = "1234567890123456"


def _timer(when: datetime, payload: dict | None = None) -> bytes:
    return json.dumps({"triggerTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "triggerName": "daily",
                       "payload": json.dumps(payload or {})}).encode()


def test_a_payload_cannot_name_a_role_to_assume():
    with pytest.raises(TriggerError, match="can only name account ids"):
        parse(json.dumps({"accounts": [f"acs:ram::{OWN}:role/breakglass-admin", "9999999999999999"]}))
    with pytest.raises(TriggerError):
        parse(json.dumps({"accounts": {"mode": "resource-directory", "role_name": "Admin"}}))
    plan = parse(json.dumps({"accounts": ["9999999999999999"]}))  # ids are a narrowing the dispatcher checks
    assert plan.accounts == ["9999999999999999"] and plan.narrowed


def test_a_future_timer_time_is_refused():
    tomorrow = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    with pytest.raises(TriggerError, match="still to come"):
        parse(_timer(tomorrow, {"checks": ["ram_root_mfa_enabled"]}))


def test_a_payload_cannot_choose_a_daily_run_id():
    with pytest.raises(TriggerError, match="run_id"):
        parse(json.dumps({"run_id": "daily-20991231T020000Z", "checks": ["ram_root_mfa_enabled"]}))
    assert parse(json.dumps({"run_id": "manual-rerun"})).run_id == "manual-rerun"


def test_a_narrowed_run_never_takes_the_whole_runs_id():
    now = datetime.now(timezone.utc).replace(microsecond=0)
    whole, narrowed = parse(_timer(now)), parse(_timer(now, {"checks": ["ram_root_mfa_enabled"]}))
    assert whole.run_id == f"daily-{now:%Y%m%dT%H%M%SZ}" and not whole.narrowed
    assert narrowed.run_id.startswith(whole.run_id + "-") and narrowed.narrowed
    assert parse(json.dumps({})).run_id.startswith("manual-")  # an invocation without a timer is not daily


@pytest.mark.parametrize("run_id", [".", "..", "daily-..", "daily-a/b", "latest", "x" * 90])
def test_run_ids_are_never_path_segments(run_id):
    import re
    assert not re.match(RUN_ID, run_id)


def test_event_ids_lose_their_dots():
    event = {"type": "ActionTrail:ApiCall", "data": {"eventName": "CreateUser", "eventId": "../../x"}}
    event["type"] = "aliyun:ActionTrail:ApiCall"
    plan = parse(json.dumps(event))
    assert "." not in plan.run_id and plan.run_id.startswith("event-")


def test_a_part_without_the_runs_seal_is_refused():
    import hashlib
    import hmac

    from aliaudit.runtime.models import Part, PartHeader, PayloadError, new_seal, read_part

    part, key = Part(family="ram", region="global"), b"k" * 32
    line = b'{"not": "read"}\n'
    forged = PartHeader(run_id="manual-x", family="ram", region="global", findings=0,
                        seal=hmac.new(b"guess", b"", hashlib.sha256).hexdigest())
    with pytest.raises(PayloadError, match="seal does not match"):
        list(read_part([forged.model_dump_json().encode()], "manual-x", part, key)[1])
    with pytest.raises(PayloadError, match="carries no seal"):
        read_part([b'{"run_id": "manual-x", "family": "ram", "region": "global", "findings": []}'], "manual-x",
                  part, key)
    good = PartHeader(run_id="manual-x", family="ram", region="global", findings=0)
    good.seal = new_seal(key, good).hexdigest()
    assert list(read_part([good.model_dump_json().encode()], "manual-x", part, key)[1]) == []
    assert line  # (a sealed part's lines are covered too: see the pipeline test)


def test_with_the_run_secret_only_the_deployments_manifests_are_read():
    from aliaudit.runtime.models import Manifest, PayloadError, manifest_mac, parse_manifest

    data = Manifest(run_id="manual-x", account_id=OWN, created="2026-01-01T00:00:00Z", kind="daily",
                    regions=[], check_ids=[], parts=[], nonce="a" * 32).model_dump(mode="json")
    with pytest.raises(PayloadError, match="not written by this deployment"):
        parse_manifest(data, "manual-x", "secret")
    signed = {**data, "mac": manifest_mac("secret", data)}
    assert parse_manifest(signed, "manual-x", "secret").nonce == "a" * 32
    with pytest.raises(PayloadError):
        parse_manifest({**signed, "nonce": "b" * 32}, "manual-x", "secret")  # altered after signing
    with pytest.raises(PayloadError):  # without a secret nothing is trusted
        parse_manifest(signed, "manual-x", "")
