"""Checking a mapping document an admin submits (see domain/alert_mapping.py for its meaning):
every problem is named by its field, e.g. `mapping.rules.0.vectors`."""

from __future__ import annotations

import re
from typing import Any

from incident_hub.domain.alert_mapping import RULE_KEYS, default_mapping
from incident_hub.domain.facts import EFFECTS, SEVERITIES, VECTORS
from incident_hub.errors import ValidationError

TOP_KEYS = ("rules", "label_conventions", "group", "default_severity", "indicator_labels")
MAX_RULES = 200


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _check_rule(rule: Any, path: str, out: dict[str, list[str]]) -> None:
    if not isinstance(rule, dict):
        out[path] = ["must be an object"]
        return
    for key in set(rule) - set(RULE_KEYS):
        out[f"{path}.{key}"] = [f"unknown key; allowed: {', '.join(RULE_KEYS)}"]
    for key in ("match", "match_re"):
        if key in rule and not _is_str_map(rule[key]):
            out[f"{path}.{key}"] = ["must be an object of label name → string"]
    for name, pattern in (rule.get("match_re") or {}).items() if _is_str_map(rule.get("match_re")) else ():
        try:
            re.compile(pattern)
        except re.error as exc:
            out[f"{path}.match_re.{name}"] = [f"not a regular expression: {exc}"]
    for key, allowed in (("vectors", VECTORS), ("effects", EFFECTS)):
        value = rule.get(key)
        if value is not None and (not isinstance(value, list) or not set(value) <= set(allowed)):
            out[f"{path}.{key}"] = [f"must be a list of {', '.join(allowed)}"]
    if rule.get("deliberate") not in (None, True, False):
        out[f"{path}.deliberate"] = ["must be true, false or null"]
    if rule.get("severity") is not None and rule["severity"] not in SEVERITIES:
        out[f"{path}.severity"] = [f"must be one of {', '.join(SEVERITIES)}"]
    for key in ("location", "title"):
        if rule.get(key) is not None and (not isinstance(rule[key], str) or len(rule[key]) > 200):
            out[f"{path}.{key}"] = ["must be a string of at most 200 characters"]


def checked_mapping(data: Any, field: str = "mapping") -> dict[str, Any]:
    """A complete mapping (defaults filled in) or a ValidationError naming every bad field."""
    out: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise ValidationError.for_fields({field: ["must be an object"]})
    for key in set(data) - set(TOP_KEYS):
        out[f"{field}.{key}"] = [f"unknown key; allowed: {', '.join(TOP_KEYS)}"]
    rules = data.get("rules", [])
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        out[f"{field}.rules"] = [f"must be a list of at most {MAX_RULES} rules"]
    else:
        for i, rule in enumerate(rules):
            _check_rule(rule, f"{field}.rules.{i}", out)
    for key in ("label_conventions", "group"):
        if key in data and not isinstance(data[key], bool):
            out[f"{field}.{key}"] = ["must be true or false"]
    if "default_severity" in data and data["default_severity"] not in SEVERITIES:
        out[f"{field}.default_severity"] = [f"must be one of {', '.join(SEVERITIES)}"]
    labels = data.get("indicator_labels")
    if labels is not None and (not isinstance(labels, list) or not all(isinstance(v, str) for v in labels)):
        out[f"{field}.indicator_labels"] = ["must be a list of label names"]
    if out:
        raise ValidationError.for_fields(out, "The mapping rules are invalid: " + ", ".join(sorted(out)) + ".")
    return {**default_mapping(), **data}
