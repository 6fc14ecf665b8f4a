"""FC entry point of the securitycenter worker: audits the securitycenter family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
