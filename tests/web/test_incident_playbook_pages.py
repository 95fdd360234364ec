"""The incident page's playbooks (matched and why, apply, detach) and the facts-edit preview."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Action, Incident, Playbook
from tests.factories import make_incident


def _pid(key):
    return db.session.execute(
        select(Playbook.id).where(Playbook.key == key, Playbook.superseded_at.is_(None))
    ).scalar_one()


def test_panel_says_why_and_applies_and_detaches(oict, dss):
    incident = make_incident(severity="high", title="Portal flooded")  # DDoS playbook matches
    page = f"/incidents/{incident.id}"
    html = oict.text(page)
    assert 'id="playbook-ddos-public-service"' in html and "needs any of digital" in html
    hybrid = _pid("hybrid-access-control")
    assert oict.post(f"{page}/playbooks/{hybrid}/apply", {}, csrf_page=page).status_code == 302
    assert "applied by hand" in oict.text(page)
    ddos = _pid("ddos-public-service")
    refused = oict.post(f"{page}/playbooks/{ddos}/detach", {f"detach-{ddos}-reason": ""}, csrf_page=page)
    assert refused.status_code == 302
    assert (
        db.session.execute(select(Action.status).where(Action.playbook_id == ddos)).scalars().all().count("cancelled")
        == 0
    )
    data = {f"detach-{ddos}-reason": "A CDN misconfiguration, not an attack."}
    oict.post(f"{page}/playbooks/{ddos}/detach", data, csrf_page=page)
    db.session.expire_all()
    statuses = set(db.session.execute(select(Action.status).where(Action.playbook_id == ddos)).scalars())
    assert statuses == {"cancelled"}
    assert "A CDN misconfiguration, not an attack." in oict.text(page)
    # DSS is not a party to a pure cyber incident: 404, nothing applied.
    assert dss.post(f"{page}/playbooks/{ddos}/apply", {}, csrf_page="/").status_code == 404


def test_edit_preview_shows_what_would_change_and_saves_nothing(oict):
    incident = make_incident(severity="high", title="Portal flooded")
    page = f"/incidents/{incident.id}/edit"
    form = {
        "title": "Portal flooded",
        "vectors": "digital",
        "effects": ["service_outage", "programme_disruption", "premises_security_gap"],
        "deliberate": "yes",
        "severity": "high",
        "tlp": "TLP:AMBER",
        "preview": "1",
    }
    answer = oict.post(page, form, csrf_page=page)  # a preview answers with a redirect too: a reload asks nothing
    assert answer.status_code == 303 and "preview=1" in answer.headers["Location"]
    assert answer.headers["Location"].endswith("#preview")
    html = oict.text(answer.headers["Location"].split("#")[0])
    assert 'id="preview"' in html and 'value="Portal flooded"' in html
    assert "R1" in html and "<strong>R3</strong>" in html and 'id="preview-joint"' in html
    assert "Hybrid access-control" in html or "hybrid" in html.lower()
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).rule == "R1"  # nothing saved
    del form["preview"]
    assert oict.post(page, form, csrf_page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).rule == "R3"
