"""The HTML report in headless Chromium (Debian's chromium + chromedriver, installed by .ci/run):
self-contained, filters work, the compliance view and each finding's risk and remediation are there."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.test_scan_cli import run, scenario  # noqa: F401 - the fixture is used by name

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Debian chromium and chromium-driver not "
                                                                   "installed (.ci/run installs them)")


@pytest.fixture()
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tmp_path / 'chrome'}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    yield driver
    driver.quit()


def test_html_report_filters_in_chromium(run, tmp_path, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert run("scan", "--family", "ram", "--output-dir", "out", "--compliance", "cis_2.0", "--quiet").returncode == 3
    page = tmp_path / "out" / "aliaudit.html"
    text = page.read_text()
    assert "http://" not in text and "https://" not in text  # nothing fetched from the network
    browser.get(page.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.finding")
    total = len(rows)
    fails = int(browser.find_element(By.ID, "count-FAIL").text)
    assert total > fails > 0
    Select(browser.find_element(By.ID, "f-status")).select_by_value("FAIL")
    shown = browser.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert len(shown) == fails and all(r.get_attribute("data-status") == "FAIL" for r in shown)
    box = browser.find_element(By.ID, "f-text")
    box.send_keys("bob")
    shown = browser.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert shown and all("bob" in r.text for r in shown)
    assert browser.find_element(By.ID, "shown").text == f"{len(shown)} of {total} findings shown"
    shown[0].find_element(By.TAG_NAME, "summary").click()
    assert "Remediation:" in shown[0].text and "Risk:" in shown[0].text
    assert "CIS Alibaba Cloud Foundations Benchmark v2.0.0" in browser.find_element(By.ID, "compliance").text
    assert browser.find_elements(By.CSS_SELECTOR, "#chart tr")


def test_ocsf_stream_matches_the_schema_model_for_every_finding():
    """The OCSF writer reuses one schema-rendered event per severity and outcome; each finding's event must be
    what the schema model gives for it alone."""
    import json
    from datetime import datetime, timezone

    from aliaudit.findings import Finding, Severity, Status
    from aliaudit.reports import ocsf
    from tests.rendering import ocsf_text

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    base = {"check_id": "ram_user_mfa", "title": "MFA", "family": "ram", "severity": Severity.HIGH,
            "account_id": "1234567890123456", "cis": ["1.4"], "risk": "r", "remediation": "x"}
    findings = [Finding(**base, status=Status.FAIL, message="no MFA", region="global", resource_id="alice"),
                Finding(**base, status=Status.FAIL, message="no MFA either", region="cn-shanghai",
                        resource_id="u-2", resource_name="bob", resource_type="user", details={"k": "v"}),
                Finding(**base, status=Status.FAIL, message="", region="global", resource_id="carol",
                        muted=True, mute_reason="accepted"),
                Finding(**base, status=Status.FAIL, message="m", region="global", resource_id="dave", muted=True),
                Finding(**base, status=Status.PASS, message="ok", region="global", resource_id="erin"),
                Finding(**base, status=Status.PASS, message="ok", region="global", resource_id="frank",
                        details={"a": "b"}),
                # another check, the same severity and outcome: its own check fields
                Finding(check_id="oss_bucket_public", title="Public bucket", family="oss", severity=Severity.HIGH,
                        account_id="2234567890123456", account_name="member", cis=["5.1", "5.2"], risk="leak",
                        remediation="make it private", status=Status.FAIL, message="public", region="cn-hangzhou",
                        resource_id="b-1", resource_type="bucket"),
                Finding(check_id="oss_bucket_logging", title="Logging", family="oss", severity=Severity.HIGH,
                        account_id="2234567890123456", status=Status.PASS, message="on", region="cn-hangzhou",
                        resource_id="b-2")]
    streamed = json.loads(ocsf_text(findings, when))
    assert streamed == [ocsf.to_ocsf(f, when) for f in findings]


def test_organisation_report_filters_by_account(tmp_path, browser):
    """An organisation-wide page (findings of several accounts) offers the account filter; one account's does
    not show it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from aliaudit.findings import Finding
    from tests.rendering import html_page, summarize

    def finding(account: str, name: str, status: str) -> Finding:
        return Finding(check_id="ram_root_mfa_enabled", title="root MFA", family="ram", severity="critical",
                       status=status, message="m", account_id=account, account_name=name, region="global",
                       resource_id="<root>")

    findings = [finding("1000000000000002", "acme-prod", "FAIL"), finding("1000000000000003", "acme-dev", "PASS"),
                finding("1000000000000003", "acme-dev", "FAIL")]
    page = tmp_path / "org.html"
    with page.open("w") as fh:
        fh.write(html_page(findings, summarize(findings)))
    browser.get(page.as_uri())
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.finding")) == 3
    Select(browser.find_element(By.ID, "f-account")).select_by_value("1000000000000003 (acme-dev)")
    shown = browser.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert len(shown) == 2 and all("acme-dev" in r.text for r in shown)
    single = tmp_path / "one.html"
    with single.open("w") as fh:
        fh.write(html_page(findings[:1], summarize(findings[:1])))
    browser.get(single.as_uri())
    assert not browser.find_element(By.ID, "f-account").is_displayed()


def test_hostile_text_from_the_account_shows_as_text_in_chromium(tmp_path, browser):
    """Resource text such as an RDS description `<!--<script>` once hid the data script's end tag and blanked the
    findings (issue 21 item 9): every finding renders, its text shown as written, nothing executed."""
    from selenium.webdriver.common.by import By

    from aliaudit.findings import Finding
    from tests.rendering import html_page, summarize

    texts = ["<!--<script>", "</script><script>document.title='owned'</script>", "<img src=x onerror=alert(1)>",
             "a\u2028b"]
    findings = [Finding(check_id="rds_instance_no_public_access", title="t", family="rds", severity="high",
                        status="FAIL", message=text, account_id="1234567890123456", region="cn-hangzhou",
                        resource_id=f"rm-{n}") for n, text in enumerate(texts)]
    page = tmp_path / "hostile.html"
    with page.open("w") as fh:
        fh.write(html_page(findings, summarize(findings)))
    browser.get(page.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert len(rows) == len(texts)
    shown = [r.find_elements(By.TAG_NAME, "td")[-1].text for r in rows]
    assert shown[:3] == texts[:3] and browser.title == "aliaudit report"
    assert browser.find_element(By.ID, "shown").text == f"{len(texts)} of {len(texts)} findings shown"
