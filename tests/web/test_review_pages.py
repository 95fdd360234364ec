"""The review page: write (key moments pre-filled), field errors, sign-off by managers, findings
to prevention actions (M1 shown next to the field), the incident page's panel, need to know."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, Review
from tests.factories import make_incident
from tests.web.support import login


def _save(browser, incident_id: int, **fields):
    page = f"/incidents/{incident_id}/review"
    data = {"summary": "Phishing, then badge outage.", "key_moments": "", "new_findings": "", **fields}
    return browser.post(page, data, csrf_page=page)


def test_write_the_review_and_see_it_on_the_incident_page(oict):
    incident = make_incident()
    page = oict.text(f"/incidents/{incident.id}")
    assert 'id="incident-review"' in page and "Not started" in page and "Required before closing" in page
    form = oict.text(f"/incidents/{incident.id}/review")
    assert "Incident created" in form  # key moments pre-filled
    response = _save(oict, incident.id, key_moments="2026-11-20 08:00 | First alert", new_findings="Patch\nTrain")
    assert response.status_code == 302
    page = oict.text(f"/incidents/{incident.id}/review")
    assert "2026-11-20 08:00 | First alert" in page and 'id="finding-' in page
    assert "Track as a prevention action" in page
    assert "draft" in oict.text(f"/incidents/{incident.id}")


def test_a_bad_key_moment_is_shown_next_to_the_field(oict):
    incident = make_incident()
    response = _save(oict, incident.id, key_moments="yesterday | something")
    assert response.status_code == 303 and response.headers["Location"].endswith("#field-key_moments")
    html = oict.text(response.headers["Location"].split("#")[0])
    assert "line 1: write" in html and "yesterday | something" in html  # as typed
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Review)).scalar_one() == 0


def test_manager_signs_and_a_change_voids(app, oict):
    incident = make_incident()
    _save(oict, incident.id)
    mgr = login(app, "manager", "OICT", "web-mgr-oict")
    page = mgr.text(f"/incidents/{incident.id}/review")
    assert 'id="review-sign-button"' in page
    assert 'id="review-sign-button"' not in oict.text(f"/incidents/{incident.id}/review")
    url = f"/incidents/{incident.id}/review"
    assert mgr.post(url + "/sign", {"sign-note": "ok"}, csrf_page=url).status_code == 302
    assert 'id="review-status">Signed' in mgr.text(url)
    _save(oict, incident.id, summary="Changed.")
    assert 'id="review-status">Draft' in oict.text(url)


def test_finding_to_action_and_m1_on_the_page(oict):
    incident = make_incident(hybrid=True)
    _save(oict, incident.id, new_findings="Patch badge controllers")
    fid = db.session.execute(select(Review)).scalar_one().findings[0].id
    url = f"/incidents/{incident.id}/review"
    before = db.session.execute(select(func.count()).select_from(Action)).scalar_one()
    refused = oict.refused(
        f"{url}/findings/{fid}/action", {f"act-{fid}-owner_unit": "DSS", f"act-{fid}-mandate": "cyber"}, csrf_page=url
    )
    assert "Rule M1" in refused and "<details open>" in refused
    accepted = {f"act-{fid}-owner_unit": "OICT", f"act-{fid}-mandate": "cyber"}
    ok = oict.post(f"{url}/findings/{fid}/action", accepted, csrf_page=url)
    assert ok.status_code == 302
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Action)).scalar_one() == before + 1
    assert "prevention action" in oict.text(url)


def test_dss_does_not_reach_a_review_of_an_incident_it_takes_no_part_in(dss):
    incident = make_incident()
    assert dss.get(f"/incidents/{incident.id}/review").status_code == 404


class _Ids(HTMLParser):
    """Every element id of a page, and the `for` of every label and every input's id."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_for: list[str] = []
        self.controls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[str(found["id"])] += 1
        if tag == "label" and found.get("for"):
            self.label_for.append(str(found["for"]))
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(str(found.get("id")))


def _ids_of(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


def test_every_element_id_is_unique_with_several_findings_and_labels_stay_bound(oict):
    """Each finding has its own "track as an action" form: its ids carry the finding's id, so no id
    repeats, and each label still names its own control (also on the page of a refused one)."""
    incident = make_incident(hybrid=True)
    _save(oict, incident.id, new_findings="Patch badge controllers\nTrain the guards\nLog gate 4 events")
    fids = [f.id for f in db.session.execute(select(Review)).scalar_one().findings]
    url = f"/incidents/{incident.id}/review"
    refused = oict.refused(
        f"{url}/findings/{fids[1]}/action", {f"act-{fids[1]}-owner_unit": "DSS", f"act-{fids[1]}-mandate": "cyber"}, url
    )
    for html in (oict.text(url), refused):
        page = _ids_of(html)
        assert [i for i, n in page.ids.items() if n > 1] == []
        assert all(f"act-{fid}-owner_unit" in page.ids for fid in fids)
        assert set(page.label_for) <= set(page.ids) and set(page.controls) <= set(page.label_for)
        assert len(page.label_for) == len(set(page.label_for))
    own = refused.split(f'<li id="finding-{fids[1]}">')[1].split("</li>")[0]
    assert "<details open>" in own and "Rule M1" in own and refused.count("Rule M1") == 1  # at its own form
