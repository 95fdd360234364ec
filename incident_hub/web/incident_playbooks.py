"""The incident page's playbooks: which matched and why, apply one by hand, detach one with a
reason (services/playbooks/on_incident.py decides; M1 and the lead-unit rule hold there)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from incident_hub.auth import current_principal
from incident_hub.errors import AppError
from incident_hub.i18n import said
from incident_hub.services.playbooks.on_incident import apply_playbook, detach_playbook
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import PostForm, ReasonForm


def _back(incident_id: int) -> ResponseReturnValue:
    return redirect(url_for("web.incident", incident_id=incident_id) + "#playbooks")


@bp.post("/incidents/<int:incident_id>/playbooks/<int:playbook_id>/apply")
def incident_playbook_apply(incident_id: int, playbook_id: int) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return _back(incident_id)
    try:
        ids = apply_playbook(current_principal(), incident_id, playbook_id)
        flash(
            ngettext("Playbook applied: %(num)s action added.", "Playbook applied: %(num)s actions added.", len(ids)),
            "ok",
        )
    except AppError as exc:
        if exc.status == 404:
            raise
        flash(said(exc), "error")
    return _back(incident_id)


@bp.post("/incidents/<int:incident_id>/playbooks/<int:playbook_id>/detach")
def incident_playbook_detach(incident_id: int, playbook_id: int) -> ResponseReturnValue:
    form = ReasonForm(prefix=f"detach-{playbook_id}")
    if not form.validate_on_submit():
        flash(_("Say why the playbook is detached."), "error")
        return _back(incident_id)
    try:
        cancelled = detach_playbook(current_principal(), incident_id, playbook_id, form.reason.data)
        flash(
            ngettext(
                "Playbook detached; %(num)s open action cancelled.",
                "Playbook detached; %(num)s open actions cancelled.",
                len(cancelled),
            ),
            "ok",
        )
    except AppError as exc:
        if exc.status == 404:
            raise
        flash(said(exc), "error")
    return _back(incident_id)
