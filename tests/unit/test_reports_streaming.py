"""The streaming report path (no cloud needed): findings spooled to disk and read back in order, the summary and
compliance report built one finding at a time, every report written in one pass, latest/findings.json
written and read one item at a time. Each gives exactly what the whole-list code gave (kept here as the
reference)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from aliaudit import compliance as catalogue
from aliaudit.checks.registry import all_checks
from aliaudit.findings import Finding, Severity, Status
from aliaudit.reports import writer
from aliaudit.reports.compliance import Compliance
from aliaudit.reports.spool import Spool
from aliaudit.reports.summary import STATUSES
from aliaudit.runtime.jsonstream import array_items, write_array
from tests.rendering import compliance_report, compliance_text, csv_text, html_page, ocsf_text, summarize


def _findings(n: int, seed: int = 7) -> list[Finding]:
    rng = random.Random(seed)
    checks = [c for c in all_checks().values() if c.meta.cis][:12] + list(all_checks().values())[:3]
    out = []
    for i in range(n):
        c = rng.choice(checks)
        status = rng.choice(list(Status))
        out.append(Finding(check_id=c.meta.id, title=c.meta.title, family=c.meta.family, severity=c.meta.severity,
                           status=status, message=rng.choice(["ok", "bad \"quoted\" </script>", "ünïcode ☃", ""]),
                           account_id="1234567890123456", region=rng.choice(["global", "cn-hangzhou", "eu-west-1"]),
                           resource_id=f"r-{i % 37}", resource_type="t", resource_name=rng.choice(["", f"n{i}"]),
                           cis=c.meta.cis, risk=c.meta.risk, remediation="fix\tit",
                           details={"tag:env": "dev"} if i % 5 == 0 else {},
                           muted=status == Status.FAIL and i % 4 == 0, mute_reason="accepted" if i % 4 == 0 else ""))
    return out


def _reference_compliance(framework: str, findings: list[Finding]) -> dict[str, Any]:
    """The report as the whole-list code built it."""
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    requirements = []
    for req in catalogue.coverage(framework):
        found = [f for cid in req["checks"] for f in by_check.get(cid, [])]
        statuses = Counter(f.status for f in found if not (f.muted and f.status in (Status.FAIL, Status.MANUAL)))
        if statuses[Status.FAIL]:
            verdict = Status.FAIL.value
        elif statuses[Status.ERROR]:
            verdict = Status.ERROR.value
        elif req["manual"] or statuses[Status.MANUAL]:  # (one unjudged resource leaves it unproven)
            verdict = Status.MANUAL.value
        elif not found:  # its checks ran and found nothing to judge
            verdict = "NO_RESOURCES"
        else:
            verdict = Status.PASS.value
        requirements.append({**req, "status": verdict, "pass": statuses[Status.PASS],
                             "fail": statuses[Status.FAIL], "error": statuses[Status.ERROR],
                             "manual_findings": statuses[Status.MANUAL], "muted": sum(1 for f in found if f.muted),
                             "findings": [{"uid": f.uid, "check_id": f.check_id, "status": f.status.value,
                                           "region": f.region, "resource_id": f.resource_id, "muted": f.muted}
                                          for f in found]})
    totals = Counter(r["status"] for r in requirements)
    return {"framework_id": framework, "framework": catalogue.framework(framework).NAME,
            "requirements": requirements,
            "totals": {s: totals.get(s, 0) for s in [*(s.value for s in Status), "NO_RESOURCES", "NOT_SELECTED"]},
            "total": len(requirements)}


def test_spool_reads_back_in_key_order_as_often_as_asked_and_counts(tmp_path: Path):
    items = _findings(300)
    chunks = [items[i:i + 25] for i in range(0, 300, 25)]
    order = list(range(len(chunks)))
    random.Random(1).shuffle(order)
    with Spool(tmp_path) as spool:
        for n in order:  # chunks arrive in any order; their key puts them back
            spool.add(chunks[n], (n,))
        spool.add([], (99,))
        assert list(spool) == items and list(spool) == items  # re-readable
        assert b"".join(spool.lines()).decode().splitlines() == [f.model_dump_json() for f in items]
        assert len(spool) == spool.total == 300
        assert spool.status == Counter(f.status.value for f in items)
        assert spool.unmuted_fail == sum(1 for f in items if f.status == Status.FAIL and not f.muted)
        path = Path(spool.path)
    assert not path.exists()


def test_spool_atomic_takes_back_everything_added_in_a_failed_block(tmp_path: Path):
    items = _findings(60)
    with Spool(tmp_path) as spool:
        spool.add(items[:20])
        with pytest.raises(ValueError), spool.atomic():
            spool.add(items[20:40])
            raise ValueError("corrupt half-way")
        spool.add(items[40:])
        assert list(spool) == items[:20] + items[40:] and spool.total == 40
        assert spool.status == Counter(f.status.value for f in items[:20] + items[40:])


def test_summary_and_compliance_built_one_at_a_time_match_the_whole_list_code(tmp_path: Path):
    items = _findings(500)
    with Compliance("cis_2.0", tmp_path) as builder:
        for f in items:
            builder.add(f)
        text = compliance_text(builder)
        head = builder.head()
    expected = _reference_compliance("cis_2.0", items)
    assert text == json.dumps(expected, indent=1)  # byte for byte
    assert compliance_report("cis_2.0", items) == expected
    assert head["requirements"] == [{k: v for k, v in r.items() if k != "findings"} for r in expected["requirements"]]
    empty = compliance_report("cis_2.0", [])
    assert empty == _reference_compliance("cis_2.0", []) and all(r["findings"] == [] for r in empty["requirements"])
    summary = summarize(items, {"run_id": "r"})
    assert summary["total"] == 500 and list(summary)[0] == "run_id"
    assert summary["status"] == {s: sum(1 for f in items if f.status.value == s) for s in STATUSES}
    failing = Counter(f.check_id for f in items if f.status == Status.FAIL and not f.muted)
    top = sorted(failing.items(), key=lambda kv: (-kv[1], kv[0]))[:10]  # the most failing; ties by check id
    assert [t["check_id"] for t in summary["top_failing_checks"]] == [c for c, _ in top]


def test_one_pass_writes_every_report_as_the_single_format_writers_do(tmp_path: Path):
    items = _findings(200)
    summary = summarize(items, {"account_id": "1234567890123456", "generated_at": "2026-01-01T00:00:00Z"})
    with Spool(tmp_path) as spool, Compliance("cis_2.0", tmp_path) as comp:
        spool.add(items)
        for f in items:
            comp.add(f)
        paths = writer.write_all(tmp_path / "out", spool, list(writer.FORMATS), summary, comp)
        head = comp.head()
    assert [p.name for p in paths] == [*writer.FORMATS.values(), "aliaudit.compliance.cis_2.0.json",
                                       "aliaudit.compliance.cis_2.0.csv"]
    out = tmp_path / "out"
    assert (out / "aliaudit.csv").read_bytes().decode() == csv_text(items)
    assert (out / "aliaudit.html").read_text() == html_page(items, summary, compliance=head)
    assert json.loads((out / "aliaudit.summary.json").read_text()) == summary
    expected = _reference_compliance("cis_2.0", items)
    assert json.loads((out / "aliaudit.compliance.cis_2.0.json").read_text()) == expected
    with open(out / "aliaudit.compliance.cis_2.0.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["id"], r["status"], r["pass"], r["fail"]) for r in rows] == [
        (r["id"], r["status"], str(r["pass"]), str(r["fail"])) for r in expected["requirements"]]
    events = json.loads((out / "aliaudit.ocsf.json").read_text())
    when = datetime.fromisoformat(events[0]["time_dt"].replace("Z", "+00:00")).astimezone(timezone.utc)
    assert events == json.loads(ocsf_text(items, when))


def test_latest_findings_json_is_written_and_read_one_item_at_a_time():
    items = [f.model_dump(mode="json") for f in _findings(120)]
    for data in (items, [], [{}], [{"a": [1.5, None, True, {"b": []}], "c": -2}]):
        buf = io.BytesIO()
        assert write_array(buf, (json.dumps(item).encode() + b"\n" for item in data)) == len(data)
        raw = buf.getvalue()
        assert json.loads(raw) == data and raw.count(b"\n") == len(data) + 1 + bool(data)  # one item a line
        for size in (1, 5, 333, 1 << 20):
            assert list(array_items(raw[i:i + size] for i in range(0, len(raw), size))) == data
    for bad in (b"", b"{}", b"[1,", b"[1 2]", b"[1]x", b'[{"a":', b"[\xff]", b"[1,]", b"[" * 100_000):
        with pytest.raises(ValueError):
            list(array_items([bad]))


def test_a_large_item_arriving_in_small_chunks_is_decoded_in_linear_time():
    """An incomplete item is decoded again only once its text has doubled: 2 MiB in 64 KiB chunks is a handful of
    attempts, not 32 (each over the whole text so far), and the item still comes out whole."""
    import json as json_mod

    item = {"details": "x" * (2 << 20)}
    raw = json_mod.dumps([item, 1]).encode()
    attempts = []
    decode = json_mod.JSONDecoder.raw_decode

    def counted(self, s, idx=0):  # (counts our own parser's attempts: no SDK involved)
        attempts.append(len(s) - idx)
        return decode(self, s, idx)

    json_mod.JSONDecoder.raw_decode = counted
    try:
        got = list(array_items(raw[i:i + (64 << 10)] for i in range(0, len(raw), 64 << 10)))
    finally:
        json_mod.JSONDecoder.raw_decode = decode
    assert got == [item, 1]
    assert sum(attempts) < 5 * len(raw)


def test_scan_order_is_kept_whatever_order_checks_run_in(monkeypatch: pytest.MonkeyPatch):
    """run_scan gives the checks' order (by id, then region) though checks run as their data arrives."""
    import aliaudit.scan as scan

    checks = list(all_checks().values())[:6]
    regions = ["cn-hangzhou", "cn-shanghai"]
    chunks = [(c, r, [Finding(check_id=c.meta.id, title="t", family=c.meta.family, severity=Severity.LOW,
                              status=Status.PASS, message="m", account_id="1", region=r,
                              resource_id=f"{c.meta.id}@{r}")])
              for c in checks for r in ([scan.GLOBAL] if c.meta.scope == "global" else regions)]
    shuffled = random.Random(3).sample(chunks, len(chunks))
    monkeypatch.setattr(scan, "scan_findings", lambda factory, request, progress=None: iter(shuffled))
    got = scan.run_scan(None, scan.ScanRequest(account_id="1", regions=regions))  # type: ignore[arg-type]
    assert [f.resource_id for f in got] == [items[0].resource_id for _, _, items in chunks]


def test_compliance_lists_findings_in_report_order_whatever_order_they_come_in(tmp_path: Path):
    """A scan adds a check's findings as each region finishes; the report lists them by region all the same."""
    rank = {"global": 0, "cn-hangzhou": 1, "eu-west-1": 2}
    items = _findings(400)
    in_order = sorted(items, key=lambda f: rank[f.region])  # (stable: the order within a region is kept)
    with Compliance("cis_2.0", tmp_path) as a, Compliance("cis_2.0", tmp_path) as b:
        for f in in_order:
            a.add(f)
        for f in sorted(items, key=lambda f: -rank[f.region]):  # the last region first
            b.add(f, (rank[f.region],))
        assert compliance_text(b) == compliance_text(a)


def _forking(monkeypatch: pytest.MonkeyPatch, cores: int = 3) -> list[int]:
    """Forked report writing from 50 findings on, on `cores` CPUs, the forks counted (pytest's workers may run
    threads of their own: the children here only write files)."""
    forks: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(writer, "FORKED_FINDINGS", 50)
    monkeypatch.setattr(writer, "can_fork", lambda: True)
    monkeypatch.setattr(writer, "cores", lambda: cores)
    monkeypatch.setattr(writer.os, "fork", counted)
    return forks


@pytest.mark.parametrize(("cores", "forked"), [(3, 2), (2, 1), (1, 0)])  # (a process per format, at most a core each)
def test_a_large_spool_writes_its_formats_in_forked_processes_with_the_same_bytes(tmp_path: Path,
                                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                                   cores: int, forked: int):
    items = _findings(200)
    summary = summarize(items, {"account_id": "1234567890123456", "generated_at": "2026-01-01T00:00:00Z"})
    forks = _forking(monkeypatch, cores)
    with Spool(tmp_path) as spool:
        spool.add(items[100:], (2,))
        spool.add(items[:100], (1,))
        writer.write_all(tmp_path / "out", spool, list(writer.FORMATS), summary)
    assert len(forks) == forked
    out = tmp_path / "out"
    assert (out / "aliaudit.csv").read_bytes().decode() == csv_text(items)
    assert (out / "aliaudit.html").read_text() == html_page(items, summary)
    assert json.loads((out / "aliaudit.summary.json").read_text()) == summary
    events = json.loads((out / "aliaudit.ocsf.json").read_text())
    when = datetime.fromisoformat(events[0]["time_dt"].replace("Z", "+00:00")).astimezone(timezone.utc)
    assert events == json.loads(ocsf_text(items, when))
    assert sorted(p.name for p in out.iterdir()) == sorted(writer.FORMATS.values())  # (no temporary file left)


def test_formats_are_shared_among_the_cores_by_cost_each_group_paying_one_parse():
    formats = ["ocsf", "csv", "html", "summary"]
    assert writer.format_groups(formats, 1) == [["csv", "ocsf", "html"]]
    assert writer.format_groups(formats, 2) == [["csv"], ["ocsf", "html"]]  # (18.5 and 23.3 us a finding)
    assert writer.format_groups(formats, 3) == writer.format_groups(formats, 8) == [["csv"], ["ocsf"], ["html"]]
    assert writer.format_groups(["summary"], 4) == [[]]


def test_a_forked_format_that_cannot_be_written_fails_the_reports_with_its_reason(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch):
    items = _findings(100)
    forks = _forking(monkeypatch)
    (tmp_path / "out" / "aliaudit.html").mkdir(parents=True)
    (tmp_path / "out" / "aliaudit.html" / "keep").write_text("a directory where the HTML report goes")
    with Spool(tmp_path) as spool, pytest.raises(writer.OutputError) as err:
        spool.add(items)
        writer.write_all(tmp_path / "out", spool, ["csv", "html"], summarize(items, {}))
    assert len(forks) == 1
    assert str(err.value) == f"output directory {tmp_path / 'out'}: cannot write the reports (Is a directory)"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["aliaudit.csv", "aliaudit.html"]


def test_a_requirement_is_not_passed_while_a_resource_is_unjudged(tmp_path: Path):
    """One MANUAL finding (a resource the checks could not judge, or one for a person to review) leaves the
    requirement MANUAL whatever the others' PASS; muted (a person decided, e.g. not applicable), it no longer does."""
    check = all_checks()["oss_bucket_objects_not_public"]  # (CIS 5.2)

    def finding(resource: str, status: Status, muted: bool = False) -> Finding:
        return Finding(check_id=check.meta.id, title=check.meta.title, family=check.meta.family,
                       severity=check.meta.severity, status=status, message="m", account_id="1234567890123456",
                       region="cn-hangzhou", resource_id=resource, resource_type="oss:bucket", cis=check.meta.cis,
                       muted=muted, mute_reason="not applicable" if muted else "")

    def verdict(*found: Finding) -> dict[str, Any]:
        with Compliance("cis_2.0", tmp_path) as comp:
            for f in found:
                comp.add(f)
            return next(r for r in comp.head()["requirements"] if r["id"] == "5.2")

    unjudged = verdict(finding("bucket-a", Status.PASS), finding("bucket-b", Status.MANUAL))
    assert (unjudged["status"], unjudged["pass"], unjudged["manual_findings"]) == ("MANUAL", 1, 1)
    decided = verdict(finding("bucket-a", Status.PASS), finding("bucket-b", Status.MANUAL, muted=True))
    assert (decided["status"], decided["muted"]) == ("PASS", 1)
