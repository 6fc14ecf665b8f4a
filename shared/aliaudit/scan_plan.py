"""How many processes a scan uses, decided from what it is about to do (issue 19).

Scan processes (scan_processes.py) pay on a large account: one process's thread cannot parse answers as fast
as the rate limits let them come, and a process per family group uses every core. A process that starts as a new
interpreter costs a small account more than it gives (it imports its SDKs again and holds its own memory, for a
few hundred calls one process handles in a second); a process forked from this one starts in milliseconds with
what this one has imported. In between, the checks' own CPU (security group rules, policies) is what takes the
time, and as many processes as there are cores share it without holding every group's memory at once. So:

- `--processes N` decides (1: in the caller's process; fewer than the family groups: the groups packed into N);
- checks of one family group need one process;
- the previous run in the output directory (its summary: the same account and number of checks) tells the
  size of the same scan again by its findings;
- else the first pages of the two account-wide listings every full scan starts with (RAM users, OSS buckets:
  one call each, SPLIT_ITEMS at most per page) tell the account's size; a family-only scan without either is
  taken as large (the split is the safe default there: it never costs much on a large account).

Small (under SMALL_*) and medium: the family groups packed into as many processes as there are cores, each
scanning its groups with its threads (latency overlaps within each, as in one process; a group after another in
a process of its own would wait out each one's latency in turn), the first of them the caller's own
(scan_processes: it costs no process), the others forked from it; a small account where processes cannot fork
(spawn, or another thread running) runs in one process. (The sample account: 2.3 s in one process, 1.5 s in
two forked.) Large (SPLIT_* and more): MAX_PROCESSES processes at once, the caller's own first; the RAM and OSS
groups, when their first pages showed them large, each in a process of its own (the longest collections: every
user's keys, every bucket's six settings), the other groups packed into the rest as for a medium account. A
process per group instead (31 families make 31, MAX_PROCESSES alive, the next starting as one ends) queued the
short, latency-bound groups behind each other: generated scale 0.5 took 41.6-45.8 s holding 524-553 MB summed
RSS; packed this way 29.1 s and 486 MB (scale 1: 67.2-70.2 s and 614-617 MB, now 57.6 s and 572 MB; scale 0.25:
17.4 s and 469-483 MB, now 15.6 s and 437 MB; 2 cores, bench latency and limits).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from . import apierrors
from .checks.registry import Check
from .clients import ClientFactory
from .forking import cores, forks
from .lazy import lazy_import
from .scan_processes import check_groups

log = logging.getLogger("aliaudit.processes")
ram_models = lazy_import("alibabacloud_ram20150501.models")

# Account sizes: RAM users + OSS buckets on the first pages, or the previous run's findings. The sample account
# (8 users and buckets, 235 findings) is small; generated scale 0.02 and 0.05 (140 and 350; 3,300 and 7,400)
# are medium; scale 0.125 and up (875 and more, 18,000 and more) are large.
SMALL_ITEMS, SPLIT_ITEMS = 50, 500
SIZED_BY = ("ram", "oss")  # the families whose first pages size the account
SMALL_FINDINGS, SPLIT_FINDINGS = 1_000, 15_000
# The scan processes of a large account: each holds its own interpreter, SDKs and data. Generated scale 1 on 2
# cores, a process per group: 8 at once took 81.6 s holding 551 MB together (PSS: shared pages counted once), 4 at
# once 77.7 s and 479 MB. Packed (RAM and OSS alone, the rest together), 3 processes are as fast as 4 and hold
# 70-90 MB less: scale 0.125 8.2 s and 330 MB (4: 8.9 s, 412 MB), 0.25 15.2 s and 367 MB (15.1 s, 462 MB), 0.5
# 28.9 s and 414 MB (29.5 s, 492 MB), 1 57.5 s and 482 MB (57.5 s, 588 MB): RAM's paced listing sets the pace,
# and the third process's threads keep both cores busy
MAX_PROCESSES = 3


@dataclass
class Plan:
    processes: int  # at once; 1: the scan runs in the caller's process
    reason: str
    packed: int | None = None  # the family groups packed into this many processes (None: one per group)
    heavy: frozenset[str] = frozenset()  # families whose group gets a process of its own when packed


def plan(factory: ClientFactory, checks: list[Check], requested: int | None, *, account_id: str,
         output_dir: Path | None = None, regions: list[str] | None = None) -> Plan:
    """The scan's processes and why; logged at INFO."""
    decided = _decide(factory, checks, requested, account_id, output_dir, regions)
    log.info("scan processes: %d (%s)", decided.processes, decided.reason)
    return decided


def _decide(factory: ClientFactory, checks: list[Check], requested: int | None, account_id: str,
            output_dir: Path | None, regions: list[str] | None) -> Plan:
    groups = len(check_groups(checks))
    if requested is not None:
        n = 1 if requested == 1 or groups < 2 else min(requested, groups)
        return Plan(n, f"--processes {requested}", packed=n if 1 < n < groups else None)
    if groups < 2:
        return Plan(1, "the selected checks are one family group")
    previous = previous_findings(output_dir, account_id, len(checks), regions) if output_dir else None
    families = {c.meta.family for c in checks}
    if previous is not None:  # (the summary does not say which families were large: both may be)
        return _sized(groups, previous, SMALL_FINDINGS, SPLIT_FINDINGS,
                      f"the previous run in the output directory had {previous} findings",
                      frozenset(families & set(SIZED_BY)))
    if not families & set(SIZED_BY):
        return _all_at_once(groups, "no RAM or OSS checks to size the account by")
    try:
        pages = first_pages(factory, families)
    except Exception as err:  # (a denied listing fails the scan's own collection later, with its reason)
        return _all_at_once(groups, f"the first pages could not be read ({apierrors.describe(err)})")
    items, more = sum(n for n, _ in pages.values()), any(m for _, m in pages.values())
    seen = f"{'more than ' if more else ''}{items} RAM users and OSS buckets on the first pages"
    # a family is heavy when its own listing is: more pages, or half the split on the first
    heavy = frozenset(f for f, (n, m) in pages.items() if m or n >= SPLIT_ITEMS // 2)
    return _sized(groups, SPLIT_ITEMS if more else items, SMALL_ITEMS, SPLIT_ITEMS, seen, heavy)


def _sized(groups: int, size: int, small: int, large: int, seen: str,
           heavy: frozenset[str] = frozenset()) -> Plan:
    n = min(groups, cores())
    if size < small:
        if n > 1 and forks():
            return Plan(n, f"{seen}, under {small}: a small account, the family groups in {n} processes forked "
                           "from this one (one a core)", packed=n)
        return Plan(1, f"{seen}, under {small}: a small account, one process")
    if size >= large:
        return _all_at_once(groups, f"{seen}, {large} or more: a large account", heavy)
    return Plan(n, f"{seen}, {small} to {large}: a medium account, the family groups in {n} processes (one a core)",
                packed=n if n > 1 else None)


def _all_at_once(groups: int, why: str, heavy: frozenset[str] = frozenset()) -> Plan:
    if groups <= MAX_PROCESSES:
        return Plan(groups, f"{why}: every family group at once")
    alone = f"the {' and '.join(sorted(h.upper() for h in heavy))} group{'s' if len(heavy) > 1 else ''} " \
            f"each in a process of {'their' if len(heavy) > 1 else 'its'} own, " if heavy else ""
    return Plan(MAX_PROCESSES, f"{why}: the {groups} family groups in {MAX_PROCESSES} processes ({alone}the others "
                               "packed)", packed=MAX_PROCESSES, heavy=heavy)


def first_pages(factory: ClientFactory, families: set[str]) -> dict[str, tuple[int, bool]]:
    """Per sizing family (ram: its users, oss: its buckets): the items on the first page of its listing
    (SPLIT_ITEMS at most) and whether it has more pages."""
    pages: dict[str, tuple[int, bool]] = {}
    if "ram" in families:
        body = factory.pop("ram").list_users(ram_models.ListUsersRequest(max_items=SPLIT_ITEMS)).body
        pages["ram"] = (len(body.users.user or []) if body.users else 0, bool(body.is_truncated))
    if "oss" in families:
        page = factory.oss_service().list_buckets(max_keys=SPLIT_ITEMS)
        pages["oss"] = (len(page.buckets), bool(page.is_truncated))
    return pages


def previous_findings(output_dir: Path, account_id: str, checks: int, regions: list[str] | None = None) -> int | None:
    """The number of findings of the last run of this account with as many checks (and, given, the same regions)
    written to output_dir (its summary), if there is one: a one-region run does not size an all-region scan."""
    try:
        summary = json.loads((output_dir / "aliaudit.summary.json").read_text())
    except (OSError, ValueError):
        return None
    if (not isinstance(summary, dict) or summary.get("account_id") != account_id or "accounts" in summary
            or summary.get("checks") != checks
            or (regions is not None and sorted(summary.get("regions") or []) != sorted(regions))):
        return None
    total = summary.get("total")
    return total if isinstance(total, int) and total >= 0 else None
