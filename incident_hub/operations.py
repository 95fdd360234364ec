"""What operators see of a running service (API.md "Operations"): the request id on every request
and log line, request counts and latency, `GET /metrics`, and the client's address behind proxies.

`/metrics` answers a bearer `METRICS_TOKEN` (constant-time compare) or a client inside
`METRICS_ALLOW`; with neither set, only loopback. The address is the one `ProxyFix` trusted:
with `TRUSTED_PROXIES=N`, the N-th address from the right of `X-Forwarded-For`, never more.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from flask import Flask, Response, g, request
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.middleware.proxy_fix import ProxyFix

from incident_hub import logs, metrics
from incident_hub.errors import Forbidden, NotAuthenticated
from incident_hub.runtime import EXTENSION_KEY, settings

LOOPBACK = ("127.0.0.0/8", "::1/128")


def _begin() -> None:
    g.request_id = logs.accepted_request_id(request.headers.get("X-Request-ID"))
    g.request_id_token = logs.REQUEST_ID.set(g.request_id)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    if started is not None and request.endpoint != "operations.metrics":
        endpoint = request.endpoint or "unmatched"
        metrics.observe_request(endpoint, request.method, response.status_code, time.perf_counter() - started)
    return response


def _end(_: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.REQUEST_ID.reset(token)


def _address_allowed(address: str | None, allowed: tuple[str, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(entry, strict=False) for entry in allowed)


def _check_metrics_access() -> None:
    conf = settings()
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, presented = header.partition(" ")
        token = conf.metrics_token
        if token and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return
        raise NotAuthenticated("The metrics token is missing or wrong.")
    allowed = conf.metrics_allow or (() if conf.metrics_token else LOOPBACK)
    if not _address_allowed(request.remote_addr, allowed):
        raise Forbidden("Metrics are open to METRICS_ALLOW addresses or a METRICS_TOKEN bearer only.")


def metrics_view() -> ResponseReturnValue:
    from incident_hub.services.operations.state import operational_state

    _check_metrics_access()
    return Response(metrics.exposition(operational_state), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    # Registered first, so it runs last: after every other after_request handler has set the status.
    app.after_request(_finish)
    app.teardown_request(_end)
    app.add_url_rule("/metrics", "operations.metrics", metrics_view)
    hops = app.extensions[EXTENSION_KEY].settings.trusted_proxies
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
