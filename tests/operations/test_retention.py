"""RETENTION_DAYS (issue 15, item 6): intake payloads and closed incidents' files past the limit are
purged by the scheduler job or `flask retention purge`, each purge in the audit chain; what is
younger, or still needed by an open case, stays; a second run removes nothing more.

Everything is made through the API under a controllable runtime clock (intake signatures, closing
and uploads all read it), then the clock moves 40 days on and the purge runs with a 30-day limit."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from incident_hub.clock import utcnow
from incident_hub.extensions import db
from incident_hub.models import Attachment, AuditEntry, Delivery, SchedulerLock
from incident_hub.scheduler.jobs import jobs
from incident_hub.scheduler.runner import run_tick
from incident_hub.services.evidence.store import FolderStore
from incident_hub.services.operations.retention import purge_expired
from incident_hub.settings import Settings, SettingsError, load_settings
from tests.evidence.conftest import PDF, oict, store, upload  # noqa: F401  (fixtures: attachments folder, page client)
from tests.intake.factories import make_source, payload, post
from tests.web.signin_support import Clock, configure  # noqa: F401

TRANSITIONS = "/api/v1/incidents/{}/transitions"
DAYS = 30


def pdf(tag: str) -> bytes:
    return PDF + f"% {tag}\n".encode()


class World:
    """The incidents, deliveries and files of the scenario, by what should happen to them."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.files: dict[str, int] = {}


def deliver(client: Any, clock: Clock, source: Any, secret: str, name: str) -> dict[str, Any]:
    data = payload("alertmanager", fingerprint=hashlib.sha256(name.encode()).hexdigest()[:16])
    data["groupKey"] = f'{{}}:{{alertname="{name}"}}'
    data["alerts"][0]["labels"] = {**data["alerts"][0]["labels"], "alertname": name}
    response = post(client, source, secret, data, ts=int(clock.at.timestamp()))
    assert response.status_code == 202, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def close(manager: Any, incident_id: int) -> None:
    for to in ("acknowledged", "resolved"):
        assert manager.post(TRANSITIONS.format(incident_id), json={"to": to, "note": "done"}).status_code == 200
    closed = manager.post(
        TRANSITIONS.format(incident_id), json={"to": "closed", "override_reason": "Handled; records filed."}
    )
    assert closed.status_code == 200, closed.get_json()


def attach(client: Any, incident_id: int, content: bytes, name: str) -> int:
    response = upload(client, f"/api/v1/incidents/{incident_id}/attachments", content, name)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


@pytest.fixture
def clock(configure: Any) -> Clock:  # noqa: F811
    clock = Clock()
    clock.at = utcnow().replace(microsecond=0)  # stored files carry the wall clock's times
    configure(clock=clock, retention_days=DAYS)
    return clock


@pytest.fixture
def world(app: Any, client: Any, clock: Clock, as_manager: Any, as_oict: Any, store: FolderStore) -> World:  # noqa: F811
    w = World()
    source, secret = make_source("alertmanager")
    # day 0: a case closed the same day, one still open, one closed and then reopened
    w.ids["closed"] = deliver(client, clock, source, secret, "ClosedCase")["incidents"][0]
    w.ids["open"] = deliver(client, clock, source, secret, "OpenCase")["incidents"][0]
    w.ids["reopened"] = deliver(client, clock, source, secret, "ReopenedCase")["incidents"][0]
    w.files["closed_only"] = attach(as_oict, w.ids["closed"], pdf("only on the closed case"), "only.pdf")
    w.files["closed_shared"] = attach(as_oict, w.ids["closed"], pdf("shared"), "shared.pdf")
    w.files["closed_deleted"] = attach(as_oict, w.ids["closed"], pdf("deleted"), "deleted.pdf")
    assert as_oict.delete(f"/api/v1/attachments/{w.files['closed_deleted']}").status_code == 204
    w.files["open_shared"] = attach(as_oict, w.ids["open"], pdf("shared"), "same-bytes.pdf")
    w.files["open_own"] = attach(as_oict, w.ids["open"], pdf("open case"), "open.pdf")
    w.files["reopened"] = attach(as_oict, w.ids["reopened"], pdf("reopened"), "reopened.pdf")
    close(as_manager, w.ids["closed"])
    close(as_manager, w.ids["reopened"])
    clock.advance(days=1)
    reopen = {"to": "acknowledged", "reason": "New sightings of the same actor."}
    assert as_manager.post(TRANSITIONS.format(w.ids["reopened"]), json=reopen).status_code == 200
    # day 20: a case closed recently, with its own payload and file
    clock.advance(days=19)
    w.ids["recent"] = deliver(client, clock, source, secret, "RecentCase")["incidents"][0]
    w.files["recent"] = attach(as_oict, w.ids["recent"], pdf("recent"), "recent.pdf")
    close(as_manager, w.ids["recent"])
    clock.advance(days=20)  # day 40: the limit (30 days) falls on day 10
    return w


def delivery_of(incident_id: int) -> Delivery:
    from incident_hub.models import Alert

    delivery_id = db.session.execute(select(Alert.first_delivery_id).where(Alert.incident_id == incident_id)).scalar()
    row = db.session.get(Delivery, delivery_id)
    assert row is not None
    return row


def stored(store: FolderStore, content: bytes) -> bool:  # noqa: F811
    return store.has(hashlib.sha256(content).hexdigest())


def audit_count() -> int:
    return int(db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def verify(runner: Any) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_what_is_past_the_limit_is_purged_and_the_rest_stays(world, as_oict, runner, store):  # noqa: F811
    report = purge_expired()
    assert (report.deliveries, report.attachments, report.files_removed) == (1, 3, 2)
    db.session.expire_all()
    # the payload of the closed case is emptied; the others (open case, reopened, recent) stay
    purged = delivery_of(world.ids["closed"])
    assert purged.body == "" and purged.purged_at is not None
    for name in ("open", "reopened", "recent"):
        kept = delivery_of(world.ids[name])
        assert kept.purged_at is None and "alertname" in kept.body, name
    # the closed case's files: records stay with their hash, bytes go unless an open case holds them
    for name in ("closed_only", "closed_shared", "closed_deleted"):
        assert db.session.get(Attachment, world.files[name]).purged_at is not None, name
    assert not stored(store, pdf("only on the closed case")) and not stored(store, pdf("deleted"))
    assert stored(store, pdf("shared"))
    for name in ("open_shared", "open_own", "reopened", "recent"):
        row = db.session.get(Attachment, world.files[name])
        assert row.purged_at is None, name
        download = as_oict.get(f"/api/v1/attachments/{row.id}/content")
        assert download.status_code == 200 and download.data.startswith(b"%PDF"), name
    # the incident and its metadata stay; the file is listed as removed and no longer served
    incident = as_oict.get(f"/api/v1/incidents/{world.ids['closed']}")
    assert incident.status_code == 200 and incident.get_json()["status"] == "closed"
    listed = as_oict.get(f"/api/v1/incidents/{world.ids['closed']}/attachments").get_json()["items"]
    only = next(item for item in listed if item["id"] == world.files["closed_only"])
    assert only["purged_at"] and only["sha256"] == hashlib.sha256(pdf("only on the closed case")).hexdigest()
    gone = as_oict.get(f"/api/v1/attachments/{world.files['closed_only']}/content")
    assert gone.status_code == 404 and gone.get_json()["error"]["details"]["rule"] == "retention"
    events = as_oict.get(f"/api/v1/incidents/{world.ids['closed']}/timeline").get_json()["items"]
    assert any("retention policy" in e["body"] for e in events)
    # what was removed is in the chain, and the chain verifies
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action.like("%.purge"))).scalars().all()
    by_action = sorted((e.action, e.object_id) for e in entries)
    files = sorted(str(world.files[n]) for n in ("closed_only", "closed_shared", "closed_deleted"))
    assert by_action == sorted(
        [("delivery.purge", f"{purged.id}-{purged.id}")] + [("attachment.purge", f) for f in files]
    )
    delivery_entry = next(e for e in entries if e.action == "delivery.purge")
    assert delivery_entry.after["ids"] == [purged.id] and delivery_entry.after["retention_days"] == DAYS
    verify(runner)


def test_a_second_run_removes_nothing_more(world, runner, store):  # noqa: F811
    purge_expired()
    before = audit_count()
    files = sorted(p for p in store.root.rglob("*") if p.is_file())
    again = purge_expired()
    assert (again.deliveries, again.attachments, again.files_removed) == (0, 0, 0)
    assert audit_count() == before
    assert sorted(p for p in store.root.rglob("*") if p.is_file()) == files
    verify(runner)


def test_the_scheduler_job_runs_once_per_tick_across_schedulers(world, runner):
    [job] = [j for j in jobs() if j.name == "retention.purge"]
    at = Clock().at.replace(year=2030)
    assert run_tick(job, "host-a:1", at) is True
    assert run_tick(job, "host-b:2", at) is False  # the same tick, another scheduler: not run
    lock = db.session.get(SchedulerLock, "retention.purge")
    assert lock is not None and lock.runs == 1 and lock.failures == 0
    purges = db.session.execute(select(func.count()).where(AuditEntry.action == "attachment.purge")).scalar_one()
    assert purges == 3
    verify(runner)


def test_the_command_line_runs_it_by_hand(world, runner):
    dry = runner.invoke(args=["retention", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 delivery payload(s) and 3 attachment(s) would be purged" in dry.output
    assert db.session.execute(select(func.count()).where(Delivery.purged_at.is_not(None))).scalar_one() == 0
    done = runner.invoke(args=["retention", "purge"])
    assert done.exit_code == 0, done.output
    assert "1 delivery payload(s) and 3 attachment(s) purged; 2 stored file(s) removed" in done.output
    actors = set(db.session.execute(select(AuditEntry.actor).where(AuditEntry.action.like("%.purge"))).scalars())
    assert actors == {"cli"}
    again = runner.invoke(args=["retention", "purge"])
    assert "0 delivery payload(s) and 0 attachment(s) purged; 0 stored file(s) removed" in again.output


def test_off_by_default_purges_nothing(world, configure, runner, store):  # noqa: F811
    configure(retention_days=None)
    before = audit_count()
    report = purge_expired()
    assert report.retention_days is None and (report.deliveries, report.attachments) == (0, 0)
    refused = runner.invoke(args=["retention", "purge"])
    assert refused.exit_code == 1 and "RETENTION_DAYS is not set" in refused.output
    assert audit_count() == before and stored(store, pdf("only on the closed case"))


def test_the_store_leaves_a_file_stored_again_lately(store, tmp_path):  # noqa: F811
    """An upload of the same bytes touches the stored file before its row is committed; the purge
    passes over a file touched within RECENT_FILE and the next run looks again."""
    from incident_hub.services.evidence.store import staged_upload

    content = pdf("kept twice")
    sha = hashlib.sha256(content).hexdigest()
    (tmp_path / "in").write_bytes(content)
    with (tmp_path / "in").open("rb") as stream, staged_upload(stream, store.staging_dir, 1 << 20) as staged:
        store.keep(staged)
        assert store.remove(sha, utcnow() - timedelta(hours=1)) is False  # just stored
        assert store.has(sha)
        store.keep(staged)  # stored again: touched
    assert store.remove(sha, utcnow() - timedelta(seconds=30)) is False
    assert store.remove(sha, utcnow() + timedelta(seconds=1)) is True and not store.has(sha)
    assert store.remove(sha, utcnow() + timedelta(seconds=1)) is False  # nothing left to remove


def test_retention_days_setting(monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "")
    assert load_settings(dotenv=False).retention_days is None
    monkeypatch.setenv("RETENTION_DAYS", "off")
    assert load_settings(dotenv=False).retention_days is None
    monkeypatch.setenv("RETENTION_DAYS", "400")
    assert load_settings(dotenv=False).retention_days == 400
    monkeypatch.setenv("RETENTION_DAYS", "a year")
    with pytest.raises(SettingsError, match="RETENTION_DAYS must be a whole number"):
        load_settings(dotenv=False)
    with pytest.raises(SettingsError, match="at least 30"):
        Settings(retention_days=3).check()
    Settings(retention_days=30).check()


def test_the_incident_page_lists_a_purged_file_without_a_link(world, oict):  # noqa: F811
    purge_expired()
    html = oict.text(f"/incidents/{world.ids['closed']}")
    assert "only.pdf" in html and "Removed under the retention policy" in html
    assert f"/api/v1/attachments/{world.files['closed_only']}/content" not in html
    still = oict.text(f"/incidents/{world.ids['open']}")  # a file kept is linked as before
    assert f"/api/v1/attachments/{world.files['open_own']}/content" in still
