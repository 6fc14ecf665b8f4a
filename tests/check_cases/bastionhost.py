"""Bastionhost cases, from the documented samples: DescribeInstances (bastionhost-cn-78v1gh****, RUNNING,
cloudbastion_ha, PublicNetworkAccess true, InternetEndpoint ******lwb-public.bastionhost.aliyuncs.com) and
DescribeInstanceAttribute (PublicWhiteList)."""

from __future__ import annotations

from aliaudit.collectors.bastionhost import BastionHost
from tests.check_cases import Case

BID = "bastionhost-cn-78v1gh****"


def host(bid: str = BID, **kw: object) -> BastionHost:
    base: dict[str, object] = {
        "id": bid, "description": "test API", "region": "cn-hangzhou", "status": "RUNNING", "plan": "cloudbastion_ha",
        "public_access": True, "internet_endpoint": "******lwb-public.bastionhost.aliyuncs.com",
        "whitelist": ["10.162.168.0/32"]}
    base.update(kw)
    return BastionHost(**base)  # type: ignore[arg-type]


_B = "bastionhost_public_access_restricted"
CASES: list[Case] = [
    Case(_B, "a whitelisted address and public access off pass; an empty whitelist and 0.0.0.0/0 fail",
         {"bastionhost.instances": [host(), host("bh-off", public_access=False, whitelist=None),
                                    host("bh-empty", whitelist=[]), host("bh-open", whitelist=["0.0.0.0/0"])]},
         {BID: "PASS", "bh-off": "PASS", "bh-empty": "FAIL", "bh-open": "FAIL"}),
    Case(_B, "::/0 and the two halves of IPv4 admit everyone",
         {"bastionhost.instances": [host("bh-v6", whitelist=["::/0"]),
                                    host("bh-halves", whitelist=["0.0.0.0/1", "128.0.0.0/1"])]},
         {"bh-v6": "FAIL", "bh-halves": "FAIL"}),
    Case(_B, "attributes unreadable", {"bastionhost.instances": [host(whitelist=None, error="Forbidden: denied")]},
         {BID: "ERROR"}),
]
