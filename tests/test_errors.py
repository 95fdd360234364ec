"""The exception tree drawn in errors.py's docstring is the real one: same classes, same bases,
same status and code, and no class left out of the drawing."""

from __future__ import annotations

import inspect
import re

import incident_hub.errors as errors
from incident_hub.errors import AppError

# "    │   ├── MandateViolation (422, mandate_violation; rule M1)": the column of the name gives
# the depth (4 characters a level), then status and code.
LINE = re.compile(r"^[ │├└─]*(?P<name>[A-Z]\w*) \((?P<status>\d{3}), (?P<code>[a-z_]+)[;)]")


def drawn_tree() -> dict[str, tuple[str | None, int, str]]:
    """{class name: (parent name or None, status, code)} as drawn in the docstring."""
    drawn: dict[str, tuple[str | None, int, str]] = {}
    stack: list[str] = []
    root_column: int | None = None
    for line in (errors.__doc__ or "").splitlines():
        match = LINE.match(line)
        if not match:
            continue
        column = match.start("name")
        root_column = column if root_column is None else root_column
        depth, rest = divmod(column - root_column, 4)
        assert rest == 0 and 0 <= depth <= len(stack), f"badly drawn line: {line!r}"
        del stack[depth:]
        drawn[match["name"]] = (stack[-1] if stack else None, int(match["status"]), match["code"])
        stack.append(match["name"])
    return drawn


def actual_tree() -> dict[str, tuple[str | None, int, str]]:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, AppError)]
    return {
        c.__name__: (None if c is AppError else c.__bases__[0].__name__, c.status, c.code)
        for c in classes
        if c.__module__ == errors.__name__
    }


def test_the_docstring_draws_a_tree():
    drawn = drawn_tree()
    assert drawn["AppError"] == (None, 500, "internal_error")
    assert drawn["MandateViolation"] == ("RuleViolation", 422, "mandate_violation")
    assert drawn["StaleDelivery"] == ("NotAuthenticated", 401, "stale_delivery")


def test_the_drawn_tree_matches_the_classes():
    assert drawn_tree() == actual_tree()


def test_each_error_has_one_base():
    for name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, AppError) and cls is not AppError:
            assert len(cls.__bases__) == 1, name
