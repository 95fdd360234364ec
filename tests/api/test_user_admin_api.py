"""Admins change a user's role, unit and active flag (M1 checks as on creation) and reset a
password to a one-time password that must be changed at the next sign-in."""

from __future__ import annotations

from sqlalchemy import select

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, User
from tests.api.incident_helpers import counts, error
from tests.factories import make_user


def _user(name):
    db.session.rollback()
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def test_role_and_unit_follow_the_mandates(as_admin):
    user, _ = make_user("oict_responder", "OICT", "alice")
    url = f"/api/v1/users/{user.id}"
    before = counts()
    payload = error(as_admin.patch(url, json={"role": "dss_officer"}), 422, "validation_error")
    assert "unit" in payload["details"]["fields"]  # a DSS officer in OICT: refused (M1)
    error(as_admin.patch(url, json={"unit": "DSS"}), 422, "validation_error")  # a responder in DSS
    error(as_admin.patch(url, json={"role": "wizard"}), 422, "validation_error")
    assert counts() == before
    body = as_admin.patch(url, json={"role": "dss_officer", "unit": "DSS"}).get_json()
    assert (body["role"], body["unit"]) == ("dss_officer", "DSS")
    body = as_admin.patch(url, json={"role": "manager", "unit": None}).get_json()
    assert (body["role"], body["unit"]) == ("manager", None)
    entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.update")).scalars().all()
    assert entries[-1].before["role"] == "dss_officer" and entries[-1].after["role"] == "manager"


def test_disable_enable_and_not_yourself(as_admin, as_oict):
    bob, _ = make_user("oict_responder", "OICT", "bob")
    assert as_admin.patch(f"/api/v1/users/{bob.id}", json={"active": False}).get_json()["active"] is False
    assert _user("bob").active is False
    assert as_admin.patch(f"/api/v1/users/{bob.id}", json={"active": True}).get_json()["active"] is True
    error(as_admin.patch(f"/api/v1/users/{as_admin.user.id}", json={"active": False}), 409, "conflict")
    error(as_oict.patch(f"/api/v1/users/{bob.id}", json={"active": False}), 403, "forbidden")
    error(as_admin.patch("/api/v1/users/99999", json={"active": False}), 404, "not_found")


def test_password_reset_gives_a_one_time_password(as_admin, client):
    carol, _ = make_user("dss_officer", "DSS", "carol")
    answer = as_admin.post(f"/api/v1/users/{carol.id}/password-reset")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["must_change_password"] is True and len(body["one_time_password"]) >= 12
    assert _user("carol").must_change_password
    audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.password_reset")).scalar_one()
    assert body["one_time_password"] not in str(audit.after)
