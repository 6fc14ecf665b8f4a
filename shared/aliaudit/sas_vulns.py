"""Security Center's vulnerability types, one list for the configuration default, the collector and the checks:
DescribeVulConfig documents cve, sys, cms, app and emg as vulnerability types (yum, scanMode and imageVulClean are
settings), and the asset's RiskCount counts each as <type>Num (cveNum, sysNum, ...)."""

from __future__ import annotations

VUL_TYPES = {"cve": "Linux software", "sys": "Windows system", "cms": "Web-CMS", "emg": "urgent",
             "app": "application"}  # type -> how the console names it
