"""Container Registry cases, from the documented samples: ListInstance (cri-sgedpenzw80e****, test,
Enterprise_Basic, RUNNING), ListInstanceEndpoint (EndpointType internet, Enable true, AclEnable true, AclEntries
[{Entry: 127.0.0.1}]) and ListRepository (crr-03cuozrsqhkw****, test/test, RepoType PRIVATE | PUBLIC)."""

from __future__ import annotations

from aliaudit.collectors.cr import CrEndpoint, CrInstance, CrRepository
from tests.check_cases import Case

IID = "cri-sgedpenzw80e****"
RID = "crr-03cuozrsqhkw****"


def internet(*entries: str, enabled: bool | None = True, acl: bool | None = True) -> CrEndpoint:
    return CrEndpoint(type="internet", enabled=enabled, acl_enabled=acl, status="RUNNING", acl_entries=list(entries),
                      domains=["t****-registry.cn-shanghai.cr.aliyuncs.com"])


def instance(iid: str = IID, **kw: object) -> CrInstance:
    base: dict[str, object] = {
        "id": iid, "name": "test", "region": "cn-hangzhou", "status": "RUNNING", "specification": "Enterprise_Basic",
        "endpoints": [internet("127.0.0.1")], "repositories": [repo()]}
    base.update(kw)
    return CrInstance(**base)  # type: ignore[arg-type]


def repo(rid: str = RID, repo_type: str = "PRIVATE", status: str = "NORMAL") -> CrRepository:
    return CrRepository(id=rid, name="test", namespace="test", repo_type=repo_type, status=status)


_E = "cr_instance_public_endpoint_restricted"
_R = "cr_repository_private"
CASES: list[Case] = [
    Case(_E, "the sample's 127.0.0.1 whitelist passes; 0.0.0.0/0 and two halves of IPv4 fail",
         {"cr.instances": [instance(), instance("cri-open", endpoints=[internet("10.0.0.0/8", "0.0.0.0/0")]),
                           instance("cri-halves", endpoints=[internet("0.0.0.0/1", "128.0.0.0/1")])]},
         {IID: "PASS", "cri-open": "FAIL", "cri-halves": "FAIL"}),
    Case(_E, "disabled endpoint, no internet endpoint and an empty whitelist pass; ACL off is MANUAL",
         {"cr.instances": [instance("cri-off", endpoints=[internet("0.0.0.0/0", enabled=False)]),
                           instance("cri-vpc", endpoints=[CrEndpoint(type="vpc", enabled=True)]),
                           instance("cri-empty", endpoints=[internet()]),
                           instance("cri-noacl", endpoints=[internet("10.0.0.0/8", acl=False)])]},
         {"cri-off": "PASS", "cri-vpc": "PASS", "cri-empty": "PASS", "cri-noacl": "MANUAL"}),
    Case(_E, "endpoints unreadable", {"cr.instances": [instance(errors={"endpoints": "NoPrivilege: denied"})]},
         {IID: "ERROR"}),
    Case(_E, "an internet endpoint answered without Enable is unknown, not disabled",
         {"cr.instances": [instance(endpoints=[internet("0.0.0.0/0", enabled=None)])]}, {IID: "ERROR"}),
    # each module's internet endpoint (ModuleName Registry, Chart): the worst of the two, FAIL > ERROR > MANUAL
    Case(_E, "Helm charts: unreadable while the images' endpoint passes is ERROR; the images' FAIL wins over a "
         "charts' ERROR; an ACL-off chart endpoint is MANUAL",
         {"cr.instances": [
             instance("cri-chart-err", endpoints=[internet("10.0.0.0/8")],
                      errors={"chart_endpoints": "NoPrivilege: denied"}),
             instance("cri-reg-open", endpoints=[internet("0.0.0.0/0")], errors={"chart_endpoints": "Throttling"}),
             instance("cri-chart-acl", endpoints=[internet("10.0.0.0/8"), internet(acl=False).model_copy(
                 update={"module": "Chart"})])]},
         {"cri-chart-err": "ERROR", "cri-reg-open": "FAIL", "cri-chart-acl": "MANUAL"}),
    Case(_R, "PRIVATE passes, PUBLIC fails",
         {"cr.instances": [instance(repositories=[repo(), repo("crr-pub", "PUBLIC")])]},
         {RID: "PASS", "crr-pub": "FAIL"}),
    Case(_R, "a public repository being deleted or deleted gives no result",
         {"cr.instances": [instance(repositories=[repo("crr-going", "PUBLIC", "DELETING"),
                                                  repo("crr-gone", "PUBLIC", "DELETED")])]},
         {}),
    Case(_R, "repositories unreadable: ERROR for the instance",
         {"cr.instances": [instance(errors={"repositories": "INSTANCE_NOT_EXIST: failed"}),
                           instance("cri-2", repositories=[repo("crr-2")])]},
         {IID: "ERROR", "crr-2": "PASS"}),
]
