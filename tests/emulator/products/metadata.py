"""ECS instance metadata (100.100.100.200): IMDSv2 tokens, IMDSv1, and the instance RAM role's credentials."""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..clock import iso
from ..routing import LOCAL_HOSTS
from ..wire import Request, Response
from . import BY_HOST, Claim, Product

if TYPE_CHECKING:
    from ..state import World

HOST = "100.100.100.200"
ROLE_PATH = "/latest/meta-data/ram/security-credentials/"
# ECS hands out role credentials valid for about six hours
ECS_ROLE_LIFETIME = 6 * 3600


class Metadata(BaseModel):
    """What the ECS instance metadata service answers: this machine's instance and its RAM role."""

    instance_id: str = "i-emulator0001"
    region: str = "cn-hangzhou"
    role_name: str | None = None
    http_tokens: str = "optional"  # optional | required (security-hardening mode: IMDSv2 only)


def handle(world: World, req: Request) -> Response:
    account = world.primary
    md = account.metadata
    if req.method == "PUT" and req.raw_path == "/latest/api/token":
        ttl = req.header("x-aliyun-ecs-metadata-token-ttl-seconds")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return Response.text("X-aliyun-ecs-metadata-token-ttl-seconds must be 1-21600", 400)
        token = secrets.token_urlsafe(32)
        with world.lock:
            world.imds_tokens[token] = world.clock.timestamp() + int(ttl)
        return Response.text(token)
    token = req.header("x-aliyun-ecs-metadata-token")
    if token:
        if world.imds_tokens.get(token, 0) <= world.clock.timestamp():
            return Response.text("Unauthorized: invalid or expired metadata token", 401)
    elif md.http_tokens == "required":  # security-hardening mode: IMDSv1 refused
        return Response.text("Forbidden: the instance requires metadata access in security hardening mode", 403)
    path = req.raw_path
    if path == "/latest/meta-data/instance-id":
        return Response.text(md.instance_id)
    if path == "/latest/meta-data/region-id":
        return Response.text(md.region)
    if path == ROLE_PATH:
        if not md.role_name:
            return Response.text("Not Found", 404)
        return Response.text(md.role_name)
    if path.startswith(ROLE_PATH):
        name = path[len(ROLE_PATH):]
        role = account.ram.role(name)
        if role is None or name != md.role_name:
            return Response.text("Not Found", 404)
        s = world.new_session(account_id=account.id, role_name=role.name, session_name=md.instance_id,
                              source_arn=f"acs:ecs:{md.region}:{account.id}:instance/{md.instance_id}",
                              duration=ECS_ROLE_LIFETIME)
        return Response(200, json.dumps({"Code": "Success", "AccessKeyId": s.access_key_id,
                                         "AccessKeySecret": s.secret, "SecurityToken": s.token,
                                         "Expiration": iso(s.expiration),
                                         "LastUpdated": iso(world.clock.now())}).encode(),
                        {"Content-Type": "text/plain"})
    return Response.text("Not Found", 404)


def credentials_uri(world: World, req: Request) -> Response:
    """A credentials-URI endpoint: GET /credentials-uri/<role>[?account=<id>] serves that role's STS keys."""
    role_name = req.raw_path[len("/credentials-uri/"):].strip("/")
    account = world.account(dict(req.query).get("account", "")) or world.primary
    role = account.ram.role(role_name)
    if role is None:
        return Response.json({"Code": "RoleNotFound", "Message": f"no role {role_name}"}, 404)
    s = world.new_session(account_id=account.id, role_name=role.name, session_name="credentials-uri",
                          source_arn="credentials-uri", duration=3600)
    return Response.json({"Code": "Success", "AccessKeyId": s.access_key_id, "AccessKeySecret": s.secret,
                          "SecurityToken": s.token, "Expiration": iso(s.expiration)})


def _direct(req: Request) -> bool:
    """The metadata service asked at the emulator's own address (ALIAUDIT_METADATA_ENDPOINT): aliaudit reaches it
    directly, never through the proxy that carries the API calls to the emulator."""
    return req.host in LOCAL_HOSTS and req.raw_path.startswith("/latest/")


def _serve(world: World, req: Request) -> Response:
    return handle(world, req) if req.host == HOST or _direct(req) else credentials_uri(world, req)


def _is_metadata(req: Request) -> str | None:
    return "" if req.host == HOST or _direct(req) else None


def _is_credentials_uri(req: Request) -> str | None:
    return "" if req.raw_path.startswith("/credentials-uri/") and req.host in LOCAL_HOSTS else None


# not an OpenAPI product: no signature, no RAM, no call counts (the account's `metadata:` section)
PRODUCT = Product("metadata", state=Metadata, serve=_serve,
                  claims=(Claim(BY_HOST, _is_metadata), Claim(BY_HOST, _is_credentials_uri)))
