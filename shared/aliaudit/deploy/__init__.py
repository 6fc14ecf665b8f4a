"""The deployment descriptions (s.yaml, template.yml, member-role.yml) and the function code bundles, generated
from the product's metadata (families, the checks' ActionTrail events, the collectors' API calls) so they never
drift.

    python -m aliaudit.deploy render            # (re)write s.yaml, template.yml and member-role.yml (repo root)
    python -m aliaudit.deploy render --check    # exit 1 when any of them is stale
    python -m aliaudit.deploy build [--zip]     # build/layer/ (dependencies) + build/<function dir>/ for python3.10
    python -m aliaudit.deploy accounts resource-directory --member-role NAME --external-id ID
                                                # ALIAUDIT_ACCOUNTS for s.yaml (as template.yml's parameters give it)
    python -m aliaudit.deploy lifecycle --bucket NAME [--region R] [--report-days N]
                                                # the report bucket's lifecycle, noncurrent versions included

One FC function per family worker plus the dispatcher and the aggregator; every function runs under one
execution role whose policies are the collectors' read actions and write access to the auditor's own bucket,
log project and functions, plus, in organisation mode only, the directory reads and the assumption of the member
audit role by its name. ``python -m aliaudit.deploy lifecycle`` sets what ROS cannot on the report bucket (the
expiry of noncurrent versions). member-role.yml is
the read-only audit role of one member account, for ROS StackGroups across a resource directory. ``build``
vendors the runtime dependencies once as manylinux2014_x86_64 / CPython 3.10 wheels (sdist-only packages are first
built into pure-Python wheels) into ONE dependency layer (FC mounts it at /opt, /opt/python on the path), and each
function's code package holds only its entry point and the aliaudit package; both byte-compiled by CPython 3.10.
"""

from __future__ import annotations

from .bucket import (
    ACCESS_LOG_PREFIX,
    CONFIG_PREFIX,
    NONCURRENT_VERSION_DAYS,
    OBJECT_WRITE_ACTIONS,
    RUN_STATE_DAYS,
    RUN_STATE_PREFIXES,
    oss_lifecycle,
    put_lifecycle,
    report_bucket,
    report_bucket_policy,
    report_lifecycle_rules,
)
from .bundle import Bundle, build, build_layer, python310
from .catalogue import (
    AUDIT_POLICY,
    CREDENTIAL_REPORT_POLICY,
    DEFAULT_REGION,
    MEMBER_POLICY,
    MEMBER_ROLE_NAME,
    ORGANISATION_POLICY,
    PIPELINE_POLICY,
    PREFIX,
    REPORT_KEY_POLICY,
    ROLE_NAME,
    ROOT,
    RUNTIME,
    TRAIL_POLICY,
    TRAIL_TRIGGER_NAME,
    TRAIL_TRIGGER_ROLE,
    FunctionSpec,
    common_environment,
    dispatcher_environment,
    environment,
    event_names,
    filter_pattern,
    functions,
    log_project_name,
    report_bucket_name,
    trail_trigger_config,
)
from .cli import main
from .member_role import member_role_template, render_member_role
from .outputs import OUTPUTS, render
from .permissions import (
    ACCOUNTS_PATTERN,
    AUDIT_WRITE_ACTIONS,
    PIPELINE_LOG_ACTIONS,
    PIPELINE_OSS_ACTIONS,
    accounts_setting,
    audit_policy,
    credential_report_policy,
    fc_trust_policy,
    organisation_policy,
    pipeline_write_policy,
    trail_logstore_arn,
    trail_read_policy,
)
from .ros import fn_logical_id, render_template, template
from .syaml import render_s_yaml, s_yaml
from .vendor import (
    PLATFORM,
    PYTHON_VERSION,
    BuildError,
    missing_for_target,
    runtime_requirements,
    tag_fits_runtime,
    vendor_dependencies,
    vendor_key,
)

__all__ = [
    "ACCESS_LOG_PREFIX", "ACCOUNTS_PATTERN", "AUDIT_POLICY", "AUDIT_WRITE_ACTIONS", "CREDENTIAL_REPORT_POLICY",
    "credential_report_policy", "CONFIG_PREFIX", "DEFAULT_REGION", "MEMBER_POLICY",
    "MEMBER_ROLE_NAME", "NONCURRENT_VERSION_DAYS", "OBJECT_WRITE_ACTIONS", "ORGANISATION_POLICY", "OUTPUTS",
    "PIPELINE_LOG_ACTIONS", "PIPELINE_OSS_ACTIONS", "PIPELINE_POLICY", "PLATFORM", "PREFIX", "PYTHON_VERSION",
    "REPORT_KEY_POLICY", "ROLE_NAME", "ROOT", "RUNTIME", "RUN_STATE_DAYS", "RUN_STATE_PREFIXES", "BuildError", "Bundle",
    "FunctionSpec", "accounts_setting", "audit_policy", "build", "common_environment", "environment", "event_names",
    "fc_trust_policy", "filter_pattern", "fn_logical_id", "functions", "log_project_name", "main",
    "member_role_template", "missing_for_target", "organisation_policy", "oss_lifecycle", "pipeline_write_policy",
    "put_lifecycle", "render", "render_member_role", "render_s_yaml", "render_template", "report_bucket",
    "report_bucket_name", "report_bucket_policy", "report_lifecycle_rules", "runtime_requirements", "s_yaml",
    "tag_fits_runtime", "template", "vendor_dependencies", "vendor_key", "build_layer", "python310", "TRAIL_POLICY",
    "TRAIL_TRIGGER_NAME", "TRAIL_TRIGGER_ROLE", "dispatcher_environment", "trail_logstore_arn", "trail_read_policy",
    "trail_trigger_config",
]
