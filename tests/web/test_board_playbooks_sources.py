"""Actions board transitions, playbook pages and the admin sources page (issue 8 integration)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry, Playbook, Source
from tests.factories import PHYSICAL_ONLY_FACTS, make_incident
from tests.web.assess_data import make_assessment
from tests.web.data import drop_playbook_actions, make_action


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _status(action_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Action, action_id).status


def _move(browser, action_id: int, to: str, **fields: str):
    data = {f"a{action_id}-to": to, **{f"a{action_id}-{k}": v for k, v in fields.items()}}
    return browser.post(f"/actions/{action_id}/transition", data, csrf_page="/actions")


def test_board_shows_only_allowed_transitions(oict):
    incident = make_incident()
    drop_playbook_actions()
    action = make_action(incident.id, "OICT", title="Rotate keys")
    board = oict.text("/actions")
    forms = set(re.findall(rf'id="action-{action.id}-(\w+)"', board))
    assert forms == {"in_progress", "blocked", "cancelled"}  # open: no "done"
    assert _move(oict, action.id, "in_progress").status_code == 302
    board = oict.text("/actions")
    assert set(re.findall(rf'id="action-{action.id}-(\w+)"', board)) == {"done", "blocked", "cancelled"}


def test_block_needs_a_reason_and_done_needs_evidence(oict):
    """Post/redirect/get: a refusal redirects to the board, which says it on the card's form."""
    incident = make_incident()
    drop_playbook_actions()
    action = make_action(incident.id, "OICT", title="Rotate keys")
    before = _count(AuditEntry)
    blocked = _move(oict, action.id, "blocked", reason="  ")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith(f"#action-{action.id}")
    html = oict.text("/actions")
    assert f'id="a{action.id}-reason-blocked-error"' in html and "say why" in html
    assert f'id="a{action.id}-reason-cancelled-error"' not in html  # only in the form that was refused
    assert f'id="a{action.id}-reason-blocked-error"' not in oict.text("/actions")  # said once
    assert _status(action.id) == "open" and _count(AuditEntry) == before
    assert _move(oict, action.id, "in_progress").status_code == 302
    done = _move(oict, action.id, "done")
    assert done.status_code == 302 and f'id="a{action.id}-evidence-error"' in oict.text("/actions")
    assert _status(action.id) == "in_progress"
    assert _move(oict, action.id, "done", evidence="Keys rotated, ticket 42").status_code == 302
    assert _status(action.id) == "done"
    again = _move(oict, action.id, "cancelled", reason="Not needed after all")
    assert again.status_code == 302 and "cannot go from" in oict.text("/actions")
    assert _status(action.id) == "done"


def test_block_then_resume_then_cancel(dss):
    incident = make_incident(**PHYSICAL_ONLY_FACTS)  # R4: DSS leads
    drop_playbook_actions()
    action = make_action(incident.id, "DSS", title="Check doors")
    assert _move(dss, action.id, "blocked", reason="Waiting for keys").status_code == 302
    assert "Resume" in dss.text("/actions")
    assert _move(dss, action.id, "in_progress").status_code == 302
    assert _move(dss, action.id, "cancelled", reason="Doors replaced by the landlord").status_code == 302
    assert _status(action.id) == "cancelled"


def test_no_forms_nor_changes_for_a_unit_that_may_not(dss, oict):
    incident = make_incident(hybrid=True)  # R3: OICT leads, DSS partner sees its actions
    drop_playbook_actions()
    action = make_action(incident.id, "OICT", title="Isolate segment", mandate="cyber")
    board = dss.text("/actions")
    assert "Isolate segment" in board and f'id="action-{action.id}-in_progress"' not in board
    assert _move(dss, action.id, "in_progress").status_code == 403
    cyber = make_incident()
    hidden = make_action(cyber.id, "OICT", title="Hidden work")
    assert _move(dss, hidden.id, "in_progress").status_code == 404
    assert _status(action.id) == "open" and _status(hidden.id) == "open"


def test_playbook_pages(oict, dss):
    make_incident()  # the first incident loads the playbooks
    rows = db.session.execute(select(Playbook).where(Playbook.superseded_at.is_(None))).scalars().all()
    assert rows
    for browser in (oict, dss):
        listing = browser.text("/playbooks")
        assert all(f"/playbooks/{p.id}" in listing for p in rows)
    hybrid = next(p for p in rows if p.key == "hybrid-access-control")
    page = dss.text(f"/playbooks/{hybrid.id}")
    assert hybrid.content_hash in page and 'id="step-isolate-acs-network"' in page
    assert f"/api/v1/playbooks/{hybrid.id}/cacao" in page and "premises_security_gap" in page
    assert 'href="#step-isolate-acs-network"' in page  # a dependency links to its step
    assert dss.get(f"/api/v1/playbooks/{hybrid.id}/cacao").status_code == 200
    assert oict.get("/playbooks/999999").status_code == 404
    assert "v1" in oict.text("/playbooks?all=1")


def test_admin_sources_create_shows_secret_once(admin, oict, manager):
    assert oict.get("/admin/sources").status_code == 403 and manager.get("/admin/sources").status_code == 403
    data = {"source-name": "edge-am", "source-format": "alertmanager", "source-rate_limit_per_minute": ""}
    created = admin.followed("/admin/sources", data, csrf_page="/admin/sources")
    secret = re.search(r'<code class="secret-value">([^<]+)</code>', created).group(1)
    listing = admin.text("/admin/sources")  # shown once: a reload shows it no more
    assert "edge-am" in listing and secret not in listing and "/api/v1/intake/edge-am" in listing
    assert secret not in str(admin.client.get_cookie("session").value if admin.client.get_cookie("session") else "")
    before = _count(Source), _count(AuditEntry)
    dup = admin.refused("/admin/sources", data, csrf_page="/admin/sources")
    assert 'id="source-name-error"' in dup and 'value="edge-am"' in dup
    bad = admin.refused("/admin/sources", {**data, "source-name": "Bad Name!"}, csrf_page="/admin/sources")
    assert 'id="source-name-error"' in bad
    assert (_count(Source), _count(AuditEntry)) == before


def test_admin_sources_disable_enable_rotate(admin):
    data = {"source-name": "gen-1", "source-format": "generic"}
    first = admin.followed("/admin/sources", data, csrf_page="/admin/sources")
    old = re.search(r'class="secret-value">([^<]+)<', first).group(1)
    sid = db.session.execute(select(Source.id).where(Source.name == "gen-1")).scalar_one()
    assert admin.post(f"/admin/sources/{sid}/disable", {}, csrf_page="/admin/sources").status_code == 302
    db.session.expire_all()
    assert db.session.get(Source, sid).enabled is False
    assert admin.post(f"/admin/sources/{sid}/enable", {}, csrf_page="/admin/sources").status_code == 302
    rotated = admin.followed(f"/admin/sources/{sid}/rotate", {"rotate-grace_hours": "0"}, csrf_page="/admin/sources")
    new = re.search(r'class="secret-value">([^<]+)<', rotated).group(1)
    assert new != old and new.startswith("whsec_")
    assert admin.post("/admin/sources/999999/rotate", {}, csrf_page="/admin/sources").status_code == 404


def test_new_forms_refuse_posts_without_csrf(oict, admin):
    incident = make_incident()
    drop_playbook_actions()
    action = make_action(incident.id, "OICT")
    admin.post("/admin/sources", {"source-name": "s1", "source-format": "generic"}, csrf_page="/admin/sources")
    sid = db.session.execute(select(Source.id)).scalar_one()
    before = _count(Source), _count(AuditEntry), _status(action.id)
    for browser, path, data in (
        (oict, f"/actions/{action.id}/transition", {f"a{action.id}-to": "in_progress"}),
        (admin, "/admin/sources", {"source-name": "s2", "source-format": "generic"}),
        (admin, f"/admin/sources/{sid}/disable", {}),
        (admin, f"/admin/sources/{sid}/rotate", {}),
    ):
        assert browser.post(path, data, csrf_page=None).status_code == 400, path
        assert browser.post(path, {**data, "csrf_token": "forged"}, csrf_page=None).status_code == 400, path
    assert (_count(Source), _count(AuditEntry), _status(action.id)) == before


def test_new_pages_have_no_inline_script_or_style(admin, oict):
    a = make_assessment([("physical", 3, 4)])
    make_incident()
    pid = db.session.execute(select(Playbook.id)).scalars().first()
    for browser, path in (
        (oict, f"/assessments/{a.id}"),
        (oict, "/assessments"),
        (oict, "/actions"),
        (oict, "/playbooks"),
        (oict, f"/playbooks/{pid}"),
        (admin, "/admin/sources"),
    ):
        page = browser.text(path)
        assert "<script>" not in page and "style=" not in page and "<style" not in page, path
