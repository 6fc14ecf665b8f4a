"""Function Compute 3.0: functions and triggers (ROA API 2023-03-30), invocations run in worker
processes like FC instances, timer and EventBridge triggers, and deploy from a Serverless Devs s.yaml.

The package's modules, one seam each: ``model`` (state and FC's checks), ``runtime`` (instances, the
async queue, invocation records in ``world.extras``), ``syaml`` (s.yaml deploy), ``eventbridge``
(trigger targets and delivery), ``api`` (the ROA routes) and ``admin`` (the /_emulator/fc/ routes).
``shutdown(world)`` stops the runtime; the emulator calls it on every scenario load and when the
server stops.
"""

from __future__ import annotations

# admin registers the /_emulator/fc/ routes on import
from . import admin as admin
from .api import api
from .eventbridge import EventTarget, deliver, eventbridge_targets
from .model import FcState, Function, Trigger
from .runtime import shutdown
from .syaml import _SYaml, deploy_s_yaml

__all__ = ["EventTarget", "FcState", "Function", "Trigger", "_SYaml", "api", "deliver", "deploy_s_yaml",
           "eventbridge_targets", "shutdown"]
