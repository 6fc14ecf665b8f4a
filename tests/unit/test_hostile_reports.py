"""Reports as an attack surface (issue 21 item 9): text from the audited account (resource names, descriptions,
tags, messages) lands in the HTML and CSV reports. In the HTML page it must never end the embedded JSON's
script element or open a comment (an RDS description `<!--<script>` blanked the findings in Chromium); in the
CSV it must never be a formula a spreadsheet evaluates. (The page in a real browser: test_html_report.py.)"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from aliaudit.findings import Finding
from aliaudit.reports import csv_report
from tests.rendering import csv_text, html_page, summarize

HOSTILE = ["<!--<script>", "</script><script>alert(1)</script>", "</SCRIPT >", "<!-- -->", "a]]>b", "&lt;&amp;",
           "line\u2028sep\u2029para", "<\u0000>", "\\u003c"]


def finding(text: str, **extra: str) -> Finding:
    base = {"check_id": "rds_instance_no_public_access", "title": "t", "family": "rds", "severity": "high",
            "status": "FAIL", "message": text, "account_id": "1234567890123456", "region": "cn-hangzhou",
            "resource_id": text, "resource_name": text, "mute_reason": text, "risk": text, "remediation": text}
    return Finding(**{**base, **extra})


def _data_element(page: str) -> str:
    """The JSON data script's content as an HTML parser sees it: up to the first '</script'."""
    start = page.index('<script type="application/json" id="aliaudit-data">') + len(
        '<script type="application/json" id="aliaudit-data">')
    return page[start:page.lower().index("</script", start)]


def test_embedded_json_cannot_close_the_script_or_open_a_comment():
    findings = [finding(t) for t in HOSTILE] + [finding("ok", account_name="<!--<script>", family="<b>")]
    page = html_page(findings, summarize(findings))
    content = _data_element(page)
    # nothing the HTML parser acts on inside the element: no tag open, no comment, no character reference
    assert not re.search(r"[<>&\u2028\u2029]", content), content[:500]
    data = json.loads(content)  # the element ends where the JSON ends: all of it, and it parses
    assert [f["message"] for f in data["findings"]] == [*HOSTILE, "ok"]
    assert data["accounts"] == ["1234567890123456", "1234567890123456 (<!--<script>)"]
    assert data["families"] == ["<b>", "rds"]
    # the rest of the page: exactly the two script elements of the template
    assert page.lower().count("<script") == 2 and page.lower().count("</script") == 2


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
                                  "@SUM(1,1)", "\t=1", "\r=1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(1)"])
def test_csv_cells_a_spreadsheet_would_evaluate_are_neutralised(text):
    f = finding(text, account_name=text)
    rows = list(csv.reader(io.StringIO(csv_text([f]), newline="")))
    assert rows[0] == csv_report.COLUMNS
    cells = dict(zip(csv_report.COLUMNS, rows[1], strict=True))
    for column in ("account_name", "resource_id", "resource_name", "message", "mute_reason", "remediation"):
        assert cells[column] == "'" + text, (column, cells[column])
    assert cells["check_id"] == "rds_instance_no_public_access" and cells["status"] == "FAIL"


def test_csv_leaves_ordinary_text_alone():
    f = finding("bucket a-b=c is public (10 - 2 rules); see @docs", resource_name="", account_name="acme")
    rows = list(csv.reader(io.StringIO(csv_text([f]), newline="")))
    cells = dict(zip(csv_report.COLUMNS, rows[1], strict=True))
    assert cells["message"] == "bucket a-b=c is public (10 - 2 rules); see @docs"
    assert cells["resource_name"] == "" and cells["account_name"] == "acme" and cells["muted"] == "false"


def test_csv_a_carriage_return_inside_a_cell_cannot_forge_a_row():
    f = finding("x\rforged row")  # (no comma: a comma alone gets the cell quoted)
    rows = list(csv.reader(io.StringIO(csv_text([f]), newline="")))
    assert len(rows) == 2 and dict(zip(csv_report.COLUMNS, rows[1], strict=True))["message"] == f.message
