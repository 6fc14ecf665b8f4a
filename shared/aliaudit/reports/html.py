"""One self-contained HTML report: no network fetches; counts, a status-by-family chart, filters by
status, severity, family, region and text, the compliance view, and each finding's risk and remediation."""

from __future__ import annotations

import html
import json
from typing import Any, TextIO

from ..findings import Finding
from .compliance import NO_RESOURCES, NOT_SELECTED
from .summary import STATUSES, not_audited

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#1d2733;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
main{padding:16px 24px}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{background:#fff;border-radius:6px;padding:10px 16px;min-width:110px;box-shadow:0 1px 2px #0002}
.card b{display:block;font-size:22px}.PASS{color:#1a7f37}.FAIL{color:#cf222e}.MANUAL{color:#9a6700}
.ERROR{color:#8250df}.NO_RESOURCES,.NOT_SELECTED{color:#57606a}section{margin-top:18px}table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e8ee;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6;position:sticky;top:0}.filters{display:flex;gap:8px;flex-wrap:wrap;margin:10px 0}
.filters select,.filters input{padding:4px}details summary{cursor:pointer}.muted{opacity:.6}
.bar{display:inline-block;height:12px}.legend span{margin-right:12px}
"""

_SCRIPT = """
const data = JSON.parse(document.getElementById('aliaudit-data').textContent);
const rows = document.getElementById('rows');
const sel = id => document.getElementById(id);
function fill(id, values){ const s = sel(id); values.forEach(v => { const o = document.createElement('option');
  o.value = v; o.textContent = v; s.appendChild(o); }); }
fill('f-status', data.statuses); fill('f-severity', data.severities); fill('f-family', data.families);
fill('f-region', data.regions); fill('f-account', data.accounts);
if (data.accounts.length < 2) sel('f-account').style.display = 'none';  // an organisation report only
function esc(t){ const d = document.createElement('div'); d.textContent = t == null ? '' : String(t);
  return d.innerHTML; }
function render(){
  const st = sel('f-status').value, sv = sel('f-severity').value, fa = sel('f-family').value,
        rg = sel('f-region').value, ac = sel('f-account').value, tx = sel('f-text').value.toLowerCase();
  const many = data.accounts.length > 1;
  let shown = 0; const out = [];
  for (const f of data.findings){
    if ((st && f.status !== st) || (sv && f.severity !== sv) || (fa && f.family !== fa) || (rg && f.region !== rg))
      continue;
    const acct = f.account_id + (f.account_name ? ' (' + f.account_name + ')' : '');
    if (ac && acct !== ac) continue;
    if (tx && !(f.check_id + ' ' + f.title + ' ' + f.resource_id + ' ' + f.message + ' ' + acct).toLowerCase()
        .includes(tx)) continue;
    shown++;
    out.push('<tr class="finding' + (f.muted ? ' muted' : '') + '" data-status="' + esc(f.status) + '">' +
      '<td class="' + esc(f.status) + '">' + esc(f.status) + (f.muted ? ' (muted: ' + esc(f.mute_reason) + ')' : '') +
      '</td><td>' + esc(f.severity) + '</td><td>' + esc(f.family) + '</td><td>' + esc(f.region) + '</td>' +
      '<td><details><summary>' + esc(f.check_id) + ' ' + esc(f.title) + '</summary><p><b>Risk:</b> ' +
      esc(f.risk) + '</p><p><b>Remediation:</b> ' + esc(f.remediation) + '</p><p><b>CIS:</b> ' +
      esc(f.cis.join(', ')) + '</p></details></td><td>' + (many ? esc(acct) + ': ' : '') + esc(f.resource_id) +
      '</td><td>' + esc(f.message) +
      '</td></tr>');
  }
  rows.innerHTML = out.join('');
  sel('shown').textContent = shown + ' of ' + data.findings.length + ' findings shown';
}
['f-status','f-severity','f-family','f-region','f-account'].forEach(id => sel(id).addEventListener('change', render));
sel('f-text').addEventListener('input', render);
render();
"""

_COLORS = {"PASS": "#1a7f37", "FAIL": "#cf222e", "MANUAL": "#d4a72c", "ERROR": "#8250df"}


def _chart(summary: dict[str, Any]) -> str:
    """Inline SVG-free bar chart: one stacked bar per family (widths in percent of the family's total)."""
    rows = []
    for fam, counts in summary["by_family"].items():
        total = sum(counts.values()) or 1
        bars = "".join(f'<span class="bar" title="{s}: {counts[s]}" style="width:{300 * counts[s] / total:.1f}px;'
                       f'background:{_COLORS[s]}"></span>' for s in STATUSES if counts[s])
        label = " ".join(f"{s} {counts[s]}" for s in STATUSES if counts[s])
        rows.append(f"<tr><td>{html.escape(fam)}</td><td>{bars}</td><td>{label}</td></tr>")
    legend = "".join(f'<span><span class="bar" style="width:12px;background:{c}"></span> {s}</span>'
                     for s, c in _COLORS.items())
    return f'<div class="legend">{legend}</div><table id="chart">{"".join(rows)}</table>'


def _verdict(status: str) -> str:
    return {NO_RESOURCES: "no resources", NOT_SELECTED: "not selected"}.get(status, status)


def _compliance(compliance: dict[str, Any] | None) -> str:
    if not compliance:
        return ""
    rows = []
    for req in compliance.get("requirements", []):
        status = str(req["status"])
        found = {NO_RESOURCES: "its checks found no resource to judge",
                 NOT_SELECTED: "this run did not select its checks"}.get(
            status, f'{req.get("fail", 0)} FAIL / {req.get("pass", 0)} PASS')
        rows.append(f'<tr><td>{html.escape(req["id"])}</td><td class="{html.escape(status)}">'
                    f'{html.escape(_verdict(status))}</td><td>{html.escape(req["title"])}</td>'
                    f'<td>{html.escape(", ".join(req.get("checks", [])))}</td><td>{found}</td></tr>')
    totals = compliance.get("totals", {})
    head = " ".join(f"{_verdict(k)}: {v}" for k, v in totals.items())
    return (f'<section id="compliance"><h2>{html.escape(compliance.get("framework", "Compliance"))}</h2>'
            f"<p>{html.escape(head)}</p><table><tr><th>Id</th><th>Status</th><th>Requirement</th><th>Checks</th>"
            f'<th>Findings</th></tr>{"".join(rows)}</table></section>')


# Inside <script> the HTML parser looks for "</script" and "<!--" (which, followed by "<script", hides the real
# end tag and blanks the page): no "<", ">" or "&" may appear as such, nor U+2028/2029 (line ends to older JS)
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _script_safe(json_text: str) -> str:
    """JSON text made safe to embed in a script element: those characters only occur inside JSON strings, where
    the \\uXXXX escape means the same character to JSON.parse. (str.replace, each only when needed: a quarter of
    a regular expression's time with a function per match, and a large report escapes a million characters.)"""
    for char, escape in _SCRIPT_ESCAPES.items():
        if char in json_text:
            json_text = json_text.replace(char, escape)
    return json_text


def _script_json(value: Any) -> str:
    return _script_safe(json.dumps(value))


class Writer:
    """The page into out, the findings' JSON one finding at a time as they are added (a large account's would
    not fit in memory as one string next to its objects); close() ends the page."""

    def __init__(self, out: TextIO, summary: dict[str, Any], *, title: str = "aliaudit report",
                 compliance: dict[str, Any] | None = None) -> None:
        self.out = out
        self.n = 0
        self.severities: set[str] = set()
        self.families: set[str] = set()
        self.regions: set[str] = set()
        self.accounts: set[str] = set()
        cards = "".join(f'<div class="card"><span class="{s}">{s}</span><b id="count-{s}">{summary["status"][s]}</b>'
                        "</div>" for s in STATUSES)
        meta = html.escape(" | ".join(f"{k}: {summary[k]}" for k in ("account_id", "run_id", "generated_at")
                                      if summary.get(k)))
        skipped = f'<div id="not-audited">{html.escape(line)}</div>' if (line := not_audited(summary)) else ""
        out.write(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><header><h1>{html.escape(title)}</h1><div>{meta}</div>{skipped}</header><main>
<section class="cards">{cards}<div class="card">muted<b>{summary["muted"]}</b></div></section>
<section><h2>Status by family</h2>{_chart(summary)}</section>
{_compliance(compliance)}
<section><h2>Findings</h2>
<div class="filters"><select id="f-status"><option value="">all statuses</option></select>
<select id="f-severity"><option value="">all severities</option></select>
<select id="f-family"><option value="">all families</option></select>
<select id="f-region"><option value="">all regions</option></select>
<select id="f-account"><option value="">all accounts</option></select>
<input id="f-text" type="search" placeholder="search text"><span id="shown"></span></div>
<table><thead><tr><th>Status</th><th>Severity</th><th>Family</th><th>Region</th><th>Check</th><th>Resource</th>
<th>Detail</th></tr></thead><tbody id="rows"></tbody></table></section></main>
<script type="application/json" id="aliaudit-data">""")
        out.write('{"findings": [')

    def add(self, f: Finding) -> None:
        if self.n:
            self.out.write(", ")
        self.n += 1
        self.out.write(_script_safe(f.model_dump_json()))  # (pydantic's JSON: a tenth of json.dumps' time)
        self.severities.add(f.severity.value)
        self.families.add(f.family)
        self.regions.add(f.region)
        self.accounts.add(f.account_id + (f" ({f.account_name})" if f.account_name else ""))

    def close(self) -> None:
        out = self.out
        lists = {"statuses": STATUSES, "severities": sorted(self.severities), "families": sorted(self.families),
                 "regions": sorted(self.regions), "accounts": sorted(self.accounts)}
        out.write("]")
        for key, value in lists.items():
            out.write(f", {json.dumps(key)}: {_script_json(value)}")
        out.write(f"""}}</script>
<script>{_SCRIPT}</script></body></html>
""")
