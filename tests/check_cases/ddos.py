"""Anti-DDoS Proxy cases, from the documented samples: DescribeInstances ddoscoo-cn-7pp2g9ed**** (Status 1 | 2,
Enabled 0 | 1), DescribeDomains lists www.aliyun***.com,
DescribeWebAccessLogStatus answers SlsStatus true with SlsProject ddoscoo-project-128965410602****-cn-hangzhou and
SlsLogstore ddoscoo-logstore."""

from __future__ import annotations

from aliaudit.collectors.ddos import DdosWebsite
from aliaudit.log_volume import LogVolume
from tests.check_cases import Case

DOMAIN = "www.aliyun***.com"


def site(domain: str = DOMAIN, **kw: object) -> DdosWebsite:
    base: dict[str, object] = {"domain": domain, "region": "cn-hangzhou", "log_enabled": True,
                               "sls_project": "ddoscoo-project-128965410602****-cn-hangzhou",
                               "sls_logstore": "ddoscoo-logstore"}
    base.update(kw)
    return DdosWebsite(**base)  # type: ignore[arg-type]


_L = "ddos_web_access_log_enabled"
CASES: list[Case] = [
    Case(_L, "SlsStatus true passes, false fails (in either site)",
         {"ddos.websites": [site(), site("shop.example.com", log_enabled=False, sls_project="", sls_logstore=""),
                            site("intl.example.com", region="ap-southeast-1", log_enabled=False)]},
         {DOMAIN: "PASS", "shop.example.com": "FAIL", "intl.example.com": "FAIL"}),
    Case(_L, "the status could not be read", {"ddos.websites": [site(log_enabled=None, error="NoPermission: denied")]},
         {DOMAIN: "ERROR"}),
    Case(_L, "a website only instances not in service forward (expired, Status 2; forwarding stopped, Enabled 0) is "
             "MANUAL naming them; the others are judged",
         {"ddos.websites": [site(), site("old.example.com", log_enabled=None,
                                         inactive="ddoscoo-cn-7pp2g9ed**** expired (Status 2)"),
                            site("paused.example.com", log_enabled=None,
                                 inactive="ddoscoo-cn-x service traffic forwarding stopped (Enabled 0)")]},
         {DOMAIN: "PASS", "old.example.com": "MANUAL", "paused.example.com": "MANUAL"}),
    Case(_L, "no Anti-DDoS Proxy instance or website: no result", {"ddos.websites": []}, {}),
    # the review's defect: CIS 2.6 step 4 ("Ensure the log volume usage indicator is sufficient for log storage") was
    # called "not exposed by this API", though DescribeSlsLogstoreInfo answers Quota and Used (sample: 3 TiB, 0)
    Case(_L, "full log on with room passes (the sample's 3 TiB, 0 used); exhausted fails; unreadable is ERROR",
         {"ddos.websites": [site(log_volume=LogVolume(quota=3298534883328, used=0)),
                            site("full.example.com", log_volume=LogVolume(quota=3298534883328, used=3298534883328)),
                            site("unread.example.com", log_volume=LogVolume(error="Throttling: slow down"))]},
         {DOMAIN: "PASS", "full.example.com": "FAIL", "unread.example.com": "ERROR"}),
]
