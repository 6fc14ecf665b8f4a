"""Issue 15, a standing oracle: docs/checks.md states, per check, what exactly is evaluated and, for CIS-mapped
checks, the CIS v2.0.0 audit procedure the verdict follows. Both come from the check metadata."""

from __future__ import annotations

from aliaudit import docs
from aliaudit.checks.registry import all_checks


def test_every_check_says_what_it_evaluates():
    missing = [cid for cid, c in all_checks().items() if not c.meta.evaluates.strip()]
    assert not missing, f"checks without `evaluates`: {missing}"


def test_every_cis_mapped_check_names_the_audit_procedure_it_follows():
    missing = [cid for cid, c in all_checks().items() if c.meta.cis and not c.meta.cis_audit.strip()]
    assert not missing, f"CIS-mapped checks without `cis_audit`: {missing}"


def test_cis_audit_only_on_cis_mapped_checks():
    stray = [cid for cid, c in all_checks().items() if c.meta.cis_audit and not c.meta.cis]
    assert not stray, f"`cis_audit` on checks with no CIS id: {stray}"


def test_the_generated_page_shows_both_for_each_check():
    text = docs.render()
    for cid, c in all_checks().items():
        section = text.split(f"### `{cid}`\n", 1)[1].split("\n### ", 1)[0]
        assert "- Evaluates: " in section, cid
        assert ("- CIS audit procedure followed: " in section) == bool(c.meta.cis), cid
