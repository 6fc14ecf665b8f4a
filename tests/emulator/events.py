"""ActionTrail events for every successful write, published to the emulated EventBridge."""

from __future__ import annotations

import uuid
from typing import Any

from .call import Call
from .clock import iso

# ActionTrail serviceName per product code
SERVICE_NAMES = {"ram": "Ram", "sts": "Sts", "oss": "Oss", "sls": "Sls", "fc": "FC", "ecs": "Ecs",
                 "vpc": "Vpc", "rds": "Rds", "actiontrail": "Actiontrail", "kms": "Kms", "cs": "CS",
                 "sas": "Sas", "ims": "Ims"}
GLOBAL_PRODUCTS = {"ram", "ims", "sts"}
_SECRET_PARAMS = {"Password", "NewPassword", "AccessKeySecret", "Signature", "SecurityToken", "OIDCToken"}


def record(call: Call, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the event for a successful write, store it in the account's trail and publish it."""
    op = call.op
    assert op is not None and call.account is not None
    region = call.region or call.params.get("RegionId") or "cn-hangzhou"
    params = {k: v for k, v in call.params.items()
              if k not in _SECRET_PARAMS and not k.startswith(("Signature", "AccessKeyId"))}
    params["AcsHost"] = call.req.host
    event: dict[str, Any] = {
        "eventId": str(uuid.uuid4()),
        "eventVersion": 1,
        "eventName": op.name,
        "eventRW": "Write",
        "eventType": "ApiCall",
        "eventSource": call.req.host,
        "eventTime": iso(call.now()),
        "serviceName": SERVICE_NAMES.get(call.product, call.product.capitalize()),
        "acsRegion": region,
        "isGlobal": call.product in GLOBAL_PRODUCTS,
        "requestId": call.req.request_id,
        "sourceIpAddress": call.req.header("x-forwarded-for") or call.req.client_ip,
        "userAgent": call.req.header("user-agent"),
        "apiVersion": call.req.header("x-acs-version") or call.params.get("Version", ""),
        "requestParameters": params,
        "userIdentity": call.principal.event_identity if call.principal else {"type": "anonymous"},
        "referencedResources": dict(call.event_resources),
    }
    if vpc := call.req.header("x-acs-source-vpc-id"):  # emulator hint: the call came from inside a VPC
        event["vpcId"] = vpc
    if extra:
        event.update(extra)
    with call.world.lock:
        call.account.events.append(event)
    from . import eventbridge

    eventbridge.publish(call.world, call.account, call.product, event)
    from .products.actiontrail import deliver_to_sls

    deliver_to_sls(call.world, call.account, event)
    return event
