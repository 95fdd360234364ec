"""Drafts of refused forms (post/redirect/get) do not pile up: the scheduler job
`drafts.purge_expired`, under the scheduler's lease like every job, deletes the drafts past their hour
in one DELETE, and leaves the fresh ones readable."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from incident_hub.extensions import db
from incident_hub.models import FormDraft, SchedulerLock
from incident_hub.scheduler.jobs import jobs
from incident_hub.scheduler.runner import run_tick
from tests.web.signin_support import Clock, configure
from tests.web.support import Browser, login

__all__ = ["configure"]  # the fixture

NO_TITLE = {"title": "", "description": "Badge readers at gate 4 accept any card", "severity": "high"}


def _refuse(browser: Browser) -> str:
    """A refused new-incident form: the URL of the page that shows it again, as typed."""
    response = browser.post("/incidents/new", NO_TITLE, csrf_page="/incidents/new")
    assert response.status_code == 303 and "draft=" in response.headers["Location"]
    return response.headers["Location"].split("#")[0]


def _drafts() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(FormDraft)).scalar_one()


def test_the_job_deletes_expired_drafts_in_one_statement_and_keeps_fresh_ones(app: Flask, configure: Any) -> None:
    clock = Clock()
    configure(clock=clock, session_idle_minutes=120)
    early = login(app, "oict_responder", "OICT", "draft-early")
    old = [_refuse(early), _refuse(early)]
    clock.advance(minutes=50)
    late = login(app, "oict_responder", "OICT", "draft-late")
    fresh = _refuse(late)
    assert "accept any card" in early.text(old[0]) and _drafts() == 3
    clock.advance(minutes=11)  # the first two are an hour and a minute old now

    [job] = [j for j in jobs() if j.name == "drafts.purge_expired"]
    deletes: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM FORM_DRAFTS"):
            deletes.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert run_tick(job, "scheduler-a", clock()) is True
        assert run_tick(job, "scheduler-b", clock()) is False  # the same tick, another scheduler: not run
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(deletes) == 1 and _drafts() == 1
    lock = db.session.get(SchedulerLock, "drafts.purge_expired")
    assert lock is not None and (lock.runs, lock.failures) == (1, 0)
    assert "accept any card" not in early.text(old[0])  # gone: an empty form
    assert "accept any card" in late.text(fresh)  # the fresh one is still there, as typed
