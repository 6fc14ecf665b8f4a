"""Which product a request is for, from its Host (as the cloud routes) or, for direct requests to
the emulator's own address, from the signature scheme and the x-acs-version header."""

from __future__ import annotations

import re

from .wire import Request

# OpenAPI version -> product code (unambiguous across the products we emulate)
POP_VERSIONS = {
    "2015-05-01": "ram", "2015-04-01": "sts", "2019-08-15": "ims", "2020-07-06": "actiontrail",
    "2014-05-26": "ecs", "2016-04-28": "vpc", "2014-08-15": "rds", "2016-01-20": "kms",
    "2018-12-03": "sas", "2015-12-15": "cs", "2017-12-14": "bssopenapi", "2019-01-01": "config",
    "2022-04-19": "resourcemanager", "2020-03-31": "resourcemanager",
}
POP_HOST_ALIASES = {"fcv3": "fc", "fc": "fc", "ecs-cn-hangzhou": "ecs", "resourcemanager": "resourcemanager",
                    "tds": "sas"}

_OSS = re.compile(r"^(?:(?P<bucket>[a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.)?oss-(?P<region>[a-z0-9-]+?)(?:-internal)?"
                  r"\.aliyuncs\.com$")
_SLS = re.compile(r"^(?:(?P<project>[a-z0-9][a-z0-9-]*)\.)?(?P<region>[a-z0-9-]+?)(?:-intranet)?"
                  r"\.log\.aliyuncs\.com$")
_FC = re.compile(r"^(?:(?P<account>\d+)\.)?(?P<region>[a-z0-9-]+)\.fc\.aliyuncs\.com$")
_POP = re.compile(r"^(?P<product>[a-z0-9]+)(?:[.-](?:vpc\.)?(?P<region>[a-z]{2}-[a-z0-9-]+?))?(?:-vpc)?"
                  r"\.aliyuncs\.com$")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}


def oss_bucket_from_host(host: str) -> str | None:
    m = _OSS.match(host)
    return m.group("bucket") if m else None


def sls_project_from_host(host: str) -> str | None:
    m = _SLS.match(host)
    if m:
        return m.group("project")
    if host in LOCAL_HOSTS:
        return None
    # '<project>.127.0.0.1' (log SDK with a raw IP endpoint) and '<project>.localhost'
    label, _, rest = host.partition(".")
    return label if rest in LOCAL_HOSTS else None


def route(req: Request) -> tuple[str, str]:
    """(product, region). Region '' when the host does not carry one."""
    host = req.host
    auth = req.header("authorization")
    if host == "100.100.100.200":
        return "metadata", ""
    if req.raw_path.startswith("/_emulator/") and host in LOCAL_HOSTS:
        return "admin", ""
    if req.raw_path.startswith("/credentials-uri/") and host in LOCAL_HOSTS:
        return "credentials-uri", ""
    if m := _OSS.match(host):
        return "oss", m.group("region")
    if m := _SLS.match(host):
        return "sls", m.group("region")
    if m := _FC.match(host):
        return "fc", m.group("region")
    if auth.startswith(("OSS ", "OSS4-")):
        return "oss", ""
    # oss2's unsigned requests (AnonymousAuth: public reads) to the emulator's own address carry no
    # signature; only oss2's User-Agent tells them apart.
    if not auth and req.header("user-agent").startswith("aliyun-sdk-python/"):
        return "oss", ""
    if auth.startswith(("LOG ", "SLS4-")) or sls_project_from_host(host):
        return "sls", ""
    if req.raw_path.startswith("/2023-03-30/"):
        return "fc", _pop_region(host)
    version = req.header("x-acs-version") or dict(req.query).get("Version", "")
    if m := _POP.match(host):
        product = m.group("product")
        return POP_HOST_ALIASES.get(product, product), m.group("region") or ""
    if version in POP_VERSIONS:
        return POP_VERSIONS[version], ""
    return "unknown", ""


def _pop_region(host: str) -> str:
    m = _POP.match(host)
    return (m.group("region") or "") if m else ""
