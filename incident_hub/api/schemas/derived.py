"""Fields the service derives or sets itself: named in a request body, each is a 422 naming it,
never silently used (API.md "Incidents", "Risk assessments").

They are checked before loading instead of being declared as fields, so the OpenAPI spec's request
bodies list only what a client may send (outside test run, finding 5).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, pre_load


class RefusesDerived(Schema):
    """A request schema with `DERIVED`: field name → why it cannot be sent."""

    DERIVED: ClassVar[Mapping[str, str]] = {}

    @pre_load
    def _refuse_derived(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, Mapping):
            sent = {name: [why] for name, why in self.DERIVED.items() if name in data}
            if sent:
                raise ValidationError(sent)
        return data


def derived(what: str) -> str:
    return f"is derived ({what}) and never accepted as input"
