"""Admin workflows in a real browser: edit a user's role and unit (M1 at the field), disable,
reset a password; the user signs in with the one-time password and must change it first."""

from __future__ import annotations

import pytest

from tests.browser.conftest import release
from tests.browser.workflow_support import login, submit, user

pytestmark = pytest.mark.browser


def test_admin_edits_resets_and_the_user_must_change_the_password(page):
    name = user("oict_responder", "OICT", "w-target")
    login(page, user("admin", None, "w-admin"))
    page.goto("/admin/users")
    with page.expect_navigation():
        page.click(f"#users-table a:text-is('{name}')")
    page.select_option("#edit-role", "dss_officer")
    submit(page, "#edit-form button")  # still in OICT: refused at the unit field (M1)
    assert "physical_security" in page.inner_text("#field-edit-unit")
    page.select_option("#edit-role", "dss_officer")
    page.select_option("#edit-unit", "DSS")
    submit(page, "#edit-form button")
    assert page.locator("#edit-role").input_value() == "dss_officer"
    submit(page, "#reset-form button")
    one_time = page.inner_text("#one-time-password").strip()
    assert len(one_time) >= 12 and page.locator("#user-must-change").count() == 1
    page.reload()  # shown once: not on the page again
    assert page.locator("#one-time-password").count() == 0
    page.context.clear_cookies()
    login(page, name, one_time)
    assert page.url.endswith("/settings/password") and page.locator("#must-change").count() == 1
    page.goto("/incidents")
    assert page.url.endswith("/settings/password")  # nothing else until the password is changed
    page.fill("#current_password", one_time)
    page.fill("#new_password", "a-new-long-passphrase")
    page.fill("#new_password_again", "a-new-long-passphrase")
    submit(page, "#password-form button")
    assert page.url.endswith("/")
    page.goto("/incidents")
    assert page.url.endswith("/incidents")


def test_admin_sends_a_test_delivery_and_edits_mapping_rules(page):
    from tests.intake.factories import make_source

    source, secret = make_source("generic", "w-generic")
    sid = source.id
    release()
    login(page, user("admin", None, "w-admin2"))
    page.goto("/admin/sources")
    with page.expect_navigation():
        page.click("#sources-table a:text-is('w-generic')")
    submit(page, "#test-form button")
    assert "Test delivery accepted (202)" in page.inner_text("main")
    row = page.locator("#deliveries-table tbody tr").first
    assert "accepted" in row.inner_text().lower() and "test" in row.inner_text()
    assert secret not in page.content()
    page.fill("#map-mapping", '{"rules": [{"match": {"alertname": "X"}, "severity": "apocalyptic"}]}')
    submit(page, "#mapping-form button")
    assert "rules.0.severity" in page.inner_text("#field-map-mapping")
    page.fill("#map-mapping", '{"rules": [{"match": {"alertname": "DoorForced"}, "vectors": ["physical"]}]}')
    submit(page, "#mapping-form button")
    assert "Mapping rules saved." in page.inner_text("main")
    assert "DoorForced" in page.locator("#map-mapping").input_value()
    assert page.url.endswith(f"/admin/sources/{sid}#mapping")


def test_admin_disables_a_user_who_is_signed_out_at_once_then_enables_them(chromium, live_server):
    name, admin_name = user("dss_officer", "DSS", "w-leaver"), user("admin", None, "w-admin-toggle")
    contexts = [chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        admin, leaver = (c.new_page() for c in contexts)
        login(leaver, name)
        assert leaver.url.endswith("/")
        login(admin, admin_name)
        admin.goto("/admin/users")
        with admin.expect_navigation():
            admin.click(f"#users-table a:text-is('{name}')")
        submit(admin, "#toggle-form button")  # asks first: a <dialog>
        assert admin.inner_text("#user-active") == "Disabled" and f"User {name} disabled." in admin.content()
        leaver.goto("/incidents")
        assert "/login" in leaver.url  # the session ended at once
        login(leaver, name)
        assert leaver.inner_text("#sign-in-error") == "Unknown username or wrong password."
        submit(admin, "#toggle-form button")
        assert admin.inner_text("#user-active") == "Active"
        login(leaver, name)
        assert leaver.url.endswith("/")
    finally:
        for c in contexts:
            c.close()
