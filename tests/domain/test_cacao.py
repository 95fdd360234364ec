"""CACAO v2.0: every shipped playbook's export validates against the reference JSON schemas
(incident_hub/data/cacao-v2.0-schemas, draft-07: the copy the app ships), passes the checks the schemas cannot make, and
round-trips back to the same playbook."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from incident_hub.domain.cacao import check_document, reachable, stable_uuid4, timestamp_ms, to_cacao
from incident_hub.domain.cacao_import import from_cacao
from incident_hub.domain.units import DEFAULT_UNITS
from incident_hub.services.playbooks.sync import parse_yaml

SCHEMAS = Path(__file__).resolve().parents[2] / "incident_hub" / "data" / "cacao-v2.0-schemas"
PLAYBOOKS = sorted((Path(__file__).resolve().parents[2] / "playbooks").glob("*.yaml"))
CREATED, MODIFIED = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
UUID4 = re.compile(r"--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@lru_cache(maxsize=1)
def validator() -> Draft7Validator:
    resources = []
    for file in SCHEMAS.rglob("*.json"):
        contents = json.loads(file.read_text())
        resources.append((contents["$id"], Resource.from_contents(contents)))
    entry = json.loads((SCHEMAS / "playbook.json").read_text())
    return Draft7Validator(entry, registry=Registry().with_resources(resources))


def export(path: Path) -> dict:
    p = parse_yaml(path.read_text(), path.name, DEFAULT_UNITS, path.stem)
    return to_cacao(p, CREATED, MODIFIED, {u.code: u.name for u in DEFAULT_UNITS})


def test_reference_schema_accepts_the_standards_example_and_rejects_a_broken_one():
    assert SCHEMAS.joinpath("SOURCE.md").exists()
    doc = export(PLAYBOOKS[0])
    broken = copy.deepcopy(doc)
    del broken["workflow_start"]
    assert list(validator().iter_errors(broken))


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_every_shipped_export_is_valid_cacao(path):
    doc = export(path)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(doc)]
    assert errors == []
    assert check_document(doc) == {}
    # What the schema cannot check: ids, reachability, timestamps, agent references.
    assert doc["created"] == "2026-01-02T03:04:05.678Z" and doc["modified"] == "2026-02-01T00:00:00.000Z"
    assert reachable(doc) == set(doc["workflow"])
    for sid, step in doc["workflow"].items():
        assert UUID4.search(sid), sid
        assert step.get("on_completion") in (None, *doc["workflow"])
        if step["type"] == "action":
            assert step["agent"] in doc["agent_definitions"]
            assert doc["agent_definitions"][step["agent"]]["type"] == "organization"
    kinds = [s["type"] for s in doc["workflow"].values()]
    assert kinds.count("start") == 1 and kinds.count("end") == 1 and "action" in kinds


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_linearisation_follows_dependencies(path):
    doc = export(path)
    order, sid = [], doc["workflow"][doc["workflow_start"]]["on_completion"]
    while doc["workflow"][sid]["type"] != "end":
        order.append(doc["workflow"][sid]["step_variables"]["__step_id__"]["value"])
        sid = doc["workflow"][sid]["on_completion"]
    for i, sid in enumerate(order):
        step = next(
            s
            for s in doc["workflow"].values()
            if s.get("step_variables", {}).get("__step_id__", {}).get("value") == sid
        )
        deps = [d for d in step["step_variables"]["__depends_on__"]["value"].split(",") if d]
        assert set(deps) <= set(order[:i])


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda p: p.stem)
def test_round_trip_gives_the_same_playbook(path):
    original = parse_yaml(path.read_text(), path.name, DEFAULT_UNITS, path.stem)
    doc = export(path)
    back, fields = from_cacao(doc, DEFAULT_UNITS)
    assert fields == {} and back is not None
    assert back.to_dict() == original.to_dict()
    assert to_cacao(back, CREATED, MODIFIED, {u.code: u.name for u in DEFAULT_UNITS}) == doc


def test_checks_the_schemas_cannot_make():
    doc = export(PLAYBOOKS[0])
    first_action = doc["workflow"][doc["workflow_start"]]["on_completion"]
    doc["workflow"][first_action]["on_completion"] = "end--" + stable_uuid4("missing")
    doc["created"] = "2026-01-02T03:04:05Z"
    doc["modified"] = "2025-01-01T00:00:00.000Z"
    doc["surprise"] = True
    fields = check_document(doc)
    assert "references unknown step" in fields[f"workflow.{first_action}.on_completion"][0]
    assert "3 fractional digits" in fields["created"][0]
    assert fields["surprise"] == ["unknown property"]
    unreachable = [k for k, v in fields.items() if "not reachable" in v[0]]
    assert unreachable


def test_links_rules_and_missing_agent():
    doc = export(PLAYBOOKS[0])
    start = doc["workflow_start"]
    doc["workflow"][start]["on_success"] = doc["workflow"][start]["on_completion"]
    action = doc["workflow"][start]["on_completion"]
    doc["workflow"][action]["agent"] = "organization--" + stable_uuid4("nobody")
    fields = check_document(doc)
    assert any("never both" in m for m in fields[f"workflow.{start}"])
    assert "unknown agent" in fields[f"workflow.{action}.agent"][0]


def test_foreign_playbook_without_our_variables_imports_with_graph_dependencies():
    doc = export(PLAYBOOKS[0])
    for step in doc["workflow"].values():
        step.pop("step_variables", None)
    doc["playbook_variables"].pop("__playbook_key__")
    back, fields = from_cacao(doc, DEFAULT_UNITS)
    assert fields == {} and back is not None
    assert back.key.startswith("cacao-") and back.steps[0].id == "step-1"
    assert back.steps[1].depends_on == ("step-1",)


def test_import_names_the_cacao_field_for_an_m1_violation():
    doc = export(PLAYBOOKS[0])
    agent = next(k for k, v in doc["agent_definitions"].items() if v["name"] == "OICT")
    doc["agent_definitions"][agent]["name"] = "DSS"
    back, fields = from_cacao(doc, DEFAULT_UNITS)
    assert back is None
    assert any(path.endswith(".agent") and "M1" in msgs[0] for path, msgs in fields.items())


def test_timestamp_ms():
    assert timestamp_ms(CREATED) == "2026-01-02T03:04:05.678Z"
