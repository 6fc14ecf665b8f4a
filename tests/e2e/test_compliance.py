"""The CIS v2.0.0 catalogue, the coverage derived from check metadata, the list-checks / list-compliance
commands of the installed script, and docs/checks.md being up to date."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from aliaudit import compliance, docs
from aliaudit.checks.registry import all_checks
from aliaudit.cli import main
from aliaudit.compliance import cis_2_0
from tests.e2e.test_scan_cli import run as scan_cli  # noqa: F401 - the fixture, used by name
from tests.paths import ROOT

SCRIPT = Path(sys.executable).parent / "aliaudit"
CIS_IDS = ([f"1.{i}" for i in range(1, 17)] + [f"2.{i}" for i in range(1, 24)] + [f"3.{i}" for i in range(1, 6)]
           + [f"4.{i}" for i in range(1, 7)] + [f"5.{i}" for i in range(1, 10)] + [f"6.{i}" for i in range(1, 10)]
           + [f"7.{i}" for i in range(1, 10)] + [f"8.{i}" for i in range(1, 9)])


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_catalogue_holds_all_85_recommendations_as_the_benchmark_marks_them():
    reqs = cis_2_0.REQUIREMENTS
    assert [r.id for r in reqs] == CIS_IDS and len(reqs) == 85
    assert Counter(r.assessment for r in reqs) == {"Automated": 41, "Manual": 44}
    assert Counter(r.level for r in reqs) == {"L1": 66, "L2": 19}
    assert Counter(r.section for r in reqs) == {
        "Identity and Access Management": 16, "Logging and Monitoring": 23, "Networking": 5, "Virtual Machines": 6,
        "Storage": 9, "Relational Database Services": 9, "Kubernetes Engine": 9, "Security Center": 8}
    levels = {r.id: r.level for r in reqs}  # the ones a peer tool tags differently
    assert [levels[i] for i in ("3.4", "3.5", "6.3", "8.4", "8.6", "8.7", "8.8")] == ["L1", "L1", "L2"] + ["L1"] * 4
    assert all(r.title and len(r.guidance) > 60 for r in reqs)


def test_coverage_is_derived_from_check_metadata():
    checks = all_checks()
    reqs = compliance.coverage("cis_2.0", checks)
    assert [r["id"] for r in reqs] == CIS_IDS
    for r in reqs:
        assert set(r["checks"]) <= set(checks), f"{r['id']} maps unknown checks"
        assert all(r["id"] in checks[c].meta.cis for c in r["checks"])
        if r["checks"]:
            assert r["manual"] is False and "guidance" not in r
        else:
            assert r["manual"] is True and r["guidance"]
    mapped = {c for r in reqs for c in r["checks"]}
    assert mapped == {cid for cid, c in checks.items() if c.meta.cis}
    assert compliance.unknown_references("cis_2.0", checks) == {}
    # one source of truth: a requirement loses its checks when the metadata does
    without_sc = {cid: c for cid, c in checks.items() if c.meta.family != "securitycenter"}
    by_id = {r["id"]: r for r in compliance.coverage("cis_2.0", without_sc)}
    assert by_id["8.6"]["manual"] is True and "AliyunServiceRoleForSasCspm" in by_id["8.6"]["guidance"]
    sc = {r["id"]: r["checks"] for r in reqs if r["id"] in ("2.9", "4.5", "4.6", "8.1", "8.2", "8.8")}
    assert "securitycenter_server_protected" in sc["8.2"] and "securitycenter_server_agent_installed" in sc["4.6"]
    assert all(sc.values())


def test_list_checks_json_from_the_installed_script():
    out = run("list-checks", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["id"] for r in rows] == sorted(all_checks())
    assert set(rows[0]) >= {"id", "family", "severity", "title", "cis", "events"}
    for r in rows:
        assert re.fullmatch(rf"{r['family']}_[a-z0-9]+(_[a-z0-9]+)+", r["id"]), r["id"]
        assert r["severity"] in ("critical", "high", "medium", "low", "informational")
    agent = next(r for r in rows if r["id"] == "securitycenter_server_agent_installed")
    assert agent["cis"] == ["4.6"] and "AddUninstallClientsByUuids" in agent["events"]


def test_list_checks_family_filter_table_and_unknown_family(capsys):
    # in-process (the script itself is exercised above): the same entry point, without another start-up
    assert main(["list-checks", "--family", "securitycenter", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) >= 10 and {r["family"] for r in rows} == {"securitycenter"}
    assert main(["list-checks", "--family", "securitycenter"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["ID", "SEVERITY", "CIS"]
    assert "securitycenter_edition_advanced_or_higher" in out and "ram_" not in out
    assert main(["list-checks", "--family", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert "unknown family nosuch" in err and "securitycenter" in err


def test_list_compliance_json_from_the_installed_script():
    out = run("list-compliance", "cis_2.0", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["framework"] == "cis_2.0" and "v2.0.0" in data["name"]
    reqs = data["requirements"]
    assert [r["id"] for r in reqs] == CIS_IDS
    known = set(all_checks())
    for r in reqs:
        assert set(r) >= {"id", "title", "section", "level", "assessment", "checks", "manual"}
        assert set(r["checks"]) <= known
        assert r["manual"] == (not r["checks"]) and (not r["manual"] or r["guidance"])
    assert data["requirements"] == compliance.coverage("cis_2.0")


def test_list_compliance_default_framework_and_table(capsys):
    assert main(["list-compliance", "--format", "json"]) == 0  # cis_2.0 is the default
    assert json.loads(capsys.readouterr().out)["framework"] == "cis_2.0"
    assert main(["list-compliance"]) == 0
    out = capsys.readouterr().out
    assert "85 requirements" in out and "securitycenter_vulnerability_scan_enabled" in out
    assert run("list-compliance", "nist").returncode == 5  # a usage error: argparse rejects unknown frameworks


def test_help_lists_the_commands():
    out = run("--help")
    assert out.returncode == 0
    for cmd in ("whoami", "list-checks", "list-compliance"):
        assert cmd in out.stdout


def test_docs_checks_md_is_up_to_date():
    """Regenerate with `make docs` (python -m aliaudit.docs) after changing check metadata."""
    text = docs.render()
    assert (ROOT / "docs" / "checks.md").read_text() == text, "docs/checks.md is stale: run `make docs`"
    for cid in all_checks():
        assert f"### `{cid}`" in text
    assert "`securitycenter_server_agent_installed`" in text and "| 8.8 |" in text


def test_a_requirement_whose_checks_found_no_resource_says_so_in_every_compliance_output(scan_cli, tmp_path):  # noqa: F811
    """The scenario has RAM users but no ECS resource: SSH exposure (3.2, ECS checks) was checked and found nothing
    to judge, which the JSON, the CSV and the HTML report say instead of a PASS with no findings."""
    got = scan_cli("scan", "--family", "ram", "--family", "ecs", "--compliance", "cis_2.0", "--output-dir", "out",
              "--quiet")
    assert got.returncode == 3, got.stderr
    out = tmp_path / "out"
    report = json.loads((out / "aliaudit.compliance.cis_2.0.json").read_text())
    req = {r["id"]: r for r in report["requirements"]}
    assert req["3.2"]["status"] == "NO_RESOURCES" and req["3.2"]["findings"] == []
    assert "ecs_security_group_ssh_restricted" in req["3.2"]["checks"]
    assert req["1.4"]["status"] == "FAIL" and req["1.4"]["findings"]  # bob's console without MFA
    # every recommendation has a check now (issue 20: Anti-DDoS logs, 2.6, by the ddos family): one whose family
    # was not scanned claims nothing
    assert req["2.6"]["status"] == "NOT_SELECTED"
    assert report["totals"]["NO_RESOURCES"] == sum(r["status"] == "NO_RESOURCES" for r in report["requirements"])
    assert sum(report["totals"].values()) == 85
    with open(out / "aliaudit.compliance.cis_2.0.csv", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert len(rows) == 85
    assert (rows["3.2"]["status"], rows["3.2"]["pass"], rows["3.2"]["fail"]) == ("NO_RESOURCES", "0", "0")
    assert rows["1.4"]["status"] == "FAIL" and int(rows["1.4"]["fail"]) >= 1
    page = (out / "aliaudit.html").read_text()
    compliance_view = page[page.index('<section id="compliance">'):page.index("</section>",
                                                                              page.index('<section id="compliance">'))]
    row = next(r for r in compliance_view.split("<tr>") if r.startswith("<td>3.2</td>"))
    assert '<td class="NO_RESOURCES">no resources</td>' in row and "found no resource" in row and "PASS" not in row
    # ACK (7.x) was not selected: nothing is claimed for it, not even "no resources"
    kms = req["7.3"]
    assert kms["checks"] == ["ack_cluster_rbac_enabled"]
    assert kms["status"] == "NOT_SELECTED" and rows[kms["id"]]["status"] == "NOT_SELECTED"
    assert report["totals"]["NOT_SELECTED"] == sum(r["status"] == "NOT_SELECTED" for r in report["requirements"])
    kms_row = next(r for r in compliance_view.split("<tr>") if r.startswith(f"<td>{kms['id']}</td>"))
    assert '<td class="NOT_SELECTED">not selected</td>' in kms_row and "did not select" in kms_row
