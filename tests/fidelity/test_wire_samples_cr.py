"""The Container Registry collector against Alibaba's documented samples (tests/fixtures/wire/cr), expectations
written by hand from the sample values."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("cr.instances")
def test_cr_instances(replay: WireReplay) -> None:
    got = collect(replay, "cr.instances")
    expected = [{
        # cr/ListInstance.json (its RegionId cn-shanghai is the sample's; the endpoint asked is the region's)
        "id": "cri-sgedpenzw80e****", "name": "test", "region": REGION, "status": "RUNNING",
        "specification": "Enterprise_Basic",
        # cr/ListInstanceEndpoint.json: the internet endpoint, enabled, ACL on, whitelist 127.0.0.1; asked for each
        # ModuleName (Registry, Chart), the replay answers the one sample to both
        "endpoints": [{"type": "internet", "module": module, "enabled": True, "acl_enabled": True, "status": "RUNNING",
                       "acl_entries": ["127.0.0.1"], "domains": ["t****-registry.cn-shanghai.cr.aliyuncs.com"]}
                      for module in ("Registry", "Chart")],
        # cr/ListRepository.json (TotalCount "1", a string)
        "repositories": [{"id": "crr-03cuozrsqhkw****", "name": "test", "namespace": "test", "repo_type": "PRIVATE",
                          "status": "NORMAL"}],
        "errors": {}}]
    assert pick(got, expected) == expected
