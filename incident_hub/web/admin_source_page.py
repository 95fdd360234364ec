"""`/admin/sources/<id>`: one intake source for admins — its endpoint and format, its mapping rules
(edited as JSON, every problem shown at the field with its path), and its recent deliveries
(accepted, refused with the reason; never a secret, a header or a body), with a
"Send test delivery" button that goes through the real intake path (services/intake/attempts.py).
Every POST answers with a redirect; refused mapping rules come back as typed, at the field.
"""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError
from incident_hub.i18n import said, said_fields
from incident_hub.services.intake import sources as svc
from incident_hub.services.intake.attempts import send_test_delivery, source_deliveries
from incident_hub.web.blueprint import bp
from incident_hub.web.drafts import refuse, restored
from incident_hub.web.forms import MappingForm, PostForm


def _key(source_id: int) -> str:
    return f"admin:source:{source_id}:mapping"


@bp.get("/admin/sources/<int:source_id>")
@require_roles(ADMIN)
def admin_source(source_id: int) -> ResponseReturnValue:
    source = svc.find_source(source_id)
    form = restored(MappingForm, _key(source_id), prefix="map") or MappingForm(
        prefix="map", formdata=None, mapping=json.dumps(source.mapping, indent=2, sort_keys=True)
    )
    return render_template(
        "admin/source.html",
        source=svc.source_view(source),
        form=form,
        attempts=source_deliveries(source.id),
        post_form=PostForm(),
    )


@bp.post("/admin/sources/<int:source_id>/mapping")
@require_roles(ADMIN)
def admin_source_mapping(source_id: int) -> ResponseReturnValue:
    svc.find_source(source_id)  # 404 first
    form = MappingForm(prefix="map")
    back = url_for("web.admin_source", source_id=source_id)
    if not form.validate_on_submit():
        return refuse(form, _key(source_id), back, "mapping")
    try:
        mapping = json.loads(form.mapping.data)
    except ValueError as exc:
        form.mapping.errors = [_("not valid JSON: %(error)s", error=str(exc))]
        return refuse(form, _key(source_id), back, "mapping")
    try:
        svc.update_source(current_principal().username, source_id, {"mapping": mapping})
    except AppError as exc:
        if exc.status == 404:
            raise
        fields = said_fields(exc)
        form.mapping.errors = [f"{path.removeprefix('mapping.')}: {m}" for path, ms in fields.items() for m in ms]
        form.mapping.errors = form.mapping.errors or [said(exc)]
        return refuse(form, _key(source_id), back, "mapping")
    flash(_("Mapping rules saved."), "ok")
    return redirect(url_for("web.admin_source", source_id=source_id) + "#mapping")


@bp.post("/admin/sources/<int:source_id>/test-delivery")
@require_roles(ADMIN)
def admin_source_test(source_id: int) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
    else:
        status, result, message = send_test_delivery(source_id)
        if result is not None:
            flash(
                _(
                    "Test delivery accepted (%(status)s): delivery %(id)s, %(alerts)s alert.",
                    status=status,
                    id=result.delivery_id,
                    alerts=result.alerts,
                ),
                "ok",
            )
        else:
            flash(_("Test delivery refused (%(status)s): %(message)s", status=status, message=message), "error")
    return redirect(url_for("web.admin_source", source_id=source_id) + "#deliveries")
