"""The installed `aliaudit` console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from aliaudit import __version__

SCRIPT = Path(sys.executable).parent / "aliaudit"


def test_console_script_reports_its_version():
    out = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"aliaudit {__version__}"


def test_help_describes_the_tool():
    out = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=True)
    assert "credentials URI" in out.stdout
    assert "Alibaba Cloud" in out.stdout


def test_the_parser_constants_match_the_product():
    """The parser names the report formats, severities and frameworks without importing the writer or the
    compliance package (a quick `aliaudit --help`): they must stay what those modules say."""
    from aliaudit import compliance
    from aliaudit.cli import catalog, scan
    from aliaudit.findings import Severity
    from aliaudit.reports import writer

    assert list(writer.FORMATS) == scan.FORMAT_CHOICES
    assert [s.value for s in Severity] == scan.SEVERITIES
    assert sorted(compliance.FRAMEWORKS) == catalog.FRAMEWORKS
    assert catalog.DEFAULT_FRAMEWORK == compliance.DEFAULT
