"""MSE's collector on the documented samples of mse 2019-05-31 (tests/fixtures/wire/mse): ListClusters lists one
Eureka instance, mse-cn-st21ri2****; QueryConfig answers ConfigAuthEnabled true, NamingAuthEnabled false, both
supported, AuthEnabled true (and a UserName / PassWord the dataset must not keep); QueryClusterDetail answers
PubNetworkFlow "3", InternetDomain mse-7413****-p.eureka.mse.aliyuncs.com and AclEntryList "[]"."""

from __future__ import annotations

from tests.wire_replay import WireReplay
from tests.wire_samples import REGION, collect, covers, pick


@covers("mse.clusters")
def test_mse_clusters_from_the_documented_samples(replay: WireReplay) -> None:
    got = collect(replay, "mse.clusters")
    expected = [{
        "id": "mse-cn-st21ri2****", "name": "mse-7413****", "region": REGION, "type": "Eureka", "version": "1.9.3",
        "config_auth_enabled": True, "config_auth_supported": True, "naming_auth_enabled": False,
        "naming_auth_supported": True, "zk_auth_enabled": True, "config_error": None,
        "public_bandwidth": 3, "internet_domain": "mse-7413****-p.eureka.mse.aliyuncs.com", "acl": [],
        "detail_error": None}]
    assert pick(got, expected) == expected
    assert got[0].public and got[0].open_entries == []
    assert "password" not in got[0].model_dump_json().lower()  # QueryConfig's PassWord is not kept
