"""The S3 store against a real S3-compatible server: moto in server mode (its own HTTP server on
127.0.0.1, started here), reached by boto3 over HTTP like any bucket. Without moto the test skips
with a message; with CI=true it fails instead."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from incident_hub import runtime
from incident_hub.services.evidence.attachments import STORE_KEY
from incident_hub.services.evidence.store import S3Store
from tests.evidence.conftest import PDF, upload

IS_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # pragma: no cover - moto[server] is in requirements-dev.txt
        if IS_CI:
            pytest.fail(f"CI=true and moto[server] is missing: {exc}")
        pytest.skip(f"no S3-compatible server available (moto[server] not installed: {exc})")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{server._server.server_port}"
    server.stop()


@pytest.fixture
def s3_store(app: Flask, s3_endpoint: str, tmp_path: Any) -> Iterator[S3Store]:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    bucket = f"evidence-{uuid.uuid4().hex[:16]}"  # a new bucket per test
    client.create_bucket(Bucket=bucket)
    store = S3Store(f"s3://{bucket}/incident-hub", tmp_path / "staging", client=client)
    caches = app.extensions[runtime.EXTENSION_KEY].caches
    previous = caches[STORE_KEY]
    caches[STORE_KEY] = store
    yield store
    caches[STORE_KEY] = previous


def test_upload_and_download_through_s3(as_oict, s3_store, incident):
    created = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", PDF, "mail.pdf")
    assert created.status_code == 201, created.get_json()
    sha = created.get_json()["sha256"]
    assert sha == hashlib.sha256(PDF).hexdigest()
    key = f"incident-hub/{sha}"
    stored = s3_store.client.get_object(Bucket=s3_store.bucket, Key=key)["Body"].read()
    assert stored == PDF
    download = as_oict.get(f"/api/v1/attachments/{created.get_json()['id']}/content")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert list(s3_store.staging_dir.glob("*")) == []  # staging emptied


def test_refused_upload_puts_nothing_in_the_bucket(as_oict, s3_store, incident):
    response = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", b"MZ" + b"\x00" * 100, "a.pdf")
    assert response.status_code == 422
    listing = s3_store.client.list_objects_v2(Bucket=s3_store.bucket)
    assert listing.get("KeyCount", 0) == 0


def test_same_bytes_are_one_object(as_oict, s3_store, incident):
    path = f"/api/v1/incidents/{incident.id}/attachments"
    upload(as_oict, path, PDF, "a.pdf")
    upload(as_oict, path, PDF, "b.pdf")
    keys = [o["Key"] for o in s3_store.client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]]
    assert keys == [f"incident-hub/{hashlib.sha256(PDF).hexdigest()}"]


def test_retention_removes_an_object_unless_it_was_stored_again_lately(as_oict, s3_store, incident):
    """store.remove (the retention purge): an object written or re-written since `untouched_since`
    stays (an upload of the same bytes may not have committed its row yet); an older one goes."""
    from datetime import timedelta

    from incident_hub.clock import utcnow

    created = upload(as_oict, f"/api/v1/incidents/{incident.id}/attachments", PDF, "mail.pdf")
    sha = created.get_json()["sha256"]
    assert s3_store.remove(sha, utcnow() - timedelta(minutes=5)) is False and s3_store.has(sha)
    assert s3_store.remove(sha, utcnow() + timedelta(seconds=2)) is True and not s3_store.has(sha)
    assert s3_store.remove(sha, utcnow() + timedelta(seconds=2)) is False
