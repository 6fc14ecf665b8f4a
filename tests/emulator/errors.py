"""Cloud errors and how each product family renders them on the wire."""

from __future__ import annotations

import base64
import json
from xml.sax.saxutils import escape

from .wire import Request, Response


class ApiError(Exception):
    """An error answer; the product style decides its body shape."""

    def __init__(self, code: str, message: str, status: int = 400, *, retry_after_ms: int | None = None,
                 extra: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.retry_after_ms = retry_after_ms
        self.extra = extra or {}


def render_pop(err: ApiError, req: Request) -> Response:
    """OpenAPI (RPC and ROA) gateway error: JSON Code/Message/RequestId."""
    body = {"RequestId": req.request_id, "HostId": req.host, "Code": err.code, "Message": err.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}", **err.extra}
    headers = {"x-acs-request-id": req.request_id}
    if err.retry_after_ms:
        headers["x-acs-retry-after"] = str(err.retry_after_ms)
    return Response.json(body, err.status, headers)


def render_oss(err: ApiError, req: Request) -> Response:
    """OSS error XML; HEAD answers carry it base64-encoded in x-oss-err instead of a body."""
    fields = {"Code": err.code, "Message": err.message, "RequestId": req.request_id, "HostId": req.host, **err.extra}
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(
        f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items()) + "</Error>"
    headers = {"x-oss-request-id": req.request_id, "Content-Type": "application/xml"}
    if req.method == "HEAD":
        headers["x-oss-err"] = base64.b64encode(xml.encode()).decode()
        return Response(err.status, b"", headers)
    return Response(err.status, xml.encode(), headers)


def render_sls(err: ApiError, req: Request) -> Response:
    body = {"errorCode": err.code, "errorMessage": err.message}
    return Response(err.status, json.dumps(body).encode(),
                    {"Content-Type": "application/json", "x-log-requestid": req.request_id})


RENDERERS = {"pop": render_pop, "oss": render_oss, "sls": render_sls}
