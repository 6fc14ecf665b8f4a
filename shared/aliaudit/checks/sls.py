"""Log Service checks: CIS Alibaba Cloud Foundations v2.0.0 2.3, 2.10-2.22 (alerts on ActionTrail events)
and 2.23 (logstore retention), plus the retention of the logstores ActionTrail delivers to.

An alert counts for a CIS item only if it is enabled, one of its queries reads the logstore an ActionTrail
trail (that is logging) delivers to, or the actiontrail_log logstore of the account's Log Audit Service central
project (slsaudit-center-<account>-<region>, where the CIS audit procedures look), and its queries there surely
match every event the item is about (aliaudit.sls_query). Each required event is described by what ActionTrail
surely writes for it (eventName, eventType, serviceName) plus the item's conditions (error code, root account,
MFA); some query must match every event of that description, whatever its other fields hold. A condition on
another field (a user name, a region), a serviceName of another service or a `not` that removes one of the
events makes the alert not count. The query must also name the item: its event names (as whole names, never by
substring: ``CreatePolicyVersion`` does not cover ``CreatePolicy``), error codes (a family such as NoPermission.Xxx
by ``NoPermission*``: ``NoPermission`` alone misses NoPermission.Xxx) and conditions; a bare ``*`` watches
everything and names nothing. A wildcard counts only as a trailing ``*`` on one of the item's own names
(``AuthorizeSecurityGroup*`` covers AuthorizeSecurityGroup and AuthorizeSecurityGroupEgress): Log Service has no
suffix matching (``*SecurityGroup*``) and expands a prefix to at most 100 words (``Create*``), see
aliaudit.sls_query. Only a trail recording every region (TrailRegion All) and write events (EventRW All or Write)
holds every event an item asks about: an alert on the logstore of a trail of one region or of read events only does
not count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..collectors.sls import (
    AUDIT,
    CENTRAL_LOGSTORE,
    CENTRAL_PROJECT,
    LOGSTORES,
    AlertInfo,
    AuditData,
    LogstoreInfo,
    ProjectInfo,
    TrailTarget,
)
from ..datasets import Scope
from ..findings import Result, Status
from ..sls_query import (
    PRESENT,
    Blocker,
    Value,
    blockers,
    field_key,
    fields_of,
    loose_wildcards,
    named_fields,
    surely_matches,
    vocabulary,
)
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL
# What changes an alert or the trail it reads. CreateAlert, UpdateAlert, EnableAlert, DisableAlert and DeleteAlert are
# the Log Service API 2020-12-30 operations on /alerts (OpenMeta sls/2020-12-30 api-docs.json). Alerts are also jobs
# (/jobs, what aliyun-log-python-sdk's create_alert and the console call): ActionTrail's "Auditable events of Log
# Service" (https://alibabacloud.com/help/en/actiontrail/product-overview/auditable-events-of-log-service) lists
# "CreateJob: A task, such as an alert or a tracking task, is created". The stored copies of that page stop before
# the Update/Delete rows, so UpdateJob and DeleteJob (the RAM actions of the /jobs update and delete, log:UpdateJob,
# log:DeleteJob) are taken as their event names: an extra name costs a re-run, a missing one leaves a stale result.
ALERT_EVENTS = ["CreateAlert", "UpdateAlert", "EnableAlert", "DisableAlert", "DeleteAlert", "CreateJob", "UpdateJob",
                "DeleteJob", "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging",
                "CreateLogStore", "DeleteLogStore"]  # (an alert's logstore deleted: it watches nothing)
RETENTION_EVENTS = ["CreateLogStore", "UpdateLogStore", "DeleteLogStore", "DeleteProject"]


# --- what ActionTrail writes ---------------------------------------------------------------------------------------
# Only these fields are described; a query's condition on any other field reads UNKNOWN and the alert does not count.
# - eventType: "ApiCall: an API operation is called", "ConsoleSignin: a logon to the Alibaba Cloud Management
#   Console" (ActionTrail "Management event structure", https://www.alibabacloud.com/help/doc-detail/28819.html); an
#   API called from a console is an ApiCall too (ActionTrail's UpdateTrail sample event with userAgent
#   actiontrail.console.aliyun.com, https://help.aliyun.com/document_detail/28826.html).
# - serviceName: Alibaba's own ActionTrail CIS alert queries (aliyun/alibabacloud-landing-zone, terraform-modules/
#   terraform-alicloud-landing-zone-actiontrail-event-alert/cis_at_*.tf; their titles in
#   shared/reference/lz_alerts.txt): ram_policy_change "event.serviceName: ResourceManager or event.serviceName: Ram",
#   cloudfirewall_conf_change "Cloudfw", vpc_route_change and vpc_conf_change "Ecs or ... Vpc", oss_policy_change
#   "Oss", rds_conf_change "Rds", ak_conf_change "Kms", securitygroup_change "Ecs" (and EventBridge's ActionTrail
#   sample "serviceName": "Ecs", https://www.alibabacloud.com/help/en/eventbridge/user-guide/actiontrail-events).
#   Where Alibaba's query accepts two names ActionTrail may write either, so an alert must match both. No source
#   gives the console sign-in's serviceName: not described.
# - __topic__: not described, on a trail's logstore as on the Log Audit central actiontrail_log, so an alert
#   conditioned on it does not count. The sources disagree: "fixed as actiontrail_audit_event" in Log Service "Log
#   fields" (https://www.alibabacloud.com/help/en/sls/log-fields-25) and the Chinese page of help doc 173654
#   (https://help.aliyun.com/document_detail/173654.html), "Valid value: actiontrail_event" in the English page of
#   the same doc 173654 (https://www.alibabacloud.com/help/doc-detail/173654.htm) and in Log Service "ActionTrail"
#   (https://www.alibabacloud.com/help/en/sls/actiontrail).
API_CALL, CONSOLE_SIGNIN = "ApiCall", "ConsoleSignin"


@dataclass(frozen=True)
class Described:
    """One way an event of the item looks: the fields it surely has, and the keys of those an alert must name
    (test for that value) to count as watching it."""

    fields: Mapping[str, Value]
    names: tuple[str, ...]


@dataclass(frozen=True)
class Required:
    """An event the item is about. Each entry of `each` is a spelling ActionTrail may write (every one must be
    surely matched); within an entry, alternative descriptions (one surely matched is enough)."""

    label: str
    each: tuple[tuple[Described, ...], ...]


@dataclass
class Shortfall:
    """What an alert's queries leave out of an item."""

    missing: list[str] = field(default_factory=list)  # labels of required events not surely matched
    narrowing: list[Blocker] = field(default_factory=list)  # the conditions that keep the others out
    relevant: bool = False  # the queries name one of the item's events at all
    loose: list[str] = field(default_factory=list)  # wildcard terms not read as a sure match (leading, short prefix)

    @property
    def covered(self) -> bool:
        return not self.missing and not self.narrowing


def stems_of(reqs: Sequence[Required]) -> frozenset[str]:
    """The values the item names its events by (event names, error codes, conditions): the only literal prefixes a
    wildcard term may stand on (AuthorizeSecurityGroup* for AuthorizeSecurityGroupEgress)."""
    return vocabulary(v for r in reqs for alts in r.each for d in alts for k, v in d.fields.items()
                      if isinstance(v, str) and field_key(k) in d.names)


def _surely(query: str, described: Described, stems: frozenset[str]) -> bool:
    return (surely_matches(query, described.fields, stems)
            and set(described.names) <= named_fields(query, described.fields, stems))


def _covered(req: Required, queries: Sequence[str], stems: frozenset[str]) -> bool:
    return all(any(_surely(q, d, stems) for d in alts for q in queries) for alts in req.each)


def _why(req: Required, queries: Sequence[str], stems: frozenset[str]) -> tuple[list[Blocker], set[str]]:
    """The conditions keeping the event's failing descriptions out (from the queries about it), and the fields an
    alert names the event by: conditions on those make the event missed, others narrow the alert."""
    failing = [d for alts in req.each if not any(_surely(q, d, stems) for d in alts for q in queries) for d in alts]
    found: list[Blocker] = []
    for d in failing:
        about = [q for q in queries if named_fields(q, d.fields, stems) & set(d.names)] or list(queries)
        found += [b for q in about for b in blockers(q, d.fields, stems)]
    return list(dict.fromkeys(found)), {n for d in failing for n in d.names}


def judge(reqs: Sequence[Required], queries: Sequence[str]) -> Shortfall:
    """Which of the required events the queries surely match (and name), and why the others are out."""
    names = {n for r in reqs for alts in r.each for d in alts for n in d.names} | {""}
    if not any(fields_of(q) & names for q in queries):  # cheap: no condition on any field that could name them
        return Shortfall(missing=[r.label for r in reqs])
    stems = stems_of(reqs)
    out = Shortfall(relevant=any(named_fields(q, d.fields, stems) & set(d.names)
                                 for r in reqs for alts in r.each for d in alts for q in queries),
                    loose=[w for q in queries for w in loose_wildcards(q, stems)])
    for req in reqs:
        if _covered(req, queries, stems):
            continue
        found, named = _why(req, queries, stems)
        others = [b for b in found if b.field not in named]
        if others:
            out.narrowing += [b for b in others if b not in out.narrowing]
        else:
            out.missing.append(req.label)
    return out


# --- the CIS alert items ---------------------------------------------------------------------------------------

@dataclass
class AlertSpec:
    cis: str
    subject: str
    title: str
    severity: str
    risk: str
    events: list[str]  # eventName values: each is a required event
    codes: list[str] = field(default_factory=list)  # errorCode values (NoPermission*: a code family): each required
    services: tuple[str, ...] = ()  # serviceName spellings ActionTrail writes for these events (() not described)
    event_type: str = API_CALL
    conditions: list[dict[str, Value]] = field(default_factory=lambda: [{}])  # the item's own fields; alternatives
    # events the item names more than once, each written with its own fields and each required: (label, fields)
    variants: list[tuple[str, dict[str, Value]]] = field(default_factory=list)
    name_event: bool = True  # an alert must name the event name (2.18: naming the root account is enough)
    label: str = "{}"  # a required event in messages
    templates: list[str] = field(default_factory=list)  # Alibaba's built-in ActionTrail CIS alert templates
    query: str = ""  # the query to suggest
    # other recommendations whose audit is this alert: 1.1 (avoid the root account) asks for 2.18's alarm ("Implement
    # the Ensure a log metric filter and alarm exist for usage of root account recommendation")
    also_cis: tuple[str, ...] = ()

    def required(self) -> list[Required]:
        """The events of the item, described as ActionTrail writes them."""
        if self.variants:  # (each variant is an event of its own: codes and conditions do not combine with them)
            assert not self.codes and self.conditions == [{}], f"{self.cis}: variants with codes or conditions"
            return [Required(label.format(e), tuple(self._alternatives("eventName", e, self.name_event, service,
                                                                       [cond])
                                                    for service in self.services or ("",)))
                    for e in self.events for label, cond in self.variants]
        wanted = [("eventName", e, self.label.format(e), self.name_event) for e in self.events]
        wanted += [("errorCode", c, f"errorCode {c}", True) for c in self.codes]
        return [Required(label, tuple(self._alternatives(key, value, named, service)
                                      for service in self.services or ("",)))
                for key, value, label, named in wanted]

    def _alternatives(self, key: str, value: str, named: bool, service: str,
                      conditions: list[dict[str, Value]] | None = None) -> tuple[Described, ...]:
        base: dict[str, Value] = {key: value, "eventType": self.event_type}
        if service:
            base["serviceName"] = service
        names = (field_key(key),) if named else ()
        return tuple(Described({**base, **cond}, names + tuple(field_key(k) for k in cond))
                     for cond in conditions or self.conditions)


def unmatched(spec: AlertSpec, queries: Sequence[str]) -> list[str]:
    """Labels of the item's events the queries (on an ActionTrail logstore) do not surely match and name."""
    reqs = spec.required()
    stems = stems_of(reqs)
    return [r.label for r in reqs if not _covered(r, queries, stems)]


# Alibaba's built-in ActionTrail CIS alert templates (the landing zone creates its alerts from them: template ids
# in aliyun/alibabacloud-landing-zone terraform-modules/terraform-alicloud-landing-zone-actiontrail-event-alert); a
# template counts for an item where its earlier explicit query in that module named every event the item requires
# (ram_policy_change: the six 2.10 events; rds_conf_change: every 2.15 event). Those queries end in an SQL filter on
# the resource type (`where num > 0`), which this reading cannot judge: the template id is what counts.
_TPL = "sls.app.actiontrail.cis.at."
SPECS = [
    AlertSpec("2.10", "ram_policy_changes", "RAM Role changes", "medium",
              "Unnoticed policy changes can grant an attacker or insider lasting privileges.",
              ["CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "UpdatePolicyVersion",
               "SetDefaultPolicyVersion", "DeletePolicyVersion"], services=("Ram", "ResourceManager"),
              templates=[_TPL + "ram_policy_change"],
              query="(event.serviceName: ResourceManager or event.serviceName: Ram) and (event.eventName: "
                    "CreatePolicy or event.eventName: DeletePolicy or event.eventName: CreatePolicyVersion or "
                    "event.eventName: UpdatePolicyVersion or event.eventName: SetDefaultPolicyVersion or "
                    "event.eventName: DeletePolicyVersion)"),
    AlertSpec("2.11", "cloudfw_changes", "Cloud Firewall changes", "medium",
              "Firewall policy changes can open the network perimeter without anyone noticing.",
              ["CreateVpcFirewallControlPolicy", "DeleteVpcFirewallControlPolicy", "ModifyVpcFirewallControlPolicy"],
              services=("Cloudfw",), templates=[_TPL + "cloudfirewall_conf_change"],
              query="event.serviceName: Cloudfw and (event.eventName: CreateVpcFirewallControlPolicy or "
                    "event.eventName: DeleteVpcFirewallControlPolicy or "
                    "event.eventName: ModifyVpcFirewallControlPolicy)"),
    AlertSpec("2.12", "vpc_route_changes", "VPC network route changes", "medium",
              "Route changes can divert traffic through an attacker or expose private networks.",
              ["CreateRouteEntry", "DeleteRouteEntry", "ModifyRouteEntry", "AssociateRouteTable",
               "UnassociateRouteTable"], services=("Ecs", "Vpc"), templates=[_TPL + "vpc_route_change"],
              query="event.eventName: CreateRouteEntry or event.eventName: DeleteRouteEntry or event.eventName: "
                    "ModifyRouteEntry or event.eventName: AssociateRouteTable or "
                    "event.eventName: UnassociateRouteTable"),
    AlertSpec("2.13", "vpc_changes", "VPC changes", "medium",
              "VPC and vSwitch changes alter the network boundary of every workload inside.",
              ["CreateVpc", "DeleteVpc", "DisableVpcClassicLink", "EnableVpcClassicLink", "DeletionProtection",
               "AssociateVpcCidrBlock", "UnassociateVpcCidrBlock", "RevokeInstanceFromCen", "CreateVSwitch",
               "DeleteVSwitch"], services=("Ecs", "Vpc"), templates=[_TPL + "vpc_conf_change"],
              query="event.eventName: CreateVpc or event.eventName: DeleteVpc or event.eventName: "
                    "DisableVpcClassicLink or event.eventName: EnableVpcClassicLink or event.eventName: "
                    "DeletionProtection or event.eventName: AssociateVpcCidrBlock or event.eventName: "
                    "UnassociateVpcCidrBlock or event.eventName: RevokeInstanceFromCen or event.eventName: "
                    "CreateVSwitch or event.eventName: DeleteVSwitch"),
    AlertSpec("2.14", "oss_permission_changes", "OSS permission changes", "medium",
              "A bucket or object ACL changed to public exposes data immediately.",
              ["PutBucketAcl", "PutObjectAcl"], services=("Oss",),
              query="(operation: PutBucket and request_uri: acl) or operation: PutObjectAcl"),
    AlertSpec("2.15", "rds_config_changes", "RDS instance configuration changes", "medium",
              "Database network, SSL, HA and backup changes can expose or lose data.",
              ["ModifyHASwitchConfig", "ModifyDBInstanceHAConfig", "SwitchDBInstanceHA", "ModifyDBInstanceSpec",
               "MigrateSecurityIPMode", "ModifySecurityIps", "ModifyDBInstanceSSL", "MigrateToOtherZone",
               "UpgradeDBInstanceKernelVersion", "UpgradeDBInstanceEngineVersion", "ModifyDBInstanceMaintainTime",
               "ModifyDBInstanceAutoUpgradeMinorVersion", "AllocateInstancePublicConnection",
               "ModifyDBInstanceConnectionString", "ModifyDBInstanceNetworkExpireTime",
               "ReleaseInstancePublicConnection", "SwitchDBInstanceNetType", "ModifyDBInstanceNetworkType",
               "ModifyDTCSecurityIpHostsForSQLServer", "ModifySecurityGroupConfiguration", "CreateBackup",
               "ModifyBackupPolicy", "DeleteBackup", "CreateDdrInstance", "ModifyInstanceCrossBackupPolicy"],
              services=("Rds",), templates=[_TPL + "rds_conf_change"],
              query="event.serviceName: rds and (event.eventName: ModifySecurityIps or event.eventName: "
                    "ModifyDBInstanceSSL or ... every CIS 2.15 event name)"),
    AlertSpec("2.16", "unauthorized_api_calls", "unauthorized API calls", "medium",
              "Repeated permission errors are an early sign of stolen credentials probing the account.",
              [], codes=["NoPermission*", "Forbidden*", "Forbbiden", "InvalidAccessKeyId*", "InvalidSecurityToken*",
                         "SignatureDoesNotMatch", "InvalidAuthorization", "AccessForbidden", "NotAuthorized"],
              templates=[_TPL + "unauth_apicall"],
              query="event.eventType: ApiCall and (event.errorCode: NoPermission* or event.errorCode: Forbidden* or "
                    "event.errorCode: Forbbiden or event.errorCode: InvalidAccessKeyId* or event.errorCode: "
                    "InvalidSecurityToken* or event.errorCode: SignatureDoesNotMatch or event.errorCode: "
                    "InvalidAuthorization or event.errorCode: AccessForbidden or event.errorCode: NotAuthorized)"),
    # ActionTrail writes a RAM user's sign-in without MFA with additionalEventData.mfaChecked "false" and the root
    # account's with additionalEventData.isMFAChecked "false" (and loginAccount, the logon name): "Logon events of a
    # RAM user" (https://alibabacloud.com/help/doc-detail/286977.html) and "Logon events within an Alibaba Cloud
    # account" (https://www.alibabacloud.com/help/en/actiontrail/user-guide/logon-events-by-using-an-alibaba-cloud-
    # account); an alert must catch both
    AlertSpec("2.17", "console_signin_without_mfa", "Management Console sign-in without MFA", "high",
              "A console sign-in without MFA means a password alone opened the account.",
              ["ConsoleSignin"], event_type=CONSOLE_SIGNIN,
              variants=[("{} of a RAM user with additionalEventData.mfaChecked: false",
                         {"additionalEventData.mfaChecked": "false"}),
                        ("{} of the root account with additionalEventData.isMFAChecked: false",
                         {"additionalEventData.isMFAChecked": "false"})],
              query="event.eventName: ConsoleSignin and (event.additionalEventData.mfaChecked: false or "
                    "event.additionalEventData.isMFAChecked: false)"),
    # CIS names ConsoleSignin; an alert on every root-account event (console or AccessKey) matches it too
    AlertSpec("2.18", "root_account_usage", "usage of root account", "high",
              "The root account is unrestricted; any use of it should be rare and seen at once.",
              ["ConsoleSignin"], event_type=CONSOLE_SIGNIN, conditions=[{"userIdentity.type": "root-account"}],
              name_event=False, label="{} with userIdentity.type: root-account",
              query="event.eventName: ConsoleSignin and event.userIdentity.type: root-account", also_cis=("1.1",)),
    AlertSpec("2.19", "console_auth_failures", "Management Console authentication failures", "medium",
              "Failed console sign-ins reveal password guessing against the account.",
              ["ConsoleSignin"], event_type=CONSOLE_SIGNIN, conditions=[{"errorCode": PRESENT}],
              label="{} with errorCode: *", query="event.eventName: ConsoleSignin and event.errorCode: *"),
    AlertSpec("2.20", "kms_key_disable_deletion", "disabling or deletion of customer created CMKs", "medium",
              "Data encrypted with a disabled or deleted key becomes unreadable.",
              ["DisableKey", "ScheduleKeyDeletion", "DeleteKeyMaterial"], services=("Kms",),
              query="event.serviceName: Kms and (event.eventName: DisableKey or event.eventName: "
                    "ScheduleKeyDeletion or event.eventName: DeleteKeyMaterial)"),
    AlertSpec("2.21", "oss_bucket_policy_changes", "OSS bucket policy changes", "medium",
              "Bucket policy, CORS, lifecycle, encryption and replication changes can expose or destroy data.",
              ["PutBucketLifecycle", "PutBucketPolicy", "PutBucketCors", "PutBucketEncryption", "PutBucketReplication",
               "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketEncryption",
               "DeleteBucketReplication"], services=("Oss",),
              query="event.eventName: PutBucketLifecycle or event.eventName: PutBucketPolicy or ... every CIS 2.21 "
                    "event name"),
    AlertSpec("2.22", "security_group_changes", "security group changes", "medium",
              "Security group changes can open instances to the internet.",
              ["CreateSecurityGroup", "AuthorizeSecurityGroup", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroup",
               "RevokeSecurityGroupEgress", "JoinSecurityGroup", "LeaveSecurityGroup", "DeleteSecurityGroup",
               "ModifySecurityGroupPolicy"], services=("Ecs",), templates=[_TPL + "securitygroup_change"],
              query="event.eventName: CreateSecurityGroup or event.eventName: AuthorizeSecurityGroup or ... every "
                    "CIS 2.22 event name"),
]

_OSS_LOG = re.compile(r"oss_log|oss-log-store")  # Log Audit's oss_log, OSS real-time log query's oss-log-store
# CIS 2.14 as written for the OSS access log: (operation: PutBucket and request_uri: acl) or operation: PutObjectAcl;
# a bucket ACL change is PutBucketAcl, or PutBucket on the ?acl sub-resource.
OSS_ACL_EVENTS = [
    Required("PutBucketAcl", ((Described({"operation": "PutBucketAcl"}, ("operation",)),
                               Described({"operation": "PutBucket", "request_uri": "/?acl"},
                                         ("operation", "request_uri"))),)),
    Required("PutObjectAcl", ((Described({"operation": "PutObjectAcl"}, ("operation",)),),)),
]


def _oss_log_queries(alert: AlertInfo) -> list[str]:
    """The alert's queries on an OSS access log of its own project."""
    return [q.query for q in alert.queries
            if q.store_type == "log" and _OSS_LOG.fullmatch(q.store) and q.project in ("", alert.project)]


def _oss_access_log_form(alert: AlertInfo) -> bool:
    queries = _oss_log_queries(alert)
    return bool(queries) and judge(OSS_ACL_EVENTS, queries).covered


@dataclass(frozen=True)
class AlertTarget:
    """A logstore holding ActionTrail events that alerts may read: a logging trail's own, or a Log Audit central
    project's actiontrail_log."""

    region: str
    project: str
    logstore: str
    source: str  # what delivers to it, for messages
    gap: str = ""  # what the trail leaves out of the events the items are about ('' when nothing)

    @property
    def where(self) -> str:
        return f"{self.project}/{self.logstore}"


def trail_gap(t: TrailTarget) -> str:
    """What a trail leaves out of the events the CIS items are about ('' when it records them all): every region
    (TrailRegion All, or one region) and the write events (EventRW "Write | Read | All"; DescribeTrails,
    alibabacloud_actiontrail20200706 DescribeTrailsResponseBodyTrailList and OpenMeta actiontrail/2020-07-06), since
    each item is about write calls (and sign-ins) in any region."""
    out = []
    if t.trail_region != "All":
        out.append(f"only region {t.trail_region}" if t.trail_region else "an unstated region (no TrailRegion)")
    if t.event_rw not in ("All", "Write"):
        out.append(f"only {t.event_rw} events" if t.event_rw else "unstated events (no EventRW)")
    return f"trail {t.trail} records {' and '.join(out)}" if out else ""


def alert_targets(audit: AuditData, account_id: str) -> list[AlertTarget]:
    """The logstores of this account that alerts are looked for on: the trails' (logging ones, in projects of this
    account; with what each leaves out) and the Log Audit central projects' actiontrail_log."""
    out = [AlertTarget(t.region, t.project, t.logstore, f"trail {t.trail}", trail_gap(t)) for t in audit.targets
           if t.logging and not t.elsewhere(account_id)]
    out += [AlertTarget(c.region, c.project, c.logstore, "Log Audit Service") for c in audit.centers
            if not _logstore(audit, c.region, c.project, c.logstore).missing]
    return list(dict.fromkeys(out))


def _logstore(audit: AuditData, region: str, project: str, name: str) -> LogstoreInfo:
    """A logstore ActionTrail events go to, as GetLogStore answered it ("not read" when it was not). A Log Audit
    central project's actiontrail_log answered LogStoreNotExist (`missing`) collects no ActionTrail events: an alert
    on it watches nothing, and its retention is moot."""
    found = audit.project(region, project)
    listed = found.logstores if found else []
    return next((x for x in listed if x.name == name), None) or LogstoreInfo(name=name, error="not read")


def _on_target(alert: AlertInfo, target: AlertTarget) -> list[str] | None:
    """The alert's queries that read the target logstore; None when none of them does."""
    queries = [q.query for q in alert.queries
               if q.store_type == "log" and q.project == target.project and q.store == target.logstore]
    return queries or None


def _template_on_target(alert: AlertInfo, spec: AlertSpec, target: AlertTarget) -> bool:
    tokens = alert.template_tokens
    return (alert.template_id in spec.templates and tokens.get("default.logstore") == target.logstore
            and tokens.get("default.project", alert.project) == target.project)


OSS_LOG_ITEM = "2.14"  # its audit names the OSS access log (oss_log), not an ActionTrail logstore


def _covers(alert: AlertInfo, spec: AlertSpec, target: AlertTarget) -> tuple[bool, Shortfall | None]:
    """(covers the item on the target, what its queries there leave out: None when none reads the target)."""
    queries = _on_target(alert, target)
    short = judge(spec.required(), queries) if queries is not None else None
    if spec.cis == OSS_LOG_ITEM:  # (an ActionTrail query for it is not the alert its audit asks for: see _gap)
        return _oss_access_log_form(alert), short
    ok = _template_on_target(alert, spec, target)
    return ok or (short is not None and short.covered), short


def _narrowed(spec: AlertSpec, narrowing: list[Blocker], shown: int = 5) -> str:
    more = f" and {len(narrowing) - shown} more" if len(narrowing) > shown else ""
    text = f"is narrowed by {', '.join(b.text for b in narrowing[:shown])}{more}"
    if spec.services and any(b.field == "servicename" for b in narrowing):
        text += f" (ActionTrail writes serviceName {' or '.join(spec.services)} for these events)"
    return text


def _gap(alert: AlertInfo, spec: AlertSpec, ok: bool, short: Shortfall | None) -> str | None:
    if ok and not alert.enabled:
        return f"{alert.name} covers it but is disabled"
    if ok and alert.muted_until:  # (enabled and covering: muted, or it would have passed)
        return f"{alert.name} covers it but is muted until {alert.muted_until:%Y-%m-%d %H:%M} UTC (muteUntil)"
    if spec.cis == OSS_LOG_ITEM and (oss := _oss_log_queries(alert)):
        missing = judge(OSS_ACL_EVENTS, oss).missing
        return f"{alert.name} on the OSS access log misses {', '.join(missing) or 'a sure match of its events'}"
    if short is not None and short.covered:  # (2.14's events, on an ActionTrail logstore)
        return (f"{alert.name} covers its events on an ActionTrail logstore, but the CIS {spec.cis} audit asks for "
                "the alert on the OSS access log (oss_log), which also records object ACL changes")
    loose = (f"its wildcard {', '.join(short.loose[:3])} is not read as a sure match (Log Service has no suffix "
             "matching and expands a prefix to at most 100 words: only a trailing * on one of the item's own names "
             "counts)") if short is not None and short.loose else ""
    if short is not None and short.relevant:
        parts = [f"misses {', '.join(short.missing)}"] if short.missing else []
        parts += [_narrowed(spec, short.narrowing)] if short.narrowing else []
        return f"{alert.name} {' and '.join(parts)}" + (f" ({loose})" if loose else "")
    if loose:
        return f"{alert.name}: {loose}"
    anywhere = [q.query for q in alert.queries]
    text = " ".join(anywhere).lower()
    named = [e for e in spec.events if e.lower() in text]
    if short is not None and named and not short.relevant:
        return (f"{alert.name} mentions {', '.join(named[:3])}{' ...' if len(named) > 3 else ''} but matches no "
                "event as ActionTrail writes it (fields such as event.eventName and event.errorCode)")
    if short is None and anywhere and judge(spec.required(), anywhere).covered:
        elsewhere = ", ".join(sorted({f"{q.project}/{q.store}" for q in alert.queries}))
        return (f"{alert.name} covers it but reads {elsewhere}, not a trail's logstore nor the Log Audit central "
                f"project's {CENTRAL_LOGSTORE}")
    return None


def _no_target(spec: AlertSpec, audit: AuditData, account_id: str) -> Result:
    """No logstore of this account receives ActionTrail events (as far as could be read)."""
    if audit.center_errors:
        failed = "; ".join(f"{r}: {e}" for r, e in sorted(audit.center_errors.items()))
        return Result(status=ERROR, resource_id=account_id, resource_type="sls:alert",
                      message=f"could not look for the Log Audit Service central project: {failed}")
    stopped = ", ".join(f"{t.trail} ({t.project})" for t in audit.targets if not t.logging)
    partial = "; ".join(g for t in audit.targets if t.logging and (g := trail_gap(t)))
    whys = [f"the trails delivering to SLS are not logging: {stopped}"] if stopped else []
    whys += [f"{partial}, so an alert there cannot see every event of the item"] if partial else []
    why = "; ".join(whys) or "no ActionTrail trail delivers to Log Service, so no alert can see its events"
    if audit.bad_arns:
        why += f" (unreadable SlsProjectArn: {', '.join(audit.bad_arns)})"
    central = CENTRAL_PROJECT.format(account=account_id, region="<region>")
    return Result(status=FAIL, resource_id=account_id, resource_type="sls:alert",
                  message=f"no alert for {spec.title}: {why}, and there is no Log Audit Service central project "
                          f"{central} with its {CENTRAL_LOGSTORE}")


def _muted(alert: AlertInfo, now: datetime) -> bool:
    return bool(alert.muted_until and alert.muted_until > now)


def evaluate(spec: AlertSpec, audit: AuditData, account_id: str, now: datetime) -> Result:
    """One account-level verdict: PASS on the first enabled alert, not muted at `now`, that covers the item on a
    trail's logstore or on the Log Audit central project's actiontrail_log."""
    # a trail of one region or of read events only holds some of the item's events: an alert on its logstore does not
    # count (but for 2.14, whose alert reads the project's OSS access log, not the trail's logstore)
    targets = alert_targets(audit, account_id)
    full = [t for t in targets if not t.gap or spec.cis == OSS_LOG_ITEM]
    remote = [t for t in audit.targets if t.logging and t.elsewhere(account_id) and not trail_gap(t)]
    if not targets and not remote:
        return _no_target(spec, audit, account_id)
    gaps: list[str] = []
    errors = [f"the projects of {r} (looking for the Log Audit central project): {e}"
              for r, e in sorted(audit.center_errors.items())]
    for target in targets:
        counts = target in full
        project = audit.project(target.region, target.project)
        if project is None or project.alerts_error:
            if counts:
                errors.append(f"{target.where}: {project.alerts_error if project else 'not read'}")
            continue
        for alert in project.alerts:
            ok, short = _covers(alert, spec, target)
            if not counts:
                if ok:
                    gaps.append(f"{alert.name} on {target.where} covers it, but {target.gap}")
                continue
            if ok and alert.enabled and not _muted(alert, now):
                on = (f"{alert.project}'s OSS access log" if spec.cis == OSS_LOG_ITEM
                      else f"{target.where} ({target.source})")
                return Result(status=PASS, resource_id=f"{alert.project}/{alert.name}", resource_type="sls:alert",
                              resource_name=alert.display_name, region=target.region,
                              message=f"enabled alert {alert.name} on {on} covers {spec.title}")
            gap = _gap(alert, spec, ok, short)
            if gap:
                gaps.append(gap)
    if errors:
        return Result(status=ERROR, resource_id=account_id, resource_type="sls:alert",
                      message=f"could not read the alerts of {'; '.join(errors)}")
    if remote:  # a multi-account trail: its alerts live in the account that owns its project
        there = "; ".join(f"trail {t.trail} delivers to {t.project}/{t.logstore} of account {t.account}"
                          for t in remote)
        return Result(status=MANUAL, resource_id=account_id, resource_type="sls:alert", region=remote[0].region,
                      message=f"verify in the project's account that an enabled alert covers {spec.title}: "
                              f"{there} (this account cannot read another account's alerts)"
                              + (f"; here: {'; '.join(dict.fromkeys(gaps))}" if gaps else ""))
    if not gaps:
        gaps.append("no alert names its events")
    gaps += [f"{t.gap}: an alert on {t.where} does not count" for t in targets if t not in full]
    first = targets[0]
    where = ", ".join(t.where for t in targets)
    on = (f"the OSS access log (oss_log) of the projects ({', '.join(dict.fromkeys(t.project for t in targets))})"
          if spec.cis == OSS_LOG_ITEM else f"the ActionTrail logstores ({where})")
    return Result(status=FAIL, resource_id=first.where, resource_type="sls:logstore", region=first.region,
                  message=f"no enabled alert on {on} covers {spec.title}: " + "; ".join(dict.fromkeys(gaps)))


_ALERTS_EVALUATE = (
    "DescribeTrails (the SlsProjectArn of every logging trail, multi-account ones included) and ListProject for "
    "the Log Audit Service central project " + CENTRAL_PROJECT.format(account="<account>", region="<region>")
    + " in each region a central project can reside in; ListAlerts of those projects: PASS on the first enabled "
    "alert, not muted at the scan (configuration.muteUntil), with a log query on a logging trail's "
    "actiontrail_<trail> (of a trail recording every region, TrailRegion All, and write events, EventRW All or "
    "Write: a trail of one region or of read events only holds some of the item's events, and the message names "
    "it) or on the central project's "
    + CENTRAL_LOGSTORE + " (not when GetLogStore answers LogStoreNotExist for it: an alert there watches nothing) "
    "(or Alibaba's ActionTrail CIS alert template on it) whose queries there surely match "
    "each required event as ActionTrail writes it (eventName, eventType, serviceName, and the item's error code, "
    "root-account or MFA condition) and name it (event names as whole names, or a trailing * on one of the item's "
    "own names: Log Service has no suffix matching and expands a prefix to at most 100 words, so *SecurityGroup* "
    "or Create* does not count; an error-code family as NoPermission*, NoPermission alone missing "
    "NoPermission.Xxx); an extra condition on "
    "another field (a user, a region), another service's serviceName, a `not` or an SQL WHERE that removes one of "
    "the events makes the alert not count. The Log Audit Service's collection switch (the audit's step 3) has no "
    "read API and is not verified. A trail delivering to another account's project (a multi-account trail) gives "
    "MANUAL; unreadable alerts or regions give ERROR.")


# The audit text prints two queries that match no ActionTrail event as the logstores hold them: an alert copied
# verbatim fails (the suggested query is the working form), and the message says what it mentions
_PRINTED_QUERY = {
    "2.17": " The audit's query as printed asks for addionalEventData.loginAccount: false, but loginAccount holds "
            "the logon name, never false (ActionTrail's logon event samples): an alert copied from it verbatim fails "
            "here. A sign-in without MFA is mfaChecked: false for a RAM user and isMFAChecked: false for the root "
            "account; the alert must catch both.",
    "2.19": " The audit's query as printed ends in 'and not event.errorCode :', which leaves no failed sign-in to "
            "match: an alert copied from it verbatim fails here.",
    "2.22": " The audit's query as printed names event_name, a field the ActionTrail events do not carry (their "
            "event name is event.eventName): an alert copied from it verbatim fails here.",
}


def _store(spec: AlertSpec) -> str:
    return "oss_log" if spec.cis == OSS_LOG_ITEM else CENTRAL_LOGSTORE


def _cis_alert_audit(spec: AlertSpec) -> str:
    store = _store(spec)
    return ("Click Log Service Audit Service ... Ensure the Action Trail are Enabled under the Access to Cloud "
            "Products > Global Configuration page, and click Central Project. Select Alerts. Ensure below alert rule "
            f"has been enabled and saved in the target {store}: {spec.query}")


def _alert_check(spec: AlertSpec) -> None:
    @check(id=f"sls_alert_{spec.subject}_enabled", severity=spec.severity,
           title=f"Ensure a log monitoring and alert is set up for {spec.title}", risk=spec.risk,
           console=(f"SLS console > Log Audit Service > Central Project > Alerts > Create Alert: query the logstore "
                    f"oss_log with: {spec.query}; enable it and attach an action policy."
                    if spec.cis == OSS_LOG_ITEM else
                    "SLS console > Log Audit Service > Central Project (or the project of the ActionTrail trail) > "
                    f"Alerts > Create Alert: query the logstore {CENTRAL_LOGSTORE} (or actiontrail_<trail>) with: "
                    f"{spec.query}; enable it and attach an action policy (or use the built-in ActionTrail CIS alert "
                    "templates)."),
           cli="aliyun sls CreateAlert --project <" + ("central" if spec.cis == OSS_LOG_ITEM else "central or trail")
               + " project> --body '{\"name\": \"cis-" + spec.cis
               + "\", \"configuration\": {\"queryList\": [{\"store\": \"" + _store(spec)
               + "\", \"query\": \"...\"}]}}'",
           cis=[spec.cis, *spec.also_cis], events=ALERT_EVENTS + ["CreateProject", "DeleteProject"], needs=[AUDIT],
           evaluates=_ALERTS_EVALUATE + (" CIS 2.14's audit asks for the alert on the OSS access log (oss_log): "
                                         "PASS only for an enabled alert there whose query surely matches a bucket "
                                         "ACL change (PutBucketAcl, or PutBucket on ?acl) and PutObjectAcl; an "
                                         "ActionTrail query does not count." if spec.cis == OSS_LOG_ITEM else "")
           + _PRINTED_QUERY.get(spec.cis, ""),
           cis_audit=_cis_alert_audit(spec))
    def run(inp: Inputs) -> Iterator[Result]:
        yield evaluate(spec, inp[AUDIT], inp.account_id, inp.now)


for _spec in SPECS:
    _alert_check(_spec)


# --- retention ------------------------------------------------------------------------------------

def _forever(ttl: int) -> str:
    return "kept permanently" if ttl >= 3650 else f"kept {ttl} days"


@check(id="sls_logstore_retention_sufficient", severity="low",
       title="Ensure that Logstore data retention period is set 365 days or greater",
       risk="Logs deleted too early are missing when an incident is investigated months later.",
       console="SLS console > the project > the logstore > Modify: Data Retention Period >= 365 days (or permanent).",
       cli="aliyun sls UpdateLogStore --project <p> --logstore <ls> --body '{\"logstoreName\": \"<ls>\", "
           "\"ttl\": 365, \"shardCount\": 2}'",
       cis=["2.23"], events=RETENTION_EVENTS, needs=[LOGSTORES],
       evaluates="ListLogStores/GetLogStore ttl of every logstore of every project in the region (not only audit "
                 "logstores): PASS when at least log_retention_days (365), permanent storage (3650) included, FAIL "
                 "when fewer; ERROR when the project's logstores or a logstore could not be read.",
       cis_audit="In the Projects section, for the target project check whether Permanent Storage is turned on, or "
                 "else ensure the Data Retention Period is set to 365 or greater.")
def logstore_retention(inp: Inputs) -> Iterator[Result]:
    days = inp.config.log_retention_days
    projects: list[ProjectInfo] = inp[LOGSTORES]
    for p in projects:
        if p.error:
            yield Result(status=ERROR, resource_id=p.name, resource_type="sls:project",
                         message=f"could not list the project's logstores: {p.error}")
            continue
        for ls in p.logstores:
            rid = f"{p.name}/{ls.name}"
            if ls.error or ls.ttl is None:
                yield Result(status=ERROR, resource_id=rid, resource_type="sls:logstore",
                             message=f"could not read the logstore: {ls.error or 'deleted while listing'}")
            else:
                ok = ls.ttl >= days
                yield Result(status=PASS if ok else FAIL, resource_id=rid, resource_type="sls:logstore",
                             message=f"logs are {_forever(ls.ttl)}" + ("" if ok else f" (fewer than {days})"))


@check(id="sls_actiontrail_logstore_retention_sufficient", severity="medium",
       title="Ensure the logstores ActionTrail delivers to keep logs 365 days or greater",
       risk="Audit events deleted early leave no trace of what happened when an incident surfaces late.",
       console="SLS console > the trail's project > logstore actiontrail_<trail> > Modify: Data Retention Period "
               ">= 365 days (or permanent).",
       cli="aliyun sls UpdateLogStore --project <p> --logstore actiontrail_<trail> --body "
           "'{\"logstoreName\": \"actiontrail_<trail>\", \"ttl\": 365, \"shardCount\": 2}'",
       cis=["2.23"], events=RETENTION_EVENTS + ["CreateTrail", "UpdateTrail", "DeleteTrail"], needs=[AUDIT],
       evaluates="The logstore of each trail delivering to Log Service (DescribeTrails SlsProjectArn), and the "
                 "actiontrail_log of each Log Audit Service central project (" + CENTRAL_PROJECT.format(
                     account="<account>", region="<region>") + "), which holds the ActionTrail events the CIS "
                 "2.10-2.22 alerts read: PASS when its ttl is at least log_retention_days (365), FAIL when fewer or "
                 "a trail's logstore does not exist; MANUAL when the project belongs to another account, or when "
                 "neither a trail nor Log Audit delivers ActionTrail events to Log Service (a central project without "
                 "actiontrail_log delivers none; OSS lifecycle not read); "
                 "ERROR when the logstore could not be read or reported no ttl, or when a region's projects could "
                 "not be listed to look for a central project.",
       cis_audit="For the target project, check whether Permanent Storage is turned on, or else ensure the Data "
                 "Retention Period is set to 365 or greater.")
def actiontrail_retention(inp: Inputs) -> Iterator[Result]:
    days = inp.config.log_retention_days
    audit: AuditData = inp[AUDIT]
    centers = [(c, ls) for c in audit.centers if not (ls := _logstore(audit, c.region, c.project, c.logstore)).missing]
    if audit.center_errors:  # (a central project there would go unjudged: one finding for them all)
        failed = "; ".join(f"{region}: {err}" for region, err in sorted(audit.center_errors.items()))
        yield Result(status=ERROR, resource_id=inp.account_id, resource_type="sls:logstore",
                     message=f"could not look for the Log Audit Service central project ({CENTRAL_LOGSTORE}) in "
                             f"{len(audit.center_errors)} region(s): {failed}")
    if not audit.targets and not centers and not audit.center_errors:
        yield Result(status=MANUAL, resource_id=inp.account_id, resource_type="sls:logstore",
                     message="no trail delivers to Log Service and no Log Audit Service central project holds "
                             "ActionTrail events; where trails deliver to OSS, verify the bucket's lifecycle rules "
                             f"keep the audit logs at least {days} days")
        return
    for t in audit.targets:
        if t.elsewhere(inp.account_id):
            yield Result(status=MANUAL, resource_id=f"{t.project}/{t.logstore}", resource_type="sls:logstore",
                         region=t.region, message=f"trail {t.trail} delivers to a project of account {t.account}: "
                         f"verify there that its logstore keeps events at least {days} days (this account cannot "
                         "read another account's logstores)")
            continue
        yield _retention(_logstore(audit, t.region, t.project, t.logstore), t.project, t.region,
                         f"trail {t.trail}'s events", days)
    for c, ls in centers:
        yield _retention(ls, c.project, c.region, "the Log Audit Service's ActionTrail events", days)



def _retention(ls: LogstoreInfo, project: str, region: str, whose: str, days: int) -> Result:
    rid = f"{project}/{ls.name}"
    if ls.error:
        return Result(status=ERROR, resource_id=rid, resource_type="sls:logstore", region=region,
                      message=f"could not read the logstore holding {whose}: {ls.error}")
    if ls.missing:
        return Result(status=FAIL, resource_id=rid, resource_type="sls:logstore", region=region,
                      message=f"{whose} are delivered to {rid}, which does not exist")
    if ls.ttl is None:  # the logstore exists but its retention was not reported: unknown, not "0 days"
        return Result(status=ERROR, resource_id=rid, resource_type="sls:logstore", region=region,
                      message=f"{whose} are delivered to {rid}, whose retention (ttl) was not reported")
    ok = ls.ttl >= days
    return Result(status=PASS if ok else FAIL, resource_id=rid, resource_type="sls:logstore", region=region,
                  message=f"{whose} are {_forever(ls.ttl)} in {rid}" + ("" if ok else f" (fewer than {days})"))


# --- Log Audit Service ----------------------------------------------------------------------------

@check(id="sls_log_audit_integrated", severity="medium",
       title="Ensure audit logs for multiple cloud resources are integrated with Log Service",
       risk="Without central collection, the audit logs of OSS, RDS, SLB, VPC flow logs and others are scattered "
            "or not kept at all.",
       console="SLS console > Log Application > Log Audit Service > Global Configurations: authorize, choose the "
               "central project region, and enable collection for every cloud service in use.",
       cli="(console only: the Log Audit Service configuration has no read API in the SDKs)",
       cis=["2.3"], needs=[], scope=Scope.GLOBAL,
       evaluates="Always MANUAL, one result for the account: no API reports the Log Audit Service's global "
                 "configuration (the central project only shows it was set up once), so nothing is read; the message "
                 "lists the services to verify.",
       cis_audit="Log Service Audit Service: ensure the Action Trail, RDS SQL Audit Logs, OSS Access Logs, SLB Access"
                 " Log, NAS Access Log, API Gateway Access log are Enabled under Access to Cloud Products > Global "
                 "Configuration, all resource owner accounts are tracked, and the Status Dashboard is Green.")
def log_audit(inp: Inputs) -> Iterator[Result]:
    # no API reports the Log Audit Service's global configuration; its central project
    # (slsaudit-center-<account>-<region>) only shows it was set up once, not what it collects
    yield Result(status=MANUAL, resource_id=inp.account_id, resource_type="sls:log-audit",
                 message="verify in SLS console > Log Audit Service > Global Configurations that collection is "
                         "enabled for ActionTrail, OSS, RDS, SLB/ALB, VPC flow logs, WAF, Cloud Firewall, Anti-DDoS "
                         "and Security Center, into the central project slsaudit-center-<account>-<region>")
