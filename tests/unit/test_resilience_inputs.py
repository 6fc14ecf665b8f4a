"""Resilience: bad input never crashes a function. Property-based (hypothesis): whatever bytes or JSON
arrive as a timer payload, an EventBridge event, a worker task, an aggregation request, a stored manifest
or part, or sit in a config or mutelist file, the parser returns a valid model or raises its module's error
type with a message; nothing else escapes. (The handlers themselves, in the emulator with malformed
payloads and stored objects, are in test_resilience_pipeline.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aliaudit.config import AuditConfig
from aliaudit.errors import ConfigError
from aliaudit.findings import Finding
from aliaudit.mutelist import Mutelist
from aliaudit.mutelist import load as load_mutelist
from aliaudit.runtime.models import (
    RUN_ID,
    AggregationRequest,
    Manifest,
    Part,
    PartHeader,
    PayloadError,
    WorkerTask,
    parse_aggregation,
    parse_manifest,
    parse_task,
    read_part,
    with_mac,
)
from aliaudit.runtime.triggers import Plan, TriggerError, parse

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


def _encoded(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """JSON text of the values, and now and then raw bytes or a truncated document."""
    return st.one_of(values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=60),
                     values.map(lambda v: json.dumps(v).encode()[:-1]))


def _mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid object with one field replaced by anything, or dropped, or an extra one added."""
    keys = sorted(valid)
    replace = st.tuples(st.sampled_from(keys), json_values).map(lambda kv: {**valid, kv[0]: kv[1]})
    drop = st.sampled_from(keys).map(lambda k: {x: v for x, v in valid.items() if x != k})
    extra = st.tuples(st.text(max_size=10), json_values).map(lambda kv: {**valid, kv[0]: kv[1]})
    return st.one_of(replace, drop, extra, st.just(valid))


def _clear(err: Exception, kind: type[Exception]) -> None:
    """The module's own error type, with a message a person can act on."""
    assert isinstance(err, kind), f"{type(err).__name__}: {err}"
    assert str(err).strip() and len(str(err)) < 2000


# --- the dispatcher's events ---------------------------------------------------------------------

timer_payloads = st.one_of(
    json_values,
    _mutated({"regions": ["cn-hangzhou"], "families": ["ram"], "checks": ["ram_user_console_mfa_enabled"],
              "run_id": "daily-1"}).map(json.dumps),
    st.text(max_size=40))
timer_events = st.fixed_dictionaries(
    {"triggerName": json_values, "payload": timer_payloads},
    optional={"triggerTime": st.one_of(json_values, st.just("2026-01-01T02:00:00Z"), st.text(max_size=25))})
actiontrail_data = st.fixed_dictionaries({}, optional={
    "eventName": st.one_of(st.sampled_from(["PutBucketAcl", "CreateUser", "AuthorizeSecurityGroup"]), json_values),
    "acsRegion": st.one_of(st.just("cn-hangzhou"), json_values),
    "eventId": st.one_of(st.text(max_size=30), json_values),
    "serviceName": json_values,
    "referencedResources": st.one_of(json_values, st.dictionaries(st.text(max_size=8),
                                                                  st.lists(json_values, max_size=3), max_size=3))})
eventbridge_events = st.fixed_dictionaries(
    {"type": st.one_of(st.just("acs.actiontrail:ActionTrail:ApiCall"), json_values),
     "data": st.one_of(actiontrail_data, json_values)},
    optional={"id": json_values, "aliyunregionid": json_values})


@PROFILE
@given(st.one_of(_encoded(json_values), _encoded(timer_events), _encoded(eventbridge_events),
                 st.binary(max_size=200)))
def test_dispatcher_events_give_a_plan_or_a_trigger_error(raw: bytes):
    try:
        plan = parse(raw)
    except Exception as err:
        _clear(err, TriggerError)
        return
    assert isinstance(plan, Plan) and re.fullmatch(RUN_ID[1:-1], plan.run_id)  # safe as an OSS key
    assert plan.kind in ("daily", "event")
    assert all(isinstance(r, str) for r in plan.event_regions + plan.resource_ids + (plan.regions or []))


def test_a_timer_time_before_the_first_utc_instant_is_a_trigger_error():
    # (fromisoformat takes it; converting it to UTC overflowed: a traceback and FC's retries instead of one error)
    with pytest.raises(TriggerError, match="not an ISO time"):
        parse(json.dumps({"triggerName": "t", "triggerTime": "0001-01-01T00:00:00+14:00", "payload": ""}))


def test_absurd_nesting_is_a_trigger_error_not_a_recursion_crash():
    for raw in (b"[" * 100_000, json.dumps({"triggerName": "t", "payload": "[" * 100_000}).encode()):
        with pytest.raises(TriggerError):
            parse(raw)


def test_an_oversized_invocation_is_refused_unread():
    """FC takes synchronous payloads far larger than any event or task: parsed, JSON takes up to 24 times its size,
    so an invoker could choose the memory a function takes."""
    with pytest.raises(TriggerError, match="larger than 1 MiB: not read"):
        parse(b"[" + b"{}," * (1 << 19) + b"{}]")
    for reader in (parse_task, parse_aggregation):
        with pytest.raises(PayloadError, match="larger than 64 KiB: not read"):
            reader(json.dumps({**VALID_TASK, "pad": "x" * (64 << 10)}).encode())


# --- what travels between the functions and what they store -------------------------------------

VALID_TASK = {"run_id": "daily-20260101T020000Z", "family": "ram", "region": "global"}
VALID_MANIFEST = Manifest(run_id="daily-1", account_id="1234567890123456", created="2026-01-01T02:00:00Z",
                          kind="daily", regions=["cn-hangzhou"], check_ids=["ram_user_console_mfa_enabled"],
                          parts=[Part(family="ram", region="global")]).model_dump()


@PROFILE
@given(st.one_of(_encoded(json_values), _encoded(_mutated(VALID_TASK))))
def test_worker_tasks_are_valid_or_a_payload_error(raw: bytes):
    try:
        task = parse_task(raw)
    except Exception as err:
        _clear(err, PayloadError)
        return
    assert isinstance(task, WorkerTask) and "/" not in task.run_id + task.family + (task.region or "")


@PROFILE
@given(st.one_of(_encoded(json_values), _encoded(_mutated({"run_id": "daily-1"})),
                 _encoded(_mutated({"sweep": True})), _encoded(_mutated({"triggerName": "sweep", "payload": "{}"}))))
def test_aggregation_requests_are_valid_or_a_payload_error(raw: bytes):
    try:
        request = parse_aggregation(raw)
    except Exception as err:
        _clear(err, PayloadError)
        return
    assert isinstance(request, AggregationRequest) and (request.sweep or request.run_id)


@PROFILE
@given(st.one_of(json_values, _mutated(VALID_MANIFEST),
                 _mutated(VALID_MANIFEST).map(lambda m: {**m, "parts": [{"family": "../x", "region": 1}]})))
def test_stored_manifests_are_valid_or_a_payload_error(data: Any):
    try:
        manifest = parse_manifest(with_mac("s" * 32, data) if isinstance(data, dict) else data, "daily-1", "s" * 32)
    except Exception as err:
        _clear(err, PayloadError)
        return
    assert manifest.run_id == "daily-1"


finding = {"check_id": "ram_user_console_mfa_enabled", "title": "t", "family": "ram", "severity": "high",
           "status": "FAIL", "message": "m", "account_id": "1", "region": "global", "resource_id": "bob"}


HEADER = PartHeader(run_id="daily-1", family="ram", region="global", calls=3, findings=2).model_dump()


def _part_lines(header: Any, findings: list[Any], cut: int) -> list[bytes]:
    lines = [json.dumps(header).encode()] + [json.dumps(f).encode() for f in findings]
    return lines[:cut] if cut >= 0 else lines


@PROFILE
@given(st.one_of(
    st.tuples(_mutated(HEADER), st.lists(_mutated(finding), min_size=0, max_size=3), st.integers(-1, 4))
    .map(lambda t: _part_lines(*t)),
    st.tuples(json_values, st.lists(json_values, max_size=3), st.just(-1)).map(lambda t: _part_lines(*t)),
    st.lists(st.binary(max_size=40), max_size=4)))
def test_stored_jsonl_parts_give_findings_or_a_payload_error(lines: list[bytes]):
    """A part as the workers store it (JSON lines: a header, one finding a line), read line by line: its
    findings, or a PayloadError (from the reader or at the line) for anything malformed or truncated."""
    try:
        calls, findings = read_part(lines, "daily-1", Part(family="ram", region="global"))
        items = list(findings)
    except Exception as err:
        _clear(err, PayloadError)
        return
    assert isinstance(calls, int) and all(isinstance(f, Finding) for f in items)


def test_a_jsonl_part_reads_back_and_a_short_one_is_truncated():
    good = _part_lines(HEADER, [finding, {**finding, "resource_id": "carol"}], -1)
    calls, findings = read_part(good, "daily-1", Part(family="ram", region="global"))
    assert calls == 3 and [f.resource_id for f in findings] == ["bob", "carol"]
    _, findings = read_part(good[:-1], "daily-1", Part(family="ram", region="global"))
    with pytest.raises(PayloadError, match="truncated"):
        list(findings)
    with pytest.raises(PayloadError, match="holds ram/global of run daily-1"):
        read_part(good, "daily-1", Part(family="ram", region="cn-hangzhou"))
    member = _part_lines({**HEADER, "account": "1111111111111111"}, [finding], -1)  # an organisation run's
    assert read_part(member, "daily-1", Part(family="ram", region="global", account="1111111111111111"))[0] == 3
    with pytest.raises(PayloadError, match="holds ram/global of account 1111111111111111 of run daily-1"):
        read_part(member, "daily-1", Part(family="ram", region="global", account="2222222222222222"))
    with pytest.raises(PayloadError, match="of account"):  # (nor stands a single-account part for a member's)
        read_part(good, "daily-1", Part(family="ram", region="global", account="2222222222222222"))
    whole = json.dumps({"run_id": "daily-1", "family": "ram", "region": "global", "findings": [finding]})
    with pytest.raises(PayloadError, match="not a part header"):  # a part is JSON lines: never one object
        read_part([whole.encode()], "daily-1", Part(family="ram", region="global"))


# --- files a person writes -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inputs")


def _yaml(value: Any) -> bytes:
    return yaml.safe_dump(value, allow_unicode=True).encode()


config_docs = st.one_of(
    json_values.map(_yaml),
    _mutated({"access_key_max_age_days": 90, "risky_ports": [22], "password_policy": {"minimum_length": 14},
              "security_center_region": "cn-shanghai"}).map(_yaml),
    _mutated({"minimum_length": 14, "reuse_prevention": 5}).map(lambda p: _yaml({"password_policy": p})),
    json_values.map(lambda v: _yaml({"thresholds": v})),
    st.binary(max_size=80), st.text(max_size=80).map(str.encode))


@PROFILE
@given(config_docs)
def test_config_files_load_or_give_a_config_error(files: Path, content: bytes):
    path = files / "config.yaml"
    path.write_bytes(content)
    try:
        config = AuditConfig.load(path)
    except Exception as err:
        _clear(err, ConfigError)
        assert str(path) in str(err)  # says which file
        return
    assert isinstance(config, AuditConfig)


ENTRY = {"check": "ram_.*", "region": "cn-.*", "resource": "bob|ci-.*", "tags": {"env": "dev"},
         "exceptions": [{"resource": "ci-prod"}], "reason": "accepted", "expires": "2099-01-31"}
mutelist_docs = st.one_of(
    json_values.map(_yaml),
    json_values.map(lambda v: _yaml({"mutelist": v})),
    st.lists(_mutated(ENTRY), min_size=1, max_size=3).map(lambda es: _yaml({"mutelist": es})),
    st.sampled_from(["a{99999999999}", "(" * 300 + ")" * 300, "(?P<x>a)(?P=y)", "[", "\\"]).map(
        lambda pattern: _yaml({"mutelist": [{**ENTRY, "tags": {"env": pattern}}]})),
    st.binary(max_size=80), st.text(max_size=80).map(str.encode))


@PROFILE
@given(mutelist_docs)
def test_mutelist_files_load_or_give_a_config_error(files: Path, content: bytes):
    path = files / "mutelist.yaml"
    path.write_bytes(content)
    try:
        mutelist = load_mutelist(path)
    except Exception as err:
        _clear(err, ConfigError)
        assert f"mutelist {path}" in str(err)
        return
    assert isinstance(mutelist, Mutelist)


def test_a_valid_mutelist_with_tags_and_exceptions_loads(files: Path):
    """(The loader's line numbers once leaked into every nested mapping, so any 'tags:' failed to load.)"""
    path = files / "good.yaml"
    path.write_bytes(_yaml({"mutelist": [ENTRY]}))
    (entry,) = load_mutelist(path).entries
    assert entry.tags == {"env": "dev"} and entry.exceptions[0].resource == "ci-prod" and entry.line == 2



def test_a_parts_seal_is_checked_before_any_finding_is_parsed():
    """The aggregator's first pass (parse=False) proves a part its worker's before anything in it is parsed: a
    planted part fails on its seal, whatever its lines hold, and a line past the limit is never read whole."""
    import io

    from aliaudit.runtime.models import file_lines, new_seal

    key = b"k" * 32
    lines = [json.dumps(finding).encode() + b"\n", b'{"not": "a finding"' + b"x" * 1000 + b"\n"]
    header = PartHeader(**{**HEADER, "seal": "0" * 64})
    planted = [header.model_dump_json().encode() + b"\n", *lines]
    _, checked = read_part(planted, "daily-1", Part(family="ram", region="global"), key, parse=False)
    with pytest.raises(PayloadError, match="its seal does not match"):
        list(checked)  # (parsing first would have failed on the second line instead)
    mac = new_seal(key, header)
    for line in lines:
        mac.update(line)
    sealed = [header.model_copy(update={"seal": mac.hexdigest()}).model_dump_json().encode() + b"\n", *lines]
    assert list(read_part(sealed, "daily-1", Part(family="ram", region="global"), key, parse=False)[1]) == []
    with pytest.raises(PayloadError, match="a line is longer than 1 MiB"):
        list(file_lines(io.BytesIO(b"{}\n" + b"y" * ((1 << 20) + 2)), limit=1 << 20))
    huge_header = [b"[" * (100 << 10) + b"\n", *lines]  # (a header line past 64 KiB is not parsed)
    with pytest.raises(PayloadError, match="carries no seal"):
        read_part(huge_header, "daily-1", Part(family="ram", region="global"), key, parse=False)


def test_a_listing_past_its_page_budget_is_an_error_not_a_short_list():
    """ActionTrail's week of events is read to at most MAX_EVENT_PAGES pages: a listing that goes on (a busy
    account, or a token that never ends) fails its dataset with the reason instead of running the worker out of
    time, and what was read is not passed off as the whole."""
    from types import SimpleNamespace

    from aliaudit.collectors.ecs import MAX_EVENT_PAGES
    from aliaudit.collectors.paging import by_token

    calls = []

    def page(token):
        calls.append(token)
        return SimpleNamespace(events=[{"eventName": "x"}], next_token=f"t{len(calls)}")  # (a new token each time)

    with pytest.raises(RuntimeError, match="LookupEvents over 7 days goes on past 3 pages: not read to its end"):
        list(by_token(page, lambda b: b.events, 3, "LookupEvents over 7 days"))
    assert len(calls) == 3 and MAX_EVENT_PAGES == 2000
    assert len(list(by_token(lambda t: SimpleNamespace(events=[1], next_token="" if t else "n"),
                             lambda b: b.events, 2))) == 2  # (exactly the budget: complete)
