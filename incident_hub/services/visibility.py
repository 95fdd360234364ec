"""Need to know in SQL (DOMAIN.md "Need to know"): which incidents, assessments and actions a person
may see. Every package that reads them filters through here. The rules are domain/access.py's
(`may_see_incident`, `may_see_assessment`, `may_see_action`); these clauses say the same in SQL,
and tests/services/test_visibility.py keeps the two in step.

"The unit takes part in the incident" is one row of `incident_units`, keyed (incident_id, unit).
Where that is the whole rule (incidents) it is an EXISTS, which PostgreSQL plans as a semi-join
driven by the list's sort index. Where it is one branch of an OR (actions), an EXISTS becomes a
hashed subplan: PostgreSQL hashes every incident the unit takes part in before the first row.
There the row is outer-joined instead (at most one per row, by its key), so a page probes the key
once per row it reads from the sort index and a count may merge-join (docs/lists.md, "Need to
know at scale")."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select, true
from sqlalchemy.orm import QueryableAttribute, aliased

from incident_hub.domain.access import Principal, sees_all_incidents
from incident_hub.domain.translatable import N_, Text
from incident_hub.errors import NotFound
from incident_hub.extensions import db
from incident_hub.models import Action, Assessment, Incident, IncidentUnit
from incident_hub.runtime import units

R = TypeVar("R", bound=tuple[Any, ...])


def _takes_part(incident_id: ColumnElement[Any] | QueryableAttribute[Any], unit: str | None) -> ColumnElement[bool]:
    return exists().where(IncidentUnit.incident_id == incident_id, IncidentUnit.unit == unit)


def _join_takes_part(
    q: Select[R], incident_id: QueryableAttribute[Any], unit: str | None
) -> tuple[Select[R], ColumnElement[bool]]:
    """`q` outer-joined to the unit's row of `incident_id` in `incident_units`, and the condition
    that the unit takes part (the row is there): `_takes_part` for a branch of an OR.

    The condition is `unit = :unit`, not `IS NOT NULL`: PostgreSQL then estimates its share from
    the unit's share of `incident_units` (a list's estimated total, services/listing.py); it takes
    a column of the outer join's nullable side as never null, and would estimate every row."""
    part = aliased(IncidentUnit)
    the_unit = literal(unit, IncidentUnit.unit.type)  # a value: without a unit, `= NULL`, never `IS NULL`
    q = q.outerjoin(part, and_(part.incident_id == incident_id, part.unit == the_unit))
    return q, part.unit == the_unit


def _assessment_seen(p: Principal) -> ColumnElement[bool]:
    """may_see_assessment: subject-only assessments, or those of an incident the unit takes part in."""
    return or_(Assessment.incident_id.is_(None), _takes_part(Assessment.incident_id, p.unit))


def incident_seen(
    principal: Principal, incident_id: ColumnElement[Any] | QueryableAttribute[Any]
) -> ColumnElement[bool]:
    """may_see_incident on a column holding an incident's id (true for whoever sees every incident)."""
    if sees_all_incidents(principal, units()):
        return true()
    return _takes_part(incident_id, principal.unit)


def visible_incidents(principal: Principal) -> Select[tuple[Incident]]:
    q = select(Incident)
    if not sees_all_incidents(principal, units()):
        q = q.where(incident_seen(principal, Incident.id))
    return q


def get_visible_incident(principal: Principal, incident_id: int) -> Incident:
    incident = db.session.execute(visible_incidents(principal).where(Incident.id == incident_id)).scalar_one_or_none()
    if incident is None:
        raise NotFound(Text(N_("No incident %(id)s."), id=incident_id))
    return incident


def visible_assessments(principal: Principal) -> Select[tuple[Assessment]]:
    q = select(Assessment)
    if not sees_all_incidents(principal, units()):
        q = q.where(_assessment_seen(principal))
    return q


def visible_actions(principal: Principal) -> Select[tuple[Action]]:
    """may_see_action: through its incident; without one, through its assessment; with neither,
    its owner unit."""
    q = select(Action)
    if sees_all_incidents(principal, units()):
        return q
    q, incident_seen = _join_takes_part(q, Action.incident_id, principal.unit)
    assessment_seen = exists().where(Assessment.id == Action.assessment_id, _assessment_seen(principal))
    no_incident = Action.incident_id.is_(None)
    return q.where(
        or_(
            incident_seen,
            and_(no_incident, Action.assessment_id.is_not(None), assessment_seen),
            and_(no_incident, Action.assessment_id.is_(None), Action.owner_unit == principal.unit),
        )
    )
