"""FC entry point of the cr worker: audits the cr (Container Registry) family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
