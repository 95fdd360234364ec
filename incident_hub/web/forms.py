"""Flask-WTF forms of the web pages; every one carries a CSRF token (auth.py checks it too)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from incident_hub.domain.access import ROLES
from incident_hub.domain.facts import EFFECTS, SEVERITIES, TLP_LABELS, VECTORS
from incident_hub.domain.labels import label
from incident_hub.domain.lifecycle import INCIDENT_STATUSES
from incident_hub.domain.translatable import NP_, Term
from incident_hub.i18n import translate
from incident_hub.ids import MAX_ID

DETECTION_FIELDS = ("detection_sensor", "detection_rule", "detection_indicators")
DELIBERATE = {"": None, "yes": True, "no": False}


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def opt(value: str, label: str | LazyString | None = None) -> SelectChoice:
    """A choice: the code as value, what people read in their language as label (the code when none).

    `opt` is an extraction keyword (scripts/translations), so a literal label is in the catalogues."""
    if label is None:
        return SelectChoice(value, value)
    if isinstance(label, Term):  # a word with a context (domain/translatable.py): looked up under it
        return SelectChoice(value, LazyString(translate, label))
    return SelectChoice(value, _l(label) if isinstance(label, str) else label)


def label_choices(values: tuple[str, ...] | list[str], kind: str) -> list[SelectChoice]:
    """Codes as values, labels (domain/labels.py) as what people read, in their language."""
    return [opt(v, LazyString(label, kind, v, translate)) for v in values]


class IncidentForm(FlaskForm):  # type: ignore[misc]
    """The facts of an incident (API.md "Incidents"): classification and routing are derived."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    vectors = MultiCheckboxField(_l("Vectors"), choices=label_choices(VECTORS, "vector"), validators=[Optional()])
    effects = MultiCheckboxField(_l("Effects"), choices=label_choices(EFFECTS, "effect"), validators=[Optional()])
    deliberate = SelectField(_l("Deliberate?"), choices=[opt("", "unknown"), opt("yes"), opt("no")], default="")
    severity = SelectField(_l("Severity"), choices=label_choices(SEVERITIES, "severity"), default="medium")
    tlp = SelectField(_l("TLP"), choices=[opt(t) for t in TLP_LABELS], default="TLP:AMBER")
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    occurred_at = DateTimeLocalField(_l("Occurred at (UTC)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    detection_sensor = StringField(_l("Detection: sensor"), validators=[Optional(), Length(max=200)])
    detection_rule = StringField(_l("Detection: rule"), validators=[Optional(), Length(max=200)])
    detection_indicators = TextAreaField(
        _l("Detection: indicators (one per line)"), validators=[Optional(), Length(max=5000)]
    )

    def without_detection(self) -> IncidentForm:
        """What a principal who may not see detection gets: no such fields at all (para 6)."""
        for name in DETECTION_FIELDS:
            delattr(self, name)
        return self

    @property
    def has_detection(self) -> bool:
        return "detection_sensor" in self._fields

    def detection(self) -> dict[str, Any] | None:
        if not self.has_detection:
            return None
        indicators = [line.strip() for line in (self.detection_indicators.data or "").splitlines() if line.strip()]
        sensor, rule = (self.detection_sensor.data or "").strip(), (self.detection_rule.data or "").strip()
        if not (sensor or rule or indicators):
            return None
        return {"sensor": sensor, "rule": rule, "indicators": indicators}

    def facts(self) -> dict[str, Any]:
        """The service's input, as the API would send it."""
        occurred = self.occurred_at.data
        data: dict[str, Any] = {
            "title": self.title.data.strip(),
            "description": self.description.data or "",
            "vectors": list(self.vectors.data or []),
            "effects": list(self.effects.data or []),
            "deliberate": DELIBERATE[self.deliberate.data or ""],
            "severity": self.severity.data,
            "tlp": self.tlp.data,
            "location": self.location.data or "",
            "occurred_at": occurred.replace(tzinfo=UTC) if isinstance(occurred, datetime) else None,
        }
        if self.has_detection:
            data["detection"] = self.detection()
        return data

    def fill(self, view: dict[str, Any]) -> None:
        """Pre-fill from an incident view (GET of the edit page)."""
        for name in ("title", "description", "vectors", "effects", "severity", "tlp", "location"):
            getattr(self, name).data = view[name]
        self.deliberate.data = {None: "", True: "yes", False: "no"}[view["deliberate"]]
        if view["occurred_at"]:
            self.occurred_at.data = datetime.fromisoformat(view["occurred_at"].replace("Z", "+00:00"))
        detection = view.get("detection") or {}
        if self.has_detection:
            self.detection_sensor.data = detection.get("sensor", "")
            self.detection_rule.data = detection.get("rule", "")
            self.detection_indicators.data = "\n".join(detection.get("indicators", []))


class EditIncidentForm(IncidentForm):
    lead_unit = SelectField(_l("Lead unit (manual override, rule M1)"), choices=[], default="", validators=[Optional()])


class CommentForm(FlaskForm):  # type: ignore[misc]
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])


class TransitionForm(FlaskForm):  # type: ignore[misc]
    """A status change of an incident: `resolved` takes a resolution note, `closed` with open work
    a manager's override reason, a reopen of a closed incident a reason (domain/closure.py)."""

    to = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    override_reason = TextAreaField(_l("Reason to close anyway"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class IncidentFilterForm(FlaskForm):  # type: ignore[misc]
    """GET filters of the incident list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"), choices=[opt("", "any"), *label_choices(INCIDENT_STATUSES, "incident_status")], default=""
    )
    lead_unit = SelectField(_l("Lead unit"), choices=[opt("", "any")], default="")
    severity = SelectField(_l("Severity"), choices=[opt("", "any"), *label_choices(SEVERITIES, "severity")], default="")
    hybrid = SelectField(
        _l("Hybrid"), choices=[opt("", "any"), opt("yes", "Hybrid"), opt("no", "Not hybrid")], default=""
    )
    rule = SelectField(
        _l("Rule"), choices=[opt("", "any"), *label_choices(("R1", "R2", "R3", "R4", "R5"), "rule")], default=""
    )
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    sort = SelectField(_l("Sort"), default="-created_at")


class UserForm(FlaskForm):  # type: ignore[misc]
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    role = SelectField(_l("Role"), choices=label_choices(ROLES, "role"))
    unit = SelectField(_l("Unit"), choices=[opt("", "none")], default="")
    password = PasswordField(_l("Password (empty: generate one)"), validators=[Optional(), Length(min=10, max=200)])


class TokenForm(FlaskForm):  # type: ignore[misc]
    username = SelectField(_l("User"), choices=[])
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])


class PostForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token."""


class ActionTransitionForm(FlaskForm):  # type: ignore[misc]
    """One status change of an action (API.md "Actions"): `done` needs evidence, `blocked` a reason."""

    to = HiddenField(validators=[DataRequired()])
    evidence = TextAreaField(_l("Evidence"), validators=[Optional(), Length(max=5000)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class SignForm(FlaskForm):  # type: ignore[misc]
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class SourceForm(FlaskForm):  # type: ignore[misc]
    """A new intake source (API.md "Intake"); its secret is generated and shown once."""

    name = StringField(_l("Name (lowercase, digits, - or _)"), validators=[DataRequired(), Length(max=64)])
    format = SelectField(_l("Format"), choices=[])
    rate_limit_per_minute = IntegerField(_l("Rate limit per minute (empty: none)"), validators=[Optional()])


class RotateForm(FlaskForm):  # type: ignore[misc]
    grace_hours = IntegerField(_l("Old secret valid for (hours)"), default=24, validators=[Optional()])


class ActionFilterForm(FlaskForm):  # type: ignore[misc]
    """GET filters of the actions board and list (API.md "Actions"; no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    owner_unit = SelectField(_l("Owner unit"), choices=[opt("", "any")], default="")
    status = SelectField(_l("Status"), choices=[opt("", "any")], default="")
    assignee = SelectField(_l("Assignee"), choices=[opt("", "anyone")], default="")
    incident_id = IntegerField(_l("Incident #"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    due_before = DateField(_l("Due before"), validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))
    sort = SelectField(_l("Sort"), default="due_at")


class BulkActionForm(FlaskForm):  # type: ignore[misc]
    """The bulk bar of the actions list: selected ids, what to do, and what it needs."""

    ids = SelectMultipleField(_l("Selected actions"), coerce=int, choices=[], validate_choice=False)
    op = SelectField(
        _l("With the selected actions"),
        choices=[
            opt("assign", NP_("bulk action", "Assign to")),
            opt("start", NP_("bulk action", "Start")),
            opt("cancel", NP_("bulk action", "Cancel")),
        ],
    )
    assignee = SelectField(_l("Assignee"), choices=[opt("", "nobody (unassign)")], default="", validate_choice=False)
    reason = StringField(_l("Reason (required to cancel)"), validators=[Optional(), Length(max=1000)])
    back = HiddenField()


class AssignForm(FlaskForm):  # type: ignore[misc]
    """The assignee picker of an action page: the owner unit's active users only."""

    assignee = SelectField("Assignee", choices=[], validate_choice=True)


class DueDateForm(FlaskForm):  # type: ignore[misc]
    due_at = DateTimeLocalField("New due date (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    reason = StringField("Why it changes", validators=[DataRequired(), Length(max=2000)])


class ReasonForm(FlaskForm):  # type: ignore[misc]
    """An irreversible change that records why (detach a playbook, reopen an incident)."""

    reason = StringField("Reason", validators=[DataRequired(), Length(max=2000)])


class UserEditForm(FlaskForm):  # type: ignore[misc]
    """An admin changes a user's role and unit (checked as on creation: rule M1)."""

    role = SelectField(_l("Role"), choices=label_choices(ROLES, "role"))
    unit = SelectField("Unit", choices=[opt("", "none")], default="")


class PasswordChangeForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField("Current (or one-time) password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    new_password_again = PasswordField("New password again", validators=[DataRequired(), Length(max=200)])


class MappingForm(FlaskForm):  # type: ignore[misc]
    """A source's mapping rules as JSON (domain/alert_mapping.py); errors name the path, e.g. rules.0.vectors."""

    mapping = TextAreaField("Mapping rules (JSON)", validators=[DataRequired(), Length(max=200_000)])


MOMENT_FORMAT = "%Y-%m-%d %H:%M"


class ReviewForm(FlaskForm):  # type: ignore[misc]
    """The post-incident review; key moments one per line as `2026-11-20 08:00 | what happened` (UTC).
    Existing findings come as `finding-<id>` fields (emptied: removed), new ones one per line."""

    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=20000)])
    key_moments = TextAreaField(
        _l("Key moments (one per line: YYYY-MM-DD HH:MM | what, in UTC)"), validators=[Optional()]
    )
    went_well = TextAreaField(_l("What went well"), validators=[Optional(), Length(max=20000)])
    went_badly = TextAreaField(_l("What did not go well"), validators=[Optional(), Length(max=20000)])
    root_cause = TextAreaField(_l("Root cause and contributing factors"), validators=[Optional(), Length(max=20000)])
    new_findings = TextAreaField(_l("New findings (one per line)"), validators=[Optional(), Length(max=20000)])

    def moments(self) -> list[dict[str, Any]] | None:
        """The parsed key moments, or None with the error on the field."""
        out = []
        for n, line in enumerate((self.key_moments.data or "").splitlines(), 1):
            if not line.strip():
                continue
            when, sep, what = line.partition("|")
            try:
                at = datetime.strptime(when.strip().removesuffix("UTC").strip(), MOMENT_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                at = None
            if at is None or not sep or not what.strip():
                self.key_moments.errors = [_("line %(n)s: write 'YYYY-MM-DD HH:MM | what happened'", n=n)]
                return None
            out.append({"at": at, "what": what.strip()})
        return out


class FindingActionForm(FlaskForm):  # type: ignore[misc]
    owner_unit = SelectField(_l("Owner unit"), choices=[])
    mandate = SelectField(_l("Work needs the mandate"), choices=[])
    assignee = StringField(_l("Assignee (username, optional)"), validators=[Optional(), Length(max=80)])
    due_at = DateTimeLocalField(_l("Due (UTC)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
