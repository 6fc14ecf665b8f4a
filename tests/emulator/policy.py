"""RAM policy evaluation: explicit Deny wins, then any Allow, else implicit deny.

Supports Effect, Action/NotAction and Resource/NotResource with `*` and `?` wildcards (actions match
case-insensitively, as RAM does). Conditions are not evaluated; a statement with a Condition is
applied as if the condition held, which is the conservative choice for Deny statements.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _match(pattern: str, value: str, *, case: bool) -> bool:
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _statement_applies(st: dict[str, Any], action: str, resource: str) -> bool:
    if "Action" in st:
        if not any(_match(p, action, case=False) for p in _as_list(st["Action"])):
            return False
    elif "NotAction" in st:
        if any(_match(p, action, case=False) for p in _as_list(st["NotAction"])):
            return False
    else:
        return False
    if "Resource" in st:
        return any(_match(p, resource, case=True) for p in _as_list(st["Resource"]))
    if "NotResource" in st:
        return not any(_match(p, resource, case=True) for p in _as_list(st["NotResource"]))
    return True


def decide(documents: list[dict[str, Any] | str], action: str, resource: str) -> str | None:
    """'Deny', 'Allow' or None (no statement matched)."""
    allowed = False
    for doc in documents:
        if isinstance(doc, str):
            doc = json.loads(doc)
        for st in _as_list_of_dicts(doc.get("Statement", [])):
            if not _statement_applies(st, action, resource):
                continue
            if st.get("Effect") == "Deny":
                return "Deny"
            if st.get("Effect") == "Allow":
                allowed = True
    return "Allow" if allowed else None


def _as_list_of_dicts(value: Any) -> list[dict[str, Any]]:
    return [value] if isinstance(value, dict) else list(value)


def trust_allows(document: dict[str, Any] | str, **kw: Any) -> bool:
    """Whether a role's trust policy lets this caller assume it (sts:AssumeRole*)."""
    return trust_verdict(document, **kw) == "allow"


def trust_verdict(document: dict[str, Any] | str, *, account_id: str, principal_arn: str,
                  service: str | None = None, external_id: str | None = None, federated: str | None = None) -> str:
    """'allow', 'external_id' (the principal is trusted but the ExternalId condition fails) or 'principal'."""
    doc = json.loads(document) if isinstance(document, str) else document
    verdict = "principal"
    for st in _as_list_of_dicts(doc.get("Statement", [])):
        if st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal", {})
        ok = False
        # a RAM role named as principal trusts that role's sessions (acs:ram::<id>:assumed-role/<name>/<session>)
        session = re.fullmatch(r"acs:ram::(\d+):assumed-role/([^/]+)/[^/]+", principal_arn)
        role_arn = f"acs:ram::{session[1]}:role/{session[2]}" if session else None
        for entry in _as_list(principal.get("RAM")):
            if entry in (f"acs:ram::{account_id}:root", account_id, "*") or _match(entry, principal_arn, case=True) \
                    or (role_arn and entry.lower() == role_arn.lower()):
                ok = True
        if service and service in _as_list(principal.get("Service")):
            ok = True
        if federated and federated in _as_list(principal.get("Federated")):
            ok = True
        if not ok:
            continue
        cond = st.get("Condition", {})
        want = cond.get("StringEquals", {}).get("sts:ExternalId")
        if want is not None and external_id not in _as_list(want):
            verdict = "external_id"
            continue
        return "allow"
    return verdict


# --- condition keys of OSS bucket policies ------------------------------------------------------------------
# Bucket policies (products/oss.py) evaluate the Condition keys below; any other key is unknown to the emulator
# and the statement's condition counts as held (see conditions_hold). Operators per RAM's policy grammar.

def _bool_value(values: list[str]) -> set[bool]:
    return {str(v).lower() == "true" for v in values}


def _string_match(op: str, want: list[str], have: str) -> bool:
    if op in ("StringEquals", "StringNotEquals"):
        hit = have in want
    elif op in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        hit = have.lower() in {w.lower() for w in want}
    else:  # StringLike / StringNotLike: * and ? wildcards, case-sensitive
        hit = any(_match(w, have, case=True) for w in want)
    return not hit if "Not" in op else hit


_STRING_OPS = {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
               "StringLike", "StringNotLike"}


def conditions_hold(condition: dict[str, Any] | None, context: dict[str, Any]) -> bool | None:
    """Whether a statement's Condition holds for a request whose known keys are in context (acs:SecureTransport:
    bool, acs:AccessId: str, ...). Every operator and key must hold (AND). None: some key or operator is unknown
    to the emulator (then the caller decides; every known part that fails still makes it False)."""
    if not condition:
        return True
    unknown = False
    for op, keys in condition.items():
        if not isinstance(keys, dict):
            return None
        for key, raw in keys.items():
            want = _as_list(raw if not isinstance(raw, bool) else str(raw).lower())
            if key not in context or (op != "Bool" and op not in _STRING_OPS):
                unknown = True
                continue
            have = context[key]
            if op == "Bool":
                held = bool(have) in _bool_value(want)
            elif have is None:  # the key is absent from the request (anonymous: no AccessId)
                held = "Not" in op  # a negated operator holds when the key is missing
            else:
                held = _string_match(op, want, str(have))
            if not held:
                return False
    return None if unknown else True
