"""The Prometheus families of API.md "Operations" (no Flask: services count through this module).

Counters and histograms live in each process; under gunicorn, `gunicorn.conf.py` sets
`PROMETHEUS_MULTIPROC_DIR` before any worker imports prometheus_client, so every worker writes
its figures to files there and `/metrics` sums them (prometheus-client's multiprocess mode).
Figures that are state rather than events (open incidents, overdue actions, the outbox) are read
from the database with SQL aggregates when scraped (`StateCollector`), so they are the same
whichever worker answers and are never summed twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "incident_hub_http_requests_total",
    "HTTP requests answered, by endpoint, method and status",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "incident_hub_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
INTAKE_OUTCOMES = (
    "accepted",
    "duplicate",
    "refused_signature",
    "refused_stale",
    "refused_shape",
    "unavailable",
)
INTAKE_DELIVERIES = Counter(
    "incident_hub_intake_deliveries_total",
    "Intake deliveries by source, format and outcome (accepted, duplicate, refused_signature, refused_stale, "
    "refused_shape, unavailable)",
    ["source", "format", "outcome"],
)
OUTBOX_ATTEMPTS = Counter(
    "incident_hub_outbox_attempts_total",
    "Outbound webhook attempts by kind and outcome (delivered, retrying, failed)",
    ["kind", "outcome"],
)
UNKNOWN = "unknown"


def _counted(record: Callable[[], None]) -> None:
    """Record a figure; never let a metrics failure break the use case that counts it.

    In multiprocess mode a new label set opens a file in PROMETHEUS_MULTIPROC_DIR. Only gunicorn's
    `on_starting` creates that folder, so a process started otherwise with the variable set (the
    scheduler in the Docker image, which sets it for every process) raised FileNotFoundError after
    its first delivered message, failing each outbox tick. The folder is created then; any other
    failure to write a figure is logged and the figure dropped."""
    try:
        record()
    except FileNotFoundError:
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        try:
            if folder:
                os.makedirs(folder, exist_ok=True)
            record()
        except OSError as exc:
            log.warning("metrics not recorded: %s", exc.__class__.__name__)
    except OSError as exc:
        log.warning("metrics not recorded: %s", exc.__class__.__name__)


def count_intake(source: str, fmt: str, outcome: str) -> None:
    _counted(lambda: INTAKE_DELIVERIES.labels(source, fmt, outcome).inc())


def count_outbox(kind: str, outcome: str) -> None:
    _counted(lambda: OUTBOX_ATTEMPTS.labels(kind, outcome).inc())


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    _counted(lambda: HTTP_REQUESTS.labels(endpoint, method, str(status)).inc())
    _counted(lambda: HTTP_LATENCY.labels(endpoint, method).observe(seconds))


StateReader = Callable[[], dict[str, list[tuple[tuple[str, ...], float]]]]


class StateCollector(Collector):
    """Gauges read from the database at scrape time; `incident_hub_database_up` 0 when it cannot be read."""

    FAMILIES = {
        "incident_hub_open_incidents": ("Incidents not closed, by lead unit", ["lead_unit"]),
        "incident_hub_overdue_actions": ("Unfinished actions past due, by owner unit", ["owner_unit"]),
        "incident_hub_outbox_backlog": ("Outbound messages waiting to be delivered, by kind", ["kind"]),
        "incident_hub_outbox_failed": ("Outbound messages given up after their last attempt, by kind", ["kind"]),
        "incident_hub_scheduler_job_last_finished_timestamp_seconds": ("When each job last finished a tick", ["job"]),
    }

    COUNTERS = {  # kept in scheduler_locks, so every scheduler process on every host adds up
        "incident_hub_scheduler_job_runs": ("Scheduler job ticks run, by job", ["job"]),
        "incident_hub_scheduler_job_failures": ("Scheduler job ticks that failed, by job", ["job"]),
    }

    def __init__(self, read: StateReader):
        self.read = read

    def collect(self) -> Iterator[Metric]:
        try:
            state = self.read()
        except Exception as exc:  # a scrape still answers with the process figures
            log.warning("metrics: database state unreadable: %s", exc.__class__.__name__)
            state = None
        up = GaugeMetricFamily("incident_hub_database_up", "1 when the database answered the metrics queries")
        up.add_metric([], 0 if state is None else 1)
        yield up
        for name, (doc, labels) in self.FAMILIES.items():
            family = GaugeMetricFamily(name, doc, labels=labels)
            for values, value in (state or {}).get(name, []):
                family.add_metric(list(values), value)
            yield family
        for name, (doc, labels) in self.COUNTERS.items():
            counter = CounterMetricFamily(name, doc, labels=labels)
            for values, value in (state or {}).get(name, []):
                counter.add_metric(list(values), value)
            yield counter


def is_multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition(read_state: StateReader) -> bytes:
    """The text format: this process's (or every worker's) figures, then the database state."""
    parts: Iterable[bytes]
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector(read_state))
    if is_multiprocess():
        workers = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(workers)
        parts = (generate_latest(workers), generate_latest(state))
    else:
        parts = (generate_latest(REGISTRY), generate_latest(state))
    return b"".join(parts)
