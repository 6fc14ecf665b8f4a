"""aliaudit: a serverless security-posture auditor for Alibaba Cloud."""

__version__ = "0.1.0"

from . import oss_sdk  # noqa: E402

oss_sdk.install()  # (oss2 without the modules of its __init__ that aliaudit never uses: before anything imports it)
