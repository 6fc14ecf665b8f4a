"""The SDKs are imported on first use (aliaudit.lazy), after logging is configured; alibabacloud-credentials gives
the 'credentials' logger a stderr handler of its own as its modules are imported, which would print past our
level and our redaction. Whatever imports them first, the logger ends routed through ours."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import logging
from aliaudit.redact import configure_logging
configure_logging("INFO")
from aliaudit.credentials import providers
{touch}
lib = logging.getLogger("credentials")
print(len(lib.handlers), lib.propagate, lib.level)
"""


@pytest.mark.parametrize("touch", ["providers._sts.Client", "providers._openapi_models.Config",
                                   "providers.sts_models.AssumeRoleRequest",
                                   "from aliaudit.clients import ClientFactory"])
def test_the_credentials_logger_is_ours_after_a_lazy_sdk_import(touch: str) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE.format(touch=touch)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    handlers, propagate, level = out.stdout.split()
    assert (handlers, propagate) == ("0", "True"), out.stdout  # no handler of its own: ours, redacting
    assert int(level) >= 50  # its INFO chatter and tracebacks stay out below DEBUG


TRACEBACK_PROBE = """
import logging
from aliaudit.redact import SECRETS, configure_logging
configure_logging("INFO")
SECRETS.add("{token}")
log = logging.getLogger("aliaudit.probe")
try:
    raise RuntimeError("refused with token {token}")
except RuntimeError:
    log.exception("a call failed")
log.info("in a query: %s", "SecurityToken={quoted}&x=1")
log.info("a stack", stack_info=True)
"""


def test_a_secret_is_scrubbed_from_tracebacks_and_its_url_forms() -> None:
    from urllib.parse import quote

    token = "CAIS+tok/en=secret00"
    out = subprocess.run([sys.executable, "-c", TRACEBACK_PROBE.format(token=token, quoted=quote(token, safe=""))],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Traceback" in out.stderr and "RuntimeError: refused with token [REDACTED]" in out.stderr
    assert "SecurityToken=[REDACTED]&x=1" in out.stderr
    assert token not in out.stderr and quote(token, safe="") not in out.stderr


def test_the_sdk_cores_header_dumps_stay_silent_whenever_they_are_imported() -> None:
    probe = ("import logging\nfrom aliaudit.redact import configure_logging\nconfigure_logging('DEBUG')\n"
             "import darabonba.core, Tea.core\n"
             "print([logging.getLogger(n).disabled for n in ('darabonba-core', 'alibabacloud-tea')])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[True, True]", out.stderr
