"""FC entry point of the sls worker: audits the sls family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
