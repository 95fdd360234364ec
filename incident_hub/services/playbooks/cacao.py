"""CACAO v2.0 export and import of playbooks (API.md "Playbooks"; reference/STANDARDS.md §5).

Imports are validated against the CACAO v2.0 JSON schemas shipped in incident_hub/data
(draft-07, entry playbook.json) and then by `domain.cacao.check_document`; any failure is a 422
with field errors, and nothing is stored.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from sqlalchemy import func, select

from incident_hub.domain.access import Principal
from incident_hub.domain.cacao import check_document, to_cacao
from incident_hub.domain.cacao_import import from_cacao
from incident_hub.domain.playbooks import from_stored
from incident_hub.errors import ValidationError
from incident_hub.extensions import db
from incident_hub.models import Playbook
from incident_hub.runtime import units
from incident_hub.services.playbooks.sync import get_playbook, store_definition
from incident_hub.services.uow import unit_of_work

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "data" / "cacao-v2.0-schemas"
MAX_ERRORS = 50


@lru_cache(maxsize=4)
def playbook_validator(schema_dir: Path = SCHEMA_DIR) -> Draft7Validator:
    """A draft-07 validator for playbook.json, its $refs resolved from local files (no network)."""
    resources = []
    for file in schema_dir.rglob("*.json"):
        contents = json.loads(file.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    registry: Registry = Registry().with_resources(resources)
    entry = json.loads((schema_dir / "playbook.json").read_text(encoding="utf-8"))
    return Draft7Validator(entry, registry=registry)


def schema_errors(doc: Any, validator: Draft7Validator | None = None) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    errors = sorted((validator or playbook_validator()).iter_errors(doc), key=lambda e: list(map(str, e.path)))
    for error in errors[:MAX_ERRORS]:
        path = ".".join(str(p) for p in error.absolute_path) or "_schema"
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        fields.setdefault(path, []).append(message)
    return fields


def export_cacao(playbook_id: int) -> dict[str, Any]:
    row = get_playbook(playbook_id)
    first = db.session.execute(select(func.min(Playbook.created_at)).where(Playbook.key == row.key)).scalar_one()
    names = {u.code: u.name for u in units()}
    return to_cacao(from_stored(row.definition, units()), first or row.created_at, row.created_at, names)


def import_cacao(principal: Principal, doc: Any) -> tuple[Playbook, bool]:
    """Validate and store a CACAO playbook as a new version of its key; (row, created)."""
    if not isinstance(doc, dict):
        raise ValidationError.for_fields({"_schema": ["must be a CACAO v2.0 playbook object"]})
    fields = schema_errors(doc) or check_document(doc)
    if fields:
        raise ValidationError.for_fields(fields, "Not a valid CACAO v2.0 playbook: " + ", ".join(sorted(fields)) + ".")
    definition, fields = from_cacao(doc, units())
    if definition is None:
        raise ValidationError.for_fields(fields, "The playbook cannot be used here: " + ", ".join(sorted(fields)) + ".")
    with unit_of_work(principal.username) as uow:
        row, created = store_definition(uow, definition, "import", doc["id"])
    return row, created
