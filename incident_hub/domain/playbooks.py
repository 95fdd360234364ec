"""Playbooks (DOMAIN.md "Playbooks and actions"; A/77/88/Add.1 para 16): when they apply and the
prevention and mitigation steps they prescribe, each owned by a unit within its mandate (M1).

Pure: `validate_definition` turns a parsed mapping into a `PlaybookDef` or a list of
`PlaybookProblem`s naming the file, the field path and the problem; nothing half-loads.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from graphlib import CycleError, TopologicalSorter
from typing import Any

from incident_hub.domain.classification import classify
from incident_hub.domain.facts import EFFECTS, SEVERITIES, VECTORS, IncidentFacts, severity_rank
from incident_hub.domain.lifecycle import PHASES
from incident_hub.domain.units import MANDATES, UnitRegistry

TOP_KEYS = {"key", "name", "description", "applies_to", "steps"}
APPLIES_KEYS = {"vectors", "effects", "hybrid", "min_severity", "cyber_component", "physical_security_effect"}
STEP_KEYS = {"id", "title", "description", "phase", "owner_unit", "mandate", "due", "depends_on"}
REQUIRED_STEP = ("id", "title", "phase", "owner_unit", "due")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
STEP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
DELAY_RE = re.compile(r"^([1-9][0-9]{0,3})([mhdw])$")
DELAY_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_DELAY = timedelta(days=365)


@dataclass(frozen=True)
class PlaybookProblem:
    file: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.problem}"


@dataclass(frozen=True)
class AppliesTo:
    """Any listed vector, every listed effect, hybrid/cyber/physical when given, at least min_severity."""

    vectors: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    hybrid: bool | None = None
    cyber_component: bool | None = None
    physical_security_effect: bool | None = None
    min_severity: str = "low"


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    phase: str
    owner_unit: str
    due: str
    mandate: str | None = None
    description: str = ""
    depends_on: tuple[str, ...] = ()

    @property
    def delay(self) -> timedelta:
        return parse_delay(self.due)  # type: ignore[return-value]


@dataclass(frozen=True)
class PlaybookDef:
    key: str
    name: str
    applies_to: AppliesTo
    steps: tuple[Step, ...]
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form stored in the database and hashed."""
        a = self.applies_to
        applies: dict[str, Any] = {
            "vectors": list(a.vectors),
            "effects": list(a.effects),
            "min_severity": a.min_severity,
        }
        for name in ("hybrid", "cyber_component", "physical_security_effect"):
            if getattr(a, name) is not None:
                applies[name] = getattr(a, name)
        steps = [
            {
                "id": s.id,
                "title": s.title,
                "description": s.description,
                "phase": s.phase,
                "owner_unit": s.owner_unit,
                "mandate": s.mandate,
                "due": s.due,
                "depends_on": list(s.depends_on),
            }
            for s in self.steps
        ]
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "applies_to": applies,
            "steps": steps,
        }


class PlaybookInvalid(Exception):
    """Raised with every problem found; the playbook is not loaded at all."""

    def __init__(self, problems: list[PlaybookProblem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def parse_delay(text: object) -> timedelta | None:
    """'30m', '4h', '2d', '1w' → timedelta; None when malformed or longer than a year."""
    if not isinstance(text, str):
        return None
    match = DELAY_RE.match(text.strip())
    if not match:
        return None
    delay = timedelta(**{DELAY_UNITS[match.group(2)]: int(match.group(1))})
    return delay if delay <= MAX_DELAY else None


def format_delay(delay: timedelta) -> str:
    """The shortest delay text for a timedelta (rounded up to whole minutes)."""
    minutes = max(1, -(-int(delay.total_seconds()) // 60))
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


class _Checker:
    def __init__(self, file: str, units: UnitRegistry):
        self.file, self.units, self.problems = file, units, []  # type: ignore[var-annotated]

    def add(self, path: str, problem: str) -> None:
        self.problems.append(PlaybookProblem(self.file, path, problem))

    def unknown_keys(self, data: Mapping[str, Any], allowed: set[str], path: str) -> None:
        for key in sorted(set(data) - allowed, key=str):
            self.add(f"{path}.{key}" if path else str(key), f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def text(self, data: Mapping[str, Any], name: str, path: str, required: bool = True) -> str:
        value = data.get(name)
        if value is None:
            if required:
                self.add(path, "is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(path, "must be a non-empty string" if required else "must be a string")
            return ""
        return value.strip()

    def choices(self, value: Any, allowed: tuple[str, ...], path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add(path, "must be a list of strings")
            return ()
        for i, v in enumerate(value):
            if v not in allowed:
                self.add(f"{path}[{i}]", f"unknown value {v!r} (allowed: {', '.join(allowed)})")
        return tuple(dict.fromkeys(v for v in value if v in allowed))

    def flag(self, data: Mapping[str, Any], name: str, path: str) -> bool | None:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            self.add(path, "must be true, false or absent")
            return None
        return value


def _applies_to(c: _Checker, data: Any) -> AppliesTo:
    if not isinstance(data, Mapping):
        c.add("applies_to", "must be a mapping")
        return AppliesTo()
    c.unknown_keys(data, APPLIES_KEYS, "applies_to")
    severity = data.get("min_severity", "low")
    if severity not in SEVERITIES:
        c.add("applies_to.min_severity", f"must be one of {', '.join(SEVERITIES)}")
        severity = "low"
    applies = AppliesTo(
        vectors=c.choices(data.get("vectors"), VECTORS, "applies_to.vectors"),
        effects=c.choices(data.get("effects"), EFFECTS, "applies_to.effects"),
        hybrid=c.flag(data, "hybrid", "applies_to.hybrid"),
        cyber_component=c.flag(data, "cyber_component", "applies_to.cyber_component"),
        physical_security_effect=c.flag(data, "physical_security_effect", "applies_to.physical_security_effect"),
        min_severity=severity,
    )
    if not (applies.vectors or applies.effects or applies.hybrid is not None):
        c.add(
            "applies_to",
            "must name at least one of vectors, effects or hybrid (not everything)",
        )
    return applies


def _mandate(c: _Checker, step: Mapping[str, Any], path: str, owner: str) -> str | None:
    mandate = step.get("mandate")
    if mandate is None:
        return None
    if mandate not in MANDATES:
        c.add(f"{path}.mandate", f"unknown mandate {mandate!r} (allowed: {', '.join(MANDATES)})")
        return None
    unit = c.units.get(owner)
    if unit is not None and not unit.holds(mandate):
        c.add(f"{path}.owner_unit", f"rule M1: unit {owner} does not hold the {mandate!r} mandate this step needs")
    return str(mandate)


def _step(c: _Checker, data: Any, i: int) -> Step | None:
    path = f"steps[{i}]"
    if not isinstance(data, Mapping):
        c.add(path, "must be a mapping")
        return None
    c.unknown_keys(data, STEP_KEYS, path)
    before = len(c.problems)
    values = {name: c.text(data, name, f"{path}.{name}") for name in REQUIRED_STEP}
    if values["id"] and not STEP_ID_RE.match(values["id"]):
        c.add(f"{path}.id", "must be lower-case letters, digits, '-' or '_' (at most 60)")
    if values["phase"] and values["phase"] not in PHASES:
        c.add(f"{path}.phase", f"must be one of {', '.join(PHASES)}")
    if values["owner_unit"] and values["owner_unit"] not in c.units:
        c.add(f"{path}.owner_unit", f"unknown unit {values['owner_unit']!r} (configured: {', '.join(c.units.codes())})")
    if values["due"] and parse_delay(values["due"]) is None:
        c.add(f"{path}.due", f"bad delay {values['due']!r}: use a number and m, h, d or w (e.g. 4h, 2d), at most 365d")
    mandate = _mandate(c, data, path, values["owner_unit"])
    depends = c.choices(data.get("depends_on"), _ANY, f"{path}.depends_on")
    description = c.text(data, "description", f"{path}.description", required=False)
    if len(c.problems) > before:
        return None
    return Step(depends_on=depends, mandate=mandate, description=description, **values)


class _AnyStr(tuple):  # type: ignore[type-arg]
    """Membership for `choices` when any string is allowed (dependencies are checked later)."""

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str)


_ANY: tuple[str, ...] = _AnyStr()


def _check_graph(c: _Checker, raw_steps: list[Any], steps: list[Step]) -> None:
    ids: dict[str, int] = {}
    for i, raw in enumerate(raw_steps):
        sid = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(sid, str):
            if sid in ids:
                c.add(f"steps[{i}].id", f"duplicate step id {sid!r} (first at steps[{ids[sid]}])")
            else:
                ids[sid] = i
    for i, raw in enumerate(raw_steps):
        deps = raw.get("depends_on") if isinstance(raw, Mapping) else None
        for j, dep in enumerate(deps if isinstance(deps, list) else []):
            if isinstance(dep, str) and dep not in ids:
                c.add(f"steps[{i}].depends_on[{j}]", f"unknown dependency {dep!r}")
            elif dep == raw.get("id"):
                c.add(f"steps[{i}].depends_on[{j}]", "a step cannot depend on itself")
    cycle = find_cycle(steps)
    if cycle:
        c.add("steps", f"dependency cycle: {' -> '.join(cycle)}")


def _sorter(steps: list[Step] | tuple[Step, ...]) -> TopologicalSorter[str]:
    """The dependency graph of the steps (a dependency naming no step is reported elsewhere)."""
    known = {s.id for s in steps}
    graph: TopologicalSorter[str] = TopologicalSorter()
    for s in steps:
        graph.add(s.id, *(d for d in s.depends_on if d in known))
    return graph


def find_cycle(steps: list[Step] | tuple[Step, ...]) -> list[str] | None:
    """A dependency cycle as a list of step ids (first id repeated at the end), or None.

    Read as "depends on": in [a, b, a], a depends on b and b on a.
    """
    try:
        _sorter(steps).prepare()
    except CycleError as exc:
        # graphlib lists each node before the node that depends on it; we read the other way.
        return list(reversed(exc.args[1]))
    return None


def topological_order(steps: tuple[Step, ...]) -> list[Step]:
    """Steps so that each comes after its dependencies, otherwise in file order (stable).

    At each turn the earliest step in the file whose dependencies are all placed comes next.
    """
    position = {s.id: i for i, s in enumerate(steps)}
    graph = _sorter(steps)
    graph.prepare()
    ready: list[int] = []
    order: list[Step] = []
    while graph.is_active():
        for sid in graph.get_ready():
            heapq.heappush(ready, position[sid])
        step = steps[heapq.heappop(ready)]
        order.append(step)
        graph.done(step.id)
    return order


def validate_definition(data: Any, file: str, units: UnitRegistry, default_key: str = "") -> PlaybookDef:
    """A `PlaybookDef`, or `PlaybookInvalid` carrying every problem (file, field path, reason)."""
    c = _Checker(file, units)
    if not isinstance(data, Mapping):
        raise PlaybookInvalid([PlaybookProblem(file, "(top)", "must be a mapping with name, applies_to and steps")])
    c.unknown_keys(data, TOP_KEYS, "")
    key = data.get("key", default_key)
    if not isinstance(key, str) or not KEY_RE.match(key):
        c.add("key", "must be lower-case letters, digits, '-' or '_' (at most 80), starting with a letter or digit")
    name = c.text(data, "name", "name")
    description = c.text(data, "description", "description", required=False)
    applies = _applies_to(c, data.get("applies_to")) if "applies_to" in data else None
    if applies is None:
        c.add("applies_to", "is required")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        c.add("steps", "must be a non-empty list")
        raw_steps = []
    steps = [s for s in (_step(c, raw, i) for i, raw in enumerate(raw_steps)) if s is not None]
    _check_graph(c, raw_steps, steps)
    if c.problems:
        raise PlaybookInvalid(c.problems)
    return PlaybookDef(str(key), name, applies or AppliesTo(), tuple(steps), description)


def from_stored(definition: Mapping[str, Any], units: UnitRegistry) -> PlaybookDef:
    return validate_definition(definition, f"stored:{definition.get('key')}", units, str(definition.get("key", "")))


def applies(p: PlaybookDef, facts: IncidentFacts, severity: str) -> bool:
    """Does playbook `p` apply to an incident with these facts and severity (DOMAIN.md "Playbooks")?"""
    a = p.applies_to
    if a.vectors and not (facts.vectors & set(a.vectors)):
        return False
    if not set(a.effects) <= facts.effects:
        return False
    if severity not in SEVERITIES or severity_rank(severity) < severity_rank(a.min_severity):
        return False
    c = classify(facts)
    for name, wanted in (
        ("hybrid", a.hybrid),
        ("cyber_component", a.cyber_component),
        ("physical_security_effect", a.physical_security_effect),
    ):
        if wanted is not None and bool(getattr(c, name)) is not wanted:
            return False
    return True
