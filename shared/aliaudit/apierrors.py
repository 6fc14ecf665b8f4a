"""One line describing why a cloud call failed, safe to put in a finding or a log."""

from __future__ import annotations

import re

from .redact import SECRETS

# urllib3's words when a host name does not resolve (requests, darabonba's RetryError, oss2's RequestError carry them)
_UNRESOLVED = re.compile(r"Failed to resolve '([^']{1,253})'")


class AnswerFailure(Exception):
    """An answer that says the request failed (HTTP 200 with Success / IsSuccess false, as Container Registry, Kafka
    and MSE document it): its code and message, as an SDK error carries them (describe reads `code`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def sdk_code(err: BaseException) -> str:
    """The error code the cloud answered: an OpenAPI SDK error's (Tea's TeaException) or an AnswerFailure's; "" for
    any other failure (a timeout, a parse error, a bug): only the cloud's own answer names a code a collector may read
    as a meaning ("not found", "none")."""
    if isinstance(err, AnswerFailure):
        return err.code
    from Tea.exceptions import TeaException  # (every OpenAPI client imported it before any call could fail)

    return str(getattr(err, "code", "") or "") if isinstance(err, TeaException) else ""


def refuses_parameter(err: BaseException, name: str) -> bool:
    """Whether the cloud refused one request parameter's value itself: HTTP 400, an Invalid... or IllegalParam... code,
    and the code or message names the parameter. A listing filtered by a value the site does not know (an engine or
    instance type documented on one site only) lists nothing of that kind there; any other failure, a 400 about
    another parameter too, is the listing's ERROR."""
    code = sdk_code(err)
    named = f"{code} {getattr(err, 'message', '') or ''}".lower()
    return getattr(err, "status_code", None) == 400 and code.startswith(("Invalid", "IllegalParam")) \
        and name.lower() in named


def describe(err: BaseException) -> str:
    inner = getattr(err, "inner_exception", None)
    if inner is not None and inner is not err:
        return describe(inner)
    code = getattr(err, "code", None) or getattr(err, "get_error_code", lambda: None)()
    message = getattr(err, "message", None) or getattr(err, "get_error_message", lambda: None)() or str(err)
    message = str(message).split(" request id:")[0].split("\n")[0]
    if m := _UNRESOLVED.search(message):  # every SDK builds <product>.<region>.aliyuncs.com for a region it does
        # not map: a host that does not resolve is most often a product not offered there
        return SECRETS.scrub(f"{m.group(1)} does not resolve (DNS): the product may not be offered in this region, "
                             "or DNS is unreachable")[:300]
    if message.startswith("code: "):  # tea-openapi prefixes "code: <status>, "
        message = message.split(", ", 1)[-1]
    text = f"{code}: {message}" if code else f"{type(err).__name__}: {message}"
    return SECRETS.scrub(text)[:300]
