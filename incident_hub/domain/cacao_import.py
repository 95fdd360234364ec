"""A CACAO v2.0 document (already schema-valid and `check_document`-clean) → our playbook definition.

The inverse of `cacao.to_cacao`: action steps become steps; their agent's name is the owner unit
code; `step_variables` give the step id, phase, mandate, dependencies and due delay. A document
from another tool without these variables still imports: step ids are `step-N`, the phase is
`mitigation`, the due delay comes from `timeout` (else 1d), and a step depends on the action steps
that lead to it. The playbook variable `__applies_to__` (JSON) is required: incident_hub must know
which incidents a playbook applies to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from incident_hub.domain.cacao import Fields, _refs
from incident_hub.domain.playbooks import PlaybookDef, PlaybookInvalid, format_delay, validate_definition
from incident_hub.domain.units import UnitRegistry

SUPPORTED_STEPS = ("start", "end", "action", "parallel")


def _value(variables: Any, name: str) -> Any:
    if isinstance(variables, Mapping) and isinstance(variables.get(name), Mapping):
        return variables[name].get("value")
    return None


def _predecessors(workflow: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each action step, the nearest action steps whose links lead to it (through parallel steps)."""
    preds: dict[str, list[str]] = {sid: [] for sid, s in workflow.items() if s.get("type") == "action"}
    for sid in preds:
        todo, seen = [ref for _, ref in _refs(workflow[sid])], set()
        while todo:
            nxt = todo.pop()
            if nxt in seen or nxt not in workflow:
                continue
            seen.add(nxt)
            if nxt in preds:
                preds[nxt].append(sid)
            else:
                todo.extend(ref for _, ref in _refs(workflow[nxt]))
    return preds


def _order(doc: Mapping[str, Any]) -> list[str]:
    """Action step ids in the order reached from workflow_start (breadth first), for stable numbering."""
    workflow, order, seen, queue = doc["workflow"], [], set(), [doc["workflow_start"]]
    while queue:
        sid = queue.pop(0)
        if sid in seen or sid not in workflow:
            continue
        seen.add(sid)
        if workflow[sid].get("type") == "action":
            order.append(sid)
        queue.extend(ref for _, ref in _refs(workflow[sid]))
    return order


def _step(doc: Mapping[str, Any], sid: str, n: int, names: dict[str, str], preds: list[str]) -> dict[str, Any]:
    step = doc["workflow"][sid]
    variables = step.get("step_variables")
    agent = (doc.get("agent_definitions") or {}).get(step.get("agent"), {})
    due = _value(variables, "__due__")
    if due is None:
        timeout = step.get("timeout")
        due = format_delay(timedelta(milliseconds=timeout)) if isinstance(timeout, int) and timeout > 0 else "1d"
    depends = _value(variables, "__depends_on__")
    out = {
        "id": _value(variables, "__step_id__") or f"step-{n}",
        "title": step.get("name") or f"Step {n}",
        "phase": _value(variables, "__phase__") or "mitigation",
        "owner_unit": agent.get("name", ""),
        "mandate": _value(variables, "__mandate__"),
        "due": due,
        "depends_on": [d for d in depends.split(",") if d] if isinstance(depends, str) else [names[p] for p in preds],
    }
    if step.get("description"):
        out["description"] = step["description"]
    return out


def _applies_to(doc: Mapping[str, Any], fields: Fields) -> Any:
    raw = _value(doc.get("playbook_variables"), "__applies_to__")
    if raw is None:
        fields["playbook_variables.__applies_to__"] = ["is required: JSON saying when the playbook applies"]
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        fields["playbook_variables.__applies_to__"] = ["must be a JSON object"]
        return None


def from_cacao(doc: Mapping[str, Any], units: UnitRegistry) -> tuple[PlaybookDef | None, Fields]:
    """(definition, {}) or (None, field errors named by CACAO path)."""
    fields: Fields = {}
    workflow = doc["workflow"]
    for sid, step in workflow.items():
        if step.get("type") not in SUPPORTED_STEPS:
            fields[f"workflow.{sid}.type"] = [f"step type {step.get('type')!r} is not supported by incident_hub"]
    applies = _applies_to(doc, fields)
    if fields:
        return None, fields
    order = _order(doc)
    preds = _predecessors(workflow)
    names: dict[str, str] = {}
    steps = []
    for n, sid in enumerate(order, start=1):
        steps.append(_step(doc, sid, n, names, preds[sid]))
        names[sid] = steps[-1]["id"]
    for step in steps:  # dependencies by graph may name steps numbered later
        step["depends_on"] = [names.get(d, d) for d in step["depends_on"]]
    key = _value(doc.get("playbook_variables"), "__playbook_key__") or "cacao-" + str(doc["id"]).split("--", 1)[1]
    data = {"key": key, "name": doc["name"], "description": doc.get("description", ""), "applies_to": applies}
    data["steps"] = [{k: v for k, v in s.items() if v is not None} for s in steps]
    try:
        return validate_definition(data, "import", units), {}
    except PlaybookInvalid as exc:
        return None, _translate(exc, order)


def _translate(exc: PlaybookInvalid, order: list[str]) -> Fields:
    """Problems named by our paths (steps[2].owner_unit) → CACAO paths (workflow.action--….agent)."""
    renames = {"owner_unit": "agent", "title": "name", "id": "step_variables.__step_id__"}
    out: Fields = {}
    for p in exc.problems:
        path = p.path
        if path.startswith("steps[") and "]" in path:
            index, rest = int(path[6 : path.index("]")]), path[path.index("]") + 2 :]
            field = rest.split("[")[0].split(".")[0]
            rest = renames.get(field, f"step_variables.__{field}__") + rest[len(field) :] if field else ""
            path = f"workflow.{order[index]}" + (f".{rest}" if rest else "") if index < len(order) else path
        elif path.startswith("applies_to"):
            path = "playbook_variables.__applies_to__" + path[len("applies_to") :]
        out.setdefault(path, []).append(p.problem)
    return out
