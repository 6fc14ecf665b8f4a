"""Security Center's vulnerability types, one list for the configuration default, the collector and the checks:
DescribeVulConfig documents cve, sys, cms, app and emg as vulnerability types (yum, scanMode and imageVulClean are
settings), and the asset's RiskCount counts each as <type>Num (cveNum, sysNum, ...). RiskCount also counts
"scaNum: the number of vulnerabilities that are detected based on software component analysis"
(DescribeCloudCenterInstances, API reference; DescribeVulList documents the type sca), a type DescribeVulConfig
has no switch for: it is counted (RISK_COUNTED), never asked about in the scan settings."""

from __future__ import annotations

VUL_TYPES = {"cve": "Linux software", "sys": "Windows system", "cms": "Web-CMS", "emg": "urgent",
             "app": "application"}  # type -> how the console names it
RISK_COUNTED = {**VUL_TYPES, "sca": "software component analysis"}  # RiskCount's <type>Num vulnerability counters
