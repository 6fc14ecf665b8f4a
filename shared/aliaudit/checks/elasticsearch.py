"""Elasticsearch checks (regional): a cluster's public endpoint and its Kibana's public endpoint do not admit every
address. One finding per cluster for each."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.elasticsearch import INSTANCES, EsInstance
from ..findings import Result, Status
from .cr import open_entries
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL


def _result(i: EsInstance, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=i.id, resource_type="elasticsearch:instance",
                  resource_name=i.description, region=i.region, message=message,
                  details={"status": i.status, "version": i.version})


@check(id="elasticsearch_instance_public_access_restricted", severity="high",
       title="Elasticsearch clusters do not admit every address to their public endpoint",
       risk="An Elasticsearch endpoint reachable from the whole internet is scanned within hours: indexes are read, "
            "wiped or held for ransom with a guessed or leaked elastic password.",
       console="Elasticsearch console > the cluster > Security > Network Settings: turn off Public Network Access, "
               "or replace 0.0.0.0/0 in the Public Network Whitelist with the client addresses.",
       cli="aliyun elasticsearch TriggerNetwork --InstanceId <id> --body "
           "'{\"nodeType\":\"WORKER\",\"networkType\":\"PUBLIC\",\"actionType\":\"CLOSE\"}'",
       events=["TriggerNetwork", "UpdatePublicWhiteIps", "UpdatePublicNetwork", "UpdateWhiteIps", "ModifyWhiteIps",
               "createInstance"],
       needs=[INSTANCES],
       evaluates="DescribeInstance enablePublic, publicIpWhitelist and networkConfig.whiteIpGroupList groups of type "
                 "PUBLIC_ES: PASS when public access is off, or on with whitelist entries none of which (nor all "
                 "together) admit every address, or with no entry (the console documents that requests from all "
                 "public addresses are denied by default); FAIL when an entry is 0.0.0.0/0, ::/0, a bare 0.0.0.0 or "
                 "entries together cover every address; ERROR when the cluster could not be described or the answer "
                 "lacks enablePublic.",
       source="Cloud Config elasticsearch-public-and-any-ip-access-check | "
              "https://www.alibabacloud.com/help/en/es/user-guide/"
              "configure-a-public-or-private-ip-address-whitelist-for-an-elasticsearch-cluster")
def public_access_restricted(inp: Inputs) -> Iterator[Result]:
    for i in inp[INSTANCES]:
        if i.error:
            yield _result(i, ERROR, f"could not describe the cluster: {i.error}")
        elif i.public_enabled is None:
            yield _result(i, ERROR, "DescribeInstance answered no enablePublic: public access unknown")
        elif not i.public_enabled:
            yield _result(i, PASS, "public network access is disabled")
        elif opened := open_entries(i.public_whitelist):
            yield _result(i, FAIL, f"{i.public_domain or 'the public endpoint'} admits every address (public "
                                   f"whitelist: {', '.join(opened)})")
        elif not i.public_whitelist:
            yield _result(i, PASS, "public network access is on with an empty whitelist (all public addresses are "
                                   "denied by default)")
        else:
            yield _result(i, PASS, f"the public endpoint admits only {', '.join(i.public_whitelist)}")


@check(id="elasticsearch_kibana_public_access_restricted", severity="high",
       title="Kibana of Elasticsearch clusters does not admit every address over the Internet",
       risk="Kibana open to the internet exposes a login page (and the data behind it) to credential stuffing and "
            "to every Kibana vulnerability; its public whitelist once defaulted to 0.0.0.0/0.",
       console="Elasticsearch console > the cluster > Data Visualization > Kibana > Edit Configuration: turn off "
               "Public Network Access, or replace 0.0.0.0/0 in the Kibana whitelist with the client addresses.",
       cli="aliyun elasticsearch TriggerNetwork --InstanceId <id> --body "
           "'{\"nodeType\":\"KIBANA\",\"networkType\":\"PUBLIC\",\"actionType\":\"CLOSE\"}'",
       events=["TriggerNetwork", "UpdateKibanaWhiteIps", "UpdateWhiteIps", "ModifyWhiteIps", "createInstance"],
       needs=[INSTANCES],
       evaluates="DescribeInstance enableKibanaPublicNetwork, kibanaIPWhitelist and networkConfig.whiteIpGroupList "
                 "groups of type PUBLIC_KIBANA: PASS when Kibana's public access is off, or on with whitelist entries "
                 "none of which (nor all together) admit every address; FAIL when an entry is 0.0.0.0/0, ::/0, a bare "
                 "0.0.0.0 or entries together cover every address; MANUAL when it is on with no entry (what an empty "
                 "Kibana whitelist admits is not documented); ERROR when the cluster could not be described or the "
                 "answer lacks enableKibanaPublicNetwork.",
       source="Cloud Config elasticsearch-instance-enabled-kibana-public-check (narrower here: that rule flags any "
              "Kibana public access, this check a public whitelist that admits every address) | "
              "https://www.alibabacloud.com/help/en/elasticsearch/latest/access-control-methods-for-elasticsearch-"
              "clusters")
def kibana_public_access_restricted(inp: Inputs) -> Iterator[Result]:
    for i in inp[INSTANCES]:
        if i.error:
            yield _result(i, ERROR, f"could not describe the cluster: {i.error}")
        elif i.kibana_public_enabled is None:
            yield _result(i, ERROR, "DescribeInstance answered no enableKibanaPublicNetwork: Kibana's public access "
                                    "unknown")
        elif not i.kibana_public_enabled:
            yield _result(i, PASS, "Kibana's public network access is disabled")
        elif opened := open_entries(i.kibana_whitelist):
            yield _result(i, FAIL, f"Kibana ({i.kibana_domain or 'public endpoint'}) admits every address (Kibana "
                                   f"whitelist: {', '.join(opened)})")
        elif not i.kibana_whitelist:
            yield _result(i, MANUAL, "Kibana's public access is on with an empty whitelist: check who can reach it")
        else:
            yield _result(i, PASS, f"Kibana's public endpoint admits only {', '.join(i.kibana_whitelist)}")
