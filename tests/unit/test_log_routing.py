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


def test_an_fc_entry_points_failure_reaches_fc_as_our_description_only() -> None:
    """FC prints what a handler raises, with its traceback, past our logging: an oss2 error's text holds the error
    XML (a SignatureDoesNotMatch's canonical request, the STS token among its headers). The entry point fails the
    invocation all the same (FC retries it), with the code and message only and no chained original."""
    import traceback

    import oss2

    from aliaudit.runtime.fc_context import InvocationFailed, fc_entry

    token = "CAIStoken-0123456789abcdef"

    @fc_entry
    def handler(event: bytes, context: object) -> str:
        raise oss2.exceptions.ServerError(403, {"x-oss-request-id": "r1"}, b"", {
            "Code": "SignatureDoesNotMatch", "Message": "The request signature we calculated does not match",
            "CanonicalRequest": f"PUT\n/b/k\n\nx-oss-security-token:{token}\n"})

    with pytest.raises(InvocationFailed) as raised:
        handler(b"{}", None)
    shown = "".join(traceback.format_exception(raised.value))
    assert "SignatureDoesNotMatch: The request signature we calculated does not match" in shown
    assert token not in shown and raised.value.__cause__ is None and raised.value.__suppress_context__


def test_the_log_sender_refuses_a_bad_job_without_quoting_it() -> None:
    secret = "job-secret-0123456789abcdef"
    out = subprocess.run([sys.executable, "-m", "aliaudit.runtime.log_sender"], capture_output=True, timeout=120,
                         input=('{"credentials": {"access_key_secret": "' + secret + '"}, "run_id": 5').encode())
    assert out.returncode == 2 and b"not a log job" in out.stderr
    assert secret.encode() not in out.stderr + out.stdout and secret[-7:].encode() not in out.stderr


def test_a_proxy_password_is_a_secret() -> None:
    from aliaudit.redact import SECRETS
    from aliaudit.settings import EndpointSettings

    EndpointSettings.from_env({"ALIAUDIT_ENDPOINT_PROXY": "http://bob:pa%2Fss-word9@proxy.example:3128"})
    shown = SECRETS.scrub("proxies: {'http': 'http://bob:pa%2Fss-word9@proxy.example:3128'} (pa/ss-word9)")
    assert "pa%2Fss-word9" not in shown and "pa/ss-word9" not in shown and "bob:[REDACTED]@proxy" in shown


def test_an_fc_entry_points_own_errors_keep_their_type_without_what_is_chained() -> None:
    import traceback

    from aliaudit.redact import SECRETS
    from aliaudit.runtime.fc_context import fc_entry
    from aliaudit.runtime.models import PayloadError

    SECRETS.add("chained-secret-0123456789")

    @fc_entry
    def handler(event: bytes, context: object) -> str:
        try:
            raise ValueError("token chained-secret-0123456789")
        except ValueError as err:
            raise PayloadError("the part is gone (chained-secret-0123456789)") from err

    with pytest.raises(PayloadError) as raised:
        handler(b"{}", None)
    shown = "".join(traceback.format_exception(raised.value))
    assert "PayloadError: the part is gone ([REDACTED])" in shown
    assert "ValueError" not in shown and "direct cause" not in shown  # (the chained error is not shown)


def test_a_short_proxy_password_is_scrubbed_in_its_url_form_only() -> None:
    from aliaudit.redact import SECRETS
    from aliaudit.settings import EndpointSettings

    EndpointSettings.from_env({"ALIAUDIT_ENDPOINT_PROXY": "http://bob:q7z@proxy.example:3128"})
    shown = SECRETS.scrub("proxies: {'http': 'http://bob:q7z@proxy.example:3128'}; q7z elsewhere stays")
    assert ":q7z@" not in shown and "bob[REDACTED]proxy.example" in shown and "q7z elsewhere" in shown

