"""Issue 21 items 4, 5 and 6: the mutelist and the YAML files cannot blind the auditor.

4. YAML: an alias bomb, deep nesting, a huge or malformed file end in one error naming the file, the line and
   the reason (the CLI exits 1; the pipeline logs it, mutes nothing and writes its reports).
5. Silent muting: an entry that mutes every check needs `all: true`; the mutelist's SHA-256 and the muted count
   are in the summary and the SLS logs; a changed mutelist or a jump of the muted share raises the SLS alert.
6. Patterns: RE2 (no catastrophic backtracking), entries indexed (50,000 entries), patterns that match the empty
   string refused, `tags:` matching the tags findings carry (ACK clusters).

Property-based fuzzing of the YAML and mutelist loaders is at the end. The CLI cases that could exhaust memory
on a vulnerable build run in a subprocess with an address-space limit, so a regression fails instead of
eating the machine."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aliaudit import safeyaml
from aliaudit.checks.registry import all_checks
from aliaudit.config import AuditConfig
from aliaudit.errors import ConfigError
from aliaudit.findings import Finding, Severity, Status
from aliaudit.mutelist import MAX_BYTES, Mutelist, parse
from aliaudit.mutelist import load as load_mutelist
from tests.sdk import base_scenario, load

SCRIPT = str(Path(sys.executable).parent / "aliaudit")
TODAY = date.today()
FAR = "2099-01-31"

# the 568-byte document of the issue: nine levels of nine aliases, 9^9 (387 million) strings when expanded
ALIAS_BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    mutelist:
      - check: ram_user_console_mfa_enabled
        reason: *i
        expires: 2099-01-31
    """)


def finding(check: str = "ram_user_console_mfa_enabled", resource: str = "bob", *, region: str = "cn-hangzhou",
            account: str = "1234567890123456", tags: dict[str, str] | None = None,
            status: Status = Status.FAIL) -> Finding:
    return Finding(check_id=check, title=check, family=check.split("_")[0], severity=Severity.HIGH, status=status,
                   message="m", account_id=account, region=region, resource_id=resource,
                   details={f"tag:{k}": v for k, v in (tags or {}).items()})


def entry(**fields: Any) -> dict[str, Any]:
    return {"reason": "accepted", "expires": FAR, **fields}


def mutelist_yaml(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"mutelist": list(entries)}).encode()  # (JSON is YAML)


def _limited() -> None:  # a vulnerable build fails with MemoryError instead of growing without bound
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIunused0000000001",
           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "unused", "ALIAUDIT_ENDPOINT_PROXY": "http://127.0.0.1:9"}
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
                          preexec_fn=_limited)


def one_line_error(out: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert out.returncode == 1, (out.returncode, out.stderr[-2000:])
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    for part in parts:
        assert part in lines[0], lines[0]


# --- item 4: YAML ------------------------------------------------------------------------------------

def test_alias_bomb_mutelist_is_one_line_error_in_the_cli(tmp_path):
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) < 700
    out = run_cli(tmp_path, "scan", "--mutelist", "bomb.yaml")
    one_line_error(out, "mutelist bomb.yaml", "line 5", "aliases expand to more than")


def test_alias_bomb_config_is_one_line_error_in_the_cli(tmp_path):
    (tmp_path / "bomb.yaml").write_text(ALIAS_BOMB.split("mutelist:")[0] + "accounts: {include: *i}\n")
    out = run_cli(tmp_path, "scan", "--config", "bomb.yaml")
    one_line_error(out, "config file bomb.yaml", "line 5", "aliases expand to more than")


@pytest.mark.parametrize(("text", "problem"), [
    ("a: " + "[" * 40 + "]" * 40, "line 1: nested more than 32 levels deep"),
    ("a: &x [1, *x]\n", "line 1: alias *x is inside the collection it refers to (a cycle)"),
    ("a: 1\nb: *nowhere\n", "line 2: alias *nowhere refers to no anchor"),
    ("a: 1\n---\nb: 2\n", "line 2: not valid YAML (expected a single document"),
    ("a: [1,\n  2\n", "line 3: not valid YAML"),
    ("expires: 2027-02-30\n", "line 1: cannot read the value '2027-02-30': day is out of range"),
    ("a: !!python/object/apply:os.system [id]\n", "line 1: not valid YAML (could not determine a constructor"),
    ("a: 1\nb: \x07\n", "line 2: not valid YAML (unacceptable character"),
])
def test_yaml_problems_are_one_error_with_the_line(text, problem):
    with pytest.raises(safeyaml.YamlProblem) as err:
        safeyaml.parse(text, max_bytes=1 << 20)
    assert str(err.value).startswith(problem), str(err.value)


def test_yaml_size_limit_is_checked_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * 2000)
    with pytest.raises(safeyaml.YamlProblem, match="more than the 1,000 bytes"):
        safeyaml.read(path, max_bytes=1000)
    with pytest.raises(safeyaml.YamlProblem, match="line 2: not UTF-8 text"):
        safeyaml.parse(b"a: 1\nb: \xff\n", max_bytes=1000)
    big = tmp_path / "mutelist.yaml"
    with big.open("wb") as fh:  # (sparse: no 16 MB written)
        fh.truncate(MAX_BYTES + 10)
    with pytest.raises(ConfigError, match=f"mutelist {big}: more than the {MAX_BYTES:,} bytes"):
        load_mutelist(big)


def test_anchors_and_a_few_aliases_are_still_fine():
    data = textwrap.dedent("""\
        common: &prod-exceptions [{resource: ci-prod}, {resource: ci-release}]
        mutelist:
          - check: ram_user_console_mfa_enabled
            resource: "ci-.*"
            exceptions: *prod-exceptions
            reason: &why CI users are reviewed quarterly
            expires: 2099-01-31
          - check: ram_user_mfa_enabled_console_access
            resource: "ci-.*"
            exceptions: *prod-exceptions
            reason: *why
            expires: 2099-01-31
        """).encode()
    ml = parse(data, "m.yaml")
    assert [e.line for e in ml.entries] == [3, 8]
    assert [x.resource for x in ml.entries[1].exceptions] == ["ci-prod", "ci-release"]


def test_the_config_file_reads_through_the_same_loader(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("defaults: &d {access_key_max_age_days: 30}\n")
    with pytest.raises(ConfigError, match="defaults: Extra inputs are not permitted"):
        AuditConfig.load(path)
    path.write_text("access_key_max_age_days: 30\npassword_policy: {minimum_length: 16}\n")
    assert AuditConfig.load(path).password_policy.minimum_length == 16
    path.write_text("")
    assert AuditConfig.load(path) == AuditConfig()


# --- item 6: patterns ----------------------------------------------------------------------------------

CATASTROPHIC = """
import sys, time
from datetime import date
from aliaudit.findings import Finding, Severity, Status
from aliaudit.mutelist import parse
ml = parse(b'mutelist: [{check: x_y, resource: "(a+)+$", reason: r, expires: 2099-01-31}]', "m.yaml")
f = Finding(check_id="x_y", title="t", family="x", severity=Severity.LOW, status=Status.FAIL, message="m",
            account_id="1", region="r", resource_id="a" * 40 + "!")
started = time.monotonic()
ml.apply([f], date.today())
print(f.muted, round(time.monotonic() - started, 3))
"""


def test_a_catastrophic_pattern_does_not_hang_the_scan():
    """`(a+)+$` against 40 a's and a '!' backtracks 2^40 times in Python's re; RE2 answers at once. (Run in a
    process of its own: on a backtracking engine the test fails by its timeout instead of hanging.)"""
    out = subprocess.run([sys.executable, "-c", CATASTROPHIC], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    muted, _seconds = out.stdout.split()
    assert muted == "False"


def test_python_only_syntax_is_refused_with_the_reason():
    for pattern, reason in (("(?<=a)b", "RE2 syntax: no look-around"), ("(a)\\1", "invalid escape sequence"),
                            ("a{1001}", "invalid repetition size"), ("x" * 1001, "at most 1000 characters")):
        with pytest.raises(ConfigError) as err:
            parse(mutelist_yaml(entry(check="ram_.*", resource=pattern)), "m.yaml")
        assert "line 1: resource: Value error" in str(err.value) and reason in str(err.value), str(err.value)


@pytest.mark.parametrize("field", ["resource", "region", "account", "check"])
@pytest.mark.parametrize("pattern", ["prod|", "(dev)*", "(x)?", "", "|", "\\d*"])
def test_a_pattern_matching_the_empty_string_is_refused(field, pattern):
    doc = mutelist_yaml(entry(**{"check": "ram_.*", field: pattern}))
    with pytest.raises(ConfigError, match=f"line 1: {field}: Value error, .*(matches the empty string|empty "
                                          "pattern)"):
        parse(doc, "m.yaml")


def test_an_empty_matching_tag_pattern_no_longer_mutes_every_finding():
    """The attack: tags: {env: 'prod|'} matched the empty value of every finding without the tag."""
    with pytest.raises(ConfigError, match="tags: Value error, tag 'env': 'prod|' matches the empty string"):
        parse(mutelist_yaml(entry(check="ram_.*", tags={"env": "prod|"})), "m.yaml")
    # '.*' on a tag: the tag is present, whatever its value; a finding without it is not matched
    ml = parse(mutelist_yaml(entry(check="ram_.*", tags={"env": ".*"})), "m.yaml")
    bare, tagged, empty = finding(resource="a"), finding(resource="b", tags={"env": "prod"}), \
        finding(resource="c", tags={"env": ""})
    ml.apply([bare, tagged, empty], TODAY)
    assert (bare.muted, tagged.muted, empty.muted) == (False, True, True)


def test_fifty_thousand_entries_mute_what_they_name_in_file_order():
    """50,000 entries (literal check and resource ids, regular expressions, expired ones, exceptions) on 35
    findings: each finding muted by the first entry in file order that matches it, as one by one would. (The
    attack is a timing one: 51 s before; `python -m tests.bench --mutelist` measures it, goal < 1 s.)"""
    checks = sorted(all_checks())
    entries = []
    for n in range(50_000):
        check = checks[n % len(checks)]
        if n % 1000 == 7:
            entries.append(entry(check=check[:4] + ".*", resource=f"svc-{n % 35}-[0-9]+", reason=f"regex {n}"))
        elif n % 1000 == 11:
            entries.append(entry(check=check, resource=f"user-{n % 35}", reason=f"expired {n}",
                                 expires=str(TODAY - timedelta(days=1))))
        else:
            entries.append(entry(check=check, resource=f"user-{n}", region="cn-.*", reason=f"literal {n}"))
    entries.append(entry(check="ram_user_console_mfa_enabled", resource="user-.*", reason="late regex",
                         exceptions=[{"resource": "user-3"}]))
    ml = parse(mutelist_yaml(*entries), "big.yaml")
    assert len(ml.entries) == 50_001
    findings = [finding(checks[n % len(checks)], f"user-{n}", region="cn-hangzhou" if n % 5 else "eu-west-1")
                for n in range(30)]
    findings += [finding(checks[n % len(checks)], f"svc-{n % 35}-{n}") for n in (7, 1007, 2007)]
    findings += [finding("ram_user_console_mfa_enabled", r) for r in ("user-77777", "user-3")]
    expired = ml.apply(findings, TODAY)
    assert len(expired) == 50

    def first_match(f: Finding) -> str:  # the reference: every entry in order, Python's re
        import re

        for e in entries:
            if e["expires"] <= str(TODAY):
                continue
            if (re.fullmatch(e["check"], f.check_id) and re.fullmatch(e["resource"], f.resource_id)
                    and re.fullmatch(e.get("region", ".*"), f.region)
                    and not any(re.fullmatch(x["resource"], f.resource_id) for x in e.get("exceptions", []))):
                return e["reason"]
        return ""

    expected = [first_match(f) for f in findings]
    assert [f.mute_reason for f in findings] == expected
    assert [f.muted for f in findings] == [bool(r) for r in expected]
    assert {r.split()[0] for r in expected if r} == {"literal", "regex", "late"}  # every kind took part
    assert not findings[-1].muted  # the exception
    assert sum(f.muted for f in findings) >= 20


def test_tags_entries_mute_tagged_ack_clusters(cloud):
    """ACK findings carry their cluster's tags (details 'tag:<key>'); before, findings had none and a `tags:`
    entry muted nothing."""
    from tests.scanning import scan

    load(cloud, base_scenario(cs={"clusters": [
        {"name": "dev", "id": "cdev", "current_version": "1.33.3-aliyun.1", "tags": {"env": "dev", "team": "a"}},
        {"name": "prod", "id": "cprod", "current_version": "1.33.3-aliyun.1", "tags": {"env": "production"}},
        {"name": "bare", "id": "cbare", "current_version": "1.33.3-aliyun.1"}]}))
    findings = scan(cloud, families=["ack"], regions=["cn-hangzhou"])
    assert {f.details.get("tag:env") for f in findings if f.resource_id == "cdev"} == {"dev"}
    assert all("tag:env" not in f.details for f in findings if f.resource_id == "cbare")
    ml = parse(mutelist_yaml(entry(check="ack_.*", tags={"env": "dev|test"}, reason="dev clusters")), "m.yaml")
    ml.apply(findings, TODAY)
    assert {f.resource_id for f in findings if f.muted} == {"cdev"}
    assert all(f.mute_reason == "dev clusters" for f in findings if f.muted)


# --- fuzzing --------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
KEYS = ["mutelist", "check", "resource", "region", "account", "tags", "exceptions", "reason", "expires", "all",
        "env", "a", "<<"]
SCALARS = ["ram_.*", "ram_user_console_mfa_enabled", "bob", "prod|", ".*", "(a+)+$", "2099-01-31", "2027-02-30",
           "true", "1e9999", "~", "'x'", '"\\ud800"', "!!binary aGk=", "!!str 1", "[", "}", "&a x", "*a", "", "0o17"]


@st.composite
def yaml_like(draw: st.DrawFn) -> str:
    """Text built from YAML's own pieces (keys, anchors, aliases, flow and block collections, tags), deep or
    wide, well-formed or not: the loader must answer each with a value or one YamlProblem."""
    anchors: list[str] = []

    def node(depth: int) -> str:
        kind = draw(st.sampled_from(["scalar", "alias", "seq", "map", "anchor"] if depth < 40 else ["scalar"]))
        if kind == "alias" and anchors:
            return "*" + draw(st.sampled_from(anchors))
        if kind == "anchor":
            name = f"a{len(anchors)}"
            anchors.append(name)
            return f"&{name} " + node(depth + 1)
        if kind == "seq":
            return "[" + ", ".join(node(depth + 1) for _ in range(draw(st.integers(0, 9)))) + "]"
        if kind == "map":
            pairs = [f"{draw(st.sampled_from(KEYS))}: {node(depth + 1)}" for _ in range(draw(st.integers(0, 6)))]
            return "{" + ", ".join(pairs) + "}"
        return draw(st.sampled_from(SCALARS))

    return "mutelist: " + node(0) if draw(st.booleans()) else node(0)


@FUZZ
@given(st.one_of(yaml_like(), st.text(max_size=400), st.binary(max_size=400).map(lambda b: b.decode("latin-1"))))
def test_fuzz_the_yaml_loader_answers_a_value_or_one_problem(text):
    try:
        value, _ = safeyaml.parse(text, max_bytes=1 << 16)
    except safeyaml.YamlProblem as err:
        assert str(err) and "\n" not in str(err)
        return
    json.dumps(value, default=str)  # a plain value of bounded size: serialisable without recursion


VALID = {"check": "ram_user_.*", "resource": "bob|ci-.*", "region": "cn-.*", "tags": {"env": "dev"},
         "exceptions": [{"resource": "ci-prod"}], "reason": "accepted", "expires": FAR}
patterns = st.one_of(st.sampled_from(["prod|", "(a+)+$", ".*", "", "a{1001}", "(?i)BoB", "[", "\\d+", "é.", "\\-x",
                                      "x|y", "(?<=a)", "\\C", "\x00"]), st.text(max_size=12))
entries = st.fixed_dictionaries({}, optional={
    "check": patterns, "resource": patterns, "region": patterns, "account": patterns,
    "tags": st.dictionaries(st.text(max_size=5), patterns, max_size=2),
    "exceptions": st.lists(st.fixed_dictionaries({}, optional={"resource": patterns, "check": patterns}), max_size=2),
    "reason": st.one_of(st.just("r"), st.text(max_size=5), st.integers()),
    "expires": st.one_of(st.just(FAR), st.dates().map(str), st.text(max_size=10)),
    "all": st.one_of(st.booleans(), st.just("yes"))})


@FUZZ
@given(st.one_of(st.lists(entries, max_size=4).map(lambda es: mutelist_yaml(*es)),
                 st.lists(entries, max_size=3).map(lambda es: yaml_dump({"mutelist": es})),
                 yaml_like().map(str.encode), st.binary(max_size=200)),
       st.lists(st.tuples(st.sampled_from(["ram_user_console_mfa_enabled", "oss_bucket_public", "x"]),
                          st.text(max_size=45), st.dictionaries(st.sampled_from(["env", "a"]), st.text(max_size=6))),
                max_size=5))
def test_fuzz_a_mutelist_loads_and_mutes_or_is_one_clear_error(data, targets):
    try:
        ml = parse(data, "fuzz.yaml")
    except ConfigError as err:
        assert str(err).startswith("mutelist fuzz.yaml: ") and "\n" not in str(err), str(err)
        return
    assert isinstance(ml, Mutelist) and len(ml.sha256) == 64
    findings = [finding(c, r, tags=t) for c, r, t in targets]
    ml.apply(findings, TODAY)  # any pattern that loaded matches in linear time, on any value
    for f in findings:
        assert f.muted == bool(f.mute_reason)


def yaml_dump(value: Any) -> bytes:
    import yaml

    return yaml.safe_dump(value, allow_unicode=True).encode()
