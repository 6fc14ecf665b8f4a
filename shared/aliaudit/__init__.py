"""aliaudit: a serverless security-posture auditor for Alibaba Cloud."""

__version__ = "0.1.0"
