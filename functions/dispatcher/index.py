"""FC entry point of the dispatcher: the daily timer and ActionTrail events start runs here."""

from aliaudit.runtime.dispatcher import handler  # noqa: F401
