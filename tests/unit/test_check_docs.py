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


def test_every_check_names_the_source_of_its_idea():
    """Issue 20: docs/checks.md lists every check with where its idea comes from: its CIS id, or a Cloud Config
    rule id, a peer's check or the documentation that motivates it (`source`)."""
    missing = [cid for cid, c in all_checks().items() if not c.meta.cis and not c.meta.source.strip()]
    assert not missing, f"checks with neither a CIS id nor a `source`: {missing}"
    text = docs.render()
    for cid, c in all_checks().items():
        section = text.split(f"### `{cid}`\n", 1)[1].split("\n### ", 1)[0]
        assert "- Source: " in section and (not c.meta.source or c.meta.source in section), cid
