"""Keeping secrets out of output: masking helpers and a logging filter that scrubs known secrets."""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote, quote_plus, urlsplit


def mask(access_key_id: str | None) -> str:
    """First four characters, the rest starred: 'LTAI****' (enough to tell keys apart, not to use one)."""
    if not access_key_id:
        return "-"
    return access_key_id[:4] + "*" * 4


def url_for_display(url: str | None) -> str:
    """A URL as errors may show it: scheme, host, port and path; no user:password, query or fragment (a
    credentials URI or a proxy URL may carry a token there)."""
    if not url:
        return "-"
    bare = "://" not in url  # a proxy given as host:port
    try:
        parts = urlsplit("//" + url if bare else url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<a malformed URL>"
    if not host:
        return "<a malformed URL>"
    host = f"[{host}]" if ":" in host else host
    return ("" if bare else f"{parts.scheme}://") + f"{host}{port}{parts.path}"[:200]


class SecretRegistry:
    """Secrets seen at run time (AK secrets, STS tokens, OIDC tokens) to scrub from any log record."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    MIN_LENGTH = 6

    def add(self, *values: str | None, min_length: int = MIN_LENGTH) -> None:
        # with the forms a URL or a query string gives them (an STS token holds + / =); shorter values are not
        # scrubbed (they would blank every such string of the output): a caller registers a longer form of them
        found = {form for v in values if v and len(v) >= min_length for form in (v, quote(v, safe=""), quote_plus(v))}
        with self._lock:
            self._secrets.update(found)

    def scrub(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for s in secrets:
            if s in text:
                text = text.replace(s, "[REDACTED]")
        return text


SECRETS = SecretRegistry()


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = SECRETS.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        # a traceback (log.exception) or stack is formatted after the filters: formatted here, then scrubbed (the
        # handler's formatter uses exc_text as it is once set)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = SECRETS.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = SECRETS.scrub(record.stack_info)
        return True


def configure_logging(level: str = "WARNING") -> None:
    """Our format and level for every logger, secrets scrubbed. alibabacloud-credentials attaches its own
    stderr handler to the 'credentials' logger; route it through ours so level and scrubbing hold."""
    global _level
    logging.basicConfig(level=getattr(logging, level), format="%(levelname)s %(name)s: %(message)s")
    _level = level
    # oss2 logs each answer it raises at INFO, the expected 404s of a bucket without a policy included: noise
    # beside our own INFO lines (the plan, progress); its lines stay at DEBUG
    logging.getLogger("oss2").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    for name in SDK_HTTP_DUMPS:
        logging.getLogger(name).disabled = True
    route_credentials_log()
    install_log_redaction()


_level: str | None = None  # configure_logging's
# The SDK cores' loggers, which only dump each request's and answer's headers (DEBUG=sdk in the environment: the
# STS token and the signature among them) through a stderr handler each attaches when imported, past our scrubbing:
# disabled (the logger objects outlive their modules' imports, so whenever those come, they stay silent)
SDK_HTTP_DUMPS = ("darabonba-core", "alibabacloud-tea")


def route_credentials_log() -> None:
    """After configure_logging, the 'credentials' logger through ours: alibabacloud-credentials' provider
    modules attach a handler and level INFO to it when imported, and they are imported on first use
    (clients.py, credentials/providers.py), maybe after configure_logging: those call this again then."""
    if _level is None:
        return
    lib = logging.getLogger("credentials")
    for handler in list(lib.handlers):
        lib.removeHandler(handler)
    # its refresh failures become one aliaudit error; the library's own tracebacks only at DEBUG
    lib.setLevel(logging.DEBUG if _level == "DEBUG" else logging.CRITICAL)
    lib.propagate = True


def install_log_redaction() -> None:
    """Scrub every handler of the root logger (SDK loggers propagate there)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
