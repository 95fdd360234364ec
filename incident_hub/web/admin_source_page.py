"""`/admin/sources/<id>`: one intake source for admins — its endpoint and format, its mapping rules
(edited as JSON, every problem shown at the field with its path), and its recent deliveries
(accepted, refused with the reason; never a secret, a header or a body), with a
"Send test delivery" button that goes through the real intake path (services/intake/attempts.py).
"""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from incident_hub.auth import current_principal, require_roles
from incident_hub.domain.access import ADMIN
from incident_hub.errors import AppError
from incident_hub.services.intake import sources as svc
from incident_hub.services.intake.attempts import send_test_delivery, source_deliveries
from incident_hub.web.blueprint import bp
from incident_hub.web.forms import MappingForm, PostForm


def _page(source_id: int, form: MappingForm | None = None, status: int = 200) -> ResponseReturnValue:
    source = svc.find_source(source_id)
    if form is None:
        form = MappingForm(prefix="map", formdata=None, mapping=json.dumps(source.mapping, indent=2, sort_keys=True))
    return (
        render_template(
            "admin/source.html",
            source=svc.source_view(source),
            form=form,
            attempts=source_deliveries(source.id),
            post_form=PostForm(),
        ),
        status,
    )


@bp.get("/admin/sources/<int:source_id>")
@require_roles(ADMIN)
def admin_source(source_id: int) -> ResponseReturnValue:
    return _page(source_id)


@bp.post("/admin/sources/<int:source_id>/mapping")
@require_roles(ADMIN)
def admin_source_mapping(source_id: int) -> ResponseReturnValue:
    form = MappingForm(prefix="map")
    if not form.validate_on_submit():
        return _page(source_id, form, 422)
    try:
        mapping = json.loads(form.mapping.data)
    except ValueError as exc:
        form.mapping.errors = [f"not valid JSON: {exc}"]
        return _page(source_id, form, 422)
    try:
        svc.update_source(current_principal().username, source_id, {"mapping": mapping})
    except AppError as exc:
        if exc.status == 404:
            raise
        fields = exc.details.get("fields", {}) if isinstance(exc.details, dict) else {}
        form.mapping.errors = [f"{path.removeprefix('mapping.')}: {m}" for path, ms in fields.items() for m in ms]
        form.mapping.errors = form.mapping.errors or [exc.message]
        return _page(source_id, form, 422)
    flash("Mapping rules saved.", "ok")
    return redirect(url_for("web.admin_source", source_id=source_id) + "#mapping")


@bp.post("/admin/sources/<int:source_id>/test-delivery")
@require_roles(ADMIN)
def admin_source_test(source_id: int) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        flash("The form expired; try again.", "error")
    else:
        status, result, message = send_test_delivery(source_id)
        if result is not None:
            flash(f"Test delivery accepted ({status}): delivery {result.delivery_id}, {result.alerts} alert.", "ok")
        else:
            flash(f"Test delivery refused ({status}): {message}", "error")
    return redirect(url_for("web.admin_source", source_id=source_id) + "#deliveries")
