"""ApsaraMQ for Kafka checks (regional): an instance reachable from the Internet does not admit every address in its
Internet whitelist. One finding per instance."""

from __future__ import annotations

from collections.abc import Iterator

from ..collectors.kafka import INSTANCES, KafkaInstance
from ..findings import Result, Status
from .cr import open_entries
from .registry import Inputs, check

PASS, FAIL, ERROR, MANUAL = Status.PASS, Status.FAIL, Status.ERROR, Status.MANUAL


def _result(i: KafkaInstance, status: Status, message: str) -> Result:
    return Result(status=status, resource_id=i.id, resource_type="kafka:instance", resource_name=i.name,
                  region=i.region, message=message,
                  details={"deploy_type": "" if i.deploy_type is None else str(i.deploy_type),
                           "status": "" if i.status is None else str(i.status), "spec_type": i.spec_type})


@check(id="kafka_instance_public_access_restricted", severity="medium",
       title="Kafka instances with Internet access do not admit every address",
       risk="An instance whose Internet whitelist admits 0.0.0.0/0 exposes its SASL/SSL endpoint to the whole "
            "internet: password guessing against its users, and topic data for anyone holding a leaked credential.",
       console="ApsaraMQ for Kafka console > the instance > Whitelist Management: remove 0.0.0.0/0 from the Internet "
               "whitelist (port 9093) and add only the client CIDR blocks.",
       cli="aliyun alikafka UpdateAllowedIp --RegionId <region> --InstanceId <id> --UpdateType delete "
           "--AllowedListType internet --PortRange 9093/9093 --AllowedListIp 0.0.0.0/0",
       events=["UpdateAllowedIp", "StartInstance", "UpgradePostPayOrder", "UpgradePrePayOrder",
               "CreatePostPayInstance", "CreatePrePayInstance"],
       needs=[INSTANCES],
       evaluates="GetInstanceList DeployType per instance, and GetAllowedIpList AllowedList.InternetList for those "
                 "deployed with Internet access: PASS when DeployType is 5 (VPC only), or 4 with Internet whitelist "
                 "entries none of which (nor all together) admit every address; FAIL when an InternetList AllowedIpList"
                 " holds 0.0.0.0/0, ::/0 or entries covering every address (the message names the port range); PASS too"
                 " when DeployType is 4 and the InternetList's port ranges hold no entry ('If you remove the last entry"
                 " from a whitelist, all access through the ports in that entry is blocked': Configure whitelists, http"
                 "s://www.alibabacloud.com/help/en/apsaramq-for-kafka/cloud-message-queue-for-kafka/user-guide/configur"
                 "e-a-whitelist); MANUAL when no InternetList port range is answered at all (the default of an "
                 "Internet-facing instance is documented as 0.0.0.0/0) and for another DeployType; ERROR when the "
                 "whitelist could not be read. A Confluent instance (Series confluent: always DeployType 5, public "
                 "access set per component) is MANUAL when a component has a public endpoint "
                 "(ConfluentInstanceComponents PubEndpoint; its access control is not read), PASS when none has.",
       source="Cloud Config kafka-instance-public-access-check | "
              "https://api.alibabacloud.com/api/alikafka/2019-09-16/GetAllowedIpList")
def public_access_restricted(inp: Inputs) -> Iterator[Result]:
    for i in inp[INSTANCES]:
        lists = i.internet or []
        opened = [f"{w.port_range or 'port ?'}: {ip}" for w in lists for ip in open_entries(w.ips)]
        public = [f"{c.type or 'component'} {c.public_endpoint}" for c in i.components if c.public_endpoint]
        if i.error:
            yield _result(i, ERROR, f"could not read the Internet whitelist: {i.error}")
        elif public:  # (Confluent: DeployType 5 whatever its components' public access)
            yield _result(i, MANUAL, f"Confluent components have public endpoints ({'; '.join(public)}): check who "
                                     "can reach them (their access control is not read)")
        elif i.series.lower() == "confluent":
            yield _result(i, PASS, "no Confluent component of the instance has a public endpoint")
        elif i.deploy_type == 5:
            yield _result(i, PASS, "the instance is reachable from its VPC only (DeployType 5)")
        elif not i.internet_access:
            yield _result(i, MANUAL, f"undocumented DeployType {i.deploy_type}: check how the instance is reachable")
        elif opened:
            yield _result(i, FAIL, f"the Internet whitelist admits every address ({'; '.join(opened)})")
        elif not lists:  # no port range answered at all (the default is documented as 0.0.0.0/0, not as none)
            yield _result(i, MANUAL, "the instance has Internet access (DeployType 4) and no Internet whitelist: "
                                     "check who can reach it")
        elif not any(w.ips for w in lists):
            # "If you remove the last entry from a whitelist, all access through the ports in that entry is blocked"
            yield _result(i, PASS, "the Internet whitelist's port ranges hold no entry, which blocks all access "
                                   "through them")
        else:
            entries = sorted({ip for w in lists for ip in w.ips})
            yield _result(i, PASS, f"the Internet whitelist admits only {', '.join(entries)}")
