"""A local Alibaba Cloud for tests: the unmodified official SDKs talk to it over real HTTP.

See README.md in this folder for the scenario format and the admin interface.
"""

from .app import Emulator
from .server import EmulatorServer
from .state import Scenario

__all__ = ["Emulator", "EmulatorServer", "Scenario"]
