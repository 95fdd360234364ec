"""Forms of the assessment pages (API.md "Risk assessments"): a new assessment, a threat, a measure,
a new version. Risk levels are derived by the services, never entered; M1 is the services' too —
these forms only offer the choices the person may make (domain/assessments.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from incident_hub.domain.assessments import DOMAINS
from incident_hub.domain.lifecycle import PHASES
from incident_hub.ids import MAX_ID
from incident_hub.web.forms import label_choices, opt

SCALE_CHOICES = [opt(str(n)) for n in range(1, 6)]
WHEN = "%Y-%m-%dT%H:%M"


def utc(value: Any) -> datetime | None:
    """A `datetime-local` value, read as UTC (the pages say so next to the field)."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) else None


class NewAssessmentForm(FlaskForm):  # type: ignore[misc]
    """For an incident (joint when its rule is R2 or R3), or for a premises or asset with no incident."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    incident_id = IntegerField(
        _l("Incident number"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)], render_kw={"min": 1}
    )
    subject = StringField(_l("Premises or asset (when there is no incident)"), validators=[Optional(), Length(max=200)])
    review_due_at = DateTimeLocalField(_l("Review due (UTC)"), format=WHEN, validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        if self.incident_id.data is None and not self.incident_id.errors and not (self.subject.data or "").strip():
            self.subject.errors = [_l("Give the incident's number, or name the premises or asset assessed.")]
            return False
        return ok

    def data_in(self) -> dict[str, Any]:
        return {
            "title": self.title.data.strip(),
            "incident_id": self.incident_id.data,
            "subject": (self.subject.data or "").strip(),
            "review_due_at": utc(self.review_due_at.data),
        }


class ThreatForm(FlaskForm):  # type: ignore[misc]
    """A threat of an assessment; its risk level is derived, never entered."""

    title = StringField(_l("Threat"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    domain = SelectField(_l("Domain"), choices=label_choices(DOMAINS[::-1], "threat_domain"), default="physical")
    likelihood = SelectField(_l("Likelihood (1-5)"), choices=SCALE_CHOICES, default="3", coerce=int)
    impact = SelectField(_l("Impact (1-5)"), choices=SCALE_CHOICES, default="3", coerce=int)

    def offer_domains(self, domains: tuple[str, ...]) -> None:
        """Only the domains the person may write (domain/assessments.threat_domains_for)."""
        self.domain.choices = label_choices(tuple(d for d in DOMAINS[::-1] if d in domains), "threat_domain")

    def data_in(self) -> dict[str, Any]:
        return {
            "title": self.title.data.strip(),
            "description": self.description.data or "",
            "domain": self.domain.data,
            "likelihood": self.likelihood.data,
            "impact": self.impact.data,
        }


class MeasureFields(FlaskForm):  # type: ignore[misc]
    """A prevention or mitigation measure with its residual likelihood and impact; tracked as an
    action (with a due date) when asked."""

    kind = SelectField(_l("Kind"), choices=label_choices(PHASES, "measure_kind"), default="mitigation")
    description = StringField(_l("Measure"), validators=[DataRequired(), Length(max=10000)])
    owner_unit = SelectField(_l("Owner unit"), choices=[])
    residual_likelihood = SelectField(_l("Residual likelihood"), choices=[opt("", "—"), *SCALE_CHOICES], default="")
    residual_impact = SelectField(_l("Residual impact"), choices=[opt("", "—"), *SCALE_CHOICES], default="")
    due_at = DateTimeLocalField(_l("Due (UTC)"), format=WHEN, validators=[Optional()])
    track_as_action = BooleanField(_l("Track as an action (on the actions board, with this due date)"))

    def data_in(self) -> dict[str, Any]:
        def number(value: str | None) -> int | None:
            return int(value) if value else None

        return {
            "kind": self.kind.data,
            "description": self.description.data.strip(),
            "owner_unit": self.owner_unit.data,
            "residual_likelihood": number(self.residual_likelihood.data),
            "residual_impact": number(self.residual_impact.data),
            "due_at": utc(self.due_at.data),
            "track_as_action": bool(self.track_as_action.data),
        }


class MeasureForm(MeasureFields):
    """The add-measure form of the assessment page: which threat it answers is chosen there."""

    threat_id = HiddenField(validators=[DataRequired()])


class VersionForm(FlaskForm):  # type: ignore[misc]
    """A new version: the current one is frozen (read-only), its threats and measures copied."""

    title = StringField(_l("Title of the new version (empty: keep)"), validators=[Optional(), Length(max=200)])
    review_due_at = DateTimeLocalField(_l("Review due (UTC, empty: keep)"), format=WHEN, validators=[Optional()])
    note = TextAreaField(_l("Why a new version"), validators=[Optional(), Length(max=2000)])

    def data_in(self) -> dict[str, Any]:
        data: dict[str, Any] = {"note": (self.note.data or "").strip()}
        if (self.title.data or "").strip():
            data["title"] = self.title.data.strip()
        if self.review_due_at.data:
            data["review_due_at"] = utc(self.review_due_at.data)
        return data
