"""`aliaudit list-checks`, `list-compliance` and `policy`: what the auditor checks, how that covers a compliance
framework, and the RAM policy it needs, from the check metadata (no cloud access, no credentials, no SDK)."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from .. import errors
from .options import add_log_level

# compliance.FRAMEWORKS and compliance.DEFAULT, named here so that building the parser imports no check
# (tests/e2e/test_cli.py holds them equal)
FRAMEWORKS = ["cis_2.0"]
DEFAULT_FRAMEWORK = "cis_2.0"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    lc = sub.add_parser("list-checks", help="list every check: id, family, severity, title, CIS ids, trigger events")
    lc.add_argument("--family", action="append", metavar="F",
                    help="only this family (ram, actiontrail, ...); repeatable")
    lc.add_argument("--format", choices=["text", "json"], default="text")
    lp = sub.add_parser("list-compliance",
                        help="list a framework's requirements with the checks covering each (or manual guidance)")
    lp.add_argument("framework", nargs="?", default=DEFAULT_FRAMEWORK, choices=FRAMEWORKS,
                    help=f"framework (default {DEFAULT_FRAMEWORK})")
    lp.add_argument("--format", choices=["text", "json"], default="text")
    for p in (lc, lp):
        add_log_level(p)


def add_policy_parser(sub: argparse._SubParsersAction) -> None:
    pol = sub.add_parser("policy", help="print the least-privilege RAM policy for the selected checks")
    pol.add_argument("--family", action="append", metavar="FAMILY", help="only this family (repeatable)")
    pol.add_argument("--check", action="append", metavar="CHECK_ID", help="only this check (repeatable)")
    pol.add_argument("--organisation", action="store_true",
                     help="add what auditing a resource directory's members needs (list the directory, assume "
                          "the member roles); see docs/organisations.md")
    pol.add_argument("--member-role", metavar="NAME",
                     help="with --organisation: the audit role's name in the members, the only role the policy "
                          "lets the identity assume (default ResourceDirectoryAccountAccessRole, as scan's "
                          "--member-role)")
    add_log_level(pol)


def check_rows(families: list[str] | None = None) -> list[dict[str, Any]]:
    from ..checks.registry import all_checks

    checks = all_checks()
    known = sorted({c.meta.family for c in checks.values()})
    unknown = [f for f in families or [] if f not in known]
    if unknown:
        raise errors.ConfigError(f"unknown family {', '.join(unknown)}; known: {', '.join(known)}")
    return [{"id": c.meta.id, "family": c.meta.family, "severity": c.meta.severity.value, "title": c.meta.title,
             "cis": list(c.meta.cis), "events": list(c.meta.events), "scope": c.meta.scope}
            for c in checks.values() if not families or c.meta.family in families]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    return "\n".join([fmt.format(*headers)] + [fmt.format(*r) for r in rows])


def _short(items: list[str], limit: int = 3) -> str:
    if not items:
        return "-"
    return ",".join(items[:limit]) + (f",+{len(items) - limit}" if len(items) > limit else "")


def cmd_list_checks(args: argparse.Namespace) -> int:
    rows = check_rows(args.family)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return errors.EXIT_OK
    print(_table(["ID", "SEVERITY", "CIS", "TRIGGER EVENTS", "TITLE"],
                 [[r["id"], r["severity"], ",".join(r["cis"]) or "-", _short(r["events"]), r["title"]]
                  for r in rows]))
    print(f"\n{len(rows)} checks")
    return errors.EXIT_OK


def cmd_list_compliance(args: argparse.Namespace) -> int:
    from .. import compliance

    reqs = compliance.coverage(args.framework)
    if args.format == "json":
        fw = compliance.framework(args.framework)
        print(json.dumps({"framework": args.framework, "name": fw.NAME, "requirements": reqs}, indent=2))
        return errors.EXIT_OK
    lines = []
    for r in reqs:
        cover = ", ".join(r["checks"]) if r["checks"] else "MANUAL"
        lines.append(f"{r['id']:<5} {r['level']}  {r['assessment']:<9}  {r['title']}")
        lines.append(f"      covered by: {cover}")
        if r["manual"]:
            lines.extend(textwrap.wrap(r["guidance"], 110, initial_indent="      how to review: ",
                                       subsequent_indent="        "))
    manual = sum(r["manual"] for r in reqs)
    print("\n".join(lines))
    print(f"\n{len(reqs)} requirements: {len(reqs) - manual} covered by checks, {manual} manual")
    return errors.EXIT_OK


def cmd_policy(args: argparse.Namespace) -> int:
    from ..accounts import DEFAULT_ROLE
    from ..policy import MEMBER_ROLE_NAME, policy_document
    from ..scan import select_checks

    checks = select_checks(args.family, args.check)
    if not checks:
        raise errors.ConfigError("no check matches --family/--check")
    if args.member_role is not None and not args.organisation:
        raise errors.ConfigError("--member-role goes with --organisation (the member roles the policy may assume)")
    member_role = args.member_role or DEFAULT_ROLE
    if not MEMBER_ROLE_NAME.match(member_role):
        raise errors.ConfigError(f"--member-role: not a RAM role name: {member_role!r}")
    print(json.dumps(policy_document(checks, organisation=args.organisation, member_role=member_role), indent=2))
    return errors.EXIT_OK


COMMANDS = {"list-checks": cmd_list_checks, "list-compliance": cmd_list_compliance, "policy": cmd_policy}
