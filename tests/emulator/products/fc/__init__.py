"""Function Compute 3.0: functions and triggers (ROA API 2023-03-30), invocations run in worker
processes like FC instances, timer and EventBridge triggers, and deploy from a Serverless Devs s.yaml.

The package's modules, one seam each: ``model`` (state and FC's checks), ``runtime`` (instances, the
async queue, invocation records in ``world.extras``), ``syaml`` (s.yaml deploy), ``eventbridge``
(trigger targets and delivery), ``api`` (the ROA routes) and ``admin`` (the /_emulator/fc/ routes).
``shutdown(world)`` stops the runtime; the emulator calls it on every scenario load and when the
server stops.
"""

from __future__ import annotations

from .. import BY_HOST, DIRECT, Claim, Product

# admin registers the /_emulator/fc/ routes on import
from . import admin as admin
from .api import api, route_by_host, route_direct
from .eventbridge import EventTarget, deliver, eventbridge_targets
from .model import FcState, Function, Trigger
from .runtime import shutdown
from .syaml import _SYaml, deploy_s_yaml

# direct requests: after OSS's and SLS's signature schemes (DIRECT, DIRECT + 10)
PRODUCT = Product("fc", api=api, state=FcState, hosts=("fcv3",),
                  claims=(Claim(BY_HOST, route_by_host), Claim(DIRECT + 20, route_direct)), shutdown=shutdown,
                  blocking=True)  # (InvokeFunction waits for the function)

__all__ = ["PRODUCT", "EventTarget", "FcState", "Function", "Trigger", "_SYaml", "api", "deliver", "deploy_s_yaml",
           "eventbridge_targets", "shutdown"]
