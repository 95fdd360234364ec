"""When an incident may be closed (DOMAIN.md "People, notifications and follow-up": Closing; API.md
"Vocabulary"; A/77/88/Add.1 para 16: recommendations are implemented and tracked).

`→ closed` is refused (422, `details.rule = "closure"`, listing what is open) while work is open.
Each check is one row of `CLOSURE_CHECKS`: a small function of the `ClosureFacts` returning what
is still open under its name, or nothing. A manager may close anyway with a written reason.

This first version holds the post-incident review check (issue 17); the actions and joint
assessment checks join it as rows of the same table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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

    review_required: bool = False
    # The incident's post-incident review: None when not started.
    review: OpenItem | None = None


@dataclass(frozen=True)
class Blocker:
    check: str
    message: str
    items: tuple[OpenItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "message": self.message, "items": [i.to_dict() for i in self.items]}


def _review_missing(f: ClosureFacts) -> Blocker | None:
    """NIST SP 800-61 Rev. 3: a review whose sign-offs are complete, for the severities that need one."""
    if not f.review_required or (f.review is not None and f.review.status == "signed"):
        return None
    if f.review is None:
        missing = OpenItem("review", None, "post-incident review", "missing")
        return Blocker("review_missing", "the required post-incident review has not been written", (missing,))
    return Blocker("review_missing", "the required post-incident review is not signed", (f.review,))


# The checks, in the order the page lists them. Each returns what is still open, or None.
CLOSURE_CHECKS: tuple[tuple[str, Callable[[ClosureFacts], Blocker | None]], ...] = (
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
            "The incident cannot be closed yet: " + "; ".join(b.message for b in blockers) + ".",
            {
                "rule": RULE,
                "open": [b.to_dict() for b in blockers],
                "override": "a manager may close anyway with override_reason",
            },
        )
    if not is_manager:
        raise Forbidden("Only a manager may close an incident that still has open work.", {"rule": RULE})
    if len(reason) > MAX_REASON:
        raise ValidationError.for_fields({"override_reason": [f"at most {MAX_REASON} characters"]})
    return reason
