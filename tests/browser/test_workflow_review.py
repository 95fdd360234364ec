"""The post-incident review in a real browser: an OICT responder writes a review with several
findings and tracks the second one as a prevention action from its own form — every form element id
unique on the page (each finding's form carries its id), each label naming its own control — and
the page is axe-clean and fits a phone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import Review
from tests.browser.conftest import release
from tests.browser.page_checks import assert_axe_clean, fits_a_phone
from tests.browser.workflow_support import login, submit, user
from tests.factories import make_incident

pytestmark = pytest.mark.browser

UNIQUE_IDS = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}"""


def test_responder_tracks_one_of_several_findings_from_its_own_form(page):
    iid = make_incident(hybrid=True, title="Badge readers accept any card").id
    release()
    login(page, user("oict_responder", "OICT", "w-oict-review"))
    page.goto(f"/incidents/{iid}/review")
    page.fill("#summary", "Badge readers at gate 4 accepted any card for six hours.")
    page.fill("#new_findings", "Patch badge controllers\nTrain the guards\nLog gate 4 events")
    submit(page, "#review-save")
    db.session.expire_all()
    second = db.session.execute(select(Review)).scalar_one().findings[1].id
    release()
    assert page.evaluate(UNIQUE_IDS) == []
    finding = page.locator(f"#finding-{second}")
    finding.locator("summary").click()
    finding.get_by_label("Owner unit").select_option("OICT")  # the label names this finding's select
    finding.get_by_label("Work needs the mandate").select_option("cyber")
    assert_axe_clean(page)
    fits_a_phone(page)
    submit(page, f"#finding-{second} .finding-action-form button")
    assert page.locator(f"#finding-{second} summary").count() == 0  # tracked: a link to its action now
    assert "prevention action" in page.inner_text(f"#finding-{second} a")
    assert page.locator("#findings li:first-child summary").count() == 1  # the others: still to track
    assert page.evaluate(UNIQUE_IDS) == []
    assert_axe_clean(page)
