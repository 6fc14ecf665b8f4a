"""FC entry point of the apigateway worker: audits the apigateway (API Gateway) family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
