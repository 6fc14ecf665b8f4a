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
