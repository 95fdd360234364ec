# incident_hub: multi-stage build, runs as a non-root user, healthy when /readyz says so.
#   docker build -t incident_hub .
#   docker compose up      (compose.yaml: PostgreSQL, a one-shot migration, web, scheduler)
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY requirements-runtime.lock ./
# The runtime tree only (no test tools), every file checked against the hashes `make lock` pinned.
RUN python -m venv /venv && /venv/bin/pip install --require-hashes -r requirements-runtime.lock

FROM python:3.11-slim-bookworm
RUN groupadd --system incident_hub && useradd --system --gid incident_hub --home /app incident_hub
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=incident_hub:incident_hub wsgi.py gunicorn.conf.py ./
COPY --chown=incident_hub:incident_hub incident_hub ./incident_hub
COPY --chown=incident_hub:incident_hub migrations ./migrations
COPY --chown=incident_hub:incident_hub config ./config
COPY --chown=incident_hub:incident_hub playbooks ./playbooks
ENV PATH=/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    INCIDENT_HUB_ENV=production LOG_FORMAT=json \
    GUNICORN_BIND=0.0.0.0:8000 PROMETHEUS_MULTIPROC_DIR=/tmp/incident_hub-metrics
USER incident_hub
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
