"""FC entry point of the kms worker: audits the kms family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
