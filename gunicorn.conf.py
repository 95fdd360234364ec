"""gunicorn settings for incident_hub: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden from the environment (GUNICORN_*, PORT) without editing this file.
The README ("Production and scale-out") explains each choice.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# --- where and how many --------------------------------------------------------------------------
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers; (2 x cores) + 1 is gunicorn's advice for I/O-bound apps. Requests wait on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# Recycle workers now and then (spread by jitter) so a slow leak never grows without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200

# --- time ------------------------------------------------------------------------------------------
# A request that takes longer than this is killed (the PDF reports are the slowest, well below it).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (systemd stop, a deploy), workers finish what they are answering for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# The proxy keeps connections open to us; a little longer than nginx's upstream keepalive_timeout.
keepalive = 5

# --- request limits ----------------------------------------------------------------------------------
# gunicorn answers requests past these with its own short HTML 400 before the app sees them, so
# they are set to the largest values gunicorn allows: an 8 KB request line (URL with its query) and
# 100 headers of up to 8 KB. The reverse proxy (deploy/nginx.conf) refuses longer ones first with
# 414 / 431. Bodies are limited by the app (MAX_BODY_BYTES, 413 with the JSON envelope).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# --- behind a proxy ----------------------------------------------------------------------------------
# gunicorn trusts X-Forwarded-Proto only from these addresses (the proxy); the app itself trusts
# X-Forwarded-For/Proto/Host from TRUSTED_PROXIES hops (werkzeug's ProxyFix).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

# --- metrics: prometheus-client multiprocess mode --------------------------------------------------
# Set before any worker imports prometheus_client: every worker writes its counters to files here
# and GET /metrics sums them. Emptied at start, so figures from an earlier run never add up.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(Path(tempfile.gettempdir()) / "incident_hub-metrics")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


# --- logs: the same JSON lines as the app, the access log carries the request id -------------------
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(D)s %({x-request-id}o)s'  # the path, never the query


def _log_config() -> dict[str, Any]:
    from incident_hub.logs import config

    fmt = os.environ.get("LOG_FORMAT") or ("json" if os.environ.get("INCIDENT_HUB_ENV") == "production" else "text")
    return config(fmt, (os.environ.get("LOG_LEVEL") or "INFO").upper())


logconfig_dict = _log_config()


def on_starting(server: Any) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
