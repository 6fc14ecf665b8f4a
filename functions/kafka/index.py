"""FC entry point of the kafka worker: audits the kafka (ApsaraMQ for Kafka) family for one region of a run."""

from aliaudit.runtime.worker import handler  # noqa: F401
