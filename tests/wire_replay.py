"""A replay of the documented wire corpus (tests/fixtures/wire/<product>/<Action>.json) to the unmodified
official SDKs the product uses, over real HTTP: a local plain-HTTP forward proxy (random free port) that the
product reaches exactly as it reaches any endpoint, `EndpointSettings(protocol="http", proxy=replay.url)`, so
requests arrive in absolute form with the real host names (vpc.aliyuncs.com, tds.cn-shanghai.aliyuncs.com,
mybucket01.oss-cn-hangzhou.aliyuncs.com, <project>.cn-hangzhou.log.aliyuncs.com...). No signature is verified
and no request parameter filters an answer: every call of an API gets that API's documented sample.

Routing
- OpenAPI (tea-openapi clients): the product from the API version (`x-acs-version` header or `Version`
  parameter; each corpus file names its version), the action from the `x-acs-action` header or the `Action`
  query/form parameter (RPC). ACK (`cs`, ROA) is routed by method and path, as the SDK builds them
  (`GET /api/v1/clusters`, `GET /clusters/{id}/audit`...), see ROA_ROUTES.
- OSS (oss2, XML): ListBuckets is `GET /` on the service host (oss-<region>.aliyuncs.com); bucket operations
  (<bucket>.oss-<region>...) are named by their sub-resource query key (`?acl`, `?policy`, `?encryption`,
  `?versioning`, `?logging`, `?publicAccessBlock`), account-level `?publicAccessBlock` on the service host is
  GetPublicAccessBlock. The body is the file's `response_xml` (or `response`, e.g. a bucket policy's JSON).
- Log Service (aliyun-log-python-sdk): `GET /` on the region host is ListProject; on a project host
  (<project>.<region>.log.aliyuncs.com) `GET /logstores` ListLogStores, `GET /logstores/{name}` GetLogStore,
  `GET /jobs?jobType=Alert` (what the SDK's list_alert calls) and `GET /alerts` ListAlerts.
- Anything else, or an API without a corpus file, answers 404 with an error naming the request in the
  product's own error format, so a test fails loudly (`misses` lists them too).

What is served is the documented sample unchanged, except for these deterministic rules:
1. Last page. A sample shows a middle page (IsTruncated true, a NextToken, a TotalCount above its item
   count), which would make a pager ask again forever. Its paging fields are set to "last page" values of
   the sample's own JSON types: IsTruncated false / "false", NextToken "" (also nextToken, and PageInfo's),
   the next-page marker removed (RAM/IMS `Marker`, OSS `<NextMarker>`), and the totals (TotalCount,
   TotalRecordCount, page_info.total_count, PageInfo.TotalCount, SLS `total`, Elasticsearch
   Headers.X-Total-Count) set to the number of items the sample lists, as an int or a string as the sample has
   it. Nothing else of the sample changes.
2. Two corpus files document more than one JSON sample can show; their documented parts are used:
   - ims:GenerateCredentialReport is asynchronous (State STARTED -> INPROGRESS -> COMPLETED, the file's
     `enums`): the first call gets the sample (State STARTED), each later call the next documented State.
   - ims:GetCredentialReport's `Content` in the sample is a masked placeholder ("OVZWK4RMOVZW****"): it is
     served as the Base64 of the file's `content_csv`, the documented report.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.emulator.server import LocalHTTPServer

WIRE = Path(__file__).parent / "fixtures" / "wire"

# ACK (ROA): (method, path pattern, action) as alibabacloud_cs20151215 builds the paths
ROA_ROUTES: dict[str, list[tuple[str, re.Pattern[str], str]]] = {"cs": [(m, re.compile(p), a) for m, p, a in [
    ("GET", r"^/api/v1/clusters$", "DescribeClustersV1"),
    ("GET", r"^/clusters/[^/]+$", "DescribeClusterDetail"),
    ("GET", r"^/clusters/[^/]+/audit$", "GetClusterAuditProject"),
    ("GET", r"^/clusters/[^/]+/addon_instances$", "ListClusterAddonInstances"),
    ("GET", r"^/clusters/[^/]+/addon_instances/[^/]+$", "GetClusterAddonInstance"),
    ("GET", r"^/clusters/[^/]+/nodepools$", "DescribeClusterNodePools"),
    ("GET", r"^/clusters/[^/]+/inspectReports$", "ListClusterInspectReports"),
    ("GET", r"^/api/v1/metadata/versions$", "DescribeKubernetesVersionMetadata"),
    ("GET", r"^/clusters/[^/]+/checks$", "ListClusterChecks"),
    ("GET", r"^/clusters/[^/]+/checks/[^/]+$", "GetClusterCheck"),
]]}
# Elasticsearch (ROA), as alibabacloud_elasticsearch20170613 builds the paths
ROA_ROUTES["elasticsearch"] = [(m, re.compile(p), a) for m, p, a in [
    ("GET", r"^/openapi/instances$", "ListInstance"),
    ("GET", r"^/openapi/instances/[^/]+$", "DescribeInstance"),
]]

# OSS sub-resource query key -> API (bucket host; on the service host only publicAccessBlock is account-level)
OSS_BUCKET_APIS = {"acl": "GetBucketAcl", "policy": "GetBucketPolicy", "encryption": "GetBucketEncryption",
                   "versioning": "GetBucketVersioning", "logging": "GetBucketLogging",
                   "publicAccessBlock": "GetBucketPublicAccessBlock", "location": "GetBucketLocation",
                   "worm": "GetBucketWorm", "accessPoint": "ListAccessPoints",
                   "accessPointPolicy": "GetAccessPointPolicy"}
OSS_SERVICE_APIS = {"publicAccessBlock": "GetPublicAccessBlock"}

# --- rule 1: the last page ------------------------------------------------------------------------------------
NEXT_TOKENS = ("NextToken", "nextToken", "next_token")
TRUNCATED = ("IsTruncated", "isTruncated", "is_truncated")
MARKERS = ("Marker",)  # RAM/IMS: the marker of the next page
TOTALS = ("TotalCount", "TotalRecordCount", "total_count", "totalCount", "total", "X-Total-Count")
PAGE_OBJECTS = ("PageInfo", "page_info", "Headers")  # nested paging blocks (Security Center, ACK, Elasticsearch)

# --- rule 2 ---------------------------------------------------------------------------------------------------
ASYNC_STATES = {"ims:GenerateCredentialReport": "State"}  # api -> field that walks its documented enum
CONTENT_FROM_CSV = {"ims:GetCredentialReport": "Content"}  # api -> field served as Base64 of content_csv


def item_count(body: dict[str, Any]) -> int:
    """How many items a list answer carries: the length of its shallowest list (e.g. Vpcs.Vpc, TrailList,
    projects), found breadth-first through objects (not through lists, nor the paging blocks)."""
    level: list[Any] = [v for k, v in body.items() if k not in PAGE_OBJECTS]
    while level:
        lists = [v for v in level if isinstance(v, list)]
        if lists:
            # several lists of one length tell the count all the same (ECS DescribeImageSharePermission: one
            # ShareGroup, one Account)
            if len({len(v) for v in lists}) > 1:
                raise ValueError(f"cannot tell the item list of a sample with several: {sorted(body)}")
            return len(lists[0])
        level = [v for obj in level if isinstance(obj, dict) for v in obj.values()]
    return 0


def _same_type(old: Any, value: int) -> Any:
    return str(value) if isinstance(old, str) else value


def last_page(body: Any) -> Any:
    """Rule 1 on a JSON answer: a copy whose paging fields say "last page", in the sample's own JSON types."""
    if not isinstance(body, dict):
        return body
    out = copy.deepcopy(body)
    for obj in [out, *(out[k] for k in PAGE_OBJECTS if isinstance(out.get(k), dict))]:
        for key in NEXT_TOKENS:
            if key in obj:
                obj[key] = ""
        for key in TRUNCATED:
            if key in obj:
                obj[key] = "false" if isinstance(obj[key], str) else False
        for key in MARKERS:
            obj.pop(key, None)
        for key in TOTALS:
            if key in obj:
                obj[key] = _same_type(obj[key], item_count(out))
    return out


def last_page_xml(text: str) -> str:
    """Rule 1 on an OSS XML answer: IsTruncated false, the next-page marker and token removed."""
    text = re.sub(r"<IsTruncated>\s*true\s*</IsTruncated>", "<IsTruncated>false</IsTruncated>", text)
    return re.sub(r"\s*<(NextMarker|NextContinuationToken)>[^<]*</\1>", "", text)


# --- the corpus -------------------------------------------------------------------------------------------------

def load_corpus(root: Path = WIRE) -> dict[str, dict[str, Any]]:
    """'product:Action' -> the corpus file's content (product = the folder name, e.g. ims, sas, oss)."""
    return {f"{p.parent.name}:{p.stem}": json.loads(p.read_text()) for p in sorted(root.glob("*/*.json"))}


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class Miss(Exception):
    """No documented sample answers this request."""


class WireReplay:
    """The replay server. `served` lists the APIs answered ('vpc:DescribeFlowLogs'), `misses` the requests
    that got a 404, both in arrival order."""

    def __init__(self, root: Path = WIRE) -> None:
        self.corpus = load_corpus(root)
        self.versions: dict[str, set[str]] = {}  # API version -> products (corpus folders)
        for key, doc in self.corpus.items():
            if doc.get("version"):
                self.versions.setdefault(str(doc["version"]), set()).add(key.split(":", 1)[0])
        self.served: list[str] = []
        self.misses: list[str] = []
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: LocalHTTPServer | None = None

    # --- lifecycle ---
    @property
    def url(self) -> str:
        assert self._server is not None, "the replay server is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> WireReplay:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = replay.answer(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        server = LocalHTTPServer(("127.0.0.1", 0), Handler)
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="wire-replay",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WireReplay:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # --- answering ---
    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        split = urlsplit(target)
        host = (split.netloc or _header(headers, "Host")).rsplit("@", 1)[-1].split(":", 1)[0].lower()
        path = split.path or "/"
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        request = f"{method} http://{host}{path}{'?' + split.query if split.query else ''}"
        if host.endswith(".log.aliyuncs.com"):
            kind: Callable[[str, str], Answer] = _sls_error
            route = self._sls
        elif host.startswith("oss-") or ".oss-" in host:
            kind, route = _oss_error, self._oss
        else:
            kind, route = _pop_error, self._pop
        try:
            return route(method, host, path, query, headers, body)
        except Miss as why:
            with self._lock:
                self.misses.append(f"{request}: {why}")
            return kind(request, str(why))

    def _sample(self, api: str) -> dict[str, Any]:
        doc = self.corpus.get(api)
        if doc is None:
            raise Miss(f"no documented sample for {api} (no tests/fixtures/wire/{api.replace(':', '/')}.json)")
        with self._lock:
            self.served.append(api)
            self._calls[api] = self._calls.get(api, 0) + 1
            doc = {**doc, "_call": self._calls[api]}
        return doc

    def json_body(self, api: str, doc: dict[str, Any]) -> Any:
        """The documented JSON sample of an API as served (rules 1 and 2)."""
        if "response" not in doc:
            raise Miss(f"{api}: the corpus file has no JSON 'response'")
        body = last_page(doc["response"])
        state = ASYNC_STATES.get(api)
        if state and isinstance(body, dict) and state in body:
            states = list((doc.get("enums") or {}).get(state) or [body[state]])
            start = states.index(body[state]) if body[state] in states else 0
            body[state] = states[min(start + doc["_call"] - 1, len(states) - 1)]
        content = CONTENT_FROM_CSV.get(api)
        if content and isinstance(body, dict) and doc.get("content_csv"):
            body[content] = base64.b64encode(str(doc["content_csv"]).encode()).decode()
        return body

    def _pop(self, method: str, host: str, path: str, query: dict[str, str], headers: dict[str, str],
             body: bytes) -> Answer:
        version = _header(headers, "x-acs-version") or query.get("Version", "")
        products = sorted(self.versions.get(version, set()))
        if not products:
            raise Miss(f"no corpus product has API version {version or '(none)'}")
        action = ""
        for product in products:
            for verb, pattern, name in ROA_ROUTES.get(product, []):
                if verb == method and pattern.match(unquote(path)):
                    action = name
        if not action and not any(p in ROA_ROUTES for p in products):
            form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()} if body else {}
            action = _header(headers, "x-acs-action") or query.get("Action") or form.get("Action", "")
        if not action:
            raise Miss(f"no route of {'/'.join(products)} {version} matches {method} {path}")
        api = next((f"{p}:{action}" for p in products if f"{p}:{action}" in self.corpus), f"{products[0]}:{action}")
        doc = self._sample(api)
        data = self.json_body(api, doc)
        request_id = data.get("RequestId") or data.get("requestId") if isinstance(data, dict) else None
        return Answer(200, json.dumps(data, ensure_ascii=False).encode(), "application/json;charset=utf-8",
                      {"x-acs-request-id": str(request_id or "wire-replay")})

    def _oss(self, method: str, host: str, path: str, query: dict[str, str], headers: dict[str, str],
             body: bytes) -> Answer:
        service = host.startswith("oss-")
        apis = OSS_SERVICE_APIS if service else OSS_BUCKET_APIS
        named = [api for key, api in apis.items() if key in query]
        if method != "GET" or len(named) > 1 or (service and path != "/"):
            raise Miss("no OSS route")
        if named:
            action = named[0]
        elif service:
            action = "ListBuckets"
        else:
            raise Miss("no OSS route (an object or an unknown sub-resource)")
        api = f"oss:{action}"
        doc = self._sample(api)
        rid = {"x-oss-request-id": "wire-replay"}
        if doc.get("response_xml"):
            return Answer(200, last_page_xml(str(doc["response_xml"])).encode(), "application/xml", rid)
        return Answer(200, json.dumps(self.json_body(api, doc)).encode(), "application/json", rid)

    def _sls(self, method: str, host: str, path: str, query: dict[str, str], headers: dict[str, str],
             body: bytes) -> Answer:
        project = host.removesuffix(".log.aliyuncs.com").count(".") > 0
        parts = [unquote(p) for p in path.split("/") if p]
        action = ""
        if method == "GET" and not project and not parts:
            action = "ListProject"
        elif method == "GET" and project and parts == ["logstores"]:
            action = "ListLogStores"
        elif method == "GET" and project and len(parts) == 2 and parts[0] == "logstores":
            action = "GetLogStore"
        elif method == "GET" and project and (parts == ["alerts"] or
                                              (parts == ["jobs"] and query.get("jobType") == "Alert")):
            action = "ListAlerts"
        elif method == "GET" and project and len(parts) == 2 and parts[0] == "alerts":
            action = "GetAlert"
        if not action:
            raise Miss("no Log Service route")
        api = f"sls:{action}"
        data = self.json_body(api, self._sample(api))
        return Answer(200, json.dumps(data).encode(), "application/json", {"x-log-requestid": "wire-replay"})


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def _pop_error(request: str, why: str) -> Answer:
    data = {"Code": "WireReplay.NoSample", "Message": f"{request}: {why}", "RequestId": "wire-replay"}
    return Answer(404, json.dumps(data).encode(), "application/json;charset=utf-8")


def _oss_error(request: str, why: str) -> Answer:
    text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>WireReplay.NoSample</Code>'
            f"<Message>{_xml_escape(f'{request}: {why}')}</Message><RequestId>wire-replay</RequestId></Error>")
    return Answer(404, text.encode(), "application/xml", {"x-oss-request-id": "wire-replay"})


def _sls_error(request: str, why: str) -> Answer:
    data = {"errorCode": "WireReplay.NoSample", "errorMessage": f"{request}: {why}"}
    return Answer(404, json.dumps(data).encode(), "application/json", {"x-log-requestid": "wire-replay"})


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
