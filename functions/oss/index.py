"""FC entry point of the oss worker: audits the oss family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
