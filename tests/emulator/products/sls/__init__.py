"""Log Service (SLS) as aliyun-log-python-sdk sees it: projects, logstores, indexes, PutLogs (protobuf,
lz4/zstd/deflate), GetLogs with a search + SQL subset, and alert jobs (/jobs) that fire on ingested logs.

The package's modules, one seam each: ``model`` (state, and the ingested logs and fired alerts kept in
``world.extras``), ``api`` (project, logstore, index, PutLogs and GetLogs routes), ``protobuf`` (PutLogs
bodies), ``search`` and ``sql`` (the query language before and after '|'), ``query`` (a GetLogs run),
``alerts`` (the /jobs and /alerts routes), ``evaluation`` (alerts firing on ingested logs) and ``admin``
(the /_emulator/sls/ routes).
"""

from __future__ import annotations

from .. import BY_HOST, DIRECT, Claim, Product

# alerts registers its routes after api's (it imports api: routes match first-registered-first); admin
# registers the /_emulator/sls/ routes
from . import admin as admin
from . import alerts as alerts
from .api import api, route_by_host, route_direct
from .evaluation import evaluate_alerts
from .model import Alert, Logstore, Project, SlsState
from .protobuf import decode_log_group
from .query import run_query
from .sql import compile_condition

# direct requests: after OSS's signature schemes (DIRECT), before FC's path (DIRECT + 20)
PRODUCT = Product("sls", api=api, state=SlsState,
                  claims=(Claim(BY_HOST, route_by_host), Claim(DIRECT + 10, route_direct)))

__all__ = ["PRODUCT", "Alert", "Logstore", "Project", "SlsState", "api", "compile_condition", "decode_log_group",
           "evaluate_alerts", "run_query"]
