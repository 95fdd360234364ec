"""The command line: users, tokens, audit verify, demo seed."""

from __future__ import annotations

from sqlalchemy import func, select, text

from incident_hub.extensions import db
from incident_hub.models import AuditEntry, Incident, User
from tests.factories import make_user


def test_users_create_reads_the_password_twice_from_stdin(runner, client):
    result = runner.invoke(
        args=["users", "create", "zoe", "--role", "oict_responder", "--unit", "OICT"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "password:" not in result.output
    user = db.session.execute(select(User).where(User.username == "zoe")).scalar_one()
    assert user.password_hash != "a-long-password" and user.role == "oict_responder"


def test_users_create_refuses_different_passwords(runner):
    result = runner.invoke(args=["users", "create", "yan", "--role", "manager"], input="first-password\nother-pass\n")
    assert result.exit_code != 0
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_users_create_generates_and_prints_a_password(runner):
    result = runner.invoke(args=["users", "create", "xia", "--role", "admin"], input="")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("password: ")


def test_users_create_refuses_a_role_outside_its_units_mandate(runner):
    result = runner.invoke(
        args=["users", "create", "wes", "--role", "dss_officer", "--unit", "OICT"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 1
    assert "physical_security" in result.output
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_tokens_create_prints_a_working_token_as_last_word(runner, client):
    make_user("manager", None, "vic")
    result = runner.invoke(args=["tokens", "create", "vic"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().split()[-1]
    assert client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    stored = db.session.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert token not in stored  # only its hash is kept


def test_audit_verify_passes_on_a_clean_chain(runner):
    make_user("manager", None, "una")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_audit_verify_names_the_entry_altered_with_raw_sql(runner):
    for name in ("t1", "t2", "t3"):
        make_user("manager", None, name)
    target = db.session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq).offset(2).limit(1)).scalar_one()
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = :s"), {"s": target})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {target}" in result.output


def test_demo_seed_creates_users_and_incidents_once(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "password demo-password-1" in first.output
    users = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    incidents = db.session.execute(select(func.count()).select_from(Incident)).scalar_one()
    assert users >= 4 and incidents >= 5
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "already" in again.output
    assert db.session.execute(select(func.count()).select_from(Incident)).scalar_one() == incidents
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
