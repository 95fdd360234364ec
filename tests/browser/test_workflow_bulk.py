"""Bulk actions on the actions list in a real browser (issue 12 "Lists that scale"): an OICT
responder selects rows, starts them after the confirmation dialog, and reads a result on each row —
one changed, one refused by the lifecycle, said on its own row; a reload sends nothing again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from incident_hub.extensions import db
from incident_hub.models import Action, AuditEntry
from incident_hub.services.actions.commands import transition_action
from tests.browser.conftest import release
from tests.browser.page_checks import assert_axe_clean, fits_a_phone
from tests.browser.workflow_support import login, submit, user
from tests.factories import SYSTEM, make_incident
from tests.web.data import drop_playbook_actions, make_action

pytestmark = pytest.mark.browser


def _audit() -> int:
    db.session.expire_all()
    n = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    release()
    return n


def test_responder_starts_selected_actions_and_reads_a_result_per_row(page):
    incident = make_incident()
    drop_playbook_actions()
    keys = make_action(incident.id, "OICT", title="Rotate the signing keys").id
    hosts = make_action(incident.id, "OICT", title="Patch the build hosts").id
    transition_action(SYSTEM, hosts, "cancelled", reason="Hosts retired")
    release()
    login(page, user("oict_responder", "OICT", "w-bulk"))
    page.goto("/actions?view=list")
    page.check(f"#sel-{keys}")
    page.check(f"#sel-{hosts}")
    page.select_option("#op", "start")
    before = _audit()
    submit(page, "#bulk-apply")  # asks first: a <dialog>
    assert "1 changed, 1 refused" in page.inner_text("#bulk-results")
    assert "changed" in page.inner_text(f"#row-{keys}") and "Refused" not in page.inner_text(f"#row-{keys}")
    assert "Refused" in page.inner_text(f"#row-{hosts}")
    db.session.expire_all()
    assert db.session.get(Action, keys).status == "in_progress"
    release()
    assert _audit() == before + 1
    assert_axe_clean(page)
    fits_a_phone(page)
    page.reload()  # the result was said once; nothing is sent again
    assert "1 changed" not in page.inner_text("main") and _audit() == before + 1
