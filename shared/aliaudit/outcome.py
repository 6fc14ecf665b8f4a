"""What a run comes to, whichever flow ran it (one account, an organisation, the serverless aggregator): the
counts its reports need, kept in one pass as findings come (the summary, a framework's compliance report, the
organisation summary), its exit code, and the mutelist entries that expired. No argparse, no printing beyond
the expired entries' warnings."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Iterable
from datetime import date
from typing import Any, TextIO

from . import errors
from .findings import Finding, Status
from .mutelist import Entry, Mutelist
from .reports.compliance import Compliance
from .reports.org_summary import OrgSummary
from .reports.summary import Summary


class Tally:
    """The summary's counts, the compliance report of `framework` (None: none; its entries go to a temporary
    file in `directory`, removed by close) and, for an organisation, the per-account summary."""

    def __init__(self, framework: str | None = None, directory: str | os.PathLike[str] | None = None, *,
                 organisation: bool = False, selected: Collection[str] | None = None) -> None:
        self.summary = Summary()
        # selected: the run's check ids, so a requirement none of them judge is NOT_SELECTED (None: every check)
        self.compliance = Compliance(framework, directory, selected) if framework else None
        self.org = OrgSummary() if organisation else None

    def add(self, f: Finding, order: tuple[Any, ...] = ()) -> None:
        """Count one finding; `order` places it in the compliance report (findings of a check that come out
        of order, e.g. as regions finish, are listed in the report's order)."""
        self.summary.add(f)
        if self.compliance is not None:
            self.compliance.add(f, order)
        if self.org is not None:
            self.org.add(f)

    def add_all(self, findings: Iterable[Finding], order: tuple[Any, ...] = ()) -> None:
        for f in findings:
            self.add(f, order)

    def exit_code(self) -> int:
        return exit_code(sum(self.summary.failing.values()), self.summary.by_status[Status.ERROR.value])

    def close(self) -> None:
        if self.compliance is not None:
            self.compliance.close()

    def __enter__(self) -> Tally:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def exit_code(unmuted_fail: int, error: int) -> int:
    """The README's exit code of a finished scan: unmuted FAILs first, then ERRORs (a muted ERROR counts: it
    still says a check could not decide)."""
    if unmuted_fail:
        return errors.EXIT_FAIL
    if error:
        return errors.EXIT_ERROR
    return errors.EXIT_OK


def expired_entries(mutelist: Mutelist, today: date, warn: TextIO | None = None) -> list[Entry]:
    """The mutelist's entries that expired (they no longer mute), each named on `warn` when given."""
    expired = mutelist.apply([], today)
    if warn is not None:
        for e in expired:
            print(f"aliaudit: warning: mutelist {mutelist.source} line {e.line}: entry expired on {e.expires} "
                  f"and no longer mutes ({e.reason})", file=warn)
    return expired


def warn_expired(mutelist: Mutelist, today: date) -> list[Entry]:
    """expired_entries, each named on stderr (the command line's warning)."""
    return expired_entries(mutelist, today, sys.stderr)
