"""When an incident may be closed, and reopened (DOMAIN.md "People, notifications and follow-up":
Closing; A/77/88/Add.1 para 16: recommendations are implemented and tracked before the
partnership's work is done).

`→ closed` is refused while work is still open. Each check is one row of `CLOSURE_CHECKS`: a
small function of the `ClosureFacts` that returns what is still open under its name, or nothing.
A new condition is a new field of `ClosureFacts` and a new row here (issue 17 added the
post-incident review). A manager may close anyway with a written reason; a closed incident is reopened
(`closed → acknowledged`) only by a manager, with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from incident_hub.domain.translatable import N_, Counted, Listing, Text
from incident_hub.errors import Forbidden, RuleViolation, ValidationError

RULE = "closure"
MAX_REASON = 2000


@dataclass(frozen=True)
class OpenItem:
    """Something that keeps an incident open: an action, an assessment, a review."""

    kind: str
    id: int | None
    title: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "status": self.status}


@dataclass(frozen=True)
class ClosureFacts:
    """What the closure rule looks at, loaded by the service."""

    open_actions: tuple[OpenItem, ...] = ()
    joint_assessment_required: bool = False
    # The joint assessments of the incident and whether each is signed; none at all is "missing".
    joint_assessments: tuple[OpenItem, ...] = ()
    review_required: bool = False
    # The incident's post-incident review (issue 17): None when not started.
    review: OpenItem | None = None


@dataclass(frozen=True)
class Blocker:
    check: str
    message: Text
    items: tuple[OpenItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "message": str(self.message), "items": [i.to_dict() for i in self.items]}


def _actions_open(f: ClosureFacts) -> Blocker | None:
    if not f.open_actions:
        return None
    n = len(f.open_actions)
    return Blocker(
        "actions_open",
        Counted(
            "%(n)s action still open, in progress or blocked", "%(n)s actions still open, in progress or blocked", n=n
        ),
        f.open_actions,
    )


def _joint_assessment_unsigned(f: ClosureFacts) -> Blocker | None:
    if not f.joint_assessment_required:
        return None
    if any(a.status == "signed" for a in f.joint_assessments):
        return None
    if not f.joint_assessments:
        missing = OpenItem("assessment", None, N_("joint security risk assessment"), "missing")
        return Blocker(
            "joint_assessment_unsigned", Text(N_("the required joint assessment does not exist")), (missing,)
        )
    return Blocker(
        "joint_assessment_unsigned",
        Text(N_("the required joint assessment is not signed by both units")),
        f.joint_assessments,
    )


def _review_missing(f: ClosureFacts) -> Blocker | None:
    """NIST SP 800-61 Rev. 3: a review whose sign-offs are complete, for the severities that need one."""
    if not f.review_required or (f.review is not None and f.review.status == "signed"):
        return None
    if f.review is None:
        missing = OpenItem("review", None, N_("post-incident review"), "missing")
        return Blocker("review_missing", Text(N_("the required post-incident review has not been written")), (missing,))
    return Blocker("review_missing", Text(N_("the required post-incident review is not signed")), (f.review,))


# The checks, in the order the page lists them. Each returns what is still open, or None.
CLOSURE_CHECKS: tuple[tuple[str, Callable[[ClosureFacts], Blocker | None]], ...] = (
    ("actions_open", _actions_open),
    ("joint_assessment_unsigned", _joint_assessment_unsigned),
    ("review_missing", _review_missing),
)


def closure_blockers(facts: ClosureFacts) -> list[Blocker]:
    return [b for _, check in CLOSURE_CHECKS if (b := check(facts)) is not None]


def check_closure(facts: ClosureFacts, is_manager: bool, override_reason: str) -> str | None:
    """None when nothing is open; the override reason when a manager closes anyway; else 422
    (`details.rule = "closure"`, listing what is open) or 403 (an override by a non-manager)."""
    blockers = closure_blockers(facts)
    if not blockers:
        return None
    reason = override_reason.strip()
    if not reason:
        raise RuleViolation(
            Text(N_("The incident cannot be closed yet: %(open)s."), open=Listing(b.message for b in blockers)),
            {
                "rule": RULE,
                "open": [b.to_dict() for b in blockers],
                "override": "a manager may close anyway with override_reason",
            },
        )
    if not is_manager:
        raise Forbidden(Text(N_("Only a manager may close an incident that still has open work.")), {"rule": RULE})
    if len(reason) > MAX_REASON:
        raise ValidationError.for_fields({"override_reason": [Text(N_("at most %(n)s characters"), n=MAX_REASON)]})
    return reason


def check_resolution_note(note: str) -> str:
    """`→ resolved` records how the incident was resolved."""
    if not note.strip():
        raise ValidationError.for_fields({"note": [Text(N_("a resolution note is required to resolve an incident"))]})
    return note.strip()


def check_reopen(is_manager: bool, reason: str) -> str:
    """`closed → acknowledged`: a manager, with a reason."""
    if not is_manager:
        raise Forbidden(Text(N_("Only a manager may reopen a closed incident.")), {"rule": RULE})
    if not reason.strip():
        raise ValidationError.for_fields({"reason": [Text(N_("say why the incident is reopened"))]})
    return reason.strip()
