"""The deployment files hold together. Docker is absent on our machines, so compose.yaml is read
with PyYAML (what `docker compose config` would check: services, dependencies, commands), the
Dockerfile and the systemd units are parsed as text, and gunicorn.conf.py is loaded by gunicorn's
own config loader."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _has_compose() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30).returncode == 0


def test_compose_has_postgres_a_one_shot_migration_web_and_scheduler():
    if _has_compose():
        subprocess.run(["docker", "compose", "config", "-q"], cwd=ROOT, check=True, env={"SECRET_KEY": "x" * 40})
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "scheduler"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["command"][-2:] == ["db", "upgrade"] and services["migrate"]["restart"] == "no"
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert services[name]["environment"]["INCIDENT_HUB_ENV"] == "production"
    assert services["web"]["command"][:3] == ["gunicorn", "-c", "gunicorn.conf.py"]
    assert services["scheduler"]["command"][-2:] == ["scheduler", "run"]
    assert all(port.startswith("127.0.0.1:") for port in services["web"]["ports"])


def test_dockerfile_is_multi_stage_non_root_with_a_readiness_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    user = re.search(r"^USER (\S+)", text, re.M)
    assert user and user.group(1) not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", text, re.M)
    assert "--require-hashes -r requirements-runtime.lock" in text
    lock = (ROOT / "requirements-runtime.lock").read_text()
    for requirement in (ROOT / "requirements.txt").read_text().split():
        name = requirement.split("==")[0].split("[")[0].lower()
        assert re.search(rf"^{re.escape(name)}==", lock, re.M | re.I), f"{name} missing from requirements-runtime.lock"


@pytest.mark.parametrize("unit", ["incident-hub-web.service", "incident-hub-scheduler.service"])
def test_systemd_units(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(ROOT / "deploy" / unit)
    assert parser["Service"]["User"] == "incident_hub"
    assert "/etc/incident_hub/env" in parser["Service"]["EnvironmentFile"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_nginx_example_sets_tls_forwarded_headers_and_request_id():
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    for needle in ("listen 443 ssl", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "X-Request-ID"):
        assert needle in text


def test_gunicorn_conf_loads_with_gunicorn(tmp_path, monkeypatch):
    from gunicorn.app.base import Application
    from gunicorn.config import Config

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("GUNICORN_WORKERS", "3")

    class Probe(Application):
        def init(self, parser, opts, args):
            return None

        def load(self):
            return None

    probe = Probe.__new__(Probe)
    probe.usage, probe.callable, probe.prog = None, None, None
    probe.cfg = Config()
    probe.load_config_from_file(str(ROOT / "gunicorn.conf.py"))
    cfg = probe.cfg
    assert cfg.workers == 3 and cfg.timeout == 60 and cfg.graceful_timeout == 30
    assert cfg.limit_request_line == 8190 and cfg.limit_request_field_size == 8190
    assert "{x-request-id}o" in cfg.access_log_format and "%(r)s" not in cfg.access_log_format
    assert cfg.logconfig_dict["loggers"]["gunicorn.access"]["handlers"] == ["access"]
