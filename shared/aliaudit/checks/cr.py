"""Container Registry checks (regional, Enterprise Edition instances): the public endpoint's whitelist does not admit
every address, and no image repository is public. One finding per instance, and one per repository."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from ..cidrs import IPNetwork, covers_world
from ..collectors.cr import INSTANCES, INTERNET, MODULES, CrEndpoint, CrInstance, CrRepository, endpoints_error
from ..findings import WORST_FIRST, Result, Status
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL

# ListRepository RepoStatus values for a repository on its way out: "DELETING: Being deleted. DELETED: Deleted."
# (the SDK model alibabacloud_cr20181201 ListRepositoryRequest): ALL lists them with the rest
GONE = frozenset({"DELETING", "DELETED"})


def open_entries(entries: Iterable[str]) -> list[str]:
    """The whitelist entries that admit every address: any /0 (0.0.0.0/0, ::/0, a bare 0.0.0.0), or entries that
    together cover all of IPv4 or IPv6 (0.0.0.0/1 + 128.0.0.0/1). Text that is not an address admits nobody.
    (Shared by the kafka and bastionhost checks.)"""
    nets: list[tuple[str, IPNetwork]] = []
    # an item may hold several comma-separated entries, in brackets or quotes (the write APIs take
    # "10.0.0.0/8,0.0.0.0/0"; documented samples answer "[10.162.168.xx/32]"): each is judged
    parts = [p.strip("\"' ") for raw in entries for p in raw.strip().strip("[]").split(",")]
    for raw in (p for p in parts if p):
        text = raw
        if text == "0.0.0.0":
            text = "0.0.0.0/0"
        try:
            nets.append((raw, ipaddress.ip_network(text, strict=False)))
        except ValueError:
            continue
    opened = [raw for raw, net in nets if net.prefixlen == 0]
    if opened:
        return opened
    for family in (4, 6):
        if covers_world((net for _, net in nets), family):
            return [raw for raw, net in nets if net.version == family]
    return []


def _inst(i: CrInstance, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=i.id, resource_type="cr:instance", resource_name=i.name,
                  region=i.region, message=message, details={"status": i.status, "specification": i.specification})


def _repo(i: CrInstance, r: CrRepository, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=r.id, resource_type="cr:repository",
                  resource_name=f"{r.namespace}/{r.name}" if r.namespace else r.name, region=i.region,
                  message=message, details={"instance_id": i.id, "repo_type": r.repo_type, "status": r.status})


_DISABLED = "access over the Internet is disabled"


def _internet_verdict(ep: CrEndpoint | None) -> tuple[Status, str]:
    if ep is None or ep.enabled is False:
        return PASS, _DISABLED
    if ep.enabled is None:
        return ERROR, ("ListInstanceEndpoint answered the internet endpoint without its Enable flag: whether it is "
                       "reachable is unknown")
    if opened := open_entries(ep.acl_entries):
        return FAIL, f"the public endpoint admits every address (whitelist: {', '.join(opened)})"
    if ep.acl_enabled is False:
        return MANUAL, ("the public endpoint is enabled with its access control list reported disabled (AclEnable "
                        "false): check who can reach it")
    if not ep.acl_entries:
        # "New instances block all traffic by default ... configure ACLs that permit traffic" (network access
        # control overview): an empty whitelist admits nobody
        return PASS, "the public endpoint is enabled with an empty whitelist (no address admitted)"
    return PASS, f"the public endpoint admits only {', '.join(ep.acl_entries)}"


@check(id="cr_instance_public_endpoint_restricted", severity="high",
       title="Container Registry instances do not admit every address to their public endpoint",
       risk="A registry endpoint open to the whole internet lets anyone try stolen or guessed credentials against it "
            "and pull or push images (a poisoned image then runs in every cluster that deploys it).",
       console="Container Registry console > the instance > Repository (or Helm chart) > Access Control > Internet: "
               "remove 0.0.0.0/0 and add only the CIDR blocks that must push or pull, or disable access over the "
               "Internet.",
       cli="aliyun cr DeleteInstanceEndpointAclPolicy --InstanceId <id> --EndpointType internet --ModuleName "
           "Registry|Chart --Entry 0.0.0.0/0; or aliyun cr UpdateInstanceEndpointStatus --InstanceId <id> "
           "--EndpointType internet --ModuleName Registry|Chart --Enable false",
       events=["UpdateInstanceEndpointStatus", "CreateInstanceEndpointAclPolicy", "DeleteInstanceEndpointAclPolicy"],
       needs=[INSTANCES],
       evaluates="ListInstanceEndpoint of every instance, for each module (ModuleName Registry, the images, and "
                 "Chart, the Helm charts: each module's internet endpoint is switched and whitelisted on its own), "
                 "the worst of the two: PASS when the internet endpoint is "
                 "absent or not enabled (Enable false), or enabled with whitelist entries none of which (nor all "
                 "together) admit every address, or with no entry (Container Registry admits no traffic an ACL does "
                 "not permit); FAIL when it is enabled and AclEntries[].Entry holds 0.0.0.0/0, ::/0 or entries "
                 "covering every address; MANUAL when it is enabled with AclEnable false (what that admits is not "
                 "documented); ERROR when a module's endpoints could not be read or its internet endpoint's Enable "
                 "flag is missing. An instance whose status supports no managed endpoint (ListInstanceEndpoint "
                 "INSTANCE_STATUS_NOT_SUPPORT, as Alibaba's Terraform provider reads it) PASSes, naming its status; "
                 "one released since it was listed (INSTANCE_NOT_EXIST) gives no result.",
       source="Cloud Config cr-instance-any-ip-access-check | "
              "https://www.alibabacloud.com/help/en/acr/user-guide/network-access-control-overview")
def public_endpoint_restricted(inp: Inputs) -> Iterator[Result]:
    for i in inp[INSTANCES]:
        if i.endpoints_unsupported:
            yield _inst(i, PASS, f"the instance has no managed endpoint in its status ({i.status or 'not reported'}: "
                                 "ListInstanceEndpoint answered INSTANCE_STATUS_NOT_SUPPORT)")
            continue
        verdicts: list[tuple[Status, str]] = []
        for module in MODULES:
            what = "" if module == "Registry" else "Helm charts: "
            err = i.errors.get(endpoints_error(module))
            status, msg = (ERROR, f"could not read the instance's endpoints: {err}") if err else \
                _internet_verdict(i.endpoint(INTERNET, module))
            if module == "Registry" or msg != _DISABLED:  # (a chart endpoint that is off goes unmentioned)
                verdicts.append((status, what + msg))
        worst = min((s for s, _ in verdicts), key=WORST_FIRST.index)
        yield _inst(i, worst, "; ".join(m for _, m in verdicts))


@check(id="cr_repository_private", severity="high",
       title="Container Registry image repositories are private",
       risk="Anyone can pull the images of a public repository without credentials: application code, embedded "
            "configuration and secrets baked into layers, and the software versions to attack.",
       console="Container Registry console > the instance > Repositories > the repository > Edit: Repository Type "
               "Private.",
       cli="aliyun cr UpdateRepository --InstanceId <id> --RepoId <repo> --RepoType PRIVATE --Summary <summary>",
       events=["UpdateRepository", "CreateRepository"], needs=[INSTANCES],
       evaluates="ListRepository (RepoStatus ALL) of every instance: PASS for RepoType PRIVATE, FAIL for PUBLIC; "
                 "MANUAL for another or no type; ERROR for an instance whose repositories could not be listed (one "
                 "finding for the instance). Repositories being deleted or deleted (RepoStatus DELETING, DELETED: "
                 "ALL lists them too) give no result.",
       source="Cloud Config cr-repository-type-private | "
              "https://api.alibabacloud.com/api/cr/2018-12-01/ListRepository")
def repository_private(inp: Inputs) -> Iterator[Result]:
    for i in inp[INSTANCES]:
        if "repositories" in i.errors:
            yield _inst(i, ERROR, f"could not list the instance's repositories: {i.errors['repositories']}")
            continue
        for r in i.repositories:
            if r.status.upper() in GONE:
                continue
            kind = r.repo_type.upper()
            if kind == "PRIVATE":
                yield _repo(i, r, PASS, "the repository is private")
            elif kind == "PUBLIC":
                yield _repo(i, r, FAIL, "the repository is public: anyone can pull its images without credentials")
            else:
                yield _repo(i, r, MANUAL, f"the repository type is {r.repo_type or 'not reported'}")
