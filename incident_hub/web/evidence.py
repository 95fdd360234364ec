"""Evidence on the pages (issue 16): the incident page's panel (files, observables, ATT&CK
techniques, export links) and the files panel of assessments. Thin: forms in, the evidence
services do the work, post/redirect/get, refusals flashed; need to know is the services'."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from incident_hub.auth import current_principal
from incident_hub.domain.access import sees_detection
from incident_hub.domain.evidence import OBSERVABLE_TYPES
from incident_hub.domain.facts import TLP_LABELS
from incident_hub.errors import AppError
from incident_hub.i18n import said
from incident_hub.runtime import units
from incident_hub.services.evidence import attachments, observables, techniques
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import opt

TYPE_LABELS = {
    "ipv4": _l("IPv4 address"),
    "ipv6": _l("IPv6 address"),
    "domain": _l("Domain"),
    "url": _l("URL"),
    "email": _l("Email address"),
    "file_sha256": _l("File SHA-256"),
    "file_md5": _l("File MD5"),
    "hostname": _l("Host name"),
    "user_account": _l("User account"),
    "cve": _l("CVE"),
}
PAGES = {"incident": "web.incident", "assessment": "web.assessment"}


class UploadForm(FlaskForm):  # type: ignore[misc]
    file = FileField(_l("File"), validators=[FileRequired()])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=2000)])
    detection = BooleanField(_l("Reveals detection (OICT and managers only)"))


class ObservableForm(FlaskForm):  # type: ignore[misc]
    type = SelectField(_l("Type"), choices=[opt(t, TYPE_LABELS[t]) for t in OBSERVABLE_TYPES])
    value = StringField(_l("Value"), validators=[DataRequired(), Length(max=2048)])
    tlp = SelectField(_l("TLP"), choices=[opt("", "as the incident"), *(opt(t) for t in TLP_LABELS)])
    detection = BooleanField(_l("Detection indicator (OICT and managers only)"))


class TechniquesForm(FlaskForm):  # type: ignore[misc]
    techniques = StringField(_l("ATT&CK technique ids, comma-separated"), validators=[Length(max=2000)])


def _back(object_type: str, object_id: int, anchor: str) -> ResponseReturnValue:
    values: dict[str, Any] = {f"{object_type}_id": object_id}
    return redirect(url_for(PAGES[object_type], **values) + anchor)


def _attempt(action: Any, done: str) -> None:
    try:
        action()
        flash(done, "ok")
    except AppError as exc:
        if exc.status == 404:
            raise
        flash(said(exc), "error")


@bp.post("/<any(incident, assessment):object_type>s/<int:object_id>/attachments")
def evidence_upload(object_type: str, object_id: int) -> ResponseReturnValue:
    form = UploadForm()
    if not form.validate_on_submit():
        attachments.parent_incident(current_principal(), object_type, object_id)  # 404 first
        flash(_("Choose a file to attach."), "error")
        return _back(object_type, object_id, "#evidence-files")

    def store() -> None:
        upload = form.file.data
        principal = current_principal()
        detection, description = bool(form.detection.data), form.description.data or ""
        attachments.add_attachment(
            principal, object_type, object_id, upload.stream, upload.filename or "", detection, description
        )

    _attempt(store, "File attached.")
    return _back(object_type, object_id, "#evidence-files")


@bp.post("/incidents/<int:incident_id>/observables")
def evidence_observable(incident_id: int) -> ResponseReturnValue:
    form = ObservableForm()
    if not form.validate_on_submit():
        observables.list_observables(current_principal(), incident_id)  # 404 first
        flash(_("Give the observable's type and value."), "error")
        return _back("incident", incident_id, "#evidence-observables")
    data = {"type": form.type.data, "value": form.value.data, "tlp": form.tlp.data or None}
    data["detection"] = bool(form.detection.data)
    _attempt(lambda: observables.add_observable(current_principal(), incident_id, data), "Observable recorded.")
    return _back("incident", incident_id, "#evidence-observables")


@bp.post("/incidents/<int:incident_id>/techniques")
def evidence_techniques(incident_id: int) -> ResponseReturnValue:
    form = TechniquesForm()
    ids = [t for t in (form.techniques.data or "").replace(";", ",").split(",") if t.strip()]
    if form.validate_on_submit():
        _attempt(lambda: techniques.set_techniques(current_principal(), incident_id, ids), "Techniques saved.")
    else:
        flash(_("The techniques form was incomplete."), "error")
    return _back("incident", incident_id, "#evidence-techniques")


@bp.app_template_global()
def evidence_panel(object_type: str, object_id: int) -> dict[str, Any]:
    """What the evidence panels show, for the current principal (need to know applied)."""
    principal = current_principal()
    data: dict[str, Any] = {
        "files": [
            attachments.attachment_view(a) for a in attachments.list_attachments(principal, object_type, object_id)
        ],
        "upload_form": UploadForm(formdata=None),
        "sees_detection": sees_detection(principal, units()),
        "upload_url": url_for("web.evidence_upload", object_type=object_type, object_id=object_id),
    }
    if object_type == "incident":
        data["observables"] = [
            observables.observable_view(o) for o in observables.list_observables(principal, object_id)
        ]
        data["observable_form"] = ObservableForm(formdata=None)
        data["techniques"] = techniques.list_techniques(principal, object_id)
        data["techniques_form"] = TechniquesForm(
            formdata=None, techniques=", ".join(t["id"] for t in data["techniques"])
        )
        data["type_labels"] = TYPE_LABELS
    return data
