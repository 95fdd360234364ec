"""Mapping rules: alert labels → incident facts, so routing works on alerts too (DOMAIN.md
"Intake from monitoring tools"; A/77/88/Add.1 paras 14-16).

A source's mapping is data, editable by admins:

    {"rules": [{"match": {"alertname": "BadgeReaderOffline"}, "match_re": {"site": "nyc-.*"},
                "vectors": ["digital"], "effects": ["premises_security_gap"], "deliberate": null,
                "severity": "high", "location": "New York HQ", "title": "Badge readers offline"}],
     "label_conventions": true, "group": true, "default_severity": "medium",
     "indicator_labels": ["instance", "ip", "src_ip", "host", "url", "hash"]}

Every matching rule applies, in order: vectors and effects add up; severity, deliberate,
location and title come from the first rule that sets them. `match` is exact, `match_re` a
fully anchored regular expression (Alertmanager's route syntax). With `label_conventions`,
labels named `vectors`/`vector`, `effects`/`effect` (comma-separated), `deliberate`
(true/false), `severity`, and `location`/`site` fill what the rules left unset. No vector
known means rule R5: OICT triages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from incident_hub.domain.facts import EFFECTS, VECTORS

RULE_KEYS = ("match", "match_re", "vectors", "effects", "deliberate", "severity", "location", "title")
SEVERITY_WORDS = {
    "critical": "critical", "page": "critical", "emergency": "critical", "disaster": "critical", "fatal": "critical",
    "high": "high", "error": "high", "major": "high",
    "medium": "medium", "warning": "medium", "warn": "medium", "average": "medium",
    "low": "low", "info": "low", "informational": "low", "minor": "low", "none": "low",
}  # fmt: skip
DEFAULT_INDICATORS = ["instance", "ip", "src_ip", "dst_ip", "host", "url", "hash", "user"]
MAX_TEXT = 200


def default_mapping() -> dict[str, Any]:
    return {
        "rules": [],
        "label_conventions": True,
        "group": True,
        "default_severity": "medium",
        "indicator_labels": list(DEFAULT_INDICATORS),
    }


@dataclass(frozen=True)
class MappedFacts:
    vectors: list[str]
    effects: list[str]
    deliberate: bool | None
    severity: str
    location: str
    title: str | None


def _matches(rule: dict[str, Any], labels: dict[str, str]) -> bool:
    for name, value in (rule.get("match") or {}).items():
        if labels.get(name) != value:
            return False
    return all(re.fullmatch(pattern, labels.get(name, "")) for name, pattern in (rule.get("match_re") or {}).items())


def _split(value: str | None, allowed: tuple[str, ...]) -> list[str]:
    return [v for v in (part.strip() for part in (value or "").split(",")) if v in allowed]


def _bool(value: str | None) -> bool | None:
    return {"true": True, "yes": True, "false": False, "no": False}.get((value or "").strip().lower())


def _conventions(labels: dict[str, str]) -> dict[str, Any]:
    severity = SEVERITY_WORDS.get((labels.get("severity") or "").strip().lower())
    return {
        "vectors": _split(labels.get("vectors") or labels.get("vector"), VECTORS),
        "effects": _split(labels.get("effects") or labels.get("effect"), EFFECTS),
        "deliberate": _bool(labels.get("deliberate")),
        "severity": severity,
        "location": labels.get("location") or labels.get("site"),
    }


def map_alert(labels: dict[str, str], mapping: dict[str, Any]) -> MappedFacts:
    vectors: set[str] = set()
    effects: set[str] = set()
    scalars: dict[str, Any] = {}
    for rule in mapping.get("rules") or []:
        if not _matches(rule, labels):
            continue
        vectors.update(rule.get("vectors") or [])
        effects.update(rule.get("effects") or [])
        for name in ("deliberate", "severity", "location", "title"):
            if rule.get(name) is not None and name not in scalars:
                scalars[name] = rule[name]
    if mapping.get("label_conventions", True):
        found = _conventions(labels)
        vectors.update(found["vectors"])
        effects.update(found["effects"])
        for name in ("deliberate", "severity", "location"):
            if found[name] is not None and name not in scalars:
                scalars[name] = found[name]
    return MappedFacts(
        sorted(vectors),
        sorted(effects),
        scalars.get("deliberate"),
        scalars.get("severity") or mapping.get("default_severity") or "medium",
        str(scalars.get("location") or "")[:MAX_TEXT],
        scalars.get("title"),
    )


def incident_title(facts: MappedFacts, labels: dict[str, str], annotations: dict[str, str]) -> str:
    title = facts.title or annotations.get("summary") or labels.get("alertname") or "Monitoring alert"
    return title[:MAX_TEXT]


def detection_of(
    labels: dict[str, str], annotations: dict[str, str], fingerprint: str, sensor: str, mapping: dict[str, Any]
) -> dict[str, Any]:
    """The sensitive `detection` field (para 6): which sensor, which rule, which indicators."""
    names = mapping.get("indicator_labels") or DEFAULT_INDICATORS
    return {
        "sensor": sensor,
        "rule": labels.get("alertname") or labels.get("rule") or labels.get("__alert_rule_uid__") or "",
        "instance": labels.get("instance"),
        "indicators": [f"{n}={labels[n]}" for n in names if labels.get(n)],
        "fingerprint": fingerprint,
        "labels": dict(labels),
        "annotations": dict(annotations),
    }
