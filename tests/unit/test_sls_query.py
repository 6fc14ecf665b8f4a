"""aliaudit.sls_query: SLS alert queries read with three-valued logic against described events. An alert counts
only where its query surely matches (TRUE); a condition on a field the description leaves open is UNKNOWN."""

from __future__ import annotations

import time

import pytest

from aliaudit.sls_query import (
    FALSE,
    PRESENT,
    TRUE,
    UNKNOWN,
    Truth,
    blockers,
    evaluate,
    field_key,
    fields_of,
    loose_wildcards,
    named_fields,
    surely_matches,
    vocabulary,
)

SG = {"event.eventName": "CreateSecurityGroup", "event.eventType": "ApiCall", "event.serviceName": "Ecs"}
SIGNIN = {"eventName": "ConsoleSignin", "eventType": "ConsoleSignin", "errorCode": PRESENT}
DENIED = {"errorCode": "NoPermission*", "eventType": "ApiCall"}  # a code family: NoPermission, NoPermission.Xxx


def test_fields_compare_by_their_last_segment() -> None:
    assert field_key("event.userIdentity.type") == field_key("Type") == "type"
    assert evaluate("eventName: CreateSecurityGroup", SG) is TRUE  # event.eventName described, eventName asked


@pytest.mark.parametrize(("query", "want"), [
    ("event.eventName: CreateSecurityGroup", TRUE),
    ("event.eventName: createsecuritygroup", TRUE),  # search is case-insensitive
    ("event.eventName: DeleteSecurityGroup", FALSE),
    ("event.eventName: CreateSecurity", FALSE),  # whole tokens, never substrings
    ("event.eventName: *SecurityGroup*", UNKNOWN),  # no suffix matching in SLS: not read as a match
    ("event.eventName: Create?ecurityGroup", UNKNOWN),  # a fuzzy term on a prefix no one required
    ("event.eventName: *Vpc", UNKNOWN),
    ("event.eventName:CreateSecurityGroup", TRUE),  # the colon glued to the key
    ("event.eventName :CreateSecurityGroup", TRUE),  # ... or to the value
    ('"event.eventName": "CreateSecurityGroup"', TRUE),  # quoted key and value
    ("event.eventName: *", TRUE),  # the field is there
    ("event.errorCode: *", UNKNOWN),  # not described: maybe absent
    ("event.userIdentity.userName: alice", UNKNOWN),
    ("CreateSecurityGroup", TRUE),  # full text found in a described value
    ("alice", UNKNOWN),  # full text found nowhere described: it may be elsewhere in the log
    ("*", TRUE),
    ("", TRUE),
])
def test_terms(query: str, want: Truth) -> None:
    assert evaluate(query, SG) is want


@pytest.mark.parametrize(("query", "want"), [
    ("event.eventName: X or event.eventName: CreateSecurityGroup", TRUE),
    ("event.eventName: X OR event.eventName: Y", FALSE),
    ("event.eventName: CreateSecurityGroup AND event.serviceName: Ecs", TRUE),
    ("event.eventName: CreateSecurityGroup event.serviceName: Ecs", TRUE),  # side by side: and
    ("event.eventName: CreateSecurityGroup event.serviceName: Vpc", FALSE),
    ("event.eventName: CreateSecurityGroup and event.userIdentity.userName: alice", UNKNOWN),
    ("event.eventName: CreateSecurityGroup or event.userIdentity.userName: alice", TRUE),
    ("event.eventName: X or event.userIdentity.userName: alice", UNKNOWN),
    ("event.eventName: X and event.userIdentity.userName: alice", FALSE),
    # and binds tighter than or: (a and b) or c
    ("event.eventName: X and event.serviceName: Ecs or event.eventName: CreateSecurityGroup", TRUE),
    ("event.eventName: CreateSecurityGroup or event.eventName: X and event.userIdentity.userName: alice", TRUE),
    ("(event.eventName: CreateSecurityGroup or event.eventName: X) and event.userIdentity.userName: alice", UNKNOWN),
    ("not event.eventName: CreateSecurityGroup", FALSE),
    ("NOT event.eventName: X", TRUE),
    ("not event.userIdentity.userName: alice", UNKNOWN),
    ("event.eventName: *SecurityGroup* and not event.eventName: DeleteSecurityGroup", UNKNOWN),
    ("event.eventName: CreateSecurityGroup not event.eventName: CreateSecurityGroup", FALSE),  # binary not: a and not b
    ("not (event.eventName: X or event.serviceName: Vpc)", TRUE),
    ("not (event.eventName: X or event.serviceName: Ecs)", FALSE),
    ("not not event.eventName: CreateSecurityGroup", TRUE),
])
def test_operators(query: str, want: Truth) -> None:
    assert evaluate(query, SG) is want


def test_how_far_not_reaches_is_read_both_ways() -> None:
    # `not a and b`: (not a) and b, or not (a and b); only what both readings give counts
    assert evaluate("not event.eventName: X and event.serviceName: Ecs", SG) is TRUE  # both TRUE
    assert evaluate("not event.eventName: X and event.serviceName: Vpc", SG) is UNKNOWN  # FALSE or TRUE
    assert evaluate("not event.eventName: CreateSecurityGroup and event.serviceName: Ecs", SG) is FALSE


@pytest.mark.parametrize("query", [
    "(event.eventName: CreateSecurityGroup",
    "event.eventName: CreateSecurityGroup)",
    'event.eventName: "CreateSecurityGroup',
    "event.eventName: CreateSecurityGroup and",
    "or event.eventName: CreateSecurityGroup",
    "event.eventName:",
])
def test_what_cannot_be_read_is_unknown(query: str) -> None:
    assert evaluate(query, SG) is UNKNOWN
    assert blockers(query, SG)[0].text.startswith("a query that could not be read")


@pytest.mark.parametrize(("query", "want"), [
    ("request_time > 5 or event.eventName: CreateSecurityGroup", TRUE),  # a range is not evaluated: UNKNOWN
    ("request_time>5 and event.eventName: CreateSecurityGroup", UNKNOWN),
    ("request_time in [50 100] and event.eventName: CreateSecurityGroup", UNKNOWN),
    ("request_time in (50 100] or event.eventName: X", UNKNOWN),
    ("__tag__:__client_ip__: 10.0.0.1 and event.eventName: CreateSecurityGroup", UNKNOWN),
    ('#"CreateSecurityGroup"', TRUE),  # a phrase search
])
def test_other_search_forms(query: str, want: Truth) -> None:
    assert evaluate(query, SG) is want


@pytest.mark.parametrize(("query", "want"), [
    ("event.eventName: CreateSecurityGroup | select count(1) as cnt", TRUE),  # no WHERE: does not narrow
    ("* | select \"event.eventName\", count(1) as c group by \"event.eventName\"", TRUE),
    ("* | select * from log where \"event.eventName\" = 'CreateSecurityGroup'", TRUE),
    ("* | select * from log where event.eventName = 'CreateSecurityGroup'", TRUE),
    ("* | select * from log where \"event.eventName\" = 'createsecuritygroup'", UNKNOWN),  # SQL is exact
    ("* | select * from log where \"event.eventName\" != 'CreateSecurityGroup'", FALSE),
    ("* | select * from log where \"event.eventName\" <> 'X'", TRUE),
    ("* | select * from log where \"event.eventName\" in ('X', 'CreateSecurityGroup')", TRUE),
    ("* | select * from log where \"event.eventName\" not in ('X', 'CreateSecurityGroup')", FALSE),
    ("* | select * from log where \"event.eventName\" like 'Create%'", TRUE),
    ("* | select * from log where \"event.eventName\" like 'Create_ecurityGroup'", TRUE),
    ("* | select * from log where \"event.eventName\" not like '%Group'", FALSE),
    ("* | select * from log where \"event.serviceName\" is not null", TRUE),
    ("* | select * from log where \"event.serviceName\" is null", FALSE),
    ("* | select * from log where \"event.serviceName\" != ''", TRUE),
    ("* | select * from log where \"event.acsRegion\" = 'cn-hangzhou'", UNKNOWN),
    ("* | select * from log where (\"event.eventName\" = 'X' or \"event.serviceName\" = 'Ecs') and not "
     "\"event.eventName\" = 'Y' limit 10", TRUE),
    ("* | select * from log where \"event.eventName\" = 'X' or \"event.acsRegion\" = 'cn-hangzhou'", UNKNOWN),
    ("* | select * from log where lower(\"event.eventName\") = 'createsecuritygroup'", UNKNOWN),
    ("* | select count(1) as c having c > 5", UNKNOWN),
    ("* | select * from (select * from log where \"event.acsRegion\" = 'x')", UNKNOWN),
    ("* | where \"event.eventName\" = 'CreateSecurityGroup'", TRUE),  # SPL's where stage
    ("* | select * from log where \"event.eventName\" = 'CreateSecurityGroup", UNKNOWN),  # unclosed literal
    ("event.eventName: X | select * from log where \"event.acsRegion\" = 'x'", FALSE),  # the search decides
])
def test_sql(query: str, want: Truth) -> None:
    assert evaluate(query, SG) is want


def test_present_fields_and_error_code_families() -> None:
    assert evaluate("eventName: ConsoleSignin and errorCode: *", SIGNIN) is TRUE
    assert evaluate("eventName: ConsoleSignin and errorCode: InvalidPassword", SIGNIN) is UNKNOWN
    assert evaluate("eventName: ConsoleSignin and not errorCode: *", SIGNIN) is FALSE
    assert evaluate("* | select 1 from log where \"event.errorCode\" != 'x'", SIGNIN) is UNKNOWN
    # a family's two spellings (NoPermission, NoPermission.Xxx: one token, '.' is no SLS delimiter) must each match,
    # in search as in SQL: the stem alone misses the members; NoPermission* covers both where the stem is required
    assert evaluate("errorCode: NoPermission", DENIED) is UNKNOWN
    assert evaluate("errorCode: NoPermission*", DENIED, vocabulary(["NoPermission*"])) is TRUE
    assert evaluate("errorCode: NoPermission*", DENIED) is UNKNOWN  # (its prefix not required: not trusted)
    assert evaluate("errorCode: NoPermission.*", DENIED, vocabulary(["NoPermission*"])) is UNKNOWN
    assert evaluate("errorCode: Forbidden", DENIED) is FALSE
    assert evaluate("* | select 1 from log where \"event.errorCode\" like 'NoPermission%'", DENIED) is TRUE
    assert evaluate("* | select 1 from log where \"event.errorCode\" = 'NoPermission'", DENIED) is UNKNOWN


EGRESS = {"event.eventName": "AuthorizeSecurityGroupEgress", "event.eventType": "ApiCall"}
REQUIRED = vocabulary(["AuthorizeSecurityGroup", "AuthorizeSecurityGroupEgress", "CreatePolicy"])


@pytest.mark.parametrize(("query", "want"), [
    # "Fuzzy search does not support suffix matching" (sls-doc search_with_index FAQ): a leading wildcard is unknown
    ("event.eventName: *SecurityGroupEgress", UNKNOWN),
    ("event.eventName: ?uthorizeSecurityGroupEgress", UNKNOWN),
    ("not event.eventName: *Vpc", UNKNOWN),  # (never FALSE, which a not would turn into TRUE)
    # abc* matches at most 100 words ("Fuzzy match"): a prefix counts only when it is itself a required name
    ("event.eventName: AuthorizeSecurityGroup*", TRUE),
    ("event.eventName: Authorize*", UNKNOWN),
    ("event.eventName: CreatePolicy*", FALSE),  # a required prefix that does not match is a miss
    ("AuthorizeSecurityGroup*", TRUE),  # full text too
    ('event.eventName: "AuthorizeSecurityGroup*"', UNKNOWN),  # whether quotes make * literal is not settled
])
def test_wildcards_count_only_on_a_required_prefix(query: str, want: Truth) -> None:
    assert evaluate(query, EGRESS, REQUIRED) is want


def test_loose_wildcards_are_named() -> None:
    assert loose_wildcards("event.eventName: *SecurityGroup* or event.eventName: Create* or x: *", REQUIRED) == [
        "event.eventName: Create*", "event.eventName: *SecurityGroup*"]
    assert loose_wildcards("event.eventName: AuthorizeSecurityGroup* and event.errorCode: *", REQUIRED) == []


def test_blockers_say_what_narrows() -> None:
    narrowed = "(event.eventName: CreateSecurityGroup or event.eventName: X) and event.userIdentity.userName: alice"
    assert [b.text for b in blockers(narrowed, SG)] == ["event.userIdentity.userName: alice"]
    assert [(b.text, b.field) for b in blockers("event.eventName: * and not event.eventName: CreateSecurityGroup",
                                                SG)] == [("not event.eventName: CreateSecurityGroup", "eventname")]
    assert [b.text for b in blockers("event.serviceName: Vpc and event.eventName: CreateSecurityGroup", SG)] == [
        "event.serviceName: Vpc"]
    assert blockers("event.eventName: CreateSecurityGroup", SG) == []


def test_naming_needs_a_positive_specific_value() -> None:
    assert named_fields("event.eventName: CreateSecurityGroup and event.serviceName: Ecs", SG) == {
        "eventname", "servicename"}
    assert named_fields("*", SG) == set()
    assert named_fields("event.eventName: *", SG) == set()  # a bare * names nothing ...
    assert named_fields("eventName: ConsoleSignin and errorCode: *", SIGNIN) == {"eventname", "errorcode"}  # ... but
    assert named_fields("not event.eventName: X", SG) == set()  # what is PRESENT, and negations name nothing
    assert named_fields("CreateSecurityGroup", SG) == {"eventname"}
    assert named_fields("* | select 1 from log where \"event.eventName\" in ('CreateSecurityGroup')", SG) == {
        "eventname"}
    assert fields_of("event.eventName: A or CreateVpc | select 1 from log where \"event.acsRegion\" = 'x'") == {
        "eventname", "", "acsregion"}


def _quick(query: str) -> None:
    start = time.monotonic()
    assert evaluate(query, SG) is UNKNOWN and not surely_matches(query, SG)
    why = blockers(query, SG)
    assert why and all(len(b.text) <= 200 for b in why)  # messages stay short
    assert time.monotonic() - start < 2


def test_hostile_queries_are_unknown_and_quick() -> None:
    _quick("(" * 100_000 + "event.eventName: CreateSecurityGroup" + ")" * 100_000)  # too long
    _quick("(" * 30_000 + "event.eventName: CreateSecurityGroup" + ")" * 30_000)  # too deep
    _quick("not " * 10_000 + "event.eventName: X")
    _quick("event.eventName: CreateSecurityGroup " * 300_000)  # about 10 MB
    _quick('event.eventName: "CreateSecurityGroup ' + "x " * 20_000)
    _quick("* | select * from log where " + "(" * 20_000 + "\"event.eventName\" = 'x'" + ")" * 20_000)
    _quick("event.eventName: CreateSecurityGroup | select * from log where \"a\" = '" + "'" * 3 + "x" * 30_000)


def test_like_is_matched_without_backtracking_blow_up() -> None:
    """A tenant's alert query is input: `like '%_%_...%Z'` made the regex it was compiled to backtrack
    exponentially (5 s for 12 pairs against one event name); the matcher goes back only to the last %."""
    hostile = "%_" * 2_000 + "Z"
    assert evaluate(f"* | select 1 from log where \"event.eventName\" like '{hostile}'", SG) is FALSE
    assert evaluate(f"* | select 1 from log where \"event.eventName\" like '{'%_' * 10}p'", SG) is TRUE
    from aliaudit.sls_query import like_matches

    for pattern, text, want in (("", "", True), ("%", "", True), ("_", "", False), ("a%b", "axxb", True),
                                ("a%b", "axxbx", False), ("%a%", "bab", True), ("a_c", "abc", True),
                                ("a_c", "ac", False), ("%%a", "a", True), ("A%", "abc", False)):
        assert like_matches(pattern, text) is want, (pattern, text)
    assert like_matches("A%", "abc", case=False)
