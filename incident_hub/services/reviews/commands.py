"""Post-incident review use cases (DOMAIN.md "Learning"; NIST SP 800-61 Rev. 3; A/77/88/Add.1
para 16): write the review, sign it (both lead units' managers when joint), and turn a finding
into a prevention action through the action service, so M1, tracking and escalation are the same
as for every other action.

Each use case is one transaction: the change, its audit entry and a line on the incident's timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from incident_hub.clock import to_iso
from incident_hub.domain.access import Principal
from incident_hub.domain.assessments import SIGNED_ALREADY
from incident_hub.domain.reviews import (
    CONTENT_FIELDS,
    DRAFT,
    SIGNED,
    check_may_sign_review,
    check_may_write_review,
    finding_mandate,
    review_is_joint,
    review_status,
)
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import Conflict, NotFound, UnknownUnit, ValidationError
from incident_hub.models import Action, Incident, Review, ReviewFinding, ReviewSignoff
from incident_hub.runtime import units
from incident_hub.services.actions.commands import new_action, set_assignee
from incident_hub.services.reviews.queries import prefilled_moments, required_units, review_of, review_snapshot
from incident_hub.services.timeline import add_event
from incident_hub.services.uow import UnitOfWork, unit_of_work
from incident_hub.services.visibility import get_visible_incident

TITLE_LENGTH = 200


def _check_open(incident: Incident) -> None:
    if incident.status == "closed":
        raise Conflict(
            Text(N_("A closed incident's review cannot change; a manager may reopen the incident.")),
            {"status": "closed"},
        )


def _new_review(uow: UnitOfWork, incident: Incident) -> Review:
    review = Review(
        incident_id=incident.id,
        summary="",
        key_moments=prefilled_moments(uow.session, incident),
        went_well="",
        went_badly="",
        root_cause="",
        joint=review_is_joint(incident.rule),
        status=DRAFT,
        revision=1,
        created_by=uow.actor,
        created_at=uow.now,
        updated_at=uow.now,
    )
    uow.session.add(review)
    uow.flush()
    return review


def _apply_findings(uow: UnitOfWork, review: Review, items: list[dict[str, Any]]) -> None:
    """The list replaces the findings: an item with an `id` keeps that finding (and its action),
    one without is new, a finding left out is removed (its action, if any, carries on)."""
    by_id = {f.id: f for f in review.findings}
    errors: dict[str, list[str]] = {}
    kept: list[ReviewFinding] = []
    for n, item in enumerate(items):
        fid = item.get("id")
        if fid is None:
            if item.get("action_id") is not None:
                errors[f"findings.{n}.action_id"] = ["a new finding has no action yet; create it with POST …/action"]
            kept.append(ReviewFinding(text=item["text"], position=n, created_at=uow.now))
            continue
        finding = by_id.get(fid)
        if finding is None:
            errors[f"findings.{n}.id"] = [f"no finding {fid} in this review"]
        elif "action_id" in item and item["action_id"] != finding.action_id:
            errors[f"findings.{n}.action_id"] = ["set only by POST …/findings/{fid}/action"]
        else:
            finding.text, finding.position = item["text"], n
            kept.append(finding)
    if errors:
        raise ValidationError.for_fields(errors)
    review.findings = kept


def _void_signoffs(uow: UnitOfWork, incident: Incident, review: Review) -> None:
    """Signatories approved a text: a change after a sign-off voids every sign-off."""
    if not review.signoffs:
        return
    voided = sorted(s.unit for s in review.signoffs)
    review.signoffs = []
    review.signed_at = None
    uow.audit("review.signoffs_voided", "review", review.id, {"signed_by": voided}, {"signed_by": []})
    body = f"The post-incident review changed after it was signed: the sign-offs of {', '.join(voided)} are void."
    add_event(uow, incident.id, "review", body, {"review_id": review.id, "voided": voided})


def save_review(principal: Principal, incident_id: int, data: dict[str, Any]) -> tuple[Review, bool]:
    """PUT /incidents/{id}/review: create or replace the content; (review, created)."""
    try:
        with unit_of_work(principal.username) as uow:
            incident = get_visible_incident(principal, incident_id)
            check_may_write_review(principal, incident.lead_unit, incident.partner_units)
            _check_open(incident)
            review = review_of(uow.session, incident.id, for_update=True)
            created = review is None
            if review is None:
                review = _new_review(uow, incident)
            before = None if created else review_snapshot(review)
            for name in CONTENT_FIELDS:
                if name in data:
                    setattr(review, name, _moments(data[name]) if name == "key_moments" else data[name])
            if "findings" in data:
                _apply_findings(uow, review, data["findings"])
            uow.flush()
            after = review_snapshot(review)
            if created or _content(after) != _content(before):
                _record_change(uow, incident, review, created, before)
    except IntegrityError as exc:  # two first saves at once: UNIQUE (incident_id) decides
        raise Conflict(
            Text(N_("The review was started by someone else at the same moment; reload and retry."))
        ) from exc
    return review, created


def _moments(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Key moments as stored: oldest first, times in UTC ISO 8601."""
    ordered = sorted(items, key=lambda m: m["at"])
    return [{"at": to_iso(m["at"]), "what": m["what"].strip()} for m in ordered]


def _content(snapshot: dict[str, Any] | None) -> Any:
    if snapshot is None:
        return None
    return {k: v for k, v in snapshot.items() if k not in ("status", "revision")}


def _record_change(uow: UnitOfWork, incident: Incident, review: Review, created: bool, before: Any) -> None:
    if not created:
        review.revision += 1
        _void_signoffs(uow, incident, review)
    review.status = review_status(True, required_units(incident), [s.unit for s in review.signoffs])
    review.updated_at = uow.now
    action = "review.create" if created else "review.update"
    uow.audit(action, "review", review.id, before, review_snapshot(review))
    words = "started" if created else f"edited (revision {review.revision})"
    add_event(uow, incident.id, "review", f"Post-incident review {words}.", {"review_id": review.id})


def sign_review(principal: Principal, incident_id: int, note: str = "") -> Review:
    """POST /incidents/{id}/review/signoffs: a manager signs for their unit."""
    try:
        with unit_of_work(principal.username) as uow:
            incident = get_visible_incident(principal, incident_id)
            review = review_of(uow.session, incident.id, for_update=True)
            if review is None:
                raise NotFound(Text(N_("Incident %(id)s has no post-incident review yet."), id=incident_id))
            _check_open(incident)
            required = required_units(incident)
            signed = [s.unit for s in review.signoffs]
            unit = check_may_sign_review(principal, required, signed, bool(review.summary.strip()))
            review.signoffs.append(
                ReviewSignoff(
                    unit=unit,
                    user_id=principal.user_id or None,
                    username=principal.username,
                    revision=review.revision,
                    note=note,
                    at=uow.now,
                )
            )
            uow.flush()
            _refresh_status(uow, review, required)
            done = " — now signed by every required unit." if review.status == SIGNED else "."
            add_event(uow, incident.id, "review", f"{unit} signed the post-incident review{done}", {"unit": unit})
            uow.audit("review.sign", "review", review.id, None, {"unit": unit, "status": review.status})
    except IntegrityError as exc:  # the UNIQUE (review, unit) decides between two sign-offs at once
        raise Conflict(Text(SIGNED_ALREADY["review"], unit=principal.unit), {"unit": principal.unit}) from exc
    return review


def _refresh_status(uow: UnitOfWork, review: Review, required: frozenset[str]) -> None:
    status = review_status(True, required, [s.unit for s in review.signoffs])
    if status == SIGNED and review.status != SIGNED:
        review.signed_at = uow.now
    elif status != SIGNED:
        review.signed_at = None
    review.status = status


def sync_review(uow: UnitOfWork, incident: Incident) -> None:
    """After a re-route (services.incidents.after_routing): joint follows the rule, and the status
    the signers the new rule asks for."""
    review = review_of(uow.session, incident.id)
    if review is None:
        return
    joint = review_is_joint(incident.rule)
    before = {"joint": review.joint, "status": review.status}
    review.joint = joint
    _refresh_status(uow, review, required_units(incident))
    after = {"joint": review.joint, "status": review.status}
    if after != before:
        uow.audit("review.rerouted", "review", review.id, before, after)


def finding_action(principal: Principal, incident_id: int, finding_id: int, data: dict[str, Any]) -> Action:
    """POST /incidents/{id}/review/findings/{fid}/action: the finding's prevention action, once."""
    try:
        with unit_of_work(principal.username) as uow:
            incident = get_visible_incident(principal, incident_id)
            check_may_write_review(principal, incident.lead_unit, incident.partner_units)
            _check_open(incident)
            finding = _finding(uow, incident, finding_id)
            if finding.action_id is not None:
                raise Conflict(
                    Text(
                        N_("Finding %(id)s is already tracked as action %(action)s."),
                        id=finding_id,
                        action=finding.action_id,
                    ),
                    {"action_id": finding.action_id},
                )
            action = _prevention_action(uow, incident, finding, data)
            finding.action_id = action.id
            uow.flush()
            body = f"Review finding became prevention action {action.id} for {action.owner_unit}: {action.title}"
            add_event(uow, incident.id, "review", body, {"finding_id": finding.id, "action_id": action.id})
            uow.audit(
                "review.finding_action",
                "review",
                finding.review_id,
                None,
                {"finding_id": finding.id, "action_id": action.id},
            )
    except IntegrityError as exc:  # the same finding twice at once: UNIQUE (action_id) keeps one
        raise Conflict(Text(N_("Finding %(id)s was just tracked by someone else; reload."), id=finding_id)) from exc
    return action


def _finding(uow: UnitOfWork, incident: Incident, finding_id: int) -> ReviewFinding:
    review = review_of(uow.session, incident.id, for_update=True)
    finding = next((f for f in review.findings if f.id == finding_id), None) if review else None
    if finding is None:
        raise NotFound(
            Text(N_("No finding %(id)s in the review of incident %(incident)s."), id=finding_id, incident=incident.id)
        )
    return finding


def _prevention_action(uow: UnitOfWork, incident: Incident, finding: ReviewFinding, data: dict[str, Any]) -> Action:
    owner = data["owner_unit"]
    if owner not in units():
        raise UnknownUnit(owner, "owner_unit")
    due: datetime | None = data.get("due_at")
    action = new_action(
        uow,
        title=(data.get("title") or finding.text).strip()[:TITLE_LENGTH],
        phase="prevention",
        owner_unit=owner,
        mandate=data.get("mandate") or finding_mandate(incident.cyber_component),
        due_at=due,
        incident_id=incident.id,
        description=f"From the post-incident review of incident {incident.id}: {finding.text}",
    )
    if data.get("assignee"):
        set_assignee(uow, action, data["assignee"])
        uow.audit("action.update", "action", action.id, {"assignee_id": None}, {"assignee_id": action.assignee_id})
    return action
