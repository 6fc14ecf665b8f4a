"""FC entry point of the mse worker: audits the mse (Microservices Engine) family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
