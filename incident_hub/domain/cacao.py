"""OASIS CACAO Security Playbooks v2.0 (reference/STANDARDS.md §5): our playbooks to and from CACAO.

Export shape: one `start` step, one `action` step per playbook step, one `end` step. The steps
are **linearised**: `on_completion` links run start → steps in dependency (topological, then
file) order → end, so every step comes after all the steps it depends on. The exact
dependencies, phase, mandate and step id travel in each step's `step_variables`
(`__step_id__`, `__phase__`, `__mandate__`, `__depends_on__`, `__due__`), the applicability in
the playbook variable `__applies_to__`; the owner unit is an `organization` agent named by its
unit code. Ids are derived from the playbook key, so an export is stable; they are UUIDv4-shaped
(version and variant bits set on a SHA-256 prefix) as the spec requires of step ids.

`check_document` makes the checks the JSON schemas cannot (§5 "App must check").
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from incident_hub.domain.playbooks import PlaybookDef, topological_order

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
STEP_ID_RE = re.compile(
    rf"^(start|end|action|playbook-action|parallel|if-condition|while-condition|switch-condition)--{UUID4}$"
)
TIMESTAMP_MS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
LINK_KEYS = ("on_completion", "on_success", "on_failure", "on_true", "on_false")
TOP_LEVEL = {
    "type", "spec_version", "id", "name", "description", "playbook_types", "playbook_activities",
    "playbook_processing_summary", "created_by", "created", "modified", "revoked", "valid_from", "valid_until",
    "derived_from", "related_to", "priority", "severity", "impact", "industry_sectors", "labels",
    "external_references", "markings", "playbook_variables", "workflow_start", "workflow_exception", "workflow",
    "playbook_extensions", "authentication_info_definitions", "agent_definitions", "target_definitions",
    "extension_definitions", "data_marking_definitions", "signatures",
}  # fmt: skip
Fields = dict[str, list[str]]


def stable_uuid4(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(("incident_hub", *parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def timestamp_ms(moment: datetime) -> str:
    """RFC 3339 UTC with exactly three fractional digits, as CACAO requires."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _var(value: str | None, description: str) -> dict[str, Any]:
    return {"type": "string", "value": value, "constant": True, "description": description}


def to_cacao(p: PlaybookDef, created: datetime, modified: datetime, unit_names: Mapping[str, str]) -> dict[str, Any]:
    """A CACAO v2.0 playbook for `p` (see the module docstring for the mapping)."""
    order = topological_order(p.steps)
    start, end = f"start--{stable_uuid4(p.key, 'start')}", f"end--{stable_uuid4(p.key, 'end')}"
    ids = [f"action--{stable_uuid4(p.key, 'step', s.id)}" for s in order]
    agents = {u: f"organization--{stable_uuid4('unit', u)}" for u in dict.fromkeys(s.owner_unit for s in order)}
    workflow: dict[str, Any] = {start: {"type": "start", "name": "Start", "on_completion": ids[0]}}
    for step, sid, nxt in zip(order, ids, [*ids[1:], end], strict=True):
        body: dict[str, Any] = {
            "type": "action",
            "name": step.title,
            "commands": [{"type": "manual", "command": step.title}],
            "agent": agents[step.owner_unit],
            "timeout": int(step.delay.total_seconds() * 1000),
            "step_variables": {
                "__step_id__": _var(step.id, "incident_hub step id"),
                "__phase__": _var(step.phase, "prevention or mitigation"),
                "__mandate__": _var(step.mandate, "mandate the owner unit must hold (rule M1)"),
                "__depends_on__": _var(",".join(step.depends_on), "incident_hub step ids this step depends on"),
                "__due__": _var(step.due, "due delay after the incident is opened"),
            },
            "on_completion": nxt,
        }
        if step.description:
            body["description"] = step.description
        workflow[sid] = body
    workflow[end] = {"type": "end", "name": "End"}
    doc: dict[str, Any] = {
        "type": "playbook",
        "spec_version": "cacao-2.0",
        "id": f"playbook--{stable_uuid4(p.key)}",
        "name": p.name,
        "playbook_types": sorted({"prevention" if s.phase == "prevention" else "mitigation" for s in order}),
        "playbook_activities": ["step-sequence"],
        "created_by": f"identity--{stable_uuid4('identity')}",
        "created": timestamp_ms(created),
        "modified": timestamp_ms(max(modified, created)),
        "playbook_variables": {
            "__playbook_key__": _var(p.key, "incident_hub playbook key"),
            "__applies_to__": _var(json.dumps(p.to_dict()["applies_to"], sort_keys=True), "when it applies (JSON)"),
        },
        "workflow_start": start,
        "workflow": workflow,
        "agent_definitions": {
            ref: {"type": "organization", "name": unit, "description": unit_names.get(unit, unit)}
            for unit, ref in agents.items()
        },
    }
    if p.description:
        doc["description"] = p.description
    return doc


def _refs(step: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, referenced step id) for every link of a step."""
    out = [(k, step[k]) for k in LINK_KEYS if isinstance(step.get(k), str)]
    out += [(f"next_steps[{i}]", v) for i, v in enumerate(step.get("next_steps") or []) if isinstance(v, str)]
    cases = step.get("cases")
    if isinstance(cases, Mapping):
        out += [(f"cases.{k}", v) for k, v in cases.items() if isinstance(v, str)]
    return out


def _check_step(sid: str, step: Mapping[str, Any], doc: Mapping[str, Any], add: Any) -> None:
    kind = step.get("type")
    path = f"workflow.{sid}"
    if not STEP_ID_RE.match(sid) or sid.split("--")[0] != kind:
        add(path, f"step id must be '{kind}--<UUIDv4>'")
    if "on_completion" in step and ("on_success" in step or "on_failure" in step):
        add(path, "use on_completion or on_success/on_failure, never both")
    if kind in ("start", "end") and ("on_success" in step or "on_failure" in step):
        add(path, f"a {kind} step has no on_success/on_failure")
    if kind == "end" and _refs(step):
        add(path, "an end step has no links")
    for name, ref in _refs(step):
        if ref not in doc["workflow"]:
            add(f"{path}.{name}", f"references unknown step {ref!r}")
    agents = doc.get("agent_definitions") or {}
    if kind == "action" and isinstance(step.get("agent"), str) and step["agent"] not in agents:
        add(f"{path}.agent", f"references unknown agent {step['agent']!r}")
    for i, target in enumerate(step.get("targets") or []):
        if target not in (doc.get("target_definitions") or {}):
            add(f"{path}.targets[{i}]", f"references unknown target {target!r}")


def _check_times(doc: Mapping[str, Any], add: Any) -> None:
    for name in ("created", "modified", "valid_from", "valid_until"):
        value = doc.get(name)
        if isinstance(value, str) and not TIMESTAMP_MS_RE.match(value):
            add(name, "must be an RFC 3339 UTC timestamp with exactly 3 fractional digits (…T09:00:00.000Z)")
    created, modified = doc.get("created"), doc.get("modified")
    if isinstance(created, str) and isinstance(modified, str) and modified < created:
        add("modified", "must not be earlier than created")


def reachable(doc: Mapping[str, Any]) -> set[str]:
    workflow, seen = doc["workflow"], set()
    todo: list[Any] = [doc.get("workflow_start")]
    while todo:
        sid = todo.pop()
        if not isinstance(sid, str) or sid in seen or sid not in workflow:
            continue
        seen.add(sid)
        todo.extend(ref for _, ref in _refs(workflow[sid]))
    return seen


def check_document(doc: Mapping[str, Any]) -> Fields:
    """What the schemas do not check: unknown top-level properties, ids that are referenced but
    missing, unreachable steps, millisecond timestamps, step kinds present. {} when fine."""
    fields: Fields = {}

    def add(path: str, message: str) -> None:
        fields.setdefault(path, []).append(message)

    for name in sorted(set(doc) - TOP_LEVEL):
        add(name, "unknown property")
    workflow = doc.get("workflow")
    if not isinstance(workflow, Mapping) or not workflow:
        add("workflow", "must be a non-empty object of steps")
        return fields
    _check_times(doc, add)
    start = doc.get("workflow_start")
    if start not in workflow or workflow[start].get("type") != "start":
        add("workflow_start", "must name a start step of the workflow")
    kinds = [s.get("type") for s in workflow.values() if isinstance(s, Mapping)]
    for needed, label in (({"start"}, "start"), ({"action", "playbook-action"}, "action"), ({"end"}, "end")):
        if not needed & set(kinds):
            add("workflow", f"needs at least one {label} step")
    for sid, step in workflow.items():
        if isinstance(step, Mapping):
            _check_step(sid, step, doc, add)
    if "workflow_start" not in fields:
        for sid in sorted(set(workflow) - reachable(doc)):
            add(f"workflow.{sid}", "is not reachable from workflow_start")
    return fields
