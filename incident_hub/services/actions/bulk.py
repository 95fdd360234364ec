"""Several actions changed at once (API.md "Actions": `POST /actions/bulk`; the board's bulk bar).

A loop over the single-action use cases: each action is its own unit of work, so one refusal (M1,
the lifecycle, need to know) leaves the others done, and every change is audited as if made alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incident_hub.domain.access import Principal
from incident_hub.domain.translatable import Text
from incident_hub.errors import AppError, ValidationError
from incident_hub.services.actions.commands import transition_action, update_action

OPERATIONS = ("assign", "transition")
MAX_IDS = 200


@dataclass(frozen=True)
class BulkResult:
    id: int
    status: str | None  # the action's status after the change; None when refused
    error: dict[str, Any] | None  # {"status", "code", "message", "details"} of the refusal
    # The refusal as a person reads it (its first field message, else its message), for pages to say in
    # the reader's language; the API answers `error`.
    reason: Text | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def bulk_change(
    principal: Principal,
    ids: list[int],
    op: str,
    *,
    assignee: str | None = None,
    to: str = "",
    evidence: str = "",
    reason: str = "",
) -> list[BulkResult]:
    """One result per distinct id, in the order given."""
    if op not in OPERATIONS:
        raise ValidationError.for_fields({"op": [f"must be one of {', '.join(OPERATIONS)}"]})
    if not ids:
        raise ValidationError.for_fields({"ids": ["select at least one action"]})
    if len(set(ids)) > MAX_IDS:
        raise ValidationError.for_fields({"ids": [f"at most {MAX_IDS} actions at once"]})
    if op == "transition" and not to:
        raise ValidationError.for_fields({"to": ["the target status is required"]})
    results = []
    for action_id in dict.fromkeys(ids):
        try:
            if op == "assign":
                action = update_action(principal, action_id, {"assignee": assignee})
            else:
                action = transition_action(principal, action_id, to, evidence, reason)
        except AppError as exc:
            error = {"status": exc.status, "code": exc.code, "message": exc.message, "details": exc.details}
            refusal = next((texts[0] for texts in exc.field_texts.values() if texts), exc.text)
            results.append(BulkResult(action_id, None, error, refusal))
        else:
            results.append(BulkResult(action_id, action.status, None))
    return results
