"""The default EventBridge bus: ActionTrail events as CloudEvents, matched against the filter
patterns of FC eventbridge triggers (as FC accepts them) and delivered to the functions."""

from __future__ import annotations

import ipaddress
import json
import uuid
from typing import TYPE_CHECKING, Any

from .clock import iso
from .events import GLOBAL_PRODUCTS

if TYPE_CHECKING:
    from .state import Account, World


def envelope(account: Account, product: str, event: dict[str, Any], now_iso: str) -> dict[str, Any]:
    region = event.get("acsRegion", "cn-hangzhou")
    return {
        "id": str(uuid.uuid4()),
        "source": f"acs.{product}",
        "specversion": "1.0",
        "type": f"{product}:ActionTrail:{event.get('eventType', 'ApiCall')}",
        "subject": f"acs.{product}:{region}:{account.id}:{event.get('eventName')}",
        "time": event.get("eventTime", now_iso),
        "datacontenttype": "application/json;charset=utf-8",
        "aliyunaccountid": account.id,
        "aliyunoriginalaccountid": account.id,
        "aliyunpublishtime": now_iso,
        "aliyuneventbusname": "default",
        "aliyunregionid": region,
        "aliyunpublishaddr": "127.0.0.1",
        "data": event,
    }


def bus_region(product: str, event: dict[str, Any]) -> str:
    """The region whose default bus receives the event. Buses are regional ("Event targets must be in the same region
    as EventBridge": EventBridge limits page) and a service's events reach the bus of the region of the operation
    (acsRegion); RAM is deployed centrally: "中国境内地域的事件在华东1(杭州),中国境外地域的事件在新加坡" (events of
    regions in China arrive in Hangzhou, of regions outside China in Singapore: EventBridge, 访问控制事件,
    help.aliyun.com document 205740). IMS and STS, RAM's identity services, are taken to follow RAM (inferred);
    Hong Kong counts as outside the mainland (inferred)."""
    region = event.get("acsRegion") or "cn-hangzhou"
    if product not in GLOBAL_PRODUCTS:
        return region
    return "cn-hangzhou" if region.startswith("cn-") and region != "cn-hongkong" else "ap-southeast-1"


def publish(world: World, account: Account, product: str, event: dict[str, Any]) -> None:
    """Deliver to every matching eventbridge trigger of the account's functions in the region whose bus receives
    the event (bus_region); a function elsewhere never sees it."""
    env = envelope(account, product, event, iso(world.clock.now()))
    from .products import fc

    deliveries = world.extras.setdefault("eventbridge", [])
    bus = bus_region(product, event)
    for target in fc.eventbridge_targets(account):
        if target.region and target.region != bus:
            continue
        try:
            pattern = json.loads(target.pattern) if isinstance(target.pattern, str) else target.pattern
        except json.JSONDecodeError:
            continue
        if matches(pattern, env):
            with world.lock:
                deliveries.append({"function": target.function, "trigger": target.trigger, "event": env})
            fc.deliver(world, account, target, json.dumps(env).encode())


def matches(pattern: Any, event: Any) -> bool:
    """EventBridge pattern semantics: AND across keys, OR within arrays, nested objects mirror the event."""
    if not isinstance(pattern, dict):
        return False
    for key, rule in pattern.items():
        present = isinstance(event, dict) and key in event
        value = event.get(key) if isinstance(event, dict) else None
        if isinstance(rule, dict):
            if not present or not matches(rule, value):
                return False
            continue
        rules = rule if isinstance(rule, list) else [rule]
        if not any(_match_one(r, value, present) for r in rules):
            return False
    return True


def _match_one(rule: Any, value: Any, present: bool) -> bool:
    values = value if isinstance(value, list) else [value]
    if not isinstance(rule, dict):
        return present and any(v == rule for v in values)
    if "exists" in rule:
        return present == bool(rule["exists"])
    if not present:
        return False
    strs = [v for v in values if isinstance(v, str)]
    if "prefix" in rule:
        return any(v.startswith(rule["prefix"]) for v in strs)
    if "suffix" in rule:
        return any(v.endswith(rule["suffix"]) for v in strs)
    if "contains" in rule:
        return any(rule["contains"] in v for v in strs)
    if "anything-but" in rule:
        but = rule["anything-but"]
        if isinstance(but, dict) and "prefix" in but:
            return not any(v.startswith(but["prefix"]) for v in strs)
        excluded = but if isinstance(but, list) else [but]
        return all(v not in excluded for v in values)
    if "numeric" in rule:
        return any(_numeric(rule["numeric"], v) for v in values if isinstance(v, int | float))
    if "cidr" in rule:
        net = ipaddress.ip_network(rule["cidr"], strict=False)
        return any(_in_net(v, net) for v in strs)
    return False


def _numeric(ops: list[Any], value: float) -> bool:
    checks = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__, "=": float.__eq__}
    return all(checks[op](float(value), float(bound)) for op, bound in zip(ops[::2], ops[1::2], strict=False))


def _in_net(text: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    try:
        return ipaddress.ip_address(text) in net
    except ValueError:
        return False
